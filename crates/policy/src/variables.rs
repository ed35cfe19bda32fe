//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team, 'default'}`, and the escapes
//! `${*}`, `${?}`, `${$}`. Only in `2012-10-17` documents, only in the resource part of
//! `Resource`/`NotResource` and in `String*`/`Arn*` condition values. A substituted value is
//! always literal: a user named `a*` does not become a wildcard.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>

use crate::{
    glob::{Glob, Tok},
    request::Context,
};

/// A piece of a string that may contain variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Plain text, where `*` and `?` keep their wildcard meaning.
    Text(String),
    /// A literal character from an escape.
    Escaped(char),
    /// `${key}` or `${key, 'default'}`; `key` is lowercased.
    Var {
        /// The context key, lowercased.
        key: String,
        /// The context key as written.
        name: String,
        /// The default when the key is absent.
        default: Option<String>,
    },
}

/// A string with variables, or a plain one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Template {
    /// No variables: precompiled.
    Static {
        /// The raw text.
        text: String,
        /// Its pattern.
        glob: Glob,
    },
    /// Has variables: resolved per request.
    Dynamic(Vec<Piece>),
}

/// Splits `s` into pieces. Returns `None` when there are no `${`.
pub fn pieces(s: &str) -> Option<Vec<Piece>> {
    if !s.contains("${") {
        return None;
    }
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        let Some(len) = rest.get(start..).and_then(|r| r.find('}')) else {
            break;
        };
        if start > 0 {
            out.push(Piece::Text(
                rest.get(..start).unwrap_or_default().to_owned(),
            ));
        }
        let inner = rest.get(start + 2..start + len).unwrap_or_default();
        out.push(match inner {
            "*" => Piece::Escaped('*'),
            "?" => Piece::Escaped('?'),
            "$" => Piece::Escaped('$'),
            _ => match inner.split_once(',') {
                Some((key, default)) => {
                    let default = default.trim();
                    let default = default
                        .strip_prefix('\'')
                        .and_then(|d| d.strip_suffix('\''))
                        .unwrap_or(default);
                    Piece::Var {
                        key: crate::request::fold_key(key.trim()),
                        name: key.trim().to_owned(),
                        default: Some(default.to_owned()),
                    }
                }
                None => Piece::Var {
                    key: crate::request::fold_key(inner.trim()),
                    name: inner.trim().to_owned(),
                    default: None,
                },
            },
        });
        rest = rest.get(start + len + 1..).unwrap_or_default();
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_owned()));
    }
    Some(out)
}

impl Template {
    /// Compiles; `variables` is false for `2008-10-17` documents (text stays literal text).
    pub fn new(s: &str, variables: bool) -> Self {
        match pieces(s).filter(|_| variables) {
            Some(p) => Template::Dynamic(p),
            None => Template::Static {
                text: s.to_owned(),
                glob: Glob::new(s),
            },
        }
    }

    /// The context keys of its variables, as written.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        let pieces: &[Piece] = match self {
            Template::Static { .. } => &[],
            Template::Dynamic(p) => p,
        };
        pieces.iter().filter_map(|p| match p {
            Piece::Var { name, .. } => Some(name.as_str()),
            _ => None,
        })
    }

    /// The pattern for this request; `None` when a variable has no value and no default.
    pub fn glob(&self, ctx: &Context) -> Option<std::borrow::Cow<'_, Glob>> {
        match self {
            Template::Static { glob, .. } => Some(std::borrow::Cow::Borrowed(glob)),
            Template::Dynamic(pieces) => {
                let mut toks = Vec::new();
                for p in pieces {
                    match p {
                        Piece::Text(t) => toks.extend(t.chars().map(|c| match c {
                            '*' => Tok::Any,
                            '?' => Tok::One,
                            c => Tok::Lit(c),
                        })),
                        Piece::Escaped(c) => toks.push(Tok::Lit(*c)),
                        Piece::Var { key, default, .. } => {
                            let value = ctx
                                .single(key)
                                .map(str::to_owned)
                                .or_else(|| default.clone())?;
                            toks.extend(value.chars().map(Tok::Lit));
                        }
                    }
                }
                Some(std::borrow::Cow::Owned(Glob::from_tokens(toks)))
            }
        }
    }

    /// The text for this request (for equality operators); `None` when unresolvable.
    pub fn text(&self, ctx: &Context) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Template::Static { text, .. } => Some(std::borrow::Cow::Borrowed(text)),
            Template::Dynamic(pieces) => {
                let mut out = String::new();
                for p in pieces {
                    match p {
                        Piece::Text(t) => out.push_str(t),
                        Piece::Escaped(c) => out.push(*c),
                        Piece::Var { key, default, .. } => {
                            out.push_str(ctx.single(key).or(default.as_deref())?)
                        }
                    }
                }
                Some(std::borrow::Cow::Owned(out))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::ContextValue;

    fn ctx() -> Context {
        let mut c = Context::default();
        c.insert("aws:username", ContextValue::single("a*"));
        c
    }

    #[test]
    fn substitutes_literally() {
        let t = Template::new("arn:aws:s3:::home/${aws:username}/*", true);
        let g = t.glob(&ctx()).expect("resolves");
        assert!(g.matches("arn:aws:s3:::home/a*/x"));
        assert!(
            !g.matches("arn:aws:s3:::home/ab/x"),
            "the value's * is literal"
        );
    }

    #[test]
    fn defaults_and_escapes() {
        let t = Template::new("${aws:PrincipalTag/team, 'none'}-${*}${?}${$}", true);
        assert_eq!(t.text(&ctx()).as_deref(), Some("none-*?$"));
        let g = t.glob(&ctx()).expect("resolves");
        assert!(g.matches("none-*?$"));
        assert!(!g.matches("none-ab$"));
    }

    #[test]
    fn missing_value_matches_nothing() {
        let t = Template::new("${aws:userid}", true);
        assert!(t.glob(&ctx()).is_none());
    }

    #[test]
    fn old_version_keeps_text() {
        let t = Template::new("home/${aws:username}", false);
        assert_eq!(t.text(&ctx()).as_deref(), Some("home/${aws:username}"));
    }
}
