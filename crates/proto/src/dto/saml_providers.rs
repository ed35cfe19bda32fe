//! SAML providers: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateSAMLProvider.html>
//! and siblings. The metadata document's content (an `EntityDescriptor` with signing
//! certificates) is checked by the service.

use time::OffsetDateTime;

use crate::{
    Secret,
    constraint::{Constraint, Pattern},
    dto::{c::*, shapes::Tag},
    shape, structure,
};

/// `SAMLMetadataDocumentType`: 1000–10000000.
const LEN_METADATA: Constraint = Constraint::Len(1000, 10_000_000);
/// `SAMLProviderNameType`: 1–128, `[\w._-]+`.
const PROVIDER_NAME: Constraint = Constraint::Pattern(Pattern::SamlProviderName);
/// `assertionEncryptionModeType`.
const ENCRYPTION_MODE: Constraint = Constraint::Enum(&["Required", "Allowed"]);
/// `privateKeyType`: 1–16384, `[\u0009\u000A\u000D\u0020-\u00FF]+` (never quoted in an error:
/// the member is a [`Secret`]).
const LEN_PRIVATE_KEY: Constraint = Constraint::Len(1, 16_384);
const PRIVATE_KEY: Constraint = Constraint::Pattern(Pattern::PolicyDocument);
/// `privateKeyIdType`: 22–64, `[A-Z0-9]+`.
const LEN_PRIVATE_KEY_ID: Constraint = Constraint::Len(22, 64);
const PRIVATE_KEY_ID: Constraint = Constraint::Pattern(Pattern::PrivateKeyId);

structure!(CreateSAMLProviderInput {
    saml_metadata_document: String = "SAMLMetadataDocument" [LEN_METADATA],
    name: String = "Name" [LEN_1_128, PROVIDER_NAME],
    tags: Vec<Tag> = "Tags" [TAGS],
    assertion_encryption_mode: Option<String> = "AssertionEncryptionMode" [ENCRYPTION_MODE],
    add_private_key: Option<Secret> = "AddPrivateKey" [LEN_PRIVATE_KEY, PRIVATE_KEY],
});
shape!(CreateSAMLProviderOutput {
    saml_provider_arn: String = "SAMLProviderArn",
    tags: Option<Vec<Tag>> = "Tags",
});

structure!(GetSAMLProviderInput {
    saml_provider_arn: String = "SAMLProviderArn" [LEN_ARN, ARN],
});
shape!(GetSAMLProviderOutput {
    saml_provider_uuid: String = "SAMLProviderUUID",
    saml_metadata_document: String = "SAMLMetadataDocument",
    create_date: Option<OffsetDateTime> = "CreateDate",
    valid_until: Option<OffsetDateTime> = "ValidUntil",
    tags: Vec<Tag> = "Tags",
    assertion_encryption_mode: Option<String> = "AssertionEncryptionMode",
    private_key_list: Vec<SAMLPrivateKey> = "PrivateKeyList",
});
shape!(
    /// `SAMLPrivateKey`: a private key's id and when it was added (never the key).
    SAMLPrivateKey {
        key_id: String = "KeyId",
        timestamp: Option<OffsetDateTime> = "Timestamp",
    }
);

structure!(UpdateSAMLProviderInput {
    saml_metadata_document: Option<String> = "SAMLMetadataDocument" [LEN_METADATA],
    saml_provider_arn: String = "SAMLProviderArn" [LEN_ARN, ARN],
    assertion_encryption_mode: Option<String> = "AssertionEncryptionMode" [ENCRYPTION_MODE],
    add_private_key: Option<Secret> = "AddPrivateKey" [LEN_PRIVATE_KEY, PRIVATE_KEY],
    remove_private_key: Option<String> = "RemovePrivateKey" [LEN_PRIVATE_KEY_ID, PRIVATE_KEY_ID],
});
shape!(UpdateSAMLProviderOutput {
    saml_provider_arn: String = "SAMLProviderArn",
});

structure!(DeleteSAMLProviderInput {
    saml_provider_arn: String = "SAMLProviderArn" [LEN_ARN, ARN],
});

structure!(ListSAMLProvidersInput {});
shape!(
    /// `SAMLProviderListEntry`.
    SAMLProviderListEntry {
        arn: String = "Arn",
        valid_until: Option<OffsetDateTime> = "ValidUntil",
        create_date: Option<OffsetDateTime> = "CreateDate",
    }
);
shape!(ListSAMLProvidersOutput {
    saml_provider_list: Vec<SAMLProviderListEntry> = "SAMLProviderList",
});

structure!(TagSAMLProviderInput {
    saml_provider_arn: String = "SAMLProviderArn" [LEN_ARN, ARN],
    tags: Vec<Tag> = "Tags" [TAGS],
});
structure!(UntagSAMLProviderInput {
    saml_provider_arn: String = "SAMLProviderArn" [LEN_ARN, ARN],
    tag_keys: Vec<String> = "TagKeys" [TAGS],
});
structure!(ListSAMLProviderTagsInput {
    saml_provider_arn: String = "SAMLProviderArn" [LEN_ARN, ARN],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
