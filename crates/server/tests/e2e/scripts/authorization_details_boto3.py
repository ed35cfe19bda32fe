"""GetAccountAuthorizationDetails in pages (issue 17, item 7), through boto3: its paginator
walks every page of an account with more entities than one page holds, each entity once, in
the same order as one large page; `Filter` picks sections and a value outside the model's enum
is a ValidationError; RoleDetailList entries list their instance profiles (each with its
roles) and RoleLastUsed; a marker is a position in the caller's account only, and a forged one
is InvalidInput.

Argv: endpoint, root key, root secret, account, then a second account's id, root key and
secret (an account with entities of its own).
"""
import base64
import sys

import rolegate_boto3
from rolegate_boto3 import doc, error

endpoint, root_key, root_secret, account, other, other_key, other_secret = sys.argv[1:8]
client, _ = rolegate_boto3.bound(endpoint)
iam = client("iam", root_key, root_secret)
other_iam = client("iam", other_key, other_secret)
TRUST = doc([{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
              "Action": "sts:AssumeRole"}])

# An account with more entities than a page of 3 holds, in every section.
for n in range(7):
    iam.create_user(UserName=f"detail-user-{n}")
for n in range(4):
    iam.create_group(GroupName=f"detail-group-{n}")
iam.add_user_to_group(GroupName="detail-group-0", UserName="detail-user-0")
for n in range(5):
    iam.create_role(RoleName=f"detail-role-{n}", AssumeRolePolicyDocument=TRUST)
for n in range(3):
    iam.create_policy(PolicyName=f"detail-policy-{n}", PolicyDocument=doc([
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]))
    iam.attach_role_policy(RoleName=f"detail-role-{n}",
                           PolicyArn=f"arn:aws:iam::{account}:policy/detail-policy-{n}")
iam.attach_user_policy(UserName="detail-user-1", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
iam.attach_group_policy(GroupName="detail-group-1",
                        PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
iam.create_instance_profile(InstanceProfileName="detail-profile")
iam.add_role_to_instance_profile(InstanceProfileName="detail-profile", RoleName="detail-role-2")
# The other account has entities too; none of them may appear in this account's pages.
for n in range(4):
    other_iam.create_user(UserName=f"foreign-user-{n}")
    other_iam.create_role(RoleName=f"foreign-role-{n}", AssumeRolePolicyDocument=TRUST)

LISTS = ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"]


def names(page):
    """Every entity of a page, as (list, name) pairs, in order."""
    out = []
    for key in LISTS:
        for e in page.get(key, []):
            out.append((key, e.get("UserName") or e.get("GroupName") or e.get("RoleName")
                        or e["PolicyName"]))
    return out


whole = iam.get_account_authorization_details(MaxItems=1000)
assert not whole["IsTruncated"] and "Marker" not in whole, whole.keys()
everything = names(whole)
planted = [n for _, n in everything if n.startswith("detail-")] + [
    n for k, n in everything if k == "Policies" and n.endswith("ReadOnlyAccess")]
assert len(planted) == 7 + 4 + 5 + 3 + 2, everything
assert len(set(everything)) == len(everything), everything
assert not any("foreign" in n for _, n in everything), everything

# The default page holds 100: all of these.
assert names(iam.get_account_authorization_details()) == everything

# The paginator walks pages of 3, each entity once, in the same order.
pages = list(iam.get_paginator("get_account_authorization_details").paginate(
    PaginationConfig={"PageSize": 3}))
assert len(pages) == (len(everything) + 2) // 3 >= 7, len(pages)
walked = [n for p in pages for n in names(p)]
assert walked == everything, (walked, everything)
for p in pages[:-1]:
    assert p["IsTruncated"] and p["Marker"], p
    assert len(names(p)) == 3, names(p)
assert not pages[-1]["IsTruncated"] and "Marker" not in pages[-1]

# By hand with MaxItems=1: one entity a page, across section boundaries.
seen, marker = [], None
while True:
    kw = {"Marker": marker} if marker else {}
    page = iam.get_account_authorization_details(MaxItems=1, **kw)
    assert len(names(page)) == 1, page
    seen += names(page)
    if not page["IsTruncated"]:
        break
    marker = page["Marker"]
assert seen == everything, seen

# Filter: only the sections asked for, paged the same way.
roles_only = list(iam.get_paginator("get_account_authorization_details").paginate(
    Filter=["Role"], PaginationConfig={"PageSize": 2}))
assert len(roles_only) >= 3, roles_only
assert [n for p in roles_only for n in names(p) if n[1].startswith("detail-")] == [
    ("RoleDetailList", f"detail-role-{n}") for n in range(5)], roles_only
assert {k for p in roles_only for k, _ in names(p)} == {"RoleDetailList"}
two = iam.get_account_authorization_details(Filter=["LocalManagedPolicy", "Group"])
assert {k for k, _ in names(two)} == {"GroupDetailList", "Policies"}, names(two)
assert sorted(n for k, n in names(two) if k == "Policies" and n.startswith("detail-")) == [
    f"detail-policy-{n}" for n in range(3)], names(two)
assert not any(n.endswith("ReadOnlyAccess") for _, n in names(two)), names(two)
aws = iam.get_account_authorization_details(Filter=["AWSManagedPolicy"])
assert {"IAMReadOnlyAccess", "ReadOnlyAccess"} <= {p["PolicyName"] for p in aws["Policies"]}
assert not any(p["PolicyName"].startswith("detail-") for p in aws["Policies"]), aws
for bad in (["Users"], ["User", "role"], [""]):
    e = error(lambda: iam.get_account_authorization_details(Filter=bad))
    assert e["Code"] == "ValidationError", e
    assert "enum value set: [User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]" in \
        e["Message"], e
e = error(lambda: iam.get_account_authorization_details(MaxItems=1001))
assert e["Code"] == "ValidationError", e

# RoleDetailList: instance profiles with their roles, and RoleLastUsed.
roles = {r["RoleName"]: r for r in whole["RoleDetailList"]}
profiles = roles["detail-role-2"]["InstanceProfileList"]
assert [p["InstanceProfileName"] for p in profiles] == ["detail-profile"], profiles
assert [r["RoleName"] for r in profiles[0]["Roles"]] == ["detail-role-2"], profiles
assert profiles[0]["Roles"][0]["Arn"] == f"arn:aws:iam::{account}:role/detail-role-2"
assert profiles[0]["Arn"] == f"arn:aws:iam::{account}:instance-profile/detail-profile"
for r in roles.values():
    assert "RoleLastUsed" in r, r
assert roles["detail-role-0"]["InstanceProfileList"] == []
assert [p["PolicyName"] for p in roles["detail-role-0"]["AttachedManagedPolicies"]] == [
    "detail-policy-0"]

# A marker reads only the caller's account: this account's marker in the other account
# continues the other account's entities, never this one's.
first = iam.get_account_authorization_details(MaxItems=2)
theirs = other_iam.get_account_authorization_details(Marker=first["Marker"])
assert names(theirs) and all("foreign" in n for _, n in names(theirs)), names(theirs)
# A forged marker (another section, a made-up encoding) is InvalidInput.
for forged in ("bm90IGEgbWFya2Vy",
               base64.urlsafe_b64encode(b"rg1:details/9/x").decode().rstrip("="),
               base64.urlsafe_b64encode(b"rg1:users/x").decode().rstrip("=")):
    e = error(lambda: iam.get_account_authorization_details(Marker=forged))
    assert e["Code"] == "InvalidInput", (forged, e)
print("ok")
