"""Service-linked roles through boto3 (issue 17): CreateServiceLinkedRole's naming, path, trust
and policy, CustomSuffix rules, the deletion task, and the attacks: every ordinary call that
would edit or delete a service-linked role, a look-alike made with CreateRole, another
account's deletion task, the service-role policy attached elsewhere, a Deny on
iam:AWSServiceName. argv: endpoint, root key, root secret, account, outsider key, outsider
secret."""

import re
import sys

from rolegate_boto3 import bound, doc, error

endpoint, key, secret, account, out_key, out_secret = sys.argv[1:7]
client, _ = bound(endpoint)
iam = client("iam", key, secret)
out_iam = client("iam", out_key, out_secret)


def code(call):
    return error(call)["Code"]


TRUST = doc([{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
              "Action": "sts:AssumeRole"}])
ALLOW_ALL = doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}])

# 1. Creation: AWS's name, path, trust and policy.
r = iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com",
                                   Description="Beanstalk")["Role"]
name = "AWSServiceRoleForElasticBeanstalk"
assert r["RoleName"] == name, r
assert r["Path"] == "/aws-service-role/elasticbeanstalk.amazonaws.com/", r
assert r["Arn"] == f"arn:aws:iam::{account}:role/aws-service-role/elasticbeanstalk.amazonaws.com/{name}", r
assert r["RoleId"].startswith("AROA"), r
assert r["Description"] == "Beanstalk", r
trust = r["AssumeRolePolicyDocument"]
assert trust["Statement"] == [{"Effect": "Allow",
                               "Principal": {"Service": "elasticbeanstalk.amazonaws.com"},
                               "Action": "sts:AssumeRole"}], trust
got = iam.get_role(RoleName=name)["Role"]
assert got["Path"] == r["Path"] and got["RoleId"] == r["RoleId"], got
attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
policy_arn = "arn:aws:iam::aws:policy/aws-service-role/AWSElasticBeanstalkServiceRolePolicy"
assert attached == [{"PolicyName": "AWSElasticBeanstalkServiceRolePolicy",
                     "PolicyArn": policy_arn}], attached
assert iam.get_policy(PolicyArn=policy_arn)["Policy"]["AttachmentCount"] == 1
listed = iam.list_roles(PathPrefix="/aws-service-role/")["Roles"]
assert [x["RoleName"] for x in listed] == [name], listed

# 2. The same service again, a suffix it does not take, an unknown service.
e = error(lambda: iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com"))
assert e["Code"] == "InvalidInput", e
assert e["Message"] == f"Service role name {name} has been taken in this account, please try a different suffix.", e
e = error(lambda: iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com",
                                                 CustomSuffix="two"))
assert e["Code"] == "InvalidInput", e
assert e["Message"] == "Custom suffix is not allowed for elasticbeanstalk.amazonaws.com", e
assert code(lambda: iam.create_service_linked_role(AWSServiceName="nope.amazonaws.com")) == "InvalidInput"
# Service principals are case-sensitive.
assert code(lambda: iam.create_service_linked_role(AWSServiceName="ElasticBeanstalk.amazonaws.com")) == "InvalidInput"
assert code(lambda: iam.create_service_linked_role(AWSServiceName="bad/name")) == "ValidationError"

# 3. A service that takes a suffix: one role per suffix.
a = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")["Role"]
assert a["RoleName"] == "AWSServiceRoleForAutoScaling", a
w = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="web")["Role"]
assert w["RoleName"] == "AWSServiceRoleForAutoScaling_web", w
assert w["Path"] == "/aws-service-role/autoscaling.amazonaws.com/", w
e = error(lambda: iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com",
                                                 CustomSuffix="WEB"))
assert e["Code"] == "InvalidInput" and "has been taken" in e["Message"], e

# 4. Ordinary calls cannot edit or delete a service-linked role.
PROTECTED = (f"Cannot perform the operation on the protected role '{name}' - "
             "this role is only modifiable by AWS")
