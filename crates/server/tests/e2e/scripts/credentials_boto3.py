"""SSH public keys, signing certificates and server certificates (issue 17, item 3), through
boto3: every operation, AWS's errors for bad input (which change nothing), quotas, another
user's credentials without permission, DeleteUser's conflicts, a renamed user's credentials,
the credential report's certificate columns, GetAccountSummary, and no private key in any
read or audit event. Keys and certificates are made here with `cryptography`.

Argv: endpoint, root key, root secret, account, a file to write the uploaded private keys'
base64 lines to (the Rust side scans the stored audit events for them).
"""
import base64
import datetime
import hashlib
import json
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

import rolegate_boto3
from rolegate_boto3 import doc, error

endpoint, root_key, root_secret, account, secrets_path = sys.argv[1:6]
client, _ = rolegate_boto3.bound(endpoint)
iam = client("iam", root_key, root_secret)
trail = client("cloudtrail", root_key, root_secret)
NOW = datetime.datetime.now(datetime.timezone.utc)


def rsa_key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ssh_public(key):
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                         serialization.PublicFormat.OpenSSH).decode()


def pem_public(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def md5_fingerprint(key):
    blob = base64.b64decode(ssh_public(key).split()[1])
    return ":".join(f"{b:02x}" for b in hashlib.md5(blob).digest())


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def certificate(key, cn, issuer=None, days=30, start=-1, ca=False):
    """A PEM certificate for `key`, signed by `issuer` ((key, cn)) or self-signed."""
    issuer_key, issuer_cn = issuer or (key, cn)
    builder = (x509.CertificateBuilder()
               .subject_name(name(cn)).issuer_name(name(issuer_cn))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW + datetime.timedelta(days=start))
               .not_valid_after(NOW + datetime.timedelta(days=days)))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None),
                                        critical=True)
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(
        serialization.Encoding.PEM).decode()


def private_pem(key, fmt=serialization.PrivateFormat.PKCS8):
    return key.private_bytes(serialization.Encoding.PEM, fmt,
                             serialization.NoEncryption()).decode()


def code(call):
    return error(call)["Code"]


def user_client(user_name, *statements):
    iam.create_user(UserName=user_name)
    if statements:
        iam.put_user_policy(UserName=user_name, PolicyName="p", PolicyDocument=doc(statements))
    k = iam.create_access_key(UserName=user_name)["AccessKey"]
    return client("iam", k["AccessKeyId"], k["SecretAccessKey"])


SELF = f"arn:aws:iam::{account}:user/${{aws:username}}"
private_keys = []

# ---------------------------------------------------------------------------------------
# SSH public keys.
iam.create_user(UserName="ssh-user")
k1, k2 = rsa_key(), rsa_key(3072)
up = iam.upload_ssh_public_key(UserName="ssh-user",
                               SSHPublicKeyBody=ssh_public(k1) + " alice@laptop")["SSHPublicKey"]
assert up["UserName"] == "ssh-user" and up["Status"] == "Active", up
assert up["SSHPublicKeyId"].startswith("APKA") and len(up["SSHPublicKeyId"]) == 20, up
assert up["Fingerprint"] == md5_fingerprint(k1), (up["Fingerprint"], md5_fingerprint(k1))
id1 = up["SSHPublicKeyId"]
up2 = iam.upload_ssh_public_key(UserName="ssh-user", SSHPublicKeyBody=pem_public(k2))
id2 = up2["SSHPublicKey"]["SSHPublicKeyId"]
assert up2["SSHPublicKey"]["Fingerprint"] == md5_fingerprint(k2)
# The same key in the other encoding is the same key.
assert code(lambda: iam.upload_ssh_public_key(
    UserName="ssh-user", SSHPublicKeyBody=pem_public(k1))) == "DuplicateSSHPublicKey"
got = iam.get_ssh_public_key(UserName="ssh-user", SSHPublicKeyId=id1,
                             Encoding="SSH")["SSHPublicKey"]
assert got["SSHPublicKeyBody"] == ssh_public(k1), got
assert got["Fingerprint"] == md5_fingerprint(k1) and got["Status"] == "Active"
got = iam.get_ssh_public_key(UserName="ssh-user", SSHPublicKeyId=id1,
                             Encoding="PEM")["SSHPublicKey"]
