//! Service-linked roles: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateServiceLinkedRole.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteServiceLinkedRole.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetServiceLinkedRoleDeletionStatus.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html>.
//!
//! A service-linked role is named by its service (`AWSServiceRoleFor…`, `_SUFFIX` where the
//! service takes a custom suffix), lives under `/aws-service-role/SERVICE/`, trusts only the
//! service principal and holds the service's managed policy. Its record carries the service
//! (`record::Role::service_linked`), a mark nothing else sets; with the path CreateRole refuses,
//! it is what `record::Role::is_service_linked` reads. Ordinary calls cannot edit or delete
//! such a role (`UnmodifiableEntity`), and SCPs and RCPs do not apply to it.

use rolegate_proto::dto::roles::{
    CreateServiceLinkedRoleInput, CreateServiceLinkedRoleOutput, DeleteServiceLinkedRoleInput,
    DeleteServiceLinkedRoleOutput, DeletionTaskFailureReason,
    GetServiceLinkedRoleDeletionStatusInput, GetServiceLinkedRoleDeletionStatusOutput,
};
use rolegate_store::record::{self, SERVICE_LINKED_PATH};

use crate::{
    Service,
    error::{Result, ServiceError},
    handler::{NamedResource, Needs, handlers},
    iam::{Ctx, arn, key_of, not_found, roles::role_shape},
    ids,
};

handlers! {
    CreateServiceLinkedRoleInput => CreateServiceLinkedRoleOutput: create_service_linked_role,
        needs |i, _| Needs::on(NamedResource::ServiceLinkedRole(&i.aws_service_name, i.custom_suffix.as_deref()))
            .key("iam:AWSServiceName", &i.aws_service_name);
    DeleteServiceLinkedRoleInput => DeleteServiceLinkedRoleOutput: delete_service_linked_role,
        needs |i, _| Needs::role(&i.role_name);
    GetServiceLinkedRoleDeletionStatusInput => GetServiceLinkedRoleDeletionStatusOutput: get_service_linked_role_deletion_status,
        needs |i, _| Needs::on(NamedResource::DeletionTask(&i.deletion_task_id));
}

/// One AWS service that has a service-linked role here.
#[derive(Debug)]
pub(crate) struct LinkedService {
    /// The service principal (`AWSServiceName`).
    pub principal: &'static str,
    /// The role's name (before any custom suffix).
    pub role_name: &'static str,
    /// Whether the service takes a `CustomSuffix` (several roles for one service).
    pub suffix: bool,
    /// The AWS managed policy the role holds (`arn:aws:iam::aws:policy/aws-service-role/…`).
    pub policy: &'static str,
}

/// The services whose service-linked roles Rolegate creates, with AWS's role names and
/// policies (the IAM User Guide's per-service pages).
pub(crate) static LINKED_SERVICES: &[LinkedService] = &[
    LinkedService {
        principal: "autoscaling.amazonaws.com",
        role_name: "AWSServiceRoleForAutoScaling",
        suffix: true,
        policy: "AutoScalingServiceRolePolicy",
    },
    LinkedService {
        principal: "cloudtrail.amazonaws.com",
        role_name: "AWSServiceRoleForCloudTrail",
        suffix: false,
        policy: "CloudTrailServiceRolePolicy",
    },
    LinkedService {
        principal: "config.amazonaws.com",
        role_name: "AWSServiceRoleForConfig",
        suffix: false,
        policy: "AWSConfigServiceRolePolicy",
    },
    LinkedService {
        principal: "ecs.amazonaws.com",
        role_name: "AWSServiceRoleForECS",
        suffix: false,
        policy: "AmazonECSServiceRolePolicy",
    },
    LinkedService {
        principal: "eks.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonEKS",
        suffix: false,
        policy: "AmazonEKSServiceRolePolicy",
    },
    LinkedService {
        principal: "elasticbeanstalk.amazonaws.com",
        role_name: "AWSServiceRoleForElasticBeanstalk",
        suffix: false,
        policy: "AWSElasticBeanstalkServiceRolePolicy",
    },
    LinkedService {
        principal: "elasticloadbalancing.amazonaws.com",
        role_name: "AWSServiceRoleForElasticLoadBalancing",
        suffix: false,
        policy: "AWSElasticLoadBalancingServiceRolePolicy",
    },
    LinkedService {
        principal: "es.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonElasticsearchService",
        suffix: false,
        policy: "AmazonElasticsearchServiceRolePolicy",
    },
    LinkedService {
        principal: "lexv2.amazonaws.com",
        role_name: "AWSServiceRoleForLexV2Bots",
        suffix: true,
        policy: "AmazonLexV2BotPolicy",
    },
    LinkedService {
        principal: "opensearchservice.amazonaws.com",
        role_name: "AWSServiceRoleForAmazonOpenSearchService",
        suffix: false,
        policy: "AmazonOpenSearchServiceRolePolicy",
    },
    LinkedService {
        principal: "rds.amazonaws.com",
        role_name: "AWSServiceRoleForRDS",
        suffix: false,
        policy: "AmazonRDSServiceRolePolicy",
    },
    LinkedService {
        principal: "spot.amazonaws.com",
        role_name: "AWSServiceRoleForEC2Spot",
        suffix: false,
        policy: "AWSEC2SpotServiceRolePolicy",
    },
];

