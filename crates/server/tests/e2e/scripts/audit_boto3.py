"""The audit trail through boto3 (issue 15): a short workflow — a user with an attached
policy, an assumed role, a denied call, a bad signature, a password and an MFA device — then
CloudTrail's LookupEvents (and its paginator) finds each step with the right identity, pages
newest first, answers AWS's errors, and no secret is in any event.

Argv: endpoint, root key id, root secret, account id, a file to write the workflow's secrets
to (one a line, for the test's own scan of the store). Prints "ok".
"""
import base64
import datetime
import hashlib
import hmac
import struct
import sys
import time
import json

import rolegate_boto3
from rolegate_boto3 import doc, error

endpoint, root_key, root_secret, account, secrets_path = sys.argv[1:6]
client, of = rolegate_boto3.bound(endpoint)


def totp(seed_b32, step):
    key = base64.b32decode(seed_b32)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1_000_000)


root_iam = client("iam", root_key, root_secret)
trail = client("cloudtrail", root_key, root_secret)
dev_arn = f"arn:aws:iam::{account}:user/audit-dev"

# The workflow.
root_iam.create_user(UserName="audit-dev")
policy_arn = root_iam.create_policy(PolicyName="audit-assume", PolicyDocument=doc([{
    "Effect": "Allow", "Action": ["sts:AssumeRole", "iam:ListUsers"], "Resource": "*"}]))["Policy"]["Arn"]
root_iam.attach_user_policy(UserName="audit-dev", PolicyArn=policy_arn)
dev_key = root_iam.create_access_key(UserName="audit-dev")["AccessKey"]
root_iam.create_role(RoleName="AuditRole", AssumeRolePolicyDocument=doc([{
    "Effect": "Allow", "Principal": {"AWS": dev_arn}, "Action": "sts:AssumeRole"}]))
dev_sts = client("sts", dev_key["AccessKeyId"], dev_key["SecretAccessKey"])
dev_iam = client("iam", dev_key["AccessKeyId"], dev_key["SecretAccessKey"])
creds = None
for _ in range(50):  # the new key and policy reach the cache within the staleness bound
    try:
        creds = dev_sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/AuditRole",
                                    RoleSessionName="audit-session")["Credentials"]
        break
    except Exception:  # noqa: BLE001
        time.sleep(0.2)
assert creds, "AssumeRole never succeeded"
session_sts = of(creds, "sts")
assert session_sts.get_caller_identity()["Arn"].endswith(":assumed-role/AuditRole/audit-session")
denied = error(lambda: dev_iam.create_user(UserName="not-allowed"))
assert denied["Code"] == "AccessDenied", denied
bad = client("sts", dev_key["AccessKeyId"], "x" * 40)
bad_sig = error(bad.get_caller_identity)
assert bad_sig["Code"] == "SignatureDoesNotMatch", bad_sig
password = "Audit-Pa55word-" + base64.b32encode(hashlib.sha256(str(time.time()).encode()).digest()).decode()[:12]
root_iam.create_login_profile(UserName="audit-dev", Password=password)
device = root_iam.create_virtual_mfa_device(VirtualMFADeviceName="audit-mfa")["VirtualMFADevice"]
seed = device["Base32StringSeed"].decode()
step = int(time.time()) // 30
code1, code2 = totp(seed, step - 2), totp(seed, step - 1)
root_iam.enable_mfa_device(UserName="audit-dev", SerialNumber=device["SerialNumber"],
                           AuthenticationCode1=code1, AuthenticationCode2=code2)

secrets = [dev_key["SecretAccessKey"], creds["SecretAccessKey"], creds["SessionToken"],
           password, seed]
with open(secrets_path, "w") as f:
    f.write("\n".join(secrets + [json.dumps(code1), json.dumps(code2)]) + "\n")


def lookup(key=None, value=None, **kw):
    """Every event the paginator finds (pages of `PageSize`, default 50)."""
    args = {}
    if key:
        args["LookupAttributes"] = [{"AttributeKey": key, "AttributeValue": value}]
    args.update(kw)
    size = args.pop("PageSize", 50)
    pages = trail.get_paginator("lookup_events").paginate(
        **args, PaginationConfig={"PageSize": size})
    return [e for p in pages for e in p["Events"]]


