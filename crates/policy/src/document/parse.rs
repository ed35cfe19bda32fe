//! JSON text → [`Policy`], with AWS's reasons for refusal.

use crate::{
    arn::{ArnPattern, is_arn},
    condition::{Base, Clause, Operator, Value, compare},
    document::{
        ActionPattern, ActionRule, Effect, ParseError, Policy, PolicyKind, PrincipalRule,
        Principals, ResourcePattern, ResourceRule, Statement, Version,
    },
    glob::Glob,
    json::{self, Json},
    variables::Template,
};

/// Parses and validates `text` as a policy of `kind`.
pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, ParseError> {
    if !text
        .chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
    {
        return Err(ParseError::new(
            "Policy document contains characters outside TAB, LF, CR and U+0020 to U+00FF.",
            "",
        ));
    }
    let Ok(Json::Object(members)) = json::parse(text) else {
        return Err(ParseError::syntax(""));
    };
    let members = unique_members(members, "")?;
    let mut version = Version::V2008;
    let mut id = None;
    let mut statements_json = None;
    for (key, value) in members {
        match key.as_str() {
            "Version" => {
                version = match value {
                    Json::String(v) if v == "2012-10-17" => Version::V2012,
                    Json::String(v) if v == "2008-10-17" => Version::V2008,
                    _ => {
                        return Err(ParseError::new(
                            "The policy failed legacy parsing",
                            "/Version",
                        ));
                    }
                }
            }
            "Id" => match value {
                Json::String(v) => id = Some(v),
                _ => return Err(ParseError::syntax("/Id")),
            },
            "Statement" => statements_json = Some(value),
            _ => return Err(ParseError::syntax(format!("/{key}"))),
        }
    }
    let statements_json = match statements_json {
        Some(Json::Array(items)) if !items.is_empty() => items,
        Some(obj @ Json::Object(_)) => vec![obj],
        _ => return Err(ParseError::syntax("/Statement")),
    };
    let mut statements = Vec::with_capacity(statements_json.len());
    let mut sids = std::collections::HashSet::new();
    for (i, s) in statements_json.into_iter().enumerate() {
        let st = statement(s, kind, version, &format!("/Statement/{i}"))?;
        if let Some(sid) = &st.sid
            && !sid.is_empty()
            && !sids.insert(sid.clone())
        {
            return Err(ParseError::new(
                "Statement IDs (SID) in a single policy must be unique.",
                format!("/Statement/{i}/Sid"),
            ));
        }
        statements.push(st);
    }
    Ok(Policy {
        version,
        id,
        statements,
    })
}

fn unique_members(
    members: Vec<(String, Json)>,
    at: &str,
) -> Result<Vec<(String, Json)>, ParseError> {
    let mut seen = std::collections::HashSet::new();
    for (k, _) in &members {
        if !seen.insert(k.clone()) {
            return Err(ParseError::syntax(format!("{at}/{k}")));
        }
    }
    Ok(members)
}

/// A string or an array of strings.
fn strings(v: Json, at: &str) -> Result<Vec<String>, ParseError> {
    match v {
        Json::String(s) => Ok(vec![s]),
        Json::Array(items) => items
            .into_iter()
            .map(|i| match i {
                Json::String(s) => Ok(s),
                _ => Err(ParseError::syntax(at)),
            })
            .collect(),
        _ => Err(ParseError::syntax(at)),
    }
}

