//! The credential report: <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GenerateCredentialReport.html>,
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetCredentialReport.html>.

use time::OffsetDateTime;

use crate::{shape, structure, types::Blob};

structure!(GenerateCredentialReportInput {});
shape!(GenerateCredentialReportOutput {
    state: Option<String> = "State",
    description: Option<String> = "Description",
});
structure!(GetCredentialReportInput {});
shape!(GetCredentialReportOutput {
    content: Option<Blob> = "Content",
    report_format: Option<String> = "ReportFormat",
    generated_time: Option<OffsetDateTime> = "GeneratedTime",
});
