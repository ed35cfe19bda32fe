//! The authorization API's verify-this-request decision (issue 16's target: ≥ 20,000
//! decisions a second on the 2-core machine): for each request, the SigV4 `Authorization`
//! header parsed, the access key looked up (`Service::authenticate`), the signature verified
//! (`rolegate_sigv4::verify` — the steps of the server's `authn::verify_signed`), the
//! signer's policies evaluated for `execute-api:Invoke` (`Access::decide`), the principal
//! described (`Access::principal`) and — with the audit trail on, as the product runs — the
//! decision stored as a data event (group commit). Everything but HTTP. Each iteration runs
//! 64 decisions concurrently on a 2-worker runtime; criterion reports decisions a second.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rolegate_proto::{Operation, Params, Value};
use rolegate_service::{
    Caller, Identity, RequestEnv, Service, ServiceConfig,
    access::{Access, Channel},
    authorize::Target,
    clock::SystemClock,
};
use rolegate_sigv4::{Request, SecretKey, hash_payload, parse_authorization_header, verify};
use rolegate_store::SqliteStore;

const ACCOUNT: &str = "123456789012";
const BATCH: u64 = 64;
const PREFIX: &str = "arn:aws:execute-api:us-east-1:123456789012:pets/prod";

fn env() -> RequestEnv {
    RequestEnv {
        request_id: "bench".into(),
        source_ip: Some([10, 0, 0, 1].into()),
        secure_transport: true,
        user_agent: None,
        region: "us-east-1".into(),
        now: time::OffsetDateTime::now_utc(),
    }
}

fn op(name: &str, pairs: &[(&str, &str)]) -> Operation {
    Operation::decode(name, None, &Params::from_strs(pairs).expect("params")).expect("decodes")
}

fn find<'v>(v: &'v Value, name: &str) -> Option<&'v str> {
    match v {
        Value::Structure(m) => m
            .iter()
            .find_map(|(k, v)| if k == name { v.as_str() } else { find(v, name) }),
        _ => None,
    }
}

/// One verification and decision, as the verify endpoint makes it.
async fn decide(service: &Service, headers: &[(String, String)]) -> bool {
    let auth = headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .map(|(_, v)| v.as_str())
        .expect("signed");
    let params = parse_authorization_header(auth).expect("parses");
    let credentials = service
        .authenticate(&params.scope.access_key_id, None)
        .await
        .expect("known key");
    let empty = hash_payload(b"");
    let request = Request {
        method: "GET",
        path: "/pets/1",
        query: &[],
        headers,
        payload_hash: &empty,
    };
    let env = env();
    verify(
        &request,
        &params,
        &credentials.secret,
        "execute-api",
        env.now,
    )
    .expect("verifies");
    let access = Access::new(service);
    let target = Target::new("execute-api:Invoke", format!("{PREFIX}/GET/pets/1"));
    let answer = access
        .decide(
            &credentials.caller,
            &target,
            Channel::ForwardAuth,
            ("GET", "/pets/1"),
            &env,
        )
        .await
        .expect("decides");
    let principal = access
        .principal(&credentials.caller)
        .await
        .expect("principal");
    answer.decision && !principal.arn.is_empty()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let (audited, plain, headers) = rt.block_on(async {
        let store = Arc::new(
            SqliteStore::open(&dir.path().join("bench.db"))
                .await
                .expect("store"),
        );
        let config = || ServiceConfig {
            account_id: ACCOUNT.into(),
            max_staleness: rolegate_service::DEFAULT_MAX_STALENESS,
        };
        let plain = Service::new(store.clone(), Arc::new(SystemClock), config());
        plain.ensure_keyring().await.expect("keyring");
        plain.bootstrap(None).await.expect("bootstrap");
        let audited =
            Service::new(store.clone(), Arc::new(SystemClock), config()).with_audit_trail();
        let root = Caller {
            account: ACCOUNT.into(),
            identity: Identity::Root,
            access_key_id: "AKIABENCHROOTKEY0000".into(),
            session: None,
        };
        let setup_env = env();
        let run = |o| plain.execute(&root, o, &setup_env);
        run(op("CreateUser", &[("UserName", "alice")]))
            .await
            .expect("user");
        for (i, g) in ["readers", "writers", "auditors"].iter().enumerate() {
            run(op("CreateGroup", &[("GroupName", g)])).await.expect("group");
            run(op("AddUserToGroup", &[("GroupName", g), ("UserName", "alice")]))
                .await
                .expect("member");
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"{PREFIX}/GET/group{i}/*"}},{{"Effect":"Deny","Action":"execute-api:Invoke","Resource":"{PREFIX}/DELETE/*","Condition":{{"NotIpAddress":{{"aws:SourceIp":"10.0.0.0/8"}}}}}}]}}"#
            );
            run(op(
                "PutGroupPolicy",
                &[("GroupName", g), ("PolicyName", "p"), ("PolicyDocument", &doc)],
            ))
            .await
            .expect("group policy");
        }
        let doc = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"{PREFIX}/GET/pets/*","Condition":{{"IpAddress":{{"aws:SourceIp":"10.0.0.0/8"}}}}}}]}}"#
        );
        run(op(
            "PutUserPolicy",
            &[("UserName", "alice"), ("PolicyName", "p"), ("PolicyDocument", &doc)],
        ))
        .await
        .expect("user policy");
        let reply = run(op("CreateAccessKey", &[("UserName", "alice")]))
            .await
            .expect("key");
        let (_, value) = reply.result().expect("output");
        let key = find(value, "AccessKeyId").expect("key id").to_owned();
        let secret = find(value, "SecretAccessKey").expect("secret").to_owned();
        let mut headers = vec![("host".to_owned(), "pets.example".to_owned())];
        let signed = rolegate_sigv4::sign_request(
            "GET",
            "/pets/1",
            "",
            &headers,
            b"",
            &key,
            &SecretKey::new(&secret),
            "us-east-1",
            "execute-api",
            time::OffsetDateTime::now_utc(),
        );
        headers.push(("x-amz-date".into(), signed.amz_date));
        headers.push(("authorization".into(), signed.authorization));
        (Arc::new(audited), Arc::new(plain), Arc::new(headers))
    });
    let mut group = c.benchmark_group("access_verify");
    group.throughput(Throughput::Elements(BATCH));
    for (name, service) in [("audited", &audited), ("no_audit", &plain)] {
        assert!(rt.block_on(decide(service, &headers)), "allowed");
        group.bench_function(format!("decide_64_concurrent/{name}"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let tasks: Vec<_> = (0..BATCH)
                        .map(|_| {
                            let s = service.clone();
                            let h = headers.clone();
                            tokio::spawn(async move { decide(&s, &h).await })
                        })
                        .collect();
                    for t in tasks {
                        assert!(t.await.expect("task"));
                    }
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
