//! `rolegate audit …`: the operator's side of the audit trail, on the configured store and
//! data directory — `export` (write the hours due now, as a running server does hourly),
//! `verify` (check the archive as `aws cloudtrail validate-logs` does), `public-key` (the key
//! digests are verified with, to keep somewhere safe) and `tail` (events as they happen, one
//! line each).

use std::{path::PathBuf, time::Duration};

use clap::Subcommand;
use rolegate_service::audit::verify;
use rolegate_store::{GLOBAL, record::kind};
use serde_json::Value as Json;

use crate::{ServeArgs, admin_service};

/// `rolegate audit`.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Export every finished hour not yet in the archive (log files and signed digests).
    Export {
        #[command(flatten)]
        store: ServeArgs,
    },
    /// Verify the archive: digest signatures and chain, log files, records. Exits 1 on any
    /// damage, naming it.
    Verify {
        /// Only digests of hours ending after this time (RFC 3339).
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// Only digests of hours starting before this time (RFC 3339).
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
        /// The digest key's public half (hex), as `public-key` printed it and you kept it;
        /// without it, the key in the store is used (which someone who can change the store
        /// could have replaced).
        #[arg(long, value_name = "HEX")]
        public_key: Option<String>,
        /// The archive [default: DATA_DIR/audit].
        #[arg(long, value_name = "DIR")]
        archive: Option<PathBuf>,
        /// Verify files shipped elsewhere, without opening the store (needs `--public-key`):
        /// every account in the archive must then have its digests up to `--to` (default:
        /// now) less 20 minutes, and an archive without digests is invalid. With the store,
        /// every account must have every hour the store records as exported.
        #[arg(long, requires = "public_key")]
        without_store: bool,
        #[command(flatten)]
        store: ServeArgs,
    },
    /// Print the public half of the key that signs digests (hex).
    PublicKey {
        #[command(flatten)]
        store: ServeArgs,
    },
    /// Print events as they are recorded, one line each (newest last), and keep following.
    Tail {
        /// Only events of this user, role or session (a substring of the caller's ARN).
        #[arg(long, value_name = "TEXT")]
        principal: Option<String>,
        /// Only this event name (`AssumeRole`).
        #[arg(long, value_name = "NAME")]
        event_name: Option<String>,
        /// Only this account's events [default: every account].
        #[arg(long, value_name = "ID")]
        account: Option<String>,
        /// Print the recent events and stop instead of following.
        #[arg(long)]
        no_follow: bool,
        /// How many recent events to print first.
        #[arg(long, default_value_t = 20)]
        lines: usize,
        #[command(flatten)]
        store: ServeArgs,
    },
}

fn time_arg(t: Option<&str>) -> anyhow::Result<Option<i64>> {
    t.map(|t| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
            .map(|t| t.unix_timestamp())
            .map_err(|e| anyhow::anyhow!("`{t}` is not an RFC 3339 time: {e}"))
    })
    .transpose()
}

