//! Configuration: every setting is a flag, an environment variable and a key of the
//! `--config` TOML file, in that order of precedence, then the default.

use std::{net::SocketAddr, path::PathBuf};

use ipnet::IpNet;
use serde::Deserialize;

/// `rolegate serve` flags (all optional so a config file can fill what they leave out).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// TOML file with any of the settings below (keys as the long flag names, `_` for `-`).
    #[arg(long, env = "ROLEGATE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:7470].
    #[arg(long, env = "ROLEGATE_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Directory for the SQLite database and the generated root credentials [default: ./data].
    #[arg(long, env = "ROLEGATE_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// PostgreSQL URL (`postgres://user@host:5432/db`); without it, embedded SQLite is used.
    #[arg(long, env = "ROLEGATE_DATABASE_URL")]
    pub database_url: Option<DatabaseUrl>,
    /// PostgreSQL schema to use (created if missing) [default: the connection's search_path].
    #[arg(long, env = "ROLEGATE_DATABASE_SCHEMA")]
    pub database_schema: Option<String>,
    /// The management account id (12 digits) [default: generated at first start, then kept].
    #[arg(long, env = "ROLEGATE_ACCOUNT_ID")]
    pub account_id: Option<String>,
    /// Largest request body accepted, in bytes [default: 1048576].
    #[arg(long, env = "ROLEGATE_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Log format: `text` or `json` [default: text].
    #[arg(long, env = "ROLEGATE_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Log filter, tracing `EnvFilter` syntax [default: info].
    #[arg(long, env = "ROLEGATE_LOG")]
    pub log: Option<String>,
    /// Seconds between reads of the change log (cache invalidation across nodes) [default: 1].
    #[arg(long, env = "ROLEGATE_SYNC_INTERVAL_SECONDS")]
    pub sync_interval_seconds: Option<u64>,
    /// Seconds a client has to send a complete request head, from connecting or from its
    /// previous response; slower and idle keep-alive connections are closed [default: 10].
    #[arg(long, env = "ROLEGATE_HEADER_READ_TIMEOUT_SECONDS")]
    pub header_read_timeout_seconds: Option<u64>,
    /// Seconds a client has to send a request's body once its head has arrived; slower ones get
    /// `RequestTimeout` and their connection is closed [default: 30].
    #[arg(long, env = "ROLEGATE_BODY_READ_TIMEOUT_SECONDS")]
    pub body_read_timeout_seconds: Option<u64>,
    /// Seconds a client may accept no bytes of a response before it is disconnected
    /// [default: 30].
    #[arg(long, env = "ROLEGATE_SEND_TIMEOUT_SECONDS")]
    pub send_timeout_seconds: Option<u64>,
    /// Open client connections at most; beyond it new connections are closed at once
    /// [default: 4096].
    #[arg(long, env = "ROLEGATE_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Requests one keep-alive connection may carry before the server closes it [default: 1000].
    #[arg(long, env = "ROLEGATE_MAX_REQUESTS_PER_CONNECTION")]
    pub max_requests_per_connection: Option<u64>,
    /// Open connections from one client address at most (IPv6: one /64), so that one client
    /// cannot hold every connection; 0 turns it off (behind a proxy that is the only client)
    /// [default: 256].
    #[arg(long, env = "ROLEGATE_MAX_CONNECTIONS_PER_ADDRESS")]
    pub max_connections_per_address: Option<usize>,
    /// Longest a cached authorization fact (access key, user, group, role, policy, keyring) is
    /// served before it is read again: a change on another node takes effect here within this
    /// bound even when the change log is late; 0 reads the store on every request; at most
    /// 3600 [default: 2].
    #[arg(long, env = "ROLEGATE_MAX_STALENESS_SECONDS")]
    pub max_staleness_seconds: Option<u64>,
    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first); needs
    /// `--tls-key`. SIGHUP reads both files again.
    #[arg(long, env = "ROLEGATE_TLS_CERT", value_name = "PEM")]
    pub tls_cert: Option<PathBuf>,
    /// The private key of `--tls-cert` (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "ROLEGATE_TLS_KEY", value_name = "PEM")]
    pub tls_key: Option<PathBuf>,
    /// Reverse proxies (CIDRs or addresses, comma-separated) whose `X-Forwarded-For` and
    /// `X-Forwarded-Proto` give `aws:SourceIp` and `aws:SecureTransport`; from any other peer
    /// these headers are ignored [default: none].
    #[arg(
        long,
        env = "ROLEGATE_TRUSTED_PROXIES",
        value_name = "CIDR,...",
        value_delimiter = ',',
        value_parser = parse_proxy
    )]
    pub trusted_proxies: Option<Vec<IpNet>>,
    /// Development only: OpenID Connect providers may have `http://` issuers, whose keys are
    /// then fetched without TLS (anyone on the path could replace them). Never in production
    /// [default: off].
    #[arg(long, env = "ROLEGATE_ALLOW_HTTP_OIDC_ISSUERS")]
    pub allow_http_oidc_issuers: bool,
    /// Development and tests only: OpenID Connect issuers on this host (loopback) or at
    /// link-local addresses are fetched. Off, a provider's issuer cannot point Rolegate at its
    /// own host's services or a cloud metadata service [default: off].
    #[arg(long, env = "ROLEGATE_ALLOW_LOCAL_OIDC_ISSUERS")]
    pub allow_local_oidc_issuers: bool,
    /// Store every call as a CloudTrail event before its answer (LookupEvents reads them; a
    /// call whose event cannot be written fails), and export finished hours as log files
    /// with signed digests under DATA_DIR/audit: see the README's "Audit trail".
    /// `--audit-trail=false` turns it off [default: on].
    #[arg(long, env = "ROLEGATE_AUDIT_TRAIL", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    pub audit_trail: Option<bool>,
    /// Also write every stored audit event to standard output, one JSON line each, once it
    /// is durable (for a log shipper; logs go to standard error) [default: off].
    #[arg(long, env = "ROLEGATE_AUDIT_STDOUT")]
    pub audit_stdout: bool,
    /// Answer read-only calls (Get*, List*, Describe*, Simulate*, LookupEvents) that
    /// succeeded even when their audit event cannot be written (logged as an error); every
    /// other call still fails closed with ServiceUnavailable [default: off].
    #[arg(long, env = "ROLEGATE_AUDIT_FAIL_OPEN_READS")]
    pub audit_fail_open_reads: bool,
    /// Days audit events are kept; older ones are deleted hourly. 0 keeps them forever
    /// [default: 90, as CloudTrail's event history].
    #[arg(long, env = "ROLEGATE_AUDIT_RETENTION_DAYS", value_name = "DAYS")]
    pub audit_retention_days: Option<u32>,
    /// Further CA certificates (PEM) trusted for OpenID Connect issuers' HTTPS, beside the
    /// system's roots and those in `SSL_CERT_FILE` / `SSL_CERT_DIR` [default: none].
    #[arg(long, env = "ROLEGATE_OIDC_CA_FILE", value_name = "PEM")]
    pub oidc_ca_file: Option<PathBuf>,
    /// Failed AssumeRoleWithWebIdentity / AssumeRoleWithSAML calls one client address (IPv6:
    /// one /64) may make in the current and the previous minute, counted across every node
    /// sharing the database; past it that address's federation calls get `Throttling`.
    /// Behind a reverse proxy, list it in `--trusted-proxies` so clients are told apart.
    /// 0 turns the budget off [default: 60].
    #[arg(
        long,
        env = "ROLEGATE_FEDERATION_FAILURES_PER_MINUTE",
        value_name = "N"
    )]
    pub federation_failures_per_minute: Option<u32>,
    /// Serve `/access/v1/forward-auth` (nginx `auth_request`, Caddy `forward_auth`) to the
    /// proxy that sends this file's secret (at least 16 characters) in
    /// `X-Rolegate-Forward-Auth-Secret`; without it the endpoint does not exist
    /// [default: none].
    #[arg(
        long,
        env = "ROLEGATE_ACCESS_FORWARD_AUTH_SECRET_FILE",
        value_name = "FILE"
    )]
    pub access_forward_auth_secret_file: Option<PathBuf>,

    /// This deployment's URL(s) for SAML: an assertion may name them as its `Recipient`,
    /// `Destination` and `Audience`, besides AWS's `https://signin.aws.amazon.com/saml` and
    /// `urn:amazon:webservices` [default: none].
    #[arg(
        long,
        env = "ROLEGATE_SAML_URL",
        value_name = "URL,...",
        value_delimiter = ','
    )]
    pub saml_url: Option<Vec<String>>,

    /// The URL clients and relying parties reach this deployment at (`https://iam.example.com`,
    /// no query): outbound identity federation's issuers are `URL/outbound/ID`
    /// [default: `http://` (`https://` with --tls-cert) and the listen address].
    #[arg(long, env = "ROLEGATE_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
}

