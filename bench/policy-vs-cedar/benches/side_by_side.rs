//! One decision, the same authorization in both languages (`crates/policy/benches/scenario.rs`):
//! Rolegate's IAM engine and Cedar, measured in the same criterion run.

use criterion::{Criterion, criterion_group, criterion_main};

#[path = "../../../crates/policy/benches/scenario.rs"]
mod scenario;

fn rolegate(c: &mut Criterion) {
    use rolegate_policy::{Decision, Request, evaluate};
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
    assert_eq!(evaluate(&request, &set).decision, Decision::Allow);
    c.bench_function("side_by_side/rolegate", |b| {
        b.iter(|| evaluate(std::hint::black_box(&request), &set))
    });
}

fn cedar(c: &mut Criterion) {
    use cedar_policy::{Authorizer, Context, Decision, Entities, EntityUid, PolicySet, Request};
    let policies: PolicySet = scenario::cedar_policies().parse().expect("cedar policies");
    let entities = Entities::from_json_str(&scenario::cedar_entities(), None).expect("entities");
    let uid = |s: &str| -> EntityUid { s.parse().expect("uid") };
    let context = Context::from_json_str(&scenario::cedar_context(), None).expect("context");
    let request = Request::new(
        uid(r#"User::"alice""#),
        uid(&format!(r#"Action::"{}""#, scenario::ACTION)),
        uid(r#"Object::"q3""#),
        context,
        None,
    )
    .expect("request");
    let authorizer = Authorizer::new();
    let answer = authorizer.is_authorized(&request, &policies, &entities);
    assert_eq!(
        answer.decision(),
        Decision::Allow,
        "{:?}",
        answer.diagnostics()
    );
    c.bench_function("side_by_side/cedar", |b| {
        b.iter(|| authorizer.is_authorized(std::hint::black_box(&request), &policies, &entities))
    });
}

criterion_group!(benches, rolegate, cedar);
criterion_main!(benches);
