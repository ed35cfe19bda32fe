//! The audit trail (issue 15): every exchange becomes a CloudTrail event ([`event`]) stored
//! through the store before the answer leaves; a failed write fails the call
//! (`ServiceUnavailable`) rather than leaving it unrecorded.
//!
//! Events are records of kind [`kind::AUDIT_EVENT`] in the recipient account's scope, keyed
//! [`event_key`]: the inverted event time (16 hex digits of `u64::MAX - ms`) then the event
//! id, so the store's key-ordered `list` reads them newest first.

pub mod event;
mod lookup;

use rolegate_store::{Expect, Write, record::kind};

use crate::{Result, Service, ServiceError, recorder::Record};

pub use event::Event;

/// The key of an event: newest first in byte order, unique by its id.
pub fn event_key(time_ms: i64, event_id: &str) -> String {
    let inverted = u64::MAX - u64::try_from(time_ms).unwrap_or(0);
    format!("{inverted:016x}-{event_id}")
}

/// The time of an event key (unix milliseconds).
pub fn key_time_ms(key: &str) -> Option<i64> {
    let inverted = u64::from_str_radix(key.get(..16)?, 16).ok()?;
    i64::try_from(u64::MAX - inverted).ok()
}

impl Service {
    /// Writes one exchange's event to the trail; returns when it is durable.
    pub(crate) async fn write_event(&self, record: &Record<'_>) -> Result<Event> {
        let event = event::build(record, &self.config.account_id);
        let data = serde_json::to_string(&event.json)
            .map_err(|e| ServiceError::Internal(format!("audit event: {e}")))?;
        self.store
            .commit(&[Write::Put {
                scope: event.account.clone(),
                kind: kind::AUDIT_EVENT.to_owned(),
                key: event_key(event.time_ms, &event.id),
                expect: Expect::Absent,
                data,
            }])
            .await
            .map_err(|e| ServiceError::Unavailable(format!("audit trail: {e}")))?;
        Ok(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_list_newest_first() {
        let older = event_key(1_000, "b");
        let newer = event_key(2_000, "a");
        assert!(newer < older);
        assert_eq!(key_time_ms(&older), Some(1_000));
    }
}
