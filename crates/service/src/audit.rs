//! The audit trail (issue 15): every exchange becomes a CloudTrail event ([`event`]) stored
//! through the store before the answer leaves, in group commits shared by the calls that end
//! together ([`writer`]); a failed write fails the call (`ServiceUnavailable`) rather than
//! leaving it unrecorded.
//!
//! Events are appended records ([`Write::Append`]: never changed, never cached, not in the
//! change log) of kind [`kind::AUDIT_EVENT`] in the recipient account's scope, keyed
//! [`event_key`]: the inverted event time (16 hex digits of `u64::MAX - ms`) then the event
//! id, so the store's key-ordered `list` reads them newest first, and everything older than
//! the retention period ([`Service::expire_events`]; 90 days by default, as CloudTrail's event
//! history) is one key range per account.
//!
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html>

pub mod anonymous;
pub mod archive;
pub mod data;
pub mod event;
mod lookup;
pub mod stdout;
pub mod verify;
pub mod writer;

use rolegate_store::{GLOBAL, Write, record::kind};

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
    pub(crate) async fn write_event(
        &self,
        trail: &writer::TrailWriter,
        record: &Record<'_>,
    ) -> Result<()> {
        // Whose trail: the caller's account; for a call nobody signed, the account of the
        // role it names (when that account exists here), else the management account. An
        // AssumeRole into another existing account is recorded in that one too, both events
        // sharing one `sharedEventID`, as CloudTrail does.
        // Only a verified caller, or a call nobody signs, may name where its event goes: a
        // request that failed authentication cannot steer its event into another trail.
        let steerable =
            record.caller.is_some() || record.operation.is_some_and(|(_, n)| event::unsigned(n));
        let role_account = match event::role_account(record).filter(|_| steerable) {
            Some(a) if self.account_exists(&a).await? => Some(a),
            _ => None,
        };
        let (home, other) = match (record.caller, role_account) {
            (Some(c), Some(r)) if r != c.account => (c.account.clone(), Some(r)),
            (Some(c), _) => (c.account.clone(), None),
            (None, Some(r)) => (r, None),
            // A bad signature on an existing key: the account that owns the key (its
            // owner's trail shows the attempts on its keys), never the claimed role's.
            (None, None) => (
                record
                    .claimed
                    .map_or_else(|| self.config.account_id.clone(), |o| o.account.clone()),
                None,
            ),
        };
        let shared = other.as_ref().map(|_| event::new_event_id());
        let event = event::build(record, &home, shared.as_deref());
        // An hour's log file is written once the hour is well over (`archive`): a call that
        // took so long that its hour may be exported already fails rather than being left
        // out of the files.
        let now_ms = self.clock.now().unix_timestamp().saturating_mul(1000);
        if now_ms.saturating_sub(event.time_ms) > archive::MAX_EVENT_AGE_MS {
            return Err(ServiceError::Unavailable(
                "audit trail: the call took too long to be recorded".into(),
            ));
        }
        let mut events = vec![event];
        if let Some(other) = &other {
            events.push(event::build(record, other, shared.as_deref()));
        }
        self.store_events(trail, events).await
    }

    /// Appends events to the trail (and, with `--audit-stdout`, ships them once durable).
    pub(crate) async fn store_events(
        &self,
        trail: &writer::TrailWriter,
        events: Vec<Event>,
    ) -> Result<()> {
        let writes: Vec<Write> = events.into_iter().map(append).collect();
        if let Some(stdout) = &self.audit_stdout {
            // Written only once durable, so a shipper never sees an event the store lacks.
            let lines: Vec<String> = writes
                .iter()
                .filter_map(|w| match w {
                    Write::Append { data, .. } => Some(data.clone()),
                    _ => None,
                })
                .collect();
            append_all(trail, writes).await?;
            for line in lines {
                stdout.ship(line);
            }
        } else {
            append_all(trail, writes).await?;
        }
        Ok(())
    }

    /// Visits an account's stored events newest first, from `newest_ms` back to `oldest_ms`
    /// and at most `max` of them, handing each one's time (unix milliseconds) and JSON text to
    /// `visit`; returns how many were read. The one walk of a trail for the reports that read
    /// it (last accessed, the Organizations access report).
    pub(crate) async fn visit_events(
        &self,
        account: &str,
        newest_ms: i64,
        oldest_ms: i64,
        max: usize,
        mut visit: impl FnMut(i64, &str),
    ) -> Result<usize> {
        let mut after = event_key(newest_ms, "").trim_end_matches('-').to_owned();
        let mut read = 0;
        loop {
            let batch = self
                .store
                .list_appended(account, kind::AUDIT_EVENT, Some(&after), VISIT_BATCH)
                .await?;
            let exhausted = batch.len() < VISIT_BATCH;
            for r in batch {
                if read >= max {
                    return Ok(read);
                }
                read += 1;
                after.clone_from(&r.key);
                let Some(ms) = key_time_ms(&r.key) else {
                    continue;
                };
                if ms < oldest_ms {
                    return Ok(read);
                }
                visit(ms, &r.data);
            }
            if exhausted {
                return Ok(read);
            }
        }
    }

    async fn account_exists(&self, account: &str) -> Result<bool> {
        Ok(self
            .cache
            .get::<rolegate_store::record::Account>(&*self.store, GLOBAL, account)
            .await?
            .is_some())
    }
}

async fn append_all(trail: &writer::TrailWriter, writes: Vec<Write>) -> Result<()> {
    trail
        .append(writes)
        .await
        .map_err(|e| ServiceError::Unavailable(format!("audit trail: {e}")))
}

/// An event as the write that appends it.
fn append(event: Event) -> Write {
    Write::Append {
        key: event_key(event.time_ms, &event.id),
        scope: event.account,
        kind: kind::AUDIT_EVENT.to_owned(),
        data: event.text,
    }
}

/// How long events are kept by default: CloudTrail's event history keeps 90 days.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;

/// Events read per store call while visiting a trail.
const VISIT_BATCH: usize = 500;

/// Accounts read per page while expiring events.
const ACCOUNT_PAGE: usize = 500;

impl Service {
    /// Deletes every event older than `retention_days` days, in every account; returns how
    /// many. Run periodically by the server (each node may: deleting a range twice is
    /// harmless).
    pub async fn expire_events(&self, retention_days: u32) -> Result<u64> {
        let cutoff_ms = self
            .clock
            .now()
            .unix_timestamp()
            .saturating_sub(i64::from(retention_days) * 86_400)
            .saturating_mul(1000);
        // Every key of an event at or before the cutoff sorts after this prefix.
        let bound = event_key(cutoff_ms, "");
        let mut deleted = 0;
        let mut after: Option<String> = None;
        loop {
            let accounts = self
                .store
                .list(GLOBAL, kind::ACCOUNT, after.as_deref(), ACCOUNT_PAGE)
                .await?;
            for account in &accounts {
                deleted += self
                    .store
                    .delete_appended_after(&account.key, kind::AUDIT_EVENT, &bound)
                    .await?;
            }
            match accounts.last() {
                Some(last) if accounts.len() == ACCOUNT_PAGE => after = Some(last.key.clone()),
                _ => return Ok(deleted),
            }
        }
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
