"""The S3 gateway's s3:ExistingObjectTag and virtual-hosted-style addressing, driven by boto3.

argv: existing-tags GATEWAY ROOT_KEY ROOT_SECRET READER_KEY READER_SECRET WIDE_KEY WIDE_SECRET
  In bucket `tagged`: READER may GetObject only objects tagged classification=public (and
  PutObject under copies/); WIDE may GetObject, GetObjectTagging and PutObject anywhere in it.
  Reads follow the object's tags as they are at each request (retagging flips the answer at
  once), HeadObject and CopyObject's source too; a bucket policy's Deny by existing tag closes
  reads and tag reads, not overwrites (AWS does not decide PutObject by existing tags).

argv: virtual GATEWAY_PORT KEY SECRET TOKEN BUCKET OTHER_BUCKET
  (run under localhost_resolver.py; the gateway runs with --virtual-host-domain localhost)
  Virtual-hosted-style put/get/head/list/presigned GET on BUCKET.localhost; path style on
  127.0.0.1 and on localhost still works; OTHER_BUCKET (outside the policy) is denied; a
  request whose Host header is not signed is refused; a signed request re-addressed to
  another bucket's host fails its signature.
Prints "ok".
"""

import datetime
import hashlib
import hmac
import http.client
import sys
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client(endpoint, k, s, t=None, style="path"):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=k,
        aws_secret_access_key=s,
        aws_session_token=t or None,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": style}, signature_version="s3v4"),
    )


def code_of(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    return None, ""


def denied(fn, what):
    code, message = code_of(fn)
    assert code in ("AccessDenied", "403"), f"{what}: {code} {message}"
    return message


def read(c, key, bucket="tagged"):
    return c.get_object(Bucket=bucket, Key=key)["Body"].read()


def tag(c, key, **tags):
    c.put_object_tagging(
        Bucket="tagged",
        Key=key,
        Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]},
    )


def existing_tags(gateway, rk, rs, ak, as_, wk, ws):
    root = client(gateway, rk, rs)
    reader = client(gateway, ak, as_)
    wide = client(gateway, wk, ws)
    root.put_object(Bucket="tagged", Key="public.txt", Body=b"public", Tagging="classification=public")
    root.put_object(Bucket="tagged", Key="other.txt", Body=b"other", Tagging="classification=internal")
    root.put_object(Bucket="tagged", Key="plain.txt", Body=b"plain")

    assert read(reader, "public.txt") == b"public"
    reader.head_object(Bucket="tagged", Key="public.txt")
    message = denied(lambda: read(reader, "other.txt"), "another tag")
    assert "s3:GetObject" in message, message
    denied(lambda: read(reader, "plain.txt"), "untagged")
    denied(lambda: reader.head_object(Bucket="tagged", Key="plain.txt"), "HeadObject untagged")
    # A missing object has no tags: denied, as AWS answers a caller without s3:ListBucket.
    denied(lambda: read(reader, "missing.txt"), "missing")

    # Retagging flips the answer at the next request (nothing is cached).
    tag(root, "other.txt", classification="public")
    assert read(reader, "other.txt") == b"other"
    tag(root, "public.txt", classification="internal")
    denied(lambda: read(reader, "public.txt"), "retagged internal")
    root.delete_object_tagging(Bucket="tagged", Key="other.txt")
    denied(lambda: read(reader, "other.txt"), "tags deleted")
    tag(root, "public.txt", classification="public")
    assert read(reader, "public.txt") == b"public"

    # Tag keys are case-sensitive in S3 but condition keys are not: an object whose tag keys
    # differ only in case is refused rather than decided by either value.
    code, _ = code_of(lambda: tag(root, "plain.txt", classification="public", Classification="internal"))
    if code is None:
        message = denied(lambda: read(reader, "plain.txt"), "tag keys differing in case")
        assert "differ only in case" in message, message
        root.delete_object_tagging(Bucket="tagged", Key="plain.txt")

    # CopyObject's source is read: decided by the source object's own tags.
    reader.copy_object(Bucket="tagged", Key="copies/a.txt", CopySource={"Bucket": "tagged", "Key": "public.txt"})
    denied(
        lambda: reader.copy_object(
            Bucket="tagged", Key="copies/b.txt", CopySource={"Bucket": "tagged", "Key": "other.txt"}
        ),
        "copy of an untagged source",
    )

    # A bucket policy's Deny by existing tag: reads and tag reads of a secret object are
    # closed even to WIDE; an overwrite is not decided by the tags it replaces.
    policy = (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*",'
        '"Action":["s3:GetObject","s3:GetObjectTagging","s3:PutObject"],"Resource":"arn:aws:s3:::tagged/*",'
        '"Condition":{"StringEquals":{"s3:ExistingObjectTag/classification":"secret"}}}]}'
    )
    root.put_bucket_policy(Bucket="tagged", Policy=policy)
    root.put_object(Bucket="tagged", Key="secret.txt", Body=b"secret", Tagging="classification=secret")
    assert read(wide, "public.txt") == b"public"
    message = denied(lambda: read(wide, "secret.txt"), "bucket policy deny by tag")
    assert "explicit deny" in message, message
    denied(lambda: wide.get_object_tagging(Bucket="tagged", Key="secret.txt"), "tag read of secret")
    tags = wide.get_object_tagging(Bucket="tagged", Key="public.txt")["TagSet"]
    assert tags == [{"Key": "classification", "Value": "public"}], tags
    wide.put_object(Bucket="tagged", Key="secret.txt", Body=b"overwritten")
    # The overwrite dropped the tag: readable now.
    assert read(wide, "secret.txt") == b"overwritten"
    root.delete_bucket_policy(Bucket="tagged")