/// Whether `url` can be an issuer's base: `http(s)://HOST[:PORT][/PATH]`, no query, fragment,
/// user information or whitespace.
pub fn public_url_is_valid(url: &str) -> bool {
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return false;
    };
    let host = rest.split('/').next().unwrap_or_default();
    !host.is_empty()
        && !rest.contains(['?', '#', '@', '\\'])
        && !rest.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A trusted proxy: a CIDR (`10.0.0.0/8`, `fd00::/8`) or one address (`10.0.0.7`).
pub fn parse_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map(|net| net.trunc())
        .map_err(|_| format!("`{text}` is not a CIDR (like 10.0.0.0/8) or an IP address"))
}

/// The same settings as a file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    database_url: Option<DatabaseUrl>,
    database_schema: Option<String>,
    account_id: Option<String>,
    max_body_bytes: Option<usize>,
    log_format: Option<String>,
    log: Option<String>,
    sync_interval_seconds: Option<u64>,
    header_read_timeout_seconds: Option<u64>,
    body_read_timeout_seconds: Option<u64>,
    send_timeout_seconds: Option<u64>,
    max_connections: Option<usize>,
    max_requests_per_connection: Option<u64>,
    max_connections_per_address: Option<usize>,
    max_staleness_seconds: Option<u64>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    trusted_proxies: Option<Vec<String>>,
    allow_http_oidc_issuers: Option<bool>,
    allow_local_oidc_issuers: Option<bool>,
    audit_trail: Option<bool>,
    audit_retention_days: Option<u32>,
    audit_stdout: Option<bool>,
    audit_fail_open_reads: Option<bool>,
    oidc_ca_file: Option<PathBuf>,
    federation_failures_per_minute: Option<u32>,
    access_forward_auth_secret_file: Option<PathBuf>,

    saml_url: Option<Vec<String>>,
    public_url: Option<String>,
}

