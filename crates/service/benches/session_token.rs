//! Session token seal + open (target ≤ 5 µs together).

use criterion::{Criterion, criterion_group, criterion_main};
use rolegate_service::session::{
    Origin, SealingKey, Session, SessionPolicy, SessionPrincipal, open, seal,
};
use zeroize::Zeroizing;

fn session() -> Session {
    Session {
        access_key_id: "ASIADS7JSGQUNXIEFKDR".into(),
        secret: rolegate_store::Secret::new("P94I4+CfJqR2vqwZIFKNA8LVtE4UHE6y7qKEjapq"),
        account: "123456789012".into(),
        principal: SessionPrincipal::Role {
            id: "AROATCEKBIS6KEFCQIHQ2".into(),
            name: "RoleOne".into(),
            path: "/".into(),
            session: "alice-session".into(),
        },
        issued_ms: 1_795_247_020_123,
        expires: 1_795_250_620,
        source_identity: Some("alice".into()),
        tags: vec![("Project".into(), "Pegasus".into()), ("Team".into(), "blue".into())],
        transitive: vec!["Project".into()],
        policies: Some(vec![SessionPolicy {
            label: "session-policy".into(),
            document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}"#.into(),
        }]),
        mfa_at: Some(1_795_247_000),
        origin: Origin {
            key: "AKIAF2Z4OPVKGSPU2D7S".into(),
            expires: 1_795_250_620,
            depth: 0,
        },
    }
}

fn bench(c: &mut Criterion) {
    let key = SealingKey {
        id: 1,
        key: Zeroizing::new([7u8; 32]),
    };
    let s = session();
    let nonce = [3u8; rolegate_service::session::NONCE];
    let token = seal(&s, &key, &nonce).expect("seal");
    c.bench_function("session_token/seal", |b| {
        b.iter(|| seal(std::hint::black_box(&s), &key, &nonce))
    });
    c.bench_function("session_token/open", |b| {
        b.iter(|| open(std::hint::black_box(&token), |_| Some(key.key.clone())))
    });
    c.bench_function("session_token/seal_and_open", |b| {
        b.iter(|| {
            let t = seal(std::hint::black_box(&s), &key, &nonce).expect("seal");
            open(&t, |_| Some(key.key.clone()))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
