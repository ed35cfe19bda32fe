"""boto3 over HTTPS with a private CA given in AWS_CA_BUNDLE.

argv: endpoint (https://…), access key id, secret, the user's name. The user's policy denies
everything when aws:SecureTransport is false, so these calls succeed only over TLS. Without the
CA bundle, the server's certificate is refused.
"""
import os
import sys

import botocore.exceptions

from rolegate_boto3 import client

endpoint, key, secret, user = sys.argv[1:5]
assert os.environ.get("AWS_CA_BUNDLE"), "the test passes the private CA in AWS_CA_BUNDLE"

iam = client(endpoint, "iam", key, secret)
names = [u["UserName"] for u in iam.list_users()["Users"]]
assert user in names, names
assert iam.get_user()["User"]["UserName"] == user
arn = client(endpoint, "sts", key, secret).get_caller_identity()["Arn"]
assert arn.endswith(":user/" + user), arn

del os.environ["AWS_CA_BUNDLE"]
try:
    client(endpoint, "iam", key, secret).list_users()
    raise AssertionError("a certificate from an unknown CA was accepted")
except botocore.exceptions.SSLError:
    pass

print("ok")