def event(e):
    return json.loads(e["CloudTrailEvent"])


# Each step, with the right identity.
created = [event(e) for e in lookup("EventName", "CreateUser")]
ok = [e for e in created if "errorCode" not in e]
assert len(ok) == 1, created
c = ok[0]
assert c["eventVersion"] == "1.08" and c["eventSource"] == "iam.amazonaws.com", c
assert c["userIdentity"]["type"] == "Root", c
assert c["userIdentity"]["arn"] == f"arn:aws:iam::{account}:root", c
assert c["userIdentity"]["accessKeyId"] == root_key, c
assert c["requestParameters"]["userName"] == "audit-dev", c
assert c["responseElements"]["user"]["arn"] == dev_arn, c
# Calls that change nothing keep no response (as CloudTrail): a lookup's answer is not
# recorded again inside its own event.
gets = [event(e) for e in lookup("EventName", "LookupEvents")]
assert gets and all(e["responseElements"] is None for e in gets), gets[:1]
assert c["recipientAccountId"] == account and c["readOnly"] is False, c
assert c["eventType"] == "AwsApiCall" and c["managementEvent"] is True, c
assert c["eventCategory"] == "Management" and c["sourceIPAddress"] == "127.0.0.1", c
assert "Boto3" in c["userAgent"] or "boto3" in c["userAgent"].lower(), c
assert len(c["eventID"]) == 36 and c["requestID"], c

attached = [event(e) for e in lookup("EventName", "AttachUserPolicy")]
assert len(attached) == 1 and attached[0]["requestParameters"]["policyArn"] == policy_arn, attached

assumed = lookup("EventName", "AssumeRole")
assert len(assumed) == 1, assumed
assert assumed[0]["Username"] == "audit-dev", assumed[0]
assert assumed[0]["AccessKeyId"] == dev_key["AccessKeyId"], assumed[0]
assert {"ResourceType": "AWS::IAM::Role",
        "ResourceName": f"arn:aws:iam::{account}:role/AuditRole"} in assumed[0]["Resources"], assumed[0]
a = event(assumed[0])
assert a["eventSource"] == "sts.amazonaws.com", a
assert a["userIdentity"]["type"] == "IAMUser" and a["userIdentity"]["userName"] == "audit-dev", a
assert a["responseElements"]["credentials"]["accessKeyId"] == creds["AccessKeyId"], a
assert a["responseElements"]["credentials"]["sessionToken"] != creds["SessionToken"], a
assert a["responseElements"]["credentials"]["secretAccessKey"] != creds["SecretAccessKey"], a

by_session = [event(e) for e in lookup("AccessKeyId", creds["AccessKeyId"])]
assert [e["eventName"] for e in by_session] == ["GetCallerIdentity"], by_session
s = by_session[0]["userIdentity"]
assert s["type"] == "AssumedRole", s
assert s["arn"] == f"arn:aws:sts::{account}:assumed-role/AuditRole/audit-session", s
assert s["sessionContext"]["sessionIssuer"]["type"] == "Role", s
assert s["sessionContext"]["sessionIssuer"]["userName"] == "AuditRole", s
assert s["sessionContext"]["attributes"]["mfaAuthenticated"] == "false", s
assert s["sessionContext"]["attributes"]["creationDate"].endswith("Z"), s

refused = [e for e in created if e.get("errorCode") == "AccessDenied"]
assert len(refused) == 1, created
assert refused[0]["userIdentity"]["userName"] == "audit-dev", refused
assert refused[0]["requestParameters"]["userName"] == "not-allowed", refused
assert "not authorized" in refused[0]["errorMessage"], refused

