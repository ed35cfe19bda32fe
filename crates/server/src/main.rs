//! `rolegate`: the server (`rolegate serve`) and, in later releases, the client commands.

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
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
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
