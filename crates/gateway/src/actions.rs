//! The one table from each S3 operation the gateway serves to the IAM action it needs and
//! the resource that action is on, and the S3 condition keys a request carries. An operation
//! that is not in [`TABLE`] is denied before anything reaches the backend.
//!
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html>

use http::HeaderMap;
use rolegate_policy::ContextValue;

/// What an action is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// `arn:aws:s3:::*` (ListBuckets).
    Account,
    /// `arn:aws:s3:::BUCKET`.
    Bucket,
    /// `arn:aws:s3:::BUCKET/KEY`.
    Object,
}

/// One row: an operation, its action and what it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The S3 operation (`HeadObject`).
    pub op: &'static str,
    /// The IAM action (`s3:GetObject`).
    pub action: &'static str,
    /// What the action is on.
    pub on: On,
    /// How the operation is authorized beyond its own action.
    pub extra: Extra,
}

/// What an operation needs besides its own action on its own resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    /// Nothing.
    None,
    /// `s3:GetObject` on the object `x-amz-copy-source` names (CopyObject, UploadPartCopy).
    CopySource,
    /// Decided per key named in the body (DeleteObjects): the request itself needs nothing
    /// but an owned bucket, each key needs the action on that key.
    PerKey,
    /// Answered by the gateway from its own records (bucket policies, CreateBucket's owner).
    Gateway,
}

const fn row(op: &'static str, action: &'static str, on: On, extra: Extra) -> Rule {
    Rule {
        op,
        action,
        on,
        extra,
    }
}

/// Every operation the gateway serves.
pub const TABLE: &[Rule] = &[
    row(
        "ListBuckets",
        "s3:ListAllMyBuckets",
        On::Account,
        Extra::Gateway,
    ),
    row(
        "CreateBucket",
        "s3:CreateBucket",
        On::Bucket,
        Extra::Gateway,
    ),
    row(
        "DeleteBucket",
        "s3:DeleteBucket",
        On::Bucket,
        Extra::Gateway,
    ),
    row("HeadBucket", "s3:ListBucket", On::Bucket, Extra::None),
    row(
        "GetBucketLocation",
        "s3:GetBucketLocation",
        On::Bucket,
        Extra::None,
    ),
    row("ListObjects", "s3:ListBucket", On::Bucket, Extra::None),
    row("ListObjectsV2", "s3:ListBucket", On::Bucket, Extra::None),
    row(
        "ListObjectVersions",
        "s3:ListBucketVersions",
        On::Bucket,
        Extra::None,
    ),
    row(
        "ListMultipartUploads",
        "s3:ListBucketMultipartUploads",
        On::Bucket,
        Extra::None,
    ),
    row(
        "PutBucketPolicy",
        "s3:PutBucketPolicy",
        On::Bucket,
        Extra::Gateway,
    ),
    row(
        "GetBucketPolicy",
        "s3:GetBucketPolicy",
        On::Bucket,
        Extra::Gateway,
    ),
    row(
        "DeleteBucketPolicy",
        "s3:DeleteBucketPolicy",
        On::Bucket,
        Extra::Gateway,
    ),
    row("GetObject", "s3:GetObject", On::Object, Extra::None),
    row("HeadObject", "s3:GetObject", On::Object, Extra::None),
    row("PutObject", "s3:PutObject", On::Object, Extra::None),
    row("CopyObject", "s3:PutObject", On::Object, Extra::CopySource),
    row("DeleteObject", "s3:DeleteObject", On::Object, Extra::None),
    row(
        "DeleteObjects",
        "s3:DeleteObject",
        On::Bucket,
        Extra::PerKey,
    ),
    row(
        "GetObjectTagging",
        "s3:GetObjectTagging",
        On::Object,
        Extra::None,
    ),
    row(
        "PutObjectTagging",
        "s3:PutObjectTagging",
        On::Object,
        Extra::None,
    ),
    row(
        "DeleteObjectTagging",
        "s3:DeleteObjectTagging",
        On::Object,
        Extra::None,
    ),
    row(
        "CreateMultipartUpload",
        "s3:PutObject",
        On::Object,
        Extra::None,
    ),
    row("UploadPart", "s3:PutObject", On::Object, Extra::None),
    row(
        "UploadPartCopy",
        "s3:PutObject",
        On::Object,
        Extra::CopySource,
    ),
    row(
        "CompleteMultipartUpload",
        "s3:PutObject",
        On::Object,
        Extra::None,
    ),
    row(
        "AbortMultipartUpload",
        "s3:AbortMultipartUpload",
        On::Object,
        Extra::None,
    ),
    row(
        "ListParts",
        "s3:ListMultipartUploadParts",
        On::Object,
        Extra::None,
    ),
];

