"""Console passwords and account aliases through boto3: the account password policy, login
profiles (Argon2id; never returned), ChangePassword with the policy's rules, its grant and its
guessing throttle, DeleteUser's conflict, escalation attempts on other users' passwords, and
account aliases unique across accounts.
argv: endpoint, root key, root secret, account, partner key, partner secret."""

import json
import sys

from rolegate_boto3 import bound, doc, error
from rolegate_boto3 import client as configured

endpoint, key, secret, account, partner_key, partner_secret = sys.argv[1:7]
client, _ = bound(endpoint)
iam = client("iam", key, secret)
# Bad input must reach the server: boto3 would refuse it before sending.
unchecked = configured(endpoint, "iam", key, secret, parameter_validation=False)
seen = []  # every response body, to prove no password ever comes back


def call(fn, **kw):
    r = fn(**kw)
    seen.append(json.dumps(r, default=str))
    return r


PASSWORDS = ["Correct-Horse-9", "Battery-Staple-7", "Another-Secret-5", "weakpass"]

# --- the account password policy -------------------------------------------------------------
assert error(lambda: iam.get_account_password_policy())["Code"] == "NoSuchEntity"
assert error(lambda: iam.delete_account_password_policy())["Code"] == "NoSuchEntity"
assert error(lambda: unchecked.update_account_password_policy(MinimumPasswordLength=5))["Code"] == "ValidationError"
assert error(lambda: unchecked.update_account_password_policy(PasswordReusePrevention=25))["Code"] == "ValidationError"
assert error(lambda: iam.get_account_password_policy())["Code"] == "NoSuchEntity", "bad input changed nothing"

# --- login profiles under AWS's default policy (8 characters, three character types) --------
call(iam.create_user, UserName="alice")
assert error(lambda: iam.create_login_profile(UserName="alice", Password="weakpass"))["Code"] == "PasswordPolicyViolation"
assert error(lambda: iam.get_login_profile(UserName="alice"))["Code"] == "NoSuchEntity", "nothing was created"
p = call(iam.create_login_profile, UserName="alice", Password=PASSWORDS[0], PasswordResetRequired=True)["LoginProfile"]
assert p["UserName"] == "alice" and p["PasswordResetRequired"] is True and "CreateDate" in p, p
assert "Password" not in p
assert error(lambda: iam.create_login_profile(UserName="alice", Password=PASSWORDS[1]))["Code"] == "EntityAlreadyExists"
assert error(lambda: iam.create_login_profile(UserName="nobody", Password=PASSWORDS[1]))["Code"] == "NoSuchEntity"
assert error(lambda: iam.get_login_profile(UserName="nobody"))["Code"] == "NoSuchEntity"
g = call(iam.get_login_profile, UserName="ALICE")["LoginProfile"]
assert g["UserName"] == "alice" and g["PasswordResetRequired"] is True, g
call(iam.update_login_profile, UserName="alice", PasswordResetRequired=False)
assert call(iam.get_login_profile, UserName="alice")["LoginProfile"]["PasswordResetRequired"] is False
assert error(lambda: iam.delete_user(UserName="alice"))["Code"] == "DeleteConflict"

# --- a custom policy, enforced on every password set -----------------------------------------
call(iam.update_account_password_policy, MinimumPasswordLength=12, RequireSymbols=True,
     RequireNumbers=True, RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
     PasswordReusePrevention=2, MaxPasswordAge=90)
pp = call(iam.get_account_password_policy)["PasswordPolicy"]
assert pp["MinimumPasswordLength"] == 12 and pp["RequireSymbols"] and pp["RequireNumbers"], pp
assert pp["PasswordReusePrevention"] == 2 and pp["MaxPasswordAge"] == 90 and pp["ExpirePasswords"], pp
assert pp["AllowUsersToChangePassword"] is False, pp
for weak in ["Short-9a", "correct-horse-9", "CORRECT-HORSE-9", "Correct-Horse-x", "CorrectHorse99"]:
    e = error(lambda: iam.update_login_profile(UserName="alice", Password=weak))
    assert e["Code"] == "PasswordPolicyViolation", e
    assert weak not in e["Message"], e
# Reuse prevention: the current password cannot be set again.
e = error(lambda: iam.update_login_profile(UserName="alice", Password=PASSWORDS[0]))
assert e["Code"] == "PasswordPolicyViolation" and "last 2" in e["Message"], e
call(iam.update_login_profile, UserName="alice", Password=PASSWORDS[1])

