//! Encoded authorization messages and DecodeAuthorizationMessage:
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_DecodeAuthorizationMessage.html>.
//!
//! Every AccessDenied from a policy evaluation carries, beside AWS's exact message, an
//! `<EncodedAuthorizationMessage>` element in the error (botocore exposes it as
//! `error.response["Error"]["EncodedAuthorizationMessage"]`): an opaque blob sealed under the
//! session keyring. Only a principal allowed
//! `sts:DecodeAuthorizationMessage` can turn it back into the decision's details (the
//! statements that decided, the principal, action, resource and context). Blobs expire after
//! [`MESSAGE_LIFETIME`].

use rolegate_policy::{Decision, Evaluation, Request};
use rolegate_proto::dto::sts::{DecodeAuthorizationMessageInput, DecodeAuthorizationMessageOutput};
use serde::{Deserialize, Serialize};

use crate::{
    Service,
    error::{Result, ServiceError},
    iam::Ctx,
    ids,
    session::{NONCE, open_bytes, seal_bytes},
};

use crate::handler::{Needs, handlers};

handlers! {
    DecodeAuthorizationMessageInput => DecodeAuthorizationMessageOutput: decode_authorization_message,
        needs |i, _| Needs::any();
}

/// Magic bytes of an encoded authorization message.
const MAGIC: &[u8; 2] = b"RM";
/// How long an encoded message can be decoded.
pub const MESSAGE_LIFETIME: i64 = 7 * 24 * 3600;

/// What an encoded message holds (AWS's decoded JSON shape).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AuthorizationMessage {
    allowed: bool,
    #[serde(rename = "explicitDeny")]
    explicit_deny: bool,
    #[serde(rename = "matchedStatements")]
    matched_statements: Items<MatchedStatement>,
    failures: Items<String>,
    context: MessageContext,
    #[serde(rename = "issuedAt")]
    issued_at: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Items<T> {
    items: Vec<T>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MatchedStatement {
    #[serde(rename = "statementId")]
    statement_id: String,
    effect: String,
    #[serde(rename = "policyType")]
    policy_type: String,
    policy: String,
    index: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MessagePrincipal {
    id: String,
    arn: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Condition {
    key: String,
    values: Items<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Value {
    value: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MessageContext {
    principal: MessagePrincipal,
    action: String,
    resource: String,
    conditions: Items<Condition>,
}

/// Whether a context key describes the resource rather than the caller or the request: its
/// tags in any service (`aws:ResourceTag/…`, `iam:ResourceTag/…`, a resource server's
/// `s3:ExistingObjectTag/…`), its account or organization.
fn reveals_resource(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains(":resourcetag/")
        || k.contains(":existingobjecttag/")
        || k.starts_with("aws:resourceaccount")
        || k.starts_with("aws:resourceorg")
}

/// What is sealed: the message and the account it was issued in (only that account may
/// decode it).
#[derive(Debug, Serialize, Deserialize)]
struct Sealed {
    account: String,
    message: AuthorizationMessage,
}

impl Service {
    /// AccessDenied with AWS's message and the encoded authorization message (absent if it
    /// cannot be sealed).
    pub(crate) async fn denied(
        &self,
        message: String,
        request: &Request<'_>,
        evaluation: &Evaluation,
    ) -> ServiceError {
        let encoded = self.encode_message(request, evaluation).await;
        ServiceError::Denied { message, encoded }
    }

    async fn encode_message(
        &self,
        request: &Request<'_>,
        evaluation: &Evaluation,
    ) -> Option<String> {
        let key = self.sealing_key().await.ok()?;
        // Nothing about the resource: its tags are not the caller's to read (a denied
        // AssumeRole would otherwise hand out another account's role tags).
        let mut conditions: Vec<Condition> = request
            .context
            .iter()
            .filter(|(k, _)| !reveals_resource(k))
            .map(|(k, v)| Condition {
                key: k.to_owned(),
                values: Items {
                    items: v
                        .values()
                        .iter()
                        .map(|x| Value { value: x.clone() })
                        .collect(),
                },
            })
            .collect();
        conditions.sort_by(|a, b| a.key.cmp(&b.key));
        let body = AuthorizationMessage {
            allowed: false,
            explicit_deny: evaluation.decision == Decision::ExplicitDeny,
            matched_statements: Items {
                items: evaluation
                    .matched
                    .iter()
                    .map(|m| MatchedStatement {
                        statement_id: m.sid.clone().unwrap_or_default(),
                        effect: format!("{:?}", m.effect),
                        policy_type: m.policy_type.phrase().to_owned(),
                        policy: m.policy.clone(),
                        index: m.index,
                    })
                    .collect(),
            },
            failures: Items {
                items: evaluation
                    .blame
                    .filter(|_| evaluation.decision == Decision::ImplicitDeny)
                    .map(|b| vec![format!("no {} allows the action", b.phrase())])
                    .unwrap_or_default(),
            },
            context: MessageContext {
                principal: MessagePrincipal {
                    id: request
                        .principal
                        .unique_id
                        .clone()
                        .unwrap_or_else(|| request.principal.account.clone()),
                    arn: request.principal.arn.clone(),
                },
                action: request.action.to_owned(),
                resource: request.resource.to_owned(),
                conditions: Items { items: conditions },
            },
            issued_at: self.now(),
        };
        let sealed = Sealed {
            account: request.principal.account.clone(),
            message: body,
        };
        let mut nonce = [0u8; NONCE];
        serde_json::to_vec(&sealed)
            .ok()
            .filter(|_| ids::random_bytes(&mut nonce).is_ok())
            .and_then(|json| seal_bytes(MAGIC, &json, &key, &nonce).ok())
    }

    pub(crate) async fn decode_authorization_message(
        &self,
        c: &Ctx<'_>,
        i: DecodeAuthorizationMessageInput,
    ) -> Result<DecodeAuthorizationMessageOutput> {
        let invalid = || {
            ServiceError::InvalidAuthorizationMessage(
                "The encoded authorization message is invalid or has expired.".into(),
            )
        };
        let message = i.encoded_message.trim();
        let raw = self
            .open_with_keyring(|keys, named| {
                open_bytes(MAGIC, message, |id| keys.key_noting(id, named))
            })
            .await?
            .map_err(|_| invalid())?;
        let sealed: Sealed = serde_json::from_slice(&raw).map_err(|_| invalid())?;
        // A message of another account is answered exactly like a forged one.
        if sealed.account != c.caller.account {
            return Err(invalid());
        }
        let body = sealed.message;
        if body.issued_at + MESSAGE_LIFETIME < self.now() {
            return Err(invalid());
        }
        let decoded =
            serde_json::to_string(&body).map_err(|e| ServiceError::Internal(e.to_string()))?;
        Ok(DecodeAuthorizationMessageOutput {
            decoded_message: decoded,
        })
    }
}
