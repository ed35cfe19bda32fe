//! OpenID Connect providers: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html>
//! and siblings. Item lengths of the client id and thumbprint lists (1–255, exactly 40) are
//! checked by the service, with AWS's wording.

use time::OffsetDateTime;

use crate::{
    constraint::Constraint,
    dto::{c::*, shapes::Tag},
    shape, structure,
};

/// `OpenIDConnectProviderUrlType`: 1–255.
const LEN_URL: Constraint = Constraint::Len(1, 255);
/// `clientIDType`: 1–255.
const LEN_1_255: Constraint = Constraint::Len(1, 255);

structure!(CreateOpenIDConnectProviderInput {
    url: String = "Url" [LEN_URL],
    client_id_list: Vec<String> = "ClientIDList",
    thumbprint_list: Vec<String> = "ThumbprintList",
    tags: Vec<Tag> = "Tags" [TAGS],
});
shape!(CreateOpenIDConnectProviderOutput {
    open_id_connect_provider_arn: String = "OpenIDConnectProviderArn",
    tags: Option<Vec<Tag>> = "Tags",
});

structure!(GetOpenIDConnectProviderInput {
    open_id_connect_provider_arn: String = "OpenIDConnectProviderArn" [LEN_ARN, ARN],
});
shape!(GetOpenIDConnectProviderOutput {
    url: String = "Url",
    client_id_list: Vec<String> = "ClientIDList",
    thumbprint_list: Vec<String> = "ThumbprintList",
    create_date: Option<OffsetDateTime> = "CreateDate",
    tags: Vec<Tag> = "Tags",
});

structure!(DeleteOpenIDConnectProviderInput {
    open_id_connect_provider_arn: String = "OpenIDConnectProviderArn" [LEN_ARN, ARN],
});

structure!(ListOpenIDConnectProvidersInput {});
shape!(
    /// `OpenIDConnectProviderListEntry`.
    OpenIDConnectProviderListEntry { arn: String = "Arn" }
);
shape!(ListOpenIDConnectProvidersOutput {
    open_id_connect_provider_list: Vec<OpenIDConnectProviderListEntry> = "OpenIDConnectProviderList",
});

structure!(AddClientIDToOpenIDConnectProviderInput {
    open_id_connect_provider_arn: String = "OpenIDConnectProviderArn" [LEN_ARN, ARN],
    client_id: String = "ClientID" [LEN_1_255],
});
structure!(RemoveClientIDFromOpenIDConnectProviderInput {
    open_id_connect_provider_arn: String = "OpenIDConnectProviderArn" [LEN_ARN, ARN],
    client_id: String = "ClientID" [LEN_1_255],
});
structure!(UpdateOpenIDConnectProviderThumbprintInput {
    open_id_connect_provider_arn: String = "OpenIDConnectProviderArn" [LEN_ARN, ARN],
    thumbprint_list: Vec<String> = "ThumbprintList",
});

structure!(TagOpenIDConnectProviderInput {
    open_id_connect_provider_arn: String = "OpenIDConnectProviderArn" [LEN_ARN, ARN],
    tags: Vec<Tag> = "Tags" [TAGS],
});
structure!(UntagOpenIDConnectProviderInput {
    open_id_connect_provider_arn: String = "OpenIDConnectProviderArn" [LEN_ARN, ARN],
    tag_keys: Vec<String> = "TagKeys" [TAGS],
});
structure!(ListOpenIDConnectProviderTagsInput {
    open_id_connect_provider_arn: String = "OpenIDConnectProviderArn" [LEN_ARN, ARN],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
