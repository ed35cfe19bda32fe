//! `--audit-stdout`: every stored event also written to standard output as one JSON line,
//! once it is durable, for a log shipper.
//!
//! Lines go to one writer thread through a bounded queue, so a reader that stalls (a full
//! pipe, a stopped shipper) never stalls a call: when the queue is full, lines are dropped —
//! the events are in the store, where LookupEvents and the exported files still have them —
//! and the number dropped is logged.

use std::{
    io::Write as _,
    sync::{
        atomic::{AtomicU64, Ordering},
        mpsc::{SyncSender, TrySendError, sync_channel},
    },
};

/// Lines waiting for the writer thread at most.
pub const QUEUE: usize = 8192;

/// The writer of standard output's JSON lines.
#[derive(Debug)]
pub struct StdoutShipper {
    queue: SyncSender<String>,
    dropped: AtomicU64,
}

impl StdoutShipper {
    /// Starts the writer thread.
    pub fn start() -> Self {
        let (queue, lines) = sync_channel::<String>(QUEUE);
        let spawned = std::thread::Builder::new()
            .name("audit-stdout".into())
            .spawn(move || {
                let out = std::io::stdout();
                for line in lines {
                    // A closed stdout is the shipper's problem, not the calls': events are stored.
                    let _ = writeln!(out.lock(), "{line}");
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "audit stdout: the writer thread could not start");
        }
        Self {
            queue,
            dropped: AtomicU64::new(0),
        }
    }

    /// Queues one line; never waits.
    pub fn ship(&self, line: String) {
        match self.queue.try_send(line) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                // Logged at 1, 2, 4, 8 … lines dropped, so a long stall does not flood the log.
                if n.is_power_of_two() {
                    tracing::warn!(
                        dropped = n,
                        "audit stdout: the reader is not keeping up; lines dropped (the events are stored)"
                    );
                }
            }
        }
    }

    /// Lines dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_queue_drops_lines_without_waiting() {
        // A shipper whose thread is not draining: a queue nobody reads.
        let (queue, _lines) = sync_channel::<String>(2);
        let s = StdoutShipper {
            queue,
            dropped: AtomicU64::new(0),
        };
        for i in 0..5 {
            s.ship(format!("{i}"));
        }
        assert_eq!(s.dropped(), 3);
    }
}
