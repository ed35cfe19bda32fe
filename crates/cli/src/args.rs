//! The client commands and what each does, step by step.

use std::io::{BufRead, Write};

use clap::{Args, Subcommand};

use crate::{
    cache, profile,
    shell::{self, Creds, Shell, Stash},
    sts::{self, Request, Source, Target},
};

/// Client commands of the `rolegate` binary.
#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Print shell code that switches this shell to a role's credentials:
    /// `eval "$(rolegate assume --role ARN)"`.
    Assume(AssumeArgs),
    /// Run a command with a role's credentials and pass its exit code through.
    Exec(ExecArgs),
    /// Print credential_process JSON for `credential_process = rolegate credential-process …`.
    CredentialProcess(RoleArgs),
    /// Who the current credentials belong to, and how long they last.
    Whoami(WhoamiArgs),
    /// Print a shell function so that `assume ROLE` switches roles.
    ShellInit {
        /// bash, zsh, fish or powershell.
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// Options shared by every command that assumes a role.
#[derive(Debug, Clone, Args)]
pub struct RoleArgs {
    /// Role ARN, a profile name from ~/.aws/config (role_arn, source_profile, external_id,
    /// mfa_serial, duration_seconds, role_session_name), or a role name in the source
    /// credentials' account.
    #[arg(long)]
    pub role: String,
    /// RoleSessionName (default: rolegate-<unix time>).
    #[arg(long)]
    pub session_name: Option<String>,
    /// DurationSeconds.
    #[arg(long)]
    pub duration: Option<i32>,
    /// ExternalId.
    #[arg(long)]
    pub external_id: Option<String>,
    /// MFA device serial number (ARN); the code comes from --token-code or a prompt on /dev/tty.
    #[arg(long)]
    pub mfa_serial: Option<String>,
    /// The 6-digit MFA code.
    #[arg(long)]
    pub token_code: Option<String>,
    /// Session tag `K=V` (repeatable).
    #[arg(long = "tag", value_name = "K=V")]
    pub tags: Vec<String>,
    /// Transitive tag key (repeatable).
    #[arg(long = "transitive-tag", value_name = "K")]
    pub transitive: Vec<String>,
    /// Session policy document file.
    #[arg(long)]
    pub policy: Option<std::path::PathBuf>,
    /// Managed session policy ARN (repeatable).
    #[arg(long = "policy-arn")]
    pub policy_arns: Vec<String>,
    /// SourceIdentity.
    #[arg(long)]
    pub source_identity: Option<String>,
    /// Source profile for the calling credentials.
    #[arg(long)]
    pub profile: Option<String>,
    /// Region.
    #[arg(long)]
    pub region: Option<String>,
    /// STS endpoint (else AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Call AssumeRoleWithWebIdentity with the token in this file.
    #[arg(long)]
    pub web_identity_token_file: Option<std::path::PathBuf>,
    /// Call AssumeRoleWithSAML with the base64 assertion in this file.
    #[arg(long)]
    pub saml_assertion_file: Option<std::path::PathBuf>,
    /// The SAML provider ARN for --saml-assertion-file.
    #[arg(long)]
    pub principal_arn: Option<String>,
    /// Chain from the credentials rolegate exported instead of switching from your own.
    #[arg(long)]
    pub chain: bool,
}

/// `assume`.
#[derive(Debug, Args)]
pub struct AssumeArgs {
    #[command(flatten)]
    role: Option<RoleArgs>,
    /// Purge everything rolegate exported (restores your own environment credentials).
    #[arg(long, conflicts_with = "role")]
    unset: bool,
    /// Output dialect.
    #[arg(long, value_enum, default_value = "bash")]
    shell: Shell,
    /// `shell` (default) or `json`.
    #[arg(long, default_value = "shell")]
    format: String,
}

/// `exec`.
#[derive(Debug, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    role: RoleArgs,
    /// The command and its arguments.
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

/// `whoami`.
#[derive(Debug, Args)]
pub struct WhoamiArgs {
    /// Profile.
    #[arg(long)]
    profile: Option<String>,
    /// Region.
    #[arg(long)]
    region: Option<String>,
    /// STS endpoint.
    #[arg(long)]
    endpoint_url: Option<String>,
}

fn env(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.is_empty())
}

/// The user's own credentials rolegate set aside, if any.
fn stashed() -> Option<Stash> {
    Some(Stash {
        key: env(shell::SOURCE_KEY)?,
        secret: env(shell::SOURCE_SECRET)?,
        token: env(shell::SOURCE_TOKEN),
    })
}

/// Where the calling credentials come from. Credentials rolegate exported are skipped unless
/// `chain`, so a second `assume` starts again from the user's own identity.
fn source(profile_flag: Option<&str>, chain: bool) -> Source {
    if let Some(p) = profile_flag {
        return Source::Profile(p.to_owned());
    }
    if let (Some(key), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        let ours = env(shell::MARK_KEY).is_some_and(|m| m == key);
        if !ours || chain {
            return Source::Env(Stash {
                key,
                secret,
                token: env("AWS_SESSION_TOKEN"),
            });
        }
        if let Some(s) = stashed() {
            return Source::Env(s);
        }
    }
    Source::Profile(env("AWS_PROFILE").unwrap_or_else(|| "default".into()))
}

