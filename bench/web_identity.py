"""Sets up AssumeRoleWithWebIdentity for the load harness: an OpenID issuer on loopback
(discovery document and JWKS over HTTP, so the server needs --allow-http-oidc-issuers and --allow-local-oidc-issuers), an
OIDC provider and a role trusting it, and writes one unsigned AssumeRoleWithWebIdentity
request with a signed token to OUT (a `.http` file wrk's replay.lua sends byte for byte; a
web identity token may be presented again until it expires, as with AWS).

    python3 bench/web_identity.py ENDPOINT ROOT_KEY ROOT_SECRET ISSUER_PORT OUT

Keeps serving the issuer until killed (the server fetches the JWKS once and caches it).
"""
import base64
import http.server
import json
import sys
import threading
import time
import urllib.parse

import boto3
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

endpoint, key, secret, port, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
issuer = f"http://127.0.0.1:{port}"
private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
numbers = private.public_key().public_numbers()


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n):
    return b64(n.to_bytes((n.bit_length() + 7) // 8, "big"))


jwks = {"keys": [{"kty": "RSA", "kid": "bench", "alg": "RS256", "use": "sig",
                  "n": uint(numbers.n), "e": uint(numbers.e)}]}
discovery = {"issuer": issuer, "jwks_uri": f"{issuer}/jwks.json",
             "id_token_signing_alg_values_supported": ["RS256"]}


class Issuer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = {"/.well-known/openid-configuration": discovery, "/jwks.json": jwks}.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body or {}).encode())

    def log_message(self, *_):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Issuer)
threading.Thread(target=server.serve_forever, daemon=True).start()

iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=key, aws_secret_access_key=secret)
provider = iam.create_open_id_connect_provider(
    Url=issuer, ClientIDList=["bench-audience"], ThumbprintList=["0" * 40])["OpenIDConnectProviderArn"]
trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Federated": provider},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {f"127.0.0.1:{port}:aud": "bench-audience",
                                   f"127.0.0.1:{port}:sub": "bench-workload"}}}]}
role = iam.create_role(RoleName="bench-web-identity",
                       AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]

now = int(time.time())
header = b64(json.dumps({"alg": "RS256", "kid": "bench", "typ": "JWT"}).encode())
claims = b64(json.dumps({"iss": issuer, "aud": "bench-audience", "sub": "bench-workload",
                         "iat": now, "nbf": now, "exp": now + 3000}).encode())
signature = private.sign(f"{header}.{claims}".encode(), padding.PKCS1v15(), hashes.SHA256())
token = f"{header}.{claims}.{b64(signature)}"
form = urllib.parse.urlencode({"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
                               "RoleArn": role, "RoleSessionName": "bench",
                               "WebIdentityToken": token})
host = urllib.parse.urlparse(endpoint).netloc
request = (f"POST / HTTP/1.1\r\nHost: {host}\r\n"
           "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
           f"Content-Length: {len(form)}\r\n\r\n{form}")
with open(out, "w") as f:
    f.write(request)
print("ready", flush=True)
while True:
    time.sleep(3600)
