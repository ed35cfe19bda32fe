//! Decisions of the authorization API ([`crate::access`]) as CloudTrail *data* events:
//! `eventCategory` `Data`, `managementEvent` false, `eventSource` [`DATA_EVENT_SOURCE`].
//! `userIdentity` is the principal the decision is about as far as Rolegate knows it — for a
//! verified request, the signer the protected service never sees; for an AuthZEN evaluation,
//! the service that asked (the subject is in `additionalEventData`). A request is described
//! by its method and path only: never its query (a presigned URL carries its signature and
//! token there), headers, signature or session token.
//!
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html>

use serde_json::{Map, Value as Json, json};

use super::{Event, event};
use crate::{Caller, RequestEnv, Result, Service};

/// `eventSource` of the authorization API's events.
pub const DATA_EVENT_SOURCE: &str = "access.rolegate.dev";

/// One decision, as [`crate::access::Access`] recorded it.
#[derive(Debug, Clone, Copy)]
pub struct DataEvent<'a> {
    /// `eventName`: `Evaluation` or `VerifyRequest`.
    pub name: &'static str,
    /// The identity decided about (`None`: the request failed authentication).
    pub caller: Option<&'a Caller>,
    /// The other party: the subject of an evaluation, or the service that asked to verify.
    pub subject: Option<&'a str>,
    /// The action decided.
    pub action: &'a str,
    /// The resource ARN decided.
    pub resource: &'a str,
    /// Allowed?
    pub decision: bool,
    /// Why (or the error code of a failed authentication).
    pub reason: &'a str,
    /// The verified request's method and path.
    pub request: Option<(&'a str, &'a str)>,
    /// The asking request's environment.
    pub env: &'a RequestEnv,
}

/// The CloudTrail record of a decision, for `account`'s trail.
pub fn build(d: &DataEvent<'_>, account: &str) -> Event {
    let id = event::new_event_id();
    let mut m = Map::new();
    m.insert("eventVersion".into(), json!(event::EVENT_VERSION));
    m.insert(
        "userIdentity".into(),
        d.caller
            .map_or_else(|| json!({ "type": "AWSAccount" }), event::user_identity),
    );
    m.insert("eventTime".into(), json!(event::timestamp(d.env.now)));
    m.insert("eventSource".into(), json!(DATA_EVENT_SOURCE));
    m.insert("eventName".into(), json!(d.name));
    let region = if d.env.region.is_empty() {
        "us-east-1"
    } else {
        d.env.region.as_str()
    };
    m.insert("awsRegion".into(), json!(region));
    m.insert(
        "sourceIPAddress".into(),
        json!(d.env.source_ip.map(|ip| ip.to_string())),
    );
    // Client-controlled text is bounded as in every event (`event::MAX_TEXT_BYTES`).
    let text = |t: &str| event::cut(t, event::MAX_TEXT_BYTES).0.to_owned();
    m.insert(
        "userAgent".into(),
        json!(d.env.user_agent.as_deref().map(text)),
    );
    let mut params = Map::new();
    if !d.action.is_empty() {
        params.insert("action".into(), json!(d.action));
        params.insert("resource".into(), json!(text(d.resource)));
    }
    if let Some((method, path)) = d.request {
        params.insert("method".into(), json!(method));
        params.insert("path".into(), json!(text(path)));
    }
    match (d.name, d.subject) {
        ("Evaluation", Some(s)) => {
            params.insert("subject".into(), json!(s));
        }
        (_, Some(s)) => {
            params.insert("verifiedFor".into(), json!(s));
        }
        _ => {}
    }
    m.insert("requestParameters".into(), Json::Object(params));
    m.insert("responseElements".into(), Json::Null);
    m.insert(
        "additionalEventData".into(),
        json!({ "decision": if d.decision { "allow" } else { "deny" }, "reason": d.reason }),
    );
    if d.caller.is_none() {
        m.insert("errorCode".into(), json!(d.reason));
    }
    m.insert("requestID".into(), json!(d.env.request_id));
    m.insert("eventID".into(), json!(id));
    m.insert("readOnly".into(), json!(true));
    if !d.resource.is_empty() {
        m.insert(
            "resources".into(),
            json!([{ "ARN": text(d.resource), "type": resource_type(d.resource) }]),
        );
    }
    m.insert("eventType".into(), json!("AwsApiCall"));
    m.insert("managementEvent".into(), json!(false));
    m.insert("recipientAccountId".into(), json!(account));
    m.insert("eventCategory".into(), json!("Data"));
    let time_ms = i64::try_from(d.env.now.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    Event {
        id,
        account: account.to_owned(),
        time_ms,
        text: Json::Object(m).to_string(),
    }
}

/// CloudTrail's `resources[].type` for an ARN: `AWS::SERVICE::Resource` by its service.
fn resource_type(arn: &str) -> String {
    let service = arn.split(':').nth(2).unwrap_or("");
    match service {
        "execute-api" => "AWS::ApiGateway::Method".into(),
        "iam" => "AWS::IAM::Principal".into(),
        "s3" => "AWS::S3::Object".into(),
        "" => "Unknown".into(),
        s => format!("AWS::{s}::Resource"),
    }
}

impl Service {
    /// Stores one decision's data event in the trail of the caller's account (the
    /// management account's when nobody was authenticated); returns once durable. Without
    /// an audit trail, nothing. A failed write is `ServiceUnavailable` (fail closed).
    pub(crate) async fn write_data_event(&self, d: DataEvent<'_>) -> Result<()> {
        let Some(trail) = &self.audit_trail else {
            return Ok(());
        };
        // A request that failed authentication shares the bound of the API's own
        // (`anonymous`): a flood of forged signatures cannot fill the trail.
        if d.caller.is_none() {
            let (admit, skipped) = self.anonymous_events.admit(d.env.source_ip, self.now());
            if let Some(skipped) = skipped {
                tracing::warn!(
                    skipped,
                    "verifications that failed unauthenticated past the audit trail's bound were not recorded"
                );
            }
            if !admit {
                return Ok(());
            }
        }
        let account = d
            .caller
            .map_or_else(|| self.config.account_id.clone(), |c| c.account.clone());
        let event = build(&d, &account);
        self.store_events(trail, vec![event]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_is_a_data_event_without_the_query() {
        let env = RequestEnv {
            request_id: "r".into(),
            source_ip: None,
            secure_transport: false,
            user_agent: None,
            region: String::new(),
            now: time::OffsetDateTime::UNIX_EPOCH,
        };
        let e = build(
            &DataEvent {
                name: "VerifyRequest",
                caller: None,
                subject: None,
                action: "",
                resource: "",
                decision: false,
                reason: "SignatureDoesNotMatch",
                request: Some(("GET", "/pets")),
                env: &env,
            },
            "123456789012",
        );
        assert_eq!(e.json()["eventCategory"], "Data");
        assert_eq!(e.json()["managementEvent"], false);
        assert_eq!(e.json()["errorCode"], "SignatureDoesNotMatch");
        assert_eq!(e.json()["requestParameters"]["path"], "/pets");
        assert_eq!(e.json()["additionalEventData"]["decision"], "deny");
        assert_eq!(
            resource_type("arn:aws:execute-api:us-east-1:1:a/s/GET/x"),
            "AWS::ApiGateway::Method"
        );
    }
}
