//! The trail's files: every hour's events exported as CloudTrail log files, and a digest
//! file per account and hour that hashes them, chains to the previous digest and is signed
//! with the deployment's Ed25519 key — so that a deleted, edited, inserted or reordered
//! record or file is found by [`super::verify`] (`rolegate audit verify`), as
//! `aws cloudtrail validate-logs` finds it in CloudTrail's.
//!
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html>
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-digest-file-structure.html>
//!
//! Layout under the archive's root (the data directory's `audit/`), as CloudTrail's bucket:
//!
//! ```text
//! AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_UNIQUE.json.gz
//! AWSLogs/ACCOUNT/CloudTrail-Digest/us-east-1/YYYY/MM/DD/ACCOUNT_CloudTrail-Digest_us-east-1_rolegate_us-east-1_YYYYMMDDTHHMMSSZ.json.gz
//! ```
//!
//! Log files are `{"Records":[…]}`, gzip, one per account, region and hour (named for the
//! hour's end; `UNIQUE` is the start of the content's SHA-256, so exporting an hour again
//! writes the same file). Digests follow CloudTrail's structure (`digestStartTime`,
//! `digestEndTime`, `previousDigestHashValue`, `previousDigestSignature`, `logFiles` with
//! each file's SHA-256 over its uncompressed content), one chain per account, one digest for
//! every hour from the account's first event on, empty hours included. Where CloudTrail
//! differs by being a service:
//!
//! - the signature (CloudTrail's object metadata) is the sidecar `DIGEST.json.gz.sig`, hex;
//!   it signs CloudTrail's string to sign (`digestEndTime`, `bucket/object`, the digest's
//!   SHA-256, the previous signature; one per line) with Ed25519 (`digestSignatureAlgorithm`
//!   `Ed25519`) rather than RSA;
//! - each log file's entry also lists its records' event ids and SHA-256s
//!   (`rolegateRecords`), so that verification names the record that was changed, not only
//!   the file;
//! - the "bucket" is `rolegate-audit` and object names are paths under the root.
//!
//! An hour is exported once it ended [`GRACE_SECS`] ago. Its events are all in the store by
//! then: an event whose call took longer than [`MAX_EVENT_AGE_MS`] to be recorded is refused
//! (the call fails closed), so nothing can land in an hour already exported.

use std::{
    collections::BTreeMap,
    fs,
    io::{Read, Write as _},
    path::{Path, PathBuf},
};

use aws_lc_rs::{
    rand::SystemRandom,
    signature::{Ed25519KeyPair, KeyPair as _},
};
use base64::Engine as _;
use flate2::{Compression, write::GzEncoder};
use rolegate_store::{Expect, GLOBAL, Secret, Write, record};
use serde_json::{Value as Json, json};
use sha2::{Digest as _, Sha256};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::{event_key, key_time_ms};
use crate::{Result, Service, ServiceError};

/// The trail's name in digest file names.
pub const TRAIL_NAME: &str = "rolegate";
/// The region whose folder holds the digests (IAM's events are `us-east-1`'s in CloudTrail).
pub const DIGEST_REGION: &str = "us-east-1";
/// The "bucket" digests name.
pub const BUCKET: &str = "rolegate-audit";
/// An hour is exported this long after it ended.
pub const GRACE_SECS: i64 = 15 * 60;
/// The longest a call may take from its arrival to its event being written; a later event
/// is refused, so none lands in an exported hour.
pub const MAX_EVENT_AGE_MS: i64 = 10 * 60 * 1000;
/// The most a file of the archive may hold uncompressed: verification reads no further and
/// reports a larger file (a gzip bomb) as invalid. Well above what the exporter writes: log
/// files are cut at [`LOG_FILE_BYTES`], and a digest lists about 110 bytes per event, so an
/// account's hour would need over two million events to come near it.
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// A log file is closed and the next one of the same region and hour begun once it holds
/// this much (CloudTrail, too, writes several files per hour).
pub const LOG_FILE_BYTES: usize = 32 << 20;
/// The server exports every this often.
pub const EXPORT_EVERY_SECS: i64 = 5 * 60;
/// Events read per store call while exporting.
const PAGE: usize = 1000;
/// Accounts read per page.
const ACCOUNT_PAGE: usize = 500;
const HOUR: i64 = 3600;

