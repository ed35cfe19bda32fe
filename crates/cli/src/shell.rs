//! Printing credentials for a shell: bash/zsh (`export`), fish (`set -gx`), PowerShell
//! (`$Env:`), or JSON; and the `unset` side of each.

use serde::Serialize;

/// Variables rolegate exports (and purges).
pub const EXPORTED: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    MARK_KEY,
    MARK_ROLE,
    SOURCE_KEY,
    SOURCE_SECRET,
    SOURCE_TOKEN,
];
/// Holds the access key id rolegate exported: credentials in the environment with this key id
/// are rolegate's, not the user's.
pub const MARK_KEY: &str = "ROLEGATE_ASSUMED_KEY_ID";
/// The role rolegate exported credentials for.
pub const MARK_ROLE: &str = "ROLEGATE_ASSUMED_ROLE";
/// The user's own environment credentials, kept aside while a role's are exported.
pub const SOURCE_KEY: &str = "ROLEGATE_SOURCE_ACCESS_KEY_ID";
/// See [`SOURCE_KEY`].
pub const SOURCE_SECRET: &str = "ROLEGATE_SOURCE_SECRET_ACCESS_KEY";
/// See [`SOURCE_KEY`].
pub const SOURCE_TOKEN: &str = "ROLEGATE_SOURCE_SESSION_TOKEN";

/// Output dialects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    /// bash and zsh.
    Bash,
    /// zsh (same as bash).
    Zsh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
}

/// Temporary credentials. `Debug` shows the key id and expiry, never the secret or token.
#[derive(Clone, Serialize)]
pub struct Creds {
    /// `AccessKeyId`.
    #[serde(rename = "AccessKeyId")]
    pub access_key_id: String,
    /// `SecretAccessKey`.
    #[serde(rename = "SecretAccessKey")]
    pub secret_access_key: String,
    /// `SessionToken`.
    #[serde(rename = "SessionToken")]
    pub session_token: String,
    /// `Expiration` (RFC 3339).
    #[serde(rename = "Expiration")]
    pub expiration: String,
}

impl std::fmt::Debug for Creds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Creds")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &REDACTED)
            .field("session_token", &REDACTED)
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// Stands in for a secret in `Debug` output.
struct Redacted;
const REDACTED: Redacted = Redacted;

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

fn quote(shell: Shell, v: &str) -> String {
    match shell {
        Shell::Bash | Shell::Zsh => format!("'{}'", v.replace('\'', r"'\''")),
        Shell::Fish => format!("'{}'", v.replace('\\', r"\\").replace('\'', r"\'")),
        Shell::Powershell => format!("'{}'", v.replace('\'', "''")),
    }
}

fn set(shell: Shell, k: &str, v: &str) -> String {
    match shell {
        Shell::Bash | Shell::Zsh => format!("export {k}={};\n", quote(shell, v)),
        Shell::Fish => format!("set -gx {k} {};\n", quote(shell, v)),
        Shell::Powershell => format!("$Env:{k} = {};\n", quote(shell, v)),
    }
}

fn unset(shell: Shell, k: &str) -> String {
    match shell {
        Shell::Bash | Shell::Zsh => format!("unset {k};\n"),
        Shell::Fish => format!("set -e {k};\n"),
        Shell::Powershell => format!("Remove-Item Env:{k} -ErrorAction SilentlyContinue;\n"),
    }
}

/// The user's own credentials to keep aside (or restore). `Debug` shows only the key id.
#[derive(Clone, Default)]
pub struct Stash {
    /// Access key id.
    pub key: String,
    /// Secret.
    pub secret: String,
    /// Session token, if any.
    pub token: Option<String>,
}

impl std::fmt::Debug for Stash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stash")
            .field("key", &self.key)
            .field("secret", &REDACTED)
            .field("token", &self.token.as_ref().map(|_| REDACTED))
            .finish()
    }
}

/// Shell code that replaces whatever credentials are exported with `c`, for `role`.
pub fn exports(shell: Shell, c: &Creds, role: &str, stash: Option<&Stash>) -> String {
    let mut out = String::new();
    for k in EXPORTED {
        out.push_str(&unset(shell, k));
    }
    out.push_str(&set(shell, "AWS_ACCESS_KEY_ID", &c.access_key_id));
    out.push_str(&set(shell, "AWS_SECRET_ACCESS_KEY", &c.secret_access_key));
    out.push_str(&set(shell, "AWS_SESSION_TOKEN", &c.session_token));
    out.push_str(&set(shell, "AWS_CREDENTIAL_EXPIRATION", &c.expiration));
    out.push_str(&set(shell, MARK_KEY, &c.access_key_id));
    out.push_str(&set(shell, MARK_ROLE, role));
    if let Some(s) = stash {
        out.push_str(&set(shell, SOURCE_KEY, &s.key));
        out.push_str(&set(shell, SOURCE_SECRET, &s.secret));
        if let Some(t) = &s.token {
            out.push_str(&set(shell, SOURCE_TOKEN, t));
        }
    }
    out
}

