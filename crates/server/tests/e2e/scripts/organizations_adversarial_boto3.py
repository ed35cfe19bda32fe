"""Organizations under attack (issue 14's adversarial tests): ids and ARNs of one account used
from another, an outsider and a member reaching for the access roles, confused-deputy attempts
without ExternalId, uniform answers for real and missing entities, principals of a closed
account. argv: endpoint, management root key, secret, management account, outsider root key,
outsider secret, outsider account."""

import sys

from rolegate_boto3 import bound, doc, error

endpoint, key, secret, account, out_key, out_secret, outsider = sys.argv[1:8]
client, of = bound(endpoint)
org = client("organizations", key, secret)
iam = client("iam", key, secret)


def code(call):
    return error(call)["Code"]


def user_keys(iam_client, name, policy="arn:aws:iam::aws:policy/AdministratorAccess"):
    iam_client.create_user(UserName=name)
    iam_client.attach_user_policy(UserName=name, PolicyArn=policy)
    k = iam_client.create_access_key(UserName=name)["AccessKey"]
    return k["AccessKeyId"], k["SecretAccessKey"]


# The organization: OU `eng` with alpha and beta.
o = org.create_organization(FeatureSet="ALL")["Organization"]
root = org.list_roots()["Roots"][0]
ou = org.create_organizational_unit(ParentId=root["Id"], Name="eng")["OrganizationalUnit"]
members = []
for name in ("alpha", "beta"):
    status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
    members.append(status["AccountId"])
    org.move_account(AccountId=status["AccountId"], SourceParentId=root["Id"], DestinationParentId=ou["Id"])
a, b = members
org.enable_policy_type(RootId=root["Id"], PolicyType="SERVICE_CONTROL_POLICY")

ak, asec = user_keys(iam, "org-admin")
sts_admin = client("sts", ak, asec)


def member_session(member, sts_client=sts_admin, role="OrganizationAccountAccessRole", **kw):
    return sts_client.assume_role(RoleArn=f"arn:aws:iam::{member}:role/{role}", RoleSessionName="ops", **kw)["Credentials"]


# An outsider: a standalone account's administrator.
out_iam = client("iam", out_key, out_secret)
ik, isec = user_keys(out_iam, "intruder")
out_org = client("organizations", ik, isec)
out_sts = client("sts", ik, isec)

# 1. The organization's ids named from outside it: the answer is that the caller has no
#    organization, whatever the id, so nothing about this one leaks.
for call in [
    out_org.describe_organization,
    out_org.list_accounts,
    lambda: out_org.describe_organizational_unit(OrganizationalUnitId=ou["Id"]),
    lambda: out_org.describe_policy(PolicyId="p-FullAWSAccess"),
    lambda: out_org.list_children(ParentId=root["Id"], ChildType="ACCOUNT"),
    lambda: out_org.describe_account(AccountId=a),
    lambda: out_org.list_parents(ChildId=a),
    lambda: out_org.attach_policy(PolicyId="p-FullAWSAccess", TargetId=a),
    lambda: out_org.move_account(AccountId=a, SourceParentId=ou["Id"], DestinationParentId=root["Id"]),
]:
    assert code(call) == "AWSOrganizationsNotInUseException"

# Input the model refuses is Organizations' InvalidInputException, changing nothing.
from rolegate_boto3 import client as configured
unchecked = configured(endpoint, "organizations", key, secret, parameter_validation=False)
assert code(lambda: unchecked.create_organizational_unit(ParentId=root["Id"], Name="")) == "InvalidInputException"
assert [u["Name"] for u in org.list_organizational_units_for_parent(ParentId=root["Id"])["OrganizationalUnits"]] == ["eng"]

# 2. A member's administrator: DescribeOrganization only.
alpha = member_session(a)
alpha_org = of(alpha, "organizations")
assert alpha_org.describe_organization()["Organization"]["Id"] == o["Id"]
for call in [
    alpha_org.list_accounts,
    lambda: alpha_org.describe_account(AccountId=b),
    lambda: alpha_org.create_organizational_unit(ParentId=root["Id"], Name="mine"),
    lambda: alpha_org.detach_policy(PolicyId="p-FullAWSAccess", TargetId=a),
    lambda: alpha_org.move_account(AccountId=a, SourceParentId=ou["Id"], DestinationParentId=root["Id"]),
    lambda: alpha_org.remove_account_from_organization(AccountId=a),
    lambda: alpha_org.close_account(AccountId=b),
]:
    assert code(call) == "AccessDeniedException"

# 3. The access roles trust the management account only: an outsider is refused, and a role
#    that does not exist in the member is refused alike (no existence oracle).
real = error(lambda: member_session(a, out_sts))
missing = error(lambda: member_session(a, out_sts, role="NoSuchRole"))
assert real["Code"] == missing["Code"] == "AccessDenied", (real, missing)
assert real["Message"].replace("OrganizationAccountAccessRole", "X") == missing["Message"].replace("NoSuchRole", "X"), (real, missing)
# 4. ...and one member's administrator cannot reach another member through it.
alpha_sts = of(alpha, "sts")
assert code(lambda: member_session(b, alpha_sts)) == "AccessDenied"

# 5. A role for a third party is reached only with its ExternalId (the confused deputy).
alpha_iam = of(alpha, "iam")
alpha_iam.create_role(RoleName="vendor", AssumeRolePolicyDocument=doc([{
    "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{outsider}:root"}, "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"sts:ExternalId": "x-123"}}}]))
assert code(lambda: member_session(a, out_sts, role="vendor")) == "AccessDenied"
assert code(lambda: member_session(a, out_sts, role="vendor", ExternalId="x-124")) == "AccessDenied"
vendor = member_session(a, out_sts, role="vendor", ExternalId="x-123")
assert of(vendor, "sts").get_caller_identity()["Account"] == a
# The vendor's session acts in alpha only: the management account's and beta's entities are
# out of reach by name and by ARN.
vendor_iam = of(vendor, "iam")
iam.create_policy(PolicyName="mgmt-only", PolicyDocument=doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}]))
assert code(lambda: vendor_iam.get_policy(PolicyArn=f"arn:aws:iam::{account}:policy/mgmt-only")) in ("NoSuchEntity", "AccessDenied")
assert code(vendor_iam.list_roles) == "AccessDenied", "the vendor's role grants nothing yet"

# 6. Another account's managed policy cannot be attached in a member.
e = error(lambda: alpha_iam.attach_role_policy(RoleName="vendor", PolicyArn=f"arn:aws:iam::{account}:policy/mgmt-only"))
assert e["Code"] in ("NoSuchEntity", "AccessDenied", "InvalidInput"), e
assert alpha_iam.list_attached_role_policies(RoleName="vendor")["AttachedPolicies"] == []
# ...nor the service-linked path claimed to escape the SCPs.
assert code(lambda: alpha_iam.create_role(RoleName="fake", Path="/aws-service-role/x.amazonaws.com/",
                                          AssumeRolePolicyDocument=doc([{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{a}:root"}, "Action": "sts:AssumeRole"}]))) == "InvalidInput"

# 7. A closed account's principals: the access role's live session and new ones are refused.
beta = member_session(b)
beta_iam = of(beta, "iam")
assert beta_iam.list_roles()["Roles"]
org.close_account(AccountId=b)
assert code(beta_iam.list_roles) == "AccessDenied"
assert code(lambda: member_session(b)) == "AccessDenied"
print("ok")
