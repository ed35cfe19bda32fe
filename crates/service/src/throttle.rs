//! The throttle on guessing a secret the service checks — an MFA device's codes, a user's
//! password (ChangePassword's old password) — so neither can be found by trying.
//!
//! The count lives on the record that holds the secret ([`Guarded`]), so every node sharing
//! the store shares it, and it is written with the record's version like any other change:
//! concurrent failures on several nodes each count, and a request that loses the race
//! re-reads the record (and finds it locked) before it answers. The rules:
//!
//! - [`FREE_FAILURES`] failed checks in a row are answered at once; the failure that reaches
//!   it locks the secret for [`FIRST_LOCKOUT`] seconds, and every failure after that (one
//!   guess per expired lockout) locks it for twice as long as the one before, up to
//!   [`MAX_LOCKOUT`]. Greedy guessing gets [`FREE_FAILURES`] + 7 guesses in the first hour,
//!   then 4 an hour: a 6-digit code (3 of the 10^6 values are valid at any time, ±1 step)
//!   takes about 333,000 guesses, so about 9.5 years.
//! - While locked, a check is refused without looking at the secret and without any write,
//!   with the same error as a wrong guess, so the lock reveals nothing and costs nothing.
//! - An accepted guess clears the count; a count whose last failure is older than
//!   [`FORGET_AFTER`] starts again from zero.
//!
//! AWS throttles MFA attempts without documenting numbers
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_sync.html>); these
//! are the ones stated in `docs/ARCHITECTURE.md`.

use rolegate_store::record::{LoginProfile, MfaDevice};

pub mod sources;

/// A record holding a guessable secret and its failure count.
pub trait Guarded {
    /// Failed checks in a row, when the last one happened, and until when checks are refused
    /// (unix seconds).
    fn counters(&mut self) -> (&mut u32, &mut i64, &mut i64);
    /// Until when checks are refused.
    fn locked_until(&self) -> i64;
}

impl Guarded for MfaDevice {
    fn counters(&mut self) -> (&mut u32, &mut i64, &mut i64) {
        (
            &mut self.failures,
            &mut self.failed_at,
            &mut self.locked_until,
        )
    }
    fn locked_until(&self) -> i64 {
        self.locked_until
    }
}

impl Guarded for LoginProfile {
    fn counters(&mut self) -> (&mut u32, &mut i64, &mut i64) {
        (
            &mut self.failures,
            &mut self.failed_at,
            &mut self.locked_until,
        )
    }
    fn locked_until(&self) -> i64 {
        self.locked_until
    }
}

/// Failed checks in a row that are answered without a lockout.
pub const FREE_FAILURES: u32 = 5;
/// The first lockout, seconds.
pub const FIRST_LOCKOUT: i64 = 30;
/// The longest lockout, seconds.
pub const MAX_LOCKOUT: i64 = 15 * 60;
/// A count whose last failure is this old (seconds) is forgotten.
pub const FORGET_AFTER: i64 = 24 * 3600;

/// Whether checks are refused at `now` without looking at the guess.
pub fn locked(record: &impl Guarded, now: i64) -> bool {
    now < record.locked_until()
}

/// Counts a failed check at `now`; the lockout it starts, in seconds, if it starts one.
pub fn failed(record: &mut impl Guarded, now: i64) -> Option<i64> {
    let (failures, failed_at, locked_until) = record.counters();
    if now.saturating_sub(*failed_at) >= FORGET_AFTER {
        *failures = 0;
    }
    *failures = failures.saturating_add(1);
    *failed_at = now;
    let over = failures.checked_sub(FREE_FAILURES)?;
    let lockout = lockout_after(over);
    *locked_until = now.saturating_add(lockout);
    Some(lockout)
}

/// Clears the count after an accepted guess.
pub fn succeeded(record: &mut impl Guarded) {
    let (failures, failed_at, locked_until) = record.counters();
    *failures = 0;
    *failed_at = 0;
    *locked_until = 0;
}

/// The lockout after `over` failures beyond the free ones (0: the first lockout).
fn lockout_after(over: u32) -> i64 {
    let doublings = over.min(MAX_LOCKOUT.ilog2());
    (FIRST_LOCKOUT << doublings).min(MAX_LOCKOUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_000_000_000;

    fn device() -> MfaDevice {
        MfaDevice {
            name: "d".into(),
            path: "/".into(),
            created: 0,
            seed: rolegate_store::Secret::default(),
            user: None,
            last_step: 0,
            tags: Vec::new(),
            failures: 0,
            failed_at: 0,
            locked_until: 0,
        }
    }

    /// The guesses checked when an attacker tries once a second in `[from, from + seconds)`.
    fn greedy_guesses(d: &mut MfaDevice, from: i64, seconds: i64) -> usize {
        (from..from + seconds)
            .filter(|&now| {
                let checked = !locked(d, now);
                if checked {
                    failed(d, now);
                }
                checked
            })
            .count()
    }

    #[test]
    fn lockouts_double_from_30_seconds_to_15_minutes() {
        let got: Vec<i64> = (0..9).map(lockout_after).collect();
        assert_eq!(got, [30, 60, 120, 240, 480, 900, 900, 900, 900]);
        assert_eq!(lockout_after(u32::MAX), MAX_LOCKOUT);
    }

    #[test]
    fn the_fifth_failure_locks() {
        let mut d = device();
        for _ in 1..FREE_FAILURES {
            assert_eq!(failed(&mut d, 100), None);
            assert!(!locked(&d, 100));
        }
        assert_eq!(failed(&mut d, 100), Some(FIRST_LOCKOUT));
        assert!(locked(&d, 100));
        assert!(locked(&d, 100 + FIRST_LOCKOUT - 1));
        assert!(!locked(&d, 100 + FIRST_LOCKOUT));
        assert_eq!(
            failed(&mut d, 130),
            Some(2 * FIRST_LOCKOUT),
            "then it grows"
        );
    }

    #[test]
    fn guessing_rate_is_a_few_an_hour() {
        let mut d = device();
        assert_eq!(greedy_guesses(&mut d, T0, 3600), 12, "the first hour");
        assert_eq!(
            greedy_guesses(&mut d, T0 + 3600, 24 * 3600),
            96,
            "each day after that"
        );
    }

    #[test]
    fn success_and_time_clear_the_count() {
        let mut d = device();
        greedy_guesses(&mut d, T0, 600);
        succeeded(&mut d);
        assert!(!locked(&d, T0 + 600));
        assert_eq!(
            greedy_guesses(&mut d, T0 + 600, 60),
            6,
            "five free, then one after 30 s"
        );

        let mut d = device();
        for _ in 1..FREE_FAILURES {
            failed(&mut d, 100);
        }
        assert_eq!(
            failed(&mut d, 100 + FORGET_AFTER),
            None,
            "a day later: count 1"
        );
        assert_eq!(d.failures, 1);
    }
}
