//! The IAM policy language: parse, validate, evaluate.
//!
//! Owns: the typed model of a policy document ([`Policy`]), parsing with AWS's
//! `MalformedPolicyDocument` reasons ([`parse`] with a [`PolicyKind`]), wildcard and ARN
//! matching, condition operators, policy variables, and AWS's evaluation logic in one place
//! ([`evaluate`]), which returns a three-way [`Decision`] with the statements that decided it.
//!
//! Never: I/O, reading the clock, async, logging. Time and every context key arrive in the
//! [`Request`].
//!
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>

pub mod arn;
pub mod condition;
pub mod document;
pub mod eval;
#[doc(hidden)]
pub mod fuzzing;
pub mod glob;
mod json;
pub mod request;
pub mod variables;

pub use document::{Effect, ParseError, Policy, PolicyKind, Statement, parse};
pub use eval::{Decision, Evaluation, MatchedStatement, PolicySet, SourcedPolicy, evaluate};
pub use request::{Context, ContextValue, Principal, Request};