assert serialization.load_pem_public_key(got["SSHPublicKeyBody"].encode()).public_numbers() \
    == k1.public_key().public_numbers()
got = iam.get_ssh_public_key(UserName="ssh-user", SSHPublicKeyId=id2, Encoding="SSH")
assert got["SSHPublicKey"]["SSHPublicKeyBody"] == ssh_public(k2)
listed = iam.list_ssh_public_keys(UserName="ssh-user")
assert [k["SSHPublicKeyId"] for k in listed["SSHPublicKeys"]] == sorted([id1, id2]), listed
assert not listed["IsTruncated"]
page = iam.list_ssh_public_keys(UserName="ssh-user", MaxItems=1)
assert page["IsTruncated"] and len(page["SSHPublicKeys"]) == 1
rest = iam.list_ssh_public_keys(UserName="ssh-user", Marker=page["Marker"])
assert len(rest["SSHPublicKeys"]) == 1 and not rest["IsTruncated"]
iam.update_ssh_public_key(UserName="ssh-user", SSHPublicKeyId=id1, Status="Inactive")
assert iam.get_ssh_public_key(UserName="ssh-user", SSHPublicKeyId=id1,
                              Encoding="SSH")["SSHPublicKey"]["Status"] == "Inactive"
assert code(lambda: iam.update_ssh_public_key(
    UserName="ssh-user", SSHPublicKeyId=id1, Status="Expired")) == "InvalidInput"
# Bad keys: AWS's errors, nothing stored.
ed = ed25519.Ed25519PrivateKey.generate()
bad = {
    ssh_public(ed): "UnrecognizedPublicKeyEncoding",
    "hello": "UnrecognizedPublicKeyEncoding",
    pem_public(ec.generate_private_key(ec.SECP256R1())): "UnrecognizedPublicKeyEncoding",
    "ssh-rsa !!!not-base64": "InvalidPublicKey",
    "ssh-rsa " + base64.b64encode(b"\x00\x00\x00\x07ssh-rsa\x00").decode(): "InvalidPublicKey",
    ssh_public(rsa_key(1024)): "InvalidPublicKey",
    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----": "InvalidPublicKey",
    "x" * 16385: "ValidationError",
}
for body, expected in bad.items():
    got = code(lambda: iam.upload_ssh_public_key(UserName="ssh-user", SSHPublicKeyBody=body))
    assert got == expected, (body[:40], got, expected)
assert len(iam.list_ssh_public_keys(UserName="ssh-user")["SSHPublicKeys"]) == 2


# Weak or misencoded RSA keys (each otherwise a well-formed blob of a real key's modulus):
# InvalidPublicKey, nothing stored.
def ssh_blob(e, n):
    """`ssh-rsa BASE64` with the exponent and modulus mpints written exactly as given."""
    def string(b):
        return len(b).to_bytes(4, "big") + b
    return "ssh-rsa " + base64.b64encode(string(b"ssh-rsa") + string(e) + string(n)).decode()


