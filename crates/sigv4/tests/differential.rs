//! Differential test: requests signed by the AWS SDK's own signer (`aws-sigv4`) verify with ours;
//! the same requests with one component changed do not.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::{
    http_request::{SignableBody, SignableRequest, SigningSettings, sign},
    sign::v4,
};
use rolegate_sigv4::{
    Request, SecretKey, hash_payload, parse_authorization_header, query_pairs, verify,
};
use time::OffsetDateTime;

const AK: &str = "AKIDEXAMPLE";
const SK: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// A tiny deterministic generator (no randomness crate needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

struct Signed {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn sign_with_sdk(
    method: &str,
    path: &str,
    query: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    service: &str,
    at: SystemTime,
) -> Signed {
    let identity = Credentials::new(AK, SK, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name(service)
        .time(at)
        .settings(SigningSettings::default())
        .build()
        .expect("params")
        .into();
    let uri = if query.is_empty() {
        format!("http://iam.example.test{path}")
    } else {
        format!("http://iam.example.test{path}?{query}")
    };
    let signable = SignableRequest::new(
        method,
        &uri,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
    let mut req = http::Request::builder().method(method).uri(&uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(()).expect("request");
    instructions.apply_to_request_http1x(&mut req);
    Signed {
        method: method.to_owned(),
        path: req.uri().path().to_owned(),
        query: req.uri().query().unwrap_or("").to_owned(),
        headers: req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().expect("ascii").to_owned()))
            .collect(),
        body: body.to_vec(),
    }
}

fn our_verify(s: &Signed, service: &str, now: OffsetDateTime) -> Result<(), String> {
    let auth = s
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .map(|(_, v)| v.clone())
        .ok_or("no authorization")?;
    let params = parse_authorization_header(&auth).map_err(|e| e.to_string())?;
    let hash = hash_payload(&s.body);
    let query = query_pairs(&s.query);
    let req = Request {
        method: &s.method,
        path: &s.path,
        query: &query,
        headers: &s.headers,
        payload_hash: &hash,
    };
    verify(&req, &params, &SecretKey::new(SK), service, now)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[test]
fn sdk_signatures_verify_and_mutations_do_not() {
    let mut rng = Lcg(7470);
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600);
    let now = OffsetDateTime::from_unix_timestamp(1_767_225_600).expect("time");
    let paths = ["/", "/a/b", "/a%20b/", "/x/./y", "/x/../y", "/caf%C3%A9"];
    let queries = [
        "",
        "Action=ListUsers&Version=2010-05-08",
        "b=2&a=1&a=0",
        "k=%2F~%20x",
        "empty=&z=%E2%9C%93",
        // `+` is a space to the SDK's signer (and to our parameters); `%2B` is a plus.
        "Action=TagUser&Tags.member.1.Value=a+b&Tags.member.2.Value=a%2Bb",
    ];
    let values = [
        "application/x-www-form-urlencoded; charset=utf-8",
        "text/plain",
        "a  b   c",
        " trimmed ",
        "v=1,2",
    ];
    let bodies = [
        "",
        "Action=GetCallerIdentity&Version=2011-06-15",
        "Action=CreateUser&UserName=a+b&Tags.member.1.Key=k",
    ];
    let mut checked = 0;
    for case in 0..300 {
        let method = rng.pick(&["GET", "POST"]);
        let path = rng.pick(&paths);
        let query = rng.pick(&queries);
        let service = rng.pick(&["iam", "sts"]);
        let body = if method == "POST" {
            rng.pick(&bodies)
        } else {
            ""
        };
        let mut headers = vec![("host", "iam.example.test")];
        if case % 2 == 0 {
            headers.push(("content-type", rng.pick(&values)));
        }
        if case % 3 == 0 {
            headers.push(("x-custom-header", rng.pick(&values)));
        }
        let signed = sign_with_sdk(method, path, query, &headers, body.as_bytes(), service, at);
        our_verify(&signed, service, now)
            .unwrap_or_else(|e| panic!("case {case} {method} {path}?{query} {headers:?}: {e}"));

        // One change at a time must break it.
        let mut m = Signed {
            body: [body.as_bytes(), b"x"].concat(),
            ..clone(&signed)
        };
        assert!(
            our_verify(&m, service, now).is_err(),
            "case {case}: body change accepted"
        );
        m = Signed {
            query: format!(
                "{}{}extra=1",
                signed.query,
                if signed.query.is_empty() { "" } else { "&" }
            ),
            ..clone(&signed)
        };
        assert!(
            our_verify(&m, service, now).is_err(),
            "case {case}: query change accepted"
        );
        if signed.query.contains("%2B") {
            m = Signed {
                query: signed.query.replace("%2B", "+"),
                ..clone(&signed)
            };
            assert!(
                our_verify(&m, service, now).is_err(),
                "case {case}: an encoded plus replayed as `+` accepted"
            );
        }
        m = Signed {
            path: format!("{}z", signed.path),
            ..clone(&signed)
        };
        assert!(
            our_verify(&m, service, now).is_err(),
            "case {case}: path change accepted"
        );
        m = Signed {
            method: if method == "GET" {
                "POST".into()
            } else {
                "GET".into()
            },
            ..clone(&signed)
        };
        assert!(
            our_verify(&m, service, now).is_err(),
            "case {case}: method change accepted"
        );
        m = clone(&signed);
        for (k, v) in &mut m.headers {
            if k == "host" {
                v.push_str(".evil");
            }
        }
        assert!(
            our_verify(&m, service, now).is_err(),
            "case {case}: host change accepted"
        );
        assert!(
            our_verify(&signed, if service == "iam" { "sts" } else { "iam" }, now).is_err(),
            "case {case}: other service accepted"
        );
        checked += 1;
    }
    assert_eq!(checked, 300);
}

fn clone(s: &Signed) -> Signed {
    Signed {
        method: s.method.clone(),
        path: s.path.clone(),
        query: s.query.clone(),
        headers: s.headers.clone(),
        body: s.body.clone(),
    }
}
