//! Calling STS: building the client (credentials, region, endpoint as the SDKs resolve them)
//! and the assume calls.

use aws_config::BehaviorVersion;
use aws_credential_types::{Credentials, provider::SharedCredentialsProvider};
use aws_sdk_sts::{
    error::{ProvideErrorMetadata, SdkError},
    primitives::DateTimeFormat,
    types::{PolicyDescriptorType, Tag},
};

use crate::shell::{Creds, Stash};

/// Where the credentials that call AssumeRole come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Credentials from the environment (the user's own, or set aside by rolegate).
    Env(Stash),
    /// A profile of the shared config and credentials files.
    Profile(String),
    /// No credentials (AssumeRoleWithWebIdentity / AssumeRoleWithSAML).
    Anonymous,
}

impl Source {
    /// A stable description for cache keys (never a secret).
    pub fn describe(&self) -> String {
        match self {
            Source::Env(s) => format!("env:{}", s.key),
            Source::Profile(p) => format!("profile:{p}"),
            Source::Anonymous => "anonymous".into(),
        }
    }
}

/// Region and endpoint overrides.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `--region`.
    pub region: Option<String>,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// The profile whose `region` / `endpoint_url` / services section applies.
    pub profile: Option<String>,
}

/// An STS client for `source`, resolving region and endpoint like the AWS SDKs
/// (`--endpoint-url`, `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL`, profile `endpoint_url` and
/// `services`; region from the flag, `AWS_REGION`/`AWS_DEFAULT_REGION`, the profile, else
/// `us-east-1`).
pub async fn client(source: &Source, target: &Target) -> aws_sdk_sts::Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    let profile = match source {
        Source::Profile(p) => Some(p.clone()),
        _ => target.profile.clone(),
    };
    if let Some(p) = &profile {
        loader = loader.profile_name(p);
    }
    loader = match source {
        Source::Env(s) => loader.credentials_provider(SharedCredentialsProvider::new(
            Credentials::new(&s.key, &s.secret, s.token.clone(), None, "rolegate-source"),
        )),
        Source::Profile(p) => loader.credentials_provider(
            aws_config::profile::ProfileFileCredentialsProvider::builder()
                .profile_name(p)
                .build(),
        ),
        Source::Anonymous => loader.no_credentials(),
    };
    if let Some(r) = &target.region {
        loader = loader.region(aws_config::Region::new(r.clone()));
    }
    if let Some(e) = &target.endpoint_url {
        loader = loader.endpoint_url(e);
    }
    let conf = loader.load().await;
    let mut b = aws_sdk_sts::config::Builder::from(&conf);
    if conf.region().is_none() {
        b = b.region(aws_config::Region::new("us-east-1"));
    }
    aws_sdk_sts::Client::from_conf(b.build())
}

/// `Code: message` of an SDK error (never its request or credentials).
pub fn describe<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
) -> String {
    match e.as_service_error() {
        Some(s) => format!(
            "{}: {}",
            s.code().unwrap_or("Error"),
            s.message().unwrap_or_default()
        ),
        None => match e {
            SdkError::DispatchFailure(_) => "cannot reach the STS endpoint".to_owned(),
            SdkError::TimeoutError(_) => "the STS endpoint timed out".to_owned(),
            _ => format!(
                "request failed: {}",
                aws_sdk_sts::error::DisplayErrorContext(e)
            ),
        },
    }
}

/// What to ask for.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Role ARN.
    pub role_arn: String,
    /// Session name.
    pub session_name: String,
    /// `DurationSeconds`.
    pub duration: Option<i32>,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// MFA serial and code.
    pub mfa: Option<(String, String)>,
    /// Session tags.
    pub tags: Vec<(String, String)>,
    /// Transitive tag keys.
    pub transitive: Vec<String>,
    /// Inline session policy.
    pub policy: Option<String>,
    /// Managed session policies.
    pub policy_arns: Vec<String>,
    /// `SourceIdentity`.
    pub source_identity: Option<String>,
    /// A web identity token (AssumeRoleWithWebIdentity).
    pub web_identity_token: Option<String>,
    /// A SAML assertion and the SAML provider ARN (AssumeRoleWithSAML).
    pub saml: Option<(String, String)>,
}

fn creds(c: Option<&aws_sdk_sts::types::Credentials>) -> anyhow::Result<Creds> {
    let c = c.ok_or_else(|| anyhow::anyhow!("the response carried no credentials"))?;
    Ok(Creds {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: c.secret_access_key().to_owned(),
        session_token: c.session_token().to_owned(),
        expiration: c.expiration().fmt(DateTimeFormat::DateTime)?,
    })
}

fn policy_arns(arns: &[String]) -> Option<Vec<PolicyDescriptorType>> {
    (!arns.is_empty()).then(|| {
        arns.iter()
            .map(|a| PolicyDescriptorType::builder().arn(a).build())
            .collect()
    })
}

/// AssumeRole, AssumeRoleWithWebIdentity or AssumeRoleWithSAML.
pub async fn assume(client: &aws_sdk_sts::Client, r: &Request) -> anyhow::Result<Creds> {
    if let Some(token) = &r.web_identity_token {
        let out = client
            .assume_role_with_web_identity()
            .role_arn(&r.role_arn)
            .role_session_name(&r.session_name)
            .web_identity_token(token)
            .set_duration_seconds(r.duration)
            .set_policy(r.policy.clone())
            .set_policy_arns(policy_arns(&r.policy_arns))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!(describe(&e)))?;
        return creds(out.credentials());
    }
    if let Some((assertion, principal)) = &r.saml {
        let out = client
            .assume_role_with_saml()
            .role_arn(&r.role_arn)
            .principal_arn(principal)
            .saml_assertion(assertion)
            .set_duration_seconds(r.duration)
            .set_policy(r.policy.clone())
            .set_policy_arns(policy_arns(&r.policy_arns))
            .send()
            .await
            .map_err(|e| anyhow::anyhow!(describe(&e)))?;
        return creds(out.credentials());
    }
    let mut req = client
        .assume_role()
        .role_arn(&r.role_arn)
        .role_session_name(&r.session_name)
        .set_duration_seconds(r.duration)
        .set_external_id(r.external_id.clone())
        .set_policy(r.policy.clone())
        .set_policy_arns(policy_arns(&r.policy_arns))
        .set_source_identity(r.source_identity.clone());
    if let Some((serial, code)) = &r.mfa {
        req = req.serial_number(serial).token_code(code);
    }
    for (k, v) in &r.tags {
        req = req.tags(Tag::builder().key(k).value(v).build()?);
    }
    for k in &r.transitive {
        req = req.transitive_tag_keys(k);
    }
    let out = req
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    creds(out.credentials())
}

/// The account of the source credentials (to turn a bare role name into an ARN).
pub async fn account(client: &aws_sdk_sts::Client) -> anyhow::Result<(String, String, String)> {
    let out = client
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| anyhow::anyhow!(describe(&e)))?;
    Ok((
        out.account().unwrap_or_default().to_owned(),
        out.arn().unwrap_or_default().to_owned(),
        out.user_id().unwrap_or_default().to_owned(),
    ))
}
