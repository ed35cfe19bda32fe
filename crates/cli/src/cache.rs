//! The credential cache of `credential-process`: one file per distinct request, mode 0600,
//! reused until five minutes before expiry.

use std::{io::Write, path::PathBuf};

use sha2::{Digest, Sha256};

use crate::shell::Creds;

/// Credentials are refreshed this long before they expire.
pub const REFRESH_BEFORE_SECONDS: i64 = 300;

/// The cache directory: `$XDG_CACHE_HOME/rolegate` or `~/.cache/rolegate`.
pub fn dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|d| d.join("rolegate"))
}

/// The file for a request described by `parts`.
pub fn path(parts: &[&str]) -> Option<PathBuf> {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    Some(dir()?.join(format!("{}.json", hex::encode(&h.finalize()[..16]))))
}

/// Seconds until `expiration` (RFC 3339), if it parses.
pub fn seconds_left(expiration: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(expiration, &time::format_description::well_known::Rfc3339)
        .ok()?;
    Some(t.unix_timestamp() - time::OffsetDateTime::now_utc().unix_timestamp())
}

#[derive(serde::Deserialize)]
struct Stored {
    #[serde(rename = "AccessKeyId")]
    access_key_id: String,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: String,
    #[serde(rename = "SessionToken")]
    session_token: String,
    #[serde(rename = "Expiration")]
    expiration: String,
}

/// Cached credentials that are still fresh.
pub fn load(path: &PathBuf) -> Option<Creds> {
    let text = std::fs::read_to_string(path).ok()?;
    let s: Stored = serde_json::from_str(&text).ok()?;
    (seconds_left(&s.expiration)? > REFRESH_BEFORE_SECONDS).then_some(Creds {
        access_key_id: s.access_key_id,
        secret_access_key: s.secret_access_key,
        session_token: s.session_token,
        expiration: s.expiration,
    })
}

/// Stores credentials (owner-only permissions; written to a temporary file and renamed).
pub fn store(path: &PathBuf, c: &Creds) -> std::io::Result<()> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    std::fs::create_dir_all(parent)?;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp)?;
    f.write_all(serde_json::to_string(c).unwrap_or_default().as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&tmp, path)
}
