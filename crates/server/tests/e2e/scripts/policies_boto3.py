"""Policy enforcement and the policy simulator, driven by boto3 against a running Rolegate.

Argv: endpoint, root access key id, root secret, account id. Exits non-zero (with the
failing check) on the first difference from what AWS would answer.
"""
import json
import sys

import botocore

import rolegate_boto3

endpoint, root_key, root_secret, account = sys.argv[1:5]


client, _ = rolegate_boto3.bound(endpoint)


def denied(call, action, why_suffix):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        err = e.response["Error"]
        assert err["Code"] == "AccessDenied", err
        assert action in err["Message"], err["Message"]
        assert err["Message"].endswith(why_suffix), err["Message"]
        return
    raise AssertionError(f"{action} was not denied")


root = client("iam", root_key, root_secret)
root.create_user(UserName="py-alice")
root.create_user(UserName="py-bob")
key = root.create_access_key(UserName="py-alice")["AccessKey"]
alice = client("iam", key["AccessKeyId"], key["SecretAccessKey"])
alice_arn = f"arn:aws:iam::{account}:user/py-alice"

# Nothing attached: denied with AWS's wording.
denied(lambda: alice.list_users(), "iam:ListUsers",
       "because no identity-based policy allows the iam:ListUsers action")

# Self-service through ${aws:username}: her own keys, nobody else's.
root.put_user_policy(UserName="py-alice", PolicyName="self", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:ListAccessKeys", "iam:GetUser"],
                   "Resource": "arn:aws:iam::*:user/${aws:username}"}]}))
assert len(alice.list_access_keys()["AccessKeyMetadata"]) == 1
assert alice.get_user()["User"]["UserName"] == "py-alice"
denied(lambda: alice.list_access_keys(UserName="py-bob"), "iam:ListAccessKeys",
       "because no identity-based policy allows the iam:ListAccessKeys action")

# A group's policy applies to its members.
root.create_group(GroupName="py-readers")
root.put_group_policy(GroupName="py-readers", PolicyName="list", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:List*", "iam:Simulate*", "iam:GetContextKeys*"], "Resource": "*"}]}))
root.add_user_to_group(GroupName="py-readers", UserName="py-alice")
assert any(u["UserName"] == "py-bob" for u in alice.list_users()["Users"])

# A boundary caps the group's grant; an explicit deny beats everything.
boundary = root.create_policy(PolicyName="py-keys-only", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["iam:*AccessKey*", "iam:GetUser", "iam:Simulate*", "iam:GetContextKeys*"], "Resource": "*"}]}))["Policy"]["Arn"]
root.put_user_permissions_boundary(UserName="py-alice", PermissionsBoundary=boundary)
denied(lambda: alice.list_users(), "iam:ListUsers",
       "because no permissions boundary allows the iam:ListUsers action")
alice.list_access_keys()
root.put_user_policy(UserName="py-alice", PolicyName="deny-keys", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "iam:ListAccessKeys", "Resource": "*"}]}))
denied(lambda: alice.list_access_keys(), "iam:ListAccessKeys",
       "with an explicit deny in an identity-based policy")

# The simulator agrees with what the server just enforced.
res = alice.simulate_principal_policy(
    PolicySourceArn=alice_arn,
    ActionNames=["iam:ListAccessKeys", "iam:ListUsers", "iam:GetUser"],
    ResourceArns=[alice_arn],
    ContextEntries=[{"ContextKeyName": "aws:username", "ContextKeyValues": ["py-alice"],
                     "ContextKeyType": "string"}],
)["EvaluationResults"]
decisions = {r["EvalActionName"]: r["EvalDecision"] for r in res}
assert decisions == {"iam:ListAccessKeys": "explicitDeny", "iam:ListUsers": "implicitDeny",
                     "iam:GetUser": "allowed"}, decisions
deny = res[0]["MatchedStatements"][0]
assert deny["SourcePolicyId"] == "deny-keys" and deny["SourcePolicyType"] == "user", deny
assert res[1]["PermissionsBoundaryDecisionDetail"]["AllowedByPermissionsBoundary"] is False, res[1]

custom = alice.simulate_custom_policy(
    PolicyInputList=[json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]})],
    ActionNames=["s3:GetObject"],
    ResourceArns=["arn:aws:s3:::b/py-alice/report"],
)["EvaluationResults"][0]
assert custom["EvalDecision"] == "implicitDeny", custom
assert custom["MissingContextValues"] == ["aws:username", "aws:SourceIp"], custom

keys = alice.get_context_keys_for_principal_policy(PolicySourceArn=alice_arn)["ContextKeyNames"]
assert keys == ["aws:username"], keys

try:
    alice.simulate_custom_policy(PolicyInputList=["{not json"], ActionNames=["s3:GetObject"])
    raise AssertionError("a malformed document was simulated")
except botocore.exceptions.ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidInput", e.response

print("ok")
