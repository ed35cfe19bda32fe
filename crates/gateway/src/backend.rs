//! The S3 operations themselves: forwarded with the backend's key through `s3s-aws`'s proxy
//! (any S3 endpoint: SeaweedFS, Garage, Ceph RGW, MinIO), except what the gateway answers
//! from its own records — bucket ownership (CreateBucket, DeleteBucket, ListBuckets shows the
//! caller's account's buckets) and bucket policies — and DeleteObjects, which is decided per
//! key. An operation not implemented here is answered `NotImplemented` by `s3s` (and is in
//! no row of [`crate::actions::TABLE`], so it is denied before that).
//!
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_Operations_Amazon_Simple_Storage_Service.html>

use std::sync::Arc;

use rolegate_service::ServiceError;
use s3s::{S3, S3Error, S3ErrorCode, S3Request, S3Response, S3Result, dto::*};

use crate::{
    access::{Authorizer, Env, check_key, denied},
    actions,
    authn::Resolved,
    buckets::{BucketError, MAX_POLICY_BYTES},
};

/// AWS's limit on the keys of one DeleteObjects request.
const MAX_DELETE_KEYS: usize = 1000;

/// Whether the backend's HeadBucket said the bucket does not exist (404, `NoSuchBucket`,
/// `NotFound`).
fn backend_says_absent(
    e: &aws_sdk_s3::error::SdkError<
        aws_sdk_s3::operation::head_bucket::HeadBucketError,
        aws_sdk_s3::config::http::HttpResponse,
    >,
) -> bool {
    match e {
        aws_sdk_s3::error::SdkError::ServiceError(se) => {
            se.raw().status().as_u16() == 404 || se.err().is_not_found()
        }
        _ => false,
    }
}

