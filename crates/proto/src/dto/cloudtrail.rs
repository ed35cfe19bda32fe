//! AWS CloudTrail (AWS JSON 1.1, `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.*`):
//! the event history's LookupEvents.
//!
//! <https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html>

use time::OffsetDateTime;

use crate::{shape, structure};

structure!(
    /// `LookupAttribute`.
    LookupAttribute {
        attribute_key: String = "AttributeKey",
        attribute_value: String = "AttributeValue",
    }
);

structure!(LookupEventsInput {
    lookup_attributes: Option<Vec<LookupAttribute>> = "LookupAttributes",
    start_time: Option<OffsetDateTime> = "StartTime",
    end_time: Option<OffsetDateTime> = "EndTime",
    event_category: Option<String> = "EventCategory",
    max_results: Option<i64> = "MaxResults",
    next_token: Option<String> = "NextToken",
});

shape!(
    /// `Resource`.
    TrailResource {
        resource_type: Option<String> = "ResourceType",
        resource_name: Option<String> = "ResourceName",
    }
);

shape!(
    /// `Event`.
    TrailEvent {
        event_id: String = "EventId",
        event_name: String = "EventName",
        read_only: String = "ReadOnly",
        access_key_id: Option<String> = "AccessKeyId",
        event_time: Option<OffsetDateTime> = "EventTime",
        event_source: String = "EventSource",
        username: Option<String> = "Username",
        resources: Vec<TrailResource> = "Resources",
        cloud_trail_event: String = "CloudTrailEvent",
    }
);

shape!(LookupEventsOutput {
    events: Vec<TrailEvent> = "Events",
    next_token: Option<String> = "NextToken",
});
