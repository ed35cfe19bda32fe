"""The S3 gateway's answers to the outside attack of issue 16, driven by boto3, each refusal
checked against the backend (SeaweedFS) with its own client: nothing changed there.

argv: GATEWAY IAM ROOT_KEY ROOT_SECRET ACCOUNT PARTNER PARTNER_KEY PARTNER_SECRET BACKEND
      BACKEND_KEY BACKEND_SECRET
  F1  keys, copy sources, DeleteObjects keys and list prefixes a backend may alias: 400
      InvalidArgument before authorization
  F2  versions, object lock, governance bypass, object-lock buckets: the actions AWS requires
  F6  x-amz-tagging, x-amz-acl / x-amz-grant-*: s3:PutObjectTagging, s3:PutObjectAcl too
  F5  DeleteObjects with more than 1000 keys: MalformedXML
  F3  bucket policy calls from another account: 405; the owner's root is never locked out
  F4  bucket policy principals are bound to the entity's unique id
Prints "ok".
"""

import datetime
import json
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

(gateway, iam_endpoint, root_key, root_secret, account, partner, partner_key, partner_secret,
 backend_endpoint, bkey, bsecret) = sys.argv[1:12]
cfg = Config(s3={"addressing_style": "path"}, signature_version="s3v4", retries={"max_attempts": 1})


def client(service, key, secret, endpoint=None):
    return boto3.client(
        service,
        endpoint_url=endpoint or (gateway if service == "s3" else iam_endpoint),
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        region_name="us-east-1",
        config=cfg,
    )


root = client("s3", root_key, root_secret)
root_iam = client("iam", root_key, root_secret)
partner_root = client("s3", partner_key, partner_secret)
partner_iam = client("iam", partner_key, partner_secret)
backend = client("s3", bkey, bsecret, backend_endpoint)


def fails(code, status, f, *args, **kwargs):
    # Uploads refused before their body is read included: the gateway answers them with
    # `Connection: close` and a lingering close, so botocore gets the error body whether or
    # not it sent the body after its 1 s wait for `100 Continue`.
    try:
        f(*args, **kwargs)
    except ClientError as e:
        got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        assert got == (code, status), (f.__name__, args, kwargs, got, e.response["Error"])
        return e.response["Error"].get("Message", "")
    raise AssertionError(f"{f.__name__} {args} {kwargs} succeeded; expected {code}")


def backend_body(bucket, key, version=None):
    extra = {"VersionId": version} if version else {}
    try:
        return backend.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()
    except ClientError as e:
        assert e.response["Error"]["Code"] in ("NoSuchKey", "404", "NoSuchVersion"), e.response
        return None


def backend_has_bucket(bucket):
    return any(b["Name"] == bucket for b in backend.list_buckets().get("Buckets", []))


def eventually(f):
    """Until `f` stops raising (an IAM change reaches the gateway through the change log)."""
    for _ in range(80):
        try:
            return f()
        except (ClientError, AssertionError):
            time.sleep(0.25)
    return f()


def user_with_key(iam, name, policy):
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="s3", PolicyDocument=json.dumps(policy))
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return client("s3", k["AccessKeyId"], k["SecretAccessKey"]), k["AccessKeyId"]


def drop_user(iam, name, key_id):
    iam.delete_access_key(UserName=name, AccessKeyId=key_id)
    iam.delete_user_policy(UserName=name, PolicyName="s3")
    iam.delete_user(UserName=name)


# The victim's bucket, with versioning (set at the backend: the gateway does not serve it).
root.create_bucket(Bucket="vbucket")
backend.put_bucket_versioning(Bucket="vbucket", VersioningConfiguration={"Status": "Enabled"})
root.put_object(Bucket="vbucket", Key="private/secret.txt", Body=b"SECRET")
root.put_object(Bucket="vbucket", Key="public/a.txt", Body=b"public")
v1 = root.put_object(Bucket="vbucket", Key="public/v.txt", Body=b"v1")["VersionId"]
root.put_object(Bucket="vbucket", Key="public/v.txt", Body=b"v2")

