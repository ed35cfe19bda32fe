//! AssumeRoleWithSAML: <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithSAML.html>.
//!
//! Called without a signature: the SAML response is the credential. The steps, in order:
//! 1. `PrincipalArn` names a SAML provider of the **role's** account; the response is decoded
//!    (size capped first) and verified with that provider's certificates only
//!    (`federation::saml`: one assertion, the element verified is the element read); an
//!    `EncryptedAssertion` is decrypted with the provider's private keys first, and a
//!    provider whose `AssertionEncryptionMode` is `Required` refuses a plaintext one;
//! 2. the assertion's `Issuer` (and the Response's, when it has one) is the provider's
//!    `entityID`; the bearer `SubjectConfirmationData` has a `Recipient` this deployment
//!    accepts (`https://signin.aws.amazon.com/saml`, its regional forms, and the configured
//!    URLs of the deployment) and a `NotOnOrAfter`; every `AudienceRestriction` names an
//!    accepted audience (`urn:amazon:webservices`, the same URLs); `NotBefore` and
//!    `NotOnOrAfter` hold with the configured skew;
//! 3. the `Role` attribute holds the pair (`roleArn,providerArn`, either order) of the
//!    request; `RoleSessionName`, `SourceIdentity`, `PrincipalTag:*`, `TransitiveTagKeys`
//!    and `SessionDuration` attributes are read;
//! 4. the role's trust policy, with `Federated` = the provider's ARN, for
//!    `sts:AssumeRoleWithSAML` (and `sts:TagSession`, `sts:SetSourceIdentity` when used) with
//!    the `SAML:*` keys (`SAML:aud`, `:sub`, `:sub_type`, `:iss`, `:namequalifier`, `:doc` and
//!    the attribute keys AWS documents). A role that does not exist is denied like one that
//!    does not trust the provider;
//! 5. the assertion's ID is used once: a record in the store (shared by every node) keyed by
//!    issuer and ID, kept until the assertion expires; a second use is refused;
//! 6. duration (the lesser of the requested one and `SessionNotOnOrAfter`), session policies,
//!    packed size; the session (a role session carrying the provider and the subject).
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_saml.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-saml>

use base64::Engine as _;
use rolegate_policy::{
    ContextValue,
    request::{Principal, PrincipalKind},
};
use rolegate_proto::dto::sts::{
    AssumeRoleWithSAMLInput, AssumeRoleWithSAMLOutput, AssumedRoleUser,
};
use rolegate_store::record;

use super::{Draft, packed_size};
use crate::{
    RequestEnv, Service,
    error::{Result, ServiceError},
    federation::saml::{self, DecryptionKey, SamlError, SigningCert, Verified},
    handler::UnsignedHandler,
    iam::{key_of, saml_providers},
    session::SessionPrincipal,
};

impl UnsignedHandler for AssumeRoleWithSAMLInput {
    type Output = AssumeRoleWithSAMLOutput;
    fn handle<'a>(
        self,
        service: &'a Service,
        env: &'a RequestEnv,
    ) -> impl Future<Output = Result<Self::Output>> + Send + 'a {
        service.assume_role_with_saml(env, self)
    }
}

/// Default session duration.
const DEFAULT_DURATION: i64 = 3600;
/// The attributes AWS reads.
const ATTR: &str = "https://aws.amazon.com/SAML/Attributes/";
/// The AWS sign-in endpoint, the default `Recipient`.
pub const AWS_SIGNIN: &str = "https://signin.aws.amazon.com/saml";
/// The AWS service provider's entity ID, the default `Audience`.
pub const AWS_AUDIENCE: &str = "urn:amazon:webservices";
const NAMEID_PREFIX: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:";

/// The `Recipient`s and `Destination`s accepted: AWS's sign-in endpoint, global or of any
/// region (`https://REGION.signin.aws.amazon.com/saml`: an unsigned call names no region,
/// and every region's endpoint is AWS's as much as the global one), and `--saml-url`.
struct Accepted<'a> {
    urls: &'a [String],
}

