//! The Rolegate server: the only crate with sockets, configuration and a concrete store.
//!
//! Owns: choosing and opening the store, starting the service on it (whose bootstrap makes the
//! management account and root key; the server writes the root-credentials file), the
//! administrative commands (adding accounts, rotating the session key: service calls on the
//! configured store), the HTTP edge with SigV4 authentication, the accept loop and its limits,
//! HTTPS and its reload on SIGHUP, trusted proxies, metrics, health, the change-log poller, and
//! graceful shutdown. It writes nothing to the store itself: every write is the service's.

pub mod access;
pub mod audit_cli;
pub mod authn;
pub mod config;
pub mod forwarded;
pub mod http;
pub mod metrics;
pub mod oidc;
pub mod outbound;
pub mod s3_gateway;
pub mod serve;
pub mod tls;

use std::{net::SocketAddr, path::Path, sync::Arc, time::Duration};

use anyhow::Context as _;
pub use config::{ClockHandle, Config, ServeArgs, TlsFiles};
use rolegate_service::{Service, ServiceConfig, bootstrap::Bootstrap};
use rolegate_store::{PostgresStore, SqliteStore, Store};
use tokio::{sync::oneshot, task::JoinHandle};

/// A running server.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The management account.
    pub account_id: String,
    /// The service (tests use it to inspect state).
    pub service: Arc<Service>,
    tls: Option<tls::Tls>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Stops accepting, finishes in-flight requests, and waits.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.handle.await.context("server task")?
    }

    /// Reads `--tls-cert` and `--tls-key` again, as SIGHUP does: new connections get the new
    /// certificate, open ones keep theirs; on error the old certificate stays.
    pub fn reload_tls(&self) -> anyhow::Result<()> {
        match &self.tls {
            Some(tls) => tls.reload(),
            None => anyhow::bail!("this server does not serve HTTPS"),
        }
    }

    /// Waits until the server stops (after SIGTERM/ctrl-c when started by `serve`).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.handle.await.context("server task")?
    }
}

pub(crate) async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match &config.database_url {
        Some(url) => Arc::new(
            PostgresStore::connect(url.expose(), config.database_schema.as_deref())
                .await
                .context("connecting to PostgreSQL")?,
        ),
        None => {
            let db = private_data_dir(&config.data_dir)?;
            Arc::new(
                SqliteStore::open(&db)
                    .await
                    .context("opening the SQLite database")?,
            )
        }
    })
}

/// The data directory, owner-only (0700), and the path of its SQLite database, created
/// owner-only (0600) before SQLite opens it: the database holds secret keys and the audit
/// keyring, and SQLite gives its `-wal` and `-shm` files the database file's mode. An
/// existing directory and database are narrowed to these modes as well.
fn private_data_dir(dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let db = dir.join("rolegate.db");
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("creating {}", dir.display()))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("making {} owner-only", dir.display()))?;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&db)
            .with_context(|| format!("creating {}", db.display()))?;
        for suffix in ["", "-wal", "-shm"] {
            let path = dir.join(format!("rolegate.db{suffix}"));
            if path.exists() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .with_context(|| format!("making {} owner-only", path.display()))?;
            }
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(db)
}

/// The management account id: configured, or remembered, or generated once and remembered
/// (by the service, in the store).
pub(crate) async fn management_account(
    store: &dyn Store,
    configured: Option<&str>,
) -> anyhow::Result<String> {
    rolegate_service::bootstrap::management_account(store, configured)
        .await
        .map_err(|e| anyhow::anyhow!("the management account (--account-id): {e}"))
}

/// Writes a root user's key as an aws-cli credentials file (`[default]` profile), mode 0600.
fn write_root_credentials(path: &Path, access_key_id: &str, secret: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    // A file left from before keeps its mode on open: tighten it before writing the secret.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    writeln!(
        f,
        "[default]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {secret}"
    )?;
    f.sync_all()?;
    Ok(())
}

