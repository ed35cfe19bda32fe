"""Sets up AssumeRoleWithSAML for the load harness: a signing key and IdP metadata, a SAML
provider and a role trusting it, then N unsigned AssumeRoleWithSAML requests, each with its
own assertion (an assertion is accepted once), signed with signxml (RSA-SHA256, the
Assertion signed, as most IdPs do), written one after another to OUT for replay_each.lua.

    python3 bench/saml.py ENDPOINT ROOT_KEY ROOT_SECRET N OUT
"""
import base64
import datetime
import json
import sys
import urllib.parse
import uuid

import boto3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner, methods

endpoint, key, secret, n, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
ENTITY = "https://idp.bench.example/saml"
SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"

private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench-idp")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(private.public_key()).serial_number(7)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2)).sign(private, hashes.SHA256()))
cert_pem = cert.public_bytes(serialization.Encoding.PEM)
key_pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
metadata = (f'<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            f'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{ENTITY}">'
            '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
            f'{der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
            '</md:IDPSSODescriptor></md:EntityDescriptor>')

iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id=key, aws_secret_access_key=secret)
provider = iam.create_saml_provider(Name="bench", SAMLMetadataDocument=metadata)["SAMLProviderArn"]
trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithSAML",
    "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]}
role = iam.create_role(RoleName="bench-saml", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
host = urllib.parse.urlparse(endpoint).netloc


def response(i):
    aid = uuid.uuid4().hex
    fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    t = datetime.datetime.now(datetime.timezone.utc)
    later = fmt(t + datetime.timedelta(minutes=30))
    attrs = "".join(
        f'<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/{k}"><saml:AttributeValue>{v}</saml:AttributeValue></saml:Attribute>'
        for k, v in (("Role", f"{role},{provider}"), ("RoleSessionName", f"user{i}")))
    xml = (f'<samlp:Response xmlns:samlp="{SAMLP}" xmlns:saml="{SAML}" ID="_r{aid}" Version="2.0" '
           f'IssueInstant="{fmt(t)}" Destination="https://signin.aws.amazon.com/saml">'
           f'<saml:Issuer>{ENTITY}</saml:Issuer><samlp:Status><samlp:StatusCode '
           'Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
           f'<saml:Assertion ID="_a{aid}" Version="2.0" IssueInstant="{fmt(t)}"><saml:Issuer>{ENTITY}</saml:Issuer>'
           '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="placeholder"></ds:Signature>'
           f'<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">user{i}</saml:NameID>'
           '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
           f'<saml:SubjectConfirmationData NotOnOrAfter="{later}" Recipient="https://signin.aws.amazon.com/saml"/>'
           f'</saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{fmt(t - datetime.timedelta(minutes=1))}" '
           f'NotOnOrAfter="{later}"><saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience>'
           f'</saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{fmt(t)}"><saml:AuthnContext>'
           '<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef>'
           f'</saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attrs}</saml:AttributeStatement>'
           '</saml:Assertion></samlp:Response>')
    r = etree.fromstring(xml.encode())
    a = r.find(f"{{{SAML}}}Assertion")
    signed = XMLSigner(method=methods.enveloped, signature_algorithm="rsa-sha256",
                       digest_algorithm="sha256",
                       c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#").sign(
        a, key=key_pem, cert=cert_pem, reference_uri="_a" + aid)
    r.replace(a, signed)
    form = urllib.parse.urlencode({
        "Action": "AssumeRoleWithSAML", "Version": "2011-06-15", "RoleArn": role,
        "PrincipalArn": provider,
        "SAMLAssertion": base64.b64encode(etree.tostring(r)).decode()})
    return (f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(form)}\r\n\r\n{form}")


if __name__ == "__main__":
    import multiprocessing
    with multiprocessing.Pool() as pool, open(out, "w") as f:
        for r in pool.imap(response, range(n), chunksize=50):
            f.write(r)
    print("ready", n, flush=True)