/// The row of an operation; `None`: the gateway does not serve it (denied).
pub fn rule(op: &str) -> Option<&'static Rule> {
    TABLE.iter().find(|r| r.op == op)
}

/// `arn:aws:s3:::BUCKET` or `arn:aws:s3:::BUCKET/KEY`.
pub fn resource_arn(bucket: &str, key: Option<&str>) -> String {
    match key {
        Some(k) => format!("arn:aws:s3:::{bucket}/{k}"),
        None => format!("arn:aws:s3:::{bucket}"),
    }
}

/// The decoded query pairs of a URI.
pub fn query(uri: &http::Uri) -> Vec<(String, String)> {
    uri.query()
        .map(|q| {
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(k), decode(v))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(&s.replace('+', "%20"))
        .decode_utf8_lossy()
        .into_owned()
}

/// `x-amz-copy-source`, as the backend reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySource {
    /// The source bucket.
    pub bucket: String,
    /// The source key, exactly as it follows the bucket (checked by [`aliasing`]).
    pub key: String,
    /// `?versionId=`: a version of the source rather than its current one.
    pub version_id: Option<String>,
}

/// `x-amz-copy-source`: `bucket/key` or `/bucket/key` (one leading slash, as AWS's
/// examples write it), optionally with `?versionId=`. `None` when it names no bucket and key.
pub fn copy_source(headers: &HeaderMap) -> Option<CopySource> {
    let raw = headers.get("x-amz-copy-source")?.to_str().ok()?;
    let (path, query) = match raw.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (raw, None),
    };
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?
        .into_owned();
    let trimmed = decoded.strip_prefix('/').unwrap_or(&decoded);
    let (bucket, key) = trimmed.split_once('/')?;
    let version_id = query.and_then(|q| {
        q.split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| *k == "versionId")
            .map(|(_, v)| decode(v))
    });
    (!bucket.is_empty() && !key.is_empty()).then(|| CopySource {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        version_id,
    })
}

/// Why an object key (or a list prefix) is refused, if it is: a form that a backend may
/// resolve to another key than the one written, so that an authorization decided on the
/// written key would not be about the object acted on. SeaweedFS reads `/k`, `a//b` and
/// `a\b` as `a/b`; `.` and `..` segments, and NUL, are path syntax to file-backed stores.
/// Refused before authorization, whatever the caller may do.
pub fn aliasing(key: &str) -> Option<&'static str> {
    if key.starts_with('/') {
        Some("begins with a slash")
    } else if key.contains("//") {
        Some("contains an empty path segment (//)")
    } else if key.contains('\\') {
        Some("contains a backslash")
    } else if key.contains('\0') {
        Some("contains a NUL character")
    } else if key.split('/').any(|s| s == "." || s == "..") {
        Some("contains a . or .. path segment")
    } else {
        None
    }
}

/// The operations that name a version in `versionId`, and the action that version form
/// needs instead of the row's own.
const VERSION_ACTIONS: &[(&str, &str)] = &[
    ("GetObject", "s3:GetObjectVersion"),
    ("HeadObject", "s3:GetObjectVersion"),
    ("DeleteObject", "s3:DeleteObjectVersion"),
    ("GetObjectTagging", "s3:GetObjectVersionTagging"),
    ("PutObjectTagging", "s3:PutObjectVersionTagging"),
    ("DeleteObjectTagging", "s3:DeleteObjectVersionTagging"),
];

/// The operations that write a new object (and so can set its tags, ACL and lock).
const WRITES_OBJECT: &[&str] = &["PutObject", "CopyObject", "CreateMultipartUpload"];

/// Whether `op` writes a new object (its target is not an object that exists yet).
pub fn writes_object(op: &str) -> bool {
    WRITES_OBJECT.contains(&op)
}

