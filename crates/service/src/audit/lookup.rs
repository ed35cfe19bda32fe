//! LookupEvents: the caller's account's events, newest first, filtered by one lookup attribute
//! and a time range, paged with an opaque token (the key of the last event returned).
//!
//! <https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html>

use rolegate_proto::dto::cloudtrail::{
    LookupAttribute, LookupEventsInput, LookupEventsOutput, TrailEvent, TrailResource,
};
use rolegate_store::record::kind;
use serde_json::Value as Json;
use time::OffsetDateTime;

use super::{event_key, key_time_ms};
use crate::{
    Service,
    error::{Result, ServiceError, TrailError},
    handler::{Needs, handlers},
    iam::Ctx,
};

handlers! {
    LookupEventsInput => LookupEventsOutput: lookup_events,
        needs |i, _| Needs::any();
}

/// `MaxResults`' default and maximum.
const MAX_RESULTS: i64 = 50;
/// How far back the event history reaches by default (CloudTrail's 90 days).
const HISTORY_DAYS: i64 = 90;
/// Events read per store call.
const BATCH: usize = 200;
/// Events examined by one call at most: a filter matching rarely answers with fewer events
/// and a token rather than reading the whole history at once.
const MAX_SCANNED: usize = 100_000;
/// Events the database searches per store call at most, when a value is looked for
/// ([`rolegate_store::Store::scan_appended`]); the first call searches
/// [`FIRST_SEARCH_BATCH`], each next one eight times more.
const SEARCH_BATCH: usize = 50_000;
/// The first window searched.
const FIRST_SEARCH_BATCH: usize = 1_000;
/// Events searched by one call at most, when a value is looked for: the database passes over
/// the records that do not hold it without handing them over, so the bound is higher.
const MAX_SEARCHED: usize = 1_000_000;
/// Events parsed by one call at most (most records a filter passes over are not parsed: see
/// `Filter::needle`).
const MAX_PARSED: usize = 10_000;

fn trail_error(e: TrailError, message: impl Into<String>) -> ServiceError {
    ServiceError::CloudTrail(e, message.into())
}

/// The attribute a lookup filters on.
enum Filter {
    EventId(String),
    EventName(String),
    ReadOnly(bool),
    Username(String),
    ResourceType(String),
    ResourceName(String),
    EventSource(String),
    AccessKeyId(String),
}

impl Filter {
    /// Text every matching record contains as it is stored: the value, where JSON writes it
    /// unchanged (no quote, backslash or control character to escape). `ReadOnly` and
    /// `ResourceType` values are in nearly every record, so they are not worth it.
    fn needle(&self) -> Option<&str> {
        let v = match self {
            Filter::EventId(v)
            | Filter::EventName(v)
            | Filter::Username(v)
            | Filter::ResourceName(v)
            | Filter::EventSource(v)
            | Filter::AccessKeyId(v) => v.as_str(),
            Filter::ReadOnly(_) | Filter::ResourceType(_) => return None,
        };
        v.chars()
            .all(|c| c != '"' && c != '\\' && !c.is_control())
            .then_some(v)
    }
}

fn filter(attributes: Option<&[LookupAttribute]>) -> Result<Option<Filter>> {
    let Some(list) = attributes.filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    if list.len() > 1 {
        return Err(trail_error(
            TrailError::InvalidLookupAttributes,
            "You cannot specify more than one lookup attribute.",
        ));
    }
    let a = &list[0];
    let v = a.attribute_value.clone();
    if v.is_empty() || v.len() > 2000 {
        return Err(trail_error(
            TrailError::InvalidLookupAttributes,
            "The attribute value must be between 1 and 2000 characters.",
        ));
    }
    Ok(Some(match a.attribute_key.as_str() {
        "EventId" => Filter::EventId(v),
        "EventName" => Filter::EventName(v),
        "ReadOnly" => match v.as_str() {
            "true" => Filter::ReadOnly(true),
            "false" => Filter::ReadOnly(false),
            _ => {
                return Err(trail_error(
                    TrailError::InvalidLookupAttributes,
                    "The value of the ReadOnly attribute must be true or false.",
                ));
            }
        },
        "Username" => Filter::Username(v),
        "ResourceType" => Filter::ResourceType(v),
        "ResourceName" => Filter::ResourceName(v),
        "EventSource" => Filter::EventSource(v),
        "AccessKeyId" => Filter::AccessKeyId(v),
        other => {
            return Err(trail_error(
                TrailError::InvalidLookupAttributes,
                format!("The attribute key {other} is not valid."),
            ));
        }
    }))
}

