"""Last accessed information through boto3 (issue 17): real calls as a user (with its group's
policy too) and as a role session, then GenerateServiceLastAccessedDetails on the user, the
role, the group and a managed policy, read back with GetServiceLastAccessedDetails (service and
action level), GetServiceLastAccessedDetailsWithEntities and ListPoliciesGrantingServiceAccess;
the services and timestamps checked against the calls made. Then the refusals: another
account's job id, another principal's job id, AccessDenied without permission, bad ARNs; and
the Organizations access report (management account only) over the organization's root.
argv: endpoint, root key, root secret, account, outsider key, outsider secret."""

import datetime
import sys
import time

from rolegate_boto3 import bound, doc, error

endpoint, key, secret, account, out_key, out_secret = sys.argv[1:7]
client, of = bound(endpoint)
iam = client("iam", key, secret)
out_iam = client("iam", out_key, out_secret)


def now():
    return datetime.datetime.now(datetime.timezone.utc)


def code(call):
    return error(call)["Code"]


def within(t, start, end):
    return start - datetime.timedelta(seconds=2) <= t <= end + datetime.timedelta(seconds=2)


def arn(kind, name):
    return f"arn:aws:iam::{account}:{kind}/{name}"


def by_ns(details):
    return {s["ServiceNamespace"]: s for s in details["ServicesLastAccessed"]}


USER, ROLE, GROUP, POLICY = (arn("user", "adv-user"), arn("role", "adv-role"),
                             arn("group", "adv-group"), arn("policy", "adv-pol"))

# The entities: a user (own inline policy + its group's), a role with a managed policy the
# user may assume.
iam.create_user(UserName="adv-user")
iam.put_user_policy(UserName="adv-user", PolicyName="own", PolicyDocument=doc([
    {"Effect": "Allow", "Action": ["iam:GetUser", "iam:ListUsers", "s3:GetObject"],
     "Resource": "*"},
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE}]))
iam.create_group(GroupName="adv-group")
iam.add_user_to_group(GroupName="adv-group", UserName="adv-user")
iam.put_group_policy(GroupName="adv-group", PolicyName="trail", PolicyDocument=doc([
    {"Effect": "Allow", "Action": "cloudtrail:LookupEvents", "Resource": "*"}]))
iam.create_role(RoleName="adv-role", AssumeRolePolicyDocument=doc([
    {"Effect": "Allow", "Principal": {"AWS": USER}, "Action": "sts:AssumeRole"}]))
iam.create_policy(PolicyName="adv-pol", PolicyDocument=doc([
    {"Effect": "Allow", "Action": ["iam:List*", "sts:GetCallerIdentity"], "Resource": "*"}]))
iam.attach_role_policy(RoleName="adv-role", PolicyArn=POLICY)
k = iam.create_access_key(UserName="adv-user")["AccessKey"]
time.sleep(1.5)

# Real calls: the user's, then the role session's.
t0 = now()
user_iam = client("iam", k["AccessKeyId"], k["SecretAccessKey"])
user_sts = client("sts", k["AccessKeyId"], k["SecretAccessKey"])
user_iam.get_user()
user_iam.list_users()
client("cloudtrail", k["AccessKeyId"], k["SecretAccessKey"]).lookup_events(MaxResults=1)
creds = user_sts.assume_role(RoleArn=ROLE, RoleSessionName="adv")["Credentials"]
t1 = now()
time.sleep(1.5)
t2 = now()
role_iam = of(creds, "iam")
role_iam.list_roles()
of(creds, "sts").get_caller_identity()
# A denied attempt counts too (AWS: every attempt, not only the successful ones).
assert code(lambda: role_iam.get_role(RoleName="adv-role")) == "AccessDenied"
t3 = now()

# 1. The user, service level: its own and its group's policies' services.
job = iam.generate_service_last_accessed_details(Arn=USER)["JobId"]
assert len(job) == 36, job
d = iam.get_service_last_accessed_details(JobId=job)
assert d["JobStatus"] == "COMPLETED", d
assert d["JobType"] == "SERVICE_LEVEL", d
assert d["JobCompletionDate"] >= d["JobCreationDate"], d
assert not d["IsTruncated"], d
s = by_ns(d)
assert sorted(s) == ["cloudtrail", "iam", "s3", "sts"], sorted(s)
assert s["iam"]["ServiceName"] == "AWS Identity and Access Management", s["iam"]
for ns in ("iam", "sts", "cloudtrail"):
    assert within(s[ns]["LastAuthenticated"], t0, t1), (ns, s[ns], t0, t1)
    assert s[ns]["LastAuthenticatedEntity"] == USER, s[ns]
    assert s[ns]["LastAuthenticatedRegion"] == "us-east-1", s[ns]
    assert s[ns]["TotalAuthenticatedEntities"] == 1, s[ns]
    assert "TrackedActionsLastAccessed" not in s[ns], s[ns]
