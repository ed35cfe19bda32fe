"""Ways in, closed: the findings of the adversarial review (issue 11) and the published IAM
privilege-escalation paths (catalogue group J), driven by boto3 against a running Rolegate.

Argv: endpoint, root key, root secret, account, partner account, partner root key, partner
root secret. Every check says what AWS would answer; the script exits non-zero at the first
difference and prints `ok` at the end.
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials

import rolegate_boto3
from rolegate_boto3 import error

(endpoint, root_key, root_secret, account,
 partner, partner_key, partner_secret) = sys.argv[1:8]


client, of = rolegate_boto3.bound(endpoint)


def denied(call, what=""):
    err = error(call)
    assert err["Code"] == "AccessDenied", (what, err)
    return err


def doc(*statements):
    return rolegate_boto3.doc(statements)


def allow(action, resource="*", **condition):
    st = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        st["Condition"] = condition
    return st


def deny(action, resource="*", **condition):
    st = allow(action, resource, **condition)
    st["Effect"] = "Deny"
    return st


def arn(kind, name, acct=None):
    return f"arn:aws:iam::{acct or account}:{kind}/{name}"


root = client("iam", root_key, root_secret)
root_sts = client("sts", root_key, root_secret)


def user(name, *statements, path="/"):
    """A user with an inline policy and a key; its IAM and STS clients."""
    root.create_user(UserName=name, Path=path)
    if statements:
        root.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=doc(*statements))
    k = root.create_access_key(UserName=name)["AccessKey"]
    return (client("iam", k["AccessKeyId"], k["SecretAccessKey"]),
            client("sts", k["AccessKeyId"], k["SecretAccessKey"]))


def trust(principal, condition=None):
    st = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if condition:
        st["Condition"] = condition
    return doc(st)


ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def spellings(name):
    """The stored spelling first, then the ones a case-insensitive lookup also finds."""
    return [name, name.lower(), name.upper(), name.swapcase()]


# ---------------------------------------------------------------------------------------
# 1. An explicit Deny on an entity holds under every spelling of its name (J-16).
root.create_user(UserName="Admin")
root.attach_user_policy(UserName="Admin", PolicyArn=ADMIN)
root.create_group(GroupName="Admins")
root.attach_group_policy(GroupName="Admins", PolicyArn=ADMIN)
root.create_role(RoleName="Prod", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{account}:root"))
root.attach_role_policy(RoleName="Prod", PolicyArn=ADMIN)
root.create_instance_profile(InstanceProfileName="Prof")
pol = root.create_policy(PolicyName="AdminPol", PolicyDocument=doc(allow("iam:ListUsers")))
pol_arn = pol["Policy"]["Arn"]
assert pol_arn == arn("policy", "AdminPol"), pol_arn

protected = [arn("user", "Admin"), arn("group", "Admins"), arn("role", "Prod"),
             arn("policy", "AdminPol"), arn("instance-profile", "Prof")]
mallory, mallory_sts = user(
    "mallory",
    allow("iam:*"), allow("sts:AssumeRole"),
    deny("iam:*", protected), deny("sts:AssumeRole", arn("role", "Prod")))

for u, g, r, p, ip in zip(spellings("Admin"), spellings("Admins"), spellings("Prod"),
                         spellings("AdminPol"), spellings("Prof")):
    denied(lambda: mallory.create_access_key(UserName=u), "CreateAccessKey " + u)
    denied(lambda: mallory.attach_user_policy(UserName=u, PolicyArn=ADMIN), "AttachUserPolicy")
    denied(lambda: mallory.put_user_policy(UserName=u, PolicyName="x",
                                           PolicyDocument=doc(allow("*"))), "PutUserPolicy")
    denied(lambda: mallory.delete_user_permissions_boundary(UserName=u), "boundary")
    denied(lambda: mallory.tag_user(UserName=u, Tags=[{"Key": "k", "Value": "v"}]), "TagUser")
    denied(lambda: mallory.add_user_to_group(GroupName=g, UserName="mallory"), "AddUserToGroup")
    denied(lambda: mallory.put_group_policy(GroupName=g, PolicyName="x",
                                            PolicyDocument=doc(allow("*"))), "PutGroupPolicy")
    denied(lambda: mallory.update_assume_role_policy(
        RoleName=r, PolicyDocument=trust(arn("user", "mallory"))), "UpdateAssumeRolePolicy " + r)
    denied(lambda: mallory.attach_role_policy(RoleName=r, PolicyArn=ADMIN), "AttachRolePolicy")
    denied(lambda: mallory_sts.assume_role(RoleArn=arn("role", r), RoleSessionName="mm"),
           "AssumeRole " + r)
    denied(lambda: mallory.create_policy_version(
        PolicyArn=arn("policy", p), PolicyDocument=doc(allow("*")), SetAsDefault=True),
        "CreatePolicyVersion " + p)
    denied(lambda: mallory.set_default_policy_version(PolicyArn=arn("policy", p), VersionId="v1"),
           "SetDefaultPolicyVersion")
    denied(lambda: mallory.add_role_to_instance_profile(
        InstanceProfileName=ip, RoleName="mallory-role"), "AddRoleToInstanceProfile " + ip)

# Nothing changed.
assert root.list_access_keys(UserName="Admin")["AccessKeyMetadata"] == []
assert [g["GroupName"] for g in root.list_groups_for_user(UserName="mallory")["Groups"]] == []
assert root.get_role(RoleName="Prod")["Role"]["AssumeRolePolicyDocument"]["Statement"][0][
    "Principal"]["AWS"] == f"arn:aws:iam::{account}:root"
assert len(root.list_policy_versions(PolicyArn=pol_arn)["Versions"]) == 1

# The iam:PolicyARN condition holds under every spelling of the policy ARN (J-06..J-08), and an
# attachment keeps the policy's stored ARN whatever the caller wrote.
pat, _ = user("pat", allow("iam:AttachUserPolicy", arn("user", "pat")),
              deny("iam:AttachUserPolicy", "*",
                   ArnEquals={"iam:PolicyARN": arn("policy", "AdminPol")}))
for s in ["AdminPol", "adminpol", "ADMINPOL"]:
    denied(lambda: pat.attach_user_policy(UserName="pat", PolicyArn=arn("policy", s)),
           "iam:PolicyARN " + s)
assert root.list_attached_user_policies(UserName="pat")["AttachedPolicies"] == []
root.attach_user_policy(UserName="mallory", PolicyArn=arn("policy", "adminpol"))
root.attach_user_policy(UserName="mallory", PolicyArn=arn("policy", "ADMINPOL"))  # no-op
attached = root.list_attached_user_policies(UserName="mallory")["AttachedPolicies"]
assert [a["PolicyArn"] for a in attached] == [pol_arn], attached
root.detach_user_policy(UserName="mallory", PolicyArn=arn("policy", "aDmInPoL"))
assert root.list_attached_user_policies(UserName="mallory")["AttachedPolicies"] == []

# A boundary condition holds under every spelling too (J-14).
root.create_policy(PolicyName="Narrow", PolicyDocument=doc(allow("iam:GetUser")))
bob, _ = user("bob-boundary",
              allow("iam:PutUserPermissionsBoundary", "*",
                    StringEquals={"iam:PermissionsBoundary": arn("policy", "Narrow")}))
bob.put_user_permissions_boundary(UserName="bob-boundary",
                                  PermissionsBoundary=arn("policy", "narrow"))
got = root.get_user(UserName="bob-boundary")["User"]["PermissionsBoundary"]
assert got["PermissionsBoundaryArn"] == arn("policy", "Narrow"), got
denied(lambda: bob.put_user_permissions_boundary(UserName="bob-boundary",
                                                 PermissionsBoundary=arn("policy", "adminpol")))
denied(lambda: bob.delete_user_permissions_boundary(UserName="bob-boundary"))

# ---------------------------------------------------------------------------------------
# 2. Trust policies trust the principal, not its name (J-18).
root.create_user(UserName="carol")
old_carol = root.get_user(UserName="carol")["User"]["UserId"]
k = root.create_access_key(UserName="carol")["AccessKey"]
root.put_user_policy(UserName="carol", PolicyName="p", PolicyDocument=doc(allow("sts:AssumeRole")))
root.create_role(RoleName="CarolRole", AssumeRolePolicyDocument=trust(arn("user", "carol")))
carol_sts = client("sts", k["AccessKeyId"], k["SecretAccessKey"])
carol_sts.assume_role(RoleArn=arn("role", "CarolRole"), RoleSessionName="cc")
shown = root.get_role(RoleName="CarolRole")["Role"]["AssumeRolePolicyDocument"]
assert shown["Statement"][0]["Principal"]["AWS"] == arn("user", "carol"), shown
root.delete_access_key(UserName="carol", AccessKeyId=k["AccessKeyId"])
root.delete_user_policy(UserName="carol", PolicyName="p")
root.delete_user(UserName="carol")
shown = root.get_role(RoleName="CarolRole")["Role"]["AssumeRolePolicyDocument"]
assert shown["Statement"][0]["Principal"]["AWS"] == old_carol, shown
_, new_carol_sts = user("carol", allow("sts:AssumeRole"))
denied(lambda: new_carol_sts.assume_role(RoleArn=arn("role", "CarolRole"), RoleSessionName="cc"),
       "a namesake is not trusted")
shown = root.get_role(RoleName="CarolRole")["Role"]["AssumeRolePolicyDocument"]
assert shown["Statement"][0]["Principal"]["AWS"] == old_carol, shown
listed = [r for r in root.list_roles()["Roles"] if r["RoleName"] == "CarolRole"][0]
assert listed["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] == old_carol
# Saving the trust policy again trusts the principal that has the name now, as in AWS.
root.update_assume_role_policy(RoleName="CarolRole", PolicyDocument=trust(arn("user", "carol")))
new_carol_sts.assume_role(RoleArn=arn("role", "CarolRole"), RoleSessionName="cc")

# A re-created role's sessions do not chain into a role that trusted the old one.
root.create_role(RoleName="Hop", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{account}:root"))
root.put_role_policy(RoleName="Hop", PolicyName="p", PolicyDocument=doc(allow("sts:AssumeRole")))
root.create_role(RoleName="Target", AssumeRolePolicyDocument=trust(arn("role", "Hop")))
_, chainer = user("chainer", allow("sts:AssumeRole"))
hop = chainer.assume_role(RoleArn=arn("role", "Hop"), RoleSessionName="hh")["Credentials"]
of(hop, "sts").assume_role(RoleArn=arn("role", "Target"), RoleSessionName="tt")
root.delete_role_policy(RoleName="Hop", PolicyName="p")
root.delete_role(RoleName="Hop")
root.create_role(RoleName="Hop", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{account}:root"))
root.put_role_policy(RoleName="Hop", PolicyName="p", PolicyDocument=doc(allow("sts:AssumeRole")))
hop = chainer.assume_role(RoleArn=arn("role", "Hop"), RoleSessionName="hh")["Credentials"]
denied(lambda: of(hop, "sts").assume_role(RoleArn=arn("role", "Target"), RoleSessionName="tt"),
       "a re-created role")
assert root.get_role(RoleName="Target")["Role"]["AssumeRolePolicyDocument"][
    "Statement"][0]["Principal"]["AWS"].startswith("AROA")

# ---------------------------------------------------------------------------------------
# 3. A rename or a move authorizes the target as well as the source (J-17).
root.create_role(RoleName="AdminsOnly", AssumeRolePolicyDocument=trust(
    f"arn:aws:iam::{account}:root",
    {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{account}:user/admins/*"}}))
intern, intern_sts = user("intern", allow("iam:UpdateUser", f"arn:aws:iam::{account}:user/interns/*"),
                          allow("sts:AssumeRole"), path="/interns/")
denied(lambda: intern.update_user(UserName="intern", NewPath="/admins/"), "move")
denied(lambda: intern.update_user(UserName="intern", NewUserName="intern2", NewPath="/admins/"))
assert root.get_user(UserName="intern")["User"]["Path"] == "/interns/"
denied(lambda: intern_sts.assume_role(RoleArn=arn("role", "AdminsOnly"), RoleSessionName="ii"))
intern.update_user(UserName="intern", NewUserName="intern-renamed")  # target under /interns/
root.get_user(UserName="intern-renamed")
renamer, _ = user("renamer", allow("iam:UpdateUser"), allow("iam:UpdateGroup"),
                  deny("iam:UpdateUser", arn("user", "Administrator")),
                  deny("iam:UpdateGroup", f"arn:aws:iam::{account}:group/admins/*"))
root.create_user(UserName="victim")
denied(lambda: renamer.update_user(UserName="victim", NewUserName="Administrator"), "rename")
root.create_group(GroupName="plain")
denied(lambda: renamer.update_group(GroupName="plain", NewPath="/admins/"), "group move")
renamer.update_group(GroupName="plain", NewGroupName="plain2")
assert root.get_group(GroupName="plain2")["Group"]["Path"] == "/"

# ---------------------------------------------------------------------------------------
# 4. A GetSessionToken session belongs to the user, not to its name.
_, dave_sts = user("dave")
s = dave_sts.get_session_token()["Credentials"]
root.update_user(UserName="dave", NewUserName="dave-old")
root.create_user(UserName="dave")
root.put_user_policy(UserName="dave", PolicyName="p", PolicyDocument=doc(allow("sts:AssumeRole")))
root.create_role(RoleName="DaveRole", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{account}:root"))
denied(lambda: of(s, "sts").assume_role(RoleArn=arn("role", "DaveRole"), RoleSessionName="dd"),
       "the old session keeps the old user's permissions")
ident = of(s, "sts").get_caller_identity()
assert ident["Arn"] == arn("user", "dave-old"), ident

# ---------------------------------------------------------------------------------------
# 6. Denials do not leak across accounts (J-19).
p_iam = client("iam", partner_key, partner_secret)
p_sts = client("sts", partner_key, partner_secret)
p_iam.create_user(UserName="outsider")
p_iam.put_user_policy(UserName="outsider", PolicyName="p", PolicyDocument=doc(allow("sts:AssumeRole")))
pk = p_iam.create_access_key(UserName="outsider")["AccessKey"]
outsider = client("sts", pk["AccessKeyId"], pk["SecretAccessKey"])
outsider_iam = client("iam", pk["AccessKeyId"], pk["SecretAccessKey"])
root.create_role(RoleName="Tagged", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{account}:root"),
                 Tags=[{"Key": "Secret", "Value": "xyzzy-tag-value"}])
try:
    outsider.assume_role(RoleArn=arn("role", "Tagged"), RoleSessionName="oo")
    raise AssertionError("not denied")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied"
    encoded = e.response["Error"]["EncodedAuthorizationMessage"]
missing = error(lambda: outsider.assume_role(RoleArn=arn("role", "NoSuchRole"), RoleSessionName="oo"))
assert missing["Code"] == "AccessDenied" and "NoSuchRole" in missing["Message"], missing
decoded = p_sts.decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"]
assert "xyzzy" not in decoded and "resourcetag" not in decoded.lower(), decoded
err = error(lambda: root_sts.decode_authorization_message(EncodedMessage=encoded))
assert err["Code"] == "InvalidAuthorizationMessageException", err
try:
    outsider_iam.list_users()
    raise AssertionError("not denied")
except botocore.exceptions.ClientError as e:
    partner_message = e.response["Error"]["EncodedAuthorizationMessage"]
err = error(lambda: root_sts.decode_authorization_message(EncodedMessage=partner_message))
assert err["Code"] == "InvalidAuthorizationMessageException", err
json.loads(p_sts.decode_authorization_message(EncodedMessage=partner_message)["DecodedMessage"])

# ---------------------------------------------------------------------------------------
# 9. Request tags that differ only in case are refused, whatever the resource (J-15).
root.create_user(UserName="tagged-user", Tags=[{"Key": "Owner", "Value": "victim"}])
tagger, _ = user("tagger",
                 allow(["iam:TagUser", "iam:TagInstanceProfile", "iam:CreateUser",
                        "iam:UntagUser"], "*",
                       StringEqualsIfExists={"aws:RequestTag/Owner": "me"}),
                 deny("iam:UntagUser", "*",
                      **{"ForAnyValue:StringEquals": {"aws:TagKeys": ["Owner"]}}))
two = [{"Key": "Owner", "Value": "victim"}, {"Key": "owner", "Value": "me"}]
for call in [lambda: tagger.tag_user(UserName="tagged-user", Tags=two),
             lambda: tagger.tag_instance_profile(InstanceProfileName="Prof", Tags=two),
             lambda: tagger.create_user(UserName="ambiguous", Tags=two),
             lambda: root.tag_instance_profile(InstanceProfileName="Prof", Tags=two)]:
    err = error(call)
    assert err["Code"] == "InvalidInput", err
    assert "Duplicate tag keys" in err["Message"], err
assert root.list_instance_profile_tags(InstanceProfileName="Prof")["Tags"] == []
assert root.list_user_tags(UserName="tagged-user")["Tags"] == [{"Key": "Owner", "Value": "victim"}]
err = error(lambda: root.get_user(UserName="ambiguous"))
assert err["Code"] == "NoSuchEntity", err
# Removing `Owner` spelled `owner` is still removing `Owner`.
denied(lambda: tagger.untag_user(UserName="tagged-user", TagKeys=["owner"]), "aws:TagKeys")
assert root.list_user_tags(UserName="tagged-user")["Tags"] == [{"Key": "Owner", "Value": "victim"}]

# ---------------------------------------------------------------------------------------
# 10. Characters the model forbids are refused, and no response carries what XML cannot.
for bad in ["a\x0bb", "a\x0cb", "a\tb", "a\x00b"]:
    err = error(lambda: root.tag_user(UserName="tagged-user", Tags=[{"Key": "k", "Value": bad}]))
    assert err["Code"] == "ValidationError", err
    err = error(lambda: root.get_role(RoleName="r" + bad))
    assert err["Code"] == "ValidationError", err
assert root.list_user_tags(UserName="tagged-user")["Tags"] == [{"Key": "Owner", "Value": "victim"}]
root.get_account_authorization_details()


def raw(params):
    """A signed awsQuery POST with `params` as they are; the status and the parsed XML."""
    body = "&".join(f"{k}={urllib.parse.quote(v, safe='')}" for k, v in params.items())
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=endpoint + "/", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(root_key, root_secret),
                            "iam", "us-east-1").add_auth(req)
    prepared = req.prepare()
    data = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
    r = urllib.request.Request(prepared.url, data=data, method="POST",
                               headers=dict(prepared.headers.items()))
    try:
        with urllib.request.urlopen(r) as resp:
            status, text = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read()
    return status, ET.fromstring(text)  # raises if the XML is not well formed


for bad in ["\x01", "\x0b", "\x1f", "\ufffe", "\x00"]:
    status, tree = raw({"Action": "GetRole" + bad, "Version": "2010-05-08"})
    assert status == 400, status
    status, tree = raw({"Action": "GetRole", "Version": "2010-05-08", "RoleName": "x" + bad})
    assert status == 400, status
    status, tree = raw({"Action": "TagUser", "Version": "2010-05-08", "UserName": "tagged-user",
                        "Tags.member.1.Key": "k" + bad, "Tags.member.1.Value": "v"})
    assert status == 400, status

# ---------------------------------------------------------------------------------------
# 12. UpdateRole answers with its (empty) result wrapper, as botocore's model has it.
out = root.update_role(RoleName="Prod", Description="d", MaxSessionDuration=7200)
assert out["ResponseMetadata"]["HTTPStatusCode"] == 200, out
assert root.get_role(RoleName="Prod")["Role"]["MaxSessionDuration"] == 7200

# ---------------------------------------------------------------------------------------
# PassRole: giving an instance profile a role needs iam:PassRole on that role.
root.create_role(RoleName="Worker", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{account}:root"))
root.create_instance_profile(InstanceProfileName="WorkerProfile")
packer, _ = user("packer", allow("iam:AddRoleToInstanceProfile"))
denied(lambda: packer.add_role_to_instance_profile(InstanceProfileName="WorkerProfile",
                                                   RoleName="worker"), "iam:PassRole")
assert root.get_instance_profile(InstanceProfileName="WorkerProfile")["InstanceProfile"]["Roles"] == []
root.put_user_policy(UserName="packer", PolicyName="pass",
                     PolicyDocument=doc(allow("iam:PassRole", arn("role", "Worker"))))
packer.add_role_to_instance_profile(InstanceProfileName="WorkerProfile", RoleName="worker")
roles = root.get_instance_profile(InstanceProfileName="WorkerProfile")["InstanceProfile"]["Roles"]
assert [r["RoleName"] for r in roles] == ["Worker"], roles

# ---------------------------------------------------------------------------------------
# Escalation paths AWS allows when the permission is held, allowed exactly then (J-01, J-02).
root.create_policy(PolicyName="EvePol", PolicyDocument=doc(
    allow(["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion"], arn("policy", "EvePol"))))
root.create_user(UserName="eve")
root.attach_user_policy(UserName="eve", PolicyArn=arn("policy", "EvePol"))
ek = root.create_access_key(UserName="eve")["AccessKey"]
eve = client("iam", ek["AccessKeyId"], ek["SecretAccessKey"])
denied(lambda: eve.list_users())
eve.create_policy_version(PolicyArn=arn("policy", "evepol"), PolicyDocument=doc(allow("*")),
                          SetAsDefault=True)
eve.list_users()  # AWS allows this escalation to a holder of the permission
eve.set_default_policy_version(PolicyArn=arn("policy", "EvePol"), VersionId="v1")
denied(lambda: eve.list_users())
root.put_user_policy(UserName="eve", PolicyName="guard",
                     PolicyDocument=doc(deny("iam:*PolicyVersion", arn("policy", "EvePol"))))
for s in ["EvePol", "evepol", "EVEPOL"]:
    denied(lambda: eve.set_default_policy_version(PolicyArn=arn("policy", s), VersionId="v2"))
    denied(lambda: eve.create_policy_version(PolicyArn=arn("policy", s),
                                             PolicyDocument=doc(allow("*"))))
denied(lambda: eve.list_users())

# ---------------------------------------------------------------------------------------
# Found by the attack on the fixes (a second adversarial pass).
# A session of a deleted role is nobody: it cannot chain into a role that trusted the old role
# (where its boundary and any revocation would no longer hold).
root.create_policy(PolicyName="GetOnly", PolicyDocument=doc(allow("iam:GetUser")))
root.create_role(RoleName="Low", AssumeRolePolicyDocument=trust(arn("user", "chainer")),
                 PermissionsBoundary=arn("policy", "GetOnly"))
root.put_role_policy(RoleName="Low", PolicyName="p", PolicyDocument=doc(allow("*")))
root.create_role(RoleName="High", AssumeRolePolicyDocument=trust(arn("role", "Low")))
root.attach_role_policy(RoleName="High", PolicyArn=ADMIN)
low = chainer.assume_role(RoleArn=arn("role", "Low"), RoleSessionName="ll")["Credentials"]
denied(lambda: of(low, "sts").assume_role(RoleArn=arn("role", "High"), RoleSessionName="hh"),
       "the boundary holds")
root.delete_role_policy(RoleName="Low", PolicyName="p")
root.delete_role_permissions_boundary(RoleName="Low")
root.delete_role(RoleName="Low")
for call in [lambda: of(low, "sts").assume_role(RoleArn=arn("role", "High"), RoleSessionName="hh"),
             lambda: of(low, "sts").get_caller_identity()]:
    err = error(call)
    assert err["Code"] == "InvalidClientTokenId", err

# iam:PermissionsBoundary is the boundary the user or role has, for the calls that change what
# it may do (AWS's delegated-administrator pattern).
root.create_policy(PolicyName="XBound", PolicyDocument=doc(allow("iam:GetUser")))
root.create_user(UserName="pbt", PermissionsBoundary=arn("policy", "XBound"))
bounded = {"StringEquals": {"iam:PermissionsBoundary": arn("policy", "XBound")}}
helpdesk, _ = user("helpdesk", allow("iam:*"),
                   deny(["iam:DeleteUserPermissionsBoundary", "iam:PutUserPolicy",
                         "iam:AttachUserPolicy"], "*", **bounded))
denied(lambda: helpdesk.delete_user_permissions_boundary(UserName="pbt"))
denied(lambda: helpdesk.put_user_policy(UserName="pbt", PolicyName="x", PolicyDocument=doc(allow("*"))))
denied(lambda: helpdesk.attach_user_policy(UserName="pbt", PolicyArn=ADMIN))
delegated, _ = user("delegated", allow("iam:PutUserPolicy", "*", **bounded))
delegated.put_user_policy(UserName="pbt", PolicyName="ok", PolicyDocument=doc(allow("iam:GetUser")))
denied(lambda: delegated.put_user_policy(UserName="mallory", PolicyName="x",
                                         PolicyDocument=doc(allow("*"))), "no boundary")

# Tag keys differing only in case are one key in every script, not only in ASCII.
for a, b in [("Équipe", "équipe"), ("Σ", "σ"), ("Ａ", "ａ")]:
    err = error(lambda: root.tag_user(UserName="tagged-user", Tags=[{"Key": a, "Value": "1"},
                                                                    {"Key": b, "Value": "2"}]))
    assert err["Code"] == "InvalidInput", err
equipe, _ = user("equipe", allow("iam:TagUser"),
                 deny("iam:TagUser", "*", StringEquals={"aws:RequestTag/Équipe": "admin"}))
denied(lambda: equipe.tag_user(UserName="tagged-user", Tags=[{"Key": "équipe", "Value": "admin"}]))
denied(lambda: equipe.tag_user(UserName="tagged-user", Tags=[{"Key": "ÉQUIPE", "Value": "admin"}]))

# PassRole for an instance profile carries AWS's keys for it.
root.create_instance_profile(InstanceProfileName="Ec2Profile")
no_ec2, _ = user("no-ec2", allow("iam:*"),
                 deny("iam:PassRole", "*", StringEquals={"iam:PassedToService": "ec2.amazonaws.com"}))
denied(lambda: no_ec2.add_role_to_instance_profile(InstanceProfileName="Ec2Profile",
                                                   RoleName="Worker"), "iam:PassedToService")

# Creating an MFA device under a respelled name learns nothing about the denied one.
root.create_virtual_mfa_device(VirtualMFADeviceName="AdminMFA")
mfa_denied, _ = user("mfa-denied", allow("iam:*"), deny("iam:*", arn("mfa", "AdminMFA")))
for n in spellings("AdminMFA"):
    denied(lambda: mfa_denied.create_virtual_mfa_device(VirtualMFADeviceName=n), n)

# A Deny on a managed policy's or an MFA device's tags holds (their tags are the resource's).
root.create_policy(PolicyName="OpsProd", PolicyDocument=doc(allow("iam:GetUser")),
                   Tags=[{"Key": "Env", "Value": "prod"}])
root.create_virtual_mfa_device(VirtualMFADeviceName="ProdMfa", Tags=[{"Key": "Env", "Value": "prod"}])
devtag, _ = user("devtag", allow(["iam:CreatePolicyVersion", "iam:DeleteVirtualMFADevice"]),
                 deny("*", "*", StringEquals={"aws:ResourceTag/Env": "prod"}))
root.attach_user_policy(UserName="devtag", PolicyArn=arn("policy", "OpsProd"))
denied(lambda: devtag.create_policy_version(PolicyArn=arn("policy", "OpsProd"),
                                            PolicyDocument=doc(allow("*")), SetAsDefault=True))
denied(lambda: devtag.delete_virtual_mfa_device(SerialNumber=arn("mfa", "ProdMfa")))
assert len(root.list_policy_versions(PolicyArn=arn("policy", "OpsProd"))["Versions"]) == 1

# ---------------------------------------------------------------------------------------
# Found by the attack on the request pipeline (issue 12): every call the Service Authorization
# Reference gives iam:PermissionsBoundary carries the role's boundary, so "hands off the roles
# with the security boundary" holds for the trust policy, UpdateRole, DeleteRole and GetRole
# too (before, a user could rewrite such a role's trust to itself and assume it).
root.create_policy(PolicyName="SecBoundary", PolicyDocument=doc(allow("*")))
root.create_role(RoleName="BreakGlass", AssumeRolePolicyDocument=trust(f"arn:aws:iam::{account}:root"),
                 PermissionsBoundary=arn("policy", "SecBoundary"))
hands_off = {"StringEquals": {"iam:PermissionsBoundary": arn("policy", "SecBoundary")}}
dev1, _ = user("dev1-boundary", allow(["iam:*", "sts:*"]),
               deny("iam:*", "*", **hands_off))
for call, what in [
        (lambda: dev1.update_assume_role_policy(
            RoleName="BreakGlass", PolicyDocument=trust(arn("user", "dev1-boundary"))),
         "UpdateAssumeRolePolicy"),
        (lambda: dev1.update_role(RoleName="BreakGlass", MaxSessionDuration=43200), "UpdateRole"),
        (lambda: dev1.update_role_description(RoleName="BreakGlass", Description="x"),
         "UpdateRoleDescription"),
        (lambda: dev1.get_role(RoleName="BreakGlass"), "GetRole"),
        (lambda: dev1.delete_role(RoleName="breakglass"), "DeleteRole"),
        (lambda: dev1.put_role_policy(RoleName="BreakGlass", PolicyName="x",
                                      PolicyDocument=doc(allow("*"))), "PutRolePolicy")]:
    denied(call, what)
# The delegated administrator's Allow works the same way round.
delegate, _ = user("delegate-boundary",
                   allow(["iam:GetRole", "iam:UpdateRoleDescription"], "*", **hands_off))
delegate.update_role_description(RoleName="BreakGlass", Description="allowed by the boundary")
assert root.get_role(RoleName="BreakGlass")["Role"]["Description"] == "allowed by the boundary"

print("ok")