def mpint(v):
    return v.to_bytes(v.bit_length() // 8 + 1, "big")


real_n = k1.public_key().public_numbers().n
n_bytes = mpint(real_n)
assert n_bytes[0] == 0  # a 2048-bit modulus: its high bit set, so a zero byte first
big_n = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key() \
    .public_numbers().n * (1 << 15400) + 1
assert 16384 < big_n.bit_length() <= 16500, big_n.bit_length()
weak = {
    "exponent 1": ssh_blob(b"\x01", n_bytes),
    "exponent 2": ssh_blob(b"\x02", n_bytes),
    "even exponent 65536": ssh_blob(mpint(65536), n_bytes),
    "exponent 2^32 + 1": ssh_blob(mpint(2**32 + 1), n_bytes),
    "modulus over 16384 bits": ssh_blob(mpint(65537), mpint(big_n)),
    "negative modulus": ssh_blob(mpint(65537), n_bytes[1:]),
    "negative exponent": ssh_blob(b"\x81\x00\x01", n_bytes),
    "zero-padded exponent": ssh_blob(b"\x00" + mpint(65537), n_bytes),
    "zero-padded modulus": ssh_blob(mpint(65537), b"\x00" + n_bytes),
    "even modulus": ssh_blob(mpint(65537), mpint(real_n - 1)),
}
# The same exact blob with sound integers is taken (the check is on the numbers, not the shape).
assert ssh_blob(mpint(65537), n_bytes).split()[1] == ssh_public(k1).split()[1]
for why, body in weak.items():
    got = error(lambda: iam.upload_ssh_public_key(UserName="ssh-user", SSHPublicKeyBody=body))
    assert got["Code"] == "InvalidPublicKey", (why, got)
assert len(iam.list_ssh_public_keys(UserName="ssh-user")["SSHPublicKeys"]) == 2
assert code(lambda: iam.get_ssh_public_key(UserName="ssh-user", SSHPublicKeyId="APKAAAAAAAAAAAAAAAAA",
                                           Encoding="SSH")) == "NoSuchEntity"
assert code(lambda: iam.upload_ssh_public_key(UserName="nobody",
                                              SSHPublicKeyBody=ssh_public(k1))) == "NoSuchEntity"
# Five keys a user.
for _ in range(3):
    iam.upload_ssh_public_key(UserName="ssh-user", SSHPublicKeyBody=ssh_public(rsa_key()))
assert code(lambda: iam.upload_ssh_public_key(
    UserName="ssh-user", SSHPublicKeyBody=ssh_public(rsa_key()))) == "LimitExceeded"
assert len(iam.list_ssh_public_keys(UserName="ssh-user")["SSHPublicKeys"]) == 5
# Keys stop DeleteUser.
assert code(lambda: iam.delete_user(UserName="ssh-user")) == "DeleteConflict"
# Another user's keys without permission: AccessDenied, nothing changes; its own: allowed.
ssh_self = user_client("ssh-self", {
    "Effect": "Allow", "Resource": SELF,
    "Action": ["iam:UploadSSHPublicKey", "iam:GetSSHPublicKey", "iam:ListSSHPublicKeys",
               "iam:UpdateSSHPublicKey", "iam:DeleteSSHPublicKey"]})
own = ssh_self.upload_ssh_public_key(UserName="ssh-self", SSHPublicKeyBody=ssh_public(rsa_key()))
assert [k["SSHPublicKeyId"] for k in ssh_self.list_ssh_public_keys()["SSHPublicKeys"]] \
    == [own["SSHPublicKey"]["SSHPublicKeyId"]]
for attempt in (
        lambda: ssh_self.list_ssh_public_keys(UserName="ssh-user"),
        lambda: ssh_self.get_ssh_public_key(UserName="ssh-user", SSHPublicKeyId=id1,
                                            Encoding="SSH"),
        lambda: ssh_self.update_ssh_public_key(UserName="ssh-user", SSHPublicKeyId=id1,
                                               Status="Active"),
        lambda: ssh_self.delete_ssh_public_key(UserName="ssh-user", SSHPublicKeyId=id1),
        lambda: ssh_self.upload_ssh_public_key(UserName="ssh-user",
                                               SSHPublicKeyBody=ssh_public(rsa_key()))):
    assert code(attempt) == "AccessDenied"
assert iam.get_ssh_public_key(UserName="ssh-user", SSHPublicKeyId=id1,
                              Encoding="SSH")["SSHPublicKey"]["Status"] == "Inactive"
# The keys move with a renamed user; a namesake gets none of them.
iam.update_user(UserName="ssh-user", NewUserName="ssh-renamed")
moved = iam.list_ssh_public_keys(UserName="ssh-renamed")["SSHPublicKeys"]
assert len(moved) == 5 and {k["UserName"] for k in moved} == {"ssh-renamed"}, moved
iam.create_user(UserName="ssh-user")
assert iam.list_ssh_public_keys(UserName="ssh-user")["SSHPublicKeys"] == []
iam.delete_user(UserName="ssh-user")
for k in moved:
    iam.delete_ssh_public_key(UserName="ssh-renamed", SSHPublicKeyId=k["SSHPublicKeyId"])
assert code(lambda: iam.delete_ssh_public_key(UserName="ssh-renamed",
                                              SSHPublicKeyId=id1)) == "NoSuchEntity"
iam.delete_user(UserName="ssh-renamed")
# The root user has no SSH keys.
assert iam.list_ssh_public_keys()["SSHPublicKeys"] == []
print("ssh public keys: ok", file=sys.stderr)

# ---------------------------------------------------------------------------------------
# Signing certificates.
iam.create_user(UserName="cert-user")
ck1, ck2 = rsa_key(), ec.generate_private_key(ec.SECP384R1())
c1, c2 = certificate(ck1, "cert-user 1"), certificate(ck2, "cert-user 2")
s1 = iam.upload_signing_certificate(UserName="cert-user", CertificateBody=c1)["Certificate"]
assert s1["UserName"] == "cert-user" and s1["Status"] == "Active", s1
assert s1["CertificateBody"] == c1 and len(s1["CertificateId"]) >= 24, s1
s2 = iam.upload_signing_certificate(UserName="cert-user", CertificateBody=c2)["Certificate"]
assert code(lambda: iam.upload_signing_certificate(
    UserName="cert-user", CertificateBody=certificate(rsa_key(), "third"))) == "LimitExceeded"
# A certificate is one user's in the account (in any PEM spelling).
iam.create_user(UserName="cert-user2")
assert code(lambda: iam.upload_signing_certificate(
    UserName="cert-user2", CertificateBody=c1)) == "DuplicateCertificate"
assert code(lambda: iam.upload_signing_certificate(
    UserName="cert-user2", CertificateBody="\n" + c1.replace("\n", "\r\n"))) == "DuplicateCertificate"
expired = certificate(rsa_key(), "old", days=-1, start=-10)
for body in ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "hello", expired,
             c1 + "trailing text", pem_public(ck1)):
    assert code(lambda: iam.upload_signing_certificate(
        UserName="cert-user2", CertificateBody=body)) == "MalformedCertificate", body[:40]
