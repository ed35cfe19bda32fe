//! One exchange as a CloudTrail event (record format `eventVersion` 1.08).
//!
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html>
//!
//! Secrets never get here: the record step's input and output are already redacted
//! (`rolegate_proto::redacted`: secret keys, session tokens, passwords, MFA codes and web
//! identity tokens are `HIDDEN_DUE_TO_SECURITY_REASONS`). Unlike AWS, the session token of an
//! AssumeRole response is not kept either.

use base64::Engine as _;
use rolegate_proto::{Service as Api, Value};
use serde_json::{Map, Value as Json, json};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{Caller, Identity, recorder::Record};

/// `eventVersion`.
pub const EVENT_VERSION: &str = "1.08";

/// The `eventSource` of a service.
pub fn event_source(service: Api) -> &'static str {
    match service {
        Api::Iam => "iam.amazonaws.com",
        Api::Sts => "sts.amazonaws.com",
        Api::Organizations => "organizations.amazonaws.com",
        Api::CloudTrail => "cloudtrail.amazonaws.com",
    }
}

/// Whether an operation only reads (`readOnly`): CloudTrail marks `Get*`, `List*`,
/// `Describe*`, `Simulate*` and `LookupEvents` read-only.
pub fn read_only(operation: &str) -> bool {
    ["Get", "List", "Describe", "Simulate", "LookupEvents"]
        .iter()
        .any(|p| operation.starts_with(p))
}

/// Whether a successful call may be answered although its event could not be written, when
/// the operator allows it (`--audit-fail-open-reads`): read-only calls, except those that
/// issue credentials (GetSessionToken, GetFederationToken, GetWebIdentityToken) — credentials
/// are never handed out unrecorded.
pub fn may_fail_open(operation: &str) -> bool {
    read_only(operation)
        && !matches!(
            operation,
            "GetSessionToken" | "GetFederationToken" | "GetWebIdentityToken"
        )
}

/// An event, ready to store: its id, its account, and the JSON CloudTrail writes.
#[derive(Debug, Clone)]
pub struct Event {
    /// `eventID`.
    pub id: String,
    /// `recipientAccountId`: the account whose trail holds it.
    pub account: String,
    /// `eventTime`, unix milliseconds.
    pub time_ms: i64,
    /// The CloudTrail record, as stored (JSON text, written once without a tree of values in
    /// between: the trail's cost is paid on every call).
    pub text: String,
}

impl Event {
    /// The record as a JSON value (for readers and tests; the trail stores `text`).
    pub fn json(&self) -> Json {
        serde_json::from_str(&self.text).unwrap_or(Json::Null)
    }
}

/// A random version-4 UUID.
pub fn new_event_id() -> String {
    crate::ids::uuid().expect("the system's random source")
}

pub(crate) fn timestamp(t: OffsetDateTime) -> String {
    // CloudTrail writes whole seconds in UTC: 2026-12-07T04:31:43Z.
    let t = t
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .unwrap_or(t);
    t.format(&Rfc3339).unwrap_or_default()
}