/// The largest `--max-connections` accepted.
pub const MAX_CONNECTIONS: usize = 1_000_000;

/// Resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listen address.
    pub listen: SocketAddr,
    /// Data directory.
    pub data_dir: PathBuf,
    /// PostgreSQL URL, if any.
    pub database_url: Option<DatabaseUrl>,
    /// PostgreSQL schema, if any.
    pub database_schema: Option<String>,
    /// Management account id, if configured.
    pub account_id: Option<String>,
    /// Body limit.
    pub max_body_bytes: usize,
    /// `text` or `json`.
    pub log_format: String,
    /// Log filter.
    pub log: String,
    /// Change-log poll interval.
    pub sync_interval_seconds: u64,
    /// Time to send a request head (also the keep-alive idle timeout).
    pub header_read_timeout_seconds: u64,
    /// Time to receive a request body.
    pub body_read_timeout_seconds: u64,
    /// Time a client may accept no response bytes.
    pub send_timeout_seconds: u64,
    /// Open connections at most.
    pub max_connections: usize,
    /// Requests per connection at most.
    pub max_requests_per_connection: u64,
    /// Open connections from one address (IPv6: one /64) at most; 0 is no limit.
    pub max_connections_per_address: usize,
    /// The cache's age bound.
    pub max_staleness_seconds: u64,
    /// HTTPS: the certificate chain and key files; plain HTTP when `None`.
    pub tls: Option<TlsFiles>,
    /// Peers whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// `http://` OIDC issuers are allowed (development only).
    pub allow_http_oidc_issuers: bool,
    /// OIDC issuers on loopback or link-local addresses are fetched (development only).
    pub allow_local_oidc_issuers: bool,
    /// Every call is stored as a CloudTrail event before its answer.
    pub audit_trail: bool,
    /// Days audit events are kept (0: forever).
    pub audit_retention_days: u32,
    /// Events also go to standard output as JSON lines.
    pub audit_stdout: bool,
    /// Read-only calls are answered even when their event cannot be written.
    pub audit_fail_open_reads: bool,
    /// Further CAs trusted for OIDC issuers.
    pub oidc_ca_file: Option<PathBuf>,
    /// Failed federation calls per client address in two minutes, across nodes (0: off).
    pub federation_failures_per_minute: u32,
    /// The forward-auth proxy's secret (`/access/v1/forward-auth` exists only with it).
    pub access_forward_auth_secret_file: Option<PathBuf>,

    /// This deployment's SAML recipient/audience URLs.
    pub saml_urls: Vec<String>,
    /// This deployment's public URL (`None`: the scheme and the bound address).
    pub public_url: Option<String>,
    /// Root key from `ROLEGATE_ROOT_ACCESS_KEY_ID` / `ROLEGATE_ROOT_SECRET_ACCESS_KEY`.
    pub root_key: Option<(String, rolegate_sigv4::SecretKey)>,
    /// The clock (tests shift it; never read from configuration).
    pub clock: ClockHandle,
}

