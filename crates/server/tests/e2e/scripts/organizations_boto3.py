"""AWS Organizations through boto3 (AWS JSON 1.1): the organization, OUs, member accounts with
OrganizationAccountAccessRole, tags, AWS's errors with their `__type`, and service control
policies that cap one OU's accounts only. argv: endpoint, key, secret, account, mode.

mode `scenario`: every check, then `ok`. mode `setup`: an organization with OU `eng` holding
two new accounts; prints `{"org": …, "root": …, "ou": …, "accounts": [a, b]}`. mode `call`,
then an operation's snake_case name and its parameters as JSON: prints the response as JSON.
"""

import json
import re
import sys
import time

from rolegate_boto3 import bound, doc, error

endpoint, key, secret, account, mode = sys.argv[1:6]
client, of = bound(endpoint)
org = client("organizations", key, secret)
iam = client("iam", key, secret)


def code(call):
    return error(call)["Code"]


def setup():
    o = org.create_organization(FeatureSet="ALL")["Organization"]
    root = org.list_roots()["Roots"][0]
    ou = org.create_organizational_unit(ParentId=root["Id"], Name="eng")["OrganizationalUnit"]
    accounts = []
    for name in ("alpha", "beta"):
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        assert status["State"] == "SUCCEEDED", status
        accounts.append(status["AccountId"])
        org.move_account(AccountId=status["AccountId"], SourceParentId=root["Id"],
                         DestinationParentId=ou["Id"])
    return o, root, ou, accounts


def admin_session(member, role="OrganizationAccountAccessRole"):
    """Credentials in `member` through its access role, as the management account's admin."""
    creds = sts_admin.assume_role(RoleArn=f"arn:aws:iam::{member}:role/{role}",
                                  RoleSessionName="ops")["Credentials"]
    return creds


if mode == "call":
    name, params = sys.argv[6], json.loads(sys.argv[7])
    out = getattr(org, name)(**params)
    out.pop("ResponseMetadata", None)
    print(json.dumps(out, default=str))
    sys.exit(0)

if mode == "setup":
    o, root, ou, accounts = setup()
    print(json.dumps({"org": o["Id"], "root": root["Id"], "ou": ou["Id"], "accounts": accounts}))
    sys.exit(0)

# Before any organization: AWS's error, in JSON with its __type.
assert code(org.describe_organization) == "AWSOrganizationsNotInUseException"
assert code(org.list_accounts) == "AWSOrganizationsNotInUseException"

o, root, ou, (a, b) = setup()
assert re.fullmatch(r"o-[a-z0-9]{10}", o["Id"]), o
assert o["Arn"] == f"arn:aws:organizations::{account}:organization/{o['Id']}", o
assert o["MasterAccountId"] == account and o["FeatureSet"] == "ALL", o
assert code(lambda: org.create_organization(FeatureSet="ALL")) == "AlreadyInOrganizationException"
assert re.fullmatch(r"r-[a-z0-9]{4}", root["Id"]), root
assert root["Arn"] == f"arn:aws:organizations::{account}:root/{o['Id']}/{root['Id']}", root
assert re.fullmatch(r"ou-" + root["Id"][2:] + r"-[a-z0-9]{8}", ou["Id"]), ou
assert ou["Arn"] == f"arn:aws:organizations::{account}:ou/{o['Id']}/{ou['Id']}", ou
for x in (a, b):
    assert re.fullmatch(r"[0-9]{12}", x), x

# Organizational units.
assert code(lambda: org.create_organizational_unit(ParentId=root["Id"], Name="eng")) == \
    "DuplicateOrganizationalUnitException"
assert code(lambda: org.create_organizational_unit(ParentId="ou-zzzz-zzzzzzzz", Name="x")) == \
    "ParentNotFoundException"
ops = org.create_organizational_unit(ParentId=root["Id"], Name="ops")["OrganizationalUnit"]
renamed = org.update_organizational_unit(OrganizationalUnitId=ops["Id"], Name="operations")
assert renamed["OrganizationalUnit"]["Name"] == "operations", renamed
assert org.describe_organizational_unit(OrganizationalUnitId=ops["Id"])["OrganizationalUnit"]["Name"] == "operations"
names = sorted(u["Name"] for u in org.list_organizational_units_for_parent(ParentId=root["Id"])["OrganizationalUnits"])
assert names == ["eng", "operations"], names
assert code(lambda: org.describe_organizational_unit(OrganizationalUnitId="ou-zzzz-zzzzzzzz")) == \
    "OrganizationalUnitNotFoundException"

