//! The budget of failed federation calls per client address (catalogue E-15, I-07):
//! AssumeRoleWithWebIdentity and AssumeRoleWithSAML are called unsigned — the token or the
//! assertion is the credential —, so without a budget anyone could try tokens, role ARNs and
//! subjects at any rate and read the answers.
//!
//! - A client address (IPv6: its /64, where one client usually holds many addresses) may fail
//!   [`DEFAULT_FAILURES_PER_MINUTE`] federation calls (`--federation-failures-per-minute`) in
//!   the current and the previous minute together; past that every federation call from it is
//!   answered `Throttling` ("Rate exceeded", 400, AWS's error for a throttled STS call)
//!   without the token being looked at, until the minutes roll on. A call that succeeds
//!   never counts, and neither does one the server is to blame for (the store down, the
//!   IdP unreachable). Every other error counts: a token that does not verify, an unknown
//!   issuer, a wrong audience, a role that does not trust the identity.
//! - The count is **global**: every node adds its failures to a store record per address and
//!   minute ([`KIND`], GLOBAL scope, key `INVERTED_MINUTE/ADDRESS`), shared by every node on
//!   the same database, so three nodes do not give three budgets.
//! - Failures never turn into unbounded store writes. Each node counts failures in memory
//!   first and adds them to the store at most once per [`FLUSH_EVERY`] failures of an address
//!   or once a second per address (a failure from an address this node has not heard from for
//!   a second writes at once, which is how a node learns that another one has used the
//!   budget up), and at most [`WRITES_PER_SECOND`] times a second in all, whatever the number
//!   of addresses. Past that bound the node still holds each address to the budget by its own
//!   count; only the sharing waits for the next write. Records older than the previous minute
//!   are deleted by key range once a minute per node.
//! - The decision before a call reads memory only: a successful call costs no store access.
//!
//! A node learns that other nodes used an address's budget up at that address's first
//! failure on it (then at least once a second, or every [`FLUSH_EVERY`] failures): what the
//! other nodes counted but have not written yet — fewer than [`FLUSH_EVERY`] each — is what
//! an address can get beyond the budget, not a budget per node. Only while the node-wide
//! write bound holds writes back can an address get up to the budget from each node.

use std::{collections::HashMap, net::IpAddr, sync::Mutex};

use rolegate_store::{Expect, GLOBAL, Store, StoreError, Write};
use serde::{Deserialize, Serialize};

use crate::error::ServiceError;

/// The store records of the counts: GLOBAL scope, key `INVERTED_MINUTE/ADDRESS`.
pub const KIND: &str = "federation-failures";
/// Failed federation calls one client address may make in the current and the previous
/// minute, unless `--federation-failures-per-minute` says otherwise.
pub const DEFAULT_FAILURES_PER_MINUTE: u32 = 60;
/// A node adds an address's failures to the store at least every this many failures.
pub const FLUSH_EVERY: u32 = 10;
/// ... and at least this often (milliseconds) while the address keeps failing.
pub const FLUSH_INTERVAL_MS: i64 = 1000;
/// Store writes of counts per node per second at most, whatever the number of addresses.
pub const WRITES_PER_SECOND: u32 = 50;
/// Addresses a node tracks at most; past it, those not heard from in this or the previous
/// minute are forgotten, and if that is not enough, all (the store still holds their
/// counts, which the next failure of each reads again).
const MAX_SOURCES: usize = 100_000;
/// Attempts at a count's read-modify-write when another node wrote it meanwhile.
const MAX_ATTEMPTS: usize = 4;

/// The message of the `Throttling` error.
pub const RATE_EXCEEDED: &str = "Rate exceeded";

/// Whether a failed call counts against its address's budget: any error the caller caused,
/// except the throttle's own answer and the IdP being unreachable.
pub fn counts(e: &ServiceError) -> bool {
    !matches!(
        e,
        ServiceError::Throttling(_) | ServiceError::IdpCommunicationError(_)
    ) && e.code().http_status() < 500
}

/// Failures counted in a minute and in the minute before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// The minute (unix seconds / 60).
    pub minute: i64,
    /// Failures in `minute`.
    pub count: u32,
    /// Failures in the minute before.
    pub previous: u32,
}