impl Accepted<'_> {
    fn accepts(&self, url: &str) -> bool {
        url == AWS_SIGNIN || self.urls.iter().any(|u| u == url) || is_regional_signin(url)
    }
}

/// `https://REGION.signin.aws.amazon.com/saml` with a region name in AWS's form
/// (`us-east-1`, `ap-southeast-2`, `us-gov-west-1`).
fn is_regional_signin(url: &str) -> bool {
    let Some(region) = url
        .strip_prefix("https://")
        .and_then(|r| r.strip_suffix(".signin.aws.amazon.com/saml"))
    else {
        return false;
    };
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts.iter().all(|p| !p.is_empty())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
}

/// Attributes that are `SAML:*` condition keys (AWS's list), by attribute name (OID URN):
/// the key and whether it is multivalued.
const ATTRIBUTE_KEYS: &[(&str, &str, bool)] = &[
    ("urn:oid:2.5.4.3", "SAML:cn", false),
    ("urn:oid:2.5.4.42", "SAML:givenName", false),
    ("urn:oid:2.5.4.4", "SAML:surname", false),
    ("urn:oid:0.9.2342.19200300.100.1.3", "SAML:mail", false),
    ("urn:oid:0.9.2342.19200300.100.1.1", "SAML:uid", false),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.1",
        "SAML:edupersonaffiliation",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.2",
        "SAML:edupersonnickname",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.3",
        "SAML:edupersonorgdn",
        false,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.4",
        "SAML:edupersonorgunitdn",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.5",
        "SAML:edupersonprimaryaffiliation",
        false,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.6",
        "SAML:edupersonprincipalname",
        false,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.7",
        "SAML:edupersonentitlement",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.8",
        "SAML:edupersonprimaryorgunitdn",
        false,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.9",
        "SAML:edupersonscopedaffiliation",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.10",
        "SAML:edupersontargetedid",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.11",
        "SAML:edupersonassurance",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.2.1.2",
        "SAML:eduorghomepageuri",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.2.1.3",
        "SAML:eduorgidentityauthnpolicyuri",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.2.1.4",
        "SAML:eduorglegalname",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.2.1.5",
        "SAML:eduorgsuperioruri",
        true,
    ),
    (
        "urn:oid:1.3.6.1.4.1.5923.1.2.1.6",
        "SAML:eduorgwhitepagesuri",
        true,
    ),
];

fn invalid(message: impl Into<String>) -> ServiceError {
    ServiceError::InvalidIdentityToken(message.into())
}

const NOT_VALID: &str = "Invalid SAML response: the assertion could not be validated.";

/// `SubjectType`: the NameID format without AWS's prefix (`persistent`, `transient`), other
/// formats verbatim (`urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified` when none).
pub fn subject_type(format: Option<&str>) -> String {
    let f = format.unwrap_or("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified");
    f.strip_prefix(NAMEID_PREFIX)
        .filter(|s| *s == "persistent" || *s == "transient")
        .unwrap_or(f)
        .to_owned()
}

/// `NameQualifier`: `BASE64(SHA1(Issuer + AccountId + "/" + ProviderName))`, as AWS computes
/// it (a stable pseudonym of the provider within the account).
pub fn name_qualifier(issuer: &str, account: &str, provider_name: &str) -> String {
    let d = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
        format!("{issuer}{account}/{provider_name}").as_bytes(),
    );
    base64::engine::general_purpose::STANDARD.encode(d.as_ref())
}

