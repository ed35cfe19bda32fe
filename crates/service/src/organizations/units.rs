//! Organizational units and the tree: Create/Describe/Update/DeleteOrganizationalUnit,
//! ListOrganizationalUnitsForParent, ListChildren and ListParents.
//!
//! <https://docs.aws.amazon.com/organizations/latest/APIReference/API_CreateOrganizationalUnit.html>

use rolegate_proto::dto::organizations::{
    Child, CreateOrganizationalUnitInput, DeleteOrganizationalUnitInput,
    DescribeOrganizationalUnitInput, ListChildrenInput, ListChildrenOutput,
    ListOrganizationalUnitsForParentInput, ListOrganizationalUnitsForParentOutput,
    ListParentsInput, ListParentsOutput, OrganizationalUnit, OrganizationalUnitOutput, Parent,
    UpdateOrganizationalUnitInput,
};
use rolegate_store::record::{self, Organization};

use super::{
    MAX_ENTRIES, MAX_OU_DEPTH, ancestors, attach_defaults, is_parent, lower_id, merge_tags,
    org_error, ou_arn, page, quota,
};
use crate::{
    Service,
    error::{OrgError, Result, ServiceError},
    handler::{Needs, OrgResource, handlers},
    iam::Ctx,
};

handlers! {
    CreateOrganizationalUnitInput => OrganizationalUnitOutput: create_organizational_unit,
        needs |i, _| Needs::org(OrgResource::Any(&i.parent_id)).tags(&i.tags);
    DescribeOrganizationalUnitInput => OrganizationalUnitOutput: describe_organizational_unit,
        needs |i, _| Needs::org(OrgResource::Unit(&i.organizational_unit_id));
    UpdateOrganizationalUnitInput => OrganizationalUnitOutput: update_organizational_unit,
        needs |i, _| Needs::org(OrgResource::Unit(&i.organizational_unit_id));
    DeleteOrganizationalUnitInput: delete_organizational_unit,
        needs |i, _| Needs::org(OrgResource::Unit(&i.organizational_unit_id));
    ListOrganizationalUnitsForParentInput => ListOrganizationalUnitsForParentOutput: list_organizational_units_for_parent,
        needs |i, _| Needs::org(OrgResource::Any(&i.parent_id));
    ListChildrenInput => ListChildrenOutput: list_children,
        needs |i, _| Needs::org(OrgResource::Any(&i.parent_id));
    ListParentsInput => ListParentsOutput: list_parents,
        needs |i, _| Needs::org(OrgResource::Any(&i.child_id));
}

fn unit_shape(o: &Organization, u: &record::OrgUnit) -> OrganizationalUnit {
    OrganizationalUnit {
        id: u.id.clone(),
        arn: ou_arn(o, &u.id),
        name: u.name.clone(),
    }
}

fn unit_not_found() -> ServiceError {
    org_error(
        OrgError::OrganizationalUnitNotFound,
        "We can't find an OU with the OrganizationalUnitId that you specified.",
    )
}

fn parent_not_found() -> ServiceError {
    org_error(
        OrgError::ParentNotFound,
        "We can't find a root or OU with the ParentId that you specified.",
    )
}

fn duplicate_unit() -> ServiceError {
    org_error(
        OrgError::DuplicateOrganizationalUnit,
        "An OU with the same name already exists.",
    )
}

/// Whether another OU under `parent` is called `name`.
fn name_taken(o: &Organization, parent: &str, name: &str, except: Option<&str>) -> bool {
    o.units
        .values()
        .any(|u| u.parent == parent && u.name == name && Some(u.id.as_str()) != except)
}

impl Service {
    pub(crate) async fn create_organizational_unit(
        &self,
        c: &Ctx<'_>,
        i: CreateOrganizationalUnitInput,
    ) -> Result<OrganizationalUnitOutput> {
        self.change_organization(c, |o| {
            if !is_parent(o, &i.parent_id) {
                return Err(parent_not_found());
            }
            if o.units.len() >= MAX_ENTRIES {
                return Err(quota("OU_NUMBER_LIMIT_EXCEEDED"));
            }
            // The root is level 0: an OU directly under it is at depth 1.
            let depth = ancestors(o, &i.parent_id).len() + 1;
            if depth > MAX_OU_DEPTH {
                return Err(org_error(
                    OrgError::ConstraintViolation,
                    "You attempted to create an OU tree that is too many levels deep (OU_DEPTH_LIMIT_EXCEEDED).",
                ));
            }
            if name_taken(o, &i.parent_id, &i.name, None) {
                return Err(duplicate_unit());
            }
            let root_part = o.root.id.trim_start_matches("r-").to_owned();
            let id = format!("ou-{root_part}-{}", lower_id(8)?);
            let mut tags = Vec::new();
            merge_tags(&mut tags, &i.tags)?;
            let unit = record::OrgUnit {
                id: id.clone(),
                name: i.name.clone(),
                parent: i.parent_id.clone(),
                tags,
            };
            attach_defaults(o, &id);
            let shape = unit_shape(o, &unit);
            o.units.insert(id, unit);
            Ok(OrganizationalUnitOutput {
                organizational_unit: shape,
            })
        })
        .await
    }