/// Opens the configured store as a service for an administrative command.
async fn admin_service(config: &Config) -> anyhow::Result<Service> {
    let store = open_store(config).await?;
    let account_id = management_account(&*store, config.account_id.as_deref()).await?;
    Ok(Service::new(
        store,
        config.clock.0.clone(),
        ServiceConfig {
            account_id,
            max_staleness: Duration::from_secs(config.max_staleness_seconds),
        },
    ))
}

/// Adds an account (12 digits, generated when `None`) to the configured store, with a
/// generated root access key written to `DATA_DIR/root-credentials-ACCOUNT` (mode 0600).
/// Running nodes see it through the change log (within `sync_interval_seconds`, at the latest
/// `max_staleness_seconds`).
/// Returns the account id and the credentials file's path; the secret is only in the file.
pub async fn add_account(
    config: &Config,
    account_id: Option<&str>,
) -> anyhow::Result<(String, std::path::PathBuf)> {
    let service = admin_service(config).await?;
    let new = service
        .create_account(account_id)
        .await
        .map_err(|e| anyhow::anyhow!("adding the account: {e}"))?;
    let path = config
        .data_dir
        .join(format!("root-credentials-{}", new.account_id));
    write_root_credentials(&path, &new.access_key_id, new.secret.expose())?;
    Ok((new.account_id, path))
}

/// Retires the key that seals session tokens and adds a new one, in the configured store;
/// running nodes pick it up through the change log. Returns the new key's id.
pub async fn rotate_session_key(config: &Config) -> anyhow::Result<u32> {
    admin_service(config)
        .await?
        .rotate_session_key()
        .await
        .map_err(|e| anyhow::anyhow!("rotating the session key: {e}"))
}

/// Adds a new signing key per algorithm to an account's outbound identity federation, in
/// the configured store (`rolegate rotate-outbound-keys`): published at once, signing (and
/// retiring the current ones) `PREPUBLISH_SECS` later, or at once when `immediately`;
/// running nodes follow from their next token. Returns the new keys' ids and the unix time
/// they sign from.
pub async fn rotate_outbound_keys(
    config: &Config,
    account: &str,
    immediately: bool,
) -> anyhow::Result<(Vec<String>, i64)> {
    admin_service(config)
        .await?
        .rotate_outbound_signing_keys(account, immediately)
        .await
        .map_err(|e| anyhow::anyhow!("rotating the outbound signing keys of {account}: {e}"))
}