/// `userIdentity` for an authenticated caller.
pub fn user_identity(caller: &Caller) -> Json {
    let mut m = Map::new();
    let kind = match &caller.identity {
        Identity::Root => "Root",
        Identity::User { .. } => "IAMUser",
        Identity::AssumedRole { .. } => "AssumedRole",
        Identity::FederatedUser { .. } => "FederatedUser",
    };
    m.insert("type".into(), json!(kind));
    m.insert("principalId".into(), json!(caller.user_id()));
    m.insert("arn".into(), json!(caller.arn()));
    m.insert("accountId".into(), json!(caller.account));
    m.insert("accessKeyId".into(), json!(caller.access_key_id));
    if let Identity::User { name, .. } = &caller.identity {
        m.insert("userName".into(), json!(name));
    }
    if let Some(session) = &caller.session {
        let mut context = Map::new();
        let issuer = match &caller.identity {
            Identity::AssumedRole {
                role_name, role_id, ..
            } => Some(json!({
                "type": "Role",
                "principalId": role_id,
                "arn": caller.role_arn(),
                "accountId": caller.account,
                "userName": role_name,
            })),
            // The issuing user of a GetFederationToken session is not kept in the session.
            Identity::FederatedUser { .. } => None,
            Identity::User { name, id, path } => Some(json!({
                "type": "IAMUser",
                "principalId": id,
                "arn": crate::iam::arn(&caller.account, "user", path, name),
                "accountId": caller.account,
                "userName": name,
            })),
            Identity::Root => Some(json!({
                "type": "Root",
                "principalId": caller.account,
                "arn": crate::iam::root_arn(&caller.account),
                "accountId": caller.account,
            })),
        };
        if let Some(issuer) = issuer {
            context.insert("sessionIssuer".into(), issuer);
        }
        let created =
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(session.issued_ms) * 1_000_000)
                .map(timestamp)
                .unwrap_or_default();
        context.insert(
            "attributes".into(),
            json!({
                "creationDate": created,
                "mfaAuthenticated": if session.mfa_at.is_some() { "true" } else { "false" },
            }),
        );
        if let crate::session::SessionPrincipal::WebIdentity {
            provider, subject, ..
        } = &session.principal
        {
            // A federated session (web identity or SAML): who vouched for whom.
            context.insert(
                "webIdFederationData".into(),
                json!({ "federatedProvider": provider, "attributes": { "subject": subject } }),
            );
        }
        if let Some(si) = &session.source_identity {
            context.insert("sourceIdentity".into(), json!(si));
            m.insert("sourceIdentity".into(), json!(si));
        }
        m.insert("sessionContext".into(), Json::Object(context));
    }
    Json::Object(m)
}

/// `userIdentity` of an AssumeRoleWithSAML call: `SAMLUser`, with the provider's name
/// qualifier and the assertion's subject once the assertion verified (from the response, the
/// only place they are known to be true), and nothing more when it did not.
fn saml_user(outcome: &Result<Option<Value>, crate::recorder::Failure<'_>>) -> Json {
    let member = |name: &str| match outcome {
        Ok(Some(Value::Structure(members))) => members.iter().find_map(|(k, v)| match v {
            Value::String(s) if *k == name => Some(s.clone()),
            _ => None,
        }),
        _ => None,
    };
    match (member("NameQualifier"), member("Subject")) {
        (Some(q), Some(sub)) => json!({
            "type": "SAMLUser",
            "principalId": format!("{q}:{sub}"),
            "userName": sub,
            "identityProvider": q,
        }),
        _ => json!({ "type": "SAMLUser" }),
    }
}

/// A wire member name as CloudTrail writes it in `requestParameters`/`responseElements`:
/// the first letter lowercased (`UserName` → `userName`, `RoleArn` → `roleArn`), a leading
/// acronym lowercased as a word (`MFADevice` → `mFADevice` is AWS's spelling too for some
/// members; Rolegate lowercases only the first character).
pub fn camel(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A redacted `Value` written as CloudTrail JSON (camelCase members), straight to the
/// serializer.
struct Wire<'a>(&'a Value);

impl serde::Serialize for Wire<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap as _, SerializeSeq as _};
        match self.0 {
            Value::String(v) => s.serialize_str(v),
            Value::Integer(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Boolean(b) => s.serialize_bool(*b),
            Value::Timestamp(t) => s.serialize_str(&timestamp(*t)),
            Value::Blob(b) => s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(b)),
            Value::List(l) => {
                let mut seq = s.serialize_seq(Some(l.len()))?;
                for v in l {
                    seq.serialize_element(&Wire(v))?;
                }
                seq.end()
            }
            Value::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, &Wire(v))?;
                }
                map.end()
            }
            Value::Structure(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(&camel(k), &Wire(v))?;
                }
                map.end()
            }
            Value::Document(d) => d.serialize(s),
        }
    }
}

/// A redacted `Value` as CloudTrail JSON (camelCase members).
pub fn to_json(v: &Value) -> Json {
    serde_json::to_value(Wire(v)).unwrap_or(Json::Null)
}

/// Whether a value is recorded as `null`: absent, or a structure or map without members.
fn is_empty(v: Option<&Value>) -> bool {
    match v {
        None => true,
        Some(Value::Structure(m)) => m.is_empty(),
        Some(Value::Map(m)) => m.is_empty(),
        Some(_) => false,
    }
}

