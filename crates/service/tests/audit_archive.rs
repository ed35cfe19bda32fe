//! The audit trail's files (issue 15): hours exported as CloudTrail log files with signed,
//! chained digests, and verification naming every kind of damage — a record modified,
//! deleted, inserted or reordered; a log file deleted or inserted; a digest modified, deleted
//! or signed by another key — while an untouched archive verifies clean.

use std::{
    fs,
    io::{Read as _, Write as _},
    path::{Path, PathBuf},
    sync::Arc,
};

use rolegate_service::{
    Service, ServiceConfig,
    audit::{
        archive::{self, GRACE_SECS},
        event_key,
        verify::{Report, Required, verify},
    },
    clock::ShiftedClock,
};
use rolegate_store::{SqliteStore, Store, Write, record::kind};
use serde_json::{Value as Json, json};

const ACCOUNT: &str = "123456789012";

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    service: Service,
    store: Arc<dyn Store>,
    public_key: Vec<u8>,
}

/// Events in three consecutive hours (the middle one empty) in the management account,
/// all exported.
async fn exported() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let store: Arc<dyn Store> = Arc::new(
        SqliteStore::open(&dir.path().join("rolegate.db"))
            .await
            .expect("store"),
    );
    let service = Service::new(
        store.clone(),
        Arc::new(ShiftedClock::default()),
        ServiceConfig {
            account_id: ACCOUNT.into(),
            max_staleness: rolegate_service::DEFAULT_MAX_STALENESS,
        },
    );
    service.bootstrap(None).await.expect("bootstrap");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let hour = (now - GRACE_SECS).div_euclid(3600) * 3600 - 3 * 3600;
    let mut n = 0;
    for (h, count, region) in [
        (0, 3, "us-east-1"),
        (2, 2, "eu-west-1"),
        (2, 1, "us-east-1"),
    ] {
        for i in 0..count {
            n += 1;
            let ms = (hour + h * 3600 + 60 * i) * 1000 + n;
            let id = format!("00000000-0000-4000-8000-{n:012}");
            let event = json!({
                "eventVersion": "1.08",
                "eventID": id,
                "eventName": "CreateUser",
                "awsRegion": region,
                "recipientAccountId": ACCOUNT,
                "requestParameters": {"userName": format!("user{n}")},
            });
            store
                .commit(&[Write::Append {
                    scope: ACCOUNT.into(),
                    kind: kind::AUDIT_EVENT.into(),
                    key: event_key(ms, &id),
                    data: event.to_string(),
                }])
                .await
                .expect("event");
        }
    }
    let root = dir.path().join("audit");
    let done = service.export_trail(&root).await.expect("export");
    assert_eq!(done.events, 6, "every event in a file: {done:?}");
    assert_eq!(done.log_files, 3, "one file per region and hour: {done:?}");
    assert!(
        done.digests >= 3,
        "a digest for every hour, empty ones too: {done:?}"
    );
    let public_key = hex::decode(service.audit_public_key().await.expect("key")).expect("hex");
    Fixture {
        _dir: dir,
        root,
        service,
        store,
        public_key,
    }
}

fn files(root: &Path, part: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    archive::collect(root, "", &mut out);
    let mut paths: Vec<PathBuf> = out
        .into_iter()
        .filter(|o| o.contains(part) && o.ends_with(".json.gz"))
        .map(|o| root.join(o.trim_start_matches('/')))
        .collect();
    paths.sort();
    paths
}

fn read(path: &Path) -> Json {
    let mut s = String::new();
    flate2::read::GzDecoder::new(fs::File::open(path).expect("open"))
        .read_to_string(&mut s)
        .expect("gunzip");
    serde_json::from_str(&s).expect("json")
}

fn write(path: &Path, value: &Json) {
    let mut gz = flate2::write::GzEncoder::new(
        fs::File::create(path).expect("create"),
        flate2::Compression::default(),
    );
    gz.write_all(value.to_string().as_bytes()).expect("write");
    gz.finish().expect("finish");
}

/// The log file with the most records.
fn biggest_log(root: &Path) -> PathBuf {
    files(root, "/CloudTrail/")
        .into_iter()
        .max_by_key(|p| read(p)["Records"].as_array().map_or(0, Vec::len))
        .expect("a log file")
}

/// Verifies as `rolegate audit verify` does with the store: requiring every hour exported.
async fn check(f: &Fixture) -> Report {
    let required = Required {
        exported: f.service.audit_exported().await.expect("heads"),
        sealed: None,
    };
    verify(&f.root, &f.public_key, None, None, &required)
}