/// The service a principal names (service principals are case-sensitive).
pub(crate) fn linked_service(principal: &str) -> Option<&'static LinkedService> {
    LINKED_SERVICES.iter().find(|s| s.principal == principal)
}

/// The role name and path CreateServiceLinkedRole gives a service's role (what authorization
/// names before the handler checks the service; an unknown service gets a name of the same
/// form, and the call then fails).
pub(crate) fn name_and_path(service: &str, suffix: Option<&str>) -> (String, String) {
    let base = linked_service(service).map_or_else(
        || {
            let first = service.split('.').next().unwrap_or(service);
            let mut chars = first.chars();
            let cap: String = chars
                .next()
                .map(|c| c.to_ascii_uppercase())
                .into_iter()
                .chain(chars)
                .collect();
            format!("AWSServiceRoleFor{cap}")
        },
        |s| s.role_name.to_owned(),
    );
    let name = match suffix {
        Some(x) => format!("{base}_{x}"),
        None => base,
    };
    (name, format!("{SERVICE_LINKED_PATH}{service}/"))
}

/// The message of every ordinary call on a service-linked role.
fn protected(role: &str) -> ServiceError {
    ServiceError::UnmodifiableEntity(format!(
        "Cannot perform the operation on the protected role '{role}' - this role is only modifiable by AWS"
    ))
}

/// `UnmodifiableEntity` when the stored role is service-linked.
pub(crate) fn check_modifiable(role: &record::Role) -> Result<()> {
    if role.is_service_linked() {
        Err(protected(&role.name))
    } else {
        Ok(())
    }
}

/// A deletion task id: `task/aws-service-role/SERVICE/ROLE/UUID`, split.
fn parse_task(task: &str) -> Option<(&str, &str, &str)> {
    let rest = task.strip_prefix("task/aws-service-role/")?;
    let mut parts = rest.split('/');
    let (service, role, id) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || [service, role, id].iter().any(|p| p.is_empty()) {
        return None;
    }
    Some((service, role, id))
}

/// The ARN of the role a deletion task is about (authorization's resource); a task id of
/// another form names the service-linked path itself.
pub(crate) fn task_role_arn(account: &str, task: &str) -> String {
    match parse_task(task) {
        Some((service, role, _)) => arn(
            account,
            "role",
            &format!("{SERVICE_LINKED_PATH}{service}/"),
            role,
        ),
        None => arn(account, "role", SERVICE_LINKED_PATH, ""),
    }
}

/// The trust policy of a service's role: the service principal alone may assume it.
fn trust_policy(service: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
    )
}

impl Service {
    pub(crate) async fn create_service_linked_role(
        &self,
        c: &Ctx<'_>,
        i: CreateServiceLinkedRoleInput,
    ) -> Result<CreateServiceLinkedRoleOutput> {
        let account = c.account();
        let service = linked_service(&i.aws_service_name).ok_or_else(|| {
            ServiceError::InvalidInput(format!("Invalid ServiceName: {}", i.aws_service_name))
        })?;
        if i.custom_suffix.is_some() && !service.suffix {
            return Err(ServiceError::InvalidInput(format!(
                "Custom suffix is not allowed for {}",
                service.principal
            )));
        }
        let (name, path) = name_and_path(service.principal, i.custom_suffix.as_deref());
        if name.len() > 64 {
            return Err(ServiceError::InvalidInput(format!(
                "The role name {name} is longer than 64 characters; use a shorter suffix."
            )));
        }
        let policy = self.resolve_policy_arn(
            account,
            &arn("aws", "policy", SERVICE_LINKED_PATH, service.policy),
        )?;
        let role = record::Role {
            name: name.clone(),
            id: ids::unique_id(ids::prefix::ROLE)?,
            path,
            created: self.now(),
            trust: trust_policy(service.principal),
            trust_ids: Default::default(),
            description: i.description.clone(),
            max_session_duration: super::roles::DEFAULT_MAX_SESSION_DURATION,
            boundary: None,
            tags: Vec::new(),
            inline: Default::default(),
            attached: Vec::new(),
            instance_profiles: Vec::new(),
            last_used: None,
            service_linked: Some(service.principal.to_owned()),
        };
        let role = self
            .retry(|| async {
                let mut tx = self.tx();
                if tx
                    .get::<record::Role>(account, &key_of(&role.name))
                    .await?
                    .is_some()
                {
                    return Err(ServiceError::InvalidInput(format!(
                        "Service role name {} has been taken in this account, please try a different suffix.",
                        role.name
                    )));
                }
                let mut role = role.clone();
                role.attached
                    .push(self.adjust_usage(&mut tx, account, &policy, 1, 0).await?);
                tx.put(account, &key_of(&role.name), &role)?;
                tx.commit().await?;
                Ok(role)
            })
            .await?;
        let mut shape = role_shape(account, &role, true);
        shape.role_last_used = None;
        Ok(CreateServiceLinkedRoleOutput { role: shape })
    }