/// Runs one `rolegate audit` command; the process's exit code.
pub async fn run(command: AuditCommand) -> anyhow::Result<u8> {
    match command {
        AuditCommand::Export { store } => {
            let config = store.resolve()?;
            let service = admin_service(&config).await?;
            let done = service
                .export_trail(&config.data_dir.join("audit"))
                .await
                .map_err(|e| anyhow::anyhow!("exporting: {e}"))?;
            println!(
                "{} digests, {} log files, {} events",
                done.digests, done.log_files, done.events
            );
            Ok(0)
        }
        AuditCommand::PublicKey { store } => {
            let service = admin_service(&store.resolve()?).await?;
            println!(
                "{}",
                service
                    .audit_public_key()
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?
            );
            Ok(0)
        }
        AuditCommand::Verify {
            from,
            to,
            public_key,
            archive,
            without_store,
            store,
        } => {
            let config = store.resolve()?;
            let from = time_arg(from.as_deref())?;
            let to = time_arg(to.as_deref())?;
            let service = if without_store {
                None
            } else {
                Some(admin_service(&config).await?)
            };
            let key = match (public_key, &service) {
                (Some(k), _) => k,
                (None, Some(service)) => service
                    .audit_public_key()
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
                (None, None) => anyhow::bail!("--without-store needs --public-key"),
            };
            let required = match &service {
                Some(service) => verify::Required {
                    exported: service
                        .audit_exported()
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                    sealed: None,
                },
                None => verify::Required {
                    exported: Default::default(),
                    sealed: Some(rolegate_service::audit::archive::sealed_by(
                        to.unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp()),
                    )),
                },
            };
            let key = hex::decode(key.trim())
                .ok()
                .filter(|k| k.len() == 32)
                .ok_or_else(|| anyhow::anyhow!("the public key must be 64 hex digits"))?;
            let root = archive.unwrap_or_else(|| config.data_dir.join("audit"));
            let report = verify::verify(&root, &key, from, to, &required);
            for d in &report.damage {
                println!("INVALID {}: {}", d.object, d.what);
            }
            println!(
                "{} digest files valid, {} log files valid, {} problems",
                report.digests_valid,
                report.log_files_valid,
                report.damage.len()
            );
            Ok(u8::from(!report.damage.is_empty()))
        }
        AuditCommand::Tail {
            principal,
            event_name,
            account,
            no_follow,
            lines,
            store,
        } => {
            let config = store.resolve()?;
            let service = admin_service(&config).await?;
            let store = service.store().clone();
            let accounts = match account {
                Some(a) => vec![a],
                None => store
                    .list(GLOBAL, kind::ACCOUNT, None, 10_000)
                    .await?
                    .into_iter()
                    .map(|r| r.key)
                    .collect(),
            };
            let wanted = |e: &Json| {
                principal.as_deref().is_none_or(|p| {
                    e["userIdentity"]["arn"]
                        .as_str()
                        .is_some_and(|a| a.contains(p))
                }) && event_name.as_deref().is_none_or(|n| e["eventName"] == n)
            };
            // The newest key seen per account: newer events sort before it.
            let mut seen: Vec<Option<String>> = vec![None; accounts.len()];
            let mut first = true;
            loop {
                let mut batch: Vec<(String, Json)> = Vec::new();
                for (account, newest) in accounts.iter().zip(seen.iter_mut()) {
                    let page = store
                        .list_appended(account, kind::AUDIT_EVENT, None, lines.max(200))
                        .await?;
                    let fresh: Vec<_> = page
                        .iter()
                        .take_while(|r| newest.as_ref().is_none_or(|n| r.key < *n))
                        .collect();
                    if let Some(r) = page.first() {
                        *newest = Some(r.key.clone());
                    }
                    for r in fresh {
                        if let Ok(e) = serde_json::from_str::<Json>(&r.data)
                            && wanted(&e)
                        {
                            batch.push((r.key.clone(), e));
                        }
                    }
                }
                // Oldest first (keys sort newest first).
                batch.sort_by(|a, b| b.0.cmp(&a.0));
                let skip = if first {
                    batch.len().saturating_sub(lines)
                } else {
                    0
                };
                for (_, e) in batch.iter().skip(skip) {
                    println!("{}", line(e));
                }
                first = false;
                if no_follow {
                    return Ok(0);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// One event as a line: time, account, who, what, outcome, where from.
pub fn line(e: &Json) -> String {
    let who = e["userIdentity"]["arn"]
        .as_str()
        .or_else(|| e["userIdentity"]["type"].as_str())
        .unwrap_or("-");
    let outcome = e["errorCode"].as_str().unwrap_or("OK");
    let source = e["eventSource"]
        .as_str()
        .and_then(|s| s.split('.').next())
        .unwrap_or("-");
    format!(
        "{}  {}  {}  {}:{}  {}  {}",
        e["eventTime"].as_str().unwrap_or("-"),
        e["recipientAccountId"].as_str().unwrap_or("-"),
        who,
        source,
        e["eventName"].as_str().unwrap_or("-"),
        outcome,
        e["sourceIPAddress"].as_str().unwrap_or("-"),
    )
}
