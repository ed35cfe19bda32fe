//! Verifying the archive ([`super::archive`]): every digest's signature, the chain from each
//! digest to the one before, every log file against its digest's hash, and — where a file
//! does not match — each record against the digest's list, so the damage is named: a
//! digest or log file deleted, modified, inserted or out of its place, a record deleted,
//! modified, inserted or reordered. `aws cloudtrail validate-logs` does the same for
//! CloudTrail's bucket.
//!
//! Beyond what the files show: each chain's ends are held to what the store records as
//! exported ([`Required`]), so digests deleted at the end of a chain, a whole account or the
//! whole archive are found; every file must have exactly a name the exporter writes, be
//! exactly one gzip member and at most [`MAX_FILE_BYTES`] uncompressed.
//!
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-cli.html>

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    fs,
    path::Path,
};

use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
use serde_json::Value as Json;

use super::archive::{
    MAX_FILE_BYTES, ReadError, collect, digest_end, digest_object, iso, log_object, read_gz,
    record_hash, sha256_hex, string_to_sign,
};

/// Uncompressed size read from one file at most.
const MAX_FILE: u64 = MAX_FILE_BYTES;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// The file it concerns, as an object name under the archive's root.
    pub object: String,
    /// What is wrong.
    pub what: String,
}

/// What verification found.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Digests whose signature and chain hold.
    pub digests_valid: usize,
    /// Log files that match their digest.
    pub log_files_valid: usize,
    /// Everything that does not hold.
    pub damage: Vec<Damage>,
}

impl Report {
    fn damage(&mut self, object: &str, what: impl Into<String>) {
        self.damage.push(Damage {
            object: object.to_owned(),
            what: what.into(),
        });
    }
}

/// A file the exporter writes, as its name says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expected {
    /// A log file of an account's hour (ending at `end`).
    Log { account: String, end: i64 },
    /// The digest of an account's hour (ending at `end`).
    Digest { account: String, end: i64 },
    /// A digest's signature.
    Signature,
}

/// What `object` (a path under the root) is, if it is a name the exporter writes — exactly,
/// rebuilt from its parts: anything else under the root is an unexpected file.
fn classify(object: &str) -> Option<Expected> {
    if let Some(digest) = object.strip_suffix(".sig") {
        return matches!(classify(digest)?, Expected::Digest { .. }).then_some(Expected::Signature);
    }
    let parts: Vec<&str> = object.split('/').collect();
    let [logs, account, folder, region, _, _, _, name] = parts.as_slice() else {
        return None;
    };
    let hour = |end: i64| end.rem_euclid(3600) == 0;
    if *logs != "AWSLogs" || account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match *folder {
        "CloudTrail" => {
            let end = log_end(name).filter(|e| hour(*e))?;
            let unique = name.strip_suffix(".json.gz")?.rsplit('_').next()?;
            let well_formed = unique.len() == 16
                && unique
                    .bytes()
                    .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                && !region.is_empty()
                && region
                    .bytes()
                    .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'));
            (well_formed && log_object(account, region, end, unique) == object).then(|| {
                Expected::Log {
                    account: (*account).to_owned(),
                    end,
                }
            })
        }
        "CloudTrail-Digest" => {
            let end = digest_end(name).filter(|e| hour(*e))?;
            (digest_object(account, end) == object).then(|| Expected::Digest {
                account: (*account).to_owned(),
                end,
            })
        }
        _ => None,
    }
}

/// Every file under the root, sorted into each account's digests and log files (oldest
/// first); every other file is reported.
#[derive(Default)]
struct Inventory {
    digests: BTreeMap<String, Vec<(i64, String)>>,
    logs: BTreeMap<String, Vec<(i64, String)>>,
}

fn inventory(root: &Path, report: &mut Report) -> Inventory {
    let mut all = Vec::new();
    collect(root, "", &mut all);
    all.sort();
    let mut out = Inventory::default();
    for object in all {
        let object = object.trim_start_matches('/').to_owned();
        match classify(&object) {
            Some(Expected::Log { account, end }) => {
                out.logs.entry(account).or_default().push((end, object));
            }
            Some(Expected::Digest { account, end }) => {
                out.digests.entry(account).or_default().push((end, object));
            }
            Some(Expected::Signature) => {}
            None if object.ends_with(".tmp") => report.damage(
                &object,
                "unexpected file: an unfinished export's temporary file (the next export finishes it)",
            ),
            None => report.damage(
                &object,
                "unexpected file: not a log file, digest or signature the exporter writes",
            ),
        }
    }
    for files in out.digests.values_mut().chain(out.logs.values_mut()) {
        files.sort();
    }
    out
}

/// The previous digest, as the next one must name it.
struct Previous {
    object: String,
    end: i64,
    sha256: String,
    signature: String,
}