/// `userIdentity` of AssumeRoleWithWebIdentity, as CloudTrail writes it: the verified token's
/// provider, audience and subject (from the answer; nothing when the token was refused, as
/// nothing of a refused token is trusted).
fn web_identity_user(record: &Record<'_>) -> Json {
    let mut m = Map::new();
    m.insert("type".into(), json!("WebIdentityUser"));
    if let Ok(Some(Value::Structure(out))) = &record.outcome {
        let member = |name: &str| {
            out.iter().find_map(|(k, v)| match v {
                Value::String(s) if k == name => Some(s.as_str()),
                _ => None,
            })
        };
        if let (Some(provider), Some(subject)) =
            (member("Provider"), member("SubjectFromWebIdentityToken"))
        {
            let audience = member("Audience").unwrap_or_default();
            // The provider as CloudTrail names it: the issuer without its scheme
            // (`token.actions.githubusercontent.com`, `keycloak.example:8443/realms/x`).
            let issuer = provider
                .strip_prefix("https://")
                .or_else(|| provider.strip_prefix("http://"))
                .unwrap_or(provider);
            m.insert(
                "principalId".into(),
                json!(format!("{issuer}:{audience}:{subject}")),
            );
            m.insert("userName".into(), json!(subject));
            m.insert("identityProvider".into(), json!(issuer));
        }
    }
    Json::Object(m)
}

/// The account of the role an AssumeRole call names (`RoleArn`'s account), for the calls
/// CloudTrail records in the role's account: AssumeRole across accounts (in both),
/// AssumeRoleWithWebIdentity and AssumeRoleWithSAML (there, as nobody signed them), and
/// AssumeRoot (in the management account and in the member account whose root it takes).
pub fn role_account(record: &Record<'_>) -> Option<String> {
    let (_, name) = record.operation?;
    let member = match name {
        "AssumeRole" | "AssumeRoleWithWebIdentity" | "AssumeRoleWithSAML" => "RoleArn",
        // AssumeRoot: the member account whose root is taken sees it in its own trail too.
        "AssumeRoot" => "TargetPrincipal",
        _ => return None,
    };
    let Some(Value::Structure(members)) = record.input else {
        return None;
    };
    let value = members.iter().find_map(|(k, v)| match v {
        Value::String(s) if *k == member => Some(s.as_str()),
        _ => None,
    })?;
    let account = match value.strip_prefix("arn:aws:iam::") {
        Some(rest) => rest.split(':').next()?,
        None => value.trim(),
    };
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_owned())
}

/// `requestParameters` and `responseElements` larger than this (in bytes of their values,
/// roughly their JSON size) are left out and the event marked `omitted`, as CloudTrail does
/// with a field over its maximum size (100 KB for these two).
pub const MAX_ELEMENTS_BYTES: usize = 100 * 1024;

/// `userAgent` and `errorMessage` are cut to this many bytes (the event marked `omitted`).
pub const MAX_TEXT_BYTES: usize = 1024;

/// The operations nobody signs: their input is recorded although no caller was verified,
/// and their event goes to the account of the role they name.
pub(crate) fn unsigned(operation: &str) -> bool {
    matches!(
        operation,
        "AssumeRoleWithWebIdentity" | "AssumeRoleWithSAML"
    )
}

/// Roughly the JSON size of a value, without writing it.
fn approx_size(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + 2,
        Value::Blob(b) => b.len() * 4 / 3 + 4,
        Value::List(l) => l.iter().map(|e| approx_size(e) + 1).sum::<usize>() + 2,
        Value::Map(m) => {
            m.iter()
                .map(|(k, v)| k.len() + 4 + approx_size(v))
                .sum::<usize>()
                + 2
        }
        Value::Structure(s) => {
            s.iter()
                .map(|(k, v)| k.len() + 4 + approx_size(v))
                .sum::<usize>()
                + 2
        }
        Value::Document(d) => d.to_string().len(),
        _ => 24,
    }
}

/// `s` cut to at most `max` bytes at a character boundary, and whether it was cut.
pub(crate) fn cut(s: &str, max: usize) -> (&str, bool) {
    if s.len() <= max {
        return (s, false);
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], true)
}

/// A request's or response's members as recorded: `None` (`null`) when empty, or when
/// larger than [`MAX_ELEMENTS_BYTES`] (then `omitted` is set).
fn elements<'a>(v: Option<&'a Value>, omitted: &mut bool) -> Option<Wire<'a>> {
    match v {
        Some(v) if approx_size(v) > MAX_ELEMENTS_BYTES => {
            *omitted = true;
            None
        }
        v if is_empty(v) => None,
        v => v.map(Wire),
    }
}