for spelling in (name, name.lower(), name.upper()):
    for call in [
        lambda: iam.delete_role(RoleName=spelling),
        lambda: iam.update_assume_role_policy(RoleName=spelling, PolicyDocument=TRUST),
        lambda: iam.put_role_policy(RoleName=spelling, PolicyName="p", PolicyDocument=ALLOW_ALL),
        lambda: iam.delete_role_policy(RoleName=spelling, PolicyName="p"),
        lambda: iam.attach_role_policy(RoleName=spelling,
                                       PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"),
        lambda: iam.detach_role_policy(RoleName=spelling, PolicyArn=policy_arn),
        lambda: iam.put_role_permissions_boundary(
            RoleName=spelling, PermissionsBoundary="arn:aws:iam::aws:policy/AdministratorAccess"),
        lambda: iam.delete_role_permissions_boundary(RoleName=spelling),
        lambda: iam.update_role(RoleName=spelling, MaxSessionDuration=43200),
    ]:
        e = error(call)
        assert e["Code"] == "UnmodifiableEntity", e
        assert e["Message"] == PROTECTED, e
after = iam.get_role(RoleName=name)["Role"]
assert after["AssumeRolePolicyDocument"] == trust, after
assert after["MaxSessionDuration"] == 3600, after
assert "PermissionsBoundary" not in after, after
assert iam.list_role_policies(RoleName=name)["PolicyNames"] == []
assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == attached
# Its description may be edited, as in AWS.
iam.update_role_description(RoleName=name, Description="edited")
iam.update_role(RoleName=name, Description="edited again")
assert iam.get_role(RoleName=name)["Role"]["Description"] == "edited again"

# 5. A look-alike: CreateRole refuses the path, and an ordinary role is no service-linked role.
e = error(lambda: iam.create_role(RoleName="fake", Path="/aws-service-role/elasticbeanstalk.amazonaws.com/",
                                  AssumeRolePolicyDocument=TRUST))
assert e["Code"] == "InvalidInput", e
assert e["Message"] == "Path prefix '/aws-service-role/' can only be used for AWS Service linked Roles", e
# Nor a service-linked role's name, in any case or path: no ordinary role squats the name a
# service's role would take.
roles_before = iam.list_roles()["Roles"]
for role_name, path in [("AWSServiceRoleForECS", "/"), ("awsservicerolefortest", "/"),
                        ("AWSServiceRoleForAutoScaling_x", "/custom/"),
                        ("fake", "/AWS-Service-Role/ecs.amazonaws.com/")]:
    e = error(lambda: iam.create_role(RoleName=role_name, Path=path, AssumeRolePolicyDocument=TRUST))
    assert e["Code"] == "InvalidInput", (role_name, path, e)
    assert "can only be used for AWS Service linked Roles" in e["Message"], e
    assert code(lambda: iam.get_role(RoleName=role_name)) == "NoSuchEntity"
assert iam.list_roles()["Roles"] == roles_before, "nothing created"
iam.create_role(RoleName="ordinary", AssumeRolePolicyDocument=TRUST)
assert code(lambda: iam.delete_service_linked_role(RoleName="ordinary")) == "NoSuchEntity"
assert iam.get_role(RoleName="ordinary")["Role"]["RoleName"] == "ordinary"
assert code(lambda: iam.delete_service_linked_role(RoleName="missing")) == "NoSuchEntity"

# 6. A service-role policy belongs to service-linked roles only.
iam.create_user(UserName="slr-user")
for call in [
    lambda: iam.attach_user_policy(UserName="slr-user", PolicyArn=policy_arn),
    lambda: iam.attach_role_policy(RoleName="ordinary", PolicyArn=policy_arn),
    lambda: iam.put_user_permissions_boundary(UserName="slr-user", PermissionsBoundary=policy_arn),
]:
    assert code(call) == "PolicyNotAttachable"
assert iam.list_attached_user_policies(UserName="slr-user")["AttachedPolicies"] == []

# 7. iam:AWSServiceName in a policy decides; the role's ARN is the service's.
iam.put_user_policy(UserName="slr-user", PolicyName="p", PolicyDocument=doc([
    {"Effect": "Allow", "Action": ["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole",
                                   "iam:GetServiceLinkedRoleDeletionStatus"],
     "Resource": "*",
     "Condition": {"StringEquals": {"iam:AWSServiceName": "ecs.amazonaws.com"}}},
    {"Effect": "Allow", "Action": ["iam:DeleteServiceLinkedRole",
                                   "iam:GetServiceLinkedRoleDeletionStatus"],
     "Resource": f"arn:aws:iam::{account}:role/aws-service-role/ecs.amazonaws.com/*"},
    {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
    {"Effect": "Deny", "Action": "iam:CreateServiceLinkedRole", "Resource": "*",
     "Condition": {"StringNotEquals": {"iam:AWSServiceName": "ecs.amazonaws.com"}}},
    {"Effect": "Deny", "Action": ["iam:DeleteServiceLinkedRole", "iam:DeleteRole"],
     "Resource": f"arn:aws:iam::{account}:role/aws-service-role/elasticbeanstalk.amazonaws.com/*"},
]))
k = iam.create_access_key(UserName="slr-user")["AccessKey"]
user = client("iam", k["AccessKeyId"], k["SecretAccessKey"])
assert code(lambda: user.create_service_linked_role(AWSServiceName="rds.amazonaws.com")) == "AccessDenied"
assert user.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]["RoleName"] == "AWSServiceRoleForECS"
for spelling in (name, name.lower()):
    assert code(lambda: user.delete_service_linked_role(RoleName=spelling)) == "AccessDenied"
assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name

# 8. Deletion: a task, its status, the role gone, the policy's count back.
task = user.delete_service_linked_role(RoleName="AWSServiceRoleForECS")["DeletionTaskId"]
assert re.fullmatch(r"task/aws-service-role/ecs\.amazonaws\.com/AWSServiceRoleForECS/"
                    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", task), task
assert user.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
assert code(lambda: iam.get_role(RoleName="AWSServiceRoleForECS")) == "NoSuchEntity"
task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
assert task.startswith(f"task/aws-service-role/elasticbeanstalk.amazonaws.com/{name}/"), task
status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
assert status["Status"] == "SUCCEEDED" and "Reason" not in status, status
assert iam.get_policy(PolicyArn=policy_arn)["Policy"]["AttachmentCount"] == 0
assert code(lambda: iam.get_role(RoleName=name)) == "NoSuchEntity"
# Unknown and malformed tasks; another account's task is unknown there.
assert code(lambda: iam.get_service_linked_role_deletion_status(
    DeletionTaskId=task[:-4] + "0000")) == "NoSuchEntity"
assert code(lambda: iam.get_service_linked_role_deletion_status(DeletionTaskId="nope")) == "InvalidInput"
assert code(lambda: out_iam.get_service_linked_role_deletion_status(DeletionTaskId=task)) == "NoSuchEntity"
# The same name can be created again once deleted.
assert iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")["Role"]["RoleName"] == name
iam.delete_service_linked_role(RoleName=name)

# 9. A role held by an instance profile is not deleted: the task says why.
iam.create_instance_profile(InstanceProfileName="slr-profile")
iam.add_role_to_instance_profile(InstanceProfileName="slr-profile", RoleName=w["RoleName"])
task = iam.delete_service_linked_role(RoleName=w["RoleName"])["DeletionTaskId"]
status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
assert status["Status"] == "FAILED", status
assert "instance profile" in status["Reason"]["Reason"], status
assert iam.get_role(RoleName=w["RoleName"])["Role"]["RoleName"] == w["RoleName"]
iam.remove_role_from_instance_profile(InstanceProfileName="slr-profile", RoleName=w["RoleName"])
task = iam.delete_service_linked_role(RoleName=w["RoleName"])["DeletionTaskId"]
assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"

print("ok")
