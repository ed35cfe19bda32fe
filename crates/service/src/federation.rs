//! Federation: identities proven by an external identity provider. What the service needs
//! to know about the deployment's trust in IdPs lives here.

use std::time::Duration;

/// How the deployment trusts OpenID Connect issuers.
#[derive(Debug, Clone)]
pub struct FederationConfig {
    /// Plain-HTTP issuers may be registered and fetched (a development setting, never the
    /// default: keys fetched without TLS can be replaced by anyone on the path).
    pub allow_http_issuers: bool,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    pub clock_skew: Duration,
    /// Fewest seconds between two fetches of an issuer's keys caused by an unknown `kid`.
    pub refetch_interval: Duration,
    /// Longest a fetched key set is used before it is fetched again.
    pub max_key_lifetime: Duration,
    /// URLs of this deployment that SAML assertions may name as `Recipient`/`Destination`
    /// and `Audience`, besides AWS's (`https://signin.aws.amazon.com/saml`,
    /// `urn:amazon:webservices`).
    pub saml_urls: Vec<String>,
    /// This deployment's public URL (`--public-url`): outbound issuers are
    /// `PUBLIC_URL/outbound/ID`.
    pub public_url: String,
    /// Failed federation calls (AssumeRoleWithWebIdentity, AssumeRoleWithSAML) one client
    /// address may make in the current and the previous minute, across every node, before
    /// its calls are throttled (`crate::throttle::sources`); 0: no budget.
    pub failures_per_minute: u32,
}

impl Default for FederationConfig {
    fn default() -> Self {
        Self {
            allow_http_issuers: false,
            clock_skew: Duration::from_secs(60),
            refetch_interval: Duration::from_secs(30),
            max_key_lifetime: Duration::from_secs(3600),
            saml_urls: Vec::new(),
            public_url: "http://127.0.0.1:7470".into(),
            failures_per_minute: crate::throttle::sources::DEFAULT_FAILURES_PER_MINUTE,
        }
    }
}

pub mod fuzzing;
pub mod jwks;
pub mod jwt;
pub mod saml;
pub mod saml_encryption;
pub mod saml_metadata;

/// One HTTP(S) response body, with the lifetime the server gave it.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// The body (the source bounds its size).
    pub body: Vec<u8>,
    /// `Cache-Control: max-age`, when present.
    pub max_age: Option<Duration>,
}

/// Where an issuer's discovery document and keys come from: an HTTPS `GET` (the server's
/// implementation trusts the system roots plus `SSL_CERT_FILE`/`SSL_CERT_DIR`). The service
/// owns everything else (which URLs, what the documents must say, caching): it never opens a
/// socket itself.
#[async_trait::async_trait]
pub trait KeySource: Send + Sync {
    /// `GET url`; an error (unreachable, TLS failure, non-200) is a short reason for logs.
    async fn get(&self, url: &str) -> Result<Fetched, String>;
}

/// No key source: every fetch fails (`IDPCommunicationError`).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoKeySource;

#[async_trait::async_trait]
impl KeySource for NoKeySource {
    async fn get(&self, _url: &str) -> Result<Fetched, String> {
        Err("no key source is configured".into())
    }
}