fn str_at<'a>(j: &'a Json, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(j, |j, k| j.get(k))?.as_str()
}

/// `Username` of the event history: the IAM user's name, the session name of a role session,
/// the federated user's name, `root` for the root user.
fn username(event: &Json) -> Option<String> {
    if let Some(name) = str_at(event, &["userIdentity", "userName"]) {
        return Some(name.to_owned());
    }
    match str_at(event, &["userIdentity", "type"])? {
        "Root" => Some("root".to_owned()),
        "AssumedRole" | "FederatedUser" => str_at(event, &["userIdentity", "arn"])
            .and_then(|arn| arn.rsplit('/').next())
            .map(str::to_owned),
        _ => None,
    }
}

/// The resources an event names: the IAM entities its request parameters name.
fn resources(event: &Json) -> Vec<TrailResource> {
    let mut out = Vec::new();
    let Some(params) = event.get("requestParameters").and_then(Json::as_object) else {
        return out;
    };
    for (member, resource_type) in [
        ("userName", "AWS::IAM::User"),
        ("groupName", "AWS::IAM::Group"),
        ("roleName", "AWS::IAM::Role"),
        ("roleArn", "AWS::IAM::Role"),
        ("policyArn", "AWS::IAM::Policy"),
        ("instanceProfileName", "AWS::IAM::InstanceProfile"),
        ("accessKeyId", "AWS::IAM::AccessKey"),
    ] {
        if let Some(name) = params.get(member).and_then(Json::as_str) {
            out.push(TrailResource {
                resource_type: Some(resource_type.to_owned()),
                resource_name: Some(name.to_owned()),
            });
        }
    }
    out
}

fn matches(f: &Filter, event: &Json, res: &[TrailResource]) -> bool {
    let is = |path: &[&str], v: &str| str_at(event, path) == Some(v);
    match f {
        Filter::EventId(v) => is(&["eventID"], v),
        Filter::EventName(v) => is(&["eventName"], v),
        Filter::EventSource(v) => is(&["eventSource"], v),
        Filter::AccessKeyId(v) => is(&["userIdentity", "accessKeyId"], v),
        Filter::ReadOnly(v) => event.get("readOnly").and_then(Json::as_bool) == Some(*v),
        Filter::Username(v) => username(event).as_deref() == Some(v.as_str()),
        Filter::ResourceType(v) => res
            .iter()
            .any(|r| r.resource_type.as_deref() == Some(v.as_str())),
        Filter::ResourceName(v) => res
            .iter()
            .any(|r| r.resource_name.as_deref() == Some(v.as_str())),
    }
}

fn ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