impl Window {
    /// Failures that count at `minute`: that minute's and the previous one's.
    pub fn total(&self, minute: i64) -> u32 {
        if self.minute == minute {
            self.count.saturating_add(self.previous)
        } else if self.minute == minute - 1 {
            self.count
        } else {
            0
        }
    }

    /// Counts `n` failures that happened in `minute` (older than the window's previous
    /// minute: forgotten).
    pub fn add(&mut self, minute: i64, n: u32) {
        if n == 0 {
            return;
        }
        if minute == self.minute {
            self.count = self.count.saturating_add(n);
        } else if minute == self.minute - 1 {
            self.previous = self.previous.saturating_add(n);
        } else if minute == self.minute + 1 {
            *self = Window {
                minute,
                count: n,
                previous: self.count,
            };
        } else if minute > self.minute {
            *self = Window {
                minute,
                count: n,
                previous: 0,
            };
        }
    }

    /// Adds another window's failures.
    pub fn merge(&mut self, other: &Window) {
        self.add(other.minute - 1, other.previous);
        self.add(other.minute, other.count);
    }

    /// Failures of `minute` in this window.
    fn of(&self, minute: i64) -> u32 {
        if minute == self.minute {
            self.count
        } else if minute == self.minute - 1 {
            self.previous
        } else {
            0
        }
    }
}

/// The minute of a time in unix milliseconds.
pub fn minute_of(now_ms: i64) -> i64 {
    now_ms.div_euclid(60_000)
}

/// The store key of an address's count in `minute`: newest minutes first, so that older
/// ones are one key range.
pub fn key(minute: i64, source: IpAddr) -> String {
    format!("{}/{source}", minute_prefix(minute))
}

fn minute_prefix(minute: i64) -> String {
    format!("{:016x}", u64::MAX - minute.max(0) as u64)
}

/// One address's count, as stored.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
struct Stored {
    failures: u32,
}

/// What this node knows of one address.
#[derive(Debug, Default)]
struct Entry {
    /// The address's failures as this node knows them: the store's at the last write, plus
    /// its own since.
    view: Window,
    /// This node's failures not yet added to the store.
    pending: Window,
    /// When this node last wrote the address's count (unix ms).
    flushed_ms: i64,
    /// A write of the count is under way.
    flushing: bool,
}

#[derive(Debug, Default)]
struct Local {
    sources: HashMap<IpAddr, Entry>,
    /// The second and the writes made in it.
    writes: (i64, u32),
    /// The minute whose older records were last deleted.
    swept: i64,
}

/// Failures to add to the store: the address, the failures, and whether records of older
/// minutes are to be deleted with this write.
#[derive(Debug, PartialEq, Eq)]
pub struct Flush {
    /// The client address.
    pub source: IpAddr,
    /// The failures taken from the node's count.
    pub failures: Window,
    /// Records older than the previous minute go too (the node's first write of a minute).
    pub sweep: bool,
}

/// The node's side of the budget.
#[derive(Debug)]
pub struct SourceBudget {
    limit: u32,
    state: Mutex<Local>,
}

impl Default for SourceBudget {
    fn default() -> Self {
        Self::new(DEFAULT_FAILURES_PER_MINUTE)
    }
}