/// A forwarding error caused by the request body failing `s3s`'s verification while it
/// streamed to the backend, answered as AWS answers it: a body that does not hash to its
/// `x-amz-content-sha256` is 400 XAmzContentSHA256Mismatch, a chunk whose signature is wrong
/// 403 SignatureDoesNotMatch (the backend never completes the object either way). `s3s` keeps
/// these errors' types private, so they are known by what they say.
fn body_verdict(e: S3Error) -> S3Error {
    if *e.code() != S3ErrorCode::InternalError {
        return e;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> =
        e.source().map(|s| s as &(dyn std::error::Error + 'static));
    while let Some(c) = cause {
        let text = c.to_string();
        if text.contains("Sha256Mismatch") {
            let mut e = S3Error::with_message(
                S3ErrorCode::Custom("XAmzContentSHA256Mismatch".into()),
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            );
            e.set_status_code(http::StatusCode::BAD_REQUEST);
            return e;
        }
        if text.contains("SignatureMismatch") {
            return S3Error::with_message(
                S3ErrorCode::SignatureDoesNotMatch,
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            );
        }
        cause = c.source();
    }
    e
}

/// The gateway's S3 implementation.
pub(crate) struct Backend {
    pub proxy: s3s_aws::Proxy,
    pub client: aws_sdk_s3::Client,
    pub authorizer: Authorizer,
}

fn internal(e: impl std::fmt::Display) -> S3Error {
    tracing::error!(error = %e, "S3 gateway");
    S3Error::with_message(
        S3ErrorCode::InternalError,
        "We encountered an internal error. Please try again.",
    )
}

fn resolved<T>(req: &S3Request<T>) -> S3Result<(Arc<Resolved>, Env)> {
    match (
        req.extensions.get::<Arc<Resolved>>(),
        req.extensions.get::<Env>(),
    ) {
        (Some(r), Some(e)) => Ok((r.clone(), e.clone())),
        _ => Err(denied("Access Denied")),
    }
}

#[async_trait::async_trait]
impl S3 for Backend {
    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        self.proxy.get_object(req).await
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        self.proxy.head_object(req).await
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        self.proxy.put_object(req).await.map_err(body_verdict)
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        self.proxy.copy_object(req).await
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        self.proxy.delete_object(req).await
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        self.proxy.list_objects(req).await
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.proxy.list_objects_v2(req).await
    }

    async fn list_object_versions(
        &self,
        req: S3Request<ListObjectVersionsInput>,
    ) -> S3Result<S3Response<ListObjectVersionsOutput>> {
        self.proxy.list_object_versions(req).await
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.proxy.head_bucket(req).await
    }

    async fn get_bucket_location(
        &self,
        req: S3Request<GetBucketLocationInput>,
    ) -> S3Result<S3Response<GetBucketLocationOutput>> {
        self.proxy.get_bucket_location(req).await
    }

    async fn get_object_tagging(
        &self,
        req: S3Request<GetObjectTaggingInput>,
    ) -> S3Result<S3Response<GetObjectTaggingOutput>> {
        self.proxy.get_object_tagging(req).await
    }

    async fn put_object_tagging(
        &self,
        req: S3Request<PutObjectTaggingInput>,
    ) -> S3Result<S3Response<PutObjectTaggingOutput>> {
        self.proxy.put_object_tagging(req).await
    }

    async fn delete_object_tagging(
        &self,
        req: S3Request<DeleteObjectTaggingInput>,
    ) -> S3Result<S3Response<DeleteObjectTaggingOutput>> {
        self.proxy.delete_object_tagging(req).await
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        self.proxy.create_multipart_upload(req).await
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        self.proxy.upload_part(req).await.map_err(body_verdict)
    }

    async fn upload_part_copy(
        &self,
        req: S3Request<UploadPartCopyInput>,
    ) -> S3Result<S3Response<UploadPartCopyOutput>> {
        self.proxy.upload_part_copy(req).await
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        self.proxy.complete_multipart_upload(req).await
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        self.proxy.abort_multipart_upload(req).await
    }

    async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        self.proxy.list_parts(req).await
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        self.proxy.list_multipart_uploads(req).await
    }

    /// The caller's account's buckets only (AWS lists the buckets the account owns).
    async fn list_buckets(
        &self,
        req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        let (who, _) = resolved(&req)?;
        let mut resp = self.proxy.list_buckets(req).await?;
        if let Some(list) = resp.output.buckets.take() {
            let mut mine = Vec::new();
            for b in list {
                let Some(name) = &b.name else { continue };
                if let Some((rec, _)) = self.authorizer.buckets.get(name).await.map_err(internal)?
                    && rec.account == who.caller.account
                {
                    mine.push(b);
                }
            }
            resp.output.buckets = Some(mine);
        }
        resp.output.owner = Some(Owner {
            id: Some(who.caller.account.clone()),
            display_name: None,
        });
        Ok(resp)
    }

    /// Creates the bucket in the backend and records the caller's account as its owner. A
    /// bucket the backend already holds is not claimed (an administrator assigns it).
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        let (who, _) = resolved(&req)?;
        let name = req.input.bucket.clone();
        let already = || {
            S3Error::with_message(
                S3ErrorCode::BucketAlreadyExists,
                "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
            )
        };
        match self.authorizer.buckets.get(&name).await.map_err(internal)? {
            Some((b, _)) if b.account == who.caller.account => {
                return Err(S3Error::with_message(
                    S3ErrorCode::BucketAlreadyOwnedByYou,
                    "Your previous request to create the named bucket succeeded and you already own it.",
                ));
            }
            Some(_) => return Err(already()),
            None => {}
        }
        // Only the backend's 404 means the name is free; any other answer (a timeout, a 5xx,
        // a 403 for a bucket the backend's key cannot see) is not a claim to it.
        match self.client.head_bucket().bucket(&name).send().await {
            Ok(_) => return Err(already()),
            Err(e) if backend_says_absent(&e) => {}
            Err(e) => {
                tracing::warn!(error = %aws_sdk_s3::error::DisplayErrorContext(&e), bucket = %name, "the backend could not say whether the bucket exists");
                return Err(S3Error::with_message(
                    S3ErrorCode::ServiceUnavailable,
                    "The storage backend could not confirm that the bucket name is free. Please try again.",
                ));
            }
        }
        let resp = self.proxy.create_bucket(req).await?;
        match self
            .authorizer
            .buckets
            .assign(&name, &who.caller.account, false)
            .await
        {
            Ok(()) => Ok(resp),
            Err(BucketError::OwnedByOther(_) | BucketError::Conflict) => Err(already()),
            Err(e) => Err(internal(e)),
        }
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        let name = req.input.bucket.clone();
        let resp = self.proxy.delete_bucket(req).await?;
        self.authorizer
            .buckets
            .forget(&name)
            .await
            .map_err(internal)?;
        Ok(resp)
    }

    async fn put_bucket_policy(
        &self,
        req: S3Request<PutBucketPolicyInput>,
    ) -> S3Result<S3Response<PutBucketPolicyOutput>> {
        let name = &req.input.bucket;
        let text = req.input.policy.clone();
        if text.len() > MAX_POLICY_BYTES {
            return Err(S3Error::with_message(
                S3ErrorCode::MalformedPolicy,
                "Policy exceeds the maximum allowed document size.",
            ));
        }
        let malformed = |e: ServiceError| match e {
            ServiceError::MalformedPolicyDocument(m) => {
                S3Error::with_message(S3ErrorCode::MalformedPolicy, m)
            }
            other => internal(other),
        };
        let parsed = self
            .authorizer
            .service
            .parse_resource_policy(&text)
            .map_err(|e| S3Error::with_message(S3ErrorCode::MalformedPolicy, e.to_string()))?;
        // The users and roles it names, bound to their unique ids now (a name that names no
        // one is refused, as AWS refuses it).
        let ids = self
            .authorizer
            .service
            .principal_ids(&parsed)
            .await
            .map_err(malformed)?;
        let Some((bucket, version)) = self.authorizer.buckets.get(name).await.map_err(internal)?
        else {
            return Err(denied("Access Denied"));
        };
        self.authorizer
            .buckets
            .set_policy(name, bucket, version, Some((text, ids)))
            .await
            .map_err(|e| match e {
                BucketError::Conflict => S3Error::with_message(
                    S3ErrorCode::OperationAborted,
                    "A conflicting conditional operation is currently in progress against this resource. Please try again.",
                ),
                other => internal(other),
            })?;
        Ok(S3Response::with_status(
            PutBucketPolicyOutput::default(),
            http::StatusCode::NO_CONTENT,
        ))
    }

    async fn get_bucket_policy(
        &self,
        req: S3Request<GetBucketPolicyInput>,
    ) -> S3Result<S3Response<GetBucketPolicyOutput>> {
        match self
            .authorizer
            .buckets
            .get(&req.input.bucket)
            .await
            .map_err(internal)?
        {
            Some((b, _)) if b.policy.is_some() => {
                let text = b.policy.as_deref().unwrap_or_default();
                // A user or role deleted since shows as the unique id it had, as AWS shows it.
                let shown = self
                    .authorizer
                    .service
                    .displayed_policy(text, &b.principal_ids)
                    .await
                    .map_err(internal)?;
                Ok(S3Response::new(GetBucketPolicyOutput {
                    policy: Some(shown),
                }))
            }
            Some(_) => Err(S3Error::with_message(
                S3ErrorCode::NoSuchBucketPolicy,
                "The bucket policy does not exist",
            )),
            None => Err(denied("Access Denied")),
        }
    }

    async fn delete_bucket_policy(
        &self,
        req: S3Request<DeleteBucketPolicyInput>,
    ) -> S3Result<S3Response<DeleteBucketPolicyOutput>> {
        let name = &req.input.bucket;
        let Some((bucket, version)) = self.authorizer.buckets.get(name).await.map_err(internal)?
        else {
            return Err(denied("Access Denied"));
        };
        if bucket.policy.is_some() {
            self.authorizer
                .buckets
                .set_policy(name, bucket, version, None)
                .await
                .map_err(internal)?;
        }
        Ok(S3Response::with_status(
            DeleteBucketPolicyOutput::default(),
            http::StatusCode::NO_CONTENT,
        ))
    }

    /// Each key is authorized on its own (`s3:DeleteObject` on `arn:aws:s3:::BUCKET/KEY`);
    /// denied keys are answered `AccessDenied` in the result and never reach the backend.
    async fn delete_objects(
        &self,
        mut req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        let (who, env) = resolved(&req)?;
        let bucket = req.input.bucket.clone();
        let rule = actions::rule("DeleteObjects")
            .copied()
            .ok_or_else(|| denied("Access Denied"))?;
        let objects = std::mem::take(&mut req.input.delete.objects);
        // AWS's limit, and every key as the backend reads it, before any decision is made or
        // recorded.
        if objects.len() > MAX_DELETE_KEYS {
            return Err(S3Error::with_message(
                S3ErrorCode::MalformedXML,
                "The XML you provided was not well-formed or did not validate against our published schema",
            ));
        }
        for o in &objects {
            check_key("object key", &o.key)?;
        }
        let mut allowed = Vec::new();
        let mut errors = Vec::new();
        let context = actions::condition_keys(&rule, &[], &req.headers, &who.signature);
        for o in objects {
            // Each key as DeleteObject on it: a version needs s3:DeleteObjectVersion, the
            // governance bypass header s3:BypassGovernanceRetention too.
            let version: Vec<(String, String)> = o
                .version_id
                .iter()
                .map(|v| ("versionId".to_owned(), v.clone()))
                .collect();
            let single = actions::rule("DeleteObject").unwrap_or(&rule);
            let mut decision = Ok(());
            for action in actions::required_actions(single, &version, &req.headers) {
                let mut context = context.clone();
                if let Some(v) = &o.version_id {
                    context.push((
                        "s3:versionid".to_owned(),
                        rolegate_policy::ContextValue::Single(v.clone()),
                    ));
                }
                decision = self
                    .authorizer
                    .allow(
                        &who,
                        &env.env,
                        "DeleteObjects",
                        action,
                        Some(&bucket),
                        Some(&o.key),
                        context,
                        None,
                    )
                    .await;
                if decision.is_err() {
                    break;
                }
            }
            match decision {
                Ok(()) => allowed.push(o),
                Err(e) if *e.code() == S3ErrorCode::AccessDenied => errors.push(Error {
                    code: Some("AccessDenied".into()),
                    key: Some(o.key.clone()),
                    message: Some("Access Denied".into()),
                    version_id: o.version_id.clone(),
                }),
                Err(e) => return Err(e),
            }
        }
        let mut resp = if allowed.is_empty() {
            S3Response::new(DeleteObjectsOutput::default())
        } else {
            req.input.delete.objects = allowed;
            self.proxy.delete_objects(req).await?
        };
        if !errors.is_empty() {
            resp.output
                .errors
                .get_or_insert_with(Vec::new)
                .extend(errors);
        }
        Ok(resp)
    }
}
