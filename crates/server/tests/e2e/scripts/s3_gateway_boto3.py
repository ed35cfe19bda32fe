"""The S3 gateway driven by boto3 and by hand-signed requests.

argv: MODE GATEWAY KEY SECRET TOKEN BUCKET BACKEND BACKEND_KEY BACKEND_SECRET
  presign  presigned PUT then GET with a session token (TOKEN), through the gateway
  chunked  STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload signed chunk by chunk: a good one is
           stored; one with a tampered chunk is refused (403 SignatureDoesNotMatch) and leaves
           no object in the backend; a body not matching its x-amz-content-sha256 is 400
           XAmzContentSHA256Mismatch and leaves none;
           SigV2 and an unsigned x-amz-security-token are refused
Prints "ok".
"""

import datetime
import hashlib
import hmac
import http.client
import sys
import urllib.parse
import urllib.request

import boto3
from botocore.config import Config

mode, gateway, key, secret, token, bucket, backend, bkey, bsecret = sys.argv[1:10]
token = token or None
cfg = Config(s3={"addressing_style": "path"}, signature_version="s3v4")


def client(endpoint, k, s, t=None):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=k,
        aws_secret_access_key=s,
        aws_session_token=t,
        region_name="us-east-1",
        config=cfg,
    )


def backend_has(obj_key):
    b = client(backend, bkey, bsecret)
    try:
        b.head_object(Bucket=bucket, Key=obj_key)
        return True
    except b.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] in ("404", "NoSuchKey"), e.response
        return False


