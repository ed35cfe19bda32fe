//! SSH public keys (for CodeCommit): <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSSHPublicKey.html>
//! and siblings.

use time::OffsetDateTime;

use crate::{constraint::Constraint, dto::c::*, shape, structure};

const LEN_KEY_BODY: Constraint = Constraint::Len(1, 16_384);
const KEY_ID: Constraint = Constraint::Pattern(crate::constraint::Pattern::AccessKeyId);
const LEN_KEY_ID: Constraint = Constraint::Len(20, 128);
const ENCODING: Constraint = Constraint::Enum(&["SSH", "PEM"]);
const KEY_STATUS: Constraint = Constraint::Enum(&["Active", "Inactive", "Expired"]);

structure!(UploadSSHPublicKeyInput {
    user_name: String = "UserName" [LEN_1_64, NAME],
    ssh_public_key_body: String = "SSHPublicKeyBody" [LEN_KEY_BODY, DOCUMENT],
});
shape!(SSHPublicKey {
    user_name: String = "UserName",
    ssh_public_key_id: String = "SSHPublicKeyId",
    fingerprint: String = "Fingerprint",
    ssh_public_key_body: String = "SSHPublicKeyBody",
    status: String = "Status",
    upload_date: Option<OffsetDateTime> = "UploadDate",
});
shape!(SSHPublicKeyOutput {
    ssh_public_key: SSHPublicKey = "SSHPublicKey"
});

structure!(GetSSHPublicKeyInput {
    user_name: String = "UserName" [LEN_1_64, NAME],
    ssh_public_key_id: String = "SSHPublicKeyId" [LEN_KEY_ID, KEY_ID],
    encoding: String = "Encoding" [ENCODING],
});

structure!(ListSSHPublicKeysInput {
    user_name: Option<String> = "UserName" [LEN_1_64, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(SSHPublicKeyMetadata {
    user_name: String = "UserName",
    ssh_public_key_id: String = "SSHPublicKeyId",
    status: String = "Status",
    upload_date: Option<OffsetDateTime> = "UploadDate",
});
shape!(ListSSHPublicKeysOutput {
    ssh_public_keys: Vec<SSHPublicKeyMetadata> = "SSHPublicKeys",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

structure!(UpdateSSHPublicKeyInput {
    user_name: String = "UserName" [LEN_1_64, NAME],
    ssh_public_key_id: String = "SSHPublicKeyId" [LEN_KEY_ID, KEY_ID],
    status: String = "Status" [KEY_STATUS],
});
structure!(DeleteSSHPublicKeyInput {
    user_name: String = "UserName" [LEN_1_64, NAME],
    ssh_public_key_id: String = "SSHPublicKeyId" [LEN_KEY_ID, KEY_ID],
});