    pub(crate) async fn describe_organizational_unit(
        &self,
        c: &Ctx<'_>,
        i: DescribeOrganizationalUnitInput,
    ) -> Result<OrganizationalUnitOutput> {
        let o = self.organization_for(c, false).await?;
        let u = o
            .units
            .get(&i.organizational_unit_id)
            .ok_or_else(unit_not_found)?;
        Ok(OrganizationalUnitOutput {
            organizational_unit: unit_shape(&o, u),
        })
    }

    pub(crate) async fn update_organizational_unit(
        &self,
        c: &Ctx<'_>,
        i: UpdateOrganizationalUnitInput,
    ) -> Result<OrganizationalUnitOutput> {
        self.change_organization(c, |o| {
            let parent = o
                .units
                .get(&i.organizational_unit_id)
                .ok_or_else(unit_not_found)?
                .parent
                .clone();
            if let Some(name) = &i.name {
                if name_taken(o, &parent, name, Some(&i.organizational_unit_id)) {
                    return Err(duplicate_unit());
                }
                if let Some(u) = o.units.get_mut(&i.organizational_unit_id) {
                    u.name.clone_from(name);
                }
            }
            let u = o
                .units
                .get(&i.organizational_unit_id)
                .ok_or_else(unit_not_found)?;
            Ok(OrganizationalUnitOutput {
                organizational_unit: unit_shape(o, u),
            })
        })
        .await
    }

    pub(crate) async fn delete_organizational_unit(
        &self,
        c: &Ctx<'_>,
        i: DeleteOrganizationalUnitInput,
    ) -> Result<()> {
        self.change_organization(c, |o| {
            let id = &i.organizational_unit_id;
            if !o.units.contains_key(id) {
                return Err(unit_not_found());
            }
            if o.units.values().any(|u| u.parent == *id)
                || o.accounts.values().any(|a| a.parent == *id)
            {
                return Err(org_error(
                    OrgError::OrganizationalUnitNotEmpty,
                    "You can't delete an OU that contains accounts or child OUs.",
                ));
            }
            o.units.remove(id);
            o.attachments.remove(id);
            Ok(())
        })
        .await
    }

    pub(crate) async fn list_organizational_units_for_parent(
        &self,
        c: &Ctx<'_>,
        i: ListOrganizationalUnitsForParentInput,
    ) -> Result<ListOrganizationalUnitsForParentOutput> {
        let o = self.organization_for(c, false).await?;
        if !is_parent(&o, &i.parent_id) {
            return Err(parent_not_found());
        }
        let items = o
            .units
            .values()
            .filter(|u| u.parent == i.parent_id)
            .map(|u| unit_shape(&o, u))
            .collect();
        let (organizational_units, next_token) = page(
            items,
            |u: &OrganizationalUnit| u.id.clone(),
            i.next_token.as_deref(),
            i.max_results,
        )?;
        Ok(ListOrganizationalUnitsForParentOutput {
            organizational_units,
            next_token,
        })
    }

    pub(crate) async fn list_children(
        &self,
        c: &Ctx<'_>,
        i: ListChildrenInput,
    ) -> Result<ListChildrenOutput> {
        let o = self.organization_for(c, false).await?;
        if !is_parent(&o, &i.parent_id) {
            return Err(parent_not_found());
        }
        let items: Vec<Child> = if i.child_type == "ACCOUNT" {
            o.accounts
                .values()
                .filter(|a| a.parent == i.parent_id)
                .map(|a| Child {
                    id: a.id.clone(),
                    r#type: "ACCOUNT".into(),
                })
                .collect()
        } else {
            o.units
                .values()
                .filter(|u| u.parent == i.parent_id)
                .map(|u| Child {
                    id: u.id.clone(),
                    r#type: "ORGANIZATIONAL_UNIT".into(),
                })
                .collect()
        };
        let (children, next_token) = page(
            items,
            |c| c.id.clone(),
            i.next_token.as_deref(),
            i.max_results,
        )?;
        Ok(ListChildrenOutput {
            children,
            next_token,
        })
    }

    pub(crate) async fn list_parents(
        &self,
        c: &Ctx<'_>,
        i: ListParentsInput,
    ) -> Result<ListParentsOutput> {
        let o = self.organization_for(c, false).await?;
        let parent = match (o.units.get(&i.child_id), o.accounts.get(&i.child_id)) {
            (Some(u), _) => u.parent.clone(),
            (None, Some(a)) => a.parent.clone(),
            (None, None) => {
                return Err(org_error(
                    OrgError::ChildNotFound,
                    "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
                ));
            }
        };
        let kind = if parent == o.root.id {
            "ROOT"
        } else {
            "ORGANIZATIONAL_UNIT"
        };
        let (parents, next_token) = page(
            vec![Parent {
                id: parent,
                r#type: kind.into(),
            }],
            |p| p.id.clone(),
            i.next_token.as_deref(),
            i.max_results,
        )?;
        Ok(ListParentsOutput {
            parents,
            next_token,
        })
    }
}
