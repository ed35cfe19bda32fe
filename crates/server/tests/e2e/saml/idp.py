"""A real SAML identity provider for the federation tests: pysaml2's IdP
(`saml2.server.Server.create_authn_response`), signing with Debian's xmlsec1.

    idp.py init DIR ENTITY_ID            key, certificate and IdP metadata in DIR
    idp.py response DIR ENTITY_ID OPTIONS_JSON
                                         prints one signed Response, base64

OPTIONS_JSON: name_id, name_id_format, attributes ({name: [values]}), audience,
recipient, lifetime_minutes, sign_alg (sha256 | sha1), sign_response, sign_assertion,
session_not_on_or_after (seconds from now).
"""
import base64
import datetime
import json
import os
import subprocess
import sys

from saml2 import BINDING_HTTP_POST, xmldsig
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NameID
from saml2.server import Server

AWS_SP = "urn:amazon:webservices"


def sp_metadata(acs, sp=AWS_SP):
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{sp}">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAssertionsSigned="true">
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:AssertionConsumerService index="1" isDefault="true" Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>"""


def config(d, entity_id, acs="https://signin.aws.amazon.com/saml", lifetime=15, sp=AWS_SP):
    c = IdPConfig()
    c.load({
        "entityid": entity_id,
        "xmlsec_binary": "/usr/bin/xmlsec1",
        "key_file": os.path.join(d, "idp.key"),
        "cert_file": os.path.join(d, "idp.crt"),
        "service": {"idp": {
            "endpoints": {"single_sign_on_service": [
                ("https://idp.example.test/sso", BINDING_HTTP_POST)]},
            "policy": {"default": {"lifetime": {"minutes": lifetime},
                                   "attribute_restrictions": None,
                                   "name_form": NAME_FORMAT_URI}},
            "name_id_format": ["urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"],
        }},
        "metadata": {"inline": [sp_metadata(acs, sp)]},
    })
    return c


def init(d, entity_id):
    os.makedirs(d, exist_ok=True)
    if not os.path.exists(os.path.join(d, "idp.key")):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                        "-subj", "/CN=rolegate-test-idp", "-keyout", os.path.join(d, "idp.key"),
                        "-out", os.path.join(d, "idp.crt")], check=True, capture_output=True)
    md = create_metadata_string(None, config(d, entity_id), valid=None, sign=False)
    with open(os.path.join(d, "metadata.xml"), "wb") as f:
        f.write(md if isinstance(md, bytes) else md.encode())
    print(os.path.join(d, "metadata.xml"))


def response(d, entity_id, o):
    recipient = o.get("recipient", "https://signin.aws.amazon.com/saml")
    server = Server(config=config(d, entity_id, recipient, o.get("lifetime_minutes", 15),
                                o.get("audience", AWS_SP)))
    alg = o.get("sign_alg", "sha256")
    sign_alg = xmldsig.SIG_RSA_SHA1 if alg == "sha1" else xmldsig.SIG_RSA_SHA256
    digest_alg = xmldsig.DIGEST_SHA1 if alg == "sha1" else xmldsig.DIGEST_SHA256
    name_id = NameID(format=o.get("name_id_format",
                                  "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"),
                     text=o.get("name_id", "alice@example.test"))
    authn = {"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
             "authn_auth": entity_id}
    kwargs = {}
    if "session_not_on_or_after" in o:
        kwargs["session_not_on_or_after"] = (
            datetime.datetime.now(datetime.timezone.utc)
            + datetime.timedelta(seconds=o["session_not_on_or_after"])
        ).strftime("%Y-%m-%dT%H:%M:%SZ")
    resp = server.create_authn_response(
        identity=o.get("attributes", {}),
        in_response_to=None,
        destination=recipient,
        sp_entity_id=o.get("audience", AWS_SP),
        name_id=name_id,
        authn=authn,
        sign_response=o.get("sign_response", True),
        sign_assertion=o.get("sign_assertion", True),
        sign_alg=sign_alg,
        digest_alg=digest_alg,
        **kwargs,
    )
    text = resp if isinstance(resp, bytes) else str(resp).encode()
    print(base64.b64encode(text).decode())


if __name__ == "__main__":
    cmd, d, entity_id = sys.argv[1:4]
    if cmd == "init":
        init(d, entity_id)
    else:
        response(d, entity_id, json.loads(sys.argv[4]) if len(sys.argv) > 4 else {})