# Allowed but never used: listed without a last access.
assert "LastAuthenticated" not in s["s3"] and s["s3"]["TotalAuthenticatedEntities"] == 0, s["s3"]
# Paging.
p1 = iam.get_service_last_accessed_details(JobId=job, MaxItems=3)
assert p1["IsTruncated"] and len(p1["ServicesLastAccessed"]) == 3, p1
p2 = iam.get_service_last_accessed_details(JobId=job, MaxItems=3, Marker=p1["Marker"])
assert [x["ServiceNamespace"] for x in p1["ServicesLastAccessed"] + p2["ServicesLastAccessed"]] \
    == ["cloudtrail", "iam", "s3", "sts"], p2
assert code(lambda: iam.get_service_last_accessed_details(JobId=job, Marker="forged")) == "InvalidInput"

# 2. The role, action level: its session's calls, per tracked action.
job_r = iam.generate_service_last_accessed_details(Arn=ROLE, Granularity="ACTION_LEVEL")["JobId"]
d = iam.get_service_last_accessed_details(JobId=job_r)
assert d["JobType"] == "ACTION_LEVEL", d
s = by_ns(d)
assert sorted(s) == ["iam", "sts"], sorted(s)
for ns in ("iam", "sts"):
    assert within(s[ns]["LastAuthenticated"], t2, t3), (ns, s[ns], t2, t3)
    assert s[ns]["LastAuthenticatedEntity"] == ROLE, s[ns]
actions = {a["ActionName"]: a for a in s["iam"]["TrackedActionsLastAccessed"]}
assert "ListRoles" in actions and "ListUsers" in actions and "GetUser" not in actions, sorted(actions)
assert within(actions["ListRoles"]["LastAccessedTime"], t2, t3), actions["ListRoles"]
assert actions["ListRoles"]["LastAccessedEntity"] == ROLE, actions["ListRoles"]
assert actions["ListRoles"]["LastAccessedRegion"] == "us-east-1", actions["ListRoles"]
assert "LastAccessedTime" not in actions["ListUsers"], actions["ListUsers"]
sts_actions = {a["ActionName"]: a for a in s["sts"]["TrackedActionsLastAccessed"]}
assert sorted(sts_actions) == ["GetCallerIdentity"], sorted(sts_actions)
assert within(sts_actions["GetCallerIdentity"]["LastAccessedTime"], t2, t3), sts_actions

# 3. The group: its members' calls to the group's policy's services, with the entities.
job_g = iam.generate_service_last_accessed_details(Arn=GROUP)["JobId"]
s = by_ns(iam.get_service_last_accessed_details(JobId=job_g))
assert sorted(s) == ["cloudtrail"], sorted(s)
assert s["cloudtrail"]["LastAuthenticatedEntity"] == USER, s
assert s["cloudtrail"]["TotalAuthenticatedEntities"] == 1, s
e = iam.get_service_last_accessed_details_with_entities(JobId=job_g, ServiceNamespace="cloudtrail")
assert e["JobStatus"] == "COMPLETED", e
[only] = e["EntityDetailsList"]
assert only["EntityInfo"]["Arn"] == USER and only["EntityInfo"]["Type"] == "USER", only
assert only["EntityInfo"]["Name"] == "adv-user" and only["EntityInfo"]["Path"] == "/", only
assert within(only["LastAuthenticated"], t0, t1), only
# A namespace the report does not list has no entities.
assert iam.get_service_last_accessed_details_with_entities(
    JobId=job_g, ServiceNamespace="s3")["EntityDetailsList"] == []