fn io(e: std::io::Error) -> ServiceError {
    ServiceError::Unavailable(format!("audit archive: {e}"))
}

/// `2026-12-07T04:00:00Z`.
pub fn iso(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

fn stamp(unix: i64, seconds: bool) -> String {
    let t = OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let base = format!(
        "{:04}{:02}{:02}T{:02}{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute()
    );
    if seconds {
        format!("{base}{:02}Z", t.second())
    } else {
        format!("{base}Z")
    }
}

fn date_dirs(unix: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(unix).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    format!("{:04}/{:02}/{:02}", t.year(), u8::from(t.month()), t.day())
}

/// The object name of the digest of `account`'s hour ending at `end`.
pub fn digest_object(account: &str, end: i64) -> String {
    format!(
        "AWSLogs/{account}/CloudTrail-Digest/{DIGEST_REGION}/{}/{account}_CloudTrail-Digest_{DIGEST_REGION}_{TRAIL_NAME}_{DIGEST_REGION}_{}.json.gz",
        date_dirs(end),
        stamp(end, true)
    )
}

/// The object name of a log file of `account`'s hour ending at `end`.
pub fn log_object(account: &str, region: &str, end: i64, unique: &str) -> String {
    format!(
        "AWSLogs/{account}/CloudTrail/{region}/{}/{account}_CloudTrail_{region}_{}_{unique}.json.gz",
        date_dirs(end),
        stamp(end, false)
    )
}

/// SHA-256, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A record's hash: SHA-256 of its JSON written compactly with sorted members (how it is
/// stored), so a change of whitespace is not a change and any other change is.
pub fn record_hash(record: &Json) -> String {
    sha256_hex(record.to_string().as_bytes())
}

/// CloudTrail's string to sign for a digest.
pub fn string_to_sign(end: &str, object: &str, digest_sha256: &str, previous: &str) -> String {
    format!("{end}\n{BUCKET}/{object}\n{digest_sha256}\n{previous}")
}

/// Why a file of the archive could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be opened or read (deleted, or not readable).
    Io(std::io::Error),
    /// Not a valid gzip stream: modified or truncated.
    NotGzip(std::io::Error),
    /// Something after the gzip stream's end — another gzip member appended, which
    /// `zcat`, `jq` and Python read as part of the file, so it would be content that no
    /// digest covers.
    TrailingData,
    /// More than the limit uncompressed.
    TooLarge,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "unreadable: {e}"),
            Self::NotGzip(e) => write!(f, "not a valid gzip file: {e}"),
            Self::TrailingData => f.write_str("data after the end of its gzip stream"),
            Self::TooLarge => f.write_str("larger than the limit uncompressed"),
        }
    }
}

/// Reads a gzip file whole: exactly one gzip member with nothing after it, at most `limit`
/// bytes uncompressed.
pub fn read_gz(path: &Path, limit: u64) -> std::result::Result<Vec<u8>, ReadError> {
    let mut compressed = Vec::new();
    fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut compressed))
        .map_err(ReadError::Io)?;
    let mut decoder = flate2::bufread::GzDecoder::new(compressed.as_slice());
    let mut out = Vec::new();
    (&mut decoder)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(ReadError::NotGzip)?;
    if out.len() as u64 > limit {
        return Err(ReadError::TooLarge);
    }
    // The decoder reads one member and stops after its trailer (CRC and size checked).
    if !decoder.get_ref().is_empty() {
        return Err(ReadError::TrailingData);
    }
    Ok(out)
}

/// Writes `bytes` gzipped to `path` durably: a temporary file, synced, then renamed.
fn write_gz(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    let mut gz = GzEncoder::new(fs::File::create(&tmp)?, Compression::default());
    gz.write_all(bytes)?;
    gz.finish()?.sync_all()?;
    fs::rename(&tmp, path)
}

