//! One authorization decision against a realistic policy set (see `scenario.rs`): a user with
//! 3 groups, 10 policies, 40 statements, conditions on IPs, tags and dates. Target: ≤ 2 µs
//! median on one core. Compile once (parse outside the loop), evaluate many.
//!
//! `cargo bench -p rolegate-policy --bench decision`; side by side with Cedar:
//! `cargo bench --manifest-path bench/policy-vs-cedar/Cargo.toml`.

use criterion::{Criterion, criterion_group, criterion_main};
use rolegate_policy::{Decision, PolicyKind, Request, evaluate, parse};

#[path = "scenario.rs"]
#[allow(dead_code, reason = "the Cedar half is used by bench/policy-vs-cedar")]
mod scenario;

fn bench(c: &mut Criterion) {
    let policies = scenario::parsed_iam_policies();
    let principal = scenario::iam_principal();
    let ctx = scenario::iam_context();
    let set = scenario::iam_policy_set(&policies);
    let request = Request {
        action: scenario::ACTION,
        resource: scenario::RESOURCE,
        principal: &principal,
        context: &ctx,
    };
    let e = evaluate(&request, &set);
    assert_eq!(e.decision, Decision::Allow);
    assert_eq!(e.matched[0].sid.as_deref(), Some("S36"));
    c.bench_function("decision/40_statements_allow", |b| {
        b.iter(|| evaluate(std::hint::black_box(&request), &set))
    });
    let denied = Request {
        resource: "arn:aws:s3:::bucket-99/x",
        ..request
    };
    assert_eq!(evaluate(&denied, &set).decision, Decision::ImplicitDeny);
    c.bench_function("decision/40_statements_implicit_deny", |b| {
        b.iter(|| evaluate(std::hint::black_box(&denied), &set))
    });
    let text = scenario::iam_policies();
    c.bench_function("parse/10_policies", |b| {
        b.iter(|| {
            text.iter()
                .filter(|p| parse(std::hint::black_box(p), PolicyKind::Identity).is_ok())
                .count()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