# Accounts and their statuses.
accounts = {x["Id"]: x for x in org.list_accounts()["Accounts"]}
assert set(accounts) == {account, a, b}, accounts
assert accounts[a]["Name"] == "alpha" and accounts[a]["Email"] == "alpha@example.com"
assert accounts[a]["JoinedMethod"] == "CREATED" and accounts[a]["Status"] == "ACTIVE"
assert accounts[a]["Arn"] == f"arn:aws:organizations::{account}:account/{o['Id']}/{a}"
assert org.describe_account(AccountId=b)["Account"]["Name"] == "beta"
assert code(lambda: org.describe_account(AccountId="999999999999")) == "AccountNotFoundException"
statuses = org.list_create_account_status()["CreateAccountStatuses"]
assert {s["AccountId"] for s in statuses} == {a, b}, statuses
one = org.describe_create_account_status(CreateAccountRequestId=statuses[0]["Id"])["CreateAccountStatus"]
assert one["State"] == "SUCCEEDED" and re.fullmatch(r"car-[a-z0-9]{32}", one["Id"]), one
dup = org.create_account(Email="alpha@example.com", AccountName="again")["CreateAccountStatus"]
assert dup["State"] == "FAILED" and dup["FailureReason"] == "EMAIL_ALREADY_EXISTS", dup
assert len(org.list_accounts()["Accounts"]) == 3
failed = org.list_create_account_status(States=["FAILED"])["CreateAccountStatuses"]
assert [s["Id"] for s in failed] == [dup["Id"]], failed
assert code(lambda: org.describe_create_account_status(CreateAccountRequestId="car-" + "0" * 32)) == \
    "CreateAccountStatusNotFoundException"

# The tree.
children = org.list_children(ParentId=ou["Id"], ChildType="ACCOUNT")["Children"]
assert sorted(c["Id"] for c in children) == sorted([a, b]), children
units = org.list_children(ParentId=root["Id"], ChildType="ORGANIZATIONAL_UNIT")["Children"]
assert sorted(c["Id"] for c in units) == sorted([ou["Id"], ops["Id"]]), units
assert org.list_parents(ChildId=a)["Parents"] == [{"Id": ou["Id"], "Type": "ORGANIZATIONAL_UNIT"}]
assert org.list_parents(ChildId=ou["Id"])["Parents"] == [{"Id": root["Id"], "Type": "ROOT"}]
assert code(lambda: org.list_parents(ChildId="111111111111")) == "ChildNotFoundException"
assert code(lambda: org.list_children(ParentId="r-zzzz", ChildType="ACCOUNT")) == "ParentNotFoundException"
assert code(lambda: org.move_account(AccountId=a, SourceParentId=root["Id"], DestinationParentId=ops["Id"])) == \
    "AccountNotFoundException"
assert code(lambda: org.move_account(AccountId=a, SourceParentId=ou["Id"], DestinationParentId="ou-zzzz-zzzzzzzz")) == \
    "DestinationParentNotFoundException"
assert code(lambda: org.move_account(AccountId=a, SourceParentId=ou["Id"], DestinationParentId=ou["Id"])) == \
    "DuplicateAccountException"
assert code(lambda: org.delete_organizational_unit(OrganizationalUnitId=ou["Id"])) == \
    "OrganizationalUnitNotEmptyException"
org.delete_organizational_unit(OrganizationalUnitId=ops["Id"])

# Tags, keyed by the service: the same operation names as other services'.
org.tag_resource(ResourceId=a, Tags=[{"Key": "team", "Value": "red"}, {"Key": "cost", "Value": "1"}])
org.untag_resource(ResourceId=a, TagKeys=["cost"])
assert org.list_tags_for_resource(ResourceId=a)["Tags"] == [{"Key": "team", "Value": "red"}]
org.tag_resource(ResourceId=ou["Id"], Tags=[{"Key": "tier", "Value": "prod"}])
assert code(lambda: org.tag_resource(ResourceId=ou["Id"], Tags=[{"Key": "aws:tier", "Value": "x"}])) == "InvalidInputException"
assert org.list_tags_for_resource(ResourceId=ou["Id"])["Tags"] == [{"Key": "tier", "Value": "prod"}]
assert code(lambda: org.list_tags_for_resource(ResourceId="ou-zzzz-zzzzzzzz")) == "TargetNotFoundException"