assert iam.list_signing_certificates(UserName="cert-user2")["Certificates"] == []
listed = iam.list_signing_certificates(UserName="cert-user")["Certificates"]
assert sorted(c["CertificateId"] for c in listed) == sorted([s1["CertificateId"], s2["CertificateId"]])
iam.update_signing_certificate(UserName="cert-user", CertificateId=s1["CertificateId"],
                               Status="Inactive")
status = {c["CertificateId"]: c["Status"]
          for c in iam.list_signing_certificates(UserName="cert-user")["Certificates"]}
assert status == {s1["CertificateId"]: "Inactive", s2["CertificateId"]: "Active"}, status
assert code(lambda: iam.update_signing_certificate(
    UserName="cert-user", CertificateId="A" * 28, Status="Active")) == "NoSuchEntity"
assert code(lambda: iam.delete_user(UserName="cert-user")) == "DeleteConflict"
# Without UserName the calls act on the calling user; another user's need permission.
cert_self = user_client("cert-self", {
    "Effect": "Allow", "Resource": SELF,
    "Action": ["iam:UploadSigningCertificate", "iam:ListSigningCertificates",
               "iam:UpdateSigningCertificate", "iam:DeleteSigningCertificate"]})
mine = cert_self.upload_signing_certificate(
    CertificateBody=certificate(rsa_key(), "self"))["Certificate"]
assert mine["UserName"] == "cert-self", mine
assert [c["CertificateId"] for c in cert_self.list_signing_certificates()["Certificates"]] \
    == [mine["CertificateId"]]
cert_self.update_signing_certificate(CertificateId=mine["CertificateId"], Status="Inactive")
for attempt in (
        lambda: cert_self.list_signing_certificates(UserName="cert-user"),
        lambda: cert_self.update_signing_certificate(UserName="cert-user",
                                                     CertificateId=s1["CertificateId"],
                                                     Status="Active"),
        lambda: cert_self.delete_signing_certificate(UserName="cert-user",
                                                     CertificateId=s1["CertificateId"]),
        lambda: cert_self.upload_signing_certificate(
            UserName="cert-user2", CertificateBody=certificate(rsa_key(), "x"))):
    assert code(attempt) == "AccessDenied"
cert_self.delete_signing_certificate(CertificateId=mine["CertificateId"])
assert cert_self.list_signing_certificates()["Certificates"] == []
# The credential report's certificate columns.
while iam.generate_credential_report()["State"] != "COMPLETE":
    time.sleep(0.2)
