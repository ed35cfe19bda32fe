//! Who owns each bucket and its bucket policy: the only records the gateway writes.
//!
//! A bucket belongs to the account whose principal created it through the gateway, or to the
//! account an administrator assigned it to (`rolegate s3-gateway assign-bucket`); a bucket
//! the backend holds but no record names belongs to no one, and every request on it is
//! denied. Records live in Rolegate's store (SQLite or PostgreSQL, shared with `serve`) in
//! the global scope, keyed by bucket name (bucket names are global, as in AWS), and are read
//! from the store on every request, so an ownership or policy change applies to the next
//! request on every gateway.
//!
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html>

use std::{collections::BTreeMap, sync::Arc};

use rolegate_store::{Expect, GLOBAL, Store, StoreError, Write};
use serde::{Deserialize, Serialize};

/// The record kind of a bucket.
pub const KIND: &str = "s3-bucket";

/// AWS's limit on a bucket policy's size.
pub const MAX_POLICY_BYTES: usize = 20 * 1024;

/// One bucket as the gateway knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    /// The owning account.
    pub account: String,
    /// The bucket policy, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The unique id of each IAM user and role ARN the policy names, bound when it was
    /// stored ([`rolegate_service::Service::principal_ids`]): the policy is evaluated with
    /// these ids, so a deleted and re-created namesake is granted nothing.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub principal_ids: BTreeMap<String, String>,
    /// When it was created or assigned (unix seconds).
    pub since: i64,
}

/// The bucket records in a store.
#[derive(Clone)]
pub struct Buckets {
    store: Arc<dyn Store>,
}

/// Why a bucket record could not be written.
#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    /// Another account owns it.
    #[error("the bucket belongs to account {0}")]
    OwnedByOther(String),
    /// The record changed under us (a concurrent writer): the caller may retry.
    #[error("the bucket record changed concurrently")]
    Conflict,
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The stored record is not readable.
    #[error("the stored bucket record is malformed: {0}")]
    Malformed(#[from] serde_json::Error),
}

impl Buckets {
    /// Over `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Buckets { store }
    }

    /// The bucket's record and version, if any.
    pub async fn get(&self, name: &str) -> Result<Option<(Bucket, i64)>, BucketError> {
        match self.store.get(GLOBAL, KIND, name).await? {
            Some(r) => Ok(Some((serde_json::from_str(&r.data)?, r.version))),
            None => Ok(None),
        }
    }

    /// Records `account` as the bucket's owner. Idempotent for the same account; a bucket of
    /// another account is refused unless `reassign`.
    pub async fn assign(
        &self,
        name: &str,
        account: &str,
        reassign: bool,
    ) -> Result<(), BucketError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let (expect, policy) = match self.get(name).await? {
            Some((b, _)) if b.account == account => return Ok(()),
            Some((b, _)) if !reassign => return Err(BucketError::OwnedByOther(b.account)),
            // A new owner does not inherit the old owner's policy.
            Some((_, v)) => (Expect::Version(v), None),
            None => (Expect::Absent, None),
        };
        let bucket = Bucket {
            account: account.to_owned(),
            policy,
            principal_ids: BTreeMap::new(),
            since: now,
        };
        self.put(name, expect, &bucket).await
    }

    /// Forgets a bucket (after the backend deleted it).
    pub async fn forget(&self, name: &str) -> Result<(), BucketError> {
        if let Some((_, version)) = self.get(name).await? {
            self.commit(&[Write::Delete {
                scope: GLOBAL.to_owned(),
                kind: KIND.to_owned(),
                key: name.to_owned(),
                version,
            }])
            .await?;
        }
        Ok(())
    }

    /// Sets (with the unique ids its principals name) or removes the bucket's policy (the
    /// record must exist at `version`).
    pub async fn set_policy(
        &self,
        name: &str,
        mut bucket: Bucket,
        version: i64,
        policy: Option<(String, BTreeMap<String, String>)>,
    ) -> Result<(), BucketError> {
        (bucket.policy, bucket.principal_ids) = match policy {
            Some((text, ids)) => (Some(text), ids),
            None => (None, BTreeMap::new()),
        };
        self.put(name, Expect::Version(version), &bucket).await
    }

    async fn put(&self, name: &str, expect: Expect, bucket: &Bucket) -> Result<(), BucketError> {
        self.commit(&[Write::Put {
            scope: GLOBAL.to_owned(),
            kind: KIND.to_owned(),
            key: name.to_owned(),
            expect,
            data: serde_json::to_string(bucket)?,
        }])
        .await
    }

    async fn commit(&self, writes: &[Write]) -> Result<(), BucketError> {
        match self.store.commit(writes).await {
            Ok(()) => Ok(()),
            Err(StoreError::Conflict) => Err(BucketError::Conflict),
            Err(e) => Err(e.into()),
        }
    }
}
