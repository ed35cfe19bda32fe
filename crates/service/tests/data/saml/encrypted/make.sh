#!/bin/sh
# Makes the encrypted-assertion fixtures of federation::saml's unit tests with the e2e IdP
# (pysaml2 + xmlsec1): its own IdP key (metadata.xml), two service-provider keys (sp1, sp2;
# sp1 also as PKCS#1) and responses. Run from this directory: sh make.sh
set -eu
IDP=../../../../../server/tests/e2e/saml/idp.py
ENT=https://idp.example.test/saml
D=$(mktemp -d)
python3 "$IDP" init "$D" "$ENT" >/dev/null
cp "$D/metadata.xml" metadata.xml
for k in sp1 sp2; do python3 "$IDP" sp-key "$D" "$k" >/dev/null; cp "$D/$k.key" "$k.key"; done
openssl rsa -in sp1.key -traditional -out sp1-pkcs1.key 2>/dev/null
resp() { # name cert options...
  python3 - "$D" "$2" "$3" > "$1.b64" <<PY 2>/dev/null
import json, subprocess, sys
d, cert, extra = sys.argv[1:4]
o = {"attributes": {"https://aws.amazon.com/SAML/Attributes/RoleSessionName": ["alice"]}}
if cert:
    o["encrypt_cert"] = open(f"{d}/{cert}.crt").read()
o.update(json.loads(extra))
out = subprocess.run(["python3", "$IDP", "response", d, "$ENT", json.dumps(o)],
                     check=True, capture_output=True, text=True).stdout
print(out.strip())
PY
}
resp both sp1 '{}'
resp assertion-signed sp1 '{"sign_response": false, "data_enc": "aes128-cbc"}'
resp response-signed sp1 '{"sign_assertion": false, "data_enc": "aes256-cbc"}'
resp unsigned sp1 '{"sign_assertion": false, "sign_response": false}'
resp rsa15 sp1 '{"key_enc": "rsa-1_5"}'
resp sp2 sp2 '{"data_enc": "aes128-gcm"}'
resp plain '' '{}'
rm -rf "$D"