# 4. The managed policy: the role it is attached to.
job_p = iam.generate_service_last_accessed_details(Arn=POLICY)["JobId"]
s = by_ns(iam.get_service_last_accessed_details(JobId=job_p))
assert sorted(s) == ["iam", "sts"], sorted(s)
assert s["iam"]["LastAuthenticatedEntity"] == ROLE and within(s["iam"]["LastAuthenticated"], t2, t3), s
e = iam.get_service_last_accessed_details_with_entities(JobId=job_p, ServiceNamespace="sts")
assert [x["EntityInfo"]["Type"] for x in e["EntityDetailsList"]] == ["ROLE"], e

# 5. ListPoliciesGrantingServiceAccess: which of the user's policies grant each service.
r = iam.list_policies_granting_service_access(
    Arn=USER, ServiceNamespaces=["iam", "cloudtrail", "ec2"])["PoliciesGrantingServiceAccess"]
g = {x["ServiceNamespace"]: x["Policies"] for x in r}
assert g["iam"] == [{"PolicyName": "own", "PolicyType": "INLINE", "EntityType": "USER",
                     "EntityName": "adv-user"}], g
assert g["cloudtrail"] == [{"PolicyName": "trail", "PolicyType": "INLINE",
                            "EntityType": "GROUP", "EntityName": "adv-group"}], g
assert g["ec2"] == [], g
r = iam.list_policies_granting_service_access(Arn=ROLE, ServiceNamespaces=["sts"])
assert r["PoliciesGrantingServiceAccess"][0]["Policies"] == [
    {"PolicyName": "adv-pol", "PolicyType": "MANAGED", "PolicyArn": POLICY}], r

# 6. Refusals. Another account's job, another principal's job, unknown jobs: NoSuchEntity.
assert code(lambda: out_iam.get_service_last_accessed_details(JobId=job)) == "NoSuchEntity"
assert code(lambda: out_iam.get_service_last_accessed_details_with_entities(
    JobId=job_g, ServiceNamespace="cloudtrail")) == "NoSuchEntity"
iam.put_user_policy(UserName="adv-user", PolicyName="reports", PolicyDocument=doc([
    {"Effect": "Allow", "Action": ["iam:GenerateServiceLastAccessedDetails"], "Resource": USER},
    {"Effect": "Allow", "Action": ["iam:GetServiceLastAccessedDetails"], "Resource": "*"}]))
time.sleep(1.5)
assert code(lambda: user_iam.get_service_last_accessed_details(JobId=job)) == "NoSuchEntity"
own_job = user_iam.generate_service_last_accessed_details(Arn=USER)["JobId"]
assert user_iam.get_service_last_accessed_details(JobId=own_job)["JobStatus"] == "COMPLETED"
assert code(lambda: iam.get_service_last_accessed_details(JobId=own_job)) == "NoSuchEntity"
assert code(lambda: iam.get_service_last_accessed_details(
    JobId="00000000-0000-4000-8000-000000000000")) == "NoSuchEntity"
# Permission on the user's ARN only: the role and the group are refused.
for other in (ROLE, GROUP, POLICY):
    assert code(lambda: user_iam.generate_service_last_accessed_details(Arn=other)) == "AccessDenied"
assert code(lambda: user_iam.list_policies_granting_service_access(
    Arn=USER, ServiceNamespaces=["iam"])) == "AccessDenied"
# No permission at all.
assert code(lambda: role_iam.generate_service_last_accessed_details(Arn=ROLE)) == "AccessDenied"
assert code(lambda: role_iam.get_service_last_accessed_details(JobId=job)) == "AccessDenied"
# Bad ARNs.
assert code(lambda: iam.generate_service_last_accessed_details(Arn=arn("user", "nobody"))) == "NoSuchEntity"
assert code(lambda: iam.generate_service_last_accessed_details(
    Arn=arn("instance-profile", "x"))) == "InvalidInput"
assert code(lambda: iam.generate_service_last_accessed_details(
    Arn=USER, Granularity="BOGUS")) == "ValidationError"
# An IAM ARN with a region names no entity: not another spelling that policies would miss.
regional = USER.replace("arn:aws:iam::", "arn:aws:iam:evil:")
assert code(lambda: iam.generate_service_last_accessed_details(Arn=regional)) == "InvalidInput"
assert code(lambda: iam.list_policies_granting_service_access(
    Arn=regional, ServiceNamespaces=["iam"])) == "InvalidInput"
assert code(lambda: out_iam.generate_service_last_accessed_details(Arn=USER)) == "NoSuchEntity"

