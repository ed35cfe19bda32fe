//! `*` and `?` wildcard matching, shared by Action, Resource, `StringLike` and `ArnLike`.
//!
//! Full-string (anchored) matching; `*` matches any run of characters including `/` and `:`,
//! `?` exactly one character. Matching is iterative with a single backtrack point, so its
//! cost is bounded by O(|pattern| × |text|) for every input: no exponential blow-up.
//! Case folding is the caller's choice (actions are compared lowercased).

/// One pattern element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    /// A literal character.
    Lit(char),
    /// `?`.
    One,
    /// `*`.
    Any,
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    toks: Vec<Tok>,
    fast: Fast,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Fast {
    Everything,
    Exact(String),
    Prefix(String),
    General { ascii: bool },
}

impl Glob {
    /// Compiles a pattern where `*` and `?` are wildcards.
    pub fn new(pattern: &str) -> Self {
        Self::from_tokens(
            pattern
                .chars()
                .map(|c| match c {
                    '*' => Tok::Any,
                    '?' => Tok::One,
                    c => Tok::Lit(c),
                })
                .collect(),
        )
    }

    /// A pattern with no wildcards at all.
    pub fn literal(text: &str) -> Self {
        Self::from_tokens(text.chars().map(Tok::Lit).collect())
    }

    /// Builds from tokens (used by policy variables, whose values are always literal).
    pub fn from_tokens(toks: Vec<Tok>) -> Self {
        let lit = |ts: &[Tok]| -> Option<String> {
            ts.iter()
                .map(|t| match t {
                    Tok::Lit(c) => Some(*c),
                    _ => None,
                })
                .collect()
        };
        let fast = if !toks.is_empty() && toks.iter().all(|t| *t == Tok::Any) {
            Fast::Everything
        } else if let Some(s) = lit(&toks) {
            Fast::Exact(s)
        } else if let Some((Tok::Any, head)) = toks.split_last().map(|(l, h)| (*l, h))
            && let Some(s) = lit(head)
        {
            Fast::Prefix(s)
        } else {
            let ascii = toks
                .iter()
                .all(|t| !matches!(t, Tok::Lit(c) if !c.is_ascii()));
            Fast::General { ascii }
        };
        Self { toks, fast }
    }

    /// Whether this pattern is `*`.
    pub fn is_everything(&self) -> bool {
        self.fast == Fast::Everything
    }

    /// Whether some text that starts with `prefix` and goes on for at least one more
    /// character matches (`s3:Get*` may match something after `s3:`; `iam:*` nothing after
    /// `s3:`). A forward pass over the pattern's positions: bounded by |pattern| × |prefix|.
    pub fn matches_some_after(&self, prefix: &str) -> bool {
        let n = self.toks.len();
        // `*` matches the empty run too: whatever reaches it reaches the next position.
        let close = |set: &mut [bool]| {
            for p in 0..n {
                if set[p] && self.toks[p] == Tok::Any {
                    set[p + 1] = true;
                }
            }
        };
        let mut now = vec![false; n + 1];
        now[0] = true;
        close(&mut now);
        for c in prefix.chars() {
            let mut next = vec![false; n + 1];
            for p in (0..n).filter(|p| now[*p]) {
                match self.toks[p] {
                    Tok::Any => next[p] = true,
                    Tok::One => next[p + 1] = true,
                    Tok::Lit(l) if l == c => next[p + 1] = true,
                    Tok::Lit(_) => {}
                }
            }
            close(&mut next);
            now = next;
        }
        // A position before the end consumes at least one more character.
        now[..n].iter().any(|b| *b)
    }

    /// Whether the whole of `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        match &self.fast {
            Fast::Everything => true,
            Fast::Exact(s) => s == text,
            Fast::Prefix(p) => text.starts_with(p.as_str()),
            Fast::General { ascii: true } if text.is_ascii() => {
                match_units(&self.toks, text.as_bytes())
            }
            Fast::General { .. } => match_units(&self.toks, &text.chars().collect::<Vec<char>>()),
        }
    }
}

trait Unit: Copy {
    fn is(self, c: char) -> bool;
}

impl Unit for u8 {
    fn is(self, c: char) -> bool {
        c.is_ascii() && self == c as u8
    }
}

impl Unit for char {
    fn is(self, c: char) -> bool {
        self == c
    }
}

fn match_units<U: Unit>(toks: &[Tok], text: &[U]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match toks.get(p) {
            Some(Tok::One) => {
                p += 1;
                t += 1;
            }
            Some(Tok::Lit(c)) if text.get(t).is_some_and(|u| u.is(*c)) => {
                p += 1;
                t += 1;
            }
            Some(Tok::Any) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    star = Some((sp, st + 1));
                    p = sp + 1;
                    t = st + 1;
                }
                None => return false,
            },
        }
    }
    toks.get(p..)
        .is_some_and(|rest| rest.iter().all(|t| *t == Tok::Any))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchored_both_ends() {
        // minio#7791: ${aws:username} = bob must not match bobby.
        assert!(Glob::new("arn:aws:s3:::bob").matches("arn:aws:s3:::bob"));
        assert!(!Glob::new("arn:aws:s3:::bob").matches("arn:aws:s3:::bobby"));
        assert!(!Glob::new("bob*").matches("bo"));
    }

    #[test]
    fn wildcards() {
        assert!(Glob::new("*").matches(""));
        assert!(Glob::new("a*c").matches("abbbc"));
        assert!(Glob::new("a*c").matches("ac"));
        assert!(!Glob::new("a*c").matches("acb"));
        assert!(Glob::new("a?c").matches("abc"));
        assert!(!Glob::new("a?c").matches("ac"));
        assert!(Glob::new("bucket/*/test/*").matches("bucket/1/2/test/3/x"));
        assert!(Glob::new("*:role/*").matches("arn:aws:iam::1:role/a/b"));
        assert!(Glob::new("?é*").matches("xéz"));
        assert!(!Glob::new("?").matches("éé"));
    }

    #[test]
    fn regex_metacharacters_are_literal() {
        assert!(Glob::new("a.c").matches("a.c"));
        assert!(!Glob::new("a.c").matches("abc"));
        assert!(Glob::new("[a]+").matches("[a]+"));
        assert!(!Glob::new("[a]+").matches("a"));
    }

    #[test]
    fn literal_tokens_do_not_wildcard() {
        assert!(Glob::literal("a*").matches("a*"));
        assert!(!Glob::literal("a*").matches("ab"));
    }

    #[test]
    fn pathological_inputs_stay_cheap() {
        let pattern = format!("{}b", "*a".repeat(200));
        let text = "a".repeat(5000);
        assert!(!Glob::new(&pattern).matches(&text));
    }

    #[test]
    fn some_text_after_a_prefix() {
        assert!(Glob::new("s3:get*").matches_some_after("s3:"));
        assert!(Glob::new("*").matches_some_after("iam:"));
        assert!(Glob::new("s?:*").matches_some_after("s3:"));
        assert!(Glob::new("i*:getuser").matches_some_after("iam:"));
        assert!(!Glob::new("iam:*").matches_some_after("s3:"));
        assert!(!Glob::new("s3").matches_some_after("s3:"));
        // `s3:` itself is not an action: something must follow the prefix.
        assert!(!Glob::new("s3:").matches_some_after("s3:"));
        assert!(Glob::new("s3:*").matches_some_after("s3:"));
    }
}
