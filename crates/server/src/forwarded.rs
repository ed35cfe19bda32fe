//! Who the client is: the connection's peer and TLS, or — only when the peer is one of
//! `--trusted-proxies` — what that proxy says in `X-Forwarded-For` and `X-Forwarded-Proto`.
//! Policies see the result as `aws:SourceIp` and `aws:SecureTransport`.
//!
//! `X-Forwarded-For` is a list each proxy appends its own peer to, so only its right end is
//! written by proxies we trust: the client is the rightmost address that is not itself a
//! trusted proxy (every address to its right is one of ours, which vouches for it); if all of
//! them are trusted proxies, the leftmost. Anything to the left of the client is whatever the
//! client sent and is never read. Several `X-Forwarded-For` headers are one list, in order.
//! `X-Forwarded-Proto` makes the request secure when it is `https` (every entry `https`, for a
//! list) and not secure when an entry is `http`. A header that cannot be read (an entry that
//! is no IP address, several `X-Forwarded-Proto` headers, another scheme) is as if absent: the
//! peer's address, the connection's own TLS. From any other peer both headers are ignored.
//! `Forwarded` (RFC 7239) is not read.

use std::net::IpAddr;

use http::HeaderMap;
use ipnet::IpNet;

/// The client as policies see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOrigin {
    /// `aws:SourceIp`.
    pub ip: IpAddr,
    /// `aws:SecureTransport`.
    pub secure: bool,
}

/// The proxies whose forwarding headers are believed (`--trusted-proxies`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// The given networks.
    pub fn new(networks: Vec<IpNet>) -> Self {
        Self(networks)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request that arrived from `peer`, over TLS or not, with `headers`.
    pub fn origin(&self, peer: IpAddr, tls: bool, headers: &HeaderMap) -> ClientOrigin {
        let peer = peer.to_canonical();
        let direct = ClientOrigin {
            ip: peer,
            secure: tls,
        };
        if !self.trusts(peer) {
            return direct;
        }
        ClientOrigin {
            ip: self.forwarded_for(headers).unwrap_or(peer),
            secure: forwarded_proto(headers).unwrap_or(tls),
        }
    }

    /// The rightmost address of `X-Forwarded-For` that is not a trusted proxy.
    fn forwarded_for(&self, headers: &HeaderMap) -> Option<IpAddr> {
        let mut entries = Vec::new();
        for value in headers.get_all("x-forwarded-for") {
            entries.extend(value.to_str().ok()?.split(','));
        }
        let mut leftmost = None;
        for entry in entries.iter().rev() {
            let ip = parse_entry(entry)?;
            if !self.trusts(ip) {
                return Some(ip);
            }
            leftmost = Some(ip);
        }
        leftmost
    }
}

/// An `X-Forwarded-For` entry: an address, or an address with a port (`192.0.2.1:443`,
/// `[2001:db8::1]:443`), as some proxies write.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<std::net::SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// `Some(true)` for `https`, `Some(false)` for `http`, `None` when absent or unreadable.
fn forwarded_proto(headers: &HeaderMap) -> Option<bool> {
    let mut values = headers.get_all("x-forwarded-proto").iter();
    let value = values.next()?.to_str().ok()?;
    if values.next().is_some() {
        return None;
    }
    let mut secure = true;
    for entry in value.split(',') {
        match entry.trim().to_ascii_lowercase().as_str() {
            "https" => {}
            "http" => secure = false,
            _ => return None,
        }
    }
    Some(secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies() -> TrustedProxies {
        TrustedProxies::new(vec![
            "10.0.0.0/8".parse().expect("net"),
            "fd00::/8".parse().expect("net"),
        ])
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, value.parse().expect("value"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn origin(peer: &str, tls: bool, pairs: &[(&'static str, &str)]) -> (IpAddr, bool) {
        let o = proxies().origin(ip(peer), tls, &headers(pairs));
        (o.ip, o.secure)
    }

    #[test]
    fn untrusted_peers_headers_change_nothing() {
        let forged = [
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "https"),
        ];
        assert_eq!(
            origin("192.0.2.1", false, &forged),
            (ip("192.0.2.1"), false)
        );
        assert_eq!(
            origin("192.0.2.1", true, &[("x-forwarded-proto", "http")]),
            (ip("192.0.2.1"), true)
        );
        // Without any trusted proxy, nobody is trusted.
        let o = TrustedProxies::default().origin(ip("10.0.0.1"), false, &headers(&forged));
        assert_eq!((o.ip, o.secure), (ip("10.0.0.1"), false));
    }

    #[test]
    fn the_rightmost_untrusted_address_is_the_client() {
        let p = "10.1.2.3";
        assert_eq!(
            origin(p, false, &[("x-forwarded-for", "203.0.113.9")]).0,
            ip("203.0.113.9")
        );
        // What the client wrote itself is left of its own address: never read.
        assert_eq!(
            origin(
                p,
                false,
                &[("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.9.9.9")]
            )
            .0,
            ip("203.0.113.9")
        );
        // Several headers are one list, in order.
        assert_eq!(
            origin(
                p,
                false,
                &[
                    ("x-forwarded-for", "198.51.100.1"),
                    ("x-forwarded-for", "203.0.113.9")
                ]
            )
            .0,
            ip("203.0.113.9")
        );
        // All trusted: the leftmost.
        assert_eq!(
            origin(p, false, &[("x-forwarded-for", "10.0.0.5, 10.0.0.6")]).0,
            ip("10.0.0.5")
        );
        // Ports and IPv6.
        assert_eq!(
            origin(p, false, &[("x-forwarded-for", "203.0.113.9:5555")]).0,
            ip("203.0.113.9")
        );
        assert_eq!(
            origin(
                "fd00::1",
                false,
                &[("x-forwarded-for", "[2001:db8::7]:443, fd00::2")]
            )
            .0,
            ip("2001:db8::7")
        );
        // An IPv4-mapped peer is the IPv4 address.
        assert_eq!(
            origin(
                "::ffff:10.1.2.3",
                false,
                &[("x-forwarded-for", "203.0.113.9")]
            )
            .0,
            ip("203.0.113.9")
        );
    }

    #[test]
    fn unreadable_headers_fall_back_to_the_connection() {
        let p = "10.1.2.3";
        for bad in [
            "",
            "unknown",
            "203.0.113.9, not-an-ip",
            "203.0.113.9,,",
            "_hidden",
        ] {
            assert_eq!(
                origin(p, false, &[("x-forwarded-for", bad)]).0,
                ip(p),
                "{bad:?}"
            );
        }
        // An unreadable entry left of the client is never looked at.
        assert_eq!(
            origin(p, false, &[("x-forwarded-for", "junk, 203.0.113.9")]).0,
            ip("203.0.113.9")
        );
        for (value, tls, secure) in [
            ("https", false, true),
            ("HTTPS", false, true),
            ("http", true, false),
            ("https, https", false, true),
            ("https, http", false, false),
            ("wss", false, false),
            ("wss", true, true),
            ("", true, true),
        ] {
            assert_eq!(
                origin(p, tls, &[("x-forwarded-proto", value)]).1,
                secure,
                "{value:?} tls={tls}"
            );
        }
        assert!(
            !origin(
                p,
                false,
                &[
                    ("x-forwarded-proto", "https"),
                    ("x-forwarded-proto", "https")
                ]
            )
            .1,
            "two headers"
        );
        assert!(origin(p, true, &[]).1, "the connection's own TLS");
    }
}
