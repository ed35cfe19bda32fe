"""Creates (idempotently) the IAM user the benchmark signs with: its policy allows what the
scenarios call (sts:AssumeRole, the bench role's IAM reads and setup). Prints "AK SK"."""
import json
import sys

import boto3

endpoint, ak, sk = sys.argv[1:4]
iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=ak, aws_secret_access_key=sk)
try:
    iam.create_user(UserName="bench")
except iam.exceptions.EntityAlreadyExistsException:
    pass
iam.put_user_policy(UserName="bench", PolicyName="bench", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": [
        "sts:AssumeRole", "iam:GetRole", "iam:ListRoles", "iam:CreateRole",
        "iam:UpdateAssumeRolePolicy"], "Resource": "*"}]}))
for k in iam.list_access_keys(UserName="bench")["AccessKeyMetadata"]:
    iam.delete_access_key(UserName="bench", AccessKeyId=k["AccessKeyId"])
key = iam.create_access_key(UserName="bench")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
