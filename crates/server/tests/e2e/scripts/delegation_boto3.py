"""The partner-only delegation-request operations (issue 17) through boto3, in an account that
is not onboarded: CreateDelegationRequest and STS GetDelegatedAccessToken refused
(`AccessDenied`), every request id unknown (`NoSuchEntity`), the list empty,
GetHumanReadableSummary `NoSuchEntity` for a delegation request and `InvalidInput` for anything
else; each authorized like any other call, and nothing stored. argv: endpoint, root key, root
secret, account."""

import sys

import rolegate_boto3
from rolegate_boto3 import bound, doc, error

endpoint, key, secret, account = sys.argv[1:5]
client, _ = bound(endpoint)
iam = client("iam", key, secret)
sts = client("sts", key, secret)

RID = "dr-0123456789abcdef"


def code(call):
    return error(call)["Code"]


def calls(c, s):
    return {
        "GetDelegationRequest": lambda: c.get_delegation_request(DelegationRequestId=RID),
        "AcceptDelegationRequest": lambda: c.accept_delegation_request(DelegationRequestId=RID),
        "AssociateDelegationRequest": lambda: c.associate_delegation_request(DelegationRequestId=RID),
        "RejectDelegationRequest": lambda: c.reject_delegation_request(DelegationRequestId=RID, Notes="no"),
        "UpdateDelegationRequest": lambda: c.update_delegation_request(DelegationRequestId=RID, Notes="n"),
        "SendDelegationToken": lambda: c.send_delegation_token(DelegationRequestId=RID),
        "GetHumanReadableSummary": lambda: c.get_human_readable_summary(
            EntityArn=f"arn:aws:iam::{account}:delegation-request/{RID}"),
    }


for op, call in calls(iam, sts).items():
    e = error(call)
    assert e["Code"] == "NoSuchEntity", (op, e)
    assert RID in e["Message"], (op, e)
r = iam.list_delegation_requests()
assert r["DelegationRequests"] == [] and r["isTruncated"] is False, r
e = error(lambda: iam.create_delegation_request(
    Description="d", Permissions={"PolicyTemplateArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
    RequestorWorkflowId="wf-12345", NotificationChannel="arn:aws:sns:us-east-1:123456789012:t",
    SessionDuration=900))
assert e["Code"] == "AccessDenied" and "not onboarded" in e["Message"], e
e = error(lambda: sts.get_delegated_access_token(TradeInToken="opaque-trade-in-token"))
assert e["Code"] == "AccessDenied" and "not onboarded" in e["Message"], e
# Only delegation requests of this account are summarized.
for other in (f"arn:aws:iam::{account}:user/alice", f"arn:aws:iam::210987654321:delegation-request/{RID}"):
    assert code(lambda: iam.get_human_readable_summary(EntityArn=other)) == "InvalidInput"
# Bad input is the model's ValidationError.
unchecked = rolegate_boto3.client(endpoint, "iam", key, secret, parameter_validation=False)
assert code(lambda: unchecked.get_delegation_request(DelegationRequestId="short")) == "ValidationError"

# Authorized like any other call: a Deny on the delegation request refuses before anything.
iam.create_user(UserName="deleg")
iam.put_user_policy(UserName="deleg", PolicyName="p", PolicyDocument=doc([
    {"Effect": "Allow", "Action": ["iam:*", "sts:*"], "Resource": "*"},
    {"Effect": "Deny", "Action": "iam:*", "Resource": f"arn:aws:iam::{account}:delegation-request/*"},
    {"Effect": "Deny", "Action": ["iam:ListDelegationRequests", "sts:GetDelegatedAccessToken"], "Resource": "*"}]))
k = iam.create_access_key(UserName="deleg")["AccessKey"]
u_iam = client("iam", k["AccessKeyId"], k["SecretAccessKey"])
u_sts = client("sts", k["AccessKeyId"], k["SecretAccessKey"])
for op, call in calls(u_iam, u_sts).items():
    assert code(call) == "AccessDenied", op
assert code(u_iam.list_delegation_requests) == "AccessDenied"
assert code(lambda: u_sts.get_delegated_access_token(TradeInToken="t")) == "AccessDenied"

print("ok")