# 7. Organizations access reports: the management account of an organization only.
e = error(lambda: iam.generate_organizations_access_report(EntityPath="o-a1b2c3d4e5/r-f6g7"))
assert e["Code"] == "AWSOrganizationsNotInUseException", e
org = client("organizations", key, secret)
o = org.create_organization(FeatureSet="ALL")["Organization"]
root_id = org.list_roots()["Roots"][0]["Id"]
path = f"{o['Id']}/{root_id}"
ojob = iam.generate_organizations_access_report(EntityPath=path)["JobId"]
rep = iam.get_organizations_access_report(JobId=ojob)
assert rep["JobStatus"] == "COMPLETED", rep
details = {x["ServiceNamespace"]: x for x in rep["AccessDetails"]}
assert rep["NumberOfServicesAccessible"] == len(details) >= 8, rep
assert rep["NumberOfServicesNotAccessed"] == sum(
    1 for x in details.values() if "LastAuthenticatedTime" not in x), rep
assert within(details["iam"]["LastAuthenticatedTime"], t0, now()), details["iam"]
assert details["iam"]["EntityPath"] == f"{path}/{account}", details["iam"]
assert details["iam"]["TotalAuthenticatedEntities"] >= 2, details["iam"]  # root, adv-user, adv-role
assert "LastAuthenticatedTime" not in details["s3"], details["s3"]
desc = iam.get_organizations_access_report(JobId=ojob, SortKey="SERVICE_NAMESPACE_DESCENDING")
assert [x["ServiceNamespace"] for x in desc["AccessDetails"]] == sorted(details, reverse=True), desc
# An SCP that allows only IAM: only IAM is accessible.
pol = org.create_policy(Name="only-iam", Description="d", Type="SERVICE_CONTROL_POLICY",
                        Content=doc([{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]))
pid = pol["Policy"]["PolicySummary"]["Id"]
rep = iam.get_organizations_access_report(
    JobId=iam.generate_organizations_access_report(EntityPath=path, OrganizationsPolicyId=pid)["JobId"])
assert [x["ServiceNamespace"] for x in rep["AccessDetails"]] == ["iam"], rep
assert code(lambda: iam.generate_organizations_access_report(
    EntityPath=f"{o['Id']}/r-zzzz9999")) == "InvalidInput"
# Empty segments are not another spelling of a path (a Deny on the path would be missed).
for odd in (f"{path}/", f"{path}//", f"{o['Id']}//{root_id}"):
    assert code(lambda: iam.generate_organizations_access_report(EntityPath=odd)) == "InvalidInput", odd
# Only its generator reads it; an outsider account is not in the organization.
assert code(lambda: out_iam.get_organizations_access_report(JobId=ojob)) == "NoSuchEntity"
assert code(lambda: out_iam.generate_organizations_access_report(
    EntityPath=path)) == "AWSOrganizationsNotInUseException"
# A service last accessed job id is not an Organizations job id, nor the reverse.
assert code(lambda: iam.get_organizations_access_report(JobId=job)) == "NoSuchEntity"
assert code(lambda: iam.get_service_last_accessed_details(JobId=ojob)) == "NoSuchEntity"


# A user deleted and created again under its name is someone else: its jobs stay the old one's.
def reporter():
    iam.create_user(UserName="adv-tmp")
    iam.put_user_policy(UserName="adv-tmp", PolicyName="p", PolicyDocument=doc([
        {"Effect": "Allow", "Action": ["iam:GenerateServiceLastAccessedDetails",
                                       "iam:GetServiceLastAccessedDetails"], "Resource": "*"}]))
    key = iam.create_access_key(UserName="adv-tmp")["AccessKey"]
    time.sleep(1.5)
    return key, client("iam", key["AccessKeyId"], key["SecretAccessKey"])


old_key, first = reporter()
old_job = first.generate_service_last_accessed_details(Arn=USER)["JobId"]
assert first.get_service_last_accessed_details(JobId=old_job)["JobStatus"] == "COMPLETED"
iam.delete_access_key(UserName="adv-tmp", AccessKeyId=old_key["AccessKeyId"])
iam.delete_user_policy(UserName="adv-tmp", PolicyName="p")
iam.delete_user(UserName="adv-tmp")
_, second = reporter()
assert code(lambda: second.get_service_last_accessed_details(JobId=old_job)) == "NoSuchEntity"
print("ok")