# --- ChangePassword: a user's own, with the old password -------------------------------------
k = call(iam.create_access_key, UserName="alice")["AccessKey"]
alice = client("iam", k["AccessKeyId"], k["SecretAccessKey"])
# No permission yet: neither a policy nor the password policy's grant.
e = error(lambda: alice.change_password(OldPassword=PASSWORDS[1], NewPassword=PASSWORDS[2]))
assert e["Code"] == "AccessDenied", e
# The password policy's AllowUsersToChangePassword grants it (and GetAccountPasswordPolicy).
call(iam.update_account_password_policy, MinimumPasswordLength=12, RequireSymbols=True,
     RequireNumbers=True, RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
     PasswordReusePrevention=2, AllowUsersToChangePassword=True)
assert alice.get_account_password_policy()["PasswordPolicy"]["AllowUsersToChangePassword"] is True
# ...but not on anyone else, and not past an explicit Deny.
assert error(lambda: alice.update_login_profile(UserName="alice", Password=PASSWORDS[2]))["Code"] == "AccessDenied"
call(iam.put_user_policy, UserName="alice", PolicyName="no-change", PolicyDocument=doc([
    {"Effect": "Deny", "Action": "iam:ChangePassword", "Resource": "*"}]))
assert error(lambda: alice.change_password(OldPassword=PASSWORDS[1], NewPassword=PASSWORDS[2]))["Code"] == "AccessDenied"
call(iam.delete_user_policy, UserName="alice", PolicyName="no-change")
# Reuse: neither of the last two passwords.
for reused in PASSWORDS[:2]:
    e = error(lambda: alice.change_password(OldPassword=PASSWORDS[1], NewPassword=reused))
    assert e["Code"] == "PasswordPolicyViolation", e
alice.change_password(OldPassword=PASSWORDS[1], NewPassword=PASSWORDS[2])
# The root user has no login profile to change through this call.
assert error(lambda: iam.change_password(OldPassword=PASSWORDS[2], NewPassword=PASSWORDS[1]))["Code"] == "InvalidUserType"

# The old password cannot be guessed: five wrong guesses lock the checks, and then even the
# right password is refused (same error, no check) until the lockout ends.
for n in range(5):
    e = error(lambda: alice.change_password(OldPassword=f"Wrong-Guess-{n}x", NewPassword="Brand-New-Pass-1"))
    assert e["Code"] == "AccessDenied", e
e = error(lambda: alice.change_password(OldPassword=PASSWORDS[2], NewPassword="Brand-New-Pass-1"))
assert e["Code"] == "AccessDenied", ("locked", e)
# An administrator can still reset it.
call(iam.update_login_profile, UserName="alice", Password="Admin-Reset-42!")