fn statement(
    v: Json,
    kind: PolicyKind,
    version: Version,
    at: &str,
) -> Result<Statement, ParseError> {
    let Json::Object(members) = v else {
        return Err(ParseError::syntax(at));
    };
    let members = unique_members(members, at)?;
    let (mut sid, mut effect, mut principal, mut action, mut resource, mut conditions) =
        (None, None, None, None, None, Vec::new());
    for (key, value) in members {
        let here = format!("{at}/{key}");
        match key.as_str() {
            "Sid" => match value {
                Json::String(s) => {
                    if kind != PolicyKind::Resource && !s.chars().all(|c| c.is_ascii_alphanumeric())
                    {
                        return Err(ParseError::new(
                            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
                            here,
                        ));
                    }
                    sid = Some(s);
                }
                _ => return Err(ParseError::syntax(here)),
            },
            "Effect" => {
                effect = Some(match value {
                    Json::String(s) if s == "Allow" => Effect::Allow,
                    Json::String(s) if s == "Deny" => Effect::Deny,
                    Json::String(s) => {
                        return Err(ParseError::new(format!("Invalid effect: {s}"), here));
                    }
                    _ => return Err(ParseError::syntax(here)),
                })
            }
            "Principal" | "NotPrincipal" => {
                if principal.is_some() {
                    return Err(ParseError::syntax(here));
                }
                match kind {
                    PolicyKind::Identity | PolicyKind::Session => {
                        return Err(ParseError::new(
                            "Policy document should not specify a principal.",
                            here,
                        ));
                    }
                    PolicyKind::Trust if key == "NotPrincipal" => {
                        return Err(ParseError::new("Has prohibited field NotPrincipal.", here));
                    }
                    _ => {}
                }
                let set = principals(value, &here)?;
                principal = Some(if key == "Principal" {
                    PrincipalRule::Principal(set)
                } else {
                    PrincipalRule::NotPrincipal(set)
                });
            }
            "Action" | "NotAction" => {
                if action.is_some() {
                    return Err(ParseError::syntax(here));
                }
                let list = strings(value, &here)?;
                if list.is_empty() {
                    return Err(ParseError::new(
                        "Policy statement must contain actions.",
                        here,
                    ));
                }
                let patterns = list
                    .iter()
                    .map(|a| action_pattern(a, &here))
                    .collect::<Result<Vec<_>, _>>()?;
                action = Some(if key == "Action" {
                    ActionRule::Action(patterns)
                } else {
                    ActionRule::NotAction(patterns)
                });
            }
            "Resource" | "NotResource" => {
                if resource.is_some() {
                    return Err(ParseError::syntax(here));
                }
                if kind == PolicyKind::Trust {
                    return Err(ParseError::new(
                        format!("Has prohibited field {key}."),
                        here,
                    ));
                }
                let list = strings(value, &here)?;
                if list.is_empty() {
                    return Err(ParseError::new(
                        "Policy statement must contain resources.",
                        here,
                    ));
                }
                let patterns = list
                    .iter()
                    .map(|r| resource_pattern(r, version, &here))
                    .collect::<Result<Vec<_>, _>>()?;
                resource = Some(if key == "Resource" {
                    ResourceRule::Resource(patterns)
                } else {
                    ResourceRule::NotResource(patterns)
                });
            }
            "Condition" => conditions = condition_block(value, version, &here)?,
            _ => return Err(ParseError::syntax(here)),
        }
    }
    let Some(effect) = effect else {
        return Err(ParseError::syntax(format!("{at}/Effect")));
    };
    let Some(action) = action else {
        return Err(ParseError::new(
            "Policy statement must contain actions.",
            format!("{at}/Action"),
        ));
    };
    if resource.is_none()
        && matches!(
            kind,
            PolicyKind::Identity | PolicyKind::Session | PolicyKind::Resource
        )
    {
        return Err(ParseError::new(
            "Policy statement must contain resources.",
            format!("{at}/Resource"),
        ));
    }
    if principal.is_none() && matches!(kind, PolicyKind::Trust | PolicyKind::Resource) {
        return Err(ParseError::new(
            "Missing required field Principal",
            format!("{at}/Principal"),
        ));
    }
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn action_pattern(a: &str, at: &str) -> Result<ActionPattern, ParseError> {
    if a == "*" {
        return Ok(ActionPattern(Glob::new("*")));
    }
    let mut parts = a.split(':');
    let vendor = parts.next().unwrap_or_default();
    let Some(_name) = parts.next() else {
        return Err(ParseError::new(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
            at,
        ));
    };
    if parts.next().is_some() {
        return Err(ParseError::new(
            "Actions/Condition can contain only one colon.",
            at,
        ));
    }
    if vendor.is_empty()
        || !vendor
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(ParseError::new(format!("Vendor {vendor} is not valid"), at));
    }
    Ok(ActionPattern(Glob::new(&a.to_ascii_lowercase())))
}

