//! The one suite every backend must pass: reads, ordered pagination, atomic multi-record
//! commits, preconditions under concurrency, and the change log — including a commit held
//! open across another one, which a reader must neither skip nor see out of place.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{Expect, GLOBAL, LogPosition, Store, StoreError, Write};

/// A transaction that has written a change to the log and is held open (by the test, on its
/// own connection to the backend's database).
#[async_trait]
pub trait HeldCommit: Send {
    /// Commits it.
    async fn commit(self: Box<Self>);
}

/// Opens [`HeldCommit`]s on a backend's database, beside the store under test.
#[async_trait]
pub trait HoldCommits: Send + Sync {
    /// Begins a transaction that appends a change for `(scope, kind, key)` and leaves it open.
    async fn hold(&self, scope: &str, kind: &str, key: &str) -> Box<dyn HeldCommit>;
    /// Whether a held transaction makes other commits wait (SQLite: one writer at a time).
    fn blocks_writers(&self) -> bool;
}

fn put(scope: &str, kind: &str, key: &str, expect: Expect, data: &str) -> Write {
    Write::Put {
        scope: scope.into(),
        kind: kind.into(),
        key: key.into(),
        expect,
        data: data.into(),
    }
}

/// Runs every check; panics with the name of the first that fails. `hold` opens transactions
/// on the same database as `store`.
pub async fn run(store: Arc<dyn Store>, hold: &dyn HoldCommits) {
    create_read_update_delete(&*store).await;
    preconditions(&*store).await;
    atomic_commit(&*store).await;
    ordered_pages(&*store).await;
    scopes_are_separate(&*store).await;
    keys_are_exact(&*store).await;
    concurrent_writers_never_lose_or_exceed(store.clone()).await;
    change_log(&*store).await;
    appended_records(&*store).await;
    scan_appended(&*store).await;
    late_commit_is_never_skipped(store.clone(), hold).await;
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

/// Keys are compared byte for byte: an OIDC provider's key (`Host:8443/Path`) keeps its case,
/// its port and its slashes, and a key differing only in case is another record.
async fn keys_are_exact(s: &dyn Store) {
    let a = "idp.example.com:8443/realms/Main";
    let b = "idp.example.com:8443/realms/main";
    s.commit(&[
        put("a5", "oidc-provider", a, Expect::Absent, "{\"n\":\"A\"}"),
        put("a5", "oidc-provider", b, Expect::Absent, "{\"n\":\"b\"}"),
    ])
    .await
    .expect("both keys are new");
    let ra = s
        .get("a5", "oidc-provider", a)
        .await
        .expect("get")
        .expect("a");
    let rb = s
        .get("a5", "oidc-provider", b)
        .await
        .expect("get")
        .expect("b");
    assert_eq!(
        (ra.data.as_str(), rb.data.as_str()),
        ("{\"n\":\"A\"}", "{\"n\":\"b\"}")
    );
    let listed = s.list("a5", "oidc-provider", None, 10).await.expect("list");
    let mut keys: Vec<&str> = listed.iter().map(|r| r.key.as_str()).collect();
    keys.sort_unstable();
    assert_eq!(keys, [a, b]);
    assert_eq!(
        s.get("a5", "oidc-provider", "IDP.example.com:8443/realms/main")
            .await
            .expect("get"),
        None,
        "another spelling is another key"
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

fn keys(changes: &[crate::Change]) -> Vec<&str> {
    changes.iter().map(|c| c.key.as_str()).collect()
}

/// Reads the log from `from` on, going on from what it got, until `want` changes have come
/// (or a bounded number of reads, then returns what came). On PostgreSQL the horizon is
/// cluster-wide: an unrelated transaction in progress (another test's) holds it back for a
/// moment, so a change just committed may take a few reads to come.
async fn read_until(s: &dyn Store, from: LogPosition, want: usize) -> Vec<crate::Change> {
    let mut got: Vec<crate::Change> = Vec::new();
    for _attempt in 0..200 {
        let at = got.last().map_or(from, |c| c.position);
        got.extend(s.changes_since(at, 100).await.expect("changes"));
        if got.len() >= want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    got
}

async fn change_log(s: &dyn Store) {
    let before = s.last_change().await.expect("last");
    s.commit(&[
        put("a4", "role", "x", Expect::Absent, "1"),
        put("a4", "role", "y", Expect::Absent, "1"),
    ])
    .await
    .expect("create");
    let changes = read_until(s, before, 2).await;
    assert_eq!(keys(&changes), ["x", "y"], "one change per write, in order");
    assert!(changes.windows(2).all(|w| w[0].position < w[1].position));
    assert!(changes.iter().all(|c| c.position > before));
    assert_eq!(
        s.last_change().await.expect("last"),
        changes.last().expect("some").position,
        "a new reader starts after the newest change"
    );
    let limited = s.changes_since(before, 1).await.expect("one");
    assert_eq!(keys(&limited), ["x"], "limit");
    let rest = s
        .changes_since(limited[0].position, 100)
        .await
        .expect("rest");
    assert_eq!(keys(&rest), ["y"], "going on from a position");
    let _ = s
        .commit(&[put("a4", "role", "x", Expect::Absent, "dup")])
        .await;
    s.commit(&[put("a4", "role", "z", Expect::Absent, "1")])
        .await
        .expect("create");
    assert_eq!(
        keys(&read_until(s, before, 3).await),
        ["x", "y", "z"],
        "a failed commit logs nothing"
    );
    let pruned = s.prune_changes(i64::MAX).await.expect("prune");
    assert!(pruned >= 3);
    assert!(
        s.changes_since(LogPosition::START, 100)
            .await
            .expect("changes")
            .is_empty()
    );
}

/// A bounded search: only records whose data holds the needle, in key order, never past the
/// scan bound, and where the scan stopped.
async fn scan_appended(s: &dyn Store) {
    let writes: Vec<Write> = (0..10)
        .map(|i| Write::Append {
            scope: "scan".into(),
            kind: "event".into(),
            key: format!("k{i}"),
            data: format!(
                "{{\"user\":\"{}\",\"text\":\"100% _'\\\"é\"}}",
                if i % 3 == 0 { "needle" } else { "other" }
            ),
        })
        .collect();
    s.commit(&writes).await.expect("append");
    let keys = |r: &crate::Scanned| r.found.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
    let all = s
        .scan_appended("scan", "event", None, "\"needle\"", 100)
        .await
        .expect("scan");
    assert_eq!(keys(&all), ["k0", "k3", "k6", "k9"]);
    assert_eq!((all.examined, all.last.as_deref()), (10, Some("k9")));
    assert!(
        all.found
            .iter()
            .all(|r| r.data.contains("needle") && r.version == 1)
    );
    let bounded = s
        .scan_appended("scan", "event", Some("k0"), "\"needle\"", 4)
        .await
        .expect("bounded");
    assert_eq!(keys(&bounded), ["k3"], "only k1..k4 examined");
    assert_eq!((bounded.examined, bounded.last.as_deref()), (4, Some("k4")));
    // Characters LIKE would treat as patterns are plain text here.
    for plain in ["100%", "_'", "\\\"é"] {
        let found = s
            .scan_appended("scan", "event", None, plain, 100)
            .await
            .expect("plain");
        assert_eq!(found.found.len(), 10, "{plain}");
    }
    let none = s
        .scan_appended("scan", "event", None, "%", 100)
        .await
        .expect("percent");
    assert_eq!(none.found.len(), 10);
    let missing = s
        .scan_appended("scan", "event", None, "absent", 100)
        .await
        .expect("absent");
    assert!(missing.found.is_empty());
    assert_eq!(
        (missing.examined, missing.last.as_deref()),
        (10, Some("k9"))
    );
    let past = s
        .scan_appended("scan", "event", Some("k9"), "needle", 100)
        .await
        .expect("past the end");
    assert_eq!(
        past,
        crate::Scanned {
            found: Vec::new(),
            examined: 0,
            last: None
        }
    );
}

/// Appended records: created once (a second append of the key is a conflict and rolls back
/// the whole commit), listed with `list_appended`, apart from the versioned records (an
/// address may hold one of each), never in the change log, and deleted by range with
/// `delete_appended_after`, one scope and kind at a time.
async fn appended_records(s: &dyn Store) {
    let append = |scope: &str, key: &str| Write::Append {
        scope: scope.into(),
        kind: "event".into(),
        key: key.into(),
        data: format!("{{\"k\":\"{key}\"}}"),
    };
    let before = s.last_change().await.expect("last");
    s.commit(&[append("a5", "1"), append("a5", "2"), append("a5", "3")])
        .await
        .expect("append");
    s.commit(&[append("a6", "3")]).await.expect("other scope");
    assert_eq!(
        s.commit(&[append("a5", "4"), append("a5", "2")]).await,
        Err(StoreError::Conflict),
        "an existing key is a conflict"
    );
    let listed = |scope: &'static str| async move {
        s.list_appended(scope, "event", None, 1000)
            .await
            .expect("list appended")
            .into_iter()
            .map(|r| (r.key, r.version, r.data))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listed("a5").await,
        [
            ("1".to_owned(), 1, "{\"k\":\"1\"}".to_owned()),
            ("2".to_owned(), 1, "{\"k\":\"2\"}".to_owned()),
            ("3".to_owned(), 1, "{\"k\":\"3\"}".to_owned()),
        ],
        "a conflicting append rolls back its whole commit"
    );
    assert!(
        s.changes_since(before, 100)
            .await
            .expect("changes")
            .is_empty(),
        "appends are not in the change log"
    );
    // Apart from the versioned records: neither sees the other, and an address may hold one
    // of each.
    assert_eq!(s.get("a5", "event", "2").await.expect("get"), None);
    assert!(
        s.list("a5", "event", None, 10)
            .await
            .expect("list")
            .is_empty()
    );
    s.commit(&[put("a5", "event", "2", Expect::Absent, "{\"put\":1}")])
        .await
        .expect("a versioned record at an appended record's address");
    assert_eq!(
        s.get("a5", "event", "2")
            .await
            .expect("get")
            .map(|r| r.data),
        Some("{\"put\":1}".to_owned())
    );
    assert_eq!(listed("a5").await.len(), 3);
    // Only the Put made a change; the appends made none.
    let changed = s.changes_since(before, 100).await.expect("changes");
    assert_eq!(keys(&changed), ["2"]);
    assert_eq!(
        s.delete_appended_after("a5", "event", "1")
            .await
            .expect("delete"),
        2
    );
    let left: Vec<String> = s
        .list_appended("a5", "event", None, 10)
        .await
        .expect("list")
        .into_iter()
        .map(|r| r.key)
        .collect();
    assert_eq!(
        left,
        ["1"],
        "keys after the bound are gone, the bound's is kept"
    );
    assert_eq!(
        listed("a6").await.len(),
        1,
        "another scope keeps its records"
    );
    // Versioned records have their own range delete; it leaves appended ones alone.
    s.commit(&[put("a5", "event", "3", Expect::Absent, "{\"put\":3}")])
        .await
        .expect("a second versioned record");
    assert_eq!(s.delete_after("a5", "event", "2").await.expect("delete"), 1);
    assert_eq!(
        s.list("a5", "event", None, 10)
            .await
            .expect("list")
            .into_iter()
            .map(|r| r.key)
            .collect::<Vec<_>>(),
        ["2"]
    );
    assert_eq!(listed("a5").await.len(), 1, "the appended record is kept");
    let before = s.last_change().await.expect("last");
    assert!(
        s.get("a5", "event", "2").await.expect("get").is_some(),
        "the versioned record at a deleted appended record's address is kept"
    );
    // A large run of appends (a group commit of the audit trail) is stored whole, whatever
    // the chunks it is inserted in; a duplicate anywhere in it, even of a key in the same
    // commit, rolls all of it back.
    let many: Vec<Write> = (0..301).map(|i| append("a7", &format!("{i:04}"))).collect();
    s.commit(&many).await.expect("a large run");
    assert_eq!(
        s.list_appended("a7", "event", None, 1000)
            .await
            .expect("list")
            .len(),
        301
    );
    let mut dup: Vec<Write> = (0..45).map(|i| append("a8", &format!("{i:04}"))).collect();
    dup.push(append("a8", "0007"));
    dup.extend((45..50).map(|i| append("a8", &format!("{i:04}"))));
    assert_eq!(
        s.commit(&dup).await,
        Err(StoreError::Conflict),
        "a key twice in one commit"
    );
    assert!(
        s.list_appended("a8", "event", None, 1000)
            .await
            .expect("list")
            .is_empty(),
        "nothing of a conflicting run is kept"
    );
    let mut late: Vec<Write> = (0..40).map(|i| append("a9", &format!("{i:04}"))).collect();
    late.push(append("a7", "0300"));
    assert_eq!(
        s.commit(&late).await,
        Err(StoreError::Conflict),
        "an existing key at the end"
    );
    assert!(
        s.list_appended("a9", "event", None, 1000)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(
        s.changes_since(before, 100)
            .await
            .expect("changes")
            .is_empty(),
        "nor are their deletions"
    );
}

/// The finding this guards against: a transaction takes its place in the log (`late`), another
/// one (`early`) commits meanwhile, a reader reads, then `late` commits. A reader that went on
/// from the highest position it had seen would never see `late`. Here every reader — one
/// going on from what it read, one starting at `last_change` while `late` was open — sees
/// both, each once, `late` first (it began first).
async fn late_commit_is_never_skipped(s: Arc<dyn Store>, hold: &dyn HoldCommits) {
    let start = s.last_change().await.expect("last");
    let held = hold.hold("a5", "role", "late").await;
    let early = {
        let s = s.clone();
        tokio::spawn(async move {
            s.commit(&[put("a5", "role", "early", Expect::Absent, "1")])
                .await
        })
    };
    let early = if hold.blocks_writers() {
        Some(early)
    } else {
        // Nothing makes `early` wait: it is committed before anything is read.
        early.await.expect("join").expect("early commits");
        None
    };
    // What a reader gets while `late` is open; `early` is committed (PostgreSQL) or waiting.
    let first = s.changes_since(start, 100).await.expect("while held");
    let joined = s.last_change().await.expect("last while held");
    assert!(joined >= start);
    held.commit().await;
    if let Some(early) = early {
        early.await.expect("join").expect("early commits");
    }
    let mut seen = first.clone();
    let from = first.last().map_or(start, |c| c.position);
    seen.extend(read_until(&*s, from, 2 - first.len().min(2)).await);
    assert_eq!(
        keys(&seen),
        ["late", "early"],
        "every change once, none skipped, in transaction order"
    );
    let from_joined = read_until(&*s, joined, 2).await;
    assert!(
        keys(&from_joined).contains(&"late"),
        "a reader starting at last_change while `late` was open still sees it"
    );
}
