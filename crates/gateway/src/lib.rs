//! The S3 gateway: an S3 endpoint in front of any S3 store that accepts Rolegate's
//! credentials (long-term keys and every kind of session), authorizes each request as AWS
//! IAM does for S3 (identity policies, boundaries, session policies, SCPs, bucket policies),
//! and forwards what is allowed to the backend with the backend's own key.
//!
//! Owns: the S3 wire (through `s3s`, pinned at 0.14), authentication of S3 requests
//! ([`authn`]: the session token, which `s3s`'s hook never sees), the operation → action
//! table ([`actions`]), authorization ([`access`]) with objects' current tags read from the
//! backend when a policy asks for them ([`existing_tags`]), bucket ownership and bucket policies
//! ([`buckets`], the only records it writes), and forwarding ([`backend`], `s3s-aws`).
//! Never: opens sockets (the server does), writes IAM state, or forwards a request it has not
//! authorized.
//!
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-iam.html>

pub mod access;
pub mod actions;
pub mod authn;
mod backend;
pub mod buckets;
pub mod existing_tags;
pub mod vhost;

use std::sync::Arc;

use rolegate_service::{RequestEnv, Service};
use rolegate_sigv4::SecretKey;
use rolegate_store::Store;
use s3s::service::{S3Service, S3ServiceBuilder};

pub use access::Origin;
/// The S3 client [`backend_client`] returns.
pub use aws_sdk_s3;
pub use buckets::{Bucket, Buckets};
pub use vhost::VirtualHosts;

use crate::{
    access::{Access, Authorizer, Env},
    authn::{AUTH, Auth, AuthState},
};

/// The backend store and the key the gateway uses with it.
pub struct BackendConfig {
    /// `http://127.0.0.1:8333`.
    pub endpoint: String,
    /// The backend's access key id.
    pub access_key_id: String,
    /// Its secret.
    pub secret_access_key: SecretKey,
    /// The region to sign backend requests for.
    pub region: String,
}

impl std::fmt::Debug for BackendConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendConfig")
            .field("endpoint", &self.endpoint)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// How long the gateway waits for a TCP connection to the backend store.