impl Service {
    pub(crate) async fn lookup_events(
        &self,
        c: &Ctx<'_>,
        i: LookupEventsInput,
    ) -> Result<LookupEventsOutput> {
        let max = i.max_results.unwrap_or(MAX_RESULTS);
        if !(1..=MAX_RESULTS).contains(&max) {
            return Err(trail_error(
                TrailError::InvalidMaxResults,
                "MaxResults must be between 1 and 50.",
            ));
        }
        let max = usize::try_from(max).unwrap_or(1);
        if let Some(category) = &i.event_category
            && category != "insight"
        {
            return Err(trail_error(
                TrailError::InvalidEventCategory,
                format!("The event category {category} is not valid."),
            ));
        }
        let filter = filter(i.lookup_attributes.as_deref())?;
        let now = self.now_time();
        let start = i
            .start_time
            .map_or_else(|| ms(now) - HISTORY_DAYS * 86_400_000, ms);
        let end = i.end_time.map_or_else(|| ms(now), ms);
        if start > end {
            return Err(trail_error(
                TrailError::InvalidTimeRange,
                "Start time must be before end time.",
            ));
        }
        let mut after = match &i.next_token {
            Some(token) => {
                if key_time_ms(token).is_none() || token.len() > 200 || !token.is_ascii() {
                    return Err(trail_error(
                        TrailError::InvalidNextToken,
                        "Invalid NextToken.",
                    ));
                }
                token.clone()
            }
            // Every key of an event at `end` or earlier sorts after this prefix.
            None => event_key(end, "").trim_end_matches('-').to_owned(),
        };
        let needle = filter.as_ref().and_then(Filter::needle);
        let mut events = Vec::new();
        let mut scanned = 0;
        let mut parsed = 0;
        let mut more = false;
        let mut search_batch = FIRST_SEARCH_BATCH;
        // Insights are not recorded: an insight lookup finds nothing.
        let insight = i.event_category.is_some();
        'scan: loop {
            if insight {
                break;
            }
            // With a value to look for, the database searches (only the records holding it
            // come back); otherwise every record of the range is read.
            let (batch, examined, last, exhausted) = match needle {
                Some(needle) => {
                    let s = self
                        .store
                        .scan_appended(
                            c.account(),
                            kind::AUDIT_EVENT,
                            Some(&after),
                            needle,
                            search_batch,
                        )
                        .await?;
                    let exhausted = s.examined < search_batch;
                    // A frequent value fills the page from the first small window; a rare
                    // one gets ever larger windows.
                    search_batch = (search_batch * 8).min(SEARCH_BATCH);
                    (s.found, s.examined, s.last, exhausted)
                }
                None => {
                    let batch = self
                        .store
                        .list_appended(c.account(), kind::AUDIT_EVENT, Some(&after), BATCH)
                        .await?;
                    let (n, last) = (batch.len(), batch.last().map(|r| r.key.clone()));
                    (batch, n, last, n < BATCH)
                }
            };
            let bound = if needle.is_some() {
                MAX_SEARCHED
            } else {
                MAX_SCANNED
            };
            for r in batch {
                // Where the next call goes on from, should this one stop at this record.
                after.clone_from(&r.key);
                let Some(t) = key_time_ms(&r.key) else {
                    continue;
                };
                if t > end {
                    continue;
                }
                if t < start {
                    break 'scan;
                }
                parsed += 1;
                let Ok(event) = serde_json::from_str::<Json>(&r.data) else {
                    continue;
                };
                let res = resources(&event);
                // Event history holds management events only, as CloudTrail's: data events
                // (the S3 gateway's, the authorization API's) are in the exported log files.
                let data_event =
                    event.get("managementEvent").and_then(Json::as_bool) == Some(false);
                if data_event || filter.as_ref().is_some_and(|f| !matches(f, &event, &res)) {
                    if parsed >= MAX_PARSED {
                        more = true;
                        break 'scan;
                    }
                    continue;
                }
                events.push(TrailEvent {
                    event_id: str_at(&event, &["eventID"]).unwrap_or_default().to_owned(),
                    event_name: str_at(&event, &["eventName"])
                        .unwrap_or_default()
                        .to_owned(),
                    read_only: event
                        .get("readOnly")
                        .and_then(Json::as_bool)
                        .unwrap_or(false)
                        .to_string(),
                    access_key_id: str_at(&event, &["userIdentity", "accessKeyId"])
                        .map(str::to_owned),
                    event_time: OffsetDateTime::from_unix_timestamp_nanos(
                        i128::from(t) * 1_000_000,
                    )
                    .ok(),
                    event_source: str_at(&event, &["eventSource"])
                        .unwrap_or_default()
                        .to_owned(),
                    username: username(&event),
                    resources: res,
                    cloud_trail_event: r.data,
                });
                if events.len() >= max || parsed >= MAX_PARSED {
                    more = true;
                    break 'scan;
                }
            }
            // The whole batch was examined: go on after its last record.
            scanned += examined;
            match last {
                Some(last) => {
                    if key_time_ms(&last).is_some_and(|t| t < start) {
                        break;
                    }
                    after = last;
                }
                None => break,
            }
            if exhausted {
                break;
            }
            if scanned >= bound {
                more = true;
                break;
            }
        }
        Ok(LookupEventsOutput {
            events,
            next_token: more.then_some(after),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_needle_only_where_the_stored_text_holds_the_value_unchanged() {
        assert_eq!(
            Filter::Username("alice".into()).needle(),
            Some("alice"),
            "plain text"
        );
        assert_eq!(
            Filter::EventName("Ünïcode".into()).needle(),
            Some("Ünïcode")
        );
        for escaped in ["a\"b", "a\\b", "a\nb"] {
            assert_eq!(
                Filter::ResourceName(escaped.into()).needle(),
                None,
                "{escaped:?}"
            );
        }
        assert_eq!(Filter::ReadOnly(true).needle(), None);
        // Every value a matching record has is in its text as JSON writes it.
        let event = serde_json::json!({
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/r/sess"},
            "eventName": "GetRole", "eventID": "e-1", "eventSource": "iam.amazonaws.com",
            "requestParameters": {"roleName": "r/ünï"},
        });
        let text = event.to_string();
        for f in [
            Filter::Username("sess".into()),
            Filter::EventName("GetRole".into()),
            Filter::EventId("e-1".into()),
            Filter::EventSource("iam.amazonaws.com".into()),
            Filter::ResourceName("r/ünï".into()),
        ] {
            assert!(matches(&f, &event, &resources(&event)));
            assert!(text.contains(f.needle().expect("a needle")));
        }
    }
}