/// The role ARNs the `Role` attribute pairs with `provider` (each value `role,provider` or
/// `provider,role`, whitespace around the parts ignored).
fn roles_for<'a>(values: &'a [String], provider: &str) -> Vec<&'a str> {
    values
        .iter()
        .filter_map(|v| {
            let (a, b) = v.split_once(',')?;
            let (a, b) = (a.trim(), b.trim());
            if b == provider && a.contains(":role/") {
                Some(a)
            } else if a == provider && b.contains(":role/") {
                Some(b)
            } else {
                None
            }
        })
        .collect()
}

/// Session tags (key, value) and transitive keys from the attributes.
type SessionTags = (Vec<(String, String)>, Vec<String>);

fn session_tags(v: &Verified) -> Result<SessionTags> {
    let bad = |why: &str| invalid(format!("Invalid SAML response: {why}"));
    let mut tags = Vec::new();
    for a in &v.attributes {
        let Some(key) = a.name.strip_prefix(&format!("{ATTR}PrincipalTag:")) else {
            continue;
        };
        let [value] = &a.values[..] else {
            return Err(bad("a PrincipalTag attribute must have exactly one value"));
        };
        tags.push(rolegate_proto::dto::shapes::Tag {
            key: key.to_owned(),
            value: value.clone(),
        });
    }
    let transitive: Vec<String> = v
        .attribute(&format!("{ATTR}TransitiveTagKeys"))
        .map(<[String]>::to_vec)
        .unwrap_or_default();
    if tags.len() > crate::iam::MAX_TAGS || transitive.len() > crate::iam::MAX_TAGS {
        return Err(bad("too many session tags"));
    }
    let malformed = tags.iter().any(|t| {
        t.key.is_empty()
            || t.key.chars().count() > 128
            || t.value.chars().count() > 256
            || !rolegate_proto::constraint::Pattern::TagKey.matches(&t.key)
            || !rolegate_proto::constraint::Pattern::TagValue.matches(&t.value)
    });
    if malformed {
        return Err(bad("a PrincipalTag attribute is not a valid tag"));
    }
    super::check_session_tags(&tags).map_err(|_| bad("the session tags are not valid"))?;
    for k in &transitive {
        if !tags.iter().any(|t| crate::iam::same_tag_key(&t.key, k)) {
            return Err(bad("a TransitiveTagKeys value is not a session tag"));
        }
    }
    Ok((crate::authorize::tags(&tags), transitive))
}

impl Service {
    /// Recipients and audiences this deployment accepts.
    fn saml_accepted(&self) -> (Accepted<'_>, Vec<String>) {
        let mut audiences = vec![AWS_AUDIENCE.to_owned(), AWS_SIGNIN.to_owned()];
        audiences.extend(self.federation.saml_urls.iter().cloned());
        (
            Accepted {
                urls: &self.federation.saml_urls,
            },
            audiences,
        )
    }