fn named(report: &Report, what: &str) -> bool {
    report.damage.iter().any(|d| d.what.contains(what))
}

#[tokio::test]
async fn an_untouched_archive_verifies_and_a_second_export_adds_nothing() {
    let f = exported().await;
    let report = check(&f).await;
    assert!(report.damage.is_empty(), "{:?}", report.damage);
    assert!(report.digests_valid >= 3);
    assert_eq!(report.log_files_valid, 3);
    let again = f.service.export_trail(&f.root).await.expect("export");
    assert_eq!(again, archive::Exported::default(), "nothing new");
    // The files are CloudTrail's: `{"Records": [...]}` with the stored events.
    let log = read(&biggest_log(&f.root));
    assert_eq!(log["Records"].as_array().map(Vec::len), Some(3));
    let digest = read(&files(&f.root, "CloudTrail-Digest").pop().expect("digest"));
    assert_eq!(digest["awsAccountId"], ACCOUNT);
    assert_eq!(digest["digestSignatureAlgorithm"], "Ed25519");
    assert!(digest["previousDigestSignature"].is_string(), "chained");
    assert!(!f.store.backend().is_empty());
}

#[tokio::test]
async fn a_modified_record_is_named() {
    let f = exported().await;
    let path = biggest_log(&f.root);
    let mut log = read(&path);
    let id = log["Records"][1]["eventID"]
        .as_str()
        .expect("id")
        .to_owned();
    log["Records"][1]["requestParameters"]["userName"] = json!("mallory");
    write(&path, &log);
    let report = check(&f).await;
    assert!(
        named(&report, &format!("record {id} modified")),
        "{report:?}"
    );
    assert_eq!(report.damage.len(), 1, "{report:?}");
}

#[tokio::test]
async fn a_deleted_an_inserted_and_reordered_records_are_named() {
    let f = exported().await;
    let path = biggest_log(&f.root);
    let original = read(&path);

    let mut log = original.clone();
    let removed = log["Records"].as_array_mut().expect("records").remove(0);
    write(&path, &log);
    let report = check(&f).await;
    let id = removed["eventID"].as_str().expect("id");
    assert!(
        named(&report, &format!("record {id} deleted")),
        "{report:?}"
    );

    let mut log = original.clone();
    let mut forged = original["Records"][0].clone();
    forged["eventID"] = json!("11111111-1111-4111-8111-111111111111");
    log["Records"].as_array_mut().expect("records").push(forged);
    write(&path, &log);
    let report = check(&f).await;
    assert!(
        named(
            &report,
            "record 11111111-1111-4111-8111-111111111111 inserted"
        ),
        "{report:?}"
    );

    let mut log = original.clone();
    log["Records"].as_array_mut().expect("records").reverse();
    write(&path, &log);
    assert!(named(&check(&f).await, "records reordered"));

    write(&path, &original);
    assert!(check(&f).await.damage.is_empty(), "restored");
}

#[tokio::test]
async fn deleted_and_inserted_log_files_are_named() {
    let f = exported().await;
    let path = biggest_log(&f.root);
    let copy = fs::read(&path).expect("read");
    fs::remove_file(&path).expect("delete");
    assert!(named(&check(&f).await, "log file deleted"));
    // The same file under another well-formed name is one no digest lists.
    let name = path.file_name().and_then(|n| n.to_str()).expect("name");
    let unique = name.rsplit('_').next().expect("unique");
    let other = path.with_file_name(name.replace(unique, "0123456789abcdef.json.gz"));
    fs::write(&other, copy).expect("write");
    let report = check(&f).await;
    assert!(named(&report, "not listed in any digest"), "{report:?}");
}

#[tokio::test]
async fn a_deleted_or_modified_digest_and_another_key_are_named() {
    let f = exported().await;
    let digests = files(&f.root, "CloudTrail-Digest");
    assert!(digests.len() >= 3);
    // Modified: a log file's hash replaced so the edited file would match.
    let last = digests.last().expect("digest");
    let original = fs::read(last).expect("read");
    let mut d = read(last);
    d["logFiles"][0]["hashValue"] = json!("0".repeat(64));
    write(last, &d);
    assert!(named(&check(&f).await, "digest signature not valid"));
    fs::write(last, &original).expect("restore");
    assert!(check(&f).await.damage.is_empty());
    // Deleted: the chain from the next one breaks.
    fs::remove_file(&digests[1]).expect("delete");
    assert!(named(&check(&f).await, "chain broken"));
    // Another key: nothing verifies.
    let report = verify(&f.root, &[7u8; 32], None, None, &Required::default());
    assert_eq!(report.digests_valid, 0);
    assert!(named(&report, "digest signature not valid"));
}