/// Every action a request needs on its own resource, each of which must be allowed: the
/// row's action (its version form when the request names a `versionId`), and the actions
/// its headers imply, as AWS requires them — tags (`x-amz-tagging`), ACLs (`x-amz-acl`,
/// `x-amz-grant-*`), object lock (`x-amz-object-lock-*`), governance bypass, and a bucket
/// created with object lock, an ACL or an ownership setting.
///
/// <https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html>
/// <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html>
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html>
pub fn required_actions(
    rule: &Rule,
    query: &[(String, String)],
    headers: &HeaderMap,
) -> Vec<&'static str> {
    let has = |name: &str| headers.contains_key(name);
    let is_true = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    };
    let acl = has("x-amz-acl")
        || headers
            .keys()
            .any(|k| k.as_str().starts_with("x-amz-grant-"));
    let versioned = query.iter().any(|(k, _)| k == "versionId");
    let mut out = vec![
        match VERSION_ACTIONS.iter().find(|(op, _)| *op == rule.op) {
            Some((_, action)) if versioned => *action,
            _ => rule.action,
        },
    ];
    if WRITES_OBJECT.contains(&rule.op) {
        let replaces_tags = rule.op == "CopyObject"
            && headers
                .get("x-amz-tagging-directive")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("REPLACE"));
        if has("x-amz-tagging") || replaces_tags {
            out.push("s3:PutObjectTagging");
        }
        if acl {
            out.push("s3:PutObjectAcl");
        }
        if has("x-amz-object-lock-mode") || has("x-amz-object-lock-retain-until-date") {
            out.push("s3:PutObjectRetention");
        }
        if has("x-amz-object-lock-legal-hold") {
            out.push("s3:PutObjectLegalHold");
        }
    }
    if matches!(rule.op, "DeleteObject" | "DeleteObjects")
        && is_true("x-amz-bypass-governance-retention")
    {
        out.push("s3:BypassGovernanceRetention");
    }
    if rule.op == "CreateBucket" {
        if is_true("x-amz-bucket-object-lock-enabled") {
            out.push("s3:PutBucketObjectLockConfiguration");
            out.push("s3:PutBucketVersioning");
        }
        if acl {
            out.push("s3:PutBucketAcl");
        }
        if has("x-amz-object-ownership") {
            out.push("s3:PutBucketOwnershipControls");
        }
    }
    out
}

/// The S3 condition keys of a request, for the operation's own action.
///
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html>
pub fn condition_keys(
    rule: &Rule,
    query: &[(String, String)],
    headers: &HeaderMap,
    signature: &SignatureFacts,
) -> Vec<(String, ContextValue)> {
    let single = |k: &str, v: &str| (k.to_owned(), ContextValue::Single(v.to_owned()));
    let mut keys = vec![
        single("s3:authType", signature.auth_type),
        single("s3:signatureversion", "AWS4-HMAC-SHA256"),
    ];
    if let Some(age) = signature.age_ms {
        keys.push(single("s3:signatureAge", &age.to_string()));
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(v) = header("x-amz-content-sha256") {
        keys.push(single("s3:x-amz-content-sha256", v));
    }
    if rule.action == "s3:ListBucket" || rule.action == "s3:ListBucketVersions" {
        for (param, key) in [
            ("prefix", "s3:prefix"),
            ("delimiter", "s3:delimiter"),
            ("max-keys", "s3:max-keys"),
        ] {
            if let Some((_, v)) = query.iter().find(|(k, _)| k == param) {
                keys.push(single(key, v));
            }
        }
    }
    for (name, key) in [
        ("x-amz-acl", "s3:x-amz-acl"),
        ("x-amz-copy-source", "s3:x-amz-copy-source"),
        ("x-amz-metadata-directive", "s3:x-amz-metadata-directive"),
        (
            "x-amz-server-side-encryption",
            "s3:x-amz-server-side-encryption",
        ),
        ("x-amz-storage-class", "s3:x-amz-storage-class"),
    ] {
        if let Some(v) = header(name) {
            keys.push(single(key, v));
        }
    }
    if let Some((_, v)) = query.iter().find(|(k, _)| k == "versionId") {
        keys.push(single("s3:versionid", v));
    }
    // `x-amz-tagging` (PutObject, CopyObject, CreateMultipartUpload): the tags the new
    // object gets, form-encoded.
    if rule.action == "s3:PutObject"
        && let Some(tagging) = header("x-amz-tagging")
    {
        let mut tag_keys = Vec::new();
        for pair in tagging.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (decode(k), decode(v));
            keys.push(single(&format!("s3:RequestObjectTag/{k}"), &v));
            tag_keys.push(k);
        }
        keys.push((
            "s3:RequestObjectTagKeys".to_owned(),
            ContextValue::Multi(tag_keys),
        ));
    }
    keys
}

/// What the signature tells the condition keys.
#[derive(Debug, Clone)]
pub struct SignatureFacts {
    /// `REST-HEADER` or `REST-QUERY-STRING`.
    pub auth_type: &'static str,
    /// Milliseconds since the signature's timestamp.
    pub age_ms: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_one_row() {
        for r in TABLE {
            assert_eq!(TABLE.iter().filter(|o| o.op == r.op).count(), 1, "{}", r.op);
            assert!(r.action.starts_with("s3:"));
        }
        assert_eq!(rule("HeadObject").map(|r| r.action), Some("s3:GetObject"));
        assert_eq!(
            rule("ListObjectsV2").map(|r| (r.action, r.on)),
            Some(("s3:ListBucket", On::Bucket))
        );
        assert_eq!(rule("CopyObject").map(|r| r.extra), Some(Extra::CopySource));
        assert_eq!(rule("DeleteObjects").map(|r| r.extra), Some(Extra::PerKey));
        assert!(rule("PutBucketAcl").is_none());
        assert!(rule("PostObject").is_none());
    }

