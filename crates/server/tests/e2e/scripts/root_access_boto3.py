"""Centralized root access (issue 17) through boto3: IAM's ListOrganizationsFeatures and
Enable/Disable…RootCredentialsManagement/…RootSessions with AWS's errors, STS AssumeRoot and the
attacks on it: a member account reaching for another member's or the management account's
root, the management account's root user, targets outside the organization, task-policy
escapes from a root session, a narrowed sts:TaskPolicyArn, SCPs over root sessions, sessions
outliving DisableOrganizationsRootSessions; and the SCP exemption of service-linked roles.
argv: endpoint, management root key, secret, management account, outsider root key, outsider
secret, outsider account."""

import datetime
import json
import sys
import time

from rolegate_boto3 import bound, doc, error

endpoint, key, secret, account, out_key, out_secret, outsider = sys.argv[1:8]
client, of = bound(endpoint)
org = client("organizations", key, secret)
iam = client("iam", key, secret)
root_sts = client("sts", key, secret)
out_iam = client("iam", out_key, out_secret)

TASK = "arn:aws:iam::aws:policy/root-task/"
AUDIT = {"arn": TASK + "IAMAuditRootUserCredentials"}
DELETE = {"arn": TASK + "IAMDeleteRootUserCredentials"}
BOTH = ["RootCredentialsManagement", "RootSessions"]


def code(call):
    return error(call)["Code"]


def user_keys(iam_client, name, document):
    iam_client.create_user(UserName=name)
    iam_client.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=doc(document))
    k = iam_client.create_access_key(UserName=name)["AccessKey"]
    return k["AccessKeyId"], k["SecretAccessKey"]


# 0. No organization yet: OrganizationNotFound for every call.
for call in [iam.list_organizations_features, iam.enable_organizations_root_sessions,
             iam.disable_organizations_root_credentials_management]:
    assert code(call) == "OrganizationNotFoundException"

# The organization: alpha and beta.
o = org.create_organization(FeatureSet="ALL")["Organization"]
root = org.list_roots()["Roots"][0]
members = []
for name in ("alpha", "beta"):
    status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
    members.append(status["AccountId"])
a, b = members

# 1. The features: empty, then enabled (idempotently), read back; outsiders have none.
f = iam.list_organizations_features()
assert f["OrganizationId"] == o["Id"] and f["EnabledFeatures"] == [], f
assert code(out_iam.list_organizations_features) == "OrganizationNotFoundException"
assert code(out_iam.enable_organizations_root_sessions) == "OrganizationNotFoundException"

ak, asec = user_keys(iam, "root-admin", [
    {"Effect": "Allow", "Action": ["sts:AssumeRoot", "sts:AssumeRole"], "Resource": "*"}])
admin_sts = client("sts", ak, asec)
# Before RootSessions: refused.
assert code(lambda: admin_sts.assume_root(TargetPrincipal=a, TaskPolicyArn=AUDIT)) == "AccessDenied"

r = iam.enable_organizations_root_credentials_management()
assert r["OrganizationId"] == o["Id"] and r["EnabledFeatures"] == ["RootCredentialsManagement"], r
assert iam.enable_organizations_root_sessions()["EnabledFeatures"] == BOTH
assert iam.enable_organizations_root_sessions()["EnabledFeatures"] == BOTH
assert iam.list_organizations_features()["EnabledFeatures"] == BOTH
# The features' calls are authorized like any other.
iam.create_user(UserName="no-features")
iam.put_user_policy(UserName="no-features", PolicyName="p", PolicyDocument=doc([
    {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
    {"Effect": "Deny", "Action": "iam:DisableOrganizationsRootSessions", "Resource": "*"}]))
k = iam.create_access_key(UserName="no-features")["AccessKey"]
nf = client("iam", k["AccessKeyId"], k["SecretAccessKey"])
assert code(nf.disable_organizations_root_sessions) == "AccessDenied"
assert nf.list_organizations_features()["EnabledFeatures"] == BOTH


def member_session(member):
    return admin_sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole",
                                 RoleSessionName="ops")["Credentials"]


# 2. A member account's administrator: cannot read or change the features, cannot take any
#    account's root.
ma_creds = member_session(a)
ma, ma_sts = of(ma_creds, "iam"), of(ma_creds, "sts")
assert code(ma.list_organizations_features) == "AccountNotManagementOrDelegatedAdministratorException"
assert code(ma.enable_organizations_root_sessions) == "CallerIsNotManagementAccountException"
assert code(ma.enable_organizations_root_credentials_management) == "CallerIsNotManagementAccountException"
assert code(ma.disable_organizations_root_sessions) == "AccountNotManagementOrDelegatedAdministratorException"
for target in (b, f"arn:aws:iam::{b}:root", account, a, outsider):
    assert code(lambda: ma_sts.assume_root(TargetPrincipal=target, TaskPolicyArn=AUDIT)) == "AccessDenied", target
