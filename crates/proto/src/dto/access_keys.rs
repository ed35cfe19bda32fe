//! Access keys: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateAccessKey.html> and siblings.

use time::OffsetDateTime;

use crate::{Secret, dto::c::*, shape, structure};

structure!(CreateAccessKeyInput { user_name: Option<String> = "UserName" [LEN_1_128, NAME] });
shape!(AccessKey {
    user_name: String = "UserName",
    access_key_id: String = "AccessKeyId",
    status: String = "Status",
    secret_access_key: Secret = "SecretAccessKey",
    create_date: Option<OffsetDateTime> = "CreateDate",
});
shape!(CreateAccessKeyOutput {
    access_key: AccessKey = "AccessKey"
});

structure!(DeleteAccessKeyInput {
    user_name: Option<String> = "UserName" [LEN_1_128, NAME],
    access_key_id: String = "AccessKeyId" [LEN_16_128, ACCESS_KEY_ID],
});
structure!(UpdateAccessKeyInput {
    user_name: Option<String> = "UserName" [LEN_1_128, NAME],
    access_key_id: String = "AccessKeyId" [LEN_16_128, ACCESS_KEY_ID],
    status: String = "Status" [STATUS],
});

structure!(ListAccessKeysInput {
    user_name: Option<String> = "UserName" [LEN_1_128, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(AccessKeyMetadata {
    user_name: String = "UserName",
    access_key_id: String = "AccessKeyId",
    status: String = "Status",
    create_date: Option<OffsetDateTime> = "CreateDate",
});
shape!(ListAccessKeysOutput {
    access_key_metadata: Vec<AccessKeyMetadata> = "AccessKeyMetadata",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

structure!(GetAccessKeyLastUsedInput { access_key_id: String = "AccessKeyId" [LEN_16_128, ACCESS_KEY_ID] });
shape!(AccessKeyLastUsed {
    last_used_date: Option<OffsetDateTime> = "LastUsedDate",
    service_name: String = "ServiceName",
    region: String = "Region",
});
shape!(GetAccessKeyLastUsedOutput { user_name: Option<String> = "UserName", access_key_last_used: AccessKeyLastUsed = "AccessKeyLastUsed" });
