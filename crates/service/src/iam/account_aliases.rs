//! Account aliases: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccountAlias.html>
//! and siblings. An account has at most one alias, and an alias names at most one account
//! across the deployment (a GLOBAL record keyed by the alias, written in the same commit as
//! the account's own record). Creating an alias when the account has another replaces it (the
//! old one is free again at once); creating the one it has is a no-op.

use rolegate_proto::dto::account::*;
use rolegate_store::{GLOBAL, record};

use crate::{
    Service,
    error::{Result, ServiceError},
    handler::{Needs, handlers},
    iam::{Ctx, paginate},
    tx::Tx,
};

handlers! {
    CreateAccountAliasInput: create_account_alias,
        needs |i, _| Needs::any();
    DeleteAccountAliasInput: delete_account_alias,
        needs |i, _| Needs::any();
    ListAccountAliasesInput => ListAccountAliasesOutput: list_account_aliases,
        needs |i, _| Needs::any();
}

async fn account_record(tx: &mut Tx<'_>, account: &str) -> Result<record::Account> {
    tx.get::<record::Account>(GLOBAL, account)
        .await?
        .ok_or_else(|| ServiceError::Internal("account missing".into()))
}

impl Service {
    pub(crate) async fn create_account_alias(
        &self,
        c: &Ctx<'_>,
        i: CreateAccountAliasInput,
    ) -> Result<()> {
        let account = c.account();
        let alias = i.account_alias.as_str();
        self.retry(|| async {
            let mut tx = self.tx();
            let mut acct = account_record(&mut tx, account).await?;
            if acct.alias.as_deref() == Some(alias) {
                return Ok(());
            }
            if tx
                .get::<record::AccountAlias>(GLOBAL, alias)
                .await?
                .is_some()
            {
                return Err(ServiceError::EntityAlreadyExists(format!(
                    "The account alias {alias} already exists."
                )));
            }
            if let Some(old) = acct.alias.take() {
                // Read first: the commit then deletes exactly the version read.
                tx.get::<record::AccountAlias>(GLOBAL, &old).await?;
                tx.delete::<record::AccountAlias>(GLOBAL, &old)?;
            }
            tx.put(
                GLOBAL,
                alias,
                &record::AccountAlias {
                    account: account.to_owned(),
                },
            )?;
            acct.alias = Some(alias.to_owned());
            tx.put(GLOBAL, account, &acct)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn delete_account_alias(
        &self,
        c: &Ctx<'_>,
        i: DeleteAccountAliasInput,
    ) -> Result<()> {
        let account = c.account();
        let alias = i.account_alias.as_str();
        self.retry(|| async {
            let mut tx = self.tx();
            let mut acct = account_record(&mut tx, account).await?;
            if acct.alias.as_deref() != Some(alias) {
                return Err(ServiceError::NoSuchEntity(format!(
                    "The account alias {alias} cannot be found."
                )));
            }
            tx.get::<record::AccountAlias>(GLOBAL, alias).await?;
            tx.delete::<record::AccountAlias>(GLOBAL, alias)?;
            acct.alias = None;
            tx.put(GLOBAL, account, &acct)?;
            tx.commit().await
        })
        .await
    }

    pub(crate) async fn list_account_aliases(
        &self,
        c: &Ctx<'_>,
        i: ListAccountAliasesInput,
    ) -> Result<ListAccountAliasesOutput> {
        let acct = account_record(&mut self.tx(), c.account()).await?;
        let page = paginate(
            acct.alias.into_iter().collect(),
            Clone::clone,
            i.marker.as_deref(),
            i.max_items,
        )?;
        Ok(ListAccountAliasesOutput {
            account_aliases: page.items,
            is_truncated: page.truncated,
            marker: page.marker,
        })
    }
}