    #[test]
    fn copy_source_forms() {
        let mut h = HeaderMap::new();
        h.insert(
            "x-amz-copy-source",
            "/src/a%20b/c.txt?versionId=1"
                .parse()
                .unwrap_or_else(|_| http::HeaderValue::from_static("")),
        );
        assert_eq!(
            copy_source(&h),
            Some(CopySource {
                bucket: "src".into(),
                key: "a b/c.txt".into(),
                version_id: Some("1".into())
            })
        );
        h.insert(
            "x-amz-copy-source",
            http::HeaderValue::from_static("src//private/k"),
        );
        assert_eq!(
            copy_source(&h).map(|c| aliasing(&c.key)),
            Some(Some("begins with a slash"))
        );
        h.insert("x-amz-copy-source", http::HeaderValue::from_static("src"));
        assert_eq!(copy_source(&h), None);
    }

    #[test]
    fn aliasing_keys() {
        for k in ["/a", "a//b", "a\\b", "a/./b", "../a", "a/..", "a\0b"] {
            assert!(aliasing(k).is_some(), "{k:?}");
        }
        for k in ["a/b", "a/b/", "a/.b", "a/..b", "a b", "a.b"] {
            assert_eq!(aliasing(k), None, "{k:?}");
        }
    }

    #[test]
    fn implied_actions() {
        let mut h = HeaderMap::new();
        h.insert("x-amz-tagging", http::HeaderValue::from_static("a=b"));
        h.insert("x-amz-grant-read", http::HeaderValue::from_static("id=x"));
        h.insert(
            "x-amz-object-lock-mode",
            http::HeaderValue::from_static("COMPLIANCE"),
        );
        let put = rule("PutObject").copied().unwrap_or(TABLE[0]);
        assert_eq!(
            required_actions(&put, &[], &h),
            [
                "s3:PutObject",
                "s3:PutObjectTagging",
                "s3:PutObjectAcl",
                "s3:PutObjectRetention"
            ]
        );
        let get = rule("GetObject").copied().unwrap_or(TABLE[0]);
        let v = [("versionId".to_owned(), "1".to_owned())];
        assert_eq!(
            required_actions(&get, &v, &HeaderMap::new()),
            ["s3:GetObjectVersion"]
        );
        let mut h = HeaderMap::new();
        h.insert(
            "x-amz-bypass-governance-retention",
            http::HeaderValue::from_static("true"),
        );
        let del = rule("DeleteObject").copied().unwrap_or(TABLE[0]);
        assert_eq!(
            required_actions(&del, &v, &h),
            ["s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"]
        );
    }

    #[test]
    fn list_keys_and_tags() {
        let r = rule("ListObjectsV2").copied().unwrap_or(TABLE[0]);
        let q = vec![
            ("list-type".to_owned(), "2".to_owned()),
            ("prefix".to_owned(), "home/alice/".to_owned()),
            ("max-keys".to_owned(), "10".to_owned()),
        ];
        let facts = SignatureFacts {
            auth_type: "REST-HEADER",
            age_ms: Some(5),
        };
        let keys = condition_keys(&r, &q, &HeaderMap::new(), &facts);
        let get = |k: &str| keys.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(
            get("s3:prefix"),
            Some(ContextValue::Single("home/alice/".into()))
        );
        assert_eq!(get("s3:max-keys"), Some(ContextValue::Single("10".into())));
        assert_eq!(get("s3:delimiter"), None);
        assert_eq!(
            get("s3:authType"),
            Some(ContextValue::Single("REST-HEADER".into()))
        );

        let put = rule("PutObject").copied().unwrap_or(TABLE[0]);
        let mut h = HeaderMap::new();
        h.insert(
            "x-amz-tagging",
            http::HeaderValue::from_static("project=blue&team=a%20b"),
        );
        let keys = condition_keys(&put, &[], &h, &facts);
        let get = |k: &str| keys.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        assert_eq!(
            get("s3:RequestObjectTag/team"),
            Some(ContextValue::Single("a b".into()))
        );
        assert_eq!(
            get("s3:RequestObjectTagKeys"),
            Some(ContextValue::Multi(vec!["project".into(), "team".into()]))
        );
    }
}
