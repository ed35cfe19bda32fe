//! The AWS managed policies built into every account, at `arn:aws:iam::aws:policy/…`:
//! attachable, readable with GetPolicy/GetPolicyVersion, never modifiable.
//!
//! The documents are AWS's (facts, from the AWS Managed Policy Reference), with one
//! abridgement: `ReadOnlyAccess` lists the read actions of the services an IAM/STS server and
//! S3-compatible stores expose, not AWS's full multi-thousand-action list. The service-role
//! policies under `/aws-service-role/` (attached to service-linked roles, attachable to
//! nothing else) keep AWS's names and paths but an abridged list of their services' actions:
//! only the service can assume its role, and no AWS service runs against a Rolegate account.
//! The root-task policies under `/root-task/` (AssumeRoot's `TaskPolicyArn`, usable nowhere
//! else) have AWS's actions; their IAM statements are scoped to the root user
//! (`arn:aws:iam::*:root`), so a privileged root session acts on the root's credentials only.
//! <https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html>

use std::sync::{Arc, OnceLock};

use rolegate_policy::{Policy, PolicyKind};

/// One AWS managed policy.
#[derive(Debug)]
pub struct AwsPolicy {
    /// Name.
    pub name: &'static str,
    /// Path.
    pub path: &'static str,
    /// Unique id (`ANPA…`, AWS's).
    pub id: &'static str,
    /// Default version id.
    pub version: &'static str,
    /// Description.
    pub description: &'static str,
    /// The document.
    pub document: &'static str,
    /// When AWS created it (unix seconds).
    pub created: i64,
    /// When AWS last updated it (unix seconds).
    pub updated: i64,
}

impl AwsPolicy {
    /// `arn:aws:iam::aws:policy/<path><name>`.
    pub fn arn(&self) -> String {
        crate::iam::arn("aws", "policy", self.path, self.name)
    }
}