    pub(crate) async fn delete_service_linked_role(
        &self,
        c: &Ctx<'_>,
        i: DeleteServiceLinkedRoleInput,
    ) -> Result<DeleteServiceLinkedRoleOutput> {
        let account = c.account();
        let mut uuid = [0u8; 16];
        ids::random_bytes(&mut uuid)?;
        let hex: String = uuid.iter().map(|b| format!("{b:02x}")).collect();
        let task_uuid = format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        self.retry(|| async {
            let mut tx = self.tx();
            let key = key_of(&i.role_name);
            // Only a service-linked role (by the stored mark) is deleted here; any other role
            // is answered as if none existed.
            let role = tx
                .get::<record::Role>(account, &key)
                .await?
                .filter(record::Role::is_service_linked)
                .ok_or_else(|| not_found("role", &i.role_name))?;
            let service = role.service_linked.clone().unwrap_or_default();
            let task_id = format!("task/aws-service-role/{service}/{}/{task_uuid}", role.name);
            // The services that would still use the role do not run here; what holds it is
            // an instance profile, which must let go of it first.
            let (status, reason) = if role.instance_profiles.is_empty() {
                for a in &role.attached {
                    let r = self.resolve_policy_arn(account, a)?;
                    self.adjust_usage(&mut tx, account, &r, -1, 0).await?;
                }
                tx.delete::<record::Role>(account, &key)?;
                ("SUCCEEDED", None)
            } else {
                (
                    "FAILED",
                    Some(
                        "Cannot delete entity, must remove roles from instance profile first."
                            .to_owned(),
                    ),
                )
            };
            tx.put(
                account,
                &task_id,
                &record::ServiceLinkedRoleDeletion {
                    role_name: role.name.clone(),
                    service,
                    status: status.to_owned(),
                    reason,
                    created: self.now(),
                },
            )?;
            tx.commit().await?;
            Ok(DeleteServiceLinkedRoleOutput {
                deletion_task_id: task_id,
            })
        })
        .await
    }

    pub(crate) async fn get_service_linked_role_deletion_status(
        &self,
        c: &Ctx<'_>,
        i: GetServiceLinkedRoleDeletionStatusInput,
    ) -> Result<GetServiceLinkedRoleDeletionStatusOutput> {
        if parse_task(&i.deletion_task_id).is_none() {
            return Err(ServiceError::InvalidInput(format!(
                "Invalid deletion task id: {}",
                i.deletion_task_id
            )));
        }
        let task = self
            .tx()
            .get::<record::ServiceLinkedRoleDeletion>(c.account(), &i.deletion_task_id)
            .await?
            .ok_or_else(|| {
                ServiceError::NoSuchEntity(format!(
                    "Deletion task {} does not exist.",
                    i.deletion_task_id
                ))
            })?;
        Ok(GetServiceLinkedRoleDeletionStatusOutput {
            status: task.status.clone(),
            reason: task.reason.map(|reason| DeletionTaskFailureReason {
                reason: Some(reason),
                role_usage_list: Vec::new(),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_paths() {
        assert_eq!(
            name_and_path("elasticbeanstalk.amazonaws.com", None),
            (
                "AWSServiceRoleForElasticBeanstalk".to_owned(),
                "/aws-service-role/elasticbeanstalk.amazonaws.com/".to_owned()
            )
        );
        assert_eq!(
            name_and_path("autoscaling.amazonaws.com", Some("web")).0,
            "AWSServiceRoleForAutoScaling_web"
        );
        assert_eq!(
            name_and_path("foo.amazonaws.com", None).0,
            "AWSServiceRoleForFoo"
        );
    }

    #[test]
    fn every_linked_service_has_its_policy() {
        for s in LINKED_SERVICES {
            let a = arn("aws", "policy", SERVICE_LINKED_PATH, s.policy);
            assert!(crate::managed_policies::find(&a).is_some(), "{a}");
        }
    }

    #[test]
    fn task_ids() {
        let t = "task/aws-service-role/es.amazonaws.com/AWSServiceRoleForAmazonElasticsearchService/0b5e5a5c-1111-2222-3333-444455556666";
        assert_eq!(
            task_role_arn("123456789012", t),
            "arn:aws:iam::123456789012:role/aws-service-role/es.amazonaws.com/AWSServiceRoleForAmazonElasticsearchService"
        );
        assert!(parse_task("task/aws-service-role/x//y").is_none());
        assert!(parse_task("task/aws-service-role/x/y/z/w").is_none());
        assert!(parse_task("nope").is_none());
    }
}
