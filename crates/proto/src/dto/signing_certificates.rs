//! X.509 signing certificates: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_UploadSigningCertificate.html>
//! and siblings.

use time::OffsetDateTime;

use crate::{constraint::Constraint, dto::c::*, shape, structure};

/// A certificate body: `[\u0009\u000A\u000D\u0020-\u00FF]+`, at most 16,384 characters.
pub const LEN_CERTIFICATE: Constraint = Constraint::Len(1, 16_384);
const CERTIFICATE_ID: Constraint = Constraint::Pattern(crate::constraint::Pattern::AccessKeyId);
const LEN_CERTIFICATE_ID: Constraint = Constraint::Len(24, 128);
const CERTIFICATE_STATUS: Constraint = Constraint::Enum(&["Active", "Inactive", "Expired"]);

structure!(UploadSigningCertificateInput {
    user_name: Option<String> = "UserName" [LEN_1_128, NAME],
    certificate_body: String = "CertificateBody" [LEN_CERTIFICATE, DOCUMENT],
});
shape!(SigningCertificate {
    user_name: String = "UserName",
    certificate_id: String = "CertificateId",
    certificate_body: String = "CertificateBody",
    status: String = "Status",
    upload_date: Option<OffsetDateTime> = "UploadDate",
});
shape!(UploadSigningCertificateOutput {
    certificate: SigningCertificate = "Certificate"
});

structure!(ListSigningCertificatesInput {
    user_name: Option<String> = "UserName" [LEN_1_128, NAME],
    marker: Option<String> = "Marker" [LEN_MARKER, MARKER],
    max_items: Option<i64> = "MaxItems" [MAX_ITEMS],
});
shape!(ListSigningCertificatesOutput {
    certificates: Vec<SigningCertificate> = "Certificates",
    is_truncated: bool = "IsTruncated",
    marker: Option<String> = "Marker",
});

structure!(UpdateSigningCertificateInput {
    user_name: Option<String> = "UserName" [LEN_1_128, NAME],
    certificate_id: String = "CertificateId" [LEN_CERTIFICATE_ID, CERTIFICATE_ID],
    status: String = "Status" [CERTIFICATE_STATUS],
});
structure!(DeleteSigningCertificateInput {
    user_name: Option<String> = "UserName" [LEN_1_128, NAME],
    certificate_id: String = "CertificateId" [LEN_CERTIFICATE_ID, CERTIFICATE_ID],
});