impl SourceBudget {
    /// A budget of `limit` failures per address in two minutes (0: no budget).
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            state: Mutex::new(Local::default()),
        }
    }

    /// The address a client is counted under (IPv6: its /64).
    pub fn source(ip: Option<IpAddr>) -> IpAddr {
        crate::audit::anonymous::client(ip)
    }

    /// Whether calls from `source` (counted as [`SourceBudget::source`]) are refused at `now_ms`, without a look at their token.
    pub fn throttled(&self, source: IpAddr, now_ms: i64) -> bool {
        if self.limit == 0 {
            return false;
        }
        let source = Self::source(Some(source));
        let Ok(local) = self.state.lock() else {
            return true;
        };
        local
            .sources
            .get(&source)
            .is_some_and(|e| e.view.total(minute_of(now_ms)) >= self.limit)
    }

    /// Counts a failure from `source` at `now_ms`; the write to make, when one is due and the
    /// node's write bound allows it.
    pub fn failed(&self, source: IpAddr, now_ms: i64) -> Option<Flush> {
        if self.limit == 0 {
            return None;
        }
        let source = Self::source(Some(source));
        let minute = minute_of(now_ms);
        let mut local = self.state.lock().ok()?;
        if local.sources.len() >= MAX_SOURCES && !local.sources.contains_key(&source) {
            local
                .sources
                .retain(|_, e| e.flushing || e.view.total(minute) > 0);
            if local.sources.len() >= MAX_SOURCES {
                local.sources.retain(|_, e| e.flushing);
            }
        }
        let entry = local.sources.entry(source).or_default();
        entry.view.add(minute, 1);
        entry.pending.add(minute, 1);
        let due = entry.pending.total(minute) >= FLUSH_EVERY
            || now_ms.saturating_sub(entry.flushed_ms) >= FLUSH_INTERVAL_MS;
        if !due || entry.flushing {
            return None;
        }
        let second = now_ms.div_euclid(1000);
        if local.writes.0 == second && local.writes.1 >= WRITES_PER_SECOND {
            return None;
        }
        local.writes = if local.writes.0 == second {
            (second, local.writes.1 + 1)
        } else {
            (second, 1)
        };
        let sweep = local.swept != minute;
        local.swept = minute;
        let entry = local.sources.get_mut(&source)?;
        entry.flushing = true;
        entry.flushed_ms = now_ms;
        let failures = std::mem::take(&mut entry.pending);
        Some(Flush {
            source,
            failures,
            sweep,
        })
    }

    /// The write of `flush` is done: `stored` is the address's count in the store now.
    pub fn flushed(&self, flush: &Flush, stored: Window) {
        let Ok(mut local) = self.state.lock() else {
            return;
        };
        if let Some(e) = local.sources.get_mut(&flush.source) {
            let mut view = stored;
            view.merge(&e.pending);
            // What this node counted meanwhile stays counted even if the store says less
            // (its records of an older minute were deleted meanwhile).
            if view.total(view.minute) >= e.view.total(view.minute) {
                e.view = view;
            }
            e.flushing = false;
        }
    }

    /// The write of `flush` failed: its failures wait for the next one.
    pub fn unflushed(&self, flush: &Flush) {
        let Ok(mut local) = self.state.lock() else {
            return;
        };
        if let Some(e) = local.sources.get_mut(&flush.source) {
            let mut pending = flush.failures;
            pending.merge(&e.pending);
            e.pending = pending;
            e.flushing = false;
        }
    }
}

