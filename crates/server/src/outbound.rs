//! The issuer documents of IAM outbound identity federation, served unsigned at the issuer
//! URL GetWebIdentityToken puts in `iss` (`PUBLIC_URL/outbound/ID`): the OpenID Connect
//! discovery document and the JWKS (public keys only). The service owns what they say
//! (`rolegate_service::iam::outbound_federation`); this is their HTTP edge.
//!
//! <https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig>

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::http::AppState;

/// What relying parties may cache the documents for: as long as a rotated-in key is
/// published before it signs allows (`outbound_federation::PREPUBLISH_SECS`).
static CACHE_CONTROL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "public, max-age={}",
        rolegate_service::iam::outbound_federation::JWKS_MAX_AGE_SECS
    )
});

/// `GET /outbound/{issuer}/.well-known/{openid-configuration | jwks.json}`: 404 for an unknown
/// issuer or document, 503 when the store cannot be read.
pub async fn document(
    State(state): State<Arc<AppState>>,
    Path((issuer, document)): Path<(String, String)>,
) -> Response {
    let found = match document.as_str() {
        "openid-configuration" => state.service.outbound_discovery(&issuer).await,
        "jwks.json" => state.service.outbound_jwks(&issuer).await,
        _ => Ok(None),
    };
    match found {
        Ok(Some(body)) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, CACHE_CONTROL.as_str()),
            ],
            body.to_string(),
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "no such issuer document").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "reading an outbound issuer failed");
            (StatusCode::SERVICE_UNAVAILABLE, "store unreachable").into_response()
        }
    }
}
