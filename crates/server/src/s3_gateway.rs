//! `rolegate s3-gateway`: the S3 gateway ([`rolegate_gateway`]) as a process beside `serve`,
//! on the same store (the same SQLite data directory, or the same PostgreSQL), with `serve`'s
//! listener, TLS, connection limits and trusted proxies; and `rolegate s3-gateway
//! assign-bucket`, which gives a bucket the backend already holds to an account.
//!
//! The gateway writes only its bucket records; IAM state, sessions and keys are `serve`'s.
//! It reads the change log like any node, so a revoked session, a deactivated key or a
//! changed policy applies to its next request (within `--max-staleness-seconds`).

use std::{sync::Arc, time::Duration};

use anyhow::Context as _;
use axum::{Router, extract::State, response::IntoResponse};
use clap::{Args, Subcommand};
use rolegate_gateway::{BackendConfig, Buckets, Gateway, Options, Origin, VirtualHosts};
use rolegate_service::{Service, ServiceConfig};
use tokio::sync::oneshot;

use crate::{Config, Running, ServeArgs, forwarded, metrics, serve, tls};

/// `rolegate s3-gateway`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct S3GatewayArgs {
    /// An administrative command instead of running the gateway.
    #[command(subcommand)]
    pub command: Option<S3GatewayCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Running the gateway.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The backend S3 endpoint (`http://127.0.0.1:8333`).
    #[arg(long, env = "ROLEGATE_S3_BACKEND_ENDPOINT", value_name = "URL")]
    pub backend_endpoint: Option<String>,
    /// The region the backend's requests are signed for.
    #[arg(
        long,
        env = "ROLEGATE_S3_BACKEND_REGION",
        default_value = "us-east-1",
        value_name = "REGION"
    )]
    pub backend_region: String,
    /// Read `BUCKET.DOMAIN` Host headers as virtual-hosted-style requests for BUCKET
    /// (path-style requests keep working; the Host header must then be signed).
    #[arg(long, env = "ROLEGATE_S3_VIRTUAL_HOST_DOMAIN", value_name = "DOMAIN")]
    pub virtual_host_domain: Option<String>,
    /// `--listen`, the store, TLS and limits: as `rolegate serve`.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// Administrative commands on the gateway's records.
#[derive(Debug, Subcommand)]
pub enum S3GatewayCommand {
    /// Give a bucket that already exists in the backend to an account (its principals can
    /// then be granted access; its root may manage its bucket policy).
    AssignBucket {
        /// The bucket.
        #[arg(long)]
        bucket: String,
        /// The account that owns it.
        #[arg(long, value_name = "ACCOUNT_ID")]
        account: String,
        /// Take it from the account that owns it now (its bucket policy is dropped).
        #[arg(long)]
        reassign: bool,
        /// The store: as `rolegate serve`.
        #[command(flatten)]
        store: ServeArgs,
    },
}

/// The backend's key: `ROLEGATE_S3_BACKEND_ACCESS_KEY_ID` and
/// `ROLEGATE_S3_BACKEND_SECRET_ACCESS_KEY`.
pub fn backend_from_env(endpoint: &str, region: &str) -> anyhow::Result<BackendConfig> {
    let id = std::env::var("ROLEGATE_S3_BACKEND_ACCESS_KEY_ID")
        .context("ROLEGATE_S3_BACKEND_ACCESS_KEY_ID is not set")?;
    let secret = std::env::var("ROLEGATE_S3_BACKEND_SECRET_ACCESS_KEY")
        .context("ROLEGATE_S3_BACKEND_SECRET_ACCESS_KEY is not set")?;
    Ok(BackendConfig {
        endpoint: endpoint.to_owned(),
        access_key_id: id,
        secret_access_key: rolegate_sigv4::SecretKey::new(secret),
        region: region.to_owned(),
    })
}

/// `rolegate s3-gateway assign-bucket`.
pub async fn assign_bucket(
    config: &Config,
    bucket: &str,
    account: &str,
    reassign: bool,
) -> anyhow::Result<()> {
    let store = crate::open_store(config).await?;
    if store
        .get(
            rolegate_store::GLOBAL,
            rolegate_store::record::kind::ACCOUNT,
            account,
        )
        .await?
        .is_none()
    {
        anyhow::bail!("there is no account {account}");
    }
    Buckets::new(store)
        .assign(bucket, account, reassign)
        .await
        .map_err(|e| anyhow::anyhow!("assigning {bucket}: {e}"))
}