/// A forged gzip member appended to a file is read by `zcat`, `jq` and Python as part of
/// it, so a file must be exactly one gzip member with nothing after it.
#[tokio::test]
async fn a_second_gzip_member_appended_is_named() {
    let f = exported().await;
    let member = |value: &Json| {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(value.to_string().as_bytes()).expect("write");
        gz.finish().expect("finish")
    };
    let forged = json!({"Records": [{"eventID": "11111111-1111-4111-8111-111111111111",
        "eventName": "DeleteTrail"}]});
    for path in [
        biggest_log(&f.root),
        files(&f.root, "CloudTrail-Digest").pop().expect("digest"),
    ] {
        let original = fs::read(&path).expect("read");
        let mut appended = original.clone();
        appended.extend(member(&forged));
        fs::write(&path, &appended).expect("write");
        // What a reader of concatenated gzip sees: the forged record too.
        let mut all = String::new();
        flate2::read::MultiGzDecoder::new(appended.as_slice())
            .read_to_string(&mut all)
            .expect("gunzip");
        assert!(all.contains("DeleteTrail"));
        let report = check(&f).await;
        assert!(
            named(&report, "data after the end of its gzip stream"),
            "{report:?}"
        );
        // Plain bytes after the member are refused alike.
        let mut junk = original.clone();
        junk.extend(b"\n");
        fs::write(&path, &junk).expect("write");
        assert!(named(
            &check(&f).await,
            "data after the end of its gzip stream"
        ));
        fs::write(&path, &original).expect("restore");
        assert!(check(&f).await.damage.is_empty(), "restored");
    }
}

/// A gzip bomb (a few hundred KiB that inflate past the bound) is reported, not read whole.
#[tokio::test]
async fn a_file_over_the_size_bound_is_named_not_read() {
    let f = exported().await;
    let path = biggest_log(&f.root);
    let mut gz = flate2::write::GzEncoder::new(
        fs::File::create(&path).expect("create"),
        flate2::Compression::fast(),
    );
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..=(archive::MAX_FILE_BYTES >> 20) {
        gz.write_all(&zeros).expect("write");
    }
    gz.finish().expect("finish");
    assert!(fs::metadata(&path).expect("size").len() < 4 << 20);
    let report = check(&f).await;
    assert!(named(&report, "MiB uncompressed, not read"), "{report:?}");
    assert!(matches!(
        archive::read_gz(&path, archive::MAX_FILE_BYTES),
        Err(archive::ReadError::TooLarge)
    ));
}

