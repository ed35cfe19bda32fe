//! Where OpenID Connect issuers' documents come from: an HTTPS `GET` with rustls, trusting the
//! system's roots plus the CAs in `SSL_CERT_FILE` / `SSL_CERT_DIR` (enterprise IdPs often use
//! a private CA). Plain `http://` only when the deployment allows HTTP issuers (a development
//! flag). Bounded: 1 MiB per body, 10 s per fetch, no redirects.
//!
//! Not a way into the host's own network: an issuer URL (or a discovery document's
//! `jwks_uri`) is chosen by whoever may create an OIDC provider, and a token naming it makes
//! Rolegate fetch it without a signature. The host name is resolved once and the connection
//! goes to an address checked here: loopback, link-local (the cloud metadata services at
//! 169.254.169.254), unspecified, multicast and broadcast addresses — also inside IPv4-mapped
//! IPv6 — are refused unless the deployment allows local issuers (`--allow-local-oidc-issuers`,
//! development and tests). Private ranges stay reachable: enterprise IdPs live there.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper::{Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use rolegate_service::federation::{Fetched, KeySource};
use rustls::{ClientConfig, RootCertStore, pki_types::ServerName};
use tokio::net::TcpStream;

/// Largest body read.
const MAX_BODY: usize = 1 << 20;
/// Longest one fetch may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);

/// HTTPS `GET` for discovery documents and JWKS.
pub struct HttpsKeySource {
    tls: tokio_rustls::TlsConnector,
    allow_http: bool,
    allow_local: bool,
}

/// Whether an issuer may be fetched at `ip` without `--allow-local-oidc-issuers`: not this
/// host, not link-local (metadata services), not unspecified, multicast or broadcast.
pub fn is_remote(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.octets()[0] == 0)
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unicast_link_local())
        }
    }
}

/// The trusted roots: the platform's, plus `SSL_CERT_FILE` and `SSL_CERT_DIR`, plus
/// `extra` (`--oidc-ca-file`; an unreadable or empty file fails the start).
pub fn trusted_roots(extra: Option<&std::path::Path>) -> anyhow::Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    let loaded = rustls_native_certs::load_native_certs();
    for e in &loaded.errors {
        tracing::warn!(error = %e, "reading trusted CA certificates");
    }
    let (added, ignored) = roots.add_parsable_certificates(loaded.certs);
    // With SSL_CERT_FILE/SSL_CERT_DIR set, the platform's store is read instead; read it
    // too, so the extra CAs add to the system's rather than replace them.
    let env_set =
        std::env::var_os("SSL_CERT_FILE").is_some() || std::env::var_os("SSL_CERT_DIR").is_some();
    let mut platform = 0;
    if env_set {
        for path in [
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/cert.pem",
        ] {
            if let Ok(iter) =
                <rustls::pki_types::CertificateDer as rustls::pki_types::pem::PemObject>::pem_file_iter(path)
            {
                let certs: Vec<_> = iter.filter_map(Result::ok).collect();
                platform += roots.add_parsable_certificates(certs).0;
                break;
            }
        }
    }
    if let Some(path) = extra {
        let certs: Vec<_> =
            <rustls::pki_types::CertificateDer as rustls::pki_types::pem::PemObject>::pem_file_iter(path)
                .map_err(|e| anyhow::anyhow!("--oidc-ca-file {}: {e}", path.display()))?
                .collect::<Result<_, _>>()
                .map_err(|e| anyhow::anyhow!("--oidc-ca-file {}: {e}", path.display()))?;
        let (n, _) = roots.add_parsable_certificates(certs);
        if n == 0 {
            anyhow::bail!("--oidc-ca-file {}: no CA certificate in it", path.display());
        }
    }
    tracing::debug!(
        added,
        ignored,
        platform,
        "trusted roots for OpenID Connect issuers"
    );
    Ok(roots)
}

