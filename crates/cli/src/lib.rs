//! The `rolegate` client: switch the shell between roles (`eval "$(rolegate assume --role …)"`),
//! run a command as a role (`exec`), serve `credential_process`, and say who you are
//! (`whoami`). Works against Rolegate and against AWS itself.
//!
//! Owns: where source credentials come from (environment, shared files and profiles, but never
//! credentials rolegate itself exported, so a second `assume` switches instead of chaining),
//! how endpoints and regions resolve (as the AWS SDKs do), how credentials are printed for
//! each shell, and the credential cache.
//!
//! Never: prints a secret to stderr or a log; prints anything on stdout when it fails.
//!
//! <https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-role.html>,
//! <https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html>

pub mod args;
pub mod cache;
pub mod profile;
pub mod shell;
pub mod sts;

pub use args::{ClientCommand, run};
