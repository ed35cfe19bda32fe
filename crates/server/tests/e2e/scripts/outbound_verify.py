"""An external service's side of IAM outbound identity federation, with PyJWT: each token is
verified the way a relying party does it — the issuer's discovery document fetched over HTTP,
its `jwks_uri` followed, the key picked by `kid`, the signature, `iss`, `aud` and `exp` checked.

Argv: a JSON file holding a list of checks, each
  {"token": JWT, "issuer": URL to discover, "audience": expected aud,
   "expect": "valid" | "invalid", "alg": "RS256" | "ES384", "sub": expected sub (valid only),
   "foreign": true when no key of the issuer signed it (each key is then tried)}.
Prints `ok` when every token decides as expected.
"""
import json
import sys
import urllib.request

import jwt

TIMEOUT = 10


def fetch(url):
    with urllib.request.urlopen(url, timeout=TIMEOUT) as r:
        assert r.status == 200, (url, r.status)
        return json.loads(r.read())


checks = json.load(open(sys.argv[1]))
valid = invalid = 0
for check in checks:
    issuer = check["issuer"]
    discovery = fetch(f"{issuer}/.well-known/openid-configuration")
    # The discovery document names exactly this issuer (OpenID Connect Discovery 1.0, 4.3).
    assert discovery["issuer"] == issuer, discovery
    assert check["alg"] in discovery["id_token_signing_alg_values_supported"], discovery
    jwks = fetch(discovery["jwks_uri"])
    for k in jwks["keys"]:
        # Public halves only.
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(k), k
    keys = {k["kid"]: k for k in jwks["keys"]}
    header = jwt.get_unverified_header(check["token"])
    try:
        if header.get("kid") not in keys:
            raise jwt.InvalidTokenError("no key of the issuer has this kid")
        key = jwt.PyJWK(keys[header["kid"]]).key
        claims = jwt.decode(check["token"], key, algorithms=[check["alg"]],
                            audience=check["audience"], issuer=issuer,
                            options={"require": ["exp", "iat", "iss", "aud", "sub", "jti"]})
        outcome = "valid"
    except jwt.InvalidTokenError as e:
        outcome = "invalid"
        claims = str(e)
    # Whatever the kid says: no key of this issuer verifies a token it did not sign.
    if check.get("foreign"):
        for k in jwks["keys"]:
            try:
                jwt.decode(check["token"], jwt.PyJWK(k).key, algorithms=[k["alg"]],
                           options={"verify_aud": False, "verify_iss": False})
                raise AssertionError(f"key {k['kid']} verified a foreign token")
            except jwt.InvalidSignatureError:
                pass
            except jwt.InvalidAlgorithmError:
                pass
    assert outcome == check["expect"], (check["expect"], outcome, claims)
    if outcome == "valid":
        assert claims["sub"] == check["sub"], claims
        ns = claims["https://sts.amazonaws.com/"]
        assert ns["principal_id"] == check["sub"], ns
        valid += 1
    else:
        invalid += 1

print(f"outbound federation: {valid} tokens verified, {invalid} refused", file=sys.stderr)
assert valid >= 1 and invalid >= 1, (valid, invalid)
print("ok")