pub const BACKEND_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// How long the gateway waits for the backend's response to begin, counted from the request
/// (its body's upload included): a backend that stops answering fails the request instead of
/// holding it, and the client's connection, forever. Generous, so that a single large PUT at
/// modest speed still fits; larger objects go in parts.
pub const BACKEND_RESPONSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// A client of the backend, path-style, with the backend's key and the timeouts above.
pub fn backend_client(backend: &BackendConfig) -> aws_sdk_s3::Client {
    let credentials = aws_credential_types::Credentials::from_keys(
        backend.access_key_id.clone(),
        backend.secret_access_key.expose().to_owned(),
        None,
    );
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .endpoint_url(&backend.endpoint)
        .region(aws_sdk_s3::config::Region::new(backend.region.clone()))
        .credentials_provider(credentials)
        .force_path_style(true)
        .timeout_config(
            aws_sdk_s3::config::timeout::TimeoutConfig::builder()
                .connect_timeout(BACKEND_CONNECT_TIMEOUT)
                .read_timeout(BACKEND_RESPONSE_TIMEOUT)
                .build(),
        )
        .request_checksum_calculation(aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// The largest XML body the gateway reads (`s3s` allows 20 MiB by default): room for
/// DeleteObjects' 1000 keys of 1024 bytes each written as XML character references, and for
/// CompleteMultipartUpload's 10,000 parts with their checksums.
pub const MAX_XML_BODY: usize = 8 * 1024 * 1024;

fn s3_config() -> s3s::config::S3Config {
    let mut config = s3s::config::S3Config::default();
    config.xml_max_body_size = MAX_XML_BODY;
    config
}

/// How the gateway reads requests, beyond the backend.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Virtual-hosted-style addressing under this domain (`--virtual-host-domain`); `None`:
    /// path style only.
    pub virtual_hosts: Option<VirtualHosts>,
}

/// The gateway: one per process, shared by every connection.
#[derive(Clone)]
pub struct Gateway {
    service: Arc<Service>,
    s3: S3Service,
    options: Options,
}

impl Gateway {
    /// A gateway over `service` (whose store also holds the bucket records) forwarding to
    /// `backend`, path style only.
    pub fn new(service: Arc<Service>, store: Arc<dyn Store>, backend: &BackendConfig) -> Self {
        Self::with_options(service, store, backend, Options::default())
    }

    /// [`Gateway::new`] with [`Options`].
    pub fn with_options(
        service: Arc<Service>,
        store: Arc<dyn Store>,
        backend: &BackendConfig,
        options: Options,
    ) -> Self {
        let client = backend_client(backend);
        let authorizer = Authorizer {
            service: service.clone(),
            buckets: Buckets::new(store),
            tags: existing_tags::ObjectTags {
                client: client.clone(),
            },
        };
        let mut builder = S3ServiceBuilder::new(backend::Backend {
            proxy: s3s_aws::Proxy::from(client.clone()),
            client,
            authorizer: authorizer.clone(),
        });
        builder.set_config(Arc::new(s3s::config::StaticConfigProvider::new(Arc::new(
            s3_config(),
        ))));
        builder.set_auth(Auth);
        builder.set_access(Access { authorizer });
        if let Some(v) = &options.virtual_hosts {
            builder.set_host(v.clone());
        }
        Gateway {
            service,
            s3: builder.build(),
            options,
        }
    }

    /// Answers one request. `origin` is where it came from (`aws:SourceIp`,
    /// `aws:SecureTransport`); `user_agent` is taken from the request.
    pub async fn call(
        &self,
        req: http::Request<s3s::Body>,
        origin: Option<Origin>,
    ) -> http::Response<s3s::Body> {
        let (mut parts, body) = req.into_parts();
        let now = self.service.now_time();
        let state = authn::resolve(&self.service, &parts, now).await;
        if let Some(e) = state.error() {
            tracing::info!(code = ?e.code(), "S3 request refused at authentication");
            return render(e);
        }
        // With virtual hosting the Host header can name the bucket: it must be signed, or a
        // signed request could be sent on to another bucket.
        if self.options.virtual_hosts.is_some()
            && let AuthState::Resolved(r) = &state
            && !r.host_signed
        {
            tracing::info!("S3 request refused: the Host header is not signed");
            return render(s3s::S3Error::with_message(
                s3s::S3ErrorCode::AccessDenied,
                "There were headers present in the request which were not signed: host",
            ));
        }
        if let AuthState::Resolved(r) = &state {
            let env = RequestEnv {
                request_id: rolegate_service::ids::request_id(),
                source_ip: origin.map(|o| o.ip),
                secure_transport: origin.is_some_and(|o| o.secure),
                user_agent: parts
                    .headers
                    .get(http::header::USER_AGENT)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                region: r.region.clone(),
                now,
            };
            parts.extensions.insert(r.clone());
            parts.extensions.insert(Env { env });
        }
        let req = http::Request::from_parts(parts, body);
        match AUTH.scope(Arc::new(state), self.s3.call(req)).await {
            // `s3s` logs every refused request at ERROR (its lines are off by default in the
            // server, see `log_filter`): the gateway says what needs attention itself.
            Ok(resp) if resp.status().is_server_error() => {
                tracing::error!(
                    status = resp.status().as_u16(),
                    "S3 gateway request answered with a server error"
                );
                resp
            }
            Ok(resp) => {
                tracing::debug!(
                    status = resp.status().as_u16(),
                    "S3 gateway request answered"
                );
                resp
            }
            Err(e) => {
                tracing::error!(error = ?e, "S3 gateway request failed");
                let mut resp = http::Response::new(s3s::Body::empty());
                *resp.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
                resp
            }
        }
    }
}

fn render(e: s3s::S3Error) -> http::Response<s3s::Body> {
    match e.to_http_response() {
        Ok(r) => r,
        Err(_) => {
            let mut resp = http::Response::new(s3s::Body::empty());
            *resp.status_mut() = http::StatusCode::FORBIDDEN;
            resp
        }
    }
}
