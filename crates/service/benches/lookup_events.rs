//! LookupEvents over a large trail (issue 15 asks for its p99 with 1,000,000 stored events):
//! seeds `EVENTS` events (default 1,000,000) spread over 80 days into a SQLite store, then
//! times lookups of each kind through `Service::execute` — no HTTP — and prints p50 and p99.
//! Not criterion: the figure asked for is a percentile.
//!
//!   cargo bench -p rolegate-service --bench lookup_events        (EVENTS=100000 for a quick run)

use std::{sync::Arc, time::Instant};

use rolegate_proto::{
    Operation,
    dto::cloudtrail::{LookupAttribute, LookupEventsInput},
};
use rolegate_service::{
    Caller, Identity, RequestEnv, Service, ServiceConfig, audit::event_key, clock::SystemClock,
};
use rolegate_store::{SqliteStore, Store, Write, record::kind};
use serde_json::json;

const ACCOUNT: &str = "123456789012";
const NAMES: [&str; 10] = [
    "GetCallerIdentity",
    "AssumeRole",
    "GetRole",
    "ListRoles",
    "CreateUser",
    "GetUser",
    "ListUsers",
    "PutRolePolicy",
    "CreateAccessKey",
    "ListAccessKeys",
];

/// One measured query: its label and the request for iteration `i`.
type Case = (&'static str, Box<dyn Fn(usize) -> Operation>);

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

fn lookup(attribute: Option<(&str, &str)>, window: Option<(i64, i64)>) -> Operation {
    Operation::LookupEvents(LookupEventsInput {
        lookup_attributes: attribute.map(|(k, v)| {
            vec![LookupAttribute {
                attribute_key: k.into(),
                attribute_value: v.into(),
            }]
        }),
        start_time: window.and_then(|(s, _)| time::OffsetDateTime::from_unix_timestamp(s).ok()),
        end_time: window.and_then(|(_, e)| time::OffsetDateTime::from_unix_timestamp(e).ok()),
        event_category: None,
        max_results: Some(50),
        next_token: None,
    })
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let events: i64 = std::env::var("EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("dir");
    let (service, store) = rt.block_on(async {
        let store: Arc<dyn Store> = Arc::new(
            SqliteStore::open(&dir.path().join("bench.db"))
                .await
                .expect("store"),
        );
        let service = Service::new(
            store.clone(),
            Arc::new(SystemClock),
            ServiceConfig {
                account_id: ACCOUNT.into(),
                max_staleness: rolegate_service::DEFAULT_MAX_STALENESS,
            },
        );
        service.ensure_keyring().await.expect("keyring");
        service.bootstrap(None).await.expect("bootstrap");
        (service, store)
    });
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let span_ms = 80 * 86_400_000_i64;
    let started = Instant::now();
    rt.block_on(async {
        let mut batch = Vec::with_capacity(2000);
        for n in 0..events {
            let ms = now * 1000 - 60_000 - span_ms * n / events;
            let id = format!("00000000-0000-4000-8000-{n:012}");
            let user = format!("user{}", n % 1000);
            let e = json!({
                "eventVersion": "1.08",
                "userIdentity": {"type": "IAMUser", "principalId": "AIDABENCH", "arn": format!("arn:aws:iam::{ACCOUNT}:user/{user}"), "accountId": ACCOUNT, "accessKeyId": format!("AKIABENCH{:011}", n % 1000), "userName": user},
                "eventTime": "2026-12-01T00:00:00Z",
                "eventSource": "iam.amazonaws.com",
                "eventName": NAMES[(n % 10) as usize],
                "awsRegion": "us-east-1",
                "sourceIPAddress": "127.0.0.1",
                "userAgent": "bench",
                "requestParameters": {"roleName": format!("role{}", n % 5000)},
                "responseElements": null,
                "requestID": id,
                "eventID": id,
                "readOnly": n % 10 != 4,
                "eventType": "AwsApiCall",
                "managementEvent": true,
                "recipientAccountId": ACCOUNT,
                "eventCategory": "Management",
            });
            batch.push(Write::Append {
                scope: ACCOUNT.into(),
                kind: kind::AUDIT_EVENT.into(),
                key: event_key(ms, &id),
                data: e.to_string(),
            });
            if batch.len() == 2000 {
                store.commit(&batch).await.expect("seed");
                batch.clear();
            }
        }
        if !batch.is_empty() {
            store.commit(&batch).await.expect("seed");
        }
    });
    println!(
        "seeded {events} events in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let root = Caller {
        account: ACCOUNT.into(),
        identity: Identity::Root,
        access_key_id: "AKIABENCHROOTKEY0000".into(),
        session: None,
    };
    let mid = now - 40 * 86_400;
    let cases: Vec<Case> = vec![
        ("newest 50, no filter", Box::new(|_| lookup(None, None))),
        (
            "EventName (1 in 10)",
            Box::new(|i| lookup(Some(("EventName", NAMES[i % 10])), None)),
        ),
        (
            "Username (1 in 1,000)",
            Box::new(|i| lookup(Some(("Username", &format!("user{}", i % 1000))), None)),
        ),
        (
            "ResourceName (1 in 5,000)",
            Box::new(|i| lookup(Some(("ResourceName", &format!("role{}", i % 5000))), None)),
        ),
        (
            "one hour 40 days ago",
            Box::new(move |i| {
                let s = mid - (i as i64 % 100) * 3600;
                lookup(None, Some((s, s + 3600)))
            }),
        ),
    ];
    for (name, make) in &cases {
        let mut times = Vec::new();
        let mut returned = 0;
        let mut paged = 0;
        for i in 0..200 {
            let op = make(i);
            let t = Instant::now();
            let reply = rt
                .block_on(service.execute(&root, op, &env()))
                .expect("lookup");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if let Some((_, rolegate_proto::Value::Structure(members))) = reply.result() {
                for (k, v) in members {
                    match (k.as_ref(), v) {
                        ("Events", rolegate_proto::Value::List(l)) => returned += l.len(),
                        ("NextToken", _) => paged += 1,
                        _ => {}
                    }
                }
            }
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name:28} p50 {:8.2} ms   p99 {:8.2} ms   {:5.1} events/call, {paged}/200 with NextToken",
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            returned as f64 / 200.0
        );
    }
}
