//! Server certificates: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadServerCertificate.html>
//! and siblings. The private key is a [`Secret`]: taken by Upload, never returned, never
//! recorded.

use time::OffsetDateTime;

use crate::{
    Secret,
    constraint::Constraint,
    dto::{c::*, shapes::Tag, signing_certificates::LEN_CERTIFICATE},
    shape, structure,
};

const LEN_CHAIN: Constraint = Constraint::Len(1, 2_097_152);

structure!(UploadServerCertificateInput {
    path: Option<String> = "Path" [LEN_1_512, PATH],
    server_certificate_name: String = "ServerCertificateName" [LEN_1_128, NAME],
    certificate_body: String = "CertificateBody" [LEN_CERTIFICATE, DOCUMENT],
    private_key: Secret = "PrivateKey" [LEN_CERTIFICATE, DOCUMENT],
    certificate_chain: Option<String> = "CertificateChain" [LEN_CHAIN, DOCUMENT],
    tags: Vec<Tag> = "Tags" [TAGS],
});
shape!(ServerCertificateMetadata {
    path: String = "Path",
    server_certificate_name: String = "ServerCertificateName",
    server_certificate_id: String = "ServerCertificateId",
    arn: String = "Arn",
    upload_date: Option<OffsetDateTime> = "UploadDate",
    expiration: Option<OffsetDateTime> = "Expiration",
});
shape!(UploadServerCertificateOutput {
    server_certificate_metadata: Option<ServerCertificateMetadata> = "ServerCertificateMetadata",
    tags: Option<Vec<Tag>> = "Tags",
});

structure!(GetServerCertificateInput {
    server_certificate_name: String = "ServerCertificateName" [LEN_1_128, NAME],
});
shape!(ServerCertificate {
    server_certificate_metadata: ServerCertificateMetadata = "ServerCertificateMetadata",
    certificate_body: String = "CertificateBody",
    certificate_chain: Option<String> = "CertificateChain",
    tags: Option<Vec<Tag>> = "Tags",
});
shape!(GetServerCertificateOutput {
    server_certificate: ServerCertificate = "ServerCertificate"
});

structure!(ListServerCertificatesInput {
    path_prefix: Option<String> = "PathPrefix" [LEN_1_512],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListServerCertificatesOutput {
    server_certificate_metadata_list: Vec<ServerCertificateMetadata> = "ServerCertificateMetadataList",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

structure!(UpdateServerCertificateInput {
    server_certificate_name: String = "ServerCertificateName" [LEN_1_128, NAME],
    new_path: Option<String> = "NewPath" [LEN_1_512, PATH],
    new_server_certificate_name: Option<String> = "NewServerCertificateName" [LEN_1_128, NAME],
});
structure!(DeleteServerCertificateInput {
    server_certificate_name: String = "ServerCertificateName" [LEN_1_128, NAME],
});

structure!(TagServerCertificateInput {
    server_certificate_name: String = "ServerCertificateName" [LEN_1_128, NAME],
    tags: Vec<Tag> = "Tags" [TAGS],
});
structure!(UntagServerCertificateInput {
    server_certificate_name: String = "ServerCertificateName" [LEN_1_128, NAME],
    tag_keys: Vec<String> = "TagKeys" [TAGS],
});
structure!(ListServerCertificateTagsInput {
    server_certificate_name: String = "ServerCertificateName" [LEN_1_128, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
