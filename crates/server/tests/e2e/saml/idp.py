"""A real SAML identity provider for the federation tests: pysaml2's IdP
(`saml2.server.Server.create_authn_response`), signing with Debian's xmlsec1.

    idp.py init DIR ENTITY_ID            key, certificate and IdP metadata in DIR
    idp.py response DIR ENTITY_ID OPTIONS_JSON
                                         prints one signed Response, base64

OPTIONS_JSON: name_id, name_id_format, attributes ({name: [values]}), audience,
recipient, lifetime_minutes, sign_alg (sha256 | sha1), sign_response, sign_assertion,
session_not_on_or_after (seconds from now);
encrypt_cert (PEM of the service provider's encryption certificate: the Assertion is signed
first, then encrypted by pysaml2 with xmlsec1, then the Response signed), data_enc (aes128-cbc |
aes256-cbc | aes128-gcm | aes256-gcm), key_enc (rsa-oaep-mgf1p | rsa-oaep | rsa-1_5).

    idp.py sp-key DIR NAME               an RSA key and certificate for the service provider
                                         (DIR/NAME.key, DIR/NAME.crt); prints the key path
"""
import base64
import datetime
import json
import os
import subprocess
import sys

import functools

import saml2.entity
from saml2 import BINDING_HTTP_POST, xmldsig
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_URI, NameID
from saml2.server import Server

AWS_SP = "urn:amazon:webservices"
XMLENC = "http://www.w3.org/2001/04/xmlenc#"
XMLENC11 = "http://www.w3.org/2009/xmlenc11#"
DATA_ENC = {  # URI, xmlsec1's --session-key
    "aes128-cbc": (XMLENC + "aes128-cbc", "aes-128"),
    "aes256-cbc": (XMLENC + "aes256-cbc", "aes-256"),
    "aes128-gcm": (XMLENC11 + "aes128-gcm", "aes-128"),
    "aes256-gcm": (XMLENC11 + "aes256-gcm", "aes-256"),
}
KEY_ENC = {
    "rsa-oaep-mgf1p": XMLENC + "rsa-oaep-mgf1p",
    "rsa-oaep": XMLENC11 + "rsa-oaep",
    "rsa-1_5": XMLENC + "rsa-1_5",
}


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


def sp_key(d, name):
    key = os.path.join(d, name + ".key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                    "-subj", "/CN=" + name, "-keyout", key, "-out", os.path.join(d, name + ".crt")],
                   check=True, capture_output=True)
    print(key)


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
    if "encrypt_cert" in o:
        # pysaml2 encrypts with its own template (TripleDES): the same code path with the
        # algorithms asked for.
        data_uri, session_key = DATA_ENC[o.get("data_enc", "aes256-gcm")]
        saml2.entity.pre_encryption_part = functools.partial(
            saml2.sigver.pre_encryption_part, msg_enc=data_uri,
            key_enc=KEY_ENC[o.get("key_enc", "rsa-oaep-mgf1p")])
        encrypt = server.sec.encrypt_assertion
        server.sec.encrypt_assertion = (
            lambda statement, enc_key, template, key_type=None, node_xpath=None:
            encrypt(statement, enc_key, template, key_type=session_key, node_xpath=node_xpath))
        kwargs["encrypt_assertion"] = True
        kwargs["encrypt_assertion_self_contained"] = True
        kwargs["encrypt_cert_assertion"] = o["encrypt_cert"]
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
    elif cmd == "sp-key":
        sp_key(d, entity_id)
    else:
        response(d, entity_id, json.loads(sys.argv[4]) if len(sys.argv) > 4 else {})