report = iam.get_credential_report()["Content"].decode().splitlines()
columns = report[0].split(",")
row = dict(zip(columns, next(r for r in report if r.startswith("cert-user,")).split(",")))
assert row["cert_1_active"] == "false" and row["cert_2_active"] == "true", row
assert row["cert_1_last_rotated"] != "N/A" and row["cert_2_last_rotated"] != "N/A", row
row = dict(zip(columns, next(r for r in report if r.startswith("cert-user2,")).split(",")))
assert (row["cert_1_active"], row["cert_1_last_rotated"]) == ("false", "N/A"), row
# A renamed user keeps its certificates; deleted ones free the certificate for another user.
iam.update_user(UserName="cert-user", NewUserName="cert-renamed")
moved = iam.list_signing_certificates(UserName="cert-renamed")["Certificates"]
assert len(moved) == 2 and {c["UserName"] for c in moved} == {"cert-renamed"}, moved
for c in moved:
    iam.delete_signing_certificate(UserName="cert-renamed", CertificateId=c["CertificateId"])
iam.delete_user(UserName="cert-renamed")
again = iam.upload_signing_certificate(UserName="cert-user2", CertificateBody=c1)["Certificate"]
iam.delete_signing_certificate(UserName="cert-user2", CertificateId=again["CertificateId"])
# The root user's own certificates.
summary = iam.get_account_summary()["SummaryMap"]
assert summary["AccountSigningCertificatesPresent"] == 0 and summary["SigningCertificatesPerUserQuota"] == 2
rc = iam.upload_signing_certificate(CertificateBody=certificate(rsa_key(), "root"))["Certificate"]
assert rc["UserName"] == account, rc
assert iam.get_account_summary()["SummaryMap"]["AccountSigningCertificatesPresent"] == 1
assert [c["CertificateId"] for c in iam.list_signing_certificates()["Certificates"]] \
    == [rc["CertificateId"]]
iam.delete_signing_certificate(CertificateId=rc["CertificateId"])
assert iam.get_account_summary()["SummaryMap"]["AccountSigningCertificatesPresent"] == 0
print("signing certificates: ok", file=sys.stderr)

# ---------------------------------------------------------------------------------------
# Server certificates.
root_ca, inter_ca, leaf_key = rsa_key(), rsa_key(), rsa_key()
root_pem = certificate(root_ca, "Rolegate Test Root", days=365, ca=True)
inter_pem = certificate(inter_ca, "Rolegate Test Intermediate", (root_ca, "Rolegate Test Root"),
                        days=200, ca=True)
leaf_pem = certificate(leaf_key, "www.example.com", (inter_ca, "Rolegate Test Intermediate"),
                       days=90)
leaf_private = private_pem(leaf_key)
ec_key = ec.generate_private_key(ec.SECP256R1())
ec_pem = certificate(ec_key, "ec.example.com")
ec_private = private_pem(ec_key, serialization.PrivateFormat.TraditionalOpenSSL)
rsa1_key = rsa_key()
rsa1_pem = certificate(rsa1_key, "rsa1.example.com")
rsa1_private = private_pem(rsa1_key, serialization.PrivateFormat.TraditionalOpenSSL)
assert "BEGIN EC PRIVATE KEY" in ec_private and "BEGIN RSA PRIVATE KEY" in rsa1_private
private_keys += [leaf_private, ec_private, rsa1_private]
chain = inter_pem + root_pem

out = iam.upload_server_certificate(
    ServerCertificateName="web", Path="/cdn/", CertificateBody=leaf_pem, PrivateKey=leaf_private,
    CertificateChain=chain, Tags=[{"Key": "team", "Value": "edge"}])
meta = out["ServerCertificateMetadata"]
assert meta["Arn"] == f"arn:aws:iam::{account}:server-certificate/cdn/web", meta
assert meta["Path"] == "/cdn/" and meta["ServerCertificateName"] == "web", meta
assert meta["ServerCertificateId"].startswith("ASCA"), meta
leaf = x509.load_pem_x509_certificate(leaf_pem.encode())
assert meta["Expiration"].replace(microsecond=0) == leaf.not_valid_after_utc.replace(microsecond=0), meta
assert out["Tags"] == [{"Key": "team", "Value": "edge"}], out
iam.upload_server_certificate(ServerCertificateName="web-ec", CertificateBody=ec_pem,
                              PrivateKey=ec_private)
iam.upload_server_certificate(ServerCertificateName="web-rsa1", CertificateBody=rsa1_pem,
                              PrivateKey=rsa1_private, Path="/other/")
