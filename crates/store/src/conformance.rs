//! The one suite every backend must pass: reads, ordered pagination, atomic multi-record
//! commits, preconditions under concurrency, and the change log.

use std::sync::Arc;

use crate::{Expect, GLOBAL, Store, StoreError, Write};

fn put(scope: &str, kind: &str, key: &str, expect: Expect, data: &str) -> Write {
    Write::Put {
        scope: scope.into(),
        kind: kind.into(),
        key: key.into(),
        expect,
        data: data.into(),
    }
}

/// Runs every check; panics with the name of the first that fails.
pub async fn run(store: Arc<dyn Store>) {
    create_read_update_delete(&*store).await;
    preconditions(&*store).await;
    atomic_commit(&*store).await;
    ordered_pages(&*store).await;
    scopes_are_separate(&*store).await;
    concurrent_writers_never_lose_or_exceed(store.clone()).await;
    change_log(&*store).await;
    store.ping().await.expect("ping");
}

async fn create_read_update_delete(s: &dyn Store) {
    assert_eq!(
        s.get("a1", "user", "alice").await.expect("get"),
        None,
        "absent before create"
    );
    s.commit(&[put("a1", "user", "alice", Expect::Absent, "{\"n\":1}")])
        .await
        .expect("create");
    let r = s
        .get("a1", "user", "alice")
        .await
        .expect("get")
        .expect("present");
    assert_eq!((r.version, r.data.as_str()), (1, "{\"n\":1}"));
    s.commit(&[put("a1", "user", "alice", Expect::Version(1), "{\"n\":2}")])
        .await
        .expect("update");
    let r = s
        .get("a1", "user", "alice")
        .await
        .expect("get")
        .expect("present");
    assert_eq!((r.version, r.data.as_str()), (2, "{\"n\":2}"));
    s.commit(&[Write::Delete {
        scope: "a1".into(),
        kind: "user".into(),
        key: "alice".into(),
        version: 2,
    }])
    .await
    .expect("delete");
    assert_eq!(
        s.get("a1", "user", "alice").await.expect("get"),
        None,
        "absent after delete"
    );
}

async fn preconditions(s: &dyn Store) {
    s.commit(&[put("a1", "role", "r", Expect::Absent, "1")])
        .await
        .expect("create");
    assert_eq!(
        s.commit(&[put("a1", "role", "r", Expect::Absent, "2")])
            .await,
        Err(StoreError::Conflict),
        "double create"
    );
    assert_eq!(
        s.commit(&[put("a1", "role", "r", Expect::Version(7), "2")])
            .await,
        Err(StoreError::Conflict),
        "stale update"
    );
    assert_eq!(
        s.commit(&[Write::Delete {
            scope: "a1".into(),
            kind: "role".into(),
            key: "r".into(),
            version: 9
        }])
        .await,
        Err(StoreError::Conflict),
        "stale delete"
    );
    assert_eq!(
        s.get("a1", "role", "r")
            .await
            .expect("get")
            .expect("kept")
            .data,
        "1",
        "failed writes change nothing"
    );
}

async fn atomic_commit(s: &dyn Store) {
    s.commit(&[put("a1", "group", "g", Expect::Absent, "g1")])
        .await
        .expect("create");
    // The second write fails, so the first must not be applied either.
    let result = s
        .commit(&[
            put("a1", "group", "h", Expect::Absent, "h1"),
            put("a1", "group", "g", Expect::Absent, "g2"),
        ])
        .await;
    assert_eq!(result, Err(StoreError::Conflict));
    assert_eq!(
        s.get("a1", "group", "h").await.expect("get"),
        None,
        "no half-written commit"
    );
    assert_eq!(
        s.get("a1", "group", "g")
            .await
            .expect("get")
            .expect("kept")
            .data,
        "g1"
    );
}

async fn ordered_pages(s: &dyn Store) {
    let keys = ["b", "a", "c/x", "c", "B", "aa", "z", "é"];
    let writes: Vec<Write> = keys
        .iter()
        .map(|k| put("a2", "policy", k, Expect::Absent, k))
        .collect();
    s.commit(&writes).await.expect("create many");
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = s
            .list("a2", "policy", after.as_deref(), 3)
            .await
            .expect("list");
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 3);
        after = page.last().map(|r| r.key.clone());
        seen.extend(page.into_iter().map(|r| r.key));
    }
    let mut expected: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    expected.sort(); // byte order on every backend
    assert_eq!(seen, expected);
}

async fn scopes_are_separate(s: &dyn Store) {
    s.commit(&[
        put("111111111111", "user", "same", Expect::Absent, "one"),
        put("222222222222", "user", "same", Expect::Absent, "two"),
    ])
    .await
    .expect("two accounts");
    assert_eq!(
        s.get("111111111111", "user", "same")
            .await
            .expect("get")
            .expect("one")
            .data,
        "one"
    );
    assert_eq!(
        s.get("222222222222", "user", "same")
            .await
            .expect("get")
            .expect("two")
            .data,
        "two"
    );
    assert_eq!(s.get(GLOBAL, "user", "same").await.expect("get"), None);
    assert_eq!(
        s.list("111111111111", "user", None, 10)
            .await
            .expect("list")
            .len(),
        1
    );
}

/// 12 writers each read-modify-write a counter with a cap of 5: exactly 5 increments land, none
/// is lost, the cap is never exceeded.
async fn concurrent_writers_never_lose_or_exceed(s: Arc<dyn Store>) {
    s.commit(&[put("a3", "policy", "p", Expect::Absent, "0")])
        .await
        .expect("create");
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for _attempt in 0..200 {
                let r = s
                    .get("a3", "policy", "p")
                    .await
                    .expect("get")
                    .expect("present");
                let n: i64 = r.data.parse().expect("number");
                if n >= 5 {
                    return false;
                }
                match s
                    .commit(&[put(
                        "a3",
                        "policy",
                        "p",
                        Expect::Version(r.version),
                        &(n + 1).to_string(),
                    )])
                    .await
                {
                    Ok(()) => return true,
                    Err(StoreError::Conflict) => tokio::task::yield_now().await,
                    Err(e) => panic!("unexpected {e}"),
                }
            }
            panic!("writer starved");
        }));
    }
    let mut won = 0;
    for t in tasks {
        if t.await.expect("join") {
            won += 1;
        }
    }
    assert_eq!(won, 5, "exactly five writers succeed");
    assert_eq!(
        s.get("a3", "policy", "p")
            .await
            .expect("get")
            .expect("present")
            .data,
        "5"
    );
}

async fn change_log(s: &dyn Store) {
    let before = s.last_change().await.expect("last");
    s.commit(&[
        put("a4", "role", "x", Expect::Absent, "1"),
        put("a4", "role", "y", Expect::Absent, "1"),
    ])
    .await
    .expect("create");
    let changes = s.changes_since(before, 100).await.expect("changes");
    let keys: Vec<&str> = changes.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["x", "y"], "one change per write, in order");
    assert!(changes.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(
        s.last_change().await.expect("last"),
        changes.last().expect("some").seq
    );
    let _ = s
        .commit(&[put("a4", "role", "x", Expect::Absent, "dup")])
        .await;
    assert_eq!(
        s.changes_since(before, 100).await.expect("changes").len(),
        2,
        "a failed commit logs nothing"
    );
    let pruned = s.prune_changes(i64::MAX).await.expect("prune");
    assert!(pruned >= 2);
    assert!(s.changes_since(0, 100).await.expect("changes").is_empty());
}