/// Shell code that purges everything rolegate exported and puts back the user's own
/// environment credentials if rolegate had set them aside.
pub fn purge(shell: Shell, stash: Option<&Stash>) -> String {
    let mut out = String::new();
    for k in EXPORTED {
        out.push_str(&unset(shell, k));
    }
    if let Some(s) = stash {
        out.push_str(&set(shell, "AWS_ACCESS_KEY_ID", &s.key));
        out.push_str(&set(shell, "AWS_SECRET_ACCESS_KEY", &s.secret));
        if let Some(t) = &s.token {
            out.push_str(&set(shell, "AWS_SESSION_TOKEN", t));
        }
    }
    out
}

/// `credential_process` output (version 1).
pub fn process_json(c: &Creds) -> String {
    serde_json::json!({
        "Version": 1,
        "AccessKeyId": c.access_key_id,
        "SecretAccessKey": c.secret_access_key,
        "SessionToken": c.session_token,
        "Expiration": c.expiration,
    })
    .to_string()
}

/// `rolegate shell-init`: an `assume` function (and `unassume`).
pub fn init(shell: Shell) -> String {
    match shell {
        Shell::Bash | Shell::Zsh => "assume() {\n  local out\n  out=\"$(command rolegate assume --role \"$@\")\" || return $?\n  eval \"$out\"\n}\nunassume() {\n  eval \"$(command rolegate assume --unset)\"\n}\n".to_owned(),
        Shell::Fish => "function assume\n  set -l out (command rolegate assume --shell fish --role $argv | string collect); or return $status\n  eval $out\nend\nfunction unassume\n  eval (command rolegate assume --shell fish --unset | string collect)\nend\n".to_owned(),
        Shell::Powershell => "function assume { $out = (rolegate assume --shell powershell --role @args) -join \"`n\"; if ($LASTEXITCODE -eq 0) { Invoke-Expression $out } }\nfunction unassume { Invoke-Expression ((rolegate assume --shell powershell --unset) -join \"`n\") }\n".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> Creds {
        Creds {
            access_key_id: "ASIAX".into(),
            secret_access_key: "s'e\\c".into(),
            session_token: "t".into(),
            expiration: "2026-01-01T00:00:00Z".into(),
        }
    }

    #[test]
    fn quoting_survives_quotes() {
        let b = exports(Shell::Bash, &creds(), "arn", None);
        assert!(b.contains(r"export AWS_SECRET_ACCESS_KEY='s'\''e\c';"));
        assert!(b.starts_with("unset AWS_ACCESS_KEY_ID;"));
        let f = exports(Shell::Fish, &creds(), "arn", None);
        assert!(f.contains(r"set -gx AWS_SECRET_ACCESS_KEY 's\'e\\c';"));
        let p = exports(Shell::Powershell, &creds(), "arn", None);
        assert!(p.contains("$Env:AWS_SECRET_ACCESS_KEY = 's''e\\c';"));
    }

    #[test]
    fn debug_shows_no_secret() {
        let c = Creds {
            secret_access_key: "SECRET-CANARY".into(),
            session_token: "TOKEN-CANARY".into(),
            ..creds()
        };
        let s = Stash {
            key: "AKIAU".into(),
            secret: "SECRET-CANARY".into(),
            token: Some("TOKEN-CANARY".into()),
        };
        for text in [
            format!("{c:?}"),
            format!("{c:#?}"),
            format!("{s:?}"),
            format!("{s:#?}"),
        ] {
            assert!(!text.contains("CANARY"), "{text}");
            assert!(text.contains("<redacted>"), "{text}");
        }
    }

    #[test]
    fn purge_restores_the_stash() {
        let s = Stash {
            key: "AKIAU".into(),
            secret: "sec".into(),
            token: None,
        };
        let out = purge(Shell::Bash, Some(&s));
        assert!(out.contains("unset ROLEGATE_ASSUMED_KEY_ID;"));
        assert!(out.ends_with("export AWS_SECRET_ACCESS_KEY='sec';\n"));
    }
}
