//! The bound on recording calls that failed before anyone was authenticated: a bad
//! signature, an unknown key, an unparseable request, a rejected web identity token. Anyone
//! can send those at any rate without credentials, so recording every one would let a
//! stranger fill the store. AWS records them all; Rolegate records the first ones of every
//! window and counts the rest:
//!
//! - per client address (IPv6 by its /64, where one client usually holds many addresses):
//!   [`PER_ADDRESS`] events a minute;
//! - for the whole node, whatever the addresses: [`PER_NODE`] events a minute (the store's
//!   growth from anonymous calls is bounded by it, however many addresses send them).
//!
//! A bad signature on a key that exists is another matter: it is recorded in the key's
//! account with the key's identity, under the key's own bound ([`PER_KEY`] a minute), apart
//! from the node's — so a stranger flooding the node with forgeries cannot hide attempts on
//! a real key, and only keys an administrator created have a share.
//!
//! What is not recorded is counted, and the count is logged once a window. The call itself
//! fails as it would anyway: it did nothing, so nothing it did goes unrecorded. Every
//! authenticated call, and every unsigned call that succeeds (a web identity or SAML
//! federation issuing credentials), is always recorded.

use std::{collections::HashMap, net::IpAddr, sync::Mutex};

/// Anonymous failures recorded per client address per window.
pub const PER_ADDRESS: u32 = 60;
/// Anonymous failures recorded per node per window.
pub const PER_NODE: u32 = 600;
/// Failed signatures on one existing key recorded per window.
pub const PER_KEY: u32 = 60;
/// The window, seconds.
pub const WINDOW: i64 = 60;
/// Addresses tracked at most; past it, the window's per-address counts start over (the
/// per-node bound still holds).
const MAX_ADDRESSES: usize = 100_000;

/// Counts per window.
#[derive(Default)]
pub struct AnonymousBudget {
    state: Mutex<Window>,
}

#[derive(Default)]
struct Window {
    start: i64,
    node: u32,
    skipped: u64,
    addresses: HashMap<IpAddr, u32>,
    keys: HashMap<String, u32>,
}

/// The address an anonymous client is counted under.
pub(crate) fn client(ip: Option<IpAddr>) -> IpAddr {
    match ip {
        Some(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let mut octets = v6.octets();
            octets[8..].fill(0);
            IpAddr::from(octets)
        }
        Some(IpAddr::V6(v6)) => IpAddr::V4(
            v6.to_ipv4_mapped()
                .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED),
        ),
        Some(v4) => v4,
        None => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
    }
}

impl Window {
    /// Starts a new window when `now` is past this one; returns the ending window's count of
    /// unrecorded failures, if any.
    fn roll(&mut self, now: i64) -> Option<u64> {
        if now.saturating_sub(self.start) < WINDOW && now >= self.start {
            return None;
        }
        let skipped = self.skipped;
        *self = Window {
            start: now,
            ..Window::default()
        };
        (skipped > 0).then_some(skipped)
    }
}

impl AnonymousBudget {
    /// Whether an anonymous failure from `ip` at `now` (unix seconds) is recorded. When a new
    /// window starts, the previous window's count of unrecorded failures is returned with it
    /// for the log.
    pub fn admit(&self, ip: Option<IpAddr>, now: i64) -> (bool, Option<u64>) {
        let Ok(mut w) = self.state.lock() else {
            return (true, None);
        };
        let report = w.roll(now);
        if w.node >= PER_NODE {
            w.skipped += 1;
            return (false, report);
        }
        if w.addresses.len() >= MAX_ADDRESSES {
            w.addresses.clear();
        }
        let count = w.addresses.entry(client(ip)).or_default();
        if *count >= PER_ADDRESS {
            w.skipped += 1;
            return (false, report);
        }
        *count += 1;
        w.node += 1;
        (true, report)
    }

    /// Whether a failed signature on the existing key `access_key_id` at `now` is recorded:
    /// the key's own share of the window, whatever the node's count.
    pub fn admit_key(&self, access_key_id: &str, now: i64) -> (bool, Option<u64>) {
        let Ok(mut w) = self.state.lock() else {
            return (true, None);
        };
        let report = w.roll(now);
        if w.keys.len() >= MAX_ADDRESSES && !w.keys.contains_key(access_key_id) {
            w.keys.clear();
        }
        let count = w.keys.entry(access_key_id.to_owned()).or_default();
        if *count >= PER_KEY {
            w.skipped += 1;
            return (false, report);
        }
        *count += 1;
        (true, report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("address"))
    }

    #[test]
    fn each_address_gets_its_share_then_the_next_window_reports_the_rest() {
        let b = AnonymousBudget::default();
        for _ in 0..PER_ADDRESS {
            assert!(b.admit(ip("192.0.2.1"), 1000).0);
        }
        assert!(
            !b.admit(ip("192.0.2.1"), 1000).0,
            "over the address's share"
        );
        assert!(
            !b.admit(ip("::ffff:192.0.2.1"), 1010).0,
            "the same client mapped into IPv6"
        );
        assert!(
            b.admit(ip("192.0.2.2"), 1010).0,
            "another address has its own"
        );
        assert_eq!(b.admit(ip("192.0.2.1"), 1000 + WINDOW), (true, Some(2)));
    }

    #[test]
    fn a_real_key_has_its_own_share_past_the_nodes_bound() {
        let b = AnonymousBudget::default();
        // A stranger exhausts the node's bound from many addresses.
        for i in 0..(2 * PER_NODE) {
            b.admit(ip(&format!("10.1.{}.{}", i / 250, i % 250)), 7);
        }
        assert!(!b.admit(ip("192.0.2.9"), 7).0, "the node's bound is spent");
        for _ in 0..PER_KEY {
            assert!(b.admit_key("AKIAREALKEY000000001", 7).0);
        }
        assert!(
            !b.admit_key("AKIAREALKEY000000001", 7).0,
            "over the key's share"
        );
        assert!(
            b.admit_key("AKIAREALKEY000000002", 7).0,
            "another key has its own"
        );
        assert!(
            b.admit_key("AKIAREALKEY000000001", 7 + WINDOW).0,
            "a new window"
        );
    }

    #[test]
    fn an_ipv6_client_is_its_64_and_the_node_bound_holds_across_addresses() {
        let b = AnonymousBudget::default();
        for i in 0..PER_ADDRESS {
            assert!(b.admit(ip(&format!("2001:db8::{i:x}")), 5).0);
        }
        assert!(
            !b.admit(ip("2001:db8::ffff:1"), 5).0,
            "one /64 is one client"
        );
        let mut admitted = PER_ADDRESS;
        for i in 0..(2 * PER_NODE) {
            if b.admit(ip(&format!("10.0.{}.{}", i / 250, i % 250)), 5).0 {
                admitted += 1;
            }
        }
        assert_eq!(
            admitted, PER_NODE,
            "the node's bound, whatever the addresses"
        );
    }
}