fn resource_pattern(r: &str, version: Version, at: &str) -> Result<ResourcePattern, ParseError> {
    if r == "*" {
        return Ok(ResourcePattern::Any);
    }
    if !is_arn(r) {
        return Err(ParseError::new(
            format!("Resource {r} must be in ARN format or \"*\"."),
            at,
        ));
    }
    let parts: Vec<&str> = r.splitn(6, ':').collect();
    if parts.get(2) == Some(&"iam") && parts.get(3).is_some_and(|region| !region.is_empty()) {
        return Err(ParseError::new(
            format!("IAM resource {r} cannot contain region information."),
            at,
        ));
    }
    Ok(ResourcePattern::Arn(ArnPattern::new(
        r,
        version == Version::V2012,
    )))
}

fn principals(v: Json, at: &str) -> Result<Principals, ParseError> {
    let mut set = Principals::default();
    match v {
        Json::String(s) if s == "*" => set.any = true,
        Json::Object(members) => {
            for (key, value) in unique_members(members, at)? {
                let here = format!("{at}/{key}");
                let values = strings(value, &here)?;
                if values.is_empty() {
                    return Err(ParseError::new(
                        format!("Invalid principal in policy: \"{key}\":[]"),
                        here,
                    ));
                }
                let target = match key.as_str() {
                    "AWS" => &mut set.aws,
                    "Service" => &mut set.service,
                    "Federated" => &mut set.federated,
                    "CanonicalUser" => &mut set.canonical_user,
                    _ => {
                        return Err(ParseError::new(
                            format!("Invalid principal in policy: \"{key}\""),
                            here,
                        ));
                    }
                };
                for value in values {
                    if value.contains(['*', '?']) && value != "*" {
                        return Err(ParseError::new(
                            format!("Invalid principal in policy: \"{key}\":\"{value}\""),
                            here,
                        ));
                    }
                    if key == "AWS" && value == "*" {
                        set.any = true;
                    } else if key == "AWS" && !valid_aws_principal(&value) {
                        return Err(ParseError::new(
                            format!("Invalid principal in policy: \"AWS\":\"{value}\""),
                            here,
                        ));
                    } else {
                        target.push(value);
                    }
                }
            }
        }
        _ => return Err(ParseError::syntax(at)),
    }
    Ok(set)
}

/// Account ids, IAM/STS principal ARNs, or unique ids.
fn valid_aws_principal(v: &str) -> bool {
    if v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    if let Some(rest) = v.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        return matches!(parts.as_slice(), [_, "iam" | "sts", "", account, resource]
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !resource.is_empty());
    }
    v.len() >= 16 && v.chars().all(|c| c.is_ascii_alphanumeric()) && v.starts_with('A')
}

fn condition_block(v: Json, version: Version, at: &str) -> Result<Vec<Clause>, ParseError> {
    let Json::Object(ops) = v else {
        return Err(ParseError::syntax(at));
    };
    let mut clauses = Vec::new();
    for (op_name, body) in unique_members(ops, at)? {
        let here = format!("{at}/{op_name}");
        let Some(op) = Operator::parse(&op_name) else {
            return Err(ParseError::new(
                format!("Invalid Condition type : {op_name}"),
                here,
            ));
        };
        let Json::Object(keys) = body else {
            return Err(ParseError::syntax(here));
        };
        for (key, values) in unique_members(keys, &here)? {
            let key_at = format!("{here}/{key}");
            if !key.contains(':') {
                return Err(ParseError::new(
                    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
                    key_at,
                ));
            }
            let raw: Vec<String> = match values {
                Json::Array(items) if !items.is_empty() => items
                    .into_iter()
                    .map(|i| scalar(i, &key_at))
                    .collect::<Result<_, _>>()?,
                Json::Array(_) => return Err(ParseError::syntax(key_at)),
                single => vec![scalar(single, &key_at)?],
            };
            let values = raw
                .iter()
                .map(|r| condition_value(op.base, r, version, &op_name, &key, &key_at))
                .collect::<Result<_, _>>()?;
            clauses.push(Clause {
                op,
                op_name: op_name.clone(),
                key: crate::request::fold_key(&key),
                key_name: key.clone(),
                values,
            });
        }
    }
    Ok(clauses)
}

fn scalar(v: Json, at: &str) -> Result<String, ParseError> {
    match v {
        Json::String(s) | Json::Number(s) => Ok(s),
        Json::Bool(b) => Ok(b.to_string()),
        _ => Err(ParseError::syntax(at)),
    }
}