# A member's own IAM user with every permission: the same.
mk, msec = user_keys(ma, "member-admin", [{"Effect": "Allow", "Action": "*", "Resource": "*"}])
member_sts = client("sts", mk, msec)
for target in (b, account):
    assert code(lambda: member_sts.assume_root(TargetPrincipal=target, TaskPolicyArn=AUDIT)) == "AccessDenied"
assert iam.list_organizations_features()["EnabledFeatures"] == BOTH

# 3. The management account: never its own root, never outside the organization, never as the
#    root user, only the five task policies, at most 900 seconds.
for target in (account, f"arn:aws:iam::{account}:root", outsider, "999999999999", "not-an-account"):
    assert code(lambda: admin_sts.assume_root(TargetPrincipal=target, TaskPolicyArn=AUDIT)) == "AccessDenied", target
assert code(lambda: root_sts.assume_root(TargetPrincipal=a, TaskPolicyArn=AUDIT)) == "AccessDenied"
for bad in ("arn:aws:iam::aws:policy/AdministratorAccess", f"arn:aws:iam::{account}:policy/root-task/IAMAuditRootUserCredentials",
            TASK + "Nope"):
    e = error(lambda: admin_sts.assume_root(TargetPrincipal=a, TaskPolicyArn={"arn": bad}))
    assert e["Code"] == "InvalidParameterValue", (bad, e)
assert code(lambda: admin_sts.assume_root(TargetPrincipal=a, TaskPolicyArn=AUDIT, DurationSeconds=901)) == "ValidationError"
# The task policies are no one's permissions.
assert code(lambda: iam.attach_user_policy(UserName="root-admin", PolicyArn=AUDIT["arn"])) == "PolicyNotAttachable"

