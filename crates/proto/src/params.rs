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

    /// Decodes an `application/x-www-form-urlencoded` body or query string: `&`-separated
    /// `name=value` pairs, `+` is a space, `%XX` is a byte, and the decoded bytes must be UTF-8.
    /// The server decodes the query with this function once and hands the same pairs to SigV4
    /// verification (the canonical query) and to [`Params::from_pairs`], so a request cannot
    /// mean anything but what was signed; a body goes through it too.
    pub fn parse_form(bytes: &[u8]) -> Result<Vec<(String, String)>, DecodeError> {
        bytes
            .split(|b| *b == b'&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = match pair.iter().position(|b| *b == b'=') {
                    Some(i) => (&pair[..i], &pair[i + 1..]),
                    None => (pair, &[][..]),
                };
                Ok((form_decode(name)?, form_decode(value)?))
            })
            .collect()
    }

    /// From borrowed pairs (tests, and callers that build a request by hand).
    pub fn from_strs(pairs: &[(&str, &str)]) -> Result<Self, DecodeError> {
        Self::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
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

    /// The indexes `N` of `prefix.N…`, ascending and deduplicated.
    pub fn indexes(&self, prefix: &str) -> Vec<u32> {
        let prefix = format!("{prefix}.");
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

/// One name or value: `+` → space, then percent-decoding; refused unless UTF-8 (a lossy
/// decoding would let different bytes read as the same text).
fn form_decode(raw: &[u8]) -> Result<String, DecodeError> {
    let spaced: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let bytes: Vec<u8> = percent_encoding::percent_decode(&spaced).collect();
    String::from_utf8(bytes).map_err(|_| {
        DecodeError::Malformed("The request's parameters are not valid UTF-8.".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params::from_strs(pairs).expect("params")
    }

    #[test]
    fn members_in_numeric_order() {
        let ps = p(&[
            ("A.member.10", "x"),
            ("A.member.2", "y"),
            ("A.member.1.Key", "k"),
            ("A.member.1.Value", "v"),
        ]);
        assert_eq!(ps.indexes("A.member"), vec![1, 2, 10]);
        assert!(ps.indexes("B.member").is_empty());
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
    fn plus_is_a_space_and_an_encoded_plus_is_a_plus() {
        let pairs = Params::parse_form(b"A=x+y&B=x%2By&C=x%20y&D&&E=1=2&F+G=").expect("form");
        assert_eq!(
            pairs,
            [
                ("A", "x y"),
                ("B", "x+y"),
                ("C", "x y"),
                ("D", ""),
                ("E", "1=2"),
                ("F G", ""),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .to_vec()
        );
    }

    #[test]
    fn decoded_bytes_must_be_utf8() {
        assert!(matches!(
            Params::parse_form(b"A=%FF"),
            Err(DecodeError::Malformed(_))
        ));
        assert!(matches!(
            Params::parse_form(&[b'A', b'=', 0xff]),
            Err(DecodeError::Malformed(_))
        ));
        assert_eq!(
            Params::parse_form(b"A=%E2%9C%93").expect("utf-8"),
            vec![("A".to_owned(), "\u{2713}".to_owned())]
        );
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