# Bad uploads: AWS's errors, nothing stored.
other_key = private_pem(rsa_key())
private_keys.append(other_key)
bad = [
    (dict(CertificateBody=leaf_pem, PrivateKey=other_key), "KeyPairMismatch"),
    (dict(CertificateBody=ec_pem, PrivateKey=leaf_private), "KeyPairMismatch"),
    (dict(CertificateBody="-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
          PrivateKey=leaf_private), "MalformedCertificate"),
    (dict(CertificateBody=leaf_pem, PrivateKey="not a key"), "MalformedCertificate"),
    (dict(CertificateBody=leaf_pem, PrivateKey=leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pass")).decode()), "MalformedCertificate"),
    (dict(CertificateBody=leaf_pem, PrivateKey=leaf_private, CertificateChain=root_pem + inter_pem),
     "MalformedCertificate"),
    (dict(CertificateBody=leaf_pem, PrivateKey=leaf_private, CertificateChain=ec_pem),
     "MalformedCertificate"),
    (dict(CertificateBody=leaf_pem, PrivateKey=leaf_private, CertificateChain="garbage"),
     "MalformedCertificate"),
    (dict(CertificateBody=certificate(leaf_key, "expired", days=-1, start=-5),
          PrivateKey=leaf_private), "MalformedCertificate"),
    (dict(CertificateBody=leaf_pem, PrivateKey=leaf_private, Path="no-slash"), "ValidationError"),
    # A chain of more than ten certificates is refused before any is parsed.
    (dict(CertificateBody=leaf_pem, PrivateKey=leaf_private, CertificateChain=chain * 6),
     "LimitExceeded"),
    # The private key pasted where a certificate goes.
    (dict(CertificateBody=leaf_private, PrivateKey=leaf_private), "MalformedCertificate"),
    (dict(CertificateBody=leaf_pem + leaf_private, PrivateKey=leaf_private),
     "MalformedCertificate"),
    (dict(CertificateBody=leaf_pem, PrivateKey=leaf_private, CertificateChain=leaf_private),
     "MalformedCertificate"),
    (dict(CertificateBody=leaf_pem, PrivateKey=leaf_private, CertificateChain=chain + leaf_private),
     "MalformedCertificate"),
]
for params, expected in bad:
    got = error(lambda: iam.upload_server_certificate(ServerCertificateName="bad", **params))
    assert got["Code"] == expected, (params.keys(), got, expected)
    for pk in private_keys:
        assert pk.splitlines()[1] not in got["Message"], "a private key in an error"
assert code(lambda: iam.get_server_certificate(ServerCertificateName="bad")) == "NoSuchEntity"

# A private key pasted into any other field is never repeated: not in an error message (even
# one that quotes the value, as a model violation does), not in the audit trail.
misplaced_key = rsa_key()
misplaced = private_pem(misplaced_key)
misplaced_rsa = private_pem(misplaced_key, serialization.PrivateFormat.TraditionalOpenSSL)
misplaced_openssh = misplaced_key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
    serialization.NoEncryption()).decode()
private_keys += [misplaced, misplaced_rsa, misplaced_openssh]
iam.create_user(UserName="misplaced-user")
wrong_fields = [
    (lambda: iam.upload_ssh_public_key(UserName="misplaced-user", SSHPublicKeyBody=misplaced),
     "UnrecognizedPublicKeyEncoding"),
    (lambda: iam.upload_ssh_public_key(UserName="misplaced-user",
                                       SSHPublicKeyBody=misplaced_openssh),
     "UnrecognizedPublicKeyEncoding"),
    (lambda: iam.upload_signing_certificate(UserName="misplaced-user", CertificateBody=misplaced_rsa),
     "MalformedCertificate"),
    (lambda: iam.upload_server_certificate(ServerCertificateName="misplaced",
                                           CertificateBody=misplaced, PrivateKey=misplaced),
     "MalformedCertificate"),
    (lambda: iam.upload_server_certificate(ServerCertificateName="misplaced",
                                           CertificateBody=leaf_pem, PrivateKey=leaf_private,
                                           CertificateChain=misplaced_rsa),
     "MalformedCertificate"),
    # Model violations, whose messages quote the value: a character outside the pattern, a
    # key too long for the member, a key as a name.
    (lambda: iam.upload_server_certificate(ServerCertificateName="misplaced",
                                           CertificateBody=misplaced + "\u0100",
                                           PrivateKey=leaf_private), "ValidationError"),
    (lambda: iam.upload_ssh_public_key(UserName="misplaced-user",
                                       SSHPublicKeyBody=misplaced * 10), "ValidationError"),
    (lambda: iam.upload_signing_certificate(UserName=misplaced_rsa, CertificateBody=leaf_pem),
     "ValidationError"),
]
for call, expected in wrong_fields:
    got = error(call)
    assert got["Code"] == expected, (got, expected)
    for pk in (misplaced, misplaced_rsa, misplaced_openssh):
        for line in pk.splitlines()[1:-1]:
            assert line not in got["Message"], ("a private key in an error", got)
        assert "PRIVATE KEY" not in got["Message"], got
assert iam.list_ssh_public_keys(UserName="misplaced-user")["SSHPublicKeys"] == []
assert iam.list_signing_certificates(UserName="misplaced-user")["Certificates"] == []
assert code(lambda: iam.get_server_certificate(ServerCertificateName="misplaced")) == "NoSuchEntity"
# The refusals are recorded, each with the misplaced key's member hidden.
recorded = {}
for event_name, member in [("UploadSSHPublicKey", "sSHPublicKeyBody"),
                           ("UploadSigningCertificate", "certificateBody"),
                           ("UploadServerCertificate", "certificateBody")]:
    for page in trail.get_paginator("lookup_events").paginate(LookupAttributes=[
            {"AttributeKey": "EventName", "AttributeValue": event_name}]):
        for e in page["Events"]:
            text = e["CloudTrailEvent"]
            for pk in (misplaced, misplaced_rsa, misplaced_openssh):
                for line in pk.splitlines()[1:-1]:
                    assert line not in text, ("a private key in an event", text)
            assert "PRIVATE KEY" not in text, text
            ev = json.loads(text)
            if ev.get("errorCode") and "HIDDEN_DUE_TO_SECURITY_REASONS" in json.dumps(
                    ev.get("requestParameters")):
                recorded[event_name] = recorded.get(event_name, 0) + 1
assert recorded.get("UploadSSHPublicKey", 0) >= 1, recorded
assert recorded.get("UploadSigningCertificate", 0) >= 1, recorded
assert recorded.get("UploadServerCertificate", 0) >= 2, recorded
assert code(lambda: iam.upload_server_certificate(
    ServerCertificateName="WEB", CertificateBody=leaf_pem,
    PrivateKey=leaf_private)) == "EntityAlreadyExists"
# Reads: body, chain, metadata, tags; never the private key.
got = iam.get_server_certificate(ServerCertificateName="web")
cert = got["ServerCertificate"]
# Without the surrounding whitespace, as AWS answers them.
assert cert["CertificateBody"] == leaf_pem.strip(), cert
assert cert["CertificateChain"] == chain.strip(), cert
assert cert["ServerCertificateMetadata"] == meta, (cert["ServerCertificateMetadata"], meta)
assert cert["Tags"] == [{"Key": "team", "Value": "edge"}], cert
listed = iam.list_server_certificates()["ServerCertificateMetadataList"]
assert [m["ServerCertificateName"] for m in listed] == ["web", "web-ec", "web-rsa1"], listed
assert [m["ServerCertificateName"] for m in iam.list_server_certificates(
    PathPrefix="/cdn/")["ServerCertificateMetadataList"]] == ["web"]
page = iam.list_server_certificates(MaxItems=2)
assert page["IsTruncated"] and len(page["ServerCertificateMetadataList"]) == 2
rest = iam.list_server_certificates(Marker=page["Marker"])
assert [m["ServerCertificateName"] for m in rest["ServerCertificateMetadataList"]] == ["web-rsa1"]
reads = [got, listed, page, rest]
# Tags.
iam.tag_server_certificate(ServerCertificateName="web", Tags=[{"Key": "env", "Value": "prod"}])
tags = iam.list_server_certificate_tags(ServerCertificateName="web")["Tags"]
assert sorted(t["Key"] for t in tags) == ["env", "team"], tags
iam.untag_server_certificate(ServerCertificateName="web", TagKeys=["team"])
assert iam.list_server_certificate_tags(ServerCertificateName="web")["Tags"] == [
    {"Key": "env", "Value": "prod"}]
assert code(lambda: iam.tag_server_certificate(
    ServerCertificateName="web", Tags=[{"Key": "aws:x", "Value": "v"}])) == "InvalidInput"
assert code(lambda: iam.list_server_certificate_tags(ServerCertificateName="none")) == "NoSuchEntity"
# Rename and move.
iam.update_server_certificate(ServerCertificateName="web", NewServerCertificateName="web2",
                              NewPath="/edge/")
assert code(lambda: iam.get_server_certificate(ServerCertificateName="web")) == "NoSuchEntity"
meta2 = iam.get_server_certificate(ServerCertificateName="web2")["ServerCertificate"][
    "ServerCertificateMetadata"]
assert meta2["Arn"] == f"arn:aws:iam::{account}:server-certificate/edge/web2", meta2
assert meta2["ServerCertificateId"] == meta["ServerCertificateId"], meta2
assert code(lambda: iam.update_server_certificate(
    ServerCertificateName="web2", NewServerCertificateName="web-ec")) == "EntityAlreadyExists"
# Authorized on the stored certificate's ARN (path included) and on a rename's target.
admin = user_client("cert-admin", {
    "Effect": "Allow", "Action": "iam:*ServerCertificate*",
    "Resource": f"arn:aws:iam::{account}:server-certificate/edge/*"})
admin.get_server_certificate(ServerCertificateName="WEB2")
assert code(lambda: admin.get_server_certificate(ServerCertificateName="web-ec")) == "AccessDenied"
assert code(lambda: admin.update_server_certificate(
    ServerCertificateName="web2", NewPath="/cdn/")) == "AccessDenied"
assert code(lambda: admin.delete_server_certificate(ServerCertificateName="web-rsa1")) == "AccessDenied"
assert code(lambda: admin.list_server_certificates()) == "AccessDenied"
reads.append(admin.get_server_certificate(ServerCertificateName="web2"))
# The account's summary and quota.
summary = iam.get_account_summary()["SummaryMap"]
assert summary["ServerCertificates"] == 3 and summary["ServerCertificatesQuota"] == 20, summary
for n in range(17):
    iam.upload_server_certificate(ServerCertificateName=f"bulk-{n}", CertificateBody=rsa1_pem,
                                  PrivateKey=rsa1_private)
assert code(lambda: iam.upload_server_certificate(
    ServerCertificateName="one-too-many", CertificateBody=rsa1_pem,
    PrivateKey=rsa1_private)) == "LimitExceeded"
for n in range(17):
    iam.delete_server_certificate(ServerCertificateName=f"bulk-{n}")
# No private key in any read.
text = json.dumps(reads, default=str)
# The private keys' full base64 lines, less those the certificates share (a private key holds
# the public key too: the lines of the modulus can be in the certificate, at the same offset).
PUBLIC = leaf_pem + chain + ec_pem + rsa1_pem
KEY_LINES = [line for pk in private_keys for line in pk.splitlines()[1:-1]
             if len(line) == 64 and line not in PUBLIC]
assert len(KEY_LINES) > 50, len(KEY_LINES)
for line in KEY_LINES:
    assert line not in text, "a private key in a read"
assert "PrivateKey" not in text
for n in ("web2", "web-ec", "web-rsa1"):
    iam.delete_server_certificate(ServerCertificateName=n)
assert iam.list_server_certificates()["ServerCertificateMetadataList"] == []
assert code(lambda: iam.delete_server_certificate(ServerCertificateName="web2")) == "NoSuchEntity"
print("server certificates: ok", file=sys.stderr)

# ---------------------------------------------------------------------------------------
# The audit trail has the uploads, with the private key hidden.
events = []
for page in trail.get_paginator("lookup_events").paginate(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "UploadServerCertificate"}]):
    events += [json.loads(e["CloudTrailEvent"]) for e in page["Events"]]
uploaded = [e for e in events if "errorCode" not in e]
assert len(uploaded) >= 3, len(uploaded)
for e in events:
    assert e["requestParameters"]["privateKey"] == "HIDDEN_DUE_TO_SECURITY_REASONS", e
for page in trail.get_paginator("lookup_events").paginate():
    for e in page["Events"]:
        for pk in private_keys:
            assert pk.splitlines()[1] not in e["CloudTrailEvent"], "a private key in an event"

with open(secrets_path, "w") as f:
    f.write("\n".join(KEY_LINES) + "\n")
print("ok")
