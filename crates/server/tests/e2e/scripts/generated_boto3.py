"""Tests generated over botocore's IAM and STS models (issue 11, catalogue J-16, J-17, J-20):
every operation the model has is tried, so an operation added later is covered without a line
written for it.

1. Respelled names: for every operation and every member that names an entity (a user, group,
   role, instance profile, managed policy, MFA device, or a principal by ARN), the decision
   for each respelling of a denied entity's name is the decision for its stored spelling.
2. Renames and moves: for every operation with a `New…Name`/`NewPath` member, a Deny on the
   target alone refuses it and nothing changes.
3. Hostile strings: every response to every operation — success or error, with entities whose
   free-text fields hold every character the model allows and with requests whose string
   members hold characters it forbids — is well-formed XML that botocore parses.

Argv: endpoint, root key, root secret, account. Prints the shares it measured, then `ok`.
"""
import datetime
import json
import sys
import xml.etree.ElementTree as ET

import botocore
import botocore.session
from botocore import xform_name

import rolegate_boto3

endpoint, root_key, root_secret, account = sys.argv[1:5]
RESPONSES = []


def capture(http_response=None, **_):
    RESPONSES.append(http_response.content)


def client(service, key, secret, token=None):
    c = rolegate_boto3.client(endpoint, service, key, secret, token, parameter_validation=False)
    c.meta.events.register("after-call", capture)
    return c


def doc(*statements):
    return rolegate_boto3.doc(statements)


def arn(kind, name):
    return f"arn:aws:iam::{account}:{kind}/{name}"


def spellings(name):
    return [name, name.lower(), name.upper(), name.swapcase()]


root = client("iam", root_key, root_secret)
models = {s: botocore.session.get_session().get_service_model(s) for s in ("iam", "sts")}
TRUST = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
             "Action": "sts:AssumeRole"})

# The entities whose names are respelled (tagged, for the resource-tag check), and harmless
# others for the remaining members.
GUARD = [{"Key": "Guard", "Value": "deny"}]
root.create_user(UserName="GenUser", Tags=GUARD)
root.create_user(UserName="OtherUser")
root.create_group(GroupName="GenGroup")
root.create_group(GroupName="OtherGroup")
root.create_role(RoleName="GenRole", AssumeRolePolicyDocument=TRUST, Tags=GUARD)
root.create_role(RoleName="OtherRole", AssumeRolePolicyDocument=TRUST)
root.create_instance_profile(InstanceProfileName="GenProf", Tags=GUARD)
root.create_instance_profile(InstanceProfileName="OtherProf")
root.create_policy(PolicyName="GenPol", Tags=GUARD, PolicyDocument=doc(
    {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}))
root.create_policy(PolicyName="OtherPol", PolicyDocument=doc(
    {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}))
root.create_virtual_mfa_device(VirtualMFADeviceName="GenMfa", Tags=GUARD)

ENTITIES = {  # member name -> (stored name, value for a spelling)
    "UserName": ("GenUser", lambda n: n),
    "GroupName": ("GenGroup", lambda n: n),
    "RoleName": ("GenRole", lambda n: n),
    "InstanceProfileName": ("GenProf", lambda n: n),
    "PolicyArn": ("GenPol", lambda n: arn("policy", n)),
    "PermissionsBoundary": ("GenPol", lambda n: arn("policy", n)),
    "SerialNumber": ("GenMfa", lambda n: arn("mfa", n)),
    "PolicySourceArn": ("GenUser", lambda n: arn("user", n)),
    "RoleArn": ("GenRole", lambda n: arn("role", n)),
    "Arn": ("GenUser", lambda n: arn("user", n)),
}
DENIED = [arn("user", "GenUser"), arn("group", "GenGroup"), arn("role", "GenRole"),
          arn("instance-profile", "GenProf"), arn("policy", "GenPol"), arn("mfa", "GenMfa")]