/// What the archive must hold beyond what its files show, so that files deleted at the end
/// of a chain — an account's newest hours, a whole account, the whole archive — are found:
/// a chain is only checked from digest to digest, so its end needs a witness.
#[derive(Debug, Clone, Default)]
pub struct Required {
    /// From the store ([`crate::Service::audit_exported`]): per account, the first and the
    /// newest hour end exported. Each must have every digest from the one to the other.
    pub exported: BTreeMap<String, (i64, i64)>,
    /// Without the store ([`super::archive::sealed_by`] the time the files were copied, or
    /// now): every account the archive has must have digests up to this hour end, and an
    /// archive without any digest is invalid.
    pub sealed: Option<i64>,
}

/// Verifies the archive at `root` with the digest signing key's public half (32 bytes),
/// for the hours that overlap `(from, to)` (unix seconds; all when `None`), requiring what
/// `required` says was exported.
pub fn verify(
    root: &Path,
    public_key: &[u8],
    from: Option<i64>,
    to: Option<i64>,
    required: &Required,
) -> Report {
    let key = UnparsedPublicKey::new(&ED25519, public_key);
    let mut report = Report::default();
    let inventory = inventory(root, &mut report);
    let accounts: BTreeSet<&String> = inventory
        .digests
        .keys()
        .chain(inventory.logs.keys())
        .chain(required.exported.keys())
        .collect();
    let expects_some = !required.exported.is_empty() || required.sealed.is_some();
    if expects_some && !root.is_dir() {
        report.damage(
            &root.display().to_string(),
            "the archive is missing (deleted, or not this path)",
        );
    } else if required.sealed.is_some() && inventory.digests.is_empty() {
        report.damage(
            &root.display().to_string(),
            "no digest in the archive: it is empty or its digests were deleted",
        );
    }
    for account in accounts {
        let in_range = |end: i64| from.is_none_or(|f| end > f) && to.is_none_or(|t| end - 3600 < t);
        let mut listed = BTreeSet::new();
        let mut previous: Option<Previous> = None;
        let mut first_end = None;
        let mut last_end = None;
        let no_digests = Vec::new();
        let digests = inventory.digests.get(account).unwrap_or(&no_digests);
        for (end, object) in digests.iter().cloned() {
            if !in_range(end) {
                previous = None;
                continue;
            }
            first_end = first_end.or(Some(end));
            last_end = Some(end);
            let path = root.join(&object);
            let content = match read_gz(&path, MAX_FILE) {
                Ok(c) => c,
                Err(e) => {
                    report.damage(&object, unreadable("digest", &e));
                    previous = None;
                    continue;
                }
            };
            let sha256 = sha256_hex(&content);
            let signature = fs::read_to_string(format!("{}.sig", path.display()))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default();
            let digest: Json = serde_json::from_slice(&content).unwrap_or(Json::Null);
            let prev_sig = digest["previousDigestSignature"].as_str().unwrap_or("null");
            let signed = hex::decode(&signature).ok().is_some_and(|sig| {
                key.verify(
                    string_to_sign(&iso(end), &object, &sha256, prev_sig).as_bytes(),
                    &sig,
                )
                .is_ok()
            });
            if !signed {
                report.damage(
                    &object,
                    "digest signature not valid: the digest was modified, forged or moved",
                );
                previous = None;
                continue;
            }
            if digest["awsAccountId"] != account.as_str() || digest["digestS3Object"] != object {
                report.damage(&object, "digest belongs to another account or place");
            }
            match &previous {
                Some(p) => {
                    if digest["previousDigestS3Object"] != p.object.as_str()
                        || digest["previousDigestHashValue"] != p.sha256.as_str()
                        || prev_sig != p.signature
                        || digest["digestStartTime"] != iso(p.end).as_str()
                    {
                        report.damage(
                            &object,
                            format!(
                                "chain broken: the digest before this one is not {} (a digest was deleted, inserted or reordered)",
                                p.object
                            ),
                        );
                    } else {
                        report.digests_valid += 1;
                    }
                }
                None => {
                    // The first digest checked: its predecessor must exist where it names it,
                    // unless the range starts here.
                    match digest["previousDigestS3Object"].as_str() {
                        Some(p) if from.is_none() => report.damage(
                            &object,
                            format!("the digest before this one is missing: {p}"),
                        ),
                        _ => report.digests_valid += 1,
                    }
                }
            }
            for file in digest["logFiles"].as_array().into_iter().flatten() {
                check_log_file(root, file, &mut report);
                if let Some(o) = file["s3Object"].as_str() {
                    listed.insert(o.to_owned());
                }
            }
            previous = Some(Previous {
                object,
                end,
                sha256,
                signature,
            });
        }
        missing_ends(
            account,
            from,
            to,
            required,
            inventory.digests.contains_key(account),
            first_end.zip(last_end),
            &mut report,
        );
        // Log files no digest lists: inserted — unless of an hour after the account's
        // newest digest (an export under way writes the log files first).
        for (end, f) in inventory.logs.get(account).into_iter().flatten() {
            if listed.contains(f) || !in_range(*end) {
                continue;
            }
            let pending = last_end.is_some_and(|l| *end > l);
            if !pending {
                report.damage(f, "log file not listed in any digest (inserted)");
            }
        }
    }
    report
}