# 4. A root session: the member's root, its task policy and nothing more.
ma.create_user(UserName="victim")
victim_key = ma.create_access_key(UserName="victim")["AccessKey"]["AccessKeyId"]
before = datetime.datetime.now(datetime.timezone.utc)
out = admin_sts.assume_root(TargetPrincipal=f"arn:aws:iam::{a}:root", TaskPolicyArn=AUDIT, DurationSeconds=300)
creds = out["Credentials"]
assert creds["AccessKeyId"].startswith("ASIA"), creds
assert creds["Expiration"] <= before + datetime.timedelta(seconds=305), creds
rs_sts, rs_iam = of(creds, "sts"), of(creds, "iam")
me = rs_sts.get_caller_identity()
assert me["Arn"] == f"arn:aws:iam::{a}:root" and me["Account"] == a and me["UserId"] == a, me
assert rs_iam.list_access_keys()["AccessKeyMetadata"] == []
# Escapes: other users' credentials, new principals, policies, roles, other services, chaining.
for call in [
    lambda: rs_iam.list_access_keys(UserName="victim"),
    lambda: rs_iam.delete_access_key(UserName="victim", AccessKeyId=victim_key),
    lambda: rs_iam.update_access_key(UserName="victim", AccessKeyId=victim_key, Status="Inactive"),
    lambda: rs_iam.create_access_key(),
    lambda: rs_iam.create_access_key(UserName="victim"),
    lambda: rs_iam.create_user(UserName="backdoor"),
    lambda: rs_iam.list_users(),
    lambda: rs_iam.put_role_policy(RoleName="OrganizationAccountAccessRole", PolicyName="x",
                                   PolicyDocument=doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}])),
    lambda: rs_iam.update_assume_role_policy(RoleName="OrganizationAccountAccessRole", PolicyDocument=doc([
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{outsider}:root"}, "Action": "sts:AssumeRole"}])),
    lambda: rs_iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com"),
    lambda: rs_iam.get_account_authorization_details(),
    lambda: rs_iam.enable_organizations_root_sessions(),
    lambda: rs_sts.assume_role(RoleArn=f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole", RoleSessionName="xx"),
    lambda: rs_sts.assume_root(TargetPrincipal=b, TaskPolicyArn=AUDIT),
    lambda: rs_sts.assume_root(TargetPrincipal=a, TaskPolicyArn=DELETE),
    lambda: rs_sts.get_session_token(),
    lambda: rs_sts.get_federation_token(Name="xx"),
    lambda: of(creds, "organizations").list_accounts(),
]:
    e = error(call)
    assert e["Code"] in ("AccessDenied", "AccessDeniedException"), e
assert ma.list_access_keys(UserName="victim")["AccessKeyMetadata"][0]["Status"] == "Active"
assert code(lambda: ma.get_user(UserName="backdoor")) == "NoSuchEntity"
# The delete task: the root's credentials only, never a user's.
d = of(admin_sts.assume_root(TargetPrincipal=a, TaskPolicyArn=DELETE)["Credentials"], "iam")
assert d.list_access_keys()["AccessKeyMetadata"] == []
for call in [
    lambda: d.delete_access_key(UserName="victim", AccessKeyId=victim_key),
    lambda: d.delete_login_profile(UserName="victim"),
    lambda: d.delete_user(UserName="victim"),
]:
    assert code(call) == "AccessDenied"
assert len(ma.list_access_keys(UserName="victim")["AccessKeyMetadata"]) == 1
# The S3 task holds no IAM permission at all.
s3t = of(admin_sts.assume_root(TargetPrincipal=b, TaskPolicyArn={"arn": TASK + "S3UnlockBucketPolicy"})["Credentials"], "iam")
assert code(s3t.list_access_keys) == "AccessDenied"

# 5. sts:TaskPolicyArn and the root-user resource narrow who may take what.
nk, nsec = user_keys(iam, "narrow", [
    {"Effect": "Allow", "Action": "sts:AssumeRoot", "Resource": f"arn:aws:iam::{a}:root",
     "Condition": {"StringEquals": {"sts:TaskPolicyArn": AUDIT["arn"]}}}])
narrow = client("sts", nk, nsec)
narrow.assume_root(TargetPrincipal=a, TaskPolicyArn=AUDIT)
assert code(lambda: narrow.assume_root(TargetPrincipal=a, TaskPolicyArn=DELETE)) == "AccessDenied"
assert code(lambda: narrow.assume_root(TargetPrincipal=b, TaskPolicyArn=AUDIT)) == "AccessDenied"

# 6. SCPs apply to root sessions (and not to service-linked roles).
org.enable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")
scp = org.create_policy(Name="no-keys-no-ec2", Type="SERVICE_CONTROL_POLICY", Description="d",
                        Content=doc([{"Effect": "Allow", "Action": "*", "Resource": "*"},
                                     {"Effect": "Deny", "Action": ["iam:ListAccessKeys", "ec2:*"],
                                      "Resource": "*"}]))["Policy"]["PolicySummary"]
org.attach_policy(PolicyId=scp["Id"], TargetId=a)
ra = of(admin_sts.assume_root(TargetPrincipal=a, TaskPolicyArn=AUDIT)["Credentials"], "iam")
rb = of(admin_sts.assume_root(TargetPrincipal=b, TaskPolicyArn=AUDIT)["Credentials"], "iam")
deadline = time.time() + 5
while code(ra.list_access_keys) != "AccessDenied":
    assert time.time() < deadline, "the SCP never reached the root session"
    time.sleep(0.2)
assert rb.list_access_keys()["AccessKeyMetadata"] == []
ma = of(member_session(a), "iam")
slr = ma.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]["Arn"]
ma.create_role(RoleName="plain", AssumeRolePolicyDocument=doc([
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{a}:root"}, "Action": "sts:AssumeRole"}]))
ma.put_role_policy(RoleName="plain", PolicyName="p", PolicyDocument=doc([
    {"Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*"}]))


def simulated(arn):
    r = ma.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["ec2:DescribeInstances"])
    return r["EvaluationResults"][0]["EvalDecision"]


assert simulated(slr) == "allowed", simulated(slr)
assert simulated(f"arn:aws:iam::{a}:role/plain") != "allowed"

# 7. Disabling root sessions ends the live ones and refuses new ones.
live = of(admin_sts.assume_root(TargetPrincipal=b, TaskPolicyArn=AUDIT)["Credentials"], "iam")
assert live.list_access_keys()["AccessKeyMetadata"] == []
# The member account's own trail shows who took its root (the event is in both trails, with
# one sharedEventID), as a cross-account AssumeRole is.
mb_trail = of(member_session(b), "cloudtrail")
taken = [e for e in mb_trail.lookup_events(LookupAttributes=[
    {"AttributeKey": "EventName", "AttributeValue": "AssumeRoot"}])["Events"]]
assert taken, "no AssumeRoot event in the member's trail"
ev = json.loads(taken[0]["CloudTrailEvent"])
assert ev["userIdentity"]["arn"].endswith(":user/root-admin"), ev
assert ev["recipientAccountId"] == b and ev.get("sharedEventID"), ev
assert iam.disable_organizations_root_sessions()["EnabledFeatures"] == ["RootCredentialsManagement"]
deadline = time.time() + 5
while code(live.list_access_keys) != "InvalidClientTokenId":
    assert time.time() < deadline, "the root session outlived DisableOrganizationsRootSessions"
    time.sleep(0.2)
assert code(lambda: admin_sts.assume_root(TargetPrincipal=b, TaskPolicyArn=AUDIT)) == "AccessDenied"
# Enabling them again does not revive the sessions the disable ended; new ones work.
iam.enable_organizations_root_sessions()
time.sleep(1.5)
assert code(live.list_access_keys) == "InvalidClientTokenId", "a disabled root session came back"
fresh = of(admin_sts.assume_root(TargetPrincipal=b, TaskPolicyArn=AUDIT)["Credentials"], "iam")
assert fresh.list_access_keys()["AccessKeyMetadata"] == []
iam.disable_organizations_root_sessions()
assert iam.disable_organizations_root_credentials_management()["EnabledFeatures"] == []
assert iam.list_organizations_features()["EnabledFeatures"] == []

print("ok")