def presign():
    c = client(gateway, key, secret, token)
    url = c.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "presigned.txt"}, ExpiresIn=300)
    assert "X-Amz-Security-Token" in url, url
    req = urllib.request.Request(url, data=b"via presigned put", method="PUT")
    with urllib.request.urlopen(req) as r:
        assert r.status == 200, r.status
    url = c.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "presigned.txt"}, ExpiresIn=300)
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"via presigned put"
    # The same URL with the token removed is refused (the session key alone is nothing).
    stripped = "&".join(p for p in url.split("&") if not p.startswith("X-Amz-Security-Token="))
    try:
        urllib.request.urlopen(stripped)
        raise AssertionError("a presigned URL without its token was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 403, e.code
    # A tampered signature is refused.
    bad = url[:-1] + ("0" if url[-1] != "0" else "1")
    try:
        urllib.request.urlopen(bad)
        raise AssertionError("a tampered presigned URL was accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 403, e.code
        assert b"SignatureDoesNotMatch" in e.read()


def sign(k, msg):
    return hmac.new(k, msg.encode(), hashlib.sha256).digest()


def signing_key(day):
    k = sign(("AWS4" + secret).encode(), day)
    k = sign(k, "us-east-1")
    k = sign(k, "s3")
    return sign(k, "aws4_request")


def chunked_put(obj_key, chunks, tamper=None, sign_token=True):
    """Uploads `chunks` as aws-chunked with chunk signatures; `tamper` flips a byte of that
    chunk after signing. Returns (status, body)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = now.strftime("%Y%m%d")
    host = urllib.parse.urlparse(gateway).netloc
    path = "/" + bucket + "/" + urllib.parse.quote(obj_key)
    decoded_len = sum(len(c) for c in chunks)
    headers = {
        "host": host,
        "x-amz-date": amz_date,
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "x-amz-decoded-content-length": str(decoded_len),
        "content-encoding": "aws-chunked",
    }
    if token:
        headers["x-amz-security-token"] = token
    signed = sorted(h for h in headers if sign_token or h != "x-amz-security-token")
    canonical = "\n".join(
        [
            "PUT",
            path,
            "",
            "".join(f"{h}:{headers[h]}\n" for h in signed),
            ";".join(signed),
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        ]
    )
    scope = f"{day}/us-east-1/s3/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    skey = signing_key(day)
    seed = hmac.new(skey, sts.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={';'.join(signed)}, Signature={seed}"
    )
    body = b""
    prev = seed
    empty = hashlib.sha256(b"").hexdigest()
    for i, data in enumerate(list(chunks) + [b""]):
        csts = "\n".join(
            ["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, prev, empty, hashlib.sha256(data).hexdigest()]
        )
        sig = hmac.new(skey, csts.encode(), hashlib.sha256).hexdigest()
        prev = sig
        if tamper == i:
            data = bytes([data[0] ^ 1]) + data[1:]
        body += f"{len(data):x};chunk-signature={sig}\r\n".encode() + data + b"\r\n"
    headers["content-length"] = str(len(body))
    conn = http.client.HTTPConnection(host, timeout=60)
    conn.request("PUT", path, body=body, headers=headers)
    r = conn.getresponse()
    return r.status, r.read()


def plain_put(obj_key, data, claimed):
    """A PUT signed over `claimed` as its x-amz-content-sha256, sending `data`."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = now.strftime("%Y%m%d")
    host = urllib.parse.urlparse(gateway).netloc
    path = "/" + bucket + "/" + urllib.parse.quote(obj_key)
    headers = {"host": host, "x-amz-date": amz_date, "x-amz-content-sha256": claimed}
    if token:
        headers["x-amz-security-token"] = token
    signed = sorted(headers)
    canonical = "\n".join(
        ["PUT", path, "", "".join(f"{h}:{headers[h]}\n" for h in signed), ";".join(signed), claimed]
    )
    scope = f"{day}/us-east-1/s3/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    sig = hmac.new(signing_key(day), sts.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={key}/{scope}, SignedHeaders={';'.join(signed)}, Signature={sig}"
    )
    headers["content-length"] = str(len(data))
    conn = http.client.HTTPConnection(host, timeout=60)
    conn.request("PUT", path, body=data, headers=headers)
    r = conn.getresponse()
    return r.status, r.read()


def chunked():
    big = [bytes([65 + i]) * 65536 for i in range(3)]
    status, body = chunked_put("streamed-good", big)
    assert status == 200, (status, body)
    c = client(gateway, key, secret, token)
    got = c.get_object(Bucket=bucket, Key="streamed-good")["Body"].read()
    assert got == b"".join(big), len(got)

    status, body = chunked_put("streamed-bad", big, tamper=1)
    assert status == 403 and b"SignatureDoesNotMatch" in body, (status, body)
    assert not backend_has("streamed-bad"), "a tampered upload left an object in the backend"

    # A body that does not hash to its signed x-amz-content-sha256 is AWS's 400.
    status, body = plain_put("sha-good", b"as signed", hashlib.sha256(b"as signed").hexdigest())
    assert status == 200, (status, body)
    status, body = plain_put("sha-bad", b"not as signed", hashlib.sha256(b"as signed").hexdigest())
    assert status == 400 and b"XAmzContentSHA256Mismatch" in body, (status, body)
    assert not backend_has("sha-bad"), "a body that did not match its hash left an object"

    if token:
        status, body = chunked_put("unsigned-token", big[:1], sign_token=False)
        assert status == 403, (status, body)
        assert b"x-amz-security-token" in body, body
        assert not backend_has("unsigned-token")

    # SigV2 is refused with AWS's error.
    host = urllib.parse.urlparse(gateway).netloc
    conn = http.client.HTTPConnection(host, timeout=30)
    conn.request("GET", f"/{bucket}/streamed-good", headers={"Authorization": f"AWS {key}:c2lnbmF0dXJl", "Date": "Mon, 07 Dec 2026 10:00:00 GMT"})
    r = conn.getresponse()
    text = r.read()
    assert r.status == 400 and b"InvalidRequest" in text and b"AWS4-HMAC-SHA256" in text, (r.status, text)


{"presign": presign, "chunked": chunked}[mode]()
print("ok")