/// Opens the store, bootstraps, binds and starts serving. Stops on [`Running::shutdown`],
/// or on SIGTERM/ctrl-c when `signals` is set; then, with HTTPS, SIGHUP also reloads the
/// certificate ([`Running::reload_tls`] does it without the signal).
pub async fn start(config: Config, signals: bool) -> anyhow::Result<Running> {
    // A bad certificate or key fails the start before anything else is opened.
    let tls = config.tls.as_ref().map(tls::Tls::load).transpose()?;
    let store = open_store(&config).await?;
    let account_id = management_account(&*store, config.account_id.as_deref()).await?;
    // Bound first: the default public URL is the address actually bound (port 0 in tests).
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{addr}"));
    if config.allow_local_oidc_issuers {
        tracing::warn!(
            "OpenID Connect issuers on this host and link-local addresses are allowed (development only)"
        );
    }
    if config.allow_http_oidc_issuers {
        tracing::warn!(
            "plain-HTTP OpenID Connect issuers are allowed: their keys travel without TLS (development only)"
        );
    }
    let service = Service::new(
        store.clone(),
        config.clock.0.clone(),
        ServiceConfig {
            account_id: account_id.clone(),
            max_staleness: Duration::from_secs(config.max_staleness_seconds),
        },
    )
    .with_federation(
        rolegate_service::federation::FederationConfig {
            allow_http_issuers: config.allow_http_oidc_issuers,
            saml_urls: config.saml_urls.clone(),
            public_url,
            failures_per_minute: config.federation_failures_per_minute,
            ..Default::default()
        },
        Arc::new(oidc::HttpsKeySource::new(
            oidc::trusted_roots(config.oidc_ca_file.as_deref())?,
            config.allow_http_oidc_issuers,
            config.allow_local_oidc_issuers,
        )),
    );
    // With the audit trail (on by default), every exchange is stored as a
    // CloudTrail event before its answer (issue 15).
    let service = Arc::new(if config.audit_trail && config.audit_stdout {
        service.with_audit_trail().with_audit_stdout()
    } else if config.audit_trail {
        service.with_audit_trail()
    } else {
        service
    });
    service
        .ensure_keyring()
        .await
        .map_err(|e| anyhow::anyhow!("session keyring: {e}"))?;
    match service
        .bootstrap(config.root_key.clone())
        .await
        .map_err(|e| anyhow::anyhow!("bootstrap: {e}"))?
    {
        Bootstrap::Generated {
            access_key_id,
            secret,
        } => {
            let path = config.data_dir.join("root-credentials");
            write_root_credentials(&path, &access_key_id, secret.expose())?;
            tracing::info!(account = %account_id, access_key_id = %access_key_id, path = %path.display(), "generated the root access key; its secret is in the credentials file");
        }
        Bootstrap::Configured => {
            tracing::info!(account = %account_id, "installed the configured root access key")
        }
        Bootstrap::Existing => tracing::info!(account = %account_id, "management account ready"),
    }
    service
        .sync_changes()
        .await
        .map_err(|e| anyhow::anyhow!("change log: {e}"))?;

    let forward_auth_secret = config
        .access_forward_auth_secret_file
        .as_deref()
        .map(access::ForwardAuthSecret::from_file)
        .transpose()?;
    let metrics = Arc::new(metrics::Metrics::new());
    let state = Arc::new(http::AppState {
        forward_auth_secret,
        service: service.clone(),
        metrics: metrics.clone(),
        max_body_bytes: config.max_body_bytes,
        body_read_timeout: Duration::from_secs(config.body_read_timeout_seconds),
        audit_fail_open_reads: config.audit_fail_open_reads,
    });
    tracing::info!(%addr, scheme, backend = store.backend(), max_connections = config.max_connections, trusted_proxies = config.trusted_proxies.len(), "listening");
    fit_open_file_limit(config.max_connections);

    let (tx, rx) = oneshot::channel::<()>();
    let poller = {
        let service = service.clone();
        let store = store.clone();
        let every = Duration::from_secs(config.sync_interval_seconds.max(1));
        let archive = config.audit_trail.then(|| config.data_dir.join("audit"));
        let retention_days = if config.audit_trail {
            config.audit_retention_days
        } else {
            0
        };
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            let mut n: u64 = 0;
            loop {
                tick.tick().await;
                if let Err(e) = service.sync_changes().await {
                    tracing::warn!(error = %e, "change log read failed");
                }
                n += 1;
                if n.is_multiple_of(600) {
                    let cutoff = time::OffsetDateTime::now_utc()
                        .unix_timestamp()
                        .saturating_sub(3600)
                        .saturating_mul(1000);
                    let _ = store.prune_changes(cutoff).await;
                }
                // Finished hours into the archive's files, every five minutes (and at start).
                if let Some(archive) = &archive
                    && (n == 1 || n.is_multiple_of(300 / every.as_secs().clamp(1, 300)))
                    && let Err(e) = service.export_trail(archive).await
                {
                    tracing::error!(error = %e, "exporting the audit trail failed");
                }
                // Audit events past their retention, hourly (and at start).
                if retention_days > 0
                    && (n == 1 || n.is_multiple_of(3600 / every.as_secs().clamp(1, 3600)))
                {
                    match service.expire_events(retention_days).await {
                        Ok(0) => {}
                        Ok(deleted) => {
                            tracing::info!(deleted, retention_days, "expired audit events")
                        }
                        Err(e) => tracing::warn!(error = %e, "expiring audit events failed"),
                    }
                }
            }
        })
    };
    let app = http::router(state);
    let limits = serve::Limits {
        header_read_timeout: Duration::from_secs(config.header_read_timeout_seconds),
        send_timeout: Duration::from_secs(config.send_timeout_seconds),
        max_connections: config.max_connections,
        max_requests_per_connection: config.max_requests_per_connection,
        max_connections_per_address: config.max_connections_per_address,
    };
    let transport = serve::Transport {
        tls: tls.clone(),
        proxies: Arc::new(forwarded::TrustedProxies::new(
            config.trusted_proxies.clone(),
        )),
    };
    let reloader = match (&tls, signals) {
        (Some(tls), true) => Some(reload_on_sighup(tls.clone())?),
        _ => None,
    };
    let handle = tokio::spawn(async move {
        let stop = async move {
            if signals {
                tokio::select! {
                    _ = rx => {}
                    _ = shutdown_signal() => {}
                }
            } else {
                let _ = rx.await;
            }
            tracing::info!("shutting down: finishing in-flight requests");
        };
        let result = serve::serve(listener, app, metrics, limits, transport, stop).await;
        poller.abort();
        if let Some(reloader) = reloader {
            reloader.abort();
        }
        result.context("serving")
    });
    Ok(Running {
        addr,
        account_id,
        service,
        tls,
        shutdown: Some(tx),
        handle,
    })
}