/// A PostgreSQL URL. It may carry a password, so its `Debug` masks the password
/// (`postgres://user:***@host/db`) and it has no `Display`; `expose()` gives the URL.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL itself (to connect with).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.to_owned()))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `scheme://user:password@host…`: everything between the user's `:` and the `@`.
        let url = &self.0;
        let masked = url
            .find("://")
            .map(|i| i + 3)
            .and_then(|start| {
                let at = start + url[start..].find('@')?;
                let colon = start + url[start..at].find(':')?;
                Some(format!("{}:***{}", &url[..colon], &url[at..]))
            })
            .unwrap_or_else(|| url.clone());
        write!(f, "DatabaseUrl({masked:?})")
    }
}

/// The PEM files HTTPS is served with (read at start and on every SIGHUP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// Certificate chain, the server's certificate first.
    pub cert: PathBuf,
    /// Its private key.
    pub key: PathBuf,
}

/// The clock a server runs on: the system clock unless a test supplies another.
#[derive(Clone)]
pub struct ClockHandle(pub std::sync::Arc<dyn rolegate_service::clock::Clock>);

impl Default for ClockHandle {
    fn default() -> Self {
        Self(std::sync::Arc::new(rolegate_service::clock::SystemClock))
    }
}

impl std::fmt::Debug for ClockHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClockHandle")
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 7470)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            database_schema: None,
            account_id: None,
            max_body_bytes: 1 << 20,
            log_format: "text".into(),
            log: "info".into(),
            sync_interval_seconds: 1,
            header_read_timeout_seconds: 10,
            body_read_timeout_seconds: 30,
            send_timeout_seconds: 30,
            max_connections: 4096,
            max_requests_per_connection: 1000,
            max_connections_per_address: 256,
            max_staleness_seconds: rolegate_service::DEFAULT_MAX_STALENESS.as_secs(),
            tls: None,
            trusted_proxies: Vec::new(),
            allow_http_oidc_issuers: false,
            allow_local_oidc_issuers: false,
            audit_trail: true,
            audit_retention_days: rolegate_service::audit::DEFAULT_RETENTION_DAYS,
            audit_stdout: false,
            audit_fail_open_reads: false,
            oidc_ca_file: None,
            federation_failures_per_minute:
                rolegate_service::throttle::sources::DEFAULT_FAILURES_PER_MINUTE,
            access_forward_auth_secret_file: None,

            saml_urls: Vec::new(),
            public_url: None,
            root_key: None,
            clock: ClockHandle::default(),
        }
    }
}

