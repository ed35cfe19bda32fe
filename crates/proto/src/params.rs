//! Form parameters of an awsQuery request: `Name=value`, `Name.member.N[.Field]` lists and
//! `Name.entry.N.key/value` maps.

use std::collections::BTreeMap;

use crate::DecodeError;

/// Decoded parameters; every name appears at most once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    map: BTreeMap<String, String>,
}

impl Params {
    /// Builds from decoded pairs. A repeated name is an error (parameter pollution is a
    /// routing/authorization differential; AWS never sends one).
    pub fn from_pairs(
        pairs: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, DecodeError> {
        let mut map = BTreeMap::new();
        for (k, v) in pairs {
            if map.contains_key(&k) {
                return Err(DecodeError::DuplicateParameter(k));
            }
            map.insert(k, v);
        }
        Ok(Self { map })
    }

    /// Decodes an `application/x-www-form-urlencoded` body or query string.
    pub fn parse_form(bytes: &[u8]) -> Result<Vec<(String, String)>, DecodeError> {
        if std::str::from_utf8(bytes).is_err() {
            return Err(DecodeError::Malformed(
                "The request body is not valid UTF-8.".to_owned(),
            ));
        }
        Ok(form_urlencoded::parse(bytes).into_owned().collect())
    }

    /// One value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// Whether any parameter starts with `prefix`.
    pub fn has_prefix(&self, prefix: &str) -> bool {
        self.map
            .range(prefix.to_owned()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(prefix))
    }

    /// The member indexes `N` of `name.member.N…`, ascending and deduplicated.
    pub fn member_indexes(&self, name: &str) -> Vec<u32> {
        let prefix = format!("{name}.member.");
        let mut out: Vec<u32> = self
            .map
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter_map(|(k, _)| k.get(prefix.len()..)?.split('.').next()?.parse().ok())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every parameter name (for tests and diagnostics).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.map.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
        .expect("params")
    }

    #[test]
    fn members_in_numeric_order() {
        let ps = p(&[
            ("A.member.10", "x"),
            ("A.member.2", "y"),
            ("A.member.1.Key", "k"),
            ("A.member.1.Value", "v"),
        ]);
        assert_eq!(ps.member_indexes("A"), vec![1, 2, 10]);
        assert!(ps.member_indexes("B").is_empty());
    }

    #[test]
    fn duplicates_are_refused() {
        let e = Params::from_pairs(vec![
            ("Action".into(), "A".into()),
            ("Action".into(), "B".into()),
        ]);
        assert_eq!(e, Err(DecodeError::DuplicateParameter("Action".into())));
    }

    #[test]
    fn form_plus_is_space() {
        let pairs = Params::parse_form(b"RoleSessionName=a+b&X=%2F").expect("form");
        assert_eq!(
            pairs,
            vec![
                ("RoleSessionName".into(), "a b".into()),
                ("X".into(), "/".into())
            ]
        );
    }
}