# --- escalation: managing another user's password needs permission on that user -------------
call(iam.create_user, UserName="bob")
call(iam.create_user, UserName="admin")
call(iam.attach_user_policy, UserName="admin", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
call(iam.put_user_policy, UserName="bob", PolicyName="own-profile", PolicyDocument=doc([
    {"Effect": "Allow", "Action": ["iam:CreateLoginProfile", "iam:UpdateLoginProfile",
                                    "iam:GetLoginProfile", "iam:DeleteLoginProfile"],
     "Resource": f"arn:aws:iam::{account}:user/bob"}]))
bk = call(iam.create_access_key, UserName="bob")["AccessKey"]
bob = client("iam", bk["AccessKeyId"], bk["SecretAccessKey"])
bob.create_login_profile(Password="Bobs-Own-Pass-1!")
for user in ["admin", "ADMIN", "alice"]:
    for attempt in [
        lambda: bob.create_login_profile(UserName=user, Password="Taken-Over-99!"),
        lambda: bob.update_login_profile(UserName=user, Password="Taken-Over-99!"),
        lambda: bob.delete_login_profile(UserName=user),
        lambda: bob.get_login_profile(UserName=user),
    ]:
        assert error(attempt)["Code"] == "AccessDenied", user
assert error(lambda: iam.get_login_profile(UserName="admin"))["Code"] == "NoSuchEntity", "no profile appeared"
bob.delete_login_profile()

# --- account aliases: one per account, unique across accounts --------------------------------
assert call(iam.list_account_aliases)["AccountAliases"] == []
for bad in ["Bad-Alias", "ab", "-lead", "trail-", "double--dash"]:
    assert error(lambda: unchecked.create_account_alias(AccountAlias=bad))["Code"] == "ValidationError", bad
call(iam.create_account_alias, AccountAlias="example-corp")
call(iam.create_account_alias, AccountAlias="example-corp")  # the one it has: a no-op
assert call(iam.list_account_aliases)["AccountAliases"] == ["example-corp"]
partner = client("iam", partner_key, partner_secret)
assert error(lambda: partner.create_account_alias(AccountAlias="example-corp"))["Code"] == "EntityAlreadyExists"
call(iam.create_account_alias, AccountAlias="renamed-corp")  # replaces: the old one is free
assert call(iam.list_account_aliases)["AccountAliases"] == ["renamed-corp"]
partner.create_account_alias(AccountAlias="example-corp")
assert partner.list_account_aliases()["AccountAliases"] == ["example-corp"]
assert error(lambda: iam.delete_account_alias(AccountAlias="example-corp"))["Code"] == "NoSuchEntity"
call(iam.delete_account_alias, AccountAlias="renamed-corp")
assert call(iam.list_account_aliases)["AccountAliases"] == []

# --- the credential report: AWS's columns, the root user first, no secret --------------------
import base64
import csv
import io
assert error(lambda: iam.get_credential_report())["Code"] == "ReportNotPresent"
assert iam.generate_credential_report()["State"] == "STARTED"
assert iam.generate_credential_report()["State"] == "COMPLETE"
report = iam.get_credential_report()
assert report["ReportFormat"] == "text/csv" and "GeneratedTime" in report, report
text = report["Content"].decode() if isinstance(report["Content"], bytes) else base64.b64decode(report["Content"]).decode()
rows = list(csv.DictReader(io.StringIO(text)))
assert list(rows[0].keys()) == [
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used",
    "password_last_changed", "password_next_rotation", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_1_last_used_region", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    "access_key_2_last_used_region", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"], rows[0].keys()
assert rows[0]["user"] == "<root_account>" and rows[0]["arn"] == f"arn:aws:iam::{account}:root", rows[0]
assert rows[0]["access_key_1_active"] == "true", "the root key"
by_user = {r["user"]: r for r in rows}
a = by_user["alice"]
assert a["password_enabled"] == "true" and a["password_last_changed"].endswith("+00:00"), a
assert a["access_key_1_active"] == "true" and a["access_key_1_last_used_date"] != "N/A", a
assert a["access_key_2_active"] == "false" and a["access_key_2_last_rotated"] == "N/A", a
assert by_user["admin"]["password_enabled"] == "false" and by_user["admin"]["password_last_changed"] == "N/A"
for k in [key, k["AccessKeyId"], k["SecretAccessKey"], "Admin-Reset-42!"]:
    assert k not in text, "a key id or secret in the report"
assert error(lambda: bob.get_credential_report())["Code"] == "AccessDenied"

# --- teardown: a user with a login profile can be deleted once the profile is -----------------
call(iam.delete_login_profile, UserName="alice")
assert error(lambda: iam.delete_login_profile(UserName="alice"))["Code"] == "NoSuchEntity"
call(iam.delete_account_password_policy)
assert error(lambda: iam.get_account_password_policy())["Code"] == "NoSuchEntity"

# --- service-specific credentials: shown once, quota per service, DeleteUser's conflict -------
call(iam.create_user, UserName="carol")
assert call(iam.list_service_specific_credentials, UserName="carol")["ServiceSpecificCredentials"] == []
e = error(lambda: iam.create_service_specific_credential(UserName="carol", ServiceName="s3.amazonaws.com"))
assert e["Code"] == "NotSupportedService", e
created = iam.create_service_specific_credential(UserName="carol", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
cred_id, service_password = created["ServiceSpecificCredentialId"], created["ServicePassword"]
assert cred_id.startswith("ACCA") and len(cred_id) >= 20, created
assert created["ServiceUserName"] == f"carol-at-{account}" and created["Status"] == "Active", created
assert len(service_password) >= 32, "a generated password"
second = iam.create_service_specific_credential(UserName="carol", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
e = error(lambda: iam.create_service_specific_credential(UserName="carol", ServiceName="codecommit.amazonaws.com"))
assert e["Code"] == "LimitExceeded", e
bedrock = iam.create_service_specific_credential(UserName="carol", ServiceName="bedrock.amazonaws.com", CredentialAgeDays=30)["ServiceSpecificCredential"]
assert bedrock["ServiceCredentialAlias"].startswith("BedrockAPIKey-") and bedrock["ServiceCredentialSecret"], bedrock
assert "ExpirationDate" in bedrock and "ServicePassword" not in bedrock, bedrock
listed = call(iam.list_service_specific_credentials, UserName="carol")["ServiceSpecificCredentials"]
assert {c["ServiceSpecificCredentialId"] for c in listed} == {cred_id, second["ServiceSpecificCredentialId"], bedrock["ServiceSpecificCredentialId"]}, listed
assert call(iam.list_service_specific_credentials, UserName="carol", ServiceName="bedrock.amazonaws.com")["ServiceSpecificCredentials"][0]["ServiceCredentialAlias"] == bedrock["ServiceCredentialAlias"]
every = call(iam.list_service_specific_credentials, AllUsers=True, MaxItems=2)
assert len(every["ServiceSpecificCredentials"]) == 2 and every["IsTruncated"], every
rest = call(iam.list_service_specific_credentials, AllUsers=True, Marker=every["Marker"])
assert len(rest["ServiceSpecificCredentials"]) == 1 and not rest.get("IsTruncated"), rest
call(iam.update_service_specific_credential, UserName="carol", ServiceSpecificCredentialId=cred_id, Status="Inactive")
assert [c["Status"] for c in call(iam.list_service_specific_credentials, UserName="carol")["ServiceSpecificCredentials"] if c["ServiceSpecificCredentialId"] == cred_id] == ["Inactive"]
reset = iam.reset_service_specific_credential(UserName="carol", ServiceSpecificCredentialId=cred_id)["ServiceSpecificCredential"]
assert reset["ServicePassword"] != service_password, "a new password"
assert error(lambda: iam.reset_service_specific_credential(UserName="alice", ServiceSpecificCredentialId=cred_id))["Code"] == "NoSuchEntity", "another user's id"
assert error(lambda: iam.delete_user(UserName="carol"))["Code"] == "DeleteConflict"
# bob may manage his own only.
assert error(lambda: bob.list_service_specific_credentials(UserName="carol"))["Code"] == "AccessDenied"
assert error(lambda: bob.reset_service_specific_credential(UserName="carol", ServiceSpecificCredentialId=cred_id))["Code"] == "AccessDenied"
for c in [cred_id, second["ServiceSpecificCredentialId"], bedrock["ServiceSpecificCredentialId"]]:
    call(iam.delete_service_specific_credential, UserName="carol", ServiceSpecificCredentialId=c)
assert error(lambda: iam.delete_service_specific_credential(UserName="carol", ServiceSpecificCredentialId=cred_id))["Code"] == "NoSuchEntity"
call(iam.delete_user, UserName="carol")

# --- a renamed user keeps its password and credentials; its old name gets nothing -------------
call(iam.create_user, UserName="dave")
call(iam.create_login_profile, UserName="dave", Password="Dave-Password-77!")
dave_cred = iam.create_service_specific_credential(UserName="dave", ServiceName="cassandra.amazonaws.com")["ServiceSpecificCredential"]
call(iam.update_user, UserName="dave", NewUserName="dave2")
assert call(iam.get_login_profile, UserName="dave2")["LoginProfile"]["UserName"] == "dave2"
assert [c["ServiceSpecificCredentialId"] for c in call(iam.list_service_specific_credentials, UserName="dave2")["ServiceSpecificCredentials"]] == [dave_cred["ServiceSpecificCredentialId"]]
assert error(lambda: iam.delete_user(UserName="dave2"))["Code"] == "DeleteConflict"
call(iam.create_user, UserName="dave")  # a namesake of the old name inherits nothing
assert error(lambda: iam.get_login_profile(UserName="dave"))["Code"] == "NoSuchEntity"
assert call(iam.list_service_specific_credentials, UserName="dave")["ServiceSpecificCredentials"] == []
call(iam.delete_user, UserName="dave")
call(iam.delete_login_profile, UserName="dave2")
call(iam.delete_service_specific_credential, UserName="dave2", ServiceSpecificCredentialId=dave_cred["ServiceSpecificCredentialId"])
call(iam.delete_user, UserName="dave2")

everything = "\n".join(seen)
for secret_value in [service_password, reset["ServicePassword"], bedrock["ServiceCredentialSecret"]]:
    assert secret_value not in everything, "a service credential's secret came back in a later read"

for pw in PASSWORDS[:3] + ["Admin-Reset-42!", "Bobs-Own-Pass-1!"]:
    assert pw not in everything, "a password came back"
print("ok")