# The management account's administrator reaches each member account through its role; the
# role holds AdministratorAccess and trusts the management account.
admin = "org-admin"
iam.create_user(UserName=admin)
iam.attach_user_policy(UserName=admin, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
ak = iam.create_access_key(UserName=admin)["AccessKey"]
sts_admin = client("sts", ak["AccessKeyId"], ak["SecretAccessKey"])
org_admin = client("organizations", ak["AccessKeyId"], ak["SecretAccessKey"])
iam_admin = client("iam", ak["AccessKeyId"], ak["SecretAccessKey"])
for member in (a, b):
    creds = admin_session(member)
    who = of(creds, "sts").get_caller_identity()
    assert who["Account"] == member, who
    assert who["Arn"] == f"arn:aws:sts::{member}:assumed-role/OrganizationAccountAccessRole/ops", who
    role = of(creds, "iam").get_role(RoleName="OrganizationAccountAccessRole")["Role"]
    attached = of(creds, "iam").list_attached_role_policies(RoleName="OrganizationAccountAccessRole")
    assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == ["AdministratorAccess"], attached
    trust = role["AssumeRolePolicyDocument"]
    trust = trust if isinstance(trust, dict) else json.loads(trust)
    assert trust["Statement"][0]["Principal"] == {"AWS": f"arn:aws:iam::{account}:root"}, trust
    # A member account may describe its organization, nothing more.
    member_org = of(creds, "organizations")
    assert member_org.describe_organization()["Organization"]["Id"] == o["Id"]
    assert code(member_org.list_accounts) == "AccessDeniedException"
    assert code(lambda: member_org.create_organizational_unit(ParentId=root["Id"], Name="x")) == \
        "AccessDeniedException"

# RoleName names the access role.
custom = org.create_account(Email="gamma@example.com", AccountName="gamma", RoleName="Ops")["CreateAccountStatus"]
g = custom["AccountId"]
assert of(admin_session(g, "Ops"), "sts").get_caller_identity()["Account"] == g
assert code(lambda: admin_session(g)) == "AccessDenied"
# A service-linked role's name is not the access role's to take; no account is created.
accounts_before = len(org.list_accounts()["Accounts"])
assert code(lambda: org.create_account(Email="delta@example.com", AccountName="delta",
                                       RoleName="AWSServiceRoleForSupport")) == "InvalidInputException"
assert len(org.list_accounts()["Accounts"]) == accounts_before

# aws:PrincipalOrgID and aws:PrincipalOrgPaths in a trust policy: only the organization's
# principals, and only those under `eng`, may assume.
org_only = doc([{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                 "Condition": {"StringEquals": {"aws:PrincipalOrgID": o["Id"]},
                               "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": [f"{o['Id']}/{root['Id']}/{ou['Id']}/*"]}}}])
iam.create_role(RoleName="org-readers", AssumeRolePolicyDocument=org_only)
in_eng = admin_session(a)
assert of(in_eng, "sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/org-readers",
                                     RoleSessionName="reader")["Credentials"]
outside_eng = admin_session(g, "Ops")  # gamma is under the root, not under eng
assert code(lambda: of(outside_eng, "sts").assume_role(
    RoleArn=f"arn:aws:iam::{account}:role/org-readers", RoleSessionName="reader")) == "AccessDenied"

# Service control policies: none apply until enabled; then FullAWSAccess is everywhere.
assert code(lambda: org.attach_policy(PolicyId="p-FullAWSAccess", TargetId=ou["Id"])) == \
    "PolicyTypeNotEnabledException"