def sign(method, host, path, key, secret, token, sign_host=True, amz_date=None):
    """SigV4 headers for a body-less request, by hand (so that `host` can be left unsigned)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = amz_date or now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    empty = hashlib.sha256(b"").hexdigest()
    headers = {"host": host, "x-amz-date": amz_date, "x-amz-content-sha256": empty}
    if token:
        headers["x-amz-security-token"] = token
    signed = sorted(h for h in headers if sign_host or h != "host")
    canonical = "\n".join(
        [method, path, "", "".join(f"{h}:{headers[h]}\n" for h in signed), ";".join(signed), empty]
    )
    scope = f"{day}/us-east-1/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])

    def h(k, m):
        return hmac.new(k, m.encode(), hashlib.sha256).digest()

    skey = h(h(h(h(("AWS4" + secret).encode(), day), "us-east-1"), "s3"), "aws4_request")
    sig = hmac.new(skey, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={';'.join(signed)}, Signature={sig}"
    )
    return headers


def send(port, method, path, headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.endheaders()
    r = conn.getresponse()
    body = r.read().decode(errors="replace")
    conn.close()
    return r.status, body


def virtual(port, key, secret, token, bucket, other):
    hosted = f"http://localhost:{port}"
    v = client(hosted, key, secret, token, style="virtual")
    urls = []
    v.meta.events.register("before-send.s3", lambda request, **_: urls.append(request.url))
    v.put_object(Bucket=bucket, Key="v/one.txt", Body=b"one")
    assert urls[-1].startswith(f"http://{bucket}.localhost:{port}/v/one.txt"), urls[-1]
    assert read(v, "v/one.txt", bucket) == b"one"
    v.head_object(Bucket=bucket, Key="v/one.txt")
    keys = [o["Key"] for o in v.list_objects_v2(Bucket=bucket, Prefix="v/").get("Contents", [])]
    assert keys == ["v/one.txt"], keys
    assert urls[-1].startswith(f"http://{bucket}.localhost:{port}/?"), urls[-1]
    denied(lambda: v.list_objects_v2(Bucket=other), "virtual-hosted listing of a bucket outside the policy")
    denied(lambda: v.put_object(Bucket=other, Key="x", Body=b"x"), "virtual-hosted put outside the policy")
    url = v.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "v/one.txt"}, ExpiresIn=300)
    assert url.startswith(f"http://{bucket}.localhost:{port}/"), url
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"one"

    # Path style keeps working, by IP and by the domain itself.
    for endpoint in (f"http://127.0.0.1:{port}", hosted):
        p = client(endpoint, key, secret, token, style="path")
        assert read(p, "v/one.txt", bucket) == b"one", endpoint

    host = f"{bucket}.localhost:{port}"
    status, body = send(port, "GET", "/v/one.txt", sign("GET", host, "/v/one.txt", key, secret, token))
    assert status == 200 and body == "one", (status, body)
    # The Host header names the bucket: unsigned, it is refused.
    headers = sign("GET", host, "/v/one.txt", key, secret, token, sign_host=False)
    status, body = send(port, "GET", "/v/one.txt", headers)
    assert status == 403 and "AccessDenied" in body and "host" in body, (status, body)
    # A request signed for BUCKET sent on to OTHER's host: the signature covers the Host.
    headers = sign("GET", host, "/v/one.txt", key, secret, token)
    headers["host"] = f"{other}.localhost:{port}"
    status, body = send(port, "GET", "/v/one.txt", headers)
    assert status == 403 and "SignatureDoesNotMatch" in body, (status, body)
    # A Host outside the domain names no bucket: the path does (path style).
    headers = sign("GET", f"evil.example:{port}", f"/{bucket}/v/one.txt", key, secret, token)
    status, body = send(port, "GET", f"/{bucket}/v/one.txt", headers)
    assert status == 200 and body == "one", (status, body)


mode = sys.argv[1]
if mode == "existing-tags":
    existing_tags(*sys.argv[2:9])
elif mode == "virtual":
    virtual(*sys.argv[2:8])
else:
    raise SystemExit(f"unknown mode {mode}")
print("ok")
