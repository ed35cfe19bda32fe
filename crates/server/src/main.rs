//! `rolegate`: the server (`rolegate serve`) and the client (`assume`, `exec`,
//! `credential-process`, `whoami`, `shell-init`).

use clap::{Parser, Subcommand};
use rolegate_server::{ServeArgs, init_logging, start};

#[derive(Parser)]
#[command(
    name = "rolegate",
    version,
    about = "Self-hosted AWS-compatible IAM and STS"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the IAM/STS server.
    Serve(ServeArgs),
    /// Rotate the key that seals session tokens (live sessions keep working).
    RotateSessionKey(ServeArgs),
    /// Rotate an account's outbound identity federation signing keys: the new keys are
    /// published at once and sign from 6 minutes later, when relying parties' cached key sets
    /// hold them (tokens already issued keep verifying until they expire).
    RotateOutboundKeys {
        /// The account whose keys are rotated.
        #[arg(long = "target-account-id", value_name = "ID")]
        target_account_id: String,
        /// Sign with the new keys at once and stop signing with the current ones (a key
        /// believed compromised); relying parties holding a cached key set may refuse new
        /// tokens until they refetch it.
        #[arg(long)]
        immediately: bool,
        #[command(flatten)]
        store: ServeArgs,
    },
    /// Add an account with a generated root access key, written to
    /// DATA_DIR/root-credentials-ACCOUNT (mode 0600).
    AddAccount {
        /// The new account's id (12 digits) [default: generated].
        #[arg(long = "new-account-id", value_name = "ID")]
        new_account_id: Option<String>,
        #[command(flatten)]
        store: ServeArgs,
    },
    /// Run the S3 gateway (an S3 endpoint that enforces Rolegate's IAM in front of any S3
    /// store), or administer its buckets.
    S3Gateway(Box<rolegate_server::s3_gateway::S3GatewayArgs>),
    /// The audit trail's files: export, verify, public-key, tail.
    Audit {
        #[command(subcommand)]
        command: rolegate_server::audit_cli::AuditCommand,
    },
    #[command(flatten)]
    Client(rolegate_cli::ClientCommand),
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Client(c) => {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("rolegate: cannot start the runtime: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            };
            let code = runtime.block_on(rolegate_cli::run(c));
            std::process::ExitCode::from(u8::try_from(code.clamp(0, 255)).unwrap_or(1))
        }
        Command::Audit { command } => {
            let result = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(anyhow::Error::from)
                .and_then(|r| r.block_on(rolegate_server::audit_cli::run(command)));
            match result {
                Ok(code) => std::process::ExitCode::from(code),
                Err(e) => {
                    eprintln!("rolegate: {e:#}");
                    std::process::ExitCode::from(2)
                }
            }
        }
        Command::RotateSessionKey(args) => on_store(
            args.resolve(),
            |config| async move { rolegate_server::rotate_session_key(&config).await },
            |id| format!("session tokens are now sealed with key {id}"),
        ),
        Command::RotateOutboundKeys {
            target_account_id,
            immediately,
            store,
        } => {
            let account = target_account_id.clone();
            on_store(
                store.resolve(),
                |config| async move {
                    rolegate_server::rotate_outbound_keys(&config, &account, immediately).await
                },
                |(kids, from)| {
                    let when = if immediately {
                        "now".to_owned()
                    } else {
                        time::OffsetDateTime::from_unix_timestamp(from)
                            .ok()
                            .and_then(|t| {
                                t.format(&time::format_description::well_known::Rfc3339)
                                    .ok()
                            })
                            .map_or_else(
                                || format!("unix time {from}"),
                                |t| format!("from {t} (published now)"),
                            )
                    };
                    format!(
                        "outbound tokens of {target_account_id} are signed with keys {} {when}",
                        kids.join(", ")
                    )
                },
            )
        }
        Command::AddAccount {
            new_account_id,
            store,
        } => on_store(
            store.resolve(),
            |config| async move {
                rolegate_server::add_account(&config, new_account_id.as_deref()).await
            },
            |(account, path)| {
                format!(
                    "added account {account}; its root access key is in {}",
                    path.display()
                )
            },
        ),
        Command::S3Gateway(args) => s3_gateway(*args),
        Command::Serve(args) => {
            let config = match args.resolve() {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("rolegate: {e:#}");
                    return std::process::ExitCode::from(2);
                }
            };
            init_logging(&config);
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("rolegate: cannot start the runtime: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            };
            let result = runtime.block_on(async {
                let running = start(config, true).await?;
                running.wait().await
            });
            match result {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    tracing::error!("{e:#}");
                    eprintln!("rolegate: {e:#}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
    }
}

fn s3_gateway(args: rolegate_server::s3_gateway::S3GatewayArgs) -> std::process::ExitCode {
    use rolegate_server::s3_gateway::{self, S3GatewayCommand};
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rolegate: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = match args.command {
        Some(S3GatewayCommand::AssignBucket {
            bucket,
            account,
            reassign,
            store,
        }) => store.resolve().and_then(|config| {
            runtime.block_on(s3_gateway::assign_bucket(
                &config, &bucket, &account, reassign,
            ))?;
            println!("bucket {bucket} belongs to account {account}");
            Ok(())
        }),
        None => {
            let run = args.run;
            let Some(endpoint) = run.backend_endpoint else {
                eprintln!("rolegate: --backend-endpoint is required");
                return std::process::ExitCode::from(2);
            };
            let config = match run.serve.resolve() {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("rolegate: {e:#}");
                    return std::process::ExitCode::from(2);
                }
            };
            init_logging(&config);
            s3_gateway::backend_from_env(&endpoint, &run.backend_region).and_then(|backend| {
                runtime.block_on(async {
                    let running = s3_gateway::start(config, backend, true).await?;
                    running.wait().await
                })
            })
        }
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("rolegate: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// An administrative command on the configured store: `command` on a current-thread runtime,
/// then what `done` says of its result (exit 0), or the error (exit 1).
fn on_store<T, F>(
    config: anyhow::Result<rolegate_server::Config>,
    command: impl FnOnce(rolegate_server::Config) -> F,
    done: impl FnOnce(T) -> String,
) -> std::process::ExitCode
where
    F: std::future::Future<Output = anyhow::Result<T>>,
{
    let result = config.and_then(|config| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(command(config))
    });
    match result {
        Ok(value) => {
            println!("{}", done(value));
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("rolegate: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