    pub(crate) async fn assume_role_with_saml(
        &self,
        env: &RequestEnv,
        i: AssumeRoleWithSAMLInput,
    ) -> Result<AssumeRoleWithSAMLOutput> {
        let not_authorized = || {
            ServiceError::AccessDenied("Not authorized to perform sts:AssumeRoleWithSAML".into())
        };
        let Some((account, path, name)) = super::web_identity::parse_role_arn(&i.role_arn) else {
            return Err(not_authorized());
        };

        // 1. The provider (of the role's account) and the signature.
        let provider = match saml_providers::provider_key(&account, &i.principal_arn) {
            Some(k) => {
                self.cache
                    .get::<record::SamlProvider>(&*self.store, &account, &k)
                    .await?
            }
            None => None,
        }
        .ok_or_else(|| {
            invalid(format!(
                "SAML provider {} does not exist in the account of the role",
                i.principal_arn
            ))
        })?;
        let provider_arn = saml_providers::provider_arn(&account, &provider.name);
        // Metadata past its validUntil no longer vouches for the keys it lists.
        if provider
            .valid_until
            .is_some_and(|t| env.now.unix_timestamp() >= t)
        {
            return Err(invalid(format!(
                "The metadata of SAML provider {provider_arn} expired (validUntil); update the provider with current metadata."
            )));
        }
        let certs: Vec<SigningCert> = provider
            .certificates
            .iter()
            .filter_map(|c| base64::engine::general_purpose::STANDARD.decode(c).ok())
            .filter_map(|d| SigningCert::from_der(&d))
            .collect();
        let allow_sha1 = saml_providers::allows_sha1(&provider);
        let require_encryption = saml_providers::requires_encryption(&provider);
        // Keys were checked when added; one that no longer reads decrypts nothing.
        let keys: Vec<DecryptionKey> = provider
            .private_keys
            .iter()
            .filter_map(|k| self.saml_keys.get(k.pem.expose()).ok())
            .collect();
        let assertion = i.saml_assertion.expose().to_owned();
        // The XML work is CPU-bound: off the async workers.
        let outcome = tokio::task::spawn_blocking(move || {
            saml::decode(&assertion).and_then(|xml| {
                saml::verify_with(
                    xml,
                    &saml::Trust {
                        certs: &certs,
                        keys: &keys,
                        require_encryption,
                        allow_sha1,
                    },
                )
            })
        })
        .await
        .map_err(|_| ServiceError::Internal("SAML verification task failed".into()))?;
        let v = match outcome {
            Ok(v) => v,
            Err(SamlError::Status) => {
                return Err(ServiceError::IdpRejectedClaim(
                    "The identity provider did not report a successful authentication (Status is not Success).".into(),
                ));
            }
            Err(e) => {
                tracing::info!(request_id = %env.request_id, provider = %provider_arn, reason = ?e, "SAML response refused");
                return Err(invalid(NOT_VALID));
            }
        };

        // 2. Issuer, recipient, audience, dates.
        let issuer_ok = v.issuer == provider.entity_id
            && v.response_issuer
                .as_ref()
                .is_none_or(|r| *r == provider.entity_id);
        if !issuer_ok {
            tracing::info!(request_id = %env.request_id, provider = %provider_arn, issuer = %v.issuer, "SAML issuer is not the provider's entityID");
            return Err(invalid(
                "Invalid SAML response: the Issuer is not the entityID of the SAML provider.",
            ));
        }
        let (recipients, audiences) = self.saml_accepted();
        if v.destination
            .as_ref()
            .is_some_and(|d| !recipients.accepts(d))
        {
            return Err(invalid(
                "Invalid SAML response: the Destination is not this endpoint.",
            ));
        }
        let now = env.now.unix_timestamp();
        let skew = i64::try_from(self.federation.clock_skew.as_secs()).unwrap_or(60);
        let confirmation = v
            .confirmations
            .iter()
            .find(|c| c.recipient.as_ref().is_some_and(|r| recipients.accepts(r)))
            .ok_or_else(|| {
                invalid("Invalid SAML response: no bearer SubjectConfirmationData has a Recipient this endpoint accepts.")
            })?;
        let audience = confirmation.recipient.clone().unwrap_or_default();
        let sc_expiry = confirmation.not_on_or_after.ok_or_else(|| {
            invalid("Invalid SAML response: the SubjectConfirmationData has no NotOnOrAfter.")
        })?;
        // AWS requires the Audience (`urn:amazon:webservices`): an assertion that names no
        // audience was not issued for this service provider in particular.
        if v.audience_restrictions.is_empty() {
            return Err(invalid(
                "Invalid SAML response: the assertion has no AudienceRestriction.",
            ));
        }
        for restriction in &v.audience_restrictions {
            if !restriction.iter().any(|a| audiences.contains(a)) {
                return Err(invalid(
                    "Invalid SAML response: the Audience is not this service provider.",
                ));
            }
        }
        let expiry = v.not_on_or_after.map_or(sc_expiry, |c| c.min(sc_expiry));
        if now >= expiry.saturating_add(skew) {
            return Err(ServiceError::ExpiredTokenException(format!(
                "Token expired: current date/time {now} must be before the expiration date/time{expiry}"
            )));
        }
        let not_before = v
            .not_before
            .into_iter()
            .chain(confirmation.not_before)
            .max();
        if not_before.is_some_and(|nb| nb > now.saturating_add(skew)) {
            return Err(invalid(
                "Invalid SAML response: the assertion is not yet valid (NotBefore).",
            ));
        }
        if v.subject.is_empty() || v.subject.chars().count() > 1024 {
            return Err(invalid(
                "Invalid SAML response: the NameID is empty or too long.",
            ));
        }

        // 3. Attributes.
        let roles = roles_for(
            v.attribute(&format!("{ATTR}Role")).unwrap_or_default(),
            &provider_arn,
        );
        let session_name = match v.attribute(&format!("{ATTR}RoleSessionName")) {
            Some([s])
                if (2..=64).contains(&s.chars().count())
                    && rolegate_proto::constraint::Pattern::NameOrEmpty.matches(s) =>
            {
                s.clone()
            }
            Some(_) => {
                return Err(invalid(
                    "Invalid SAML response: RoleSessionName must be 2 to 64 characters of [\\w+=,.@-].",
                ));
            }
            None => {
                return Err(invalid(
                    "Invalid SAML response: the https://aws.amazon.com/SAML/Attributes/RoleSessionName attribute is required.",
                ));
            }
        };
        let source_identity = match v.attribute(&format!("{ATTR}SourceIdentity")) {
            None => None,
            Some([s])
                if (2..=64).contains(&s.chars().count())
                    && rolegate_proto::constraint::Pattern::NameOrEmpty.matches(s)
                    && !s.to_ascii_lowercase().starts_with("aws:") =>
            {
                Some(s.clone())
            }
            Some(_) => {
                return Err(invalid(
                    "Invalid SAML response: the SourceIdentity attribute is not valid.",
                ));
            }
        };
        let requested_duration = match v.attribute(&format!("{ATTR}SessionDuration")) {
            None => None,
            Some([d]) => match d.trim().parse::<i64>() {
                Ok(n) if (900..=43_200).contains(&n) => Some(n),
                _ => {
                    return Err(invalid(
                        "Invalid SAML response: SessionDuration must be 900 to 43200.",
                    ));
                }
            },
            Some(_) => {
                return Err(invalid(
                    "Invalid SAML response: SessionDuration must have one value.",
                ));
            }
        };
        let (tags, transitive) = session_tags(&v)?;

        // 4. The trust policy.
        let role = self
            .cache
            .get::<record::Role>(&*self.store, &account, &key_of(&name))
            .await?
            .filter(|r| r.path == path);
        let role_arn = role.as_ref().map_or_else(
            || i.role_arn.clone(),
            |r| crate::iam::arn(&account, "role", &r.path, &r.name),
        );
        // The IdP must name the role it lets this subject into (as the request spells it, or
        // as it is stored).
        if !roles.iter().any(|r| *r == i.role_arn || *r == role_arn) {
            tracing::info!(request_id = %env.request_id, provider = %provider_arn, subject = %v.subject, role = %i.role_arn, "SAML Role attribute does not name the role with this provider");
            return Err(not_authorized());
        }
        let trust = match &role {
            Some(r) => Some(self.trust_policy(r)?),
            None => None,
        };
        let principal = Principal {
            account: String::new(),
            arn: provider_arn.clone(),
            kind: PrincipalKind::Anonymous,
            unique_id: None,
            role_arn: None,
            federated: Some(provider_arn.clone()),
            service: None,
        };
        let qualifier = name_qualifier(&v.issuer, &account, &provider.name);
        let sub_type = subject_type(v.subject_format.as_deref());
        let mut context = rolegate_policy::Context::default();
        let s = |x: &str| ContextValue::single(x);
        context.insert(
            "aws:CurrentTime",
            s(&rolegate_proto::xml::timestamp(env.now)),
        );
        context.insert("aws:EpochTime", s(&now.to_string()));
        context.insert("aws:SecureTransport", s(&env.secure_transport.to_string()));
        context.insert("aws:RequestedRegion", s(&env.region));
        if let Some(ip) = env.source_ip {
            context.insert("aws:SourceIp", s(&ip.to_string()));
        }
        if let Some(ua) = &env.user_agent {
            context.insert("aws:UserAgent", s(ua));
        }
        context.insert("aws:FederatedProvider", s(&provider_arn));
        context.insert("sts:RoleSessionName", s(&session_name));
        context.insert("SAML:aud", s(&audience));
        context.insert("SAML:sub", s(&v.subject));
        context.insert("SAML:sub_type", s(&sub_type));
        context.insert("SAML:iss", s(&v.issuer));
        context.insert("SAML:namequalifier", s(&qualifier));
        context.insert("SAML:doc", s(&format!("{account}/{}", provider.name)));
        for (attr, key, multi) in ATTRIBUTE_KEYS {
            if let Some(values) = v.attribute(attr) {
                let value = if *multi {
                    ContextValue::Multi(values.to_vec())
                } else {
                    match values {
                        [one] => s(one),
                        _ => ContextValue::Multi(values.to_vec()),
                    }
                };
                context.insert(key, value);
            }
        }
        if let Some(action) = super::web_identity::trust_denies(
            "sts:AssumeRoleWithSAML",
            &mut context,
            source_identity.as_deref(),
            &tags,
            &transitive,
            role.as_deref(),
            trust.as_deref(),
            &role_arn,
            &principal,
        ) {
            tracing::info!(
                request_id = %env.request_id,
                provider = %provider_arn,
                subject = %v.subject,
                action,
                role = %i.role_arn,
                role_exists = role.is_some(),
                "assume role with SAML denied"
            );
            return Err(not_authorized());
        }
        let Some(role) = role else {
            return Err(not_authorized());
        };

        // 6 (checked before 5, which writes). Duration, session policies, packed size.
        // DurationSeconds above the role's maximum fails (as AWS documents); the IdP's
        // SessionDuration attribute is the IdP's wish and is held to the role's maximum.
        let duration = i.duration_seconds.unwrap_or_else(|| {
            requested_duration.map_or(DEFAULT_DURATION, |d| d.min(role.max_session_duration))
        });
        if duration > role.max_session_duration {
            return Err(ServiceError::Validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                    .into(),
            ));
        }
        let duration = match v.session_not_on_or_after {
            Some(t) if t - now < duration => {
                if t <= now {
                    return Err(ServiceError::ExpiredTokenException(format!(
                        "Token expired: current date/time {now} must be before the expiration date/time{t}"
                    )));
                }
                t - now
            }
            _ => duration,
        };
        let policies = self
            .session_policies(&account, i.policy.as_deref(), &i.policy_arns)
            .await?;
        let packed = if policies.carried.is_some() || !tags.is_empty() {
            Some(packed_size(policies.chars, &tags)?)
        } else {
            None
        };