enabled = org.enable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")["Root"]
assert enabled["PolicyTypes"] == [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}], enabled
assert code(lambda: org.enable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")) == \
    "PolicyTypeAlreadyEnabledException"
for target in (root["Id"], ou["Id"], a, b, g, account):
    on = org.list_policies_for_target(TargetId=target, Filter="SERVICE_CONTROL_POLICY")["Policies"]
    assert [p["Id"] for p in on] == ["p-FullAWSAccess"], (target, on)
full = org.describe_policy(PolicyId="p-FullAWSAccess")["Policy"]["PolicySummary"]
assert full["AwsManaged"] and full["Arn"] == "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess", full

deny_users = doc([{"Effect": "Deny", "Action": "iam:CreateUser", "Resource": "*"}])
assert code(lambda: org.create_policy(Content="{not json", Description="", Name="bad",
                                      Type="SERVICE_CONTROL_POLICY")) == "MalformedPolicyDocumentException"
scp = org.create_policy(Content=deny_users, Description="no users", Name="no-users",
                        Type="SERVICE_CONTROL_POLICY")["Policy"]["PolicySummary"]
assert re.fullmatch(r"p-[a-z0-9]{8}", scp["Id"]), scp
assert scp["Arn"] == f"arn:aws:organizations::{account}:policy/{o['Id']}/service_control_policy/{scp['Id']}", scp
assert code(lambda: org.create_policy(Content=deny_users, Description="", Name="no-users",
                                      Type="SERVICE_CONTROL_POLICY")) == "DuplicatePolicyException"
names = sorted(p["Name"] for p in org.list_policies(Filter="SERVICE_CONTROL_POLICY")["Policies"])
assert names == ["FullAWSAccess", "no-users"], names

# Live sessions in both accounts of `eng`, in gamma (under the root) and the management
# account's administrator.
sa, sb = (of(admin_session(x), "iam") for x in (a, b))
sg = of(admin_session(g, "Ops"), "iam")
sa.create_user(UserName="before-scp")
org.attach_policy(PolicyId=scp["Id"], TargetId=ou["Id"])
assert code(lambda: org.attach_policy(PolicyId=scp["Id"], TargetId=ou["Id"])) == \
    "DuplicatePolicyAttachmentException"
targets = org.list_targets_for_policy(PolicyId=scp["Id"])["Targets"]
assert [(t["TargetId"], t["Type"], t["Name"]) for t in targets] == [(ou["Id"], "ORGANIZATIONAL_UNIT", "eng")], targets
for s in (sa, sb):
    e = error(lambda: s.create_user(UserName="after-scp"))
    assert e["Code"] == "AccessDenied", e
    assert "service control policy" in e["Message"], e
# The simulator shows the SCP's decision for the member account's role.
sim = sa.simulate_principal_policy(
    PolicySourceArn=f"arn:aws:iam::{a}:role/OrganizationAccountAccessRole",
    ActionNames=["iam:CreateUser", "iam:ListUsers"])["EvaluationResults"]
decisions = {r["EvalActionName"]: r["EvalDecision"] for r in sim}
assert decisions == {"iam:CreateUser": "explicitDeny", "iam:ListUsers": "allowed"}, sim
sg.create_user(UserName="after-scp")          # gamma is not under the OU
iam_admin.create_user(UserName="after-scp")   # the management account is never capped
assert sa.list_users()["Users"]               # only the denied action is denied
assert code(lambda: org.delete_policy(PolicyId=scp["Id"])) == "PolicyInUseException"
# No role escapes SCPs by its path: the service-linked path is not the member's to use (a role
# there was exempt from every SCP and RCP: found by the attack on Organizations).
assert code(lambda: sa.create_role(
    RoleName="fake-slr", Path="/aws-service-role/x.amazonaws.com/",
    AssumeRolePolicyDocument=doc([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::" + a + ":root"},
                                   "Action": "sts:AssumeRole"}]))) == "InvalidInput"

# An SCP allow-list at one level caps what lower levels allow: detach FullAWSAccess from `eng`
# and leave only the deny there: nothing is allowed below it.
org.detach_policy(PolicyId="p-FullAWSAccess", TargetId=ou["Id"])
assert code(sa.list_users) == "AccessDenied"
assert code(lambda: org.detach_policy(PolicyId=scp["Id"], TargetId=ou["Id"])) == "ConstraintViolationException"
org.attach_policy(PolicyId="p-FullAWSAccess", TargetId=ou["Id"])
assert sa.list_users()["Users"]