/// The TLS connection, as CloudTrail's `tlsDetails`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct TlsWire<'a> {
    tls_version: &'a str,
    cipher_suite: &'a str,
    client_provided_host_header: Option<&'a str>,
}

/// One resource of a data event.
#[derive(serde::Serialize)]
struct ResourceWire<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(rename = "ARN")]
    arn: &'a str,
}

/// A CloudTrail record, in CloudTrail's order of fields.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordWire<'a> {
    event_version: &'static str,
    user_identity: Json,
    event_time: String,
    event_source: &'a str,
    event_name: &'a str,
    aws_region: &'a str,
    #[serde(rename = "sourceIPAddress")]
    source_ip_address: Option<String>,
    user_agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<&'a str>,
    request_parameters: Option<Wire<'a>>,
    response_elements: Option<Wire<'a>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    omitted: bool,
    #[serde(rename = "requestID")]
    request_id: &'a str,
    #[serde(rename = "eventID")]
    event_id: &'a str,
    read_only: bool,
    event_type: &'static str,
    management_event: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<Vec<ResourceWire<'a>>>,
    recipient_account_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_details: Option<TlsWire<'a>>,
    #[serde(rename = "sharedEventID", skip_serializing_if = "Option::is_none")]
    shared_event_id: Option<&'a str>,
    event_category: &'static str,
}

