#!/usr/bin/env python3
"""Setup and pre-signed requests for bench/gateway.sh (replayed by the shared harness's
replay.lua, like its sign_requests.py).

  gateway_requests.py setup IAM_ENDPOINT ROOT_AK ROOT_SK GATEWAY_ENDPOINT BUCKET KEY
      users `s3bench` (s3:* on BUCKET; execute-api:Invoke on the bench API) and `svc`
      (rolegate:VerifyRequest on the bench API), fresh keys for both; BUCKET created through
      the gateway and a 1 KiB object KEY put into it. Prints "USER_AK USER_SK SVC_AK SVC_SK".
  gateway_requests.py get ENDPOINT AK SK BUCKET KEY OUT
      a path-style SigV4 GET of the object (service s3, x-amz-content-sha256 signed).
  gateway_requests.py verify ENDPOINT SVC_AK SVC_SK USER_AK USER_SK OUT
      POST /access/v1/verify signed by svc (service rolegate), handing over a GET /pets/1
      signed by the user for execute-api (allowed by its policy).

Secrets are read from the arguments and never printed except by `setup`'s own output.
"""
import hashlib
import json
import sys
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

REGION = "us-east-1"
ACCOUNT = "123456789012"
PREFIX = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:pets/prod"


def host_header(endpoint):
    u = urlsplit(endpoint)
    default = {"http": 80, "https": 443}[u.scheme]
    return u.hostname if (u.port or default) == default else f"{u.hostname}:{u.port}"


def raw(method, endpoint, path, req, body=b""):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host_header(endpoint)}"]
    lines += [f"{k}: {v}" for k, v in req.headers.items()]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def setup(iam_endpoint, ak, sk, gw_endpoint, bucket, key):
    import boto3
    kw = dict(region_name=REGION, aws_access_key_id=ak, aws_secret_access_key=sk)
    iam = boto3.client("iam", endpoint_url=iam_endpoint, **kw)
    policies = {
        "s3bench": [
            {"Effect": "Allow", "Action": "s3:*",
             "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]},
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": f"{PREFIX}/GET/*"},
        ],
        "svc": [{"Effect": "Allow", "Action": "rolegate:VerifyRequest", "Resource": f"{PREFIX}/*"}],
    }
    keys = []
    for user, statements in policies.items():
        try:
            iam.create_user(UserName=user)
        except iam.exceptions.EntityAlreadyExistsException:
            pass
        iam.put_user_policy(UserName=user, PolicyName="bench", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))
        for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=user, AccessKeyId=k["AccessKeyId"])
        k = iam.create_access_key(UserName=user)["AccessKey"]
        keys += [k["AccessKeyId"], k["SecretAccessKey"]]
    s3 = boto3.client("s3", endpoint_url=gw_endpoint, region_name=REGION,
                      aws_access_key_id=keys[0], aws_secret_access_key=keys[1])
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.put_object(Bucket=bucket, Key=key, Body=b"x" * 1024)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"x" * 1024
    print(*keys)


def get(endpoint, ak, sk, bucket, key, out):
    path = f"/{bucket}/{key}"
    req = AWSRequest(method="GET", url=endpoint.rstrip("/") + path)
    S3SigV4Auth(Credentials(ak, sk), "s3", REGION).add_auth(req)
    open(out, "wb").write(raw("GET", endpoint, path, req))


def verify(endpoint, svc_ak, svc_sk, user_ak, user_sk, out):
    inner = AWSRequest(method="GET", url="http://pets.example/pets/1")
    SigV4Auth(Credentials(user_ak, user_sk), "execute-api", REGION).add_auth(inner)
    headers = {"host": "pets.example"}
    headers.update({k.lower(): v for k, v in inner.headers.items()})
    body = json.dumps({
        "request": {"method": "GET", "path": "/pets/1", "headers": headers,
                    "body_sha256": hashlib.sha256(b"").hexdigest()},
        "resource_prefix": PREFIX, "source_ip": "10.9.8.7"}).encode()
    path = "/access/v1/verify"
    req = AWSRequest(method="POST", url=endpoint.rstrip("/") + path, data=body,
                     headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(svc_ak, svc_sk), "rolegate", REGION).add_auth(req)
    open(out, "wb").write(raw("POST", endpoint, path, req, body))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"setup": setup, "get": get, "verify": verify}[cmd](*args)
