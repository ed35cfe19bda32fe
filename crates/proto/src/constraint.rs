//! The model's constraints on input members (length, pattern, range, list size, enum) and
//! AWS's `ValidationError` wording for each.
//!
//! The patterns are those of the botocore models `iam/2010-05-08` and `sts/2011-06-15`,
//! applied as full matches (as AWS does).

/// A constraint on one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// String length in characters, inclusive.
    Len(usize, usize),
    /// A model pattern, full match.
    Pattern(Pattern),
    /// Integer range, inclusive.
    Range(i64, i64),
    /// Number of list items, inclusive.
    Items(usize, usize),
    /// String length of every list item, inclusive (a list whose member shape has its own
    /// length: GetWebIdentityToken's audiences).
    EachLen(usize, usize),
    /// One of these values.
    Enum(&'static [&'static str]),
}

/// The model patterns Rolegate checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// `[\w+=,.@-]+`: user, role, group, policy, instance profile, MFA device names.
    Name,
    /// `[\w+=,.@-]*`: role session names, federated user names, source identity.
    NameOrEmpty,
    /// `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`: entity paths.
    Path,
    /// `((/[A-Za-z0-9\.,\+@=_-]+)*)/`: managed policy paths.
    PolicyPath,
    /// `[\u0009\u000A\u000D\u0020-\u00FF]+`: policy documents.
    PolicyDocument,
    /// Printable unicode: ARNs.
    Arn,
    /// `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`: tag keys.
    TagKey,
    /// `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`: tag values.
    TagValue,
    /// `[\w]+`: access key ids.
    AccessKeyId,
    /// `[\u0020-\u00FF]+`: pagination markers.
    Marker,
    /// `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`: descriptions.
    Description,
    /// `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`: policy version ids.
    VersionId,
    /// `[\w+=,.@:\/-]*`: external ids.
    ExternalId,
    /// `[\w+=/:,.@-]*`: MFA serial numbers.
    SerialNumber,
    /// `[\d]*`: MFA token codes.
    Digits,
    /// `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`: account aliases.
    AccountAlias,
    /// `[\w._-]+`: SAML provider names.
    SamlProviderName,
    /// `[A-Z0-9]+`: SAML provider private key ids.
    PrivateKeyId,
}

fn word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The model's tag pattern, exactly: `\p{Z}` is the Unicode separators (no tab, vertical
/// tab, form feed or line break, which `char::is_whitespace` would let through) and `\p{L}`
/// the letters (no combining marks).
fn tag_chars(s: &str) -> bool {
    static TAG: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    TAG.get_or_init(|| regex::Regex::new(r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$").ok())
        .as_ref()
        .is_some_and(|r| r.is_match(s))
}

impl Pattern {
    /// The pattern as AWS prints it.
    pub fn text(self) -> &'static str {
        match self {
            Pattern::Name => r"[\w+=,.@-]+",
            Pattern::NameOrEmpty => r"[\w+=,.@-]*",
            Pattern::Path => r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
            Pattern::PolicyPath => r"((/[A-Za-z0-9\.,\+@=_-]+)*)/",
            Pattern::PolicyDocument => r"[\u0009\u000A\u000D\u0020-\u00FF]+",
            Pattern::Arn => {
                r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+"
            }
            Pattern::TagKey => r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+",
            Pattern::TagValue => r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*",
            Pattern::AccessKeyId => r"[\w]+",
            Pattern::Marker => r"[\u0020-\u00FF]+",
            Pattern::Description => r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*",
            Pattern::VersionId => r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?",
            Pattern::ExternalId => r"[\w+=,.@:\/-]*",
            Pattern::SerialNumber => r"[\w+=/:,.@-]*",
            Pattern::Digits => r"[\d]*",
            Pattern::AccountAlias => r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$",
            Pattern::SamlProviderName => r"[\w._-]+",
            Pattern::PrivateKeyId => r"[A-Z0-9]+",
        }
    }

    /// Whether `s` matches in full.
    pub fn matches(self, s: &str) -> bool {
        match self {
            Pattern::Name => !s.is_empty() && s.chars().all(|c| word(c) || "+=,.@-".contains(c)),
            Pattern::NameOrEmpty => s.chars().all(|c| word(c) || "+=,.@-".contains(c)),
            Pattern::Path => {
                s == "/" || (s.len() >= 3 && s.starts_with('/') && s.ends_with('/') && s.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c)))
            }
            Pattern::PolicyPath => {
                s.ends_with('/')
                    && s.starts_with('/')
                    && s.get(..s.len() - 1).is_some_and(|inner| {
                        inner.is_empty()
                            || inner.split('/').skip(1).all(|seg| {
                                !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric() || ".,+@=_-".contains(c))
                            })
                    })
            }
            Pattern::PolicyDocument => {
                !s.is_empty() && s.chars().all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
            }
            Pattern::Arn => {
                !s.is_empty()
                    && s.chars().all(|c| {
                        matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..='\u{10ffff}')
                    })
            }
            Pattern::TagKey => !s.is_empty() && tag_chars(s),
            Pattern::TagValue => tag_chars(s),
            Pattern::AccessKeyId => !s.is_empty() && s.chars().all(word),
            Pattern::Marker => !s.is_empty() && s.chars().all(|c| ('\u{20}'..='\u{ff}').contains(&c)),
            Pattern::Description => s.chars().all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}')),
            Pattern::VersionId => {
                let Some(rest) = s.strip_prefix('v') else { return false };
                let (num, suffix) = rest.split_once('.').map_or((rest, None), |(a, b)| (a, Some(b)));
                !num.is_empty()
                    && !num.starts_with('0')
                    && num.bytes().all(|b| b.is_ascii_digit())
                    && suffix.is_none_or(|x| x.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            }
            Pattern::ExternalId => s.chars().all(|c| word(c) || "+=,.@:/-".contains(c)),
            Pattern::SerialNumber => s.chars().all(|c| word(c) || "+=/:,.@-".contains(c)),
            Pattern::Digits => s.chars().all(|c| c.is_ascii_digit()),
            Pattern::SamlProviderName => !s.is_empty() && s.chars().all(|c| word(c) || "._-".contains(c)),
            Pattern::PrivateKeyId => !s.is_empty() && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
            Pattern::AccountAlias => {
                let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
                let b = s.as_bytes();
                (3..=63).contains(&b.len())
                    && b.first().copied().is_some_and(alnum)
                    && b.last().copied().is_some_and(alnum)
                    && b.iter().all(|&c| alnum(c) || c == b'-')
                    && !s.contains("--")
            }
        }
    }
}