        // 5. One use per assertion, across every node.
        self.consume_assertion(&account, &v.issuer, &v.id, expiry.saturating_add(skew), now)
            .await?;

        let (credentials, _) = self
            .issue(Draft {
                account: account.clone(),
                principal: SessionPrincipal::WebIdentity {
                    id: role.id.clone(),
                    name: role.name.clone(),
                    path: role.path.clone(),
                    session: session_name.clone(),
                    provider: provider_arn.clone(),
                    subject: v.subject.clone(),
                },
                duration,
                source_identity: source_identity.clone(),
                tags,
                transitive,
                policies: policies.carried,
                mfa_at: None,
                parent: None,
                long_term_key: None,
            })
            .await?;
        tracing::info!(
            request_id = %env.request_id,
            provider = %provider_arn,
            subject = %v.subject,
            role = %role_arn,
            session = %session_name,
            "SAML session issued"
        );
        Ok(AssumeRoleWithSAMLOutput {
            credentials,
            assumed_role_user: AssumedRoleUser {
                assumed_role_id: format!("{}:{}", role.id, session_name),
                arn: crate::iam::sts_arn(
                    &account,
                    &format!("assumed-role/{}/{}", role.name, session_name),
                ),
            },
            packed_policy_size: packed,
            subject: v.subject,
            subject_type: sub_type,
            issuer: v.issuer,
            audience,
            name_qualifier: qualifier,
            source_identity,
        })
    }

    /// Records that an assertion was used; `InvalidIdentityToken` when it already was (and
    /// has not expired). The record's key is a digest of issuer and ID, so any ID fits.
    async fn consume_assertion(
        &self,
        account: &str,
        issuer: &str,
        id: &str,
        expires: i64,
        now: i64,
    ) -> Result<()> {
        let d = aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            format!("{issuer}\n{id}").as_bytes(),
        );
        let key = hex::encode(d.as_ref());
        self.retry(|| async {
            let mut tx = self.tx();
            if let Some(used) = tx.get::<record::SamlAssertionUse>(account, &key).await?
                && used.expires > now
            {
                return Err(invalid(
                    "Invalid SAML response: this assertion has already been used.",
                ));
            }
            tx.put(account, &key, &record::SamlAssertionUse { expires })?;
            tx.commit().await
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn regional_signin_recipients_in_aws_form_only() {
        for ok in [
            "https://us-east-1.signin.aws.amazon.com/saml",
            "https://ap-southeast-2.signin.aws.amazon.com/saml",
            "https://us-gov-west-1.signin.aws.amazon.com/saml",
        ] {
            assert!(is_regional_signin(ok), "{ok}");
        }
        for bad in [
            "https://signin.aws.amazon.com/saml",
            "https://evil.example/.signin.aws.amazon.com/saml",
            "https://us-east-1.evil.signin.aws.amazon.com/saml",
            "http://us-east-1.signin.aws.amazon.com/saml",
            "https://us-east-x.signin.aws.amazon.com/saml",
            "https://us--1.signin.aws.amazon.com/saml",
            "https://us-east-1.signin.aws.amazon.com/saml/",
        ] {
            assert!(!is_regional_signin(bad), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn subject_types() {
        assert_eq!(
            subject_type(Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")),
            "persistent"
        );
        assert_eq!(
            subject_type(Some("urn:oasis:names:tc:SAML:2.0:nameid-format:transient")),
            "transient"
        );
        assert_eq!(
            subject_type(Some(
                "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
            )),
            "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
        );
    }

    #[test]
    fn role_pairs_in_either_order() {
        let p = "arn:aws:iam::123456789012:saml-provider/Okta";
        let values = vec![
            format!("arn:aws:iam::123456789012:role/a,{p}"),
            format!("{p}, arn:aws:iam::123456789012:role/b"),
            "arn:aws:iam::123456789012:role/c,arn:aws:iam::123456789012:saml-provider/Other"
                .to_owned(),
        ];
        assert_eq!(
            roles_for(&values, p),
            [
                "arn:aws:iam::123456789012:role/a",
                "arn:aws:iam::123456789012:role/b"
            ]
        );
    }

    #[test]
    fn name_qualifier_is_awss_formula() {
        // BASE64(SHA1("https://idp.example.com/saml" + "123456789012" + "/" + "Okta")).
        let q = name_qualifier("https://idp.example.com/saml", "123456789012", "Okta");
        let d = aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY,
            b"https://idp.example.com/saml123456789012/Okta",
        );
        assert_eq!(
            q,
            base64::engine::general_purpose::STANDARD.encode(d.as_ref())
        );
        assert_eq!(q.len(), 28);
    }
}
