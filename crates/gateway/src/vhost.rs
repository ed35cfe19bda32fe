//! Virtual-hosted-style addressing (`Host: BUCKET.DOMAIN`), with `--virtual-host-domain
//! DOMAIN`: `s3s`'s host hook ([`S3Host`]) reads the bucket from the Host header, and
//! path-style requests (`Host: DOMAIN`, an IP address, any host outside the domain) keep
//! naming the bucket in the path.
//!
//! `s3s`'s own parsers ([`s3s::host::SingleDomain`]) take any host outside the domain as a
//! bucket name (the CNAME form); this one does not: a Host outside `DOMAIN` names no bucket, so
//! only `*.DOMAIN` can route a request away from its path. The port is ignored and the name
//! compared without case, as DNS does. The bucket read here is the one `s3s` hands to the
//! authorization hook and to the backend, so what is authorized is what is forwarded; and
//! with virtual hosting on, the Host header must be signed ([`crate::Gateway::call`]), so a
//! signed request cannot be sent on to another bucket by rewriting it.
//!
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html>

use std::borrow::Cow;

use s3s::{
    S3Result,
    host::{S3Host, VirtualHost},
};

/// The gateway's domain for virtual-hosted-style requests.
#[derive(Debug, Clone)]
pub struct VirtualHosts {
    /// Lowercased, without a port or a trailing dot.
    domain: String,
}

/// Why a domain is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--virtual-host-domain must be a DNS name without a port (letters, digits, '-' and '.'), not {0:?}"
)]
pub struct InvalidDomain(pub String);

impl VirtualHosts {
    /// `DOMAIN` (`s3.example.com`, `localhost`).
    pub fn new(domain: &str) -> Result<Self, InvalidDomain> {
        let d = domain.trim_end_matches('.').to_ascii_lowercase();
        let valid = !d.is_empty()
            && d.split('.').all(|label| {
                !label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            && d.parse::<std::net::IpAddr>().is_err();
        if valid {
            Ok(VirtualHosts { domain: d })
        } else {
            Err(InvalidDomain(domain.to_owned()))
        }
    }

    /// The domain.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The bucket a Host header names, if it names one (`None`: path style).
    pub fn bucket_of(&self, host: &str) -> Option<String> {
        let name = strip_port(host).trim_end_matches('.').to_ascii_lowercase();
        let bucket = name.strip_suffix(self.domain.as_str())?.strip_suffix('.')?;
        (!bucket.is_empty()).then(|| bucket.to_owned())
    }
}

/// `host:port` → `host`; `[v6]:port` → `[v6]`.
fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if !h.ends_with(':') && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

impl S3Host for VirtualHosts {
    fn parse_host_header<'a>(&'a self, host: &'a str) -> S3Result<VirtualHost<'a>> {
        Ok(match self.bucket_of(host) {
            Some(bucket) => VirtualHost::new(Cow::Borrowed(self.domain.as_str()))
                .with_bucket(Cow::Owned(bucket)),
            None => VirtualHost::new(Cow::Borrowed(self.domain.as_str())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        let v = VirtualHosts::new("LocalHost.").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.domain(), "localhost");
        assert_eq!(v.bucket_of("data.localhost:9100").as_deref(), Some("data"));
        assert_eq!(v.bucket_of("Data.LOCALHOST").as_deref(), Some("data"));
        assert_eq!(v.bucket_of("a.b.localhost.").as_deref(), Some("a.b"));
        for path_style in [
            "localhost",
            "localhost:9100",
            ".localhost",
            "evil.com",
            "datalocalhost",
            "data.localhost.evil.com",
            "127.0.0.1:9100",
            "[::1]:9100",
        ] {
            assert_eq!(v.bucket_of(path_style), None, "{path_style}");
        }
        for bad in ["", "a..b", "s3.example.com:80", "127.0.0.1", "a_b.com"] {
            assert!(VirtualHosts::new(bad).is_err(), "{bad}");
        }
    }
}
