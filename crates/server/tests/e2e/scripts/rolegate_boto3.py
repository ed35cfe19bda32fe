"""What the boto3 scenarios share: clients pointed at the server under test, and the small
helpers every check uses. Imported by the scripts beside it (python puts their folder first on
the path).
"""
import json

import boto3
import botocore
import botocore.config


def client(endpoint, service, key, secret, token=None, **config):
    """A boto3 client for `service` at `endpoint`, one attempt per call."""
    return boto3.session.Session(
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name="us-east-1",
    ).client(service, endpoint_url=endpoint,
             config=botocore.config.Config(retries={"max_attempts": 1}, **config))


def bound(endpoint):
    """`client(service, key, secret, token=None)` and `of(credentials, service)` (a client for
    temporary credentials as STS returns them), both for `endpoint`."""
    def bound_client(service, key, secret, token=None):
        return client(endpoint, service, key, secret, token)

    def of(creds, service):
        return bound_client(service, creds["AccessKeyId"], creds["SecretAccessKey"],
                            creds["SessionToken"])

    return bound_client, of


def error(call):
    """The error a call must fail with (AssertionError when it succeeds)."""
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]
    raise AssertionError("the call succeeded")


def doc(statements):
    """A policy document of these statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})