fn prompt_mfa(serial: &str) -> anyhow::Result<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| {
            anyhow::anyhow!(
                "an MFA code is needed (--token-code) and /dev/tty cannot be opened: {e}"
            )
        })?;
    let mut w = tty.try_clone()?;
    write!(w, "Enter MFA code for {serial}: ")?;
    w.flush()?;
    let mut line = String::new();
    std::io::BufReader::new(tty).read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// The `~/.aws/config` role profile `--role` names, if it names one.
fn role_profile(a: &RoleArgs) -> Option<profile::Section> {
    if a.role.starts_with("arn:") {
        return None;
    }
    profile::load(&a.role).filter(|p| p.contains_key("role_arn"))
}

/// The profile the calling credentials come from: `--profile`, else the role profile's
/// `source_profile`.
fn source_profile(a: &RoleArgs, role_profile: Option<&profile::Section>) -> Option<String> {
    a.profile
        .clone()
        .or_else(|| role_profile.and_then(|p| p.get("source_profile").cloned()))
}

/// The request, the source and the target a set of role options describes.
async fn resolve(a: &RoleArgs) -> anyhow::Result<(Request, Source, Target)> {
    let role_profile = role_profile(a);
    let setting = |k: &str| role_profile.as_ref().and_then(|p| p.get(k).cloned());
    let federated = a.web_identity_token_file.is_some() || a.saml_assertion_file.is_some();
    let source_profile = source_profile(a, role_profile.as_ref());
    let src = if federated {
        Source::Anonymous
    } else {
        source(source_profile.as_deref(), a.chain)
    };
    let target = Target {
        region: a.region.clone(),
        endpoint_url: a.endpoint_url.clone(),
        profile: source_profile
            .clone()
            .or_else(|| role_profile.as_ref().map(|_| a.role.clone())),
    };
    let role_arn = match (setting("role_arn"), a.role.starts_with("arn:")) {
        (Some(arn), _) => arn,
        (None, true) => a.role.clone(),
        (None, false) => {
            let client = sts::client(&src, &target).await;
            let (account, caller_arn, _) = sts::account(&client).await?;
            let partition = caller_arn.split(':').nth(1).unwrap_or("aws").to_owned();
            format!("arn:{partition}:iam::{account}:role/{}", a.role)
        }
    };
    let mfa_serial = a.mfa_serial.clone().or_else(|| setting("mfa_serial"));
    let mfa = match mfa_serial {
        Some(serial) => {
            let code = match &a.token_code {
                Some(c) => c.clone(),
                None => prompt_mfa(&serial)?,
            };
            Some((serial, code))
        }
        None => None,
    };
    let mut tags = Vec::new();
    for t in &a.tags {
        let (k, v) = t
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("--tag takes K=V, not `{t}`"))?;
        tags.push((k.to_owned(), v.to_owned()));
    }
    let policy = match &a.policy {
        Some(p) => Some(
            std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?,
        ),
        None => None,
    };
    let read = |p: &Option<std::path::PathBuf>| -> anyhow::Result<Option<String>> {
        p.as_ref()
            .map(|p| {
                std::fs::read_to_string(p)
                    .map(|s| s.trim().to_owned())
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))
            })
            .transpose()
    };
    let saml = match read(&a.saml_assertion_file)? {
        Some(assertion) => Some((
            assertion,
            a.principal_arn.clone().ok_or_else(|| {
                anyhow::anyhow!(
                    "--saml-assertion-file needs --principal-arn (the SAML provider ARN)"
                )
            })?,
        )),
        None => None,
    };
    let duration = match (a.duration, setting("duration_seconds")) {
        (Some(d), _) => Some(d),
        (None, Some(d)) => Some(
            d.parse()
                .map_err(|_| anyhow::anyhow!("duration_seconds `{d}` is not a number"))?,
        ),
        (None, None) => None,
    };
    let session_name = a
        .session_name
        .clone()
        .or_else(|| setting("role_session_name"))
        .unwrap_or_else(|| {
            format!(
                "rolegate-{}",
                time::OffsetDateTime::now_utc().unix_timestamp()
            )
        });
    let request = Request {
        role_arn,
        session_name,
        duration,
        external_id: a.external_id.clone().or_else(|| setting("external_id")),
        mfa,
        tags,
        transitive: a.transitive.clone(),
        policy,
        policy_arns: a.policy_arns.clone(),
        source_identity: a.source_identity.clone(),
        web_identity_token: read(&a.web_identity_token_file)?,
        saml,
    };
    Ok((request, src, target))
}

async fn assume_role(a: &RoleArgs) -> anyhow::Result<(Creds, Request, Source)> {
    let (request, src, target) = resolve(a).await?;
    let client = sts::client(&src, &target).await;
    let creds = sts::assume(&client, &request).await?;
    Ok((creds, request, src))
}