impl ServeArgs {
    /// Merges flags/environment, the config file and defaults.
    pub fn resolve(self) -> anyhow::Result<Config> {
        let file: FileConfig = match &self.config {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    anyhow::anyhow!("cannot read config file {}: {e}", path.display())
                })?;
                toml::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("invalid config file {}: {e}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let d = Config::default();
        let root_key = match (
            std::env::var("ROLEGATE_ROOT_ACCESS_KEY_ID").ok(),
            std::env::var("ROLEGATE_ROOT_SECRET_ACCESS_KEY").ok(),
        ) {
            (Some(id), Some(secret)) => Some((id, rolegate_sigv4::SecretKey::new(secret))),
            (None, None) => None,
            _ => anyhow::bail!(
                "set both ROLEGATE_ROOT_ACCESS_KEY_ID and ROLEGATE_ROOT_SECRET_ACCESS_KEY, or neither"
            ),
        };
        let tls = match (
            self.tls_cert.or(file.tls_cert),
            self.tls_key.or(file.tls_key),
        ) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            (Some(_), None) => {
                anyhow::bail!("--tls-cert needs --tls-key (the certificate's private key)")
            }
            (None, Some(_)) => {
                anyhow::bail!("--tls-key needs --tls-cert (the certificate chain it belongs to)")
            }
        };
        let trusted_proxies = match (self.trusted_proxies, file.trusted_proxies) {
            (Some(flag), _) => flag,
            (None, Some(file)) => file
                .iter()
                .map(|p| parse_proxy(p))
                .collect::<Result<_, _>>()
                .map_err(|e| anyhow::anyhow!("trusted_proxies: {e}"))?,
            (None, None) => d.trusted_proxies,
        };
        let config = Config {
            listen: self.listen.or(file.listen).unwrap_or(d.listen),
            data_dir: self.data_dir.or(file.data_dir).unwrap_or(d.data_dir),
            database_url: self.database_url.or(file.database_url),
            database_schema: self.database_schema.or(file.database_schema),
            account_id: self.account_id.or(file.account_id),
            max_body_bytes: self
                .max_body_bytes
                .or(file.max_body_bytes)
                .unwrap_or(d.max_body_bytes),
            log_format: self.log_format.or(file.log_format).unwrap_or(d.log_format),
            log: self.log.or(file.log).unwrap_or(d.log),
            sync_interval_seconds: self
                .sync_interval_seconds
                .or(file.sync_interval_seconds)
                .unwrap_or(d.sync_interval_seconds),
            header_read_timeout_seconds: self
                .header_read_timeout_seconds
                .or(file.header_read_timeout_seconds)
                .unwrap_or(d.header_read_timeout_seconds),
            body_read_timeout_seconds: self
                .body_read_timeout_seconds
                .or(file.body_read_timeout_seconds)
                .unwrap_or(d.body_read_timeout_seconds),
            send_timeout_seconds: self
                .send_timeout_seconds
                .or(file.send_timeout_seconds)
                .unwrap_or(d.send_timeout_seconds),
            max_connections: self
                .max_connections
                .or(file.max_connections)
                .unwrap_or(d.max_connections),
            max_requests_per_connection: self
                .max_requests_per_connection
                .or(file.max_requests_per_connection)
                .unwrap_or(d.max_requests_per_connection),
            max_connections_per_address: self
                .max_connections_per_address
                .or(file.max_connections_per_address)
                .unwrap_or(d.max_connections_per_address),
            max_staleness_seconds: self
                .max_staleness_seconds
                .or(file.max_staleness_seconds)
                .unwrap_or(d.max_staleness_seconds),
            tls,
            trusted_proxies,
            allow_http_oidc_issuers: self.allow_http_oidc_issuers
                || file.allow_http_oidc_issuers.unwrap_or(false),
            allow_local_oidc_issuers: self.allow_local_oidc_issuers
                || file.allow_local_oidc_issuers.unwrap_or(false),
            audit_trail: self
                .audit_trail
                .or(file.audit_trail)
                .unwrap_or(d.audit_trail),
            audit_retention_days: self
                .audit_retention_days
                .or(file.audit_retention_days)
                .unwrap_or(d.audit_retention_days),
            audit_stdout: self.audit_stdout || file.audit_stdout.unwrap_or(false),
            audit_fail_open_reads: self.audit_fail_open_reads
                || file.audit_fail_open_reads.unwrap_or(false),
            oidc_ca_file: self.oidc_ca_file.or(file.oidc_ca_file),
            federation_failures_per_minute: self
                .federation_failures_per_minute
                .or(file.federation_failures_per_minute)
                .unwrap_or(d.federation_failures_per_minute),
            access_forward_auth_secret_file: self
                .access_forward_auth_secret_file
                .or(file.access_forward_auth_secret_file),

            saml_urls: self.saml_url.or(file.saml_url).unwrap_or_default(),
            public_url: self
                .public_url
                .or(file.public_url)
                .map(|u| u.trim_end_matches('/').to_owned()),
            root_key,
            clock: d.clock,
        };
        if let Some(a) = &config.account_id
            && !rolegate_service::bootstrap::is_account_id(a)
        {
            anyhow::bail!("--account-id must be exactly 12 digits, not `{a}`");
        }
        if !matches!(config.log_format.as_str(), "text" | "json") {
            anyhow::bail!("--log-format must be `text` or `json`");
        }
        if !(1..=3600).contains(&config.header_read_timeout_seconds) {
            anyhow::bail!("--header-read-timeout-seconds must be from 1 to 3600");
        }
        if !(1..=3600).contains(&config.body_read_timeout_seconds) {
            anyhow::bail!("--body-read-timeout-seconds must be from 1 to 3600");
        }
        if !(1..=3600).contains(&config.send_timeout_seconds) {
            anyhow::bail!("--send-timeout-seconds must be from 1 to 3600");
        }
        if !(1..=MAX_CONNECTIONS).contains(&config.max_connections) {
            anyhow::bail!("--max-connections must be from 1 to {MAX_CONNECTIONS}");
        }
        if config.max_requests_per_connection == 0 {
            anyhow::bail!("--max-requests-per-connection must be at least 1");
        }
        if let Some(url) = &config.public_url
            && !public_url_is_valid(url)
        {
            anyhow::bail!(
                "--public-url must be an http:// or https:// URL with a host and no query or fragment, not `{url}`"
            );
        }
        if config.max_staleness_seconds > 3600 {
            anyhow::bail!("--max-staleness-seconds must be from 0 to 3600");
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_password_is_never_printed() {
        let config = Config {
            database_url: Some(
                "postgres://app:s3cr3t-pa55@db.internal:5432/iam"
                    .to_owned()
                    .into(),
            ),
            ..Config::default()
        };
        let shown = format!("{config:?} {config:#?}");
        assert!(!shown.contains("s3cr3t-pa55"), "{shown}");
        assert!(
            shown.contains("postgres://app:***@db.internal:5432/iam"),
            "{shown}"
        );
        let plain: DatabaseUrl = "postgres://postgres@127.0.0.1/test".parse().expect("url");
        assert_eq!(
            format!("{plain:?}"),
            "DatabaseUrl(\"postgres://postgres@127.0.0.1/test\")"
        );
    }

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("rolegate.toml");
        std::fs::write(&file, "listen = \"127.0.0.1:9000\"\ndata_dir = \"/var/lib/rolegate\"\naccount_id = \"111122223333\"\nlog_format = \"json\"\nmax_connections = 100\nheader_read_timeout_seconds = 5\n")
            .expect("write");
        let args = ServeArgs {
            config: Some(file.clone()),
            listen: Some("127.0.0.1:9100".parse().expect("addr")),
            ..Default::default()
        };
        let c = args.resolve().expect("resolves");
        assert_eq!(c.listen.port(), 9100, "flag wins");
        assert_eq!(
            c.data_dir,
            PathBuf::from("/var/lib/rolegate"),
            "file fills the rest"
        );
        assert_eq!(c.account_id.as_deref(), Some("111122223333"));
        assert_eq!(c.log_format, "json");
        assert_eq!(c.max_body_bytes, 1 << 20, "default");
        assert_eq!((c.max_connections, c.header_read_timeout_seconds), (100, 5));
        assert_eq!(c.max_requests_per_connection, 1000, "default");
        assert_eq!(c.max_staleness_seconds, 2, "default");
    }

