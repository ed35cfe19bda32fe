//! ARN patterns of the `Resource` element and the `Arn*` operators, matched segment by
//! segment: wildcards in partition, service, region and account stay within their segment;
//! in the resource part `*` crosses `/` and `:`. A pattern with fewer than six segments whose
//! last segment ends in `*` expands over the rest.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>

use crate::{glob::Glob, request::Context, variables::Template};

/// A compiled ARN pattern (or `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArnPattern {
    /// Patterns of the leading segments.
    head: Vec<Glob>,
    /// The last segment: the resource part (variables allowed) or an expanding tail.
    tail: Template,
    /// Six segments (a full ARN), so the tail is exactly the resource part.
    full: bool,
}

impl ArnPattern {
    /// Compiles `pattern`; `variables` enables `${…}` in the resource part.
    pub fn new(pattern: &str, variables: bool) -> Self {
        let parts: Vec<&str> = pattern.splitn(6, ':').collect();
        let full = parts.len() == 6;
        let (last, head) = parts.split_last().map_or(("", &[][..]), |(l, h)| (*l, h));
        Self {
            head: head.iter().map(|p| Glob::new(p)).collect(),
            tail: Template::new(last, variables && full),
            full,
        }
    }

    /// The context keys of the resource part's variables, as written.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.tail.variables()
    }

    /// Whether `arn` matches in this request's context.
    pub fn matches(&self, arn: &str, ctx: &Context) -> bool {
        // Walk the leading segments in place (no allocation): what remains after them is the
        // rest of the ARN, colons included.
        let mut rest = arn;
        for glob in &self.head {
            let Some((part, after)) = rest.split_once(':') else {
                return false;
            };
            if !glob.matches(part) {
                return false;
            }
            rest = after;
        }
        if !self.full
            && !matches!(&self.tail, Template::Static { text, .. } if text.ends_with('*'))
            && rest.contains(':')
        {
            return false;
        }
        self.tail.glob(ctx).is_some_and(|g| g.matches(rest))
    }
}

/// Whether `s` looks like an ARN: `arn:partition:service:region:account:resource`.
pub fn is_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.first() == Some(&"arn") && parts.len() >= 3
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, a: &str) -> bool {
        ArnPattern::new(p, true).matches(a, &Context::default())
    }

    #[test]
    fn segments() {
        assert!(m(
            "arn:aws:iam::123456789012:role/*",
            "arn:aws:iam::123456789012:role/a/b"
        ));
        assert!(!m(
            "arn:aws:iam::123456789012:role/*",
            "arn:aws:iam::999999999999:role/a"
        ));
        assert!(m(
            "arn:aws:iam::*:role/x",
            "arn:aws:iam::999999999999:role/x"
        ));
        assert!(
            !m("arn:aws:iam::1*:role/x", "arn:aws:iam::2:1:role/x"),
            "account wildcard stays in its segment"
        );
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b/c"));
        assert!(
            m("arn:aws:*", "arn:aws:iam::1:role/x"),
            "short pattern ending in * expands"
        );
        assert!(
            !m("arn:aws:iam::1:user/Bob", "arn:aws:iam::1:user/bob"),
            "resource part is case-sensitive"
        );
    }
}