fn condition_value(
    base: Base,
    raw: &str,
    version: Version,
    op: &str,
    key: &str,
    at: &str,
) -> Result<Value, ParseError> {
    let bad = |what: &str| {
        ParseError::new(
            format!("Invalid Condition value for {op} on {key}: '{raw}' is not {what}."),
            at,
        )
    };
    let vars = version == Version::V2012;
    Ok(match base {
        Base::StringEquals | Base::StringEqualsIgnoreCase | Base::StringLike => {
            Value::Text(Template::new(raw, vars))
        }
        Base::Numeric(_) => Value::Number(raw.trim().parse().map_err(|_| bad("a number"))?),
        Base::Date(_) => Value::Date(compare::parse_date_millis(raw).ok_or_else(|| bad("a date"))?),
        Base::Bool => Value::Bool(match raw.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(bad("true or false")),
        }),
        Base::BinaryEquals => {
            Value::Binary(compare::parse_binary(raw).ok_or_else(|| bad("base64"))?)
        }
        Base::IpAddress => {
            Value::Net(compare::parse_net(raw).ok_or_else(|| bad("an IP address or CIDR block"))?)
        }
        Base::ArnLike => Value::Arn(ArnPattern::new(raw, vars)),
        Base::Null => Value::Null(match raw.to_ascii_lowercase().as_str() {
            "true" => true,
            "false" => false,
            _ => return Err(bad("true or false")),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str, kind: PolicyKind) -> String {
        parse(text, kind).expect_err("refused").message().to_owned()
    }

    const ID: PolicyKind = PolicyKind::Identity;

    #[test]
    fn accepts_the_documented_shapes() {
        let p = parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:Get*","iam:ListUsers"],"Resource":"*",
               "Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","192.0.2.1"]},"Bool":{"aws:SecureTransport":true},"NumericLessThan":{"s3:max-keys":10}}}}"#,
            ID,
        )
        .expect("valid");
        assert_eq!(p.statements.len(), 1);
        assert_eq!(p.statements[0].conditions.len(), 3);
    }

    #[test]
    fn refusals_use_aws_reasons() {
        assert_eq!(err("{", ID), "Syntax errors in policy.");
        assert_eq!(
            err(r#"{"Version":"2012-10-17","Statment":[]}"#, ID),
            "Syntax errors in policy."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}}"#,
                ID
            ),
            "Syntax errors in policy."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"*","Resource":"*"}}"#,
                ID
            ),
            "Invalid effect: allow"
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}"#,
                ID
            ),
            "Policy statement must contain actions."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*"}}"#,
                ID
            ),
            "Policy statement must contain resources."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#,
                ID
            ),
            "Policy document should not specify a principal."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Resource":"*"}}"#,
                PolicyKind::Trust
            ),
            "Has prohibited field Resource."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3","Resource":"*"}}"#,
                ID
            ),
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:a:b","Resource":"*"}}"#,
                ID
            ),
            "Actions/Condition can contain only one colon."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s*:Get","Resource":"*"}}"#,
                ID
            ),
            "Vendor s* is not valid"
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"bucket"}}"#,
                ID
            ),
            "Resource bucket must be in ARN format or \"*\"."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"arn:aws:iam:us-east-1:123456789012:user/a"}}"#,
                ID
            ),
            "IAM resource arn:aws:iam:us-east-1:123456789012:user/a cannot contain region information."
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a:b":"c"}}}}"#,
                ID
            ),
            "Invalid Condition type : StringEqualz"
        );
        assert_eq!(
            err(
                r#"{"Version":"2001-01-01","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
                ID
            ),
            "The policy failed legacy parsing"
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}]}"#,
                ID
            ),
            "Statement IDs (SID) in a single policy must be unique."
        );
        assert!(err(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"a:b":"abc"}}}}"#, ID).starts_with("Invalid Condition value"));
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}"#,
                PolicyKind::Trust
            ),
            "Missing required field Principal"
        );
        assert_eq!(
            err(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::12345678901*:root"},"Action":"sts:AssumeRole"}}"#,
                PolicyKind::Trust
            ),
            "Invalid principal in policy: \"AWS\":\"arn:aws:iam::12345678901*:root\""
        );
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(err(&deep, ID), "Syntax errors in policy.");
    }

    #[test]
    fn charset_is_latin1() {
        assert!(parse("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"arn:aws:s3:::\u{200b}\"}}", ID).is_err());
    }
}
