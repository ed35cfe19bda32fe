//! Time comes in through a trait, so tests can fix it.

use time::OffsetDateTime;

/// A source of "now".
pub trait Clock: Send + Sync + 'static {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// The system clock shifted by an adjustable offset (tests move time forward with it).
#[derive(Debug, Default)]
pub struct ShiftedClock {
    offset_seconds: std::sync::atomic::AtomicI64,
}

impl ShiftedClock {
    /// Moves this clock forward (or back, with a negative value).
    pub fn advance(&self, seconds: i64) {
        self.offset_seconds
            .fetch_add(seconds, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
            + time::Duration::seconds(
                self.offset_seconds
                    .load(std::sync::atomic::Ordering::SeqCst),
            )
    }
}