fn write_text(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = fs::File::create(&tmp)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    fs::rename(&tmp, path)
}

/// The newest digest of an account in the archive: its object name, end time, SHA-256 and
/// signature.
struct ChainHead {
    object: String,
    end: i64,
    sha256: String,
    signature: String,
}

/// Digest object names of an account, oldest first.
pub fn digest_objects(root: &Path, account: &str) -> Vec<String> {
    let base = format!("AWSLogs/{account}/CloudTrail-Digest/{DIGEST_REGION}");
    let mut out = Vec::new();
    collect(&root.join(&base), &base, &mut out);
    out.retain(|o| o.ends_with(".json.gz"));
    // Names end in the digest's end time, and the date folders are the same time's.
    out.sort_by(|a, b| file_name(a).cmp(file_name(b)));
    out
}

fn file_name(object: &str) -> &str {
    object.rsplit('/').next().unwrap_or(object)
}

/// Every file under `dir`, as object names under `prefix`.
pub fn collect(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let object = format!("{prefix}/{name}");
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect(&entry.path(), &object, out),
            Ok(_) => out.push(object),
            Err(_) => {}
        }
    }
}

/// The end time a digest's name gives.
pub fn digest_end(object: &str) -> Option<i64> {
    let name = file_name(object).strip_suffix(".json.gz")?;
    let stamp = name.rsplit('_').next()?;
    let digits: String = stamp.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 14 || stamp.len() != 16 {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits.get(r)?.parse::<u32>().ok();
    let month = time::Month::try_from(u8::try_from(n(4..6)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(n(0..4)?).ok()?,
        month,
        u8::try_from(n(6..8)?).ok()?,
    )
    .ok()?;
    let t = date
        .with_hms(
            u8::try_from(n(8..10)?).ok()?,
            u8::try_from(n(10..12)?).ok()?,
            u8::try_from(n(12..14)?).ok()?,
        )
        .ok()?;
    Some(t.assume_utc().unix_timestamp())
}

fn chain_head(root: &Path, account: &str) -> Result<Option<ChainHead>> {
    let Some(object) = digest_objects(root, account).pop() else {
        return Ok(None);
    };
    let path = root.join(&object);
    let content = read_gz(&path, MAX_FILE_BYTES)
        .map_err(|e| ServiceError::Unavailable(format!("audit archive: {object}: {e}")))?;
    let signature = fs::read_to_string(format!("{}.sig", path.display()))
        .map_err(io)?
        .trim()
        .to_owned();
    let end = digest_end(&object)
        .ok_or_else(|| ServiceError::Internal(format!("audit archive: digest name {object}")))?;
    Ok(Some(ChainHead {
        object,
        end,
        sha256: sha256_hex(&content),
        signature,
    }))
}

/// The end of the newest hour an archive written until `t` must hold for every account it
/// has: hours are exported [`GRACE_SECS`] after they end, by a pass every
/// [`EXPORT_EVERY_SECS`].
pub fn sealed_by(t: i64) -> i64 {
    (t - GRACE_SECS - EXPORT_EVERY_SECS).div_euclid(HOUR) * HOUR
}

/// What one export pass wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Exported {
    /// Digest files written.
    pub digests: usize,
    /// Log files written.
    pub log_files: usize,
    /// Events written to log files.
    pub events: usize,
}

/// One log file being written.
struct LogFile {
    region: String,
    records: Vec<String>,
    bytes: usize,
    hashes: Vec<String>,
    newest: i64,
    oldest: i64,
}

impl Service {
    /// The key that signs digests, made (once, for every node) when first asked for.
    async fn signing_key(&self) -> Result<Ed25519KeyPair> {
        for _ in 0..3 {
            if let Some(r) = self
                .store
                .get(
                    GLOBAL,
                    record::kind::AUDIT_SIGNING_KEY,
                    record::AUDIT_SIGNING_KEY,
                )
                .await?
            {
                let key: record::AuditSigningKey = record::decode(&r.data)?;
                let der = base64::engine::general_purpose::STANDARD
                    .decode(key.pkcs8.expose())
                    .map_err(|_| ServiceError::Internal("audit signing key: base64".into()))?;
                return Ed25519KeyPair::from_pkcs8(&der)
                    .map_err(|_| ServiceError::Internal("audit signing key: PKCS#8".into()));
            }
            let der = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
                .map_err(|_| ServiceError::Internal("audit signing key: generate".into()))?;
            let pair = Ed25519KeyPair::from_pkcs8(der.as_ref())
                .map_err(|_| ServiceError::Internal("audit signing key: PKCS#8".into()))?;
            let key = record::AuditSigningKey {
                pkcs8: Secret::new(base64::engine::general_purpose::STANDARD.encode(der.as_ref())),
                public: hex::encode(pair.public_key().as_ref()),
                created: self.now(),
            };
            match self
                .store
                .commit(&[Write::Put {
                    scope: GLOBAL.to_owned(),
                    kind: record::kind::AUDIT_SIGNING_KEY.to_owned(),
                    key: record::AUDIT_SIGNING_KEY.to_owned(),
                    expect: Expect::Absent,
                    data: record::encode(&key)?,
                }])
                .await
            {
                // Another node made it first: read theirs.
                Err(rolegate_store::StoreError::Conflict) => continue,
                other => other?,
            }
            return Ok(pair);
        }
        Err(ServiceError::Internal("audit signing key: no key".into()))
    }

    /// The public half of the digest signing key, hex (made if there is none yet).
    pub async fn audit_public_key(&self) -> Result<String> {
        Ok(hex::encode(self.signing_key().await?.public_key().as_ref()))
    }

    /// Exports every hour that ended [`GRACE_SECS`] ago and has no digest yet, for every
    /// account with events, into the archive at `root`. Run periodically by the server; a
    /// pass interrupted anywhere is completed by the next one (files are written whole and
    /// renamed, the digest last).
    pub async fn export_trail(&self, root: &Path) -> Result<Exported> {
        let key = self.signing_key().await?;
        let now = self.now();
        let sealed = (now - GRACE_SECS).div_euclid(HOUR) * HOUR;
        let mut done = Exported::default();
        let mut after: Option<String> = None;
        loop {
            let accounts = self
                .store
                .list(
                    GLOBAL,
                    record::kind::ACCOUNT,
                    after.as_deref(),
                    ACCOUNT_PAGE,
                )
                .await?;
            for account in &accounts {
                self.export_account(root, &account.key, sealed, &key, &mut done)
                    .await?;
            }
            match accounts.last() {
                Some(last) if accounts.len() == ACCOUNT_PAGE => after = Some(last.key.clone()),
                _ => return Ok(done),
            }
        }
    }

    /// Per account, the first and the newest hour end exported (the store's chain heads):
    /// what [`super::verify::verify`] requires of the archive.
    pub async fn audit_exported(&self) -> Result<BTreeMap<String, (i64, i64)>> {
        let mut out = BTreeMap::new();
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store
                .list(
                    GLOBAL,
                    record::kind::AUDIT_CHAIN_HEAD,
                    after.as_deref(),
                    ACCOUNT_PAGE,
                )
                .await?;
            for r in &page {
                let head: record::AuditChainHead = record::decode(&r.data)?;
                out.insert(r.key.clone(), (head.first, head.newest));
            }
            match page.last() {
                Some(last) if page.len() == ACCOUNT_PAGE => after = Some(last.key.clone()),
                _ => return Ok(out),
            }
        }
    }

    /// Records in the store that the account's archive reaches `head` (never moving back).
    async fn record_chain_head(&self, root: &Path, account: &str, head: &ChainHead) -> Result<()> {
        for _ in 0..3 {
            let stored = self
                .store
                .get(GLOBAL, record::kind::AUDIT_CHAIN_HEAD, account)
                .await?;
            let (expect, first) = match &stored {
                Some(r) => {
                    let old: record::AuditChainHead = record::decode(&r.data)?;
                    if old.newest >= head.end {
                        return Ok(());
                    }
                    (Expect::Version(r.version), old.first)
                }
                None => (
                    Expect::Absent,
                    digest_objects(root, account)
                        .first()
                        .and_then(|o| digest_end(o))
                        .unwrap_or(head.end),
                ),
            };
            let data = record::encode(&record::AuditChainHead {
                first,
                newest: head.end,
                digest: head.object.clone(),
            })?;
            match self
                .store
                .commit(&[Write::Put {
                    scope: GLOBAL.to_owned(),
                    kind: record::kind::AUDIT_CHAIN_HEAD.to_owned(),
                    key: account.to_owned(),
                    expect,
                    data,
                }])
                .await
            {
                // Another node moved it: read again.
                Err(rolegate_store::StoreError::Conflict) => continue,
                other => return Ok(other?),
            }
        }
        Ok(())
    }

    async fn export_account(
        &self,
        root: &Path,
        account: &str,
        sealed: i64,
        key: &Ed25519KeyPair,
        done: &mut Exported,
    ) -> Result<()> {
        let mut head = chain_head(root, account)?;
        let mut start = match &head {
            Some(h) => h.end,
            None => match self.first_event_hour(account, sealed).await? {
                Some(h) => h,
                None => return Ok(()),
            },
        };
        while start + HOUR <= sealed {
            let end = start + HOUR;
            let files = self.export_hour(root, account, start, end, done).await?;
            let new_head = write_digest(root, account, start, end, &files, head.as_ref(), key)?;
            done.digests += 1;
            head = Some(new_head);
            start = end;
        }
        // Also when nothing was new: an archive exported before heads were recorded.
        if let Some(head) = &head {
            self.record_chain_head(root, account, head).await?;
        }
        Ok(())
    }

    /// The hour of the oldest event still stored for an account (before `sealed`), if any.
    async fn first_event_hour(&self, account: &str, sealed: i64) -> Result<Option<i64>> {
        // Keys sort newest first, so the oldest event is the last key: page to it.
        let mut after: Option<String> = None;
        let mut oldest = None;
        loop {
            let page = self
                .store
                .list_appended(account, record::kind::AUDIT_EVENT, after.as_deref(), PAGE)
                .await?;
            if let Some(last) = page.last() {
                oldest = key_time_ms(&last.key);
                after = Some(last.key.clone());
            }
            if page.len() < PAGE {
                break;
            }
        }
        Ok(oldest
            .map(|ms| ms.div_euclid(1000).div_euclid(HOUR) * HOUR)
            .filter(|h| *h < sealed))
    }

    /// Writes the log files of an account's hour `[start, end)`; returns their digest entries.
    async fn export_hour(
        &self,
        root: &Path,
        account: &str,
        start: i64,
        end: i64,
        done: &mut Exported,
    ) -> Result<Vec<Json>> {
        // Keys after this bound are events before `end` (see `event_key`).
        let mut after = Some(format!("{}.", &event_key(end * 1000, "")[..16]));
        let mut files: Vec<LogFile> = Vec::new();
        'pages: loop {
            let page = self
                .store
                .list_appended(account, record::kind::AUDIT_EVENT, after.as_deref(), PAGE)
                .await?;
            for r in &page {
                let ms = key_time_ms(&r.key).unwrap_or(0);
                if ms < start * 1000 {
                    break 'pages;
                }
                let json: Json = serde_json::from_str(&r.data)
                    .map_err(|e| ServiceError::Internal(format!("audit event {}: {e}", r.key)))?;
                let region = json["awsRegion"].as_str().unwrap_or("us-east-1").to_owned();
                let text = json.to_string();
                let hash = sha256_hex(text.as_bytes());
                let id = json["eventID"].as_str().unwrap_or_default().to_owned();
                // The region's newest file, unless it is full.
                let open = files
                    .iter()
                    .rposition(|f| f.region == region)
                    .filter(|&i| files[i].bytes + text.len() < LOG_FILE_BYTES);
                let file = match open {
                    Some(i) => &mut files[i],
                    None => {
                        files.push(LogFile {
                            region,
                            records: Vec::new(),
                            bytes: 0,
                            hashes: Vec::new(),
                            newest: ms,
                            oldest: ms,
                        });
                        files.last_mut().expect("just pushed")
                    }
                };
                file.bytes += text.len() + 1;
                file.records.push(text);
                file.hashes.push(format!("{id} {hash}"));
                file.newest = file.newest.max(ms);
                file.oldest = file.oldest.min(ms);
            }
            match page.last() {
                Some(last) if page.len() == PAGE => after = Some(last.key.clone()),
                _ => break,
            }
        }
        let mut entries = Vec::new();
        // By region; a region's files in the order they were filled (the sort is stable).
        files.sort_by(|a, b| a.region.cmp(&b.region));
        for f in files {
            let content = format!("{{\"Records\":[{}]}}", f.records.join(","));
            let sha = sha256_hex(content.as_bytes());
            let object = log_object(account, &f.region, end, &sha[..16]);
            write_gz(&root.join(&object), content.as_bytes()).map_err(io)?;
            done.log_files += 1;
            done.events += f.records.len();
            entries.push(json!({
                "s3Bucket": BUCKET,
                "s3Object": object,
                "hashValue": sha,
                "hashAlgorithm": "SHA-256",
                "newestEventTime": iso(f.newest.div_euclid(1000)),
                "oldestEventTime": iso(f.oldest.div_euclid(1000)),
                "rolegateRecords": f.hashes,
            }));
        }
        Ok(entries)
    }
}