# A user allowed s3:* on the bucket but denied its private/ prefix and every action that a
# header or a version implies.
limited, _ = user_with_key(root_iam, "limited", {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::vbucket", "arn:aws:s3:::vbucket/*"]},
        {"Effect": "Allow", "Action": "s3:CreateBucket", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::vbucket/private/*"},
        {"Effect": "Deny", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::vbucket",
         "Condition": {"StringLike": {"s3:prefix": "private*"}}},
        {"Effect": "Deny", "Resource": "*", "Action": [
            "s3:GetObjectVersion", "s3:DeleteObjectVersion", "s3:PutObjectRetention",
            "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention", "s3:PutObjectTagging",
            "s3:PutObjectAcl", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketAcl"]},
    ],
})
assert eventually(lambda: limited.get_object(Bucket="vbucket", Key="public/a.txt"))["Body"].read() == b"public"
fails("AccessDenied", 403, limited.get_object, Bucket="vbucket", Key="private/secret.txt")

# F1: every alias of private/secret.txt is refused before authorization, and says why.
for alias in ["/private/secret.txt", "//private/secret.txt", "private//secret.txt",
              "private\\secret.txt", "private/./secret.txt", "public/../private/secret.txt"]:
    message = fails("InvalidArgument", 400, limited.get_object, Bucket="vbucket", Key=alias)
    assert "backend may resolve it to another object key" in message, message
    fails("InvalidArgument", 400, limited.put_object, Bucket="vbucket", Key=alias, Body=b"OVERWRITTEN")
fails("InvalidArgument", 400, limited.delete_object, Bucket="vbucket", Key="/private/secret.txt")
fails("InvalidArgument", 400, limited.delete_objects, Bucket="vbucket",
      Delete={"Objects": [{"Key": "public/a.txt"}, {"Key": "/private/secret.txt"}]})
fails("InvalidArgument", 400, limited.copy_object, Bucket="vbucket", Key="public/copy.txt",
      CopySource="vbucket//private/secret.txt")
fails("InvalidArgument", 400, limited.copy_object, Bucket="vbucket", Key="public/copy.txt",
      CopySource="vbucket/private\\secret.txt")
for prefix in ["/private/", "private//", "./private"]:
    fails("InvalidArgument", 400, limited.list_objects_v2, Bucket="vbucket", Prefix=prefix)
fails("AccessDenied", 403, limited.list_objects_v2, Bucket="vbucket", Prefix="private/")
# The owner's root is refused the same way (the refusal is about the key, not the caller).
fails("InvalidArgument", 400, root.get_object, Bucket="vbucket", Key="/private/secret.txt")
assert backend_body("vbucket", "private/secret.txt") == b"SECRET"
assert backend_body("vbucket", "public/a.txt") == b"public", "a refused DeleteObjects deleted a key"
assert backend_body("vbucket", "public/copy.txt") is None

# F2: a version is s3:GetObjectVersion / s3:DeleteObjectVersion; object lock and the
# governance bypass are actions of their own.
assert limited.get_object(Bucket="vbucket", Key="public/v.txt")["Body"].read() == b"v2"
fails("AccessDenied", 403, limited.get_object, Bucket="vbucket", Key="public/v.txt", VersionId=v1)
fails("403", 403, limited.head_object, Bucket="vbucket", Key="public/v.txt", VersionId=v1)
fails("AccessDenied", 403, limited.delete_object, Bucket="vbucket", Key="public/v.txt", VersionId=v1)
out = limited.delete_objects(Bucket="vbucket", Delete={"Objects": [{"Key": "public/v.txt", "VersionId": v1}]})
assert [e["Code"] for e in out.get("Errors", [])] == ["AccessDenied"], out
assert not out.get("Deleted"), out
assert backend_body("vbucket", "public/v.txt", v1) == b"v1"
fails("AccessDenied", 403, limited.copy_object, Bucket="vbucket", Key="public/vcopy.txt",
      CopySource={"Bucket": "vbucket", "Key": "public/v.txt", "VersionId": v1})
assert backend_body("vbucket", "public/vcopy.txt") is None
until = datetime.datetime(2099, 1, 1, tzinfo=datetime.timezone.utc)
fails("AccessDenied", 403, limited.put_object, Bucket="vbucket", Key="public/locked.txt", Body=b"x",
      ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)
fails("AccessDenied", 403, limited.put_object, Bucket="vbucket", Key="public/held.txt", Body=b"x",
      ObjectLockLegalHoldStatus="ON")
fails("AccessDenied", 403, limited.create_multipart_upload, Bucket="vbucket", Key="public/locked-mp.txt",
      ObjectLockMode="GOVERNANCE", ObjectLockRetainUntilDate=until)
fails("AccessDenied", 403, limited.copy_object, Bucket="vbucket", Key="public/locked-copy.txt",
      CopySource="vbucket/public/a.txt", ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=until)
for k in ["public/locked.txt", "public/held.txt", "public/locked-copy.txt"]:
    assert backend_body("vbucket", k) is None, k
fails("AccessDenied", 403, limited.delete_object, Bucket="vbucket", Key="public/a.txt",
      BypassGovernanceRetention=True)
assert backend_body("vbucket", "public/a.txt") == b"public"
fails("AccessDenied", 403, limited.create_bucket, Bucket="lockbkt16", ObjectLockEnabledForBucket=True)
assert not backend_has_bucket("lockbkt16")

# F6: tags and ACLs set by headers need their own actions.
fails("AccessDenied", 403, limited.put_object, Bucket="vbucket", Key="public/t.txt", Body=b"x", Tagging="a=b")
fails("AccessDenied", 403, limited.put_object, Bucket="vbucket", Key="public/acl.txt", Body=b"x", ACL="public-read")
fails("AccessDenied", 403, limited.put_object, Bucket="vbucket", Key="public/acl.txt", Body=b"x",
      GrantRead='uri="http://acs.amazonaws.com/groups/global/AllUsers"')
fails("AccessDenied", 403, limited.copy_object, Bucket="vbucket", Key="public/t2.txt",
      CopySource="vbucket/public/a.txt", TaggingDirective="REPLACE", Tagging="a=b")
fails("AccessDenied", 403, limited.create_multipart_upload, Bucket="vbucket", Key="public/mp.txt", Tagging="a=b")
for k in ["public/t.txt", "public/acl.txt", "public/t2.txt"]:
    assert backend_body("vbucket", k) is None, k
assert not backend.list_multipart_uploads(Bucket="vbucket").get("Uploads"), "a refused upload was started"
fails("AccessDenied", 403, limited.create_bucket, Bucket="aclbkt16", ACL="public-read")
assert not backend_has_bucket("aclbkt16")
# Without those headers the same calls go through.
limited.put_object(Bucket="vbucket", Key="public/plain.txt", Body=b"plain")
assert backend_body("vbucket", "public/plain.txt") == b"plain"

# F5: more than 1000 keys is MalformedXML, before any key is decided, recorded or deleted.
root.put_object(Bucket="vbucket", Key="public/k0", Body=b"k0")
fails("MalformedXML", 400, limited.delete_objects, Bucket="vbucket",
      Delete={"Objects": [{"Key": f"public/k{i}"} for i in range(1001)]})
assert backend_body("vbucket", "public/k0") == b"k0"
out = limited.delete_objects(Bucket="vbucket", Delete={"Objects": [{"Key": f"public/j{i}"} for i in range(1000)]})
assert len(out.get("Deleted", [])) + len(out.get("Errors", [])) == 1000, out.keys()
assert not any(e["Code"] == "AccessDenied" for e in out.get("Errors", [])), out["Errors"][:3]

# F3: the bucket policy calls are the owner account's; its root can never be locked out.
root.create_bucket(Bucket="shared16")
root.put_object(Bucket="shared16", Key="doc.txt", Body=b"doc")
grant = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "PartnerAll", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{partner}:root"},
     "Action": "s3:*", "Resource": ["arn:aws:s3:::shared16", "arn:aws:s3:::shared16/*"]}]})
root.put_bucket_policy(Bucket="shared16", Policy=grant)
assert eventually(lambda: partner_root.get_object(Bucket="shared16", Key="doc.txt"))["Body"].read() == b"doc"
takeover = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "s3:*",
     "Resource": ["arn:aws:s3:::shared16", "arn:aws:s3:::shared16/*"]}]})
fails("MethodNotAllowed", 405, partner_root.put_bucket_policy, Bucket="shared16", Policy=takeover)
fails("MethodNotAllowed", 405, partner_root.get_bucket_policy, Bucket="shared16")
fails("MethodNotAllowed", 405, partner_root.delete_bucket_policy, Bucket="shared16")
assert json.loads(root.get_bucket_policy(Bucket="shared16")["Policy"])["Statement"][0]["Sid"] == "PartnerAll"
assert root.get_object(Bucket="shared16", Key="doc.txt")["Body"].read() == b"doc"
# The owner's own deny (everyone outside a network) binds the root's object reads but not
# its bucket policy calls.
lockout = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::shared16", "arn:aws:s3:::shared16/*"],
     "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}]})
root.put_bucket_policy(Bucket="shared16", Policy=lockout)
fails("AccessDenied", 403, root.get_object, Bucket="shared16", Key="doc.txt")
assert "NotIpAddress" in root.get_bucket_policy(Bucket="shared16")["Policy"]
root.put_bucket_policy(Bucket="shared16", Policy=lockout)
root.delete_bucket_policy(Bucket="shared16")
assert root.get_object(Bucket="shared16", Key="doc.txt")["Body"].read() == b"doc"

# F4: a policy names an entity, not a name: a re-created namesake gets nothing, and the
# policy shows the unique id of the one that is gone.
reader_policy = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
p1, p1_key = user_with_key(partner_iam, "partner", reader_policy)
old_id = partner_iam.get_user(UserName="partner")["User"]["UserId"]
root.create_bucket(Bucket="named16")
root.put_object(Bucket="named16", Key="doc.txt", Body=b"named")
named = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{partner}:user/partner"},
     "Action": "s3:GetObject", "Resource": "arn:aws:s3:::named16/*"}]})
root.put_bucket_policy(Bucket="named16", Policy=named)
assert eventually(lambda: p1.get_object(Bucket="named16", Key="doc.txt"))["Body"].read() == b"named"
assert f"user/partner" in root.get_bucket_policy(Bucket="named16")["Policy"]
drop_user(partner_iam, "partner", p1_key)
p2, _ = user_with_key(partner_iam, "partner", reader_policy)


def recreated_is_denied():
    fails("AccessDenied", 403, p2.get_object, Bucket="named16", Key="doc.txt")


eventually(recreated_is_denied)
shown = root.get_bucket_policy(Bucket="named16")["Policy"]
assert old_id in shown and "user/partner" not in shown, shown
# A policy naming no entity is refused, as AWS refuses it.
ghost = named.replace("user/partner", "user/ghost")
message = fails("MalformedPolicy", 400, root.put_bucket_policy, Bucket="named16", Policy=ghost)
assert "Invalid principal" in message, message

# L3: NotPrincipal naming a role does not spare the role's sessions; naming the session does.
root_iam.create_role(RoleName="np16", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "sts:AssumeRole"}]}))
root_iam.put_role_policy(RoleName="np16", PolicyName="s3", PolicyDocument=json.dumps(reader_policy))
root_iam.create_user(UserName="assumer16")
root_iam.put_user_policy(UserName="assumer16", PolicyName="s3", PolicyDocument=json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}))
ak = root_iam.create_access_key(UserName="assumer16")["AccessKey"]
sts = boto3.client("sts", endpoint_url=iam_endpoint, aws_access_key_id=ak["AccessKeyId"],
                   aws_secret_access_key=ak["SecretAccessKey"], region_name="us-east-1", config=cfg)
role_arn = f"arn:aws:iam::{account}:role/np16"
session_arn = f"arn:aws:sts::{account}:assumed-role/np16/s1"
creds = eventually(lambda: sts.assume_role(RoleArn=role_arn, RoleSessionName="s1"))["Credentials"]
session = boto3.client("s3", endpoint_url=gateway, aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
                       region_name="us-east-1", config=cfg)


def not_principal(names):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "NotPrincipal": {"AWS": names}, "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::named16/*"}]})


root.put_bucket_policy(Bucket="named16", Policy=not_principal([session_arn, role_arn, f"arn:aws:iam::{account}:root"]))
assert eventually(lambda: session.get_object(Bucket="named16", Key="doc.txt"))["Body"].read() == b"named"
root.put_bucket_policy(Bucket="named16", Policy=not_principal([role_arn, f"arn:aws:iam::{account}:root"]))
fails("AccessDenied", 403, session.get_object, Bucket="named16", Key="doc.txt")

print("ok")
