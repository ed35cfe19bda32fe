//! The SigV4 edge, with raw requests (catalogue group A) and AWS's error codes.

use rolegate_sigv4::{
    CanonicalRequest, Request, SecretKey, derive_signing_key, hash_payload, query_pairs,
    string_to_sign, uri_encode,
};
use time::{Duration, OffsetDateTime};

use crate::support::*;

const GCI: &str = "Action=GetCallerIdentity&Version=2011-06-15";

fn error_code(body: &str) -> String {
    body.split("<Code>")
        .nth(1)
        .and_then(|r| r.split("</Code>").next())
        .unwrap_or_default()
        .to_owned()
}

fn error_message(body: &str) -> String {
    body.split("<Message>")
        .nth(1)
        .and_then(|r| r.split("</Message>").next())
        .unwrap_or_default()
        .to_owned()
}

/// A presigned GET in the form STS verifiers use (EKS tokens, Vault).
fn presigned_get(
    endpoint: &str,
    key: &str,
    secret: &str,
    now: OffsetDateTime,
    expires: &str,
) -> String {
    let host = endpoint.trim_start_matches("http://");
    let amz_date = now.format(rolegate_sigv4::AMZ_DATE_FORMAT).expect("date");
    let date = &amz_date[..8];
    let scope = format!("{date}/us-east-1/sts/aws4_request");
    let query = format!(
        "{GCI}&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={}&X-Amz-Date={amz_date}&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host",
        uri_encode(&format!("{key}/{scope}"))
    );
    let headers = vec![("host".to_owned(), host.to_owned())];
    let payload = hash_payload(b"");
    let pairs = query_pairs(&query);
    let req = Request {
        method: "GET",
        path: "/",
        query: &pairs,
        headers: &headers,
        payload_hash: &payload,
    };
    let creq = CanonicalRequest::build(&req, &["host".to_owned()], true).expect("creq");
    let sig = derive_signing_key(&SecretKey::new(secret), date, "us-east-1", "sts")
        .sign(&string_to_sign(&amz_date, &scope, &creq));
    format!(
        "GET /?{query}&X-Amz-Signature={} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
        hex_encode(&sig)
    )
}

fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub async fn edge_cases(s: &Server) {
    let e = &s.endpoint;
    let now = OffsetDateTime::now_utc();
    let host = e.trim_start_matches("http://");

    // A valid signed request, then one mutation at a time.
    let (status, head, body) = raw(
        e,
        signed_post(e, "sts", GCI, ROOT_KEY, ROOT_SECRET, now, &[]),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        head.to_ascii_lowercase().contains("x-amzn-requestid:"),
        "{head}"
    );
    assert!(
        body.contains(&format!("<Arn>arn:aws:iam::{ACCOUNT}:root</Arn>")),
        "{body}"
    );

    let unsigned = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{GCI}",
        GCI.len()
    );
    let (status, _, body) = raw(e, unsigned).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "MissingAuthenticationToken"),
        "A-03"
    );
    assert!(body.contains("<Type>Sender</Type>") && body.contains("<RequestId>"));

    let (status, _, body) = raw(
        e,
        signed_post(e, "sts", GCI, "AKIA0000000000000000", ROOT_SECRET, now, &[]),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "InvalidClientTokenId"),
        "A-02"
    );

    let (status, _, body) = raw(
        e,
        signed_post(
            e,
            "sts",
            GCI,
            ROOT_KEY,
            "wrong-secret-wrong-secret-wrong-secret-00",
            now,
            &[],
        ),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "SignatureDoesNotMatch"),
        "A-01"
    );

    let (status, _, body) = raw(
        e,
        signed_post(
            e,
            "sts",
            GCI,
            ROOT_KEY,
            ROOT_SECRET,
            now - Duration::minutes(16),
            &[],
        ),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "SignatureDoesNotMatch"),
        "A-04 past"
    );
    assert!(
        error_message(&body).starts_with("Signature expired: "),
        "{body}"
    );
    let (status, _, body) = raw(
        e,
        signed_post(
            e,
            "sts",
            GCI,
            ROOT_KEY,
            ROOT_SECRET,
            now + Duration::minutes(16),
            &[],
        ),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "SignatureDoesNotMatch"),
        "A-04 future"
    );
    assert!(
        error_message(&body).starts_with("Signature not yet current: "),
        "{body}"
    );
    let (status, _, _) = raw(
        e,
        signed_post(
            e,
            "sts",
            GCI,
            ROOT_KEY,
            ROOT_SECRET,
            now - Duration::minutes(14),
            &[],
        ),
    )
    .await;
    assert_eq!(status, 200, "inside the window");

    let (status, _, body) = raw(
        e,
        signed_post(e, "iam", GCI, ROOT_KEY, ROOT_SECRET, now, &[]),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "SignatureDoesNotMatch"),
        "A-05 service scope"
    );
    assert!(
        error_message(&body).contains("Credential should be scoped to correct service: 'sts'"),
        "{body}"
    );

    // The body is covered by the signature.
    let get_user = "Action=GetUser&Version=2010-05-08&UserName=alice";
    let tampered = signed_post(e, "iam", get_user, ROOT_KEY, ROOT_SECRET, now, &[])
        .replace("UserName=alice", "UserName=alicf");
    let (status, _, body) = raw(e, tampered).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "SignatureDoesNotMatch"),
        "A-12 body edited after signing"
    );

    // A session token with a long-term key.
    let (status, _, body) = raw(
        e,
        signed_post(
            e,
            "sts",
            GCI,
            ROOT_KEY,
            ROOT_SECRET,
            now,
            &[("x-amz-security-token", "abc")],
        ),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "InvalidClientTokenId")
    );

    // Protocol errors.
    let (status, _, body) = raw(
        e,
        signed_post(
            e,
            "iam",
            "Action=Nope&Version=2010-05-08",
            ROOT_KEY,
            ROOT_SECRET,
            now,
            &[],
        ),
    )
    .await;
    assert_eq!((status, error_code(&body).as_str()), (400, "InvalidAction"));
    assert_eq!(
        error_message(&body),
        "Could not find operation Nope for version 2010-05-08"
    );
    let (status, _, body) = raw(
        e,
        signed_post(
            e,
            "sts",
            "Action=GetCallerIdentity&Action=ListUsers&Version=2011-06-15",
            ROOT_KEY,
            ROOT_SECRET,
            now,
            &[],
        ),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "InvalidParameterValue"),
        "A-13"
    );
    let (status, _, body) = raw(
        e,
        signed_post(
            e,
            "iam",
            "Action=GetUser&Version=2010-05-08&UserName=",
            ROOT_KEY,
            ROOT_SECRET,
            now,
            &[],
        ),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "ValidationError")
    );
    let (status, _, body) = raw(
        e,
        signed_post(
            e,
            "iam",
            "Version=2010-05-08",
            ROOT_KEY,
            ROOT_SECRET,
            now,
            &[],
        ),
    )
    .await;
    assert_eq!((status, error_code(&body).as_str()), (400, "MissingAction"));
    let huge = format!("{GCI}&Pad={}", "x".repeat(1 << 20));
    let (status, _, body) = raw(
        e,
        signed_post(e, "sts", &huge, ROOT_KEY, ROOT_SECRET, now, &[]),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (413, "RequestEntityTooLarge"),
        "G-01"
    );

    // Presigned GET (the STS verifier form), and its window.
    let (status, _, body) = raw(e, presigned_get(e, ROOT_KEY, ROOT_SECRET, now, "60")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<GetCallerIdentityResult>"));
    let (status, _, body) = raw(
        e,
        presigned_get(e, ROOT_KEY, ROOT_SECRET, now - Duration::minutes(20), "60"),
    )
    .await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "SignatureDoesNotMatch"),
        "expired presign"
    );
    let (status, _, body) = raw(e, presigned_get(e, ROOT_KEY, ROOT_SECRET, now, "604801")).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (400, "IncompleteSignature"),
        "A-21"
    );

    // Health, readiness, metrics.
    let (status, _, body) = raw(
        e,
        format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    let (status, _, _) = raw(
        e,
        format!("GET /readyz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, body) = raw(
        e,
        format!("GET /metrics HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body.contains("rolegate_requests_total{action=\"GetCallerIdentity\",code=\"OK\"}"),
        "{body}"
    );
    assert!(body.contains("code=\"SignatureDoesNotMatch\""));
    assert!(!body.contains(ROOT_SECRET), "I-09: no secret in metrics");
}

/// Finding 11: in a query, `+` is a space and `%2B` a plus, for the signature and the
/// parameters alike (one decoding). A request signed with one cannot be replayed with the other
/// to mean something else: it is refused, or (`%20` sent as `+`) it means exactly what was signed.
pub async fn query_plus_means_what_was_signed(s: &Server) {
    let e = &s.endpoint;
    let now = OffsetDateTime::now_utc();
    let iam = root_iam(s);
    iam.create_user()
        .user_name("plus")
        .send()
        .await
        .expect("create user");
    let tag = |key: &str, value: &str| {
        format!(
            "Action=TagUser&Version=2010-05-08&UserName=plus&Tags.member.1.Key={key}&Tags.member.1.Value={value}"
        )
    };
    let tags = || async {
        let out = iam
            .list_user_tags()
            .user_name("plus")
            .send()
            .await
            .expect("list tags");
        out.tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect::<Vec<_>>()
    };

    // Signed with `%2B` (a plus), replayed with `+`: refused, nothing changes.
    let signed = signed_get(
        e,
        "iam",
        &tag("encoded", "x%2By"),
        ROOT_KEY,
        ROOT_SECRET,
        now,
    );
    let replayed = signed.replacen("x%2By", "x+y", 1);
    assert_ne!(signed, replayed);
    let (status, _, body) = raw(e, replayed).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "SignatureDoesNotMatch"),
        "{body}"
    );
    assert!(
        tags().await.is_empty(),
        "the refused request changed nothing"
    );
    let (status, _, body) = raw(e, signed).await;
    assert_eq!(status, 200, "as signed: {body}");
    assert_eq!(tags().await, vec![("encoded".to_owned(), "x+y".to_owned())]);

    // Signed with a literal `+` (a space), replayed with `%2B`: refused.
    let signed = signed_get(e, "iam", &tag("literal", "x+y"), ROOT_KEY, ROOT_SECRET, now);
    let (status, _, body) = raw(e, signed.replacen("x+y", "x%2By", 1)).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (403, "SignatureDoesNotMatch"),
        "{body}"
    );
    assert_eq!(tags().await.len(), 1, "the refused request changed nothing");
    let (status, _, body) = raw(e, signed).await;
    assert_eq!(status, 200, "as signed: {body}");

    // Signed with `%20`, sent with `+`: accepted, and it means the space that was signed.
    let signed = signed_get(e, "iam", &tag("space", "x%20y"), ROOT_KEY, ROOT_SECRET, now);
    let (status, _, body) = raw(e, signed.replacen("x%20y", "x+y", 1)).await;
    assert_eq!(status, 200, "{body}");
    let mut got = tags().await;
    got.sort();
    assert_eq!(
        got,
        vec![
            ("encoded".to_owned(), "x+y".to_owned()),
            ("literal".to_owned(), "x y".to_owned()),
            ("space".to_owned(), "x y".to_owned()),
        ]
    );

    // A query whose decoded bytes are not UTF-8 is malformed, whatever its signature.
    let signed = signed_get(e, "iam", &tag("bad", "x%C3%A9"), ROOT_KEY, ROOT_SECRET, now);
    let (status, _, body) = raw(e, signed.replacen("x%C3%A9", "x%C3", 1)).await;
    assert_eq!(
        (status, error_code(&body).as_str()),
        (404, "MalformedQueryString"),
        "{body}"
    );
    assert_eq!(
        tags().await.len(),
        3,
        "the malformed request changed nothing"
    );
}