/// Every file under the root that is not a log file, digest or signature the exporter writes
/// is reported: readers that glob the folders (or take every `.json.gz`) would read it.
#[tokio::test]
async fn unexpected_files_are_named() {
    let f = exported().await;
    let log = biggest_log(&f.root);
    let content = fs::read(&log).expect("read");
    let dir = log.parent().expect("dir").to_path_buf();
    let name = log
        .file_name()
        .and_then(|n| n.to_str())
        .expect("name")
        .to_owned();
    let stamp = name.split('_').nth(3).expect("stamp").to_owned();
    let other_account = f.root.join(format!(
        "AWSLogs/210987654321/CloudTrail/us-east-1/{}",
        log.strip_prefix(&f.root)
            .expect("under root")
            .iter()
            .skip(4)
            .take(3)
            .map(|p| p.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    ));
    let forged = [
        dir.join("forged.json.gz"),
        dir.join(name.replace(".json.gz", ".json")),
        dir.join(name.replace(".json.gz", ".JSON.GZ")),
        dir.join(format!("{name}.1")),
        dir.join(name.replace(&stamp, "20261399T2500Z")),
        dir.join(name.replace(&stamp, &stamp.replace("00Z", "30Z"))),
        other_account.join(name.replace(ACCOUNT, "210987654321")),
        f.root.join("elsewhere.json.gz"),
        f.root.join("AWSLogs/notes.txt"),
        f.root.join(format!(
            "AWSLogs/{ACCOUNT}/CloudTrail-Digest/us-east-1/x.json.gz"
        )),
    ];
    for path in &forged {
        fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
        fs::write(path, &content).expect("write");
        let report = check(&f).await;
        let object = path
            .strip_prefix(&f.root)
            .expect("under root")
            .to_string_lossy()
            .into_owned();
        let found = report
            .damage
            .iter()
            .any(|d| d.object == object && d.what.contains("unexpected file"))
            // The new account's log file is well named, but no digest lists it.
            || report
                .damage
                .iter()
                .any(|d| d.object == object && d.what.contains("not listed in any digest"));
        assert!(found, "{object}: {report:?}");
        fs::remove_file(path).expect("remove");
    }
    assert!(check(&f).await.damage.is_empty(), "clean again");
}

/// Files deleted at the end of a chain — an account's newest hour, every account's newest
/// hour, a whole account, the whole archive — leave no broken link behind, so the store's
/// record of how far each account was exported is what finds them; without the store, the
/// hours sealed by the time the files were copied are required.
#[tokio::test]
async fn deletions_at_the_end_of_the_chain_are_named() {
    let f = exported().await;
    let exported = f.service.audit_exported().await.expect("heads");
    let (first, newest) = exported[ACCOUNT];
    assert!(newest - first >= 2 * 3600, "{first} {newest}");
    let backup = tempfile::tempdir().expect("backup");
    let copy = |from: &Path, to: &Path| {
        let mut all = Vec::new();
        archive::collect(from, "", &mut all);
        for o in all {
            let o = o.trim_start_matches('/');
            fs::create_dir_all(to.join(o).parent().expect("dir")).expect("mkdir");
            fs::copy(from.join(o), to.join(o)).expect("copy");
        }
    };
    copy(&f.root, backup.path());
    let restore = || {
        fs::remove_dir_all(&f.root).ok();
        copy(backup.path(), &f.root);
    };
    let newest_digest = f.root.join(archive::digest_object(ACCOUNT, newest));
    assert!(newest_digest.exists());

    // The newest digest, its signature and the newest hour's log files.
    fs::remove_file(&newest_digest).expect("delete");
    fs::remove_file(format!("{}.sig", newest_digest.display())).expect("delete");
    for log in files(&f.root, "/CloudTrail/") {
        if read(&log)["Records"][0]["awsRegion"] == "eu-west-1" {
            fs::remove_file(log).expect("delete");
        }
    }
    let report = check(&f).await;
    assert!(named(&report, "digest missing (deleted)"), "{report:?}");
    assert_eq!(
        report.damage[0].object,
        archive::digest_object(ACCOUNT, newest)
    );
    // Without the store, the hours sealed when the files were copied are required.
    let copied = newest + archive::GRACE_SECS + archive::EXPORT_EVERY_SECS;
    assert_eq!(archive::sealed_by(copied), newest);
    let sealed = Required {
        exported: Default::default(),
        sealed: Some(archive::sealed_by(copied)),
    };
    let report = verify(&f.root, &f.public_key, None, None, &sealed);
    assert!(named(&report, "digest missing (deleted)"), "{report:?}");
    // … but not past `--to`: files copied before that hour was sealed.
    let report = verify(&f.root, &f.public_key, None, Some(newest - 3600), &sealed);
    assert!(report.damage.is_empty(), "{report:?}");
    restore();
    assert!(check(&f).await.damage.is_empty());
    assert!(
        verify(&f.root, &f.public_key, None, None, &sealed)
            .damage
            .is_empty(),
        "whole, without the store too"
    );

    // A whole account.
    fs::remove_dir_all(f.root.join(format!("AWSLogs/{ACCOUNT}"))).expect("delete");
    assert!(named(&check(&f).await, "the account has no digest"));
    // The whole archive, or a path with nothing.
    fs::remove_dir_all(&f.root).expect("delete");
    let report = check(&f).await;
    assert!(named(&report, "the archive is missing"), "{report:?}");
    let nowhere = Path::new("/nonexistent/rolegate-audit");
    let report = verify(nowhere, &f.public_key, None, None, &sealed);
    assert!(named(&report, "the archive is missing"), "{report:?}");
    fs::create_dir_all(&f.root).expect("mkdir");
    let report = verify(&f.root, &f.public_key, None, None, &sealed);
    assert!(named(&report, "no digest in the archive"), "{report:?}");
    restore();

    // The oldest hours, with the events gone from the store (retention), re-exported from
    // what is left: the chain starts later than the store says it did.
    fs::remove_dir_all(&f.root).expect("delete");
    let expired = f
        .store
        .delete_appended_after(ACCOUNT, kind::AUDIT_EVENT, &event_key(first * 1000, ""))
        .await
        .expect("expire");
    assert_eq!(expired, 3, "the first hour's events");
    f.service.export_trail(&f.root).await.expect("export");
    let report = check(&f).await;
    assert!(named(&report, "the chain starts at"), "{report:?}");
}