/// The curated set.
pub static AWS_POLICIES: &[AwsPolicy] = &[
    AwsPolicy {
        name: "AdministratorAccess",
        path: "/",
        id: "ANPAIWMBCKSKIEE64ZLYK",
        version: "v1",
        description: "Provides full access to AWS services and resources.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        created: 1_423_602_562,
        updated: 1_423_602_562,
    },
    AwsPolicy {
        name: "PowerUserAccess",
        path: "/",
        id: "ANPAJYRXTHIB4FOVS3ZXS",
        version: "v5",
        description: "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},{"Effect":"Allow","Action":["iam:CreateServiceLinkedRole","iam:DeleteServiceLinkedRole","iam:ListRoles","organizations:DescribeOrganization","account:ListRegions","account:GetAccountInformation"],"Resource":"*"}]}"#,
        created: 1_423_602_562,
        updated: 1_679_426_800,
    },
    AwsPolicy {
        name: "ReadOnlyAccess",
        path: "/",
        id: "ANPAILL3HVNFSB6DCOWYQ",
        version: "v1",
        description: "Provides read-only access to AWS services and resources.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Generate*","iam:Get*","iam:List*","iam:Simulate*","sts:GetAccessKeyInfo","sts:GetCallerIdentity","sts:GetSessionToken","s3:Describe*","s3:Get*","s3:List*","s3-object-lambda:Get*","s3-object-lambda:List*","ec2:Describe*","ec2:Get*","kms:Describe*","kms:Get*","kms:List*","sqs:Get*","sqs:List*","sns:Get*","sns:List*","dynamodb:Describe*","dynamodb:Get*","dynamodb:List*","dynamodb:BatchGetItem","dynamodb:Query","dynamodb:Scan","lambda:Get*","lambda:List*","logs:Describe*","logs:Get*","logs:FilterLogEvents","cloudtrail:Describe*","cloudtrail:Get*","cloudtrail:List*","cloudtrail:LookupEvents","organizations:Describe*","organizations:List*","access-analyzer:Get*","access-analyzer:List*","access-analyzer:ValidatePolicy"],"Resource":"*"}]}"#,
        created: 1_423_602_562,
        updated: 1_423_602_562,
    },
    AwsPolicy {
        name: "IAMFullAccess",
        path: "/",
        id: "ANPAI7XKCFMBPM3QQRRVQ",
        version: "v2",
        description: "Provides full access to IAM via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*","organizations:DescribeAccount","organizations:DescribeOrganization","organizations:DescribeOrganizationalUnit","organizations:DescribePolicy","organizations:ListChildren","organizations:ListParents","organizations:ListPoliciesForTarget","organizations:ListRoots","organizations:ListPolicies","organizations:ListTargetsForPolicy"],"Resource":"*"}]}"#,
        created: 1_423_602_562,
        updated: 1_591_656_124,
    },
    AwsPolicy {
        name: "IAMReadOnlyAccess",
        path: "/",
        id: "ANPAJKSO7NDY4T57MWDSQ",
        version: "v4",
        description: "Provides read only access to IAM via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}"#,
        created: 1_423_602_562,
        updated: 1_580_319_650,
    },
    AwsPolicy {
        name: "AmazonS3FullAccess",
        path: "/",
        id: "ANPAIFIR6V6BVTRAHWINE",
        version: "v2",
        description: "Provides full access to all buckets via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}"#,
        created: 1_423_602_562,
        updated: 1_632_244_930,
    },
    AwsPolicy {
        name: "AmazonS3ReadOnlyAccess",
        path: "/",
        id: "ANPAIZTJ4DXE7G6AGAE6M",
        version: "v3",
        description: "Provides read only access to all buckets via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}"#,
        created: 1_423_602_562,
        updated: 1_691_530_591,
    },
    // The task policies of STS AssumeRoot (`sts/assume_root`): the IAM ones are scoped to the
    // root user itself.
    AwsPolicy {
        name: "IAMAuditRootUserCredentials",
        path: "/root-task/",
        id: "ANPAZKAPJZG4OVFNRVKQY",
        version: "v1",
        description: "Allows auditing the root user's credentials in a privileged root session (AssumeRoot).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Sid":"AuditRootUserCredentials","Effect":"Allow","Action":["iam:GetAccessKeyLastUsed","iam:GetLoginProfile","iam:GetUser","iam:ListAccessKeys","iam:ListMFADevices","iam:ListSigningCertificates"],"Resource":"arn:aws:iam::*:root"}]}"#,
        created: 1_731_974_400,
        updated: 1_731_974_400,
    },
    AwsPolicy {
        name: "IAMCreateRootUserPassword",
        path: "/root-task/",
        id: "ANPAZKAPJZG4MOEXHXH2L",
        version: "v1",
        description: "Allows creating the root user's password in a privileged root session (AssumeRoot).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Sid":"CreateRootUserPassword","Effect":"Allow","Action":["iam:CreateLoginProfile","iam:GetLoginProfile"],"Resource":"arn:aws:iam::*:root"}]}"#,
        created: 1_731_974_400,
        updated: 1_731_974_400,
    },
    AwsPolicy {
        name: "IAMDeleteRootUserCredentials",
        path: "/root-task/",
        id: "ANPAZKAPJZG4CQJZPBEYW",
        version: "v1",
        description: "Allows deleting the root user's credentials in a privileged root session (AssumeRoot).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Sid":"DeleteRootUserCredentials","Effect":"Allow","Action":["iam:DeactivateMFADevice","iam:DeleteAccessKey","iam:DeleteLoginProfile","iam:DeleteSigningCertificate","iam:GetAccessKeyLastUsed","iam:GetLoginProfile","iam:GetUser","iam:ListAccessKeys","iam:ListMFADevices","iam:ListSigningCertificates"],"Resource":"arn:aws:iam::*:root"}]}"#,
        created: 1_731_974_400,
        updated: 1_731_974_400,
    },
    AwsPolicy {
        name: "S3UnlockBucketPolicy",
        path: "/root-task/",
        id: "ANPAZKAPJZG4DNZR5OBBY",
        version: "v1",
        description: "Allows removing a bucket policy that denies everyone, in a privileged root session (AssumeRoot).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Sid":"UnlockBucketPolicy","Effect":"Allow","Action":["s3:DeleteBucketPolicy","s3:GetBucketPolicy","s3:ListAllMyBuckets","s3:PutBucketPolicy"],"Resource":"*"}]}"#,
        created: 1_731_974_400,
        updated: 1_731_974_400,
    },
    AwsPolicy {
        name: "SQSUnlockQueuePolicy",
        path: "/root-task/",
        id: "ANPAZKAPJZG4JXNMAT5EW",
        version: "v1",
        description: "Allows removing a queue policy that denies everyone, in a privileged root session (AssumeRoot).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Sid":"UnlockQueuePolicy","Effect":"Allow","Action":["sqs:GetQueueAttributes","sqs:ListQueues","sqs:SetQueueAttributes"],"Resource":"*"}]}"#,
        created: 1_731_974_400,
        updated: 1_731_974_400,
    },
    // The service-role policies CreateServiceLinkedRole attaches (`iam/service_linked_roles`).
    AwsPolicy {
        name: "AWSElasticBeanstalkServiceRolePolicy",
        path: "/aws-service-role/",
        id: "ANPAIID62QSI3OSIPQXTM",
        version: "v1",
        description: "Service-linked role policy (abridged: see the module's documentation).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["elasticbeanstalk:Describe*","ec2:Describe*","autoscaling:Describe*","elasticloadbalancing:Describe*","cloudwatch:Describe*"],"Resource":"*"}]}"#,
        created: 1_509_494_400,
        updated: 1_509_494_400,
    },
    AwsPolicy {
        name: "AutoScalingServiceRolePolicy",
        path: "/aws-service-role/",
        id: "ANPAIC5D2V7MRWBMJGD5I",
        version: "v1",
        description: "Service-linked role policy (abridged: see the module's documentation).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","ec2:RunInstances","ec2:TerminateInstances","elasticloadbalancing:Describe*","cloudwatch:PutMetricAlarm","cloudwatch:DescribeAlarms"],"Resource":"*"}]}"#,
        created: 1_509_494_400,
        updated: 1_509_494_400,
    },
    AwsPolicy {
        name: "AmazonECSServiceRolePolicy",
        path: "/aws-service-role/",
        id: "ANPAIVUWKCAI7URU4WUEI",
        version: "v1",
        description: "Service-linked role policy (abridged: see the module's documentation).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","elasticloadbalancing:Describe*","elasticloadbalancing:RegisterTargets","elasticloadbalancing:DeregisterTargets","servicediscovery:Get*"],"Resource":"*"}]}"#,
        created: 1_509_494_400,
        updated: 1_509_494_400,
    },
    AwsPolicy {
        name: "AmazonElasticsearchServiceRolePolicy",
        path: "/aws-service-role/",
        id: "ANPAJFEWZPHXKLCVHEUIC",
        version: "v1",
        description: "Service-linked role policy (abridged: see the module's documentation).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:CreateNetworkInterface","ec2:DeleteNetworkInterface","ec2:Describe*","ec2:ModifyNetworkInterfaceAttribute"],"Resource":"*"}]}"#,
        created: 1_509_494_400,
        updated: 1_509_494_400,
    },
    AwsPolicy {
        name: "AmazonOpenSearchServiceRolePolicy",
        path: "/aws-service-role/",
        id: "ANPAYS2NQ4BLSE2SFRTEX",
        version: "v1",
        description: "Service-linked role policy (abridged: see the module's documentation).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:CreateNetworkInterface","ec2:DeleteNetworkInterface","ec2:Describe*","ec2:ModifyNetworkInterfaceAttribute"],"Resource":"*"}]}"#,
        created: 1_509_494_400,
        updated: 1_509_494_400,
    },
    AwsPolicy {
        name: "AWSElasticLoadBalancingServiceRolePolicy",
        path: "/aws-service-role/",
        id: "ANPAIMHWGGSRHLOQUICJQ",
        version: "v1",
        description: "Service-linked role policy (abridged: see the module's documentation).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","ec2:CreateNetworkInterface","ec2:DeleteNetworkInterface","ec2:AssignPrivateIpAddresses","ec2:UnassignPrivateIpAddresses"],"Resource":"*"}]}"#,
        created: 1_509_494_400,
        updated: 1_509_494_400,
    },
    AwsPolicy {
        name: "AmazonRDSServiceRolePolicy",
        path: "/aws-service-role/",
        id: "ANPAIPEU5ZOBJWKWHUKY4",
        version: "v1",
        description: "Service-linked role policy (abridged: see the module's documentation).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","ec2:CreateNetworkInterface","ec2:DeleteNetworkInterface","cloudwatch:PutMetricData","logs:CreateLogGroup","logs:PutLogEvents"],"Resource":"*"}]}"#,
        created: 1_509_494_400,
        updated: 1_509_494_400,
    },
    AwsPolicy {
        name: "AmazonEKSServiceRolePolicy",
        path: "/aws-service-role/",
        id: "ANPAIJQ5FPLIVL5OU4QMY",
        version: "v1",
        description: "Service-linked role policy (abridged: see the module's documentation).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","ec2:CreateNetworkInterface","ec2:DeleteNetworkInterface","iam:GetRole"],"Resource":"*"}]}"#,
        created: 1_509_494_400,
        updated: 1_509_494_400,
    },
    AwsPolicy {
        name: "AmazonLexV2BotPolicy",
        path: "/aws-service-role/",
        id: "ANPAZ3LEXV2BOTPOL7Y2Q",
        version: "v1",
        description: "Service-linked role policy (abridged: see the module's documentation).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["polly:SynthesizeSpeech","comprehend:DetectSentiment"],"Resource":"*"}]}"#,
        created: 1_509_494_400,
        updated: 1_509_494_400,
    },
    AwsPolicy {
        name: "AWSConfigServiceRolePolicy",
        path: "/aws-service-role/",
        id: "ANPAJUCWFHNZER665LLQQ",
        version: "v1",
        description: "Service-linked role policy (abridged: see the module's documentation).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["config:Put*","config:Get*","config:Describe*","ec2:Describe*","iam:Get*","iam:List*","s3:GetBucketPolicy"],"Resource":"*"}]}"#,
        created: 1_509_494_400,
        updated: 1_509_494_400,
    },
    AwsPolicy {
        name: "CloudTrailServiceRolePolicy",
        path: "/aws-service-role/",
        id: "ANPAJXQJ45EGU6U7NQBW4",
        version: "v1",
        description: "Service-linked role policy (abridged: see the module's documentation).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudtrail:*","organizations:DescribeOrganization","organizations:ListAccounts","organizations:ListAWSServiceAccessForOrganization"],"Resource":"*"}]}"#,
        created: 1_509_494_400,
        updated: 1_509_494_400,
    },
    AwsPolicy {
        name: "AWSEC2SpotServiceRolePolicy",
        path: "/aws-service-role/",
        id: "ANPAIZJJBQNXQYVKTEXGM",
        version: "v1",
        description: "Service-linked role policy (abridged: see the module's documentation).",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:DescribeInstances","ec2:StartInstances","ec2:StopInstances","iam:PassRole"],"Resource":"*"}]}"#,
        created: 1_509_494_400,
        updated: 1_509_494_400,
    },
];

/// The AWS managed policy with this ARN.
pub fn find(arn: &str) -> Option<&'static AwsPolicy> {
    AWS_POLICIES.iter().find(|p| p.arn() == arn)
}

/// Parsed documents, in the order of [`AWS_POLICIES`].
pub fn parsed() -> &'static [Arc<Policy>] {
    static PARSED: OnceLock<Vec<Arc<Policy>>> = OnceLock::new();
    PARSED.get_or_init(|| {
        AWS_POLICIES
            .iter()
            .filter_map(|p| {
                rolegate_policy::parse(p.document, PolicyKind::Identity)
                    .ok()
                    .map(Arc::new)
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_parses() {
        assert_eq!(parsed().len(), AWS_POLICIES.len());
        assert!(find("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess").is_some());
        assert!(find("arn:aws:iam::aws:policy/Nope").is_none());
    }
}
