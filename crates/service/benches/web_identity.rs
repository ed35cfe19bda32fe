//! AssumeRoleWithWebIdentity with the issuer's keys cached (issue 13's target: ≥ 5,000 calls a
//! second on the 2-core machine): decode, token verification (ES256 and EdDSA, aws-lc-rs), the
//! trust policy, and a sealed session — everything but HTTP.

use std::sync::Arc;

use aws_lc_rs::{
    rand::SystemRandom,
    signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _},
};
use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use rolegate_proto::{Operation, Params};
use rolegate_service::{
    Caller, Identity, RequestEnv, Service, ServiceConfig,
    clock::SystemClock,
    federation::{FederationConfig, Fetched, KeySource},
};
use rolegate_store::SqliteStore;

const ISSUER: &str = "https://idp.bench";
const ACCOUNT: &str = "123456789012";

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

struct Idp(String);

#[async_trait::async_trait]
impl KeySource for Idp {
    async fn get(&self, url: &str) -> Result<Fetched, String> {
        let body = if url.ends_with("/openid-configuration") {
            format!(r#"{{"issuer":"{ISSUER}","jwks_uri":"{ISSUER}/jwks"}}"#)
        } else {
            self.0.clone()
        };
        Ok(Fetched {
            body: body.into_bytes(),
            max_age: None,
        })
    }
}

fn env() -> RequestEnv {
    RequestEnv {
        request_id: "bench".into(),
        source_ip: None,
        secure_transport: true,
        user_agent: None,
        region: "us-east-1".into(),
        now: time::OffsetDateTime::now_utc(),
    }
}

fn op(name: &str, pairs: &[(&str, &str)]) -> Operation {
    Operation::decode(name, None, &Params::from_strs(pairs).expect("params")).expect("decodes")
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ed = Ed25519KeyPair::generate().expect("ed25519");
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .expect("p-256");
    let ec =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).expect("p-256");
    let point = ec.public_key().as_ref().to_vec();
    let jwks = serde_json::json!({"keys": [
        {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": b64(ed.public_key().as_ref())},
        {"kty": "EC", "crv": "P-256", "kid": "ec", "x": b64(&point[1..33]), "y": b64(&point[33..65])},
    ]})
    .to_string();
    let dir = tempfile::tempdir().expect("dir");
    let service = rt.block_on(async {
        let store = SqliteStore::open(&dir.path().join("bench.db"))
            .await
            .expect("store");
        let service = Service::new(
            Arc::new(store),
            Arc::new(SystemClock),
            ServiceConfig {
                account_id: ACCOUNT.into(),
                max_staleness: rolegate_service::DEFAULT_MAX_STALENESS,
            },
        )
        .with_federation(FederationConfig::default(), Arc::new(Idp(jwks)));
        service.ensure_keyring().await.expect("keyring");
        service.bootstrap(None).await.expect("bootstrap");
        let root = Caller {
            account: ACCOUNT.into(),
            identity: Identity::Root,
            access_key_id: "AKIABENCHROOTKEY0000".into(),
            session: None,
        };
        service
            .execute(
                &root,
                op(
                    "CreateOpenIDConnectProvider",
                    &[("Url", ISSUER), ("ClientIDList.member.1", "sts.amazonaws.com")],
                ),
                &env(),
            )
            .await
            .expect("provider");
        let trust = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::{ACCOUNT}:oidc-provider/idp.bench"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{"idp.bench:sub":"repo:acme/app:ref:refs/heads/main","idp.bench:aud":"sts.amazonaws.com"}}}}}}]}}"#
        );
        service
            .execute(
                &root,
                op(
                    "CreateRole",
                    &[("RoleName", "ci"), ("AssumeRolePolicyDocument", &trust)],
                ),
                &env(),
            )
            .await
            .expect("role");
        service
    });
    let claims = format!(
        r#"{{"iss":"{ISSUER}","sub":"repo:acme/app:ref:refs/heads/main","aud":"sts.amazonaws.com","iat":{},"exp":{}}}"#,
        time::OffsetDateTime::now_utc().unix_timestamp(),
        time::OffsetDateTime::now_utc().unix_timestamp() + 86_400
    );
    let token = |header: &str, sign: &dyn Fn(&[u8]) -> Vec<u8>| {
        let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
        format!("{input}.{}", b64(&sign(input.as_bytes())))
    };
    let es256 = token(r#"{"alg":"ES256","kid":"ec"}"#, &|m| {
        ec.sign(&SystemRandom::new(), m)
            .expect("sign")
            .as_ref()
            .to_vec()
    });
    let eddsa = token(r#"{"alg":"EdDSA","kid":"ed"}"#, &|m| {
        ed.sign(m).as_ref().to_vec()
    });
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/ci");
    for (name, t) in [("es256", &es256), ("eddsa", &eddsa)] {
        let call = || {
            op(
                "AssumeRoleWithWebIdentity",
                &[
                    ("RoleArn", role_arn.as_str()),
                    ("RoleSessionName", "bench"),
                    ("WebIdentityToken", t.as_str()),
                ],
            )
        };
        rt.block_on(service.execute_unsigned(call(), &env()))
            .expect("the first call fetches the keys and succeeds");
        c.bench_function(&format!("web_identity/assume_{name}"), |b| {
            b.iter(|| rt.block_on(service.execute_unsigned(call(), &env())))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
