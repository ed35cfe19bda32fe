"""The request pipeline through boto3: a JSON-protocol client (Organizations) gets its errors
in its protocol, by `__type`. argv: endpoint, key, secret, account."""

import sys

import botocore.exceptions

from rolegate_boto3 import client

endpoint, key, secret, _account = sys.argv[1:5]
org = client(endpoint, "organizations", key, secret)
try:
    org.list_accounts()
    raise SystemExit("ListAccounts answered without an organization")
except botocore.exceptions.ClientError as e:
    code = e.response["Error"]["Code"]
    assert code == "AWSOrganizationsNotInUseException", e.response
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, e.response
print("ok")
