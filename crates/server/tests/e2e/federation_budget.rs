//! The budget of failed federation calls per client address (catalogue E-15, I-07): bad web
//! identity tokens from one address through aws-sdk-rust until `Throttling`; after that every
//! federation call from it, a valid token included, gets the same answer, while another
//! address (told apart by `X-Forwarded-For` from a trusted proxy) is not throttled; successful
//! calls never count; the failures are in the audit trail within its own bound, without the
//! tokens. On PostgreSQL two nodes share the budget: an address that spent it on node A gets
//! at most a few more failures on node B (what A had not yet written), not a second budget.

use aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityOutput;
use base64::Engine as _;
use rolegate_server::Config;
use rolegate_service::throttle::sources::{DEFAULT_FAILURES_PER_MINUTE, FLUSH_EVERY, KIND};
use serde_json::json;

use crate::{
    federation::{Idp, anonymous_sts, github_trust, idp_available, register},
    support::*,
};

const MAIN: &str = "repo:acme/app:ref:refs/heads/main";
const OTHER: &str = "repo:other/app:ref:refs/heads/main";
/// The address that spends its budget, and one that does not (both behind the trusted
/// proxy, which is loopback here).
const ATTACKER: &str = "203.0.113.7";
const NEIGHBOUR: &str = "203.0.113.8";

/// An answer: the code, message and HTTP status of an error, or `None` for credentials.
type Answer = Option<(String, String, u16)>;

async fn call(endpoint: &str, from: &'static str, token: &str) -> Answer {
    let r: Result<AssumeRoleWithWebIdentityOutput, _> = anonymous_sts(endpoint)
        .assume_role_with_web_identity()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/ci"))
        .role_session_name("ci-run")
        .web_identity_token(token)
        .customize()
        .mutate_request(move |req| {
            req.headers_mut().insert("X-Forwarded-For", from);
        })
        .send()
        .await;
    match r {
        Ok(out) => {
            assert!(out.credentials().is_some());
            None
        }
        Err(e) => {
            let status = e.raw_response().map_or(0, |r| r.status().as_u16());
            Some((code(&e), message(&e), status))
        }
    }
}

fn throttled(a: &Answer) -> bool {
    a.as_ref()
        .is_some_and(|(c, m, s)| c == "Throttling" && m == "Rate exceeded" && *s == 400)
}

/// A token no provider of the account issued: base64url JSON with an unknown issuer.
fn unknown_issuer_token() -> String {
    let b = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.c2lnbmF0dXJl",
        b(json!({"alg": "RS256", "typ": "JWT"})),
        b(
            json!({"iss": "https://idp.invalid", "sub": MAIN, "aud": "sts.amazonaws.com", "exp": 4_000_000_000i64})
        )
    )
}

/// A valid token whose signature is altered.
fn bad_signature(token: &str) -> String {
    let (head, sig) = token.rsplit_once('.').expect("a JWT");
    let mut sig: Vec<u8> = sig.bytes().collect();
    let last = sig.len() - 5;
    sig[last] = if sig[last] == b'A' { b'B' } else { b'A' };
    format!("{head}.{}", String::from_utf8(sig).expect("ascii"))
}

