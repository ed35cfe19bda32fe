//! ARNs: [`Arn`], the one parser of ARNs (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`,
//! partition-aware) with IAM's `TYPE/PATH/NAME` resources, and [`ArnPattern`], the patterns of
//! the `Resource` element and the `Arn*` operators, matched segment by segment: wildcards in
//! partition, service, region and account stay within their segment; in the resource part `*`
//! crosses `/` and `:`. A pattern with fewer than six segments whose last segment ends in `*`
//! expands over the rest.
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>

use crate::{glob::Glob, request::Context, variables::Template};

/// The partitions an ARN can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Partition {
    /// `aws`: the commercial regions.
    Aws,
    /// `aws-cn`: China.
    AwsCn,
    /// `aws-us-gov`: GovCloud (US).
    AwsUsGov,
}

impl Partition {
    /// The partition as ARNs spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }

    /// The partition an ARN spells, if it is one.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "aws" => Some(Partition::Aws),
            "aws-cn" => Some(Partition::AwsCn),
            "aws-us-gov" => Some(Partition::AwsUsGov),
            _ => None,
        }
    }
}

/// A parsed ARN, borrowing its text: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (the
/// resource part may itself hold `:` and `/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// The partition.
    pub partition: Partition,
    /// `iam`, `sts`, `s3`, …
    pub service: &'a str,
    /// Empty for global services.
    pub region: &'a str,
    /// Empty where ARNs have none (S3 buckets); `aws` for AWS managed policies.
    pub account: &'a str,
    /// Everything after the fifth `:`, never empty.
    pub resource: &'a str,
}

/// An IAM entity named by an ARN's resource part: `TYPE/PATH/NAME` (`user/division/alice`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IamResource<'a> {
    /// `user`, `role`, `group`, `policy`, `instance-profile`, `mfa`, …
    pub kind: &'a str,
    /// The path with its slashes (`/` or `/division/`).
    pub path: &'a str,
    /// The name, never empty.
    pub name: &'a str,
}

impl<'a> Arn<'a> {
    /// Parses an ARN; `None` unless it has the six parts, a known partition, a service and a
    /// resource.
    pub fn parse(text: &'a str) -> Option<Self> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let partition = Partition::parse(parts.next()?)?;
        let service = parts.next().filter(|s| !s.is_empty())?;
        let region = parts.next()?;
        let account = parts.next()?;
        let resource = parts.next().filter(|r| !r.is_empty())?;
        Some(Self {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The IAM entity of an `iam` ARN whose resource is `TYPE/PATH/NAME`. IAM is global: an
    /// `iam` ARN with a region names no entity (else `arn:aws:iam:x:…:user/bob` would be
    /// resolved to bob by name while policies are matched against its other spelling).
    pub fn iam_resource(&self) -> Option<IamResource<'a>> {
        if self.service != "iam" || !self.region.is_empty() {
            return None;
        }
        let (kind, rest) = self.resource.split_once('/')?;
        // `rest` is `PATH-WITHOUT-ITS-FIRST-SLASH + NAME`; the path is everything of
        // `/` + rest up to and including the last slash.
        let with_slash = &self.resource[kind.len()..];
        let cut = with_slash.rfind('/').map_or(1, |i| i + 1);
        let name = &with_slash[cut..];
        if kind.is_empty() || name.is_empty() || rest.is_empty() {
            return None;
        }
        Some(IamResource {
            kind,
            path: &with_slash[..cut],
            name,
        })
    }

    /// The IAM entity of an `iam` ARN of this kind.
    pub fn iam(&self, kind: &str) -> Option<IamResource<'a>> {
        self.iam_resource().filter(|r| r.kind == kind)
    }
}

/// `arn:PARTITION:iam::ACCOUNT:KIND` + `PATH` + `NAME`: the one formatter of IAM ARNs.
pub fn iam_arn(partition: Partition, account: &str, kind: &str, path: &str, name: &str) -> String {
    format!(
        "arn:{}:iam::{account}:{kind}{path}{name}",
        partition.as_str()
    )
}

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

    #[test]
    fn an_iam_arn_with_a_region_names_no_entity() {
        let global = Arn::parse("arn:aws:iam::123456789012:user/bob").expect("arn");
        assert_eq!(global.iam_resource().map(|r| r.name), Some("bob"));
        let regional = Arn::parse("arn:aws:iam:evil:123456789012:user/bob").expect("arn");
        assert!(regional.iam_resource().is_none());
    }

    #[test]
    fn arns_parse_with_their_partition_and_iam_resources() {
        let a =
            Arn::parse("arn:aws-us-gov:iam::123456789012:user/division/team/alice").expect("arn");
        assert_eq!(a.partition, Partition::AwsUsGov);
        assert_eq!(
            (a.service, a.region, a.account),
            ("iam", "", "123456789012")
        );
        let r = a.iam("user").expect("user");
        assert_eq!(
            (r.kind, r.path, r.name),
            ("user", "/division/team/", "alice")
        );
        let r = Arn::parse("arn:aws:iam::123456789012:role/R").and_then(|a| a.iam("role"));
        assert_eq!(r.map(|r| (r.path, r.name)), Some(("/", "R")));
        assert_eq!(
            Arn::parse("arn:aws-cn:s3:::bucket/key:with:colons").map(|a| a.resource),
            Some("bucket/key:with:colons")
        );
        for bad in [
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role",
            "arn:aws:iam::123456789012:",
            "arn:aws:iam::123456789012",
            "arn:aws-xx:iam::123456789012:role/R",
            "arn::iam::1:role/R",
            "ARN:aws:iam::1:role/R",
            "arn:aws:iam::1:role//",
        ] {
            assert_eq!(
                Arn::parse(bad).and_then(|a| a.iam_resource()),
                None,
                "{bad}"
            );
        }
        assert_eq!(
            iam_arn(Partition::AwsCn, "123456789012", "group", "/a/", "g"),
            "arn:aws-cn:iam::123456789012:group/a/g"
        );
    }

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