/// The log filter the gateway runs with: `configured` (`--log`), with `s3s`'s own per-request
/// error lines turned off unless the filter names `s3s` itself. `s3s` logs every refused
/// request — an ordinary 403 AccessDenied, a 404 NoSuchKey from the backend — at ERROR; the
/// gateway logs its own decisions (denials at INFO) and answers of 500 and above at ERROR
/// ([`rolegate_gateway::Gateway::call`]), so nothing that needs attention is lost.
pub fn log_filter(configured: &str) -> String {
    if configured.contains("s3s") {
        configured.to_owned()
    } else if configured.trim().is_empty() {
        "info,s3s::ops=off".to_owned()
    } else {
        format!("{configured},s3s::ops=off")
    }
}

/// The gateway's [`Options`] from `--virtual-host-domain`.
pub fn options(virtual_host_domain: Option<&str>) -> anyhow::Result<Options> {
    Ok(Options {
        virtual_hosts: virtual_host_domain
            .map(VirtualHosts::new)
            .transpose()
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    })
}

/// Opens the store and starts the gateway (path style only). Stops on
/// [`Running::shutdown`], or on SIGTERM/ctrl-c when `signals` is set.
pub async fn start(
    config: Config,
    backend: BackendConfig,
    signals: bool,
) -> anyhow::Result<Running> {
    start_with(config, backend, Options::default(), signals).await
}

/// [`start`] with the gateway's [`Options`].
pub async fn start_with(
    config: Config,
    backend: BackendConfig,
    options: Options,
    signals: bool,
) -> anyhow::Result<Running> {
    let tls = config.tls.as_ref().map(tls::Tls::load).transpose()?;
    let store = crate::open_store(&config).await?;
    let account_id = crate::management_account(&*store, config.account_id.as_deref()).await?;
    let service = Service::new(
        store.clone(),
        config.clock.0.clone(),
        ServiceConfig {
            account_id: account_id.clone(),
            max_staleness: Duration::from_secs(config.max_staleness_seconds),
        },
    );
    let service = Arc::new(if config.audit_trail {
        service.with_audit_trail()
    } else {
        service
    });
    service
        .sync_changes()
        .await
        .map_err(|e| anyhow::anyhow!("change log: {e}"))?;
    let virtual_host = options
        .virtual_hosts
        .as_ref()
        .map(|v| v.domain().to_owned());
    let gateway = Arc::new(Gateway::with_options(
        service.clone(),
        store.clone(),
        &backend,
        options,
    ));
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("binding {}", config.listen))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, backend = %backend.endpoint, store = store.backend(), virtual_host = ?virtual_host, "S3 gateway listening");
    let poller = {
        let service = service.clone();
        let every = Duration::from_secs(config.sync_interval_seconds.max(1));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                if let Err(e) = service.sync_changes().await {
                    tracing::warn!(error = %e, "change log read failed");
                }
            }
        })
    };
    let app = Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .fallback(handle)
        .with_state(gateway);
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
    let metrics = Arc::new(metrics::Metrics::new());
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(async move {
        let stop = async move {
            if signals {
                tokio::select! {
                    _ = rx => {}
                    _ = crate::shutdown_signal() => {}
                }
            } else {
                let _ = rx.await;
            }
        };
        let result = serve::serve(listener, app, metrics, limits, transport, stop).await;
        poller.abort();
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

async fn handle(
    State(gateway): State<Arc<Gateway>>,
    req: http::Request<axum::body::Body>,
) -> axum::response::Response {
    let origin = req
        .extensions()
        .get::<forwarded::ClientOrigin>()
        .map(|o| Origin {
            ip: o.ip,
            secure: o.secure,
        });
    let req = req.map(s3s::Body::http_body_unsync);
    gateway
        .call(req, origin)
        .await
        .map(axum::body::Body::new)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::log_filter;

    #[test]
    fn s3s_request_errors_are_not_logged_as_errors() {
        assert_eq!(log_filter("info"), "info,s3s::ops=off");
        assert_eq!(
            log_filter("warn,rolegate=debug"),
            "warn,rolegate=debug,s3s::ops=off"
        );
        assert_eq!(log_filter(""), "info,s3s::ops=off");
        // An operator who asks for s3s's lines gets them.
        assert_eq!(log_filter("info,s3s=debug"), "info,s3s=debug");
        for f in ["info", "warn,rolegate=debug"] {
            assert!(tracing_subscriber::EnvFilter::try_new(log_filter(f)).is_ok());
        }
    }
}