/// The event of one exchange, for the trail of `account` (`recipientAccountId`). A call
/// recorded in two accounts has one event in each, with the same `shared` id
/// (`sharedEventID`).
pub fn build(record: &Record<'_>, account: &str, shared: Option<&str>) -> Event {
    let id = new_event_id();
    let account = account.to_owned();
    let (source, name) = match (&record.data, record.operation) {
        (Some(d), _) => (d.event_source, d.event_name),
        (None, Some((service, name))) => (event_source(service), name),
        (None, None) => ("unknown", "Unknown"),
    };
    let identity = match record.caller {
        Some(c) => user_identity(c),
        None if name == "AssumeRoleWithWebIdentity" => web_identity_user(record),
        None if name == "AssumeRoleWithSAML" => saml_user(&record.outcome),
        // A bad signature on an existing key: the identity the key belongs to (what the
        // request claimed, as CloudTrail records a failed sign-in under the user).
        None if record.claimed.is_some() => record.claimed.map_or(Json::Null, user_identity),
        // Never authenticated: AWS writes what it knows of the claimed key; here, nothing
        // is trusted from an unverified request.
        None => json!({ "type": "AWSAccount" }),
    };
    let mut omitted = false;
    let user_agent = record.user_agent.map(|ua| {
        let (ua, was_cut) = cut(ua, MAX_TEXT_BYTES);
        omitted |= was_cut;
        ua
    });
    // The input of a request whose signature was never verified is not recorded (except for
    // the calls nobody signs): nothing an unauthenticated client sends is kept beyond what
    // identifies the attempt, so failed attempts cannot fill the store with their bodies.
    let input = if record.caller.is_some() || unsigned(name) {
        record.input
    } else {
        None
    };
    let (error_code, error_message, request_parameters, response_elements) = match &record.outcome {
        Ok(output) => {
            let request = elements(input, &mut omitted);
            // CloudTrail keeps the response only of calls that change something.
            let response = if read_only(name) {
                None
            } else {
                elements(output.as_ref(), &mut omitted)
            };
            (None, None, request, response)
        }
        Err(f) => {
            let (message, was_cut) = cut(f.message, MAX_TEXT_BYTES);
            omitted |= was_cut;
            (
                Some(f.code),
                Some(message),
                elements(input, &mut omitted),
                None,
            )
        }
    };
    let data = record.data.as_ref();
    let wire = RecordWire {
        event_version: EVENT_VERSION,
        user_identity: identity,
        event_time: timestamp(record.time),
        event_source: source,
        event_name: name,
        aws_region: record.region.unwrap_or("us-east-1"),
        source_ip_address: record.source_ip.map(|ip| ip.to_string()),
        user_agent,
        error_code,
        error_message,
        request_parameters,
        response_elements,
        omitted,
        request_id: record.request_id,
        event_id: &id,
        read_only: data.map_or_else(|| read_only(name), |d| d.read_only),
        event_type: "AwsApiCall",
        management_event: data.is_none(),
        resources: data.map(|d| {
            d.resources
                .iter()
                .map(|(kind, arn)| ResourceWire { kind, arn })
                .collect()
        }),
        recipient_account_id: &account,
        tls_details: record.tls.as_ref().map(|t| TlsWire {
            tls_version: t.version,
            cipher_suite: t.cipher_suite,
            client_provided_host_header: t.host,
        }),
        shared_event_id: shared,
        event_category: if data.is_some() { "Data" } else { "Management" },
    };
    // Serializing borrowed strings, numbers and `Json` values cannot fail.
    let text = serde_json::to_string(&wire).unwrap_or_default();
    let time_ms = i64::try_from(record.time.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    Event {
        id,
        account,
        time_ms,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_ids_are_v4_uuids() {
        let a = new_event_id();
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_ne!(a, new_event_id());
    }

    #[test]
    fn members_are_camel_case() {
        assert_eq!(camel("UserName"), "userName");
        assert_eq!(camel("RoleArn"), "roleArn");
        let v = Value::Structure(vec![("PolicyArn".into(), Value::String("x".into()))]);
        assert_eq!(to_json(&v), json!({"policyArn": "x"}));
    }

    #[test]
    fn read_only_by_verb() {
        assert!(read_only("GetUser"));
        assert!(read_only("ListRoles"));
        assert!(!read_only("CreateUser"));
        assert!(!read_only("AssumeRole"));
    }

    #[test]
    fn a_web_identity_caller_is_named_by_its_verified_token_only() {
        let out = Value::Structure(vec![
            (
                "SubjectFromWebIdentityToken".into(),
                Value::String("repo:o/r:ref:refs/heads/main".into()),
            ),
            ("Audience".into(), Value::String("sts.amazonaws.com".into())),
            (
                "Provider".into(),
                Value::String("https://idp.example:8443/realms/x".into()),
            ),
        ]);
        let record = |outcome| Record {
            request_id: "r",
            time: OffsetDateTime::UNIX_EPOCH,
            source_ip: None,
            user_agent: None,
            region: None,
            operation: Some((Api::Sts, "AssumeRoleWithWebIdentity")),
            caller: None,
            claimed: None,
            input: None,
            outcome,
            tls: None,
            data: None,
        };
        assert_eq!(
            web_identity_user(&record(Ok(Some(out)))),
            json!({
                "type": "WebIdentityUser",
                "principalId": "idp.example:8443/realms/x:sts.amazonaws.com:repo:o/r:ref:refs/heads/main",
                "userName": "repo:o/r:ref:refs/heads/main",
                "identityProvider": "idp.example:8443/realms/x",
            })
        );
        let refused = record(Err(crate::recorder::Failure {
            code: "InvalidIdentityToken",
            message: "m",
        }));
        assert_eq!(
            web_identity_user(&refused),
            json!({"type": "WebIdentityUser"})
        );
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        assert_eq!(cut("abc", 5), ("abc", false));
        assert_eq!(cut("aé", 2), ("a", true));
        let big = Value::Structure(vec![(
            "PolicyDocument".into(),
            Value::String("a".repeat(MAX_ELEMENTS_BYTES)),
        )]);
        let mut omitted = false;
        assert!(elements(Some(&big), &mut omitted).is_none());
        assert!(omitted);
        let small = Value::Structure(vec![("UserName".into(), Value::String("u".into()))]);
        let mut omitted = false;
        assert_eq!(
            serde_json::to_value(elements(Some(&small), &mut omitted)).expect("json"),
            json!({"userName": "u"})
        );
        assert!(!omitted);
        let mut omitted = false;
        assert!(elements(Some(&Value::Structure(Vec::new())), &mut omitted).is_none());
        assert!(!omitted);
    }

    #[test]
    fn credentials_are_never_issued_unrecorded() {
        assert!(may_fail_open("GetRole"));
        assert!(may_fail_open("GetCallerIdentity"));
        for op in [
            "GetSessionToken",
            "GetFederationToken",
            "GetWebIdentityToken",
            "AssumeRole",
            "CreateAccessKey",
        ] {
            assert!(!may_fail_open(op), "{op}");
        }
    }
}
