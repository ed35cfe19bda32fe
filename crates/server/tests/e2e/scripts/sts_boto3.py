"""STS through boto3 against a running Rolegate: every kind of temporary credentials, the
controls on AssumeRole, MFA, revocation, denials explained, and a second account.

Argv: endpoint, root key id, root secret, account id, partner account id, partner root key
id, partner root secret. Prints "ok"; exits non-zero at the first difference from AWS.
"""
import base64
import datetime
import hashlib
import hmac
import json
import struct
import sys
import time

import botocore

import rolegate_boto3
from rolegate_boto3 import doc, error

(endpoint, root_key, root_secret, account,
 partner, partner_key, partner_secret) = sys.argv[1:8]


client, of = rolegate_boto3.bound(endpoint)






def trust(principal, actions=("sts:AssumeRole",), condition=None):
    st = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": list(actions)}
    if condition:
        st["Condition"] = condition
    return doc([st])


def totp(seed_b32, step):
    key = base64.b32decode(seed_b32)
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1_000_000)


root_iam = client("iam", root_key, root_secret)
root_sts = client("sts", root_key, root_secret)
dev_arn = f"arn:aws:iam::{account}:user/py-dev"
role_arn = lambda name: f"arn:aws:iam::{account}:role/{name}"  # noqa: E731
LIST = doc([{"Effect": "Allow", "Action": ["iam:ListUsers", "iam:GetUser"], "Resource": "*"}])

root_iam.create_user(UserName="py-dev")
root_iam.put_user_policy(UserName="py-dev", PolicyName="assume", PolicyDocument=doc([{
    "Effect": "Allow",
    "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity",
               "sts:GetFederationToken", "iam:ListUsers"],
    "Resource": "*"}]))
dev_key = root_iam.create_access_key(UserName="py-dev")["AccessKey"]
dev = client("sts", dev_key["AccessKeyId"], dev_key["SecretAccessKey"])


def role(name, trust_policy, policy=LIST, **extra):
    root_iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust_policy, **extra)
    root_iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=policy)