/// The federation calls' failures through `nodes` (a list of endpoints, used in turn).
async fn budget_scenario(s: &Server, nodes: &[String], idp: &Idp) {
    let provider_arn = register(s, &idp.issuer).await;
    assert!(provider_arn.ends_with(idp.host()));
    crate::sts::role(s, "ci", &github_trust(ACCOUNT, idp.host(), MAIN, ""), None).await;
    let good = idp.token(MAIN);
    let bad = [
        unknown_issuer_token(),
        bad_signature(&good),
        // A valid token of another subject: the trust policy refuses it.
        idp.token(OTHER),
    ];
    let started = std::time::Instant::now();

    // Successes never count: many from the attacker's address before and between failures.
    for _ in 0..DEFAULT_FAILURES_PER_MINUTE + 5 {
        assert_eq!(call(&nodes[0], ATTACKER, &good).await, None);
    }
    // The budget on the first node: exactly DEFAULT_FAILURES_PER_MINUTE failures answered
    // as themselves (the three kinds keep their AWS errors), then Throttling.
    for i in 0..DEFAULT_FAILURES_PER_MINUTE as usize {
        let a = call(&nodes[0], ATTACKER, &bad[i % 3]).await;
        let (c, _, status) = a.clone().expect("a failure");
        assert!(
            matches!(
                (c.as_str(), status),
                ("InvalidIdentityToken", 400) | ("AccessDenied", 403)
            ),
            "failure {i}: {a:?}"
        );
        if i == 30 {
            assert_eq!(
                call(&nodes[0], ATTACKER, &good).await,
                None,
                "within the budget a valid token still works"
            );
        }
    }
    // Spent: every call from the address gets the same answer, whatever its token — a valid
    // one too, which is not looked at.
    let mut answers = Vec::new();
    for t in bad.iter().chain([&good]) {
        answers.push(call(&nodes[0], ATTACKER, t).await);
    }
    assert!(answers.iter().all(throttled), "{answers:?}");
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
    // AssumeRoleWithSAML shares the budget.
    let e = anonymous_sts(&nodes[0])
        .assume_role_with_saml()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/ci"))
        .principal_arn(format!("arn:aws:iam::{ACCOUNT}:saml-provider/none"))
        .saml_assertion(base64::engine::general_purpose::STANDARD.encode("<samlp:Response/>"))
        .customize()
        .mutate_request(|req| {
            req.headers_mut().insert("X-Forwarded-For", ATTACKER);
        })
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(
        (code(&e), message(&e)),
        ("Throttling".into(), "Rate exceeded".into())
    );

    // Another address is not throttled: its valid token works, its bad one fails as itself.
    assert_eq!(call(&nodes[0], NEIGHBOUR, &good).await, None);
    let a = call(&nodes[0], NEIGHBOUR, &bad[0]).await;
    assert_eq!(
        a.as_ref().map(|a| a.0.as_str()),
        Some("InvalidIdentityToken")
    );

    // Another node: the budget is the store's, not the node's. Node B learns at the
    // address's first failure on it; node A had written all but fewer than FLUSH_EVERY of
    // its failures, so B answers fewer than FLUSH_EVERY more — not a budget of its own.
    if let Some(b) = nodes.get(1) {
        let mut answered = 0;
        loop {
            let a = call(b, ATTACKER, &bad[answered % 3]).await;
            if throttled(&a) {
                break;
            }
            answered += 1;
            assert!(
                answered < FLUSH_EVERY as usize,
                "node B answered {answered} failures of a spent budget: {a:?}"
            );
        }
        assert!(throttled(&call(b, ATTACKER, &good).await));
        assert_eq!(call(b, NEIGHBOUR, &good).await, None);
        eprintln!("node B answered {answered} failures after node A spent the budget");
    }

    // The store: the counts per address and minute, written a bounded number of times —
    // at most once per FLUSH_EVERY failures or per second per node — never once per failure.
    let store = s.running.as_ref().expect("in-process").service.store();
    let records = store
        .list(rolegate_store::GLOBAL, KIND, None, 100)
        .await
        .expect("counts");
    let attacker: Vec<_> = records
        .iter()
        .filter(|r| r.key.ends_with(&format!("/{ATTACKER}")))
        .collect();
    let counted: u32 = attacker
        .iter()
        .map(|r| {
            serde_json::from_str::<serde_json::Value>(&r.data).expect("json")["failures"]
                .as_u64()
                .expect("failures") as u32
        })
        .sum();
    let writes: i64 = attacker.iter().map(|r| r.version).sum();
    let seconds = started.elapsed().as_secs() as i64 + 1;
    let failures = DEFAULT_FAILURES_PER_MINUTE as i64 + FLUSH_EVERY as i64;
    assert!(
        counted >= DEFAULT_FAILURES_PER_MINUTE - FLUSH_EVERY,
        "{counted} failures in the store"
    );
    assert!(
        writes <= nodes.len() as i64 * (failures / FLUSH_EVERY as i64 + seconds + 2),
        "{writes} writes for {counted} failures in {seconds} s"
    );
    eprintln!(
        "{counted} failures of {ATTACKER} in the store, {writes} writes, {seconds} s, {} node(s)",
        nodes.len()
    );

    // The audit trail: the failures are recorded, within the bound on recording failed
    // unauthenticated calls (per address and minute, per node), and no token is in it.
    let events = crate::audit::stored_events(s).await;
    let from_attacker: Vec<&String> = events
        .iter()
        .filter(|e| {
            e.contains("\"AssumeRoleWithWebIdentity\"")
                && e.contains(&format!("\"sourceIPAddress\":\"{ATTACKER}\""))
        })
        .collect();
    let failed = from_attacker
        .iter()
        .filter(|e| e.contains("\"errorCode\""))
        .count();
    // Per node, PER_ADDRESS events a window of a minute (the test may straddle two).
    let per_node = rolegate_service::audit::anonymous::PER_ADDRESS as usize;
    assert!(
        failed >= per_node.min(DEFAULT_FAILURES_PER_MINUTE as usize)
            && failed <= nodes.len() * 2 * per_node,
        "{failed} failed calls of {ATTACKER} recorded"
    );
    eprintln!("{failed} failed calls of {ATTACKER} in the audit trail");
    for t in bad.iter().chain([&good]) {
        let signature = t.rsplit('.').next().expect("signature");
        assert!(
            events.iter().all(|e| !e.contains(signature)),
            "a token in the audit trail"
        );
    }
}

fn budget_config(idp: &Idp) -> impl FnOnce(Config) -> Config {
    let ca = idp.ca();
    move |c| Config {
        oidc_ca_file: Some(ca),
        allow_local_oidc_issuers: true,
        // The test's clients connect from loopback, the "proxy" whose X-Forwarded-For names
        // the client.
        trusted_proxies: vec!["127.0.0.1/32".parse().expect("net")],
        ..c
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_federation_failure_budget() {
    if !idp_available() {
        return;
    }
    let idp = Idp::start(&[(MAIN, json!({})), (OTHER, json!({}))]);
    let s = sqlite_configured(budget_config(&idp)).await;
    let nodes = [s.endpoint.clone()];
    budget_scenario(&s, &nodes, &idp).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_federation_failure_budget_is_shared_by_nodes() {
    if !idp_available() {
        return;
    }
    let idp = Idp::start(&[(MAIN, json!({})), (OTHER, json!({}))]);
    let Some(s) = postgres_configured(budget_config(&idp)).await else {
        return;
    };
    let b = rolegate_server::start(s.config.clone().expect("config"), false)
        .await
        .expect("node B");
    let nodes = [s.endpoint.clone(), format!("http://{}", b.addr)];
    budget_scenario(&s, &nodes, &idp).await;
    b.shutdown().await.expect("node B stops");
    s.stop().await;
}
