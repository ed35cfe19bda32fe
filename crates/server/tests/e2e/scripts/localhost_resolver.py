"""Runs a Python tool with `*.localhost` resolving to 127.0.0.1 (RFC 6761 reserves the name
for loopback; glibc without nss-myhostname does not resolve its subdomains), so that
virtual-hosted-style S3 requests (`Host: bucket.localhost:PORT`) reach the gateway on
loopback, with the Host header exactly as the client signs it.

argv: aws ARGS...      the aws-cli (v1, Python) with ARGS
      SCRIPT ARGS...   a Python script with ARGS
"""

import runpy
import socket
import sys

_real = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    if isinstance(host, str) and host.rstrip(".").lower().endswith(".localhost"):
        host = "127.0.0.1"
    return _real(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo

if __name__ == "__main__":
    tool, rest = sys.argv[1], sys.argv[2:]
    if tool == "aws":
        from awscli.clidriver import main

        sys.argv = ["aws"] + rest
        sys.exit(main())
    sys.argv = [tool] + rest
    runpy.run_path(tool, run_name="__main__")
