//! Fuzz targets, shared by the cargo-fuzz harness (`crates/policy/fuzz`, nightly) and the
//! bounded stable-toolchain run in the tests (`tests/fuzz.rs`), so both exercise the same code.
//!
//! Each target must never panic, whatever the bytes; what else it asserts is written beside it.

use crate::request::{Principal, PrincipalKind};
use crate::{
    Context, ContextValue, PolicyKind, PolicySet, Request, SourcedPolicy, evaluate, parse,
};

const KINDS: [PolicyKind; 4] = [
    PolicyKind::Identity,
    PolicyKind::Trust,
    PolicyKind::Resource,
    PolicyKind::Session,
];

/// Parses `data` as a document of every kind. A document that parses also yields its context
/// keys and statement positions, and parses again to the same policy (parsing is a function).
pub fn parse_target(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in KINDS {
        if let Ok(policy) = parse(text, kind) {
            let _ = policy.context_keys();
            let spans = crate::document::statement_spans(text);
            // Positions are read from the raw text; a key spelled with escapes
            // (`"Statem\u0065nt"`) is beyond the scanner, and the simulator then omits them.
            assert!(
                spans.len() == policy.statements.len() || text.contains('\\'),
                "every statement has a position"
            );
            assert_eq!(parse(text, kind).ok().as_ref(), Some(&policy));
        }
    }
}

/// Splits `data` into a policy document and a request (action, resource, context values),
/// evaluates, and checks the laws that hold for any input: adding a `Deny *` statement gives an
/// explicit deny, and the empty policy set gives an implicit deny.
pub fn evaluate_target(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1}');
    let document = parts.next().unwrap_or_default();
    let action = parts.next().unwrap_or("s3:GetObject");
    let resource = parts.next().unwrap_or("*");
    let mut context = Context::default();
    for (n, value) in parts.enumerate() {
        let key = [
            "aws:username",
            "aws:sourceip",
            "aws:currenttime",
            "aws:tagkeys",
            "s3:prefix",
        ][n % 5];
        let value = if n % 2 == 0 {
            ContextValue::single(value)
        } else {
            ContextValue::Multi(value.split(',').map(str::to_owned).collect())
        };
        context.insert(key, value);
    }
    let Ok(policy) = parse(document, PolicyKind::Identity) else {
        return;
    };
    let principal = Principal {
        account: "111122223333".into(),
        arn: "arn:aws:iam::111122223333:user/fuzz".into(),
        kind: PrincipalKind::User,
        unique_id: Some("AIDAFUZZ".into()),
        role_arn: None,
        federated: None,
        service: None,
    };
    let request = Request {
        action,
        resource,
        principal: &principal,
        context: &context,
    };
    let set = PolicySet {
        identity: vec![SourcedPolicy {
            label: "fuzz",
            policy: &policy,
        }],
        ..Default::default()
    };
    let _ = evaluate(&request, &set);
    let _ = crate::eval::missing_context_keys([&policy], &request);
    assert_eq!(
        evaluate(&request, &PolicySet::default()).decision,
        crate::Decision::ImplicitDeny
    );
    let deny_all = deny_everything();
    let with_deny = PolicySet {
        identity: vec![
            SourcedPolicy {
                label: "fuzz",
                policy: &policy,
            },
            SourcedPolicy {
                label: "deny",
                policy: &deny_all,
            },
        ],
        ..Default::default()
    };
    assert_eq!(
        evaluate(&request, &with_deny).decision,
        crate::Decision::ExplicitDeny
    );
}

fn deny_everything() -> crate::Policy {
    parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#,
        PolicyKind::Identity,
    )
    .unwrap_or_else(|_| unreachable!("a fixed, valid document"))
}

/// An edit of a seed document, as the stable runs of fuzz targets make them (with proptest,
/// here and in other crates): flip a byte, insert a fragment, delete, duplicate or truncate.
/// Positions wrap around the document's length.
#[derive(Debug, Clone)]
pub enum Edit {
    /// XOR the byte at a position.
    Flip(usize, u8),
    /// Insert a fragment at a position.
    Insert(usize, &'static str),
    /// Delete up to `n` bytes from a position.
    Delete(usize, usize),
    /// Repeat up to `n` bytes from a position in place.
    Duplicate(usize, usize),
    /// Cut the document at a position.
    Truncate(usize),
}

/// `doc` with `edits` applied in order.
#[must_use]
pub fn apply(doc: &str, edits: &[Edit]) -> Vec<u8> {
    let mut b = doc.as_bytes().to_vec();
    for e in edits {
        let len = b.len().max(1);
        match *e {
            Edit::Flip(i, x) => {
                if let Some(v) = b.get_mut(i % len) {
                    *v ^= x;
                }
            }
            Edit::Insert(i, f) => {
                let at = (i % len).min(b.len());
                b.splice(at..at, f.bytes());
            }
            Edit::Delete(i, n) => {
                let at = (i % len).min(b.len());
                let end = (at + n).min(b.len());
                b.drain(at..end);
            }
            Edit::Duplicate(i, n) => {
                let at = (i % len).min(b.len());
                let end = (at + n).min(b.len());
                let copy = b[at..end].to_vec();
                b.splice(at..at, copy);
            }
            Edit::Truncate(i) => b.truncate(i % len),
        }
    }
    b
}