/// Runs a client command; returns the process exit code. On failure nothing has been written
/// to stdout, and stderr carries the AWS error code and message.
pub async fn run(cmd: ClientCommand) -> i32 {
    match execute(cmd).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rolegate: {e:#}");
            1
        }
    }
}

async fn execute(cmd: ClientCommand) -> anyhow::Result<i32> {
    match cmd {
        ClientCommand::Assume(a) => {
            if a.unset {
                print!("{}", shell::purge(a.shell, stashed().as_ref()));
                return Ok(0);
            }
            let role = a
                .role
                .ok_or_else(|| anyhow::anyhow!("--role is required (or --unset)"))?;
            let (creds, request, src) = assume_role(&role).await?;
            let out = if a.format == "json" {
                serde_json::to_string_pretty(&creds)?
            } else {
                let stash = match &src {
                    Source::Env(s) if !role.chain => Some(s.clone()),
                    _ => None,
                };
                shell::exports(a.shell, &creds, &request.role_arn, stash.as_ref())
            };
            print!("{out}");
            Ok(0)
        }
        ClientCommand::Exec(e) => {
            let (creds, request, _) = assume_role(&e.role).await?;
            let (program, args) = e
                .command
                .split_first()
                .ok_or_else(|| anyhow::anyhow!("no command given"))?;
            let mut cmd = std::process::Command::new(program);
            cmd.args(args)
                .env("AWS_ACCESS_KEY_ID", &creds.access_key_id)
                .env("AWS_SECRET_ACCESS_KEY", &creds.secret_access_key)
                .env("AWS_SESSION_TOKEN", &creds.session_token)
                .env("AWS_CREDENTIAL_EXPIRATION", &creds.expiration)
                .env(shell::MARK_KEY, &creds.access_key_id)
                .env(shell::MARK_ROLE, &request.role_arn)
                .env_remove("AWS_SECURITY_TOKEN");
            let status = cmd
                .status()
                .map_err(|err| anyhow::anyhow!("cannot run {program}: {err}"))?;
            Ok(exit_code(status))
        }
        ClientCommand::CredentialProcess(a) => {
            let parts = cache_key(&a);
            let key = cache::path(&parts.iter().map(String::as_str).collect::<Vec<_>>());
            if let Some(c) = key.as_ref().and_then(cache::load) {
                println!("{}", shell::process_json(&c));
                return Ok(0);
            }
            let (creds, _, _) = assume_role(&a).await?;
            if let Some(k) = &key
                && let Err(e) = cache::store(k, &creds)
            {
                eprintln!("rolegate: warning: cannot write the credential cache: {e}");
            }
            println!("{}", shell::process_json(&creds));
            Ok(0)
        }
        ClientCommand::Whoami(w) => {
            let src = source(w.profile.as_deref(), true);
            let client = sts::client(
                &src,
                &Target {
                    region: w.region,
                    endpoint_url: w.endpoint_url,
                    profile: w.profile,
                },
            )
            .await;
            let (account, arn, user_id) = sts::account(&client).await?;
            let mut out = serde_json::json!({"Account": account, "Arn": arn, "UserId": user_id});
            if let (Source::Env(s), Some(exp)) = (&src, env("AWS_CREDENTIAL_EXPIRATION"))
                && env(shell::MARK_KEY).is_some_and(|m| m == s.key)
            {
                out["Expiration"] = exp.clone().into();
                if let Some(left) = cache::seconds_left(&exp) {
                    out["SecondsLeft"] = left.max(0).into();
                }
            }
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(0)
        }
        ClientCommand::ShellInit { shell } => {
            print!("{}", shell::init(shell));
            Ok(0)
        }
    }
}

/// What makes two credential-process requests the same: every option and the source of the
/// calling credentials (never a secret).
fn cache_key(a: &RoleArgs) -> Vec<String> {
    let role_profile = role_profile(a);
    let source_profile = source_profile(a, role_profile.as_ref());
    let mut profile_settings: Vec<String> = role_profile
        .map(|p| p.into_iter().map(|(k, v)| format!("{k}={v}")).collect())
        .unwrap_or_default();
    profile_settings.sort();
    vec![
        a.role.clone(),
        source(source_profile.as_deref(), a.chain).describe(),
        profile_settings.join(","),
        format!("{:?}", a.session_name),
        format!("{:?}", a.duration),
        format!("{:?}", a.external_id),
        format!("{:?}", a.mfa_serial),
        a.tags.join(","),
        a.transitive.join(","),
        format!("{:?}", a.policy),
        a.policy_arns.join(","),
        format!("{:?}", a.source_identity),
        format!("{:?}", a.endpoint_url),
        format!("{:?}", a.region),
    ]
}

fn exit_code(status: std::process::ExitStatus) -> i32 {
    if let Some(c) = status.code() {
        return c;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return 128 + sig;
        }
    }
    1
}