/// Writes the digest of an account's hour and its signature; returns the new chain head.
fn write_digest(
    root: &Path,
    account: &str,
    start: i64,
    end: i64,
    files: &[Json],
    previous: Option<&ChainHead>,
    key: &Ed25519KeyPair,
) -> Result<ChainHead> {
    let object = digest_object(account, end);
    let previous_signature = previous.map_or("null", |p| p.signature.as_str());
    let newest = files
        .iter()
        .filter_map(|f| f["newestEventTime"].as_str())
        .max()
        .map(str::to_owned);
    let oldest = files
        .iter()
        .filter_map(|f| f["oldestEventTime"].as_str())
        .min()
        .map(str::to_owned);
    let digest = json!({
        "awsAccountId": account,
        "digestStartTime": iso(start),
        "digestEndTime": iso(end),
        "digestS3Bucket": BUCKET,
        "digestS3Object": object,
        "digestPublicKeyFingerprint": sha256_hex(key.public_key().as_ref())[..32].to_owned(),
        "digestSignatureAlgorithm": "Ed25519",
        "newestEventTime": newest,
        "oldestEventTime": oldest,
        "previousDigestS3Bucket": previous.map(|_| BUCKET),
        "previousDigestS3Object": previous.map(|p| p.object.clone()),
        "previousDigestHashValue": previous.map(|p| p.sha256.clone()),
        "previousDigestHashAlgorithm": previous.map(|_| "SHA-256"),
        "previousDigestSignature": previous.map(|p| p.signature.clone()),
        "logFiles": files,
    });
    let content = digest.to_string();
    let sha256 = sha256_hex(content.as_bytes());
    let signature = hex::encode(
        key.sign(string_to_sign(&iso(end), &object, &sha256, previous_signature).as_bytes())
            .as_ref(),
    );
    let path: PathBuf = root.join(&object);
    // The signature first: a digest on disk is a finished hour, and always has its signature.
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io)?;
    }
    write_text(Path::new(&format!("{}.sig", path.display())), &signature).map_err(io)?;
    write_gz(&path, content.as_bytes()).map_err(io)?;
    Ok(ChainHead {
        object,
        end,
        sha256,
        signature,
    })
}