# --- AssumeRole: the credentials, the identity, the role's permissions and nothing else.
role("PyOne", trust(dev_arn), MaxSessionDuration=7200)
out = dev.assume_role(RoleArn=role_arn("PyOne"), RoleSessionName="py-s1", DurationSeconds=7200)
c = out["Credentials"]
assert c["AccessKeyId"].startswith("ASIA") and len(c["AccessKeyId"]) == 20, c
assert len(c["SecretAccessKey"]) == 40
left = (c["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
assert 7190 <= left <= 7200, left
assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{account}:assumed-role/PyOne/py-s1"
assert out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
assert out["AssumedRoleUser"]["AssumedRoleId"].endswith(":py-s1")
who = of(c, "sts").get_caller_identity()
assert who["Arn"] == out["AssumedRoleUser"]["Arn"] and who["Account"] == account, who
assert who["UserId"] == out["AssumedRoleUser"]["AssumedRoleId"], who
of(c, "iam").list_users()
err = error(lambda: of(c, "iam").create_user(UserName="nope"))
assert err["Code"] == "AccessDenied", err
assert err["Message"].startswith(
    f"User: arn:aws:sts::{account}:assumed-role/PyOne/py-s1 is not authorized to perform: "
    f"iam:CreateUser on resource: arn:aws:iam::{account}:user/nope"), err
assert root_sts.get_access_key_info(AccessKeyId=c["AccessKeyId"])["Account"] == account

# Durations: above the role's maximum, and chaining past one hour.
err = error(lambda: dev.assume_role(RoleArn=role_arn("PyOne"), RoleSessionName="py-s2",
                                    DurationSeconds=7201))
assert err["Code"] == "ValidationError", err
assert err["Message"] == ("The requested DurationSeconds exceeds the MaxSessionDuration set "
                          "for this role."), err
role("PyTwo", trust(role_arn("PyOne")))
err = error(lambda: of(c, "sts").assume_role(RoleArn=role_arn("PyTwo"), RoleSessionName="py-c",
                                             DurationSeconds=3601))
assert err["Code"] == "ValidationError", err
assert err["Message"] == ("The requested DurationSeconds exceeds the 1 hour session limit for "
                          "roles assumed by role chaining."), err
chained = of(c, "sts").assume_role(RoleArn=role_arn("PyTwo"), RoleSessionName="py-c")
assert of(chained["Credentials"], "sts").get_caller_identity()["Arn"] == \
    f"arn:aws:sts::{account}:assumed-role/PyTwo/py-c"

# Who may not: root, and anybody on a role that does not exist (same answer as untrusted).
err = error(lambda: root_sts.assume_role(RoleArn=role_arn("PyOne"), RoleSessionName="py-r"))
assert err == {**err, "Code": "AccessDenied",
               "Message": "Roles may not be assumed by root accounts."}, err
missing = error(lambda: dev.assume_role(RoleArn=role_arn("PyNope"), RoleSessionName="py-x"))
untrusted = error(lambda: dev.assume_role(RoleArn=role_arn("PyTwo"), RoleSessionName="py-x"))
assert missing["Code"] == untrusted["Code"] == "AccessDenied"
assert missing["Message"].replace("PyNope", "R") == untrusted["Message"].replace("PyTwo", "R")
err = error(lambda: dev.assume_role(RoleArn=role_arn("PyOne"), RoleSessionName="a b"))
assert err["Code"] == "ValidationError", err

# ExternalId, exact and case-sensitive.
role("PyVendor", trust(dev_arn, condition={"StringEquals": {"sts:ExternalId": "Py-77"}}))
for ext in (None, "py-77"):
    kw = {"ExternalId": ext} if ext else {}
    err = error(lambda: dev.assume_role(RoleArn=role_arn("PyVendor"), RoleSessionName="py-v",
                                        **kw))
    assert err["Code"] == "AccessDenied", (ext, err)
dev.assume_role(RoleArn=role_arn("PyVendor"), RoleSessionName="py-v", ExternalId="Py-77")

# Session policies narrow; PackedPolicySize is reported.
narrow = dev.assume_role(
    RoleArn=role_arn("PyOne"), RoleSessionName="py-n",
    Policy=doc([{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]))
assert 0 < narrow["PackedPolicySize"] <= 100, narrow
err = error(lambda: of(narrow["Credentials"], "iam").list_users())
assert err["Code"] == "AccessDenied", err
of(narrow["Credentials"], "iam").get_user(UserName="py-dev")
big = doc([{"Effect": "Allow", "Action": [f"iam:GetUser{n}" for n in range(200)],
            "Resource": "*"}])
assert len(big) > 2048
err = error(lambda: dev.assume_role(RoleArn=role_arn("PyOne"), RoleSessionName="py-n",
                                    Policy=big))
assert err["Code"] == "PackedPolicyTooLarge", err
assert "% of allotted space" in err["Message"], err

# Session tags need sts:TagSession; they become aws:PrincipalTag and pass on when transitive.
err = error(lambda: dev.assume_role(RoleArn=role_arn("PyOne"), RoleSessionName="py-t",
                                    Tags=[{"Key": "team", "Value": "blue"}]))
assert err["Code"] == "AccessDenied", err
role("PyTagged", trust(dev_arn, ("sts:AssumeRole", "sts:TagSession")),
     doc([{"Effect": "Allow", "Action": ["iam:ListUsers", "sts:AssumeRole", "sts:TagSession"],
           "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}]))
blue = dev.assume_role(RoleArn=role_arn("PyTagged"), RoleSessionName="py-t",
                       Tags=[{"Key": "team", "Value": "blue"}], TransitiveTagKeys=["team"])
assert "PackedPolicySize" in blue
of(blue["Credentials"], "iam").list_users()
red = dev.assume_role(RoleArn=role_arn("PyTagged"), RoleSessionName="py-t",
                      Tags=[{"Key": "team", "Value": "red"}])
assert error(lambda: of(red["Credentials"], "iam").list_users())["Code"] == "AccessDenied"
root_iam.update_assume_role_policy(RoleName="PyTagged", PolicyDocument=doc([
    {"Effect": "Allow", "Principal": {"AWS": dev_arn}, "Action": ["sts:AssumeRole", "sts:TagSession"]},
    {"Effect": "Allow", "Principal": {"AWS": role_arn("PyTagged")},
     "Action": ["sts:AssumeRole", "sts:TagSession"]}]))
again = of(blue["Credentials"], "sts").assume_role(RoleArn=role_arn("PyTagged"),
                                                   RoleSessionName="py-t2")
of(again["Credentials"], "iam").list_users()  # the transitive tag came along
err = error(lambda: of(blue["Credentials"], "sts").assume_role(
    RoleArn=role_arn("PyTagged"), RoleSessionName="py-t3",
    Tags=[{"Key": "team", "Value": "red"}]))
assert err["Code"] == "InvalidParameterValue", err

# SourceIdentity needs sts:SetSourceIdentity, and sticks.
err = error(lambda: dev.assume_role(RoleArn=role_arn("PyOne"), RoleSessionName="py-si",
                                    SourceIdentity="alice"))
assert err["Code"] == "AccessDenied", err
role("PySource", trust(dev_arn, ("sts:AssumeRole", "sts:SetSourceIdentity")))
si = dev.assume_role(RoleArn=role_arn("PySource"), RoleSessionName="py-si",
                     SourceIdentity="alice")
assert si["SourceIdentity"] == "alice", si

# GetSessionToken: the user's own identity; no IAM without MFA; no GST from a session.
gst = dev.get_session_token(DurationSeconds=900)["Credentials"]
assert of(gst, "sts").get_caller_identity()["Arn"] == dev_arn
assert error(lambda: of(gst, "iam").list_users())["Code"] == "InvalidClientTokenId"
err = error(lambda: of(gst, "sts").get_session_token())
assert err["Code"] == "AccessDenied", err
assert err["Message"] == "Cannot call GetSessionToken with session credentials", err
root_gst = root_sts.get_session_token(DurationSeconds=7200)["Credentials"]
left = (root_gst["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
assert left <= 3600, ("root sessions are capped at an hour", left)
assert of(root_gst, "sts").get_caller_identity()["Arn"] == f"arn:aws:iam::{account}:root"

# GetFederationToken: the user's permissions ∩ the passed policy; no IAM at all.
fed = dev.get_federation_token(Name="py-fed", Policy=doc(
    [{"Effect": "Allow", "Action": "*", "Resource": "*"}]))
assert fed["FederatedUser"]["Arn"] == f"arn:aws:sts::{account}:federated-user/py-fed", fed
assert fed["FederatedUser"]["FederatedUserId"] == f"{account}:py-fed"
assert of(fed["Credentials"], "sts").get_caller_identity()["UserId"] == f"{account}:py-fed"
assert error(lambda: of(fed["Credentials"], "iam").list_users())["Code"] == "AccessDenied"

# MFA: a device with two consecutive codes, a role that demands it, a code used once.
device = root_iam.create_virtual_mfa_device(VirtualMFADeviceName="py-dev")["VirtualMFADevice"]
assert device["QRCodePNG"].startswith(b"\x89PNG"), device["QRCodePNG"][:8]
seed = device["Base32StringSeed"].decode()
step = int(time.time()) // 30
root_iam.enable_mfa_device(UserName="py-dev", SerialNumber=device["SerialNumber"],
                           AuthenticationCode1=totp(seed, step - 2),
                           AuthenticationCode2=totp(seed, step - 1))
listed = root_iam.list_mfa_devices(UserName="py-dev")["MFADevices"]
assert [d["SerialNumber"] for d in listed] == [device["SerialNumber"]], listed
role("PyMfa", trust(dev_arn, condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))
err = error(lambda: dev.assume_role(RoleArn=role_arn("PyMfa"), RoleSessionName="py-m"))
assert err["Code"] == "AccessDenied", err
code = totp(seed, int(time.time()) // 30)
dev.assume_role(RoleArn=role_arn("PyMfa"), RoleSessionName="py-m",
                SerialNumber=device["SerialNumber"], TokenCode=code)
err = error(lambda: dev.assume_role(RoleArn=role_arn("PyMfa"), RoleSessionName="py-m",
                                    SerialNumber=device["SerialNumber"], TokenCode=code))
assert err["Code"] == "AccessDenied", ("a code is accepted once", err)

# Revocation: AWSRevokeOlderSessions denies sessions issued before the cut, not after.
role("PyRevoke", trust(dev_arn))
old = dev.assume_role(RoleArn=role_arn("PyRevoke"), RoleSessionName="py-old")["Credentials"]
of(old, "iam").list_users()
time.sleep(0.01)
cut = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
root_iam.put_role_policy(RoleName="PyRevoke", PolicyName="AWSRevokeOlderSessions",
                         PolicyDocument=doc([{"Effect": "Deny", "Action": "*", "Resource": "*",
                                              "Condition": {"DateLessThan": {
                                                  "aws:TokenIssueTime": cut}}}]))
err = error(lambda: of(old, "iam").list_users())
assert err["Code"] == "AccessDenied" and "explicit deny" in err["Message"], err
time.sleep(0.01)
new = dev.assume_role(RoleArn=role_arn("PyRevoke"), RoleSessionName="py-new")["Credentials"]
of(new, "iam").list_users()

# A deleted access key ends its GetSessionToken sessions.
second = root_iam.create_access_key(UserName="py-dev")["AccessKey"]
gst2 = client("sts", second["AccessKeyId"], second["SecretAccessKey"]).get_session_token()
of(gst2["Credentials"], "sts").get_caller_identity()
root_iam.delete_access_key(UserName="py-dev", AccessKeyId=second["AccessKeyId"])
err = error(lambda: of(gst2["Credentials"], "sts").get_caller_identity())
assert err["Code"] == "InvalidClientTokenId", err

# A forged token: one character changed.
t = c["SessionToken"]
forged = dict(c, SessionToken=t[:30] + ("A" if t[30] != "A" else "B") + t[31:])
err = error(lambda: of(forged, "sts").get_caller_identity())
assert err["Code"] == "InvalidClientTokenId", err

# Denials explained: the encoded message beside AccessDenied, decoded by root only.
try:
    of(c, "iam").create_user(UserName="nope")
    raise AssertionError("not denied")
except botocore.exceptions.ClientError as e:
    encoded = e.response["Error"]["EncodedAuthorizationMessage"]
err = error(lambda: of(c, "sts").decode_authorization_message(EncodedMessage=encoded))
assert err["Code"] == "AccessDenied", err
decoded = json.loads(root_sts.decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"])
assert decoded["allowed"] is False and decoded["context"]["action"] == "iam:CreateUser", decoded

# Another account: its user needs the trust policy and its own identity policy.
partner_iam = client("iam", partner_key, partner_secret)
partner_iam.create_user(UserName="py-partner")
pk = partner_iam.create_access_key(UserName="py-partner")["AccessKey"]
p_sts = client("sts", pk["AccessKeyId"], pk["SecretAccessKey"])
role("PyShared", trust(f"arn:aws:iam::{partner}:root"))
err = error(lambda: p_sts.assume_role(RoleArn=role_arn("PyShared"), RoleSessionName="py-x"))
assert err["Code"] == "AccessDenied", err
partner_iam.put_user_policy(UserName="py-partner", PolicyName="p", PolicyDocument=doc(
    [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn("PyShared")}]))
shared = p_sts.assume_role(RoleArn=role_arn("PyShared"), RoleSessionName="py-x")["Credentials"]
assert of(shared, "sts").get_caller_identity()["Account"] == account
users = [u["UserName"] for u in of(shared, "iam").list_users()["Users"]]
assert "py-dev" in users and "py-partner" not in users, users
assert root_sts.get_access_key_info(AccessKeyId=pk["AccessKeyId"])["Account"] == partner

print("ok")