# Editing the SCP takes effect on the live sessions.
org.update_policy(PolicyId=scp["Id"], Content=doc([{"Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*"}]))
sa.create_user(UserName="after-edit")
assert code(sa.list_users) == "AccessDenied"
org.detach_policy(PolicyId=scp["Id"], TargetId=ou["Id"])
assert sa.list_users()["Users"]
org.delete_policy(PolicyId=scp["Id"])
assert code(lambda: org.describe_policy(PolicyId=scp["Id"])) == "PolicyNotFoundException"
assert code(lambda: org.delete_policy(PolicyId="p-FullAWSAccess")) == "AccessDeniedException"

# A closed account's principals can do nothing; a removed account leaves the organization.
org.close_account(AccountId=b)
assert code(sb.list_users) == "AccessDenied"
assert code(lambda: org.close_account(AccountId=b)) == "AccountAlreadyClosedException"
assert org.describe_account(AccountId=b)["Account"]["Status"] == "SUSPENDED"
org.remove_account_from_organization(AccountId=g)
assert code(lambda: org.describe_account(AccountId=g)) == "AccountNotFoundException"
assert code(lambda: org.remove_account_from_organization(AccountId=account)) == "ConstraintViolationException"

# Resource control policies: no principal outside the organization may assume the roles of
# `eng`'s accounts. gamma, removed above, is outside now.
shared = f"arn:aws:iam::{a}:role/shared"
sa.create_role(RoleName="shared", AssumeRolePolicyDocument=doc([{
    "Effect": "Allow", "Action": "sts:AssumeRole",
    "Principal": {"AWS": [f"arn:aws:iam::{g}:root", f"arn:aws:iam::{account}:root"]}}]))
outsider = of(admin_session(g, "Ops"), "sts")
assert outsider.assume_role(RoleArn=shared, RoleSessionName="outsider")["Credentials"]
assert code(lambda: org.create_policy(Content=doc([{"Effect": "Deny", "Action": "*", "Resource": "*"}]),
                                      Description="", Name="no-principal",
                                      Type="RESOURCE_CONTROL_POLICY")) == "MalformedPolicyDocumentException"
org.enable_policy_type(RootId=root["Id"], PolicyType="RESOURCE_CONTROL_POLICY")
on = org.list_policies_for_target(TargetId=a, Filter="RESOURCE_CONTROL_POLICY")["Policies"]
assert [p["Id"] for p in on] == ["p-RCPFullAWSAccess"], on
assert outsider.assume_role(RoleArn=shared, RoleSessionName="outsider")["Credentials"]
rcp = org.create_policy(
    Content=doc([{"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": "*",
                  "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": o["Id"]}}}]),
    Description="organization only", Name="org-only", Type="RESOURCE_CONTROL_POLICY")["Policy"]["PolicySummary"]
org.attach_policy(PolicyId=rcp["Id"], TargetId=ou["Id"])
e = error(lambda: outsider.assume_role(RoleArn=shared, RoleSessionName="outsider"))
assert e["Code"] == "AccessDenied", e
assert sts_admin.assume_role(RoleArn=shared, RoleSessionName="insider")["Credentials"]  # in the organization
# SCPs and RCPs are counted apart: the SCP side of `eng` still has FullAWSAccess only.
scps = org.list_policies_for_target(TargetId=ou["Id"], Filter="SERVICE_CONTROL_POLICY")["Policies"]
assert [p["Id"] for p in scps] == ["p-FullAWSAccess"], scps
org.detach_policy(PolicyId=rcp["Id"], TargetId=ou["Id"])
assert outsider.assume_role(RoleArn=shared, RoleSessionName="outsider")["Credentials"]
assert code(lambda: org.detach_policy(PolicyId="p-RCPFullAWSAccess", TargetId=ou["Id"])) == \
    "ConstraintViolationException"
org.disable_policy_type(RootId=root["Id"], PolicyType="RESOURCE_CONTROL_POLICY")

# Deleting needs every member account gone.
assert code(org.delete_organization) == "OrganizationNotEmptyException"
org.disable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")
assert org.list_policies_for_target(TargetId=a, Filter="SERVICE_CONTROL_POLICY")["Policies"] == []
for x in (a, b):
    org.remove_account_from_organization(AccountId=x)
assert code(sb.list_users) == "AccessDenied"   # closed for good, in or out of the organization
assert sa.list_users()["Users"]                # a removed account is standalone, uncapped
org.delete_organization()
assert code(org.describe_organization) == "AWSOrganizationsNotInUseException"
print("ok")
