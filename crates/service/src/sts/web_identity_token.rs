//! GetWebIdentityToken: a signed JWT that states the caller's identity to an external
//! service, for accounts that enabled outbound identity federation
//! (`iam/outbound_federation`, which owns the issuer and its keys).
//!
//! - **Who**: an IAM user or the root with long-term keys, or a role session (STS's rule for
//!   sessions); needs `sts:GetWebIdentityToken` (`*`) with `sts:IdentityTokenAudience`
//!   (multivalued), `sts:SigningAlgorithm`, `sts:DurationSeconds` (the effective value, 300
//!   when not given) and the request's tags; tags also need `sts:TagGetWebIdentityToken`.
//! - **Refused**: the feature disabled (`OutboundWebIdentityFederationDisabledException`); a
//!   session whose token would outlive it (`SessionDurationEscalationException`); claims over
//!   [`MAX_PAYLOAD_BYTES`] (`JWTPayloadSizeExceededException`); an audience outside 1–1000
//!   characters, an algorithm other than `RS256`/`ES384`, a duration outside 60–3600
//!   (`ValidationError`).
//! - **Claims**: `iss` (the account's issuer), `sub` (the principal's ARN: for a role
//!   session, the role's), `aud` (one audience: a string; several: an array), `iat`, `exp`,
//!   `jti` (a UUID), and under `https://sts.amazonaws.com/`: `aws_account`, `source_region`,
//!   `principal_id` (the caller's ARN as `sub`), `org_id` and `ou_path` for an account of the
//!   organization, `principal_tags` (`aws:PrincipalTag`) and `request_tags` when there are any.
//!   Header: `alg`, `kid` (the signing key's thumbprint), `typ: JWT`.
//! - The token is a secret output member: the audit trail and logs record the call without it.
//!
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_GetWebIdentityToken.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound_token_claims.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_outbound_policies.html>

use base64::Engine as _;
use rolegate_proto::{
    Secret,
    dto::sts::{GetWebIdentityTokenInput, GetWebIdentityTokenOutput},
};
use serde_json::{Map, Value, json};

use super::check_session_tags;
use crate::{
    Service,
    error::{Result, ServiceError},
    handler::{Needs, handlers},
    iam::{Ctx, ts},
    ids,
};

handlers! {
    GetWebIdentityTokenInput => GetWebIdentityTokenOutput: get_web_identity_token,
        needs |i, _| Needs::any()
            .tags(&i.tags)
            .key("sts:SigningAlgorithm", i.signing_algorithm.as_str())
            .key("sts:DurationSeconds", duration(i).to_string())
            .multi_key("sts:IdentityTokenAudience", &i.audience);
}

/// Token lifetime when `DurationSeconds` is not given.
pub const DEFAULT_DURATION: i64 = 300;

/// The namespace of AWS's own claims.
pub const NAMESPACE: &str = "https://sts.amazonaws.com/";

/// The largest claims set issued, in bytes of JSON (AWS names no figure; ten 1000-character
/// audiences and a few dozen tags fit).
pub const MAX_PAYLOAD_BYTES: usize = 16 * 1024;

fn duration(i: &GetWebIdentityTokenInput) -> i64 {
    i.duration_seconds.unwrap_or(DEFAULT_DURATION)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn check_audiences(audiences: &[String]) -> Result<()> {
    if audiences
        .iter()
        .any(|a| a.is_empty() || a.chars().count() > 1000)
    {
        return Err(ServiceError::Validation(
            "1 validation error detected: Value at 'audience' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 1000, Member must have length greater than or equal to 1]".into(),
        ));
    }
    Ok(())
}

fn tag_map(tags: impl IntoIterator<Item = (String, String)>) -> Map<String, Value> {
    tags.into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect()
}

impl Service {
    pub(crate) async fn get_web_identity_token(
        &self,
        c: &Ctx<'_>,
        i: GetWebIdentityTokenInput,
    ) -> Result<GetWebIdentityTokenOutput> {
        let caller = c.caller;
        let account = caller.account.as_str();
        check_audiences(&i.audience)?;
        check_session_tags(&i.tags)?;
        if !i.tags.is_empty() {
            self.authorize_action(c, "sts:TagGetWebIdentityToken", "*", &i.tags)
                .await?;
        }
        let record = self
            .outbound_federation(&mut self.tx(), account)
            .await?
            .filter(|r| r.enabled)
            .ok_or_else(|| {
                ServiceError::OutboundWebIdentityFederationDisabled(
                    "The outbound web identity federation feature is not enabled for this account."
                        .into(),
                )
            })?;
        let now = c.env.now.unix_timestamp();
        let expires = now + duration(&i);
        if let Some(session) = &caller.session
            && expires > session.expires
        {
            return Err(ServiceError::SessionDurationEscalation(
                "The requested token duration would extend the session beyond its original expiration time."
                    .into(),
            ));
        }
        let key =
            crate::iam::outbound_federation::signing_key(&record.keys, &i.signing_algorithm, now)
                .ok_or_else(|| ServiceError::Internal("no current outbound signing key".into()))?;

        let held = self.held(caller).await?;
        let subject = caller.principal_arn();
        let mut aws = Map::new();
        aws.insert("aws_account".into(), json!(account));
        aws.insert("source_region".into(), json!(c.env.region));
        aws.insert("principal_id".into(), json!(subject));
        if let Some(f) = held
            .organization
            .as_deref()
            .and_then(|o| crate::organizations::facts(o, account))
        {
            aws.insert("org_id".into(), json!(f.id));
            aws.insert("ou_path".into(), json!(f.path));
        }
        if !held.tags.is_empty() {
            aws.insert(
                "principal_tags".into(),
                Value::Object(tag_map(held.tags.clone())),
            );
        }
        if !i.tags.is_empty() {
            aws.insert(
                "request_tags".into(),
                Value::Object(tag_map(
                    i.tags.iter().map(|t| (t.key.clone(), t.value.clone())),
                )),
            );
        }
        let audience = match i.audience.as_slice() {
            [one] => json!(one),
            many => json!(many),
        };
        let claims = json!({
            "iss": self.issuer_url(&record.issuer_id),
            "sub": subject,
            "aud": audience,
            "iat": now,
            "exp": expires,
            "jti": ids::uuid()?,
            NAMESPACE: Value::Object(aws),
        });
        let payload = serde_json::to_vec(&claims)
            .map_err(|e| ServiceError::Internal(format!("claims: {e}")))?;
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(ServiceError::JwtPayloadSizeExceeded(
                "The requested token payload size exceeds the maximum allowed size.".into(),
            ));
        }
        let header = json!({ "alg": key.alg, "kid": key.kid, "typ": "JWT" });
        let signing_input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(&payload));
        let signature = crate::iam::outbound_federation::sign(key, signing_input.as_bytes())?;
        Ok(GetWebIdentityTokenOutput {
            web_identity_token: Secret::new(format!("{signing_input}.{}", b64(&signature))),
            expiration: ts(expires),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audiences_are_one_to_a_thousand_characters() {
        assert!(check_audiences(&["a".into(), "é".repeat(1000)]).is_ok());
        assert!(check_audiences(&[String::new()]).is_err());
        assert!(check_audiences(&["a".repeat(1001)]).is_err());
    }
}
