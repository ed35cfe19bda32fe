//! Group commit for the audit trail: every call waits until its event is durable, but the
//! events of calls that end together share one store commit (one transaction, one sync to
//! disk), so recording costs the store one commit per batch rather than one per call.
//!
//! One task per trail takes whatever is queued (up to [`MAX_BATCH`] events) as soon as the
//! previous commit has finished, commits it and answers every waiting call with the
//! outcome. A batch that fails as a whole with a conflict (an event key already stored,
//! which random event ids make all but impossible) is retried one event at a time, so one
//! event cannot fail the others; any other failure fails every call of the batch, and each
//! answers `ServiceUnavailable` (fail closed). Nothing is ever acknowledged before its
//! commit.

use std::sync::{Arc, OnceLock};

use rolegate_store::{Store, StoreError, Write};
use tokio::sync::{mpsc, oneshot};

/// Events committed together at most.
pub const MAX_BATCH: usize = 512;

/// One call's events (one, or two for a call recorded in two accounts: both or neither)
/// waiting for their commit.
struct Pending {
    writes: Vec<Write>,
    done: oneshot::Sender<Result<(), StoreError>>,
}

/// The trail's writer: appends events to the store in group commits.
pub struct TrailWriter {
    store: Arc<dyn Store>,
    /// The queue to the committing task, started on the first event (inside the runtime
    /// that serves the calls).
    queue: OnceLock<mpsc::UnboundedSender<Pending>>,
}

impl TrailWriter {
    /// A writer over a store; its task starts with the first event.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            queue: OnceLock::new(),
        }
    }

    /// Appends one call's events and returns once they are committed, or why they could
    /// not be.
    pub async fn append(&self, writes: Vec<Write>) -> Result<(), StoreError> {
        let queue = self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::unbounded_channel();
            tokio::spawn(commit_batches(self.store.clone(), receiver));
            sender
        });
        let (done, outcome) = oneshot::channel();
        queue
            .send(Pending { writes, done })
            .map_err(|_| stopped())?;
        outcome.await.unwrap_or_else(|_| Err(stopped()))
    }
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the audit trail's writer has stopped".into())
}

/// The committing task: runs until every sender (the writer) is gone.
async fn commit_batches(store: Arc<dyn Store>, mut receiver: mpsc::UnboundedReceiver<Pending>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // Every call's events in one commit; `sizes` remembers whose are whose.
        let mut writes = Vec::new();
        let mut sizes = Vec::with_capacity(batch.len());
        let mut waiting = Vec::with_capacity(batch.len());
        for p in batch.drain(..) {
            sizes.push(p.writes.len());
            writes.extend(p.writes);
            waiting.push(p.done);
        }
        match store.commit(&writes).await {
            Err(StoreError::Conflict) if waiting.len() > 1 => {
                let mut start = 0;
                for (size, done) in sizes.into_iter().zip(waiting) {
                    let _ = done.send(store.commit(&writes[start..start + size]).await);
                    start += size;
                }
            }
            outcome => {
                for done in waiting {
                    let _ = done.send(outcome.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rolegate_store::SqliteStore;

    fn event(key: &str) -> Write {
        Write::Append {
            scope: "111122223333".into(),
            kind: "audit-event".into(),
            key: key.into(),
            data: "{}".into(),
        }
    }

    #[tokio::test]
    async fn concurrent_events_are_all_committed_and_a_duplicate_fails_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(&dir.path().join("t.db"))
                .await
                .expect("open"),
        );
        let writer = Arc::new(TrailWriter::new(store.clone()));
        writer.append(vec![event("dup")]).await.expect("first");
        let mut calls = Vec::new();
        for i in 0..200 {
            let writer = writer.clone();
            calls.push(tokio::spawn(async move {
                writer.append(vec![event(&format!("e{i:03}"))]).await
            }));
        }
        let duplicate = writer.append(vec![event("dup")]).await;
        for call in calls {
            call.await.expect("join").expect("committed");
        }
        assert_eq!(duplicate, Err(StoreError::Conflict));
        let stored = store
            .list_appended("111122223333", "audit-event", None, 1000)
            .await
            .expect("list");
        assert_eq!(
            stored.len(),
            201,
            "every acknowledged event is stored, once"
        );
    }
}