impl HttpsKeySource {
    /// A source trusting `roots`.
    pub fn new(roots: RootCertStore, allow_http: bool, allow_local: bool) -> Self {
        let config = ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map(|b| b.with_root_certificates(roots).with_no_client_auth());
        let config = match config {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "TLS client configuration");
                ClientConfig::builder()
                    .with_root_certificates(RootCertStore::empty())
                    .with_no_client_auth()
            }
        };
        Self {
            tls: tokio_rustls::TlsConnector::from(Arc::new(config)),
            allow_http,
            allow_local,
        }
    }

    async fn fetch(&self, url: &str) -> Result<Fetched, String> {
        let uri: Uri = url.parse().map_err(|_| format!("not a URL: {url}"))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") if self.allow_http => false,
            _ => return Err("only https URLs are fetched".into()),
        };
        let host = uri.host().ok_or("no host")?.to_owned();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let bare_host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        // Resolved once; the connection goes to an address that was checked (a second lookup
        // could answer differently).
        let addresses: Vec<std::net::SocketAddr> =
            tokio::net::lookup_host((bare_host.as_str(), port))
                .await
                .map_err(|e| format!("resolving {host}: {e}"))?
                .collect();
        let allowed: Vec<std::net::SocketAddr> = addresses
            .iter()
            .copied()
            .filter(|a| self.allow_local || is_remote(a.ip()))
            .collect();
        if allowed.is_empty() {
            return Err(if addresses.is_empty() {
                format!("{host} has no address")
            } else {
                format!(
                    "{host} resolves to a local address; issuers on this host or link-local addresses are fetched only with --allow-local-oidc-issuers"
                )
            });
        }
        let tcp = TcpStream::connect(allowed.as_slice())
            .await
            .map_err(|e| format!("connecting to {host}:{port}: {e}"))?;
        let authority = uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .unwrap_or(host.clone());
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let request = Request::get(path)
            .header(hyper::header::HOST, authority)
            .header(hyper::header::USER_AGENT, "rolegate-oidc")
            .header(hyper::header::ACCEPT, "application/json")
            .body(Empty::<Bytes>::new())
            .map_err(|e| e.to_string())?;
        let response = if https {
            let name = ServerName::try_from(bare_host.clone())
                .map_err(|_| format!("not a server name: {host}"))?;
            let tls = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS with {host}: {e}"))?;
            send(TokioIo::new(tls), request).await?
        } else {
            send(TokioIo::new(tcp), request).await?
        };
        if response.status() != StatusCode::OK {
            return Err(format!("{url} answered {}", response.status()));
        }
        let max_age = response
            .headers()
            .get(hyper::header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .and_then(max_age);
        let body = Limited::new(response.into_body(), MAX_BODY)
            .collect()
            .await
            .map_err(|e| format!("reading {url}: {e}"))?
            .to_bytes()
            .to_vec();
        Ok(Fetched { body, max_age })
    }
}

async fn send<T>(
    io: TokioIo<T>,
    request: Request<Empty<Bytes>>,
) -> Result<hyper::Response<hyper::body::Incoming>, String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    sender
        .send_request(request)
        .await
        .map_err(|e| format!("HTTP request: {e}"))
}

/// `max-age=N` of a `Cache-Control` value.
fn max_age(v: &str) -> Option<Duration> {
    v.split(',')
        .filter_map(|d| d.trim().strip_prefix("max-age="))
        .find_map(|n| n.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

#[async_trait::async_trait]
impl KeySource for HttpsKeySource {
    async fn get(&self, url: &str) -> Result<Fetched, String> {
        tokio::time::timeout(TIMEOUT, self.fetch(url))
            .await
            .map_err(|_| format!("fetching {url} timed out"))?
    }
}

#[cfg(test)]
mod tests {
    use super::max_age;

    #[test]
    fn cache_control() {
        assert_eq!(
            max_age("public, max-age=300"),
            Some(std::time::Duration::from_secs(300))
        );
        assert_eq!(max_age("no-store"), None);
    }
}

#[cfg(test)]
mod address_tests {
    use super::is_remote;

    #[test]
    fn local_and_metadata_addresses_are_not_remote() {
        for local in [
            "127.0.0.1",
            "127.1.2.3",
            "169.254.169.254",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!is_remote(local.parse().expect(local)), "{local}");
        }
        for remote in [
            "10.0.0.5",
            "192.168.1.10",
            "172.16.0.1",
            "8.8.8.8",
            "2001:db8::1",
            "fd00::1",
        ] {
            assert!(is_remote(remote.parse().expect(remote)), "{remote}");
        }
    }
}