unsigned = [event(e) for e in lookup("EventName", "GetCallerIdentity")]
forged = [e for e in unsigned if e.get("errorCode") == "SignatureDoesNotMatch"]
assert len(forged) == 1, unsigned
# A bad signature on a real key: recorded under the key's identity (what was claimed), with
# nothing of the request kept.
f = forged[0]["userIdentity"]
assert f["type"] == "IAMUser" and f["userName"] == "audit-dev", forged
assert f["accessKeyId"] == dev_key["AccessKeyId"], forged
assert forged[0]["requestParameters"] is None, forged
assert forged[0]["recipientAccountId"] == account, forged

profile = [event(e) for e in lookup("EventName", "CreateLoginProfile")]
assert len(profile) == 1 and profile[0]["requestParameters"]["password"] != password, profile
enabled = [event(e) for e in lookup("EventName", "EnableMFADevice")]
assert len(enabled) == 1, enabled
assert enabled[0]["requestParameters"]["authenticationCode1"] not in (code1, code2), enabled

# The other lookup attributes.
mine = lookup("Username", "audit-dev")
assert mine and all(e.get("Username") == "audit-dev" for e in mine), mine
assert {"AssumeRole", "CreateUser"} <= {e["EventName"] for e in mine}, mine
reads = lookup("ReadOnly", "true")
assert reads and all(e["ReadOnly"] == "true" for e in reads), reads
writes = lookup("ReadOnly", "false")
assert writes and all(e["ReadOnly"] == "false" for e in writes), writes
assert len(lookup("EventSource", "sts.amazonaws.com")) >= 3
one = lookup("EventId", c["eventID"])
assert len(one) == 1 and one[0]["EventId"] == c["eventID"], one
assert [e["EventName"] for e in lookup("ResourceName", "AuditRole")] == ["CreateRole"]
assert "AttachUserPolicy" in {e["EventName"] for e in lookup("ResourceType", "AWS::IAM::Policy")}

# Paging: the same events in small pages, newest first.
cut = datetime.datetime.now(datetime.timezone.utc)
time.sleep(0.05)
everything = lookup(EndTime=cut)
small = lookup(EndTime=cut, PageSize=3)
assert [e["EventId"] for e in small] == [e["EventId"] for e in everything], \
    ([e["EventName"] for e in small], [e["EventName"] for e in everything])
times = [e["EventTime"] for e in everything]
assert times == sorted(times, reverse=True), times
assert len({e["EventId"] for e in everything}) == len(everything)
# A time range.
later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
assert lookup(StartTime=later, EndTime=later + datetime.timedelta(hours=1)) == []
assert len(lookup(EndTime=later)) >= len(everything)

# AWS's errors.
assert error(lambda: trail.lookup_events(LookupAttributes=[
    {"AttributeKey": "EventName", "AttributeValue": "A"},
    {"AttributeKey": "Username", "AttributeValue": "B"}]))["Code"] == "InvalidLookupAttributesException"
assert error(lambda: trail.lookup_events(LookupAttributes=[
    {"AttributeKey": "ReadOnly", "AttributeValue": "maybe"}]))["Code"] == "InvalidLookupAttributesException"
assert error(lambda: trail.lookup_events(StartTime=later, EndTime=later - datetime.timedelta(days=1))
             )["Code"] == "InvalidTimeRangeException"
assert error(lambda: trail.lookup_events(MaxResults=51))["Code"] == "InvalidMaxResultsException"
assert error(lambda: trail.lookup_events(NextToken="garbage"))["Code"] == "InvalidNextTokenException"

# cloudtrail:LookupEvents is authorized like any action: audit-dev has no grant for it.
dev_trail = client("cloudtrail", dev_key["AccessKeyId"], dev_key["SecretAccessKey"])
assert error(lambda: dev_trail.lookup_events())["Code"] == "AccessDeniedException"
assert [e for e in lookup("EventName", "LookupEvents")
        if event(e).get("errorCode") == "AccessDenied"], "the denied lookup is recorded"

# No secret in any event.
for e in lookup():
    raw = e["CloudTrailEvent"]
    for secret in secrets + [json.dumps(code1), json.dumps(code2)]:
        assert secret not in raw, (secret[:4], raw)

print("ok")