OTHER = {
    "UserName": "OtherUser", "GroupName": "OtherGroup", "RoleName": "OtherRole",
    "InstanceProfileName": "OtherProf", "PolicyArn": arn("policy", "OtherPol"),
    "PolicyDocument": doc({"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}),
    "AssumeRolePolicyDocument": TRUST, "PolicyName": "inline", "Status": "Active",
    "VersionId": "v1", "AuthenticationCode1": "123456", "AuthenticationCode2": "654321",
    "AccessKeyId": "AKIAAAAAAAAAAAAAAAAA", "SerialNumber": arn("mfa", "OtherMfa"),
    "PolicySourceArn": arn("user", "OtherUser"), "RoleArn": arn("role", "OtherRole"),
    "Arn": arn("user", "OtherUser"),
    "RoleSessionName": "gen", "Name": "gen", "VirtualMFADeviceName": "OtherMfa",
    "EncodedMessage": "x", "PermissionsBoundary": arn("policy", "OtherPol"),
    "ActionNames": ["iam:GetUser"], "TagKeys": ["k"], "Tags": [{"Key": "k", "Value": "v"}],
}


def value(shape, member):
    """A value of the right type for a required member."""
    if member in OTHER:
        return OTHER[member]
    t = shape.type_name
    if t == "string":
        return shape.enum[0] if shape.enum else "gen"
    if t in ("integer", "long"):
        return max(1, shape.metadata.get("min", 1))
    if t == "boolean":
        return False
    if t == "timestamp":
        return datetime.datetime(2026, 1, 1)
    if t == "blob":
        return b"gen"
    if t == "list":
        return [value(shape.member, member)]
    if t == "map":
        return {}
    return {m: value(shape.members[m], m) for m in shape.required_members}


def call(c, op, params):
    """The outcome of one call: `AccessDenied`, another error code, or `ok`."""
    try:
        getattr(c, xform_name(op))(**params)
        return "ok"
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]


def required(op_model):
    shape = op_model.input_shape
    if shape is None:
        return {}
    return {m: value(shape.members[m], m) for m in shape.required_members}


# ---------------------------------------------------------------------------------------
# 1. Respelled names under an explicit Deny on the entity.
root.create_user(UserName="gen-attacker")
root.put_user_policy(UserName="gen-attacker", PolicyName="p", PolicyDocument=doc(
    {"Effect": "Allow", "Action": ["iam:*", "sts:*"], "Resource": "*"},
    {"Effect": "Deny", "Action": ["iam:*", "sts:*"], "Resource": DENIED}))
k = root.create_access_key(UserName="gen-attacker")["AccessKey"]
attacker = {s: client(s, k["AccessKeyId"], k["SecretAccessKey"]) for s in ("iam", "sts")}

# The same Deny written on the entities' tags instead of their ARNs.
root.create_user(UserName="gen-tag-attacker")
root.put_user_policy(UserName="gen-tag-attacker", PolicyName="p", PolicyDocument=doc(
    {"Effect": "Allow", "Action": ["iam:*", "sts:*"], "Resource": "*"},
    {"Effect": "Deny", "Action": ["iam:*", "sts:*"], "Resource": "*",
     "Condition": {"StringEquals": {"aws:ResourceTag/Guard": "deny"}}}))
k = root.create_access_key(UserName="gen-tag-attacker")["AccessKey"]
tag_attacker = {s: client(s, k["AccessKeyId"], k["SecretAccessKey"]) for s in ("iam", "sts")}

answered, unanswered, checked, denied_checked, tag_checked = set(), set(), 0, 0, 0
for service, model in models.items():
    for op in model.operation_names:
        op_model = model.operation_model(op)
        members = op_model.input_shape.members if op_model.input_shape else {}
        if call(attacker[service], op, required(op_model)) == "InvalidAction":
            unanswered.add(f"{service}:{op}")
            continue
        answered.add(f"{service}:{op}")
        for member in members:
            if member not in ENTITIES:
                continue
            stored, spell = ENTITIES[member]
            outcomes = []
            for s in spellings(stored):
                params = required(op_model)
                params[member] = spell(s)
                outcomes.append(call(attacker[service], op, params))
            decisions = [o == "AccessDenied" for o in outcomes]
            assert len(set(decisions)) == 1, (op, member, outcomes)
            checked += 1
            denied_checked += decisions[0]
            # A Deny on the entity's tags decides as the Deny on its ARN (groups have no tags).
            if member != "GroupName" and decisions[0]:
                params = required(op_model)
                params[member] = spell(stored.swapcase())
                outcome = call(tag_attacker[service], op, params)
                assert outcome == "AccessDenied", ("aws:ResourceTag", op, member, outcome)
                tag_checked += 1

for service, model in models.items():
    n = sum(1 for a in answered if a.startswith(f"{service}:"))
    print(f"{service}: answered {n}/{len(model.operation_names)} model operations",
          file=sys.stderr)
print(f"answered {len(answered)} of {len(answered) + len(unanswered)} model operations",
      file=sys.stderr)
# Every operation of the models answers (issue 17): none is InvalidAction.
assert not unanswered, sorted(unanswered)
print(f"respelling: {checked} (operation, entity member) pairs, {denied_checked} denied "
      "for the stored spelling and for every respelling", file=sys.stderr)
print(f"resource tags: {tag_checked} of them denied by a Deny on the entity's tags too",
      file=sys.stderr)
assert tag_checked >= 50, tag_checked
assert len(answered) >= 90, len(answered)
assert denied_checked >= 60, denied_checked
# Nothing the attacker tried on the denied entities happened.
assert root.list_access_keys(UserName="GenUser")["AccessKeyMetadata"] == []
assert root.list_attached_user_policies(UserName="GenUser")["AttachedPolicies"] == []
assert root.get_role(RoleName="GenRole")["Role"]["AssumeRolePolicyDocument"] == json.loads(TRUST)
assert len(root.list_policy_versions(PolicyArn=arn("policy", "GenPol"))["Versions"]) == 1

# ---------------------------------------------------------------------------------------
# 2. A Deny on a rename's or a move's target alone refuses it.
root.create_user(UserName="MoveUser")
root.create_group(GroupName="MoveGroup")
OTHER.update({"UserName": "MoveUser", "GroupName": "MoveGroup"})
root.create_user(UserName="gen-mover")
root.put_user_policy(UserName="gen-mover", PolicyName="p", PolicyDocument=doc(
    {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
    {"Effect": "Deny", "Action": "iam:*", "Resource": [
        f"arn:aws:iam::{account}:*/forbidden/*", f"arn:aws:iam::{account}:*/Forbidden"]}))
k = root.create_access_key(UserName="gen-mover")["AccessKey"]
mover = client("iam", k["AccessKeyId"], k["SecretAccessKey"])
moves = 0
for op in models["iam"].operation_names:
    op_model = models["iam"].operation_model(op)
    members = op_model.input_shape.members if op_model.input_shape else {}
    targets = [m for m in members if m.startswith("New") and (m.endswith("Name") or m == "NewPath")]
    if not targets or f"iam:{op}" not in answered:
        continue
    for t in targets:
        params = required(op_model)
        params[t] = "/forbidden/" if t == "NewPath" else "Forbidden"
        outcome = call(mover, op, params)
        assert outcome == "AccessDenied", (op, t, outcome)
        moves += 1
assert moves >= 4, moves
assert root.get_user(UserName="MoveUser")["User"]["Path"] == "/"
assert root.get_group(GroupName="MoveGroup")["Group"]["Path"] == "/"
print(f"renames and moves: {moves} target members denied", file=sys.stderr)

# ---------------------------------------------------------------------------------------
# 3. Hostile strings in every response.
ALLOWED = "<>&'\"\r\n\t]]>é\u2028\u00a0\U0001F600"
TAG = "é\u00a0\u3000\u2028\u2029:/=+-@_. 9٣"
root.create_user(UserName="hostile", Path="/<&>'\"!~/",
                 Tags=[{"Key": "k\u2029é", "Value": TAG}])
root.create_role(RoleName="hostile", AssumeRolePolicyDocument=TRUST, Path="/<&>'\"!~/",
                 Description="<>&'\"\t\n\ré", Tags=[{"Key": "k", "Value": TAG}])
root.put_role_policy(RoleName="hostile", PolicyName="h+=,.@-", PolicyDocument=doc(
    {"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*",
     "Condition": {"StringEquals": {"aws:username": ALLOWED}}}))
root.create_policy(PolicyName="hostile", Path="/h/", Description="<>&'\"\t\n\ré",
                   PolicyDocument=doc({"Effect": "Allow", "Action": "iam:GetUser",
                                       "Resource": "*",
                                       "Condition": {"StringLike": {"aws:username": ALLOWED}}}))
root.create_group(GroupName="hostile", Path="/<&>'\"!~/")
root.create_instance_profile(InstanceProfileName="hostile", Path="/<&>'\"!~/",
                             Tags=[{"Key": "k", "Value": TAG}])
# A SAML provider whose metadata and tags hold hostile text (XML-escaped in the document).
def saml_metadata(entity_id):
    from xml.sax.saxutils import quoteattr
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    import base64
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hostile-idp")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=2))
            .sign(key, hashes.SHA256()))
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return ('<?xml version="1.0"?><md:EntityDescriptor '
            'xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
            'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID=' + quoteattr(entity_id) +
            '><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
            '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>' + der +
            '</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
            '</md:IDPSSODescriptor></md:EntityDescriptor>')


saml_arn = root.create_saml_provider(
    Name="hostile", SAMLMetadataDocument=saml_metadata("https://idp.example/<&>'\"é\u2028]]>"),
    Tags=[{"Key": "k", "Value": TAG}])["SAMLProviderArn"]
OTHER.update({"UserName": "hostile", "RoleName": "hostile", "GroupName": "hostile",
              "InstanceProfileName": "hostile", "PolicyName": "h+=,.@-",
              "PolicyArn": f"arn:aws:iam::{account}:policy/h/hostile",
              "SAMLProviderArn": saml_arn})
root_sts = client("sts", root_key, root_secret)
clients = {"iam": root, "sts": root_sts}
READ = ("Get", "List", "Simulate", "Decode")
RESPONSES.clear()
reads = 0
for service, model in models.items():
    for op in model.operation_names:
        if not op.startswith(READ) or f"{service}:{op}" not in answered:
            continue
        call(clients[service], op, required(model.operation_model(op)))
        reads += 1
# Requests whose string members hold what the model forbids: the errors echo them.
FORBIDDEN = "x\x01\x0b\x0c\x1f\ufffe<&>"
for service, model in models.items():
    for op in model.operation_names:
        op_model = model.operation_model(op)
        if op_model.input_shape is None:
            continue
        params = required(op_model)
        for m in list(params):
            if isinstance(params[m], str):
                params[m] = FORBIDDEN
        call(clients[service], op, params)
for body in RESPONSES:
    ET.fromstring(body)  # well-formed XML 1.0, or this raises
print(f"hostile strings: {reads} read operations, {len(RESPONSES)} responses parsed",
      file=sys.stderr)
assert reads >= 40, reads

print("ok")