    #[test]
    fn the_audit_trail_is_on_unless_switched_off() {
        use clap::Parser as _;
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let trail = |args: &[&str]| {
            let mut argv = vec!["rolegate"];
            argv.extend_from_slice(args);
            Cli::try_parse_from(argv)
                .expect("parses")
                .serve
                .resolve()
                .expect("resolves")
                .audit_trail
        };
        assert!(trail(&[]), "on by default");
        assert!(trail(&["--audit-trail"]));
        assert!(trail(&["--audit-trail=true"]));
        assert!(!trail(&["--audit-trail=false"]));
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("rolegate.toml");
        std::fs::write(&file, "audit_trail = false\n").expect("write");
        let path = file.to_str().expect("path");
        assert!(!trail(&["--config", path]), "the file");
        assert!(trail(&["--config", path, "--audit-trail"]), "the flag wins");
    }

    #[test]
    fn tls_and_trusted_proxies() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("rolegate.toml");
        std::fs::write(
            &file,
            "tls_cert = \"/etc/rolegate/cert.pem\"\ntls_key = \"/etc/rolegate/key.pem\"\ntrusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\", \"fd00::/8\"]\n",
        )
        .expect("write");
        let c = ServeArgs {
            config: Some(file.clone()),
            ..Default::default()
        }
        .resolve()
        .expect("resolves");
        assert_eq!(
            c.tls,
            Some(TlsFiles {
                cert: "/etc/rolegate/cert.pem".into(),
                key: "/etc/rolegate/key.pem".into()
            })
        );
        let nets: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(nets, ["10.0.0.0/8", "192.0.2.7/32", "fd00::/8"]);
        // The flag replaces the file's list; the key may come from the file.
        let c = ServeArgs {
            config: Some(file),
            tls_cert: Some("/run/cert.pem".into()),
            trusted_proxies: Some(vec![parse_proxy("172.16.0.0/12").expect("cidr")]),
            ..Default::default()
        }
        .resolve()
        .expect("resolves");
        assert_eq!(
            c.tls.map(|t| (t.cert, t.key)),
            Some(("/run/cert.pem".into(), "/etc/rolegate/key.pem".into()))
        );
        assert_eq!(c.trusted_proxies.len(), 1);
        let d = ServeArgs::default().resolve().expect("defaults");
        assert!(d.tls.is_none() && d.trusted_proxies.is_empty());
        assert!(parse_proxy("10.0.0.0/33").is_err());
        assert!(parse_proxy("proxy.internal").is_err());
    }

    #[test]
    fn bad_settings_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "listn = \"x\"\n").expect("write");
        assert!(
            ServeArgs {
                config: Some(file),
                ..Default::default()
            }
            .resolve()
            .is_err(),
            "unknown key"
        );
        assert!(
            ServeArgs {
                account_id: Some("12".into()),
                ..Default::default()
            }
            .resolve()
            .is_err(),
            "account id"
        );
        assert!(
            ServeArgs {
                log_format: Some("xml".into()),
                ..Default::default()
            }
            .resolve()
            .is_err(),
            "log format"
        );
        let e = ServeArgs {
            tls_cert: Some("cert.pem".into()),
            ..Default::default()
        }
        .resolve()
        .expect_err("a certificate without its key");
        assert!(e.to_string().contains("--tls-cert needs --tls-key"), "{e}");
        let e = ServeArgs {
            tls_key: Some("key.pem".into()),
            ..Default::default()
        }
        .resolve()
        .expect_err("a key without its certificate");
        assert!(e.to_string().contains("--tls-key needs --tls-cert"), "{e}");
        let bad = dir.path().join("proxies.toml");
        std::fs::write(&bad, "trusted_proxies = [\"10.0.0.0/8\", \"nope\"]\n").expect("write");
        let e = ServeArgs {
            config: Some(bad),
            ..Default::default()
        }
        .resolve()
        .expect_err("a bad proxy");
        assert!(e.to_string().contains("`nope` is not a CIDR"), "{e}");
        for (args, what) in [
            (
                ServeArgs {
                    max_connections: Some(0),
                    ..Default::default()
                },
                "no connections",
            ),
            (
                ServeArgs {
                    header_read_timeout_seconds: Some(0),
                    ..Default::default()
                },
                "no header timeout",
            ),
            (
                ServeArgs {
                    body_read_timeout_seconds: Some(0),
                    ..Default::default()
                },
                "no body timeout",
            ),
            (
                ServeArgs {
                    send_timeout_seconds: Some(0),
                    ..Default::default()
                },
                "no send timeout",
            ),
            (
                ServeArgs {
                    max_staleness_seconds: Some(3601),
                    ..Default::default()
                },
                "a staleness bound over an hour",
            ),
            (
                ServeArgs {
                    max_requests_per_connection: Some(0),
                    ..Default::default()
                },
                "no requests",
            ),
        ] {
            assert!(args.resolve().is_err(), "{what}");
        }
    }
}