/// Reports the digests missing before the first or after the last one in range (`seen`),
/// against what `required` says an account must have.
fn missing_ends(
    account: &str,
    from: Option<i64>,
    to: Option<i64>,
    required: &Required,
    in_archive: bool,
    seen: Option<(i64, i64)>,
    report: &mut Report,
) {
    const HOUR: i64 = 3600;
    let exported = required.exported.get(account).copied();
    let sealed = required.sealed.filter(|_| in_archive);
    let Some(mut newest) = exported.map(|e| e.1).max(sealed) else {
        return;
    };
    // The hours in range end after `from` and start before `to`.
    if let Some(t) = to {
        newest = newest.min((t + HOUR - 1).div_euclid(HOUR) * HOUR);
    }
    let mut first = exported.map_or(i64::MIN, |e| e.0);
    if let Some(f) = from {
        first = first.max(f.div_euclid(HOUR) * HOUR + HOUR);
    }
    if newest < first {
        return;
    }
    match seen {
        None => report.damage(
            &digest_object(account, if first == i64::MIN { newest } else { first }),
            format!(
                "digest missing (deleted): the account has no digest, but its hours up to {} were exported",
                iso(newest)
            ),
        ),
        Some((seen_first, seen_last)) => {
            if seen_last < newest {
                report.damage(
                    &digest_object(account, seen_last + HOUR),
                    format!(
                        "digest missing (deleted): the chain ends at {}, but hours up to {} were exported",
                        iso(seen_last),
                        iso(newest)
                    ),
                );
            }
            if first != i64::MIN && seen_first > first {
                report.damage(
                    &digest_object(account, first),
                    format!(
                        "digest missing (deleted): the chain starts at {}, but hours from {} were exported",
                        iso(seen_first),
                        iso(first)
                    ),
                );
            }
        }
    }
}

/// The hour end a log file's name gives (`…_YYYYMMDDTHHMMZ_UNIQUE.json.gz`).
fn log_end(object: &str) -> Option<i64> {
    let name = object.rsplit('/').next()?.strip_suffix(".json.gz")?;
    let mut parts = name.rsplit('_');
    let _unique = parts.next()?;
    let stamp = parts.next()?.strip_suffix('Z')?;
    if stamp.len() != 13 {
        return None;
    }
    digest_end(&format!("x_{stamp}00Z.json.gz"))
}

/// What a file that could not be read means.
fn unreadable(what: &str, e: &ReadError) -> String {
    match e {
        ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound => format!("{what} deleted"),
        ReadError::Io(e) => format!("{what} unreadable: {e}"),
        ReadError::NotGzip(_) => format!("{what} modified or truncated: not a valid gzip file"),
        ReadError::TrailingData => format!(
            "{what} modified: data after the end of its gzip stream (a second gzip member appended)"
        ),
        ReadError::TooLarge => format!(
            "{what} over {} MiB uncompressed, not read (the exporter writes none that large)",
            MAX_FILE >> 20
        ),
    }
}

/// Checks one log file against its digest entry.
fn check_log_file(root: &Path, entry: &Json, report: &mut Report) {
    let object = entry["s3Object"].as_str().unwrap_or_default();
    let content = match read_gz(&root.join(object), MAX_FILE) {
        Ok(c) => c,
        Err(e) => {
            report.damage(object, unreadable("log file", &e));
            return;
        }
    };
    if entry["hashValue"] == sha256_hex(&content).as_str() {
        report.log_files_valid += 1;
        return;
    }
    let expected: Vec<(&str, &str)> = entry["rolegateRecords"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str()?.split_once(' '))
        .collect();
    let parsed: Json = serde_json::from_slice(&content).unwrap_or(Json::Null);
    let Some(records) = parsed["Records"].as_array() else {
        report.damage(
            object,
            "log file modified: not a CloudTrail log file any more",
        );
        return;
    };
    let actual: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            (
                r["eventID"].as_str().unwrap_or_default().to_owned(),
                record_hash(r),
            )
        })
        .collect();
    let want: HashMap<&str, &str> = expected.iter().copied().collect();
    let have: HashMap<&str, &str> = actual
        .iter()
        .map(|(i, h)| (i.as_str(), h.as_str()))
        .collect();
    let before = report.damage.len();
    for (id, hash) in &expected {
        match have.get(id) {
            None => report.damage(object, format!("record {id} deleted")),
            Some(h) if h != hash => report.damage(object, format!("record {id} modified")),
            Some(_) => {}
        }
    }
    for (id, _) in &actual {
        if !want.contains_key(id.as_str()) {
            report.damage(object, format!("record {id} inserted"));
        }
    }
    if report.damage.len() == before {
        let same_order = expected
            .iter()
            .map(|(i, _)| *i)
            .eq(actual.iter().map(|(i, _)| i.as_str()));
        report.damage(
            object,
            if same_order {
                "log file modified (its records are intact)"
            } else {
                "records reordered"
            },
        );
    }
}