/// `Value '<v>' at '<member>' failed to satisfy constraint: <what>`; a value that holds a
/// private key is not quoted (`Value at '<member>' …`).
pub fn violation(value: &str, member: &str, what: &str) -> String {
    if crate::value::holds_private_key(value) {
        return format!("Value at '{member}' failed to satisfy constraint: {what}");
    }
    format!("Value '{value}' at '{member}' failed to satisfy constraint: {what}")
}

/// Checks a string against one constraint.
pub fn check_str(value: &str, c: &Constraint, member: &str, errs: &mut Vec<String>) {
    match *c {
        Constraint::Len(min, max) => {
            let n = value.chars().count();
            if n < min {
                errs.push(violation(
                    value,
                    member,
                    &format!("Member must have length greater than or equal to {min}"),
                ));
            }
            if n > max {
                errs.push(violation(
                    value,
                    member,
                    &format!("Member must have length less than or equal to {max}"),
                ));
            }
        }
        Constraint::Pattern(p) => {
            if !p.matches(value) {
                errs.push(violation(
                    value,
                    member,
                    &format!(
                        "Member must satisfy regular expression pattern: {}",
                        p.text()
                    ),
                ));
            }
        }
        Constraint::Enum(values) => {
            if !values.contains(&value) {
                errs.push(violation(
                    value,
                    member,
                    &format!(
                        "Member must satisfy enum value set: [{}]",
                        values.join(", ")
                    ),
                ));
            }
        }
        Constraint::Range(..) | Constraint::Items(..) | Constraint::EachLen(..) => {}
    }
}

/// Checks an integer against one constraint.
pub fn check_int(value: i64, c: &Constraint, member: &str, errs: &mut Vec<String>) {
    if let Constraint::Range(min, max) = *c {
        if value < min {
            errs.push(violation(
                &value.to_string(),
                member,
                &format!("Member must have value greater than or equal to {min}"),
            ));
        }
        if value > max {
            errs.push(violation(
                &value.to_string(),
                member,
                &format!("Member must have value less than or equal to {max}"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(Pattern::Name.matches("Alice+=,.@-_9"));
        assert!(!Pattern::Name.matches("a b"));
        assert!(!Pattern::Name.matches("a:b"));
        assert!(!Pattern::Name.matches(""));
        assert!(!Pattern::Name.matches("Ｂob"));
    }

    #[test]
    fn paths() {
        assert!(Pattern::Path.matches("/"));
        assert!(Pattern::Path.matches("/a/b/"));
        assert!(!Pattern::Path.matches("/a"));
        assert!(!Pattern::Path.matches("a/"));
        assert!(!Pattern::Path.matches("/a b/"));
        assert!(Pattern::PolicyPath.matches("/"));
        assert!(Pattern::PolicyPath.matches("/team/x/"));
        assert!(!Pattern::PolicyPath.matches("//"));
        assert!(!Pattern::PolicyPath.matches("/a!/"));
    }

    #[test]
    fn tags_follow_the_model_pattern_exactly() {
        for ok in [
            "Owner",
            "cost center",
            "é_ü.:/=+-@9",
            "a\u{a0}b\u{3000}c",
            "٣",
        ] {
            assert!(Pattern::TagKey.matches(ok), "{ok:?}");
        }
        // Vertical tab, form feed, tab and line breaks are white space but not \p{Z}.
        for bad in [
            "a\u{b}", "a\u{c}", "a\tb", "a\nb", "a\rb", "a\u{85}", "<x>", "a\u{0}", "\u{301}",
        ] {
            assert!(!Pattern::TagKey.matches(bad), "{bad:?}");
            assert!(!Pattern::TagValue.matches(bad), "{bad:?}");
        }
        assert!(Pattern::TagValue.matches(""));
        assert!(!Pattern::TagKey.matches(""));
    }

    #[test]
    fn version_ids() {
        for ok in ["v1", "v12", "v3.a-b"] {
            assert!(Pattern::VersionId.matches(ok), "{ok}");
        }
        for bad in ["v0", "1", "v", "v01", "v1.!"] {
            assert!(!Pattern::VersionId.matches(bad), "{bad}");
        }
    }

    #[test]
    fn aws_wording() {
        let mut errs = Vec::new();
        check_str(
            "a:b",
            &Constraint::Pattern(Pattern::NameOrEmpty),
            "roleSessionName",
            &mut errs,
        );
        assert_eq!(
            errs,
            [
                "Value 'a:b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
            ]
        );
    }

    #[test]
    fn policy_charset_refuses_zero_width_space() {
        assert!(Pattern::PolicyDocument.matches("{\"Version\":\"2012-10-17\"}\tÿ"));
        assert!(!Pattern::PolicyDocument.matches("{\u{200b}}"));
    }
}