/// Adds `flush`'s failures to the store's count of its address and returns the count: the
/// current minute's record and the previous one's, read and written with their versions (a
/// write another node made meanwhile: read again).
pub async fn write(store: &dyn Store, flush: &Flush, now_ms: i64) -> Result<Window, StoreError> {
    let minute = minute_of(now_ms);
    if flush.sweep {
        // Minutes before the previous one: their keys sort after the previous minute's.
        let after = format!("{}~", minute_prefix(minute - 1));
        store.delete_after(GLOBAL, KIND, &after).await?;
    }
    for _ in 0..MAX_ATTEMPTS {
        let mut writes = Vec::new();
        let mut window = Window {
            minute,
            count: 0,
            previous: 0,
        };
        for m in [minute - 1, minute] {
            let k = key(m, flush.source);
            let record = store.get(GLOBAL, KIND, &k).await?;
            let stored: Stored = match &record {
                Some(r) => serde_json::from_str(&r.data).unwrap_or_default(),
                None => Stored::default(),
            };
            let add = flush.failures.of(m);
            let failures = stored.failures.saturating_add(add);
            window.add(m, failures);
            if add > 0 {
                writes.push(Write::Put {
                    scope: GLOBAL.to_owned(),
                    kind: KIND.to_owned(),
                    key: k,
                    expect: record.map_or(Expect::Absent, |r| Expect::Version(r.version)),
                    data: serde_json::to_string(&Stored { failures })
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                });
            }
        }
        if writes.is_empty() {
            return Ok(window);
        }
        match store.commit(&writes).await {
            Ok(()) => return Ok(window),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000_000;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn windows_count_two_minutes() {
        let mut w = Window::default();
        w.add(10, 3);
        assert_eq!((w.total(10), w.total(11), w.total(12)), (3, 3, 0));
        w.add(11, 2);
        assert_eq!(
            w,
            Window {
                minute: 11,
                count: 2,
                previous: 3
            }
        );
        assert_eq!(w.total(11), 5);
        w.add(10, 1);
        assert_eq!(w.total(11), 6, "a late failure of the previous minute");
        w.add(9, 100);
        assert_eq!(w.total(11), 6, "older ones are forgotten");
        w.add(14, 1);
        assert_eq!(
            w,
            Window {
                minute: 14,
                count: 1,
                previous: 0
            }
        );

        let mut a = Window {
            minute: 10,
            count: 4,
            previous: 1,
        };
        a.merge(&Window {
            minute: 11,
            count: 2,
            previous: 3,
        });
        assert_eq!(
            a,
            Window {
                minute: 11,
                count: 2,
                previous: 7
            }
        );
        let mut b = Window {
            minute: 8,
            count: 4,
            previous: 1,
        };
        b.merge(&Window {
            minute: 11,
            count: 2,
            previous: 3,
        });
        assert_eq!(
            b,
            Window {
                minute: 11,
                count: 2,
                previous: 3
            }
        );
    }

    #[test]
    fn the_budget_throttles_its_address_only() {
        let b = SourceBudget::new(60);
        let attacker = ip("192.0.2.1");
        for i in 0..60 {
            assert!(!b.throttled(attacker, T0 + i), "failure {i} is answered");
            b.failed(attacker, T0 + i);
        }
        assert!(b.throttled(attacker, T0 + 60));
        assert!(!b.throttled(ip("192.0.2.2"), T0 + 60), "another address");
        assert!(
            b.throttled(ip("::ffff:192.0.2.1"), T0 + 60),
            "the same address mapped into IPv6"
        );
        // Two minutes on, the budget is back.
        assert!(b.throttled(attacker, T0 + 60_000));
        assert!(!b.throttled(attacker, T0 + 120_000));
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() {
        let b = SourceBudget::new(5);
        for i in 0..5u16 {
            b.failed(ip(&format!("2001:db8:1:2::{i:x}")), T0);
        }
        assert!(b.throttled(ip("2001:db8:1:2:ffff::1"), T0));
        assert!(!b.throttled(ip("2001:db8:1:3::1"), T0));
    }

    #[test]
    fn writes_are_bounded_per_address_and_per_node() {
        let b = SourceBudget::new(1_000_000);
        let attacker = ip("192.0.2.1");
        // 1,000 failures within one millisecond: the first writes, then one per FLUSH_EVERY.
        let flushes: Vec<Flush> = (0..1000).filter_map(|_| b.failed(attacker, T0)).collect();
        assert_eq!(flushes.len(), 1, "one write under way at a time");
        b.flushed(&flushes[0], flushes[0].failures);
        let more = (0..1000).filter_map(|_| b.failed(attacker, T0)).count();
        assert_eq!(more, 1, "then the next one after FLUSH_EVERY failures");

        // Many addresses in one second: at most WRITES_PER_SECOND writes.
        let b = SourceBudget::new(60);
        let writes = (0..10_000u32)
            .filter(|i| {
                let a = IpAddr::from(i.to_be_bytes());
                b.failed(a, T0 + 500).is_some()
            })
            .count();
        assert_eq!(writes, WRITES_PER_SECOND as usize);
        // ... and each of those addresses is still held to the budget by this node.
        let a = IpAddr::from(9_999u32.to_be_bytes());
        for _ in 1..60 {
            b.failed(a, T0 + 600);
        }
        assert!(b.throttled(a, T0 + 700));
    }

    #[test]
    fn a_failed_write_keeps_its_failures_for_the_next() {
        let b = SourceBudget::new(60);
        let a = ip("192.0.2.7");
        let f = b.failed(a, T0).expect("the first failure writes");
        assert_eq!(f.failures.total(minute_of(T0)), 1);
        assert!(f.sweep, "the node's first write of the minute sweeps");
        b.failed(a, T0 + 1);
        b.unflushed(&f);
        let f = b.failed(a, T0 + 2_000).expect("a second later");
        assert_eq!(f.failures.total(minute_of(T0)), 3, "nothing was lost");
        assert!(!f.sweep, "once a minute");
    }

    #[test]
    fn another_nodes_count_throttles_here() {
        let b = SourceBudget::new(60);
        let a = ip("192.0.2.9");
        let f = b.failed(a, T0).expect("write");
        assert!(!b.throttled(a, T0));
        // The store says other nodes counted 59 more.
        b.flushed(
            &f,
            Window {
                minute: minute_of(T0),
                count: 60,
                previous: 0,
            },
        );
        assert!(b.throttled(a, T0 + 1));
    }

    /// One node's failure, written to the store when due, as the service does.
    async fn fail(node: &SourceBudget, store: &dyn Store, a: IpAddr, now_ms: i64) {
        if let Some(f) = node.failed(a, now_ms) {
            let stored = write(store, &f, now_ms).await.expect("write");
            node.flushed(&f, stored);
        }
    }

    #[tokio::test]
    async fn nodes_on_one_store_share_the_budget() {
        let dir = tempfile::tempdir().expect("dir");
        let store = rolegate_store::SqliteStore::open(&dir.path().join("s.db"))
            .await
            .expect("store");
        let (a, b, c) = (
            SourceBudget::new(60),
            SourceBudget::new(60),
            SourceBudget::new(60),
        );
        let attacker = ip("198.51.100.1");
        let mut answered = 0;
        for i in 0..60 {
            assert!(!a.throttled(attacker, T0 + i));
            fail(&a, &store, attacker, T0 + i).await;
            answered += 1;
        }
        assert!(a.throttled(attacker, T0 + 100));
        // Nodes B and C learn at the address's first failure on each: each answers fewer than
        // FLUSH_EVERY more per node whose failures it has not read yet — not a budget each.
        for node in [&b, &c] {
            while !node.throttled(attacker, T0 + 200) {
                fail(node, &store, attacker, T0 + 200).await;
                answered += 1;
            }
        }
        assert!(
            answered < 60 + 2 * FLUSH_EVERY,
            "{answered} failures answered by 3 nodes"
        );
        // The store holds the count, written a few times, not once per failure.
        let records = store.list(GLOBAL, KIND, None, 10).await.expect("list");
        assert_eq!(records.len(), 1, "one minute, one address");
        assert!(records[0].version <= 10, "{} writes", records[0].version);
        // Two minutes later the address starts again; the write sweeps the old minutes.
        let later = T0 + 180_000;
        assert!(!a.throttled(attacker, later));
        fail(&a, &store, ip("198.51.100.2"), later).await;
        fail(&a, &store, attacker, later).await;
        let keys: Vec<String> = store
            .list(GLOBAL, KIND, None, 10)
            .await
            .expect("list")
            .into_iter()
            .map(|r| r.key)
            .collect();
        assert_eq!(keys.len(), 2, "the old minute's record is gone: {keys:?}");
        assert!(
            keys.iter()
                .all(|k| k.starts_with(&minute_prefix(minute_of(later))))
        );
    }

    #[test]
    fn what_counts() {
        assert!(counts(&ServiceError::InvalidIdentityToken("x".into())));
        assert!(counts(&ServiceError::AccessDenied("x".into())));
        assert!(counts(&ServiceError::ExpiredTokenException("x".into())));
        assert!(counts(&ServiceError::IdpRejectedClaim("x".into())));
        assert!(!counts(&ServiceError::Throttling(RATE_EXCEEDED.into())));
        assert!(!counts(&ServiceError::IdpCommunicationError("x".into())));
        assert!(!counts(&ServiceError::Unavailable("x".into())));
        assert!(!counts(&ServiceError::Internal("x".into())));
    }

    #[test]
    fn keys_sort_newest_minute_first() {
        let a = ip("192.0.2.1");
        assert!(key(100, a) < key(99, a));
        let after = format!("{}~", minute_prefix(99));
        assert!(key(99, a) < after && key(100, a) < after, "kept");
        assert!(key(98, a) > after, "deleted");
        assert!(key(98, ip("ffff::")) > after);
    }
}
