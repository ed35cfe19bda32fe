//! IAM outbound identity federation and STS GetWebIdentityToken (issue 17, item 6), through
//! aws-sdk-rust on both backends: a role session's token verified by an independent relying
//! party (PyJWT fetching the discovery document and the JWKS over HTTP,
//! `scripts/outbound_verify.py`) and by Rolegate itself (a second account that registers the
//! issuer as an OpenID Connect provider and exchanges the token with
//! AssumeRoleWithWebIdentity); the switch, the limits, the policy keys, the errors, the
//! accounts' separate keys, rotation, and an audit trail without the tokens.

use aws_sdk_sts::types::Tag;
use base64::Engine as _;
use rolegate_server::Config;
use serde_json::{Value, json};

use crate::support::*;

/// The second account (Rolegate as the relying party).
const OTHER: &str = "210987654321";

/// The tests' servers: plain-HTTP issuers on loopback are fetched (Rolegate verifying its own
/// tokens over HTTP needs both development flags).
fn relying_party(c: Config) -> Config {
    Config {
        allow_http_oidc_issuers: true,
        allow_local_oidc_issuers: true,
        ..c
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_outbound_federation() {
    let s = sqlite_configured(relying_party).await;
    round_trip(&s).await;
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outbound_federation() {
    let Some(s) = postgres_configured(relying_party).await else {
        return;
    };
    round_trip(&s).await;
    s.stop().await;
}

fn claims(token: &str) -> (Value, Value) {
    let part = |i: usize| -> Value {
        let segment = token.split('.').nth(i).expect("three segments");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(segment)
            .expect("base64url");
        serde_json::from_slice(&bytes).expect("json")
    };
    (part(0), part(1))
}

/// The token with its claims replaced (the signature kept): what an attacker can forge.
fn with_claims(token: &str, claims: &Value) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    parts.join(".")
}

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build().expect("tag")
}

async fn token(
    sts: &aws_sdk_sts::Client,
    audiences: &[&str],
    alg: &str,
    duration: Option<i32>,
    tags: Vec<Tag>,
) -> Result<(String, i64), (String, String)> {
    let mut call = sts
        .get_web_identity_token()
        .signing_algorithm(alg)
        .set_duration_seconds(duration)
        .set_tags((!tags.is_empty()).then_some(tags));
    for a in audiences {
        call = call.audience(*a);
    }
    call.send()
        .await
        .map(|o| {
            (
                o.web_identity_token().expect("token").to_owned(),
                o.expiration().expect("expiration").secs(),
            )
        })
        .map_err(|e| (code(&e), message(&e)))
}

fn pyjwt_available() -> bool {
    let ok = bounded("python3")
        .args(["-c", "import jwt"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok || std::env::var_os("CI").is_none(),
        "PyJWT must be installed in CI (.ci/run installs it)"
    );
    ok
}

/// Runs the PyJWT relying party (`scripts/outbound_verify.py`) over `checks`.
async fn verify_externally(checks: Vec<Value>) {
    if !pyjwt_available() {
        eprintln!("SKIPPED: PyJWT is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("checks.json");
    std::fs::write(&file, Value::Array(checks).to_string()).expect("write checks");
    let script = format!(
        "{}/tests/e2e/scripts/outbound_verify.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = bounded_async("python3")
        .arg(script)
        .arg(&file)
        .output()
        .await
        .expect("python3");
    assert!(
        out.status.success(),
        "outbound_verify.py failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "ok");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr).trim());
}

pub async fn round_trip(s: &Server) {
    let iam = root_iam(s);
    let root_sts = sts(&s.endpoint, ROOT_KEY, ROOT_SECRET);

    // Never enabled: no issuer, no tokens.
    let e = iam
        .get_outbound_web_identity_federation_info()
        .send()
        .await
        .expect_err("never enabled");
    assert_eq!(code(&e), "FeatureDisabled");
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(404));
    let (c, _) = token(
        &root_sts,
        &["https://api.example.com"],
        "RS256",
        None,
        vec![],
    )
    .await
    .expect_err("disabled");
    assert_eq!(c, "OutboundWebIdentityFederationDisabledException");

    // Enabled: the account's issuer at the server's public URL.
    let issuer = iam
        .enable_outbound_web_identity_federation()
        .send()
        .await
        .expect("enable")
        .issuer_identifier()
        .expect("issuer")
        .to_owned();
    let prefix = format!("{}/outbound/", s.endpoint);
    assert!(issuer.starts_with(&prefix), "{issuer}");
    assert_eq!(issuer.len(), prefix.len() + 36, "a UUID: {issuer}");
    let e = iam
        .enable_outbound_web_identity_federation()
        .send()
        .await
        .expect_err("twice");
    assert_eq!(code(&e), "FeatureEnabled");
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(409));
    let info = iam
        .get_outbound_web_identity_federation_info()
        .send()
        .await
        .expect("info");
    assert_eq!(info.issuer_identifier(), Some(issuer.as_str()));
    assert!(info.jwt_vending_enabled());

    // A workload role: tokens for two audiences, at most 20 minutes, tags allowed.
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/workload");
    crate::sts::role(
        s,
        "workload",
        &trust_account(ACCOUNT),
        Some(
            r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*","Condition":{
              "ForAllValues:StringEquals":{"sts:IdentityTokenAudience":["https://api.example.com","rolegate-b"]},
              "NumericLessThanEquals":{"sts:DurationSeconds":"1200"}}},
            {"Effect":"Allow","Action":"sts:TagGetWebIdentityToken","Resource":"*"}]}"#,
        ),
    )
    .await;
    iam.tag_role()
        .role_name("workload")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("team")
                .value("data")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("tag role");
    // Roles are assumed by an IAM user (never by the root, as in AWS).
    let (dev_key, dev_secret) = crate::sts::user_with_key(
        s,
        "dev",
        Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#),
    )
    .await;
    let dev = sts(&s.endpoint, &dev_key, &dev_secret);
    let session = dev
        .assume_role()
        .role_arn(&role_arn)
        .role_session_name("job-1")
        .duration_seconds(900)
        .send()
        .await
        .expect("assume the workload role");
    let workload = sts_session(&s.endpoint, session.credentials().expect("credentials"));

    let started = time::OffsetDateTime::now_utc().unix_timestamp();
    let (rs256, expires) = token(
        &workload,
        &["https://api.example.com"],
        "RS256",
        Some(600),
        vec![tag("job", "42")],
    )
    .await
    .expect("a token");
    let (header, c) = claims(&rs256);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    assert_eq!(c["iss"], issuer.as_str());
    assert_eq!(
        c["sub"],
        role_arn.as_str(),
        "a role session's subject is its role"
    );
    assert_eq!(c["aud"], "https://api.example.com");
    let iat = c["iat"].as_i64().expect("iat");
    assert_eq!(c["exp"].as_i64(), Some(iat + 600));
    assert_eq!(expires, iat + 600, "Expiration is exp");
    assert!(iat >= started - 5, "{iat} {started}");
    assert_eq!(c["jti"].as_str().map(str::len), Some(36));
    let ns = &c["https://sts.amazonaws.com/"];
    assert_eq!(ns["aws_account"], ACCOUNT);
    assert_eq!(ns["principal_id"], role_arn.as_str());
    assert_eq!(ns["principal_tags"]["team"], "data");
    assert_eq!(ns["request_tags"]["job"], "42");
    assert_eq!(ns["source_region"], "us-east-1");

    let (es384, _) = token(
        &workload,
        &["https://api.example.com", "rolegate-b"],
        "ES384",
        None,
        vec![],
    )
    .await
    .expect("an ES384 token");
    let (header, c) = claims(&es384);
    assert_eq!(header["alg"], "ES384");
    assert_eq!(c["aud"], json!(["https://api.example.com", "rolegate-b"]));
    assert_eq!(
        c["exp"].as_i64().expect("exp") - c["iat"].as_i64().expect("iat"),
        300,
        "the default lifetime"
    );

    // Bad input: the model's bounds, AWS's errors.
    for (audiences, alg, duration, what) in [
        (vec!["a"; 11], "RS256", None, "eleven audiences"),
        (vec![""], "RS256", None, "an empty audience"),
        (vec![], "RS256", None, "no audience"),
        (vec!["a"], "HS256", None, "HMAC"),
        (vec!["a"], "none", None, "none"),
        (vec!["a"], "RS256", Some(59), "59 seconds"),
        (vec!["a"], "RS256", Some(3601), "3601 seconds"),
    ] {
        let (c, m) = token(&workload, &audiences, alg, duration, vec![])
            .await
            .expect_err(what);
        assert_eq!(c, "ValidationError", "{what}: {m}");
    }
    let long = "a".repeat(1001);
    let (c, _) = token(&workload, &[long.as_str()], "RS256", None, vec![])
        .await
        .expect_err("1001 characters");
    assert_eq!(c, "ValidationError");
    let (c, _) = token(
        &workload,
        &["rolegate-b"],
        "RS256",
        None,
        vec![tag("aws:x", "y")],
    )
    .await
    .expect_err("reserved tag");
    assert_eq!(c, "InvalidParameterValue");

    // The policy's condition keys decide.
    let (c, _) = token(&workload, &["https://evil.example"], "RS256", None, vec![])
        .await
        .expect_err("an audience the policy does not allow");
    assert_eq!(c, "AccessDenied");
    let (c, _) = token(&workload, &["rolegate-b"], "RS256", Some(1800), vec![])
        .await
        .expect_err("longer than the policy allows");
    assert_eq!(c, "AccessDenied");
    // Allowed by the policy, but past the 15-minute session's end.
    let (c, _) = token(&workload, &["rolegate-b"], "RS256", Some(1200), vec![])
        .await
        .expect_err("beyond the session");
    assert_eq!(c, "SessionDurationEscalationException");

    // An explicit Deny on sts:GetWebIdentityToken.
    crate::sts::role(
        s,
        "denied",
        &trust_account(ACCOUNT),
        Some(
            r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Deny","Action":"sts:GetWebIdentityToken","Resource":"*"}]}"#,
        ),
    )
    .await;
    let denied = dev
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/denied"))
        .role_session_name("dd")
        .send()
        .await
        .expect("assume denied");
    let denied = sts_session(&s.endpoint, denied.credentials().expect("credentials"));
    let (c, _) = token(&denied, &["a"], "RS256", None, vec![])
        .await
        .expect_err("denied");
    assert_eq!(c, "AccessDenied");

    // Rolegate as the relying party: the other account trusts this issuer for `rolegate-b`
    // and this role only.
    let (other_key, other_secret) = add_account(s, OTHER).await;
    let other_iam = crate::support::iam(&s.endpoint, &other_key, &other_secret);
    let provider = other_iam
        .create_open_id_connect_provider()
        .url(&issuer)
        .client_id_list("rolegate-b")
        .send()
        .await
        .expect("register the issuer")
        .open_id_connect_provider_arn()
        .expect("arn")
        .to_owned();
    let host = issuer.trim_start_matches("http://");
    other_iam
        .create_role()
        .role_name("from-workload")
        .assume_role_policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{provider}"}},
            "Action":"sts:AssumeRoleWithWebIdentity",
            "Condition":{{"StringEquals":{{"{host}:aud":"rolegate-b","{host}:sub":"{role_arn}"}}}}}}]}}"#
        ))
        .send()
        .await
        .expect("the other account's role");
    let exchange = |t: String| {
        let endpoint = s.endpoint.clone();
        async move {
            anonymous_sts(&endpoint)
                .assume_role_with_web_identity()
                .role_arn(format!("arn:aws:iam::{OTHER}:role/from-workload"))
                .role_session_name("federated")
                .web_identity_token(t)
                .send()
                .await
                .map_err(|e| (code(&e), message(&e)))
        }
    };
    let (for_b, _) = token(&workload, &["rolegate-b"], "RS256", Some(300), vec![])
        .await
        .expect("a token for the other account");
    let out = exchange(for_b.clone())
        .await
        .expect("exchanged by Rolegate");
    assert_eq!(
        out.subject_from_web_identity_token(),
        Some(role_arn.as_str())
    );
    assert_eq!(out.audience(), Some("rolegate-b"));
    assert!(
        out.assumed_role_user()
            .expect("user")
            .arn()
            .starts_with(&format!("arn:aws:sts::{OTHER}:assumed-role/from-workload/")),
        "{out:?}"
    );
    let (es_for_b, _) = token(&workload, &["rolegate-b"], "ES384", None, vec![])
        .await
        .expect("an ES384 token for the other account");
    exchange(es_for_b).await.expect("ES384 exchanged too");
    // The audience the policy trusts is checked: a token for someone else is refused.
    let (c, _) = exchange(rs256.clone()).await.expect_err("wrong audience");
    assert_eq!(
        c, "InvalidIdentityToken",
        "audience not in the provider's client ids"
    );
    // A forged subject (claims changed, signature kept) is refused.
    let (_, mut forged) = claims(&for_b);
    forged["sub"] = json!(format!("arn:aws:iam::{ACCOUNT}:role/admin"));
    let (c, _) = exchange(with_claims(&for_b, &forged))
        .await
        .expect_err("forged");
    assert_eq!(c, "InvalidIdentityToken");

    // The other account's own issuer has its own keys: none of this account's verify there.
    let other_issuer = other_iam
        .enable_outbound_web_identity_federation()
        .send()
        .await
        .expect("enable in the other account")
        .issuer_identifier()
        .expect("issuer")
        .to_owned();
    assert_ne!(other_issuer, issuer);
    let jwks = |url: String| async move {
        let out = bounded_async("curl")
            .args([
                "-sf",
                "--max-time",
                "10",
                &format!("{url}/.well-known/jwks.json"),
            ])
            .output()
            .await
            .expect("curl");
        assert!(out.status.success(), "{url}");
        serde_json::from_slice::<Value>(&out.stdout).expect("jwks")
    };
    let kids = |set: &Value| -> Vec<String> {
        set["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .map(|k| k["kid"].as_str().expect("kid").to_owned())
            .collect()
    };
    let ours = kids(&jwks(issuer.clone()).await);
    let theirs = kids(&jwks(other_issuer.clone()).await);
    assert_eq!((ours.len(), theirs.len()), (2, 2));
    assert!(
        ours.iter().all(|k| !theirs.contains(k)),
        "{ours:?} {theirs:?}"
    );
    // The other account trusts its own issuer too; this account's token, presented under
    // that issuer, does not verify.
    let own = other_iam
        .create_open_id_connect_provider()
        .url(&other_issuer)
        .client_id_list("rolegate-b")
        .send()
        .await
        .expect("register its own issuer")
        .open_id_connect_provider_arn()
        .expect("arn")
        .to_owned();
    other_iam
        .update_assume_role_policy()
        .role_name("from-workload")
        .policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":["{provider}","{own}"]}},
            "Action":"sts:AssumeRoleWithWebIdentity"}}]}}"#
        ))
        .send()
        .await
        .expect("trust both issuers");
    let (_, mut moved) = claims(&for_b);
    moved["iss"] = json!(other_issuer);
    let (c, _) = exchange(with_claims(&for_b, &moved))
        .await
        .expect_err("another account's key");
    assert_eq!(c, "InvalidIdentityToken");

    // Rotation: the new keys are published at once but sign only once relying parties'
    // cached key sets (max-age) hold them; until then the current key signs.
    let config = s.config.as_ref().expect("in-process server");
    let api_token = || {
        token(
            &workload,
            &["https://api.example.com"],
            "RS256",
            None,
            vec![],
        )
    };
    let signer = |t: &str| claims(t).0["kid"].as_str().expect("kid").to_owned();
    let (before, _) = api_token().await.expect("before rotation");
    let (rotated, from) = rolegate_server::rotate_outbound_keys(config, ACCOUNT, false)
        .await
        .expect("rotate");
    assert_eq!(rotated.len(), 2);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        from - now > 300,
        "signs only after a cached JWKS (max-age 300) has expired: {from} vs {now}"
    );
    let after = kids(&jwks(issuer.clone()).await);
    assert_eq!(after.len(), 4, "published ahead of use: {after:?}");
    assert!(rotated.iter().all(|k| after.contains(k)), "{after:?}");
    let (pending, _) = api_token().await.expect("while the new keys wait");
    assert_eq!(
        signer(&pending),
        signer(&before),
        "the current key still signs"
    );
    // `--immediately` (a key believed compromised): a newer pair signs at once; every
    // earlier key stays published for the tokens it signed.
    let (urgent, from) = rolegate_server::rotate_outbound_keys(config, ACCOUNT, true)
        .await
        .expect("rotate immediately");
    assert!(from <= time::OffsetDateTime::now_utc().unix_timestamp());
    let (fresh, _) = api_token().await.expect("after rotation");
    assert!(
        urgent.contains(&signer(&fresh)),
        "signed with the newest key"
    );
    let published = kids(&jwks(issuer.clone()).await);
    assert_eq!(published.len(), 6, "{published:?}");
    assert!(published.contains(&signer(&before)));

    // Disabled: no new tokens; those issued before still verify.
    iam.disable_outbound_web_identity_federation()
        .send()
        .await
        .expect("disable");
    let e = iam
        .disable_outbound_web_identity_federation()
        .send()
        .await
        .expect_err("twice");
    assert_eq!(code(&e), "FeatureDisabled");
    let (c, _) = token(&workload, &["rolegate-b"], "RS256", None, vec![])
        .await
        .expect_err("disabled");
    assert_eq!(c, "OutboundWebIdentityFederationDisabledException");
    let info = iam
        .get_outbound_web_identity_federation_info()
        .send()
        .await
        .expect("info when disabled");
    assert!(!info.jwt_vending_enabled());
    assert_eq!(info.issuer_identifier(), Some(issuer.as_str()));

    // The independent relying party: discovery, JWKS, signatures, claims; and the refusals.
    let mut tampered = claims(&rs256).1;
    tampered["sub"] = json!("arn:aws:iam::999999999999:role/admin");
    verify_externally(vec![
        json!({"token": rs256, "issuer": issuer, "audience": "https://api.example.com",
               "alg": "RS256", "sub": role_arn, "expect": "valid"}),
        json!({"token": es384, "issuer": issuer, "audience": "rolegate-b",
               "alg": "ES384", "sub": role_arn, "expect": "valid"}),
        json!({"token": fresh, "issuer": issuer, "audience": "https://api.example.com",
               "alg": "RS256", "sub": role_arn, "expect": "valid"}),
        json!({"token": with_claims(&rs256, &tampered), "issuer": issuer,
               "audience": "https://api.example.com", "alg": "RS256", "expect": "invalid",
               "foreign": true}),
        json!({"token": rs256, "issuer": issuer, "audience": "someone-else",
               "alg": "RS256", "expect": "invalid"}),
        json!({"token": with_claims(&rs256, &moved_issuer(&rs256, &other_issuer)),
               "issuer": other_issuer, "audience": "https://api.example.com",
               "alg": "RS256", "expect": "invalid", "foreign": true}),
    ])
    .await;

    // Re-enabled: the same issuer, so the trust configured elsewhere still holds.
    let again = iam
        .enable_outbound_web_identity_federation()
        .send()
        .await
        .expect("enable again");
    assert_eq!(again.issuer_identifier(), Some(issuer.as_str()));

    // An unknown issuer has no documents; the documents are never the API.
    for path in [
        "/outbound/00000000-0000-4000-8000-000000000000/.well-known/jwks.json",
        "/outbound/not-an-id/.well-known/openid-configuration",
        &format!(
            "{}/.well-known/other",
            issuer.trim_start_matches(&s.endpoint)
        ),
    ] {
        let out = bounded_async("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "--max-time",
                "10",
            ])
            .arg(format!("{}{path}", s.endpoint))
            .output()
            .await
            .expect("curl");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "404", "{path}");
    }

    // The audit trail has the calls, never a token.
    let events = crate::audit::stored_events(s).await;
    let calls = events
        .iter()
        .filter(|e| e.contains("\"GetWebIdentityToken\""))
        .count();
    assert!(calls >= 10, "{calls} GetWebIdentityToken events");
    for t in [&rs256, &es384, &for_b, &fresh] {
        let signature = t.rsplit('.').next().expect("signature");
        assert!(
            events
                .iter()
                .all(|e| !e.contains(signature) && !e.contains(t.as_str())),
            "a token in the audit trail"
        );
    }
    assert!(
        events
            .iter()
            .any(|e| e.contains("\"GetWebIdentityToken\"") && e.contains("rolegate-b")),
        "the request (its audiences) is recorded"
    );
}

fn moved_issuer(token: &str, issuer: &str) -> Value {
    let mut c = claims(token).1;
    c["iss"] = json!(issuer);
    c
}

/// An STS client with no credentials (AssumeRoleWithWebIdentity is unsigned).
fn anonymous_sts(endpoint: &str) -> aws_sdk_sts::Client {
    let config = aws_sdk_sts::Config::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_sts::Client::from_conf(config)
}