/// File descriptors kept for the store, the log and the listener beside client connections.
const RESERVED_FILES: u64 = 256;

/// Makes room for `--max-connections` (and the connections lingering after their last
/// response, `serve::MAX_LINGERING`) under the open file limit: raises the soft limit up to
/// the hard one when it is lower than needed, and warns when even that is not enough (then the
/// kernel queues further connections until some close; the accept loop backs off on `EMFILE`
/// instead of spinning).
#[cfg(unix)]
fn fit_open_file_limit(max_connections: usize) {
    use rustix::process::{Resource, getrlimit, setrlimit};
    // Open connections, connections lingering after their last response, and the rest.
    let needed = u64::try_from(max_connections.saturating_add(serve::MAX_LINGERING))
        .unwrap_or(u64::MAX)
        .saturating_add(RESERVED_FILES);
    let limit = getrlimit(Resource::Nofile);
    let Some(soft) = limit.current else {
        return;
    };
    let mut available = soft;
    if soft < needed {
        let target = limit.maximum.map_or(needed, |hard| hard.min(needed));
        if target > soft
            && setrlimit(
                Resource::Nofile,
                rustix::process::Rlimit {
                    current: Some(target),
                    maximum: limit.maximum,
                },
            )
            .is_ok()
        {
            tracing::info!(from = soft, to = target, "raised the open file limit");
            available = target;
        }
    }
    if available < needed {
        tracing::warn!(
            max_connections,
            open_file_limit = available,
            "--max-connections is above what the open file limit allows: raise the limit (ulimit -n, LimitNOFILE=) or lower --max-connections"
        );
    }
}

#[cfg(not(unix))]
fn fit_open_file_limit(_max_connections: usize) {}

/// Reloads the certificate on every SIGHUP (only installed with HTTPS: otherwise SIGHUP keeps
/// its default meaning).
#[cfg(unix)]
fn reload_on_sighup(tls: tls::Tls) -> anyhow::Result<JoinHandle<()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hangup = signal(SignalKind::hangup()).context("listening for SIGHUP")?;
    Ok(tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            match tls.reload() {
                Ok(()) => tracing::info!("SIGHUP: reloaded the TLS certificate and key"),
                Err(e) => tracing::error!(
                    error = format!("{e:#}"),
                    "SIGHUP: could not reload the TLS certificate; still serving the previous one"
                ),
            }
        }
    }))
}

#[cfg(not(unix))]
fn reload_on_sighup(_tls: tls::Tls) -> anyhow::Result<JoinHandle<()>> {
    Ok(tokio::spawn(async {}))
}

pub(crate) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Installs the log subscriber (text or JSON lines on stderr).
pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.log_format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
