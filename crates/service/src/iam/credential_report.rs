//! The credential report: every user of the account, the root user first, with the state of
//! each credential — password, MFA, access keys, signing certificates — as the CSV AWS
//! writes, in AWS's columns and order.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html>
//!
//! GenerateCredentialReport builds the report at once and keeps it (one record per account);
//! like AWS it answers `STARTED` when it had none and `COMPLETE` while the kept one is under
//! four hours old, and a report older than that is regenerated. GetCredentialReport returns
//! the kept report (`ReportNotPresent` before the first, `ReportExpired` after four hours). The
//! report holds no secret: key ids are not in it, only their state.

use rolegate_proto::{dto::credential_report::*, types::Blob};
use rolegate_store::{GLOBAL, record};

use crate::{
    Service,
    error::{Result, ServiceError},
    handler::{Needs, handlers},
    iam::{Ctx, arn, ts},
};

handlers! {
    GenerateCredentialReportInput => GenerateCredentialReportOutput: generate_credential_report,
        needs |i, _| Needs::any();
    GetCredentialReportInput => GetCredentialReportOutput: get_credential_report,
        needs |i, _| Needs::any();
}

/// How long a report is served (AWS: four hours).
pub const REPORT_LIFETIME: i64 = 4 * 3600;

/// AWS's columns, in AWS's order.
const COLUMNS: [&str; 22] = [
    "user",
    "arn",
    "user_creation_time",
    "password_enabled",
    "password_last_used",
    "password_last_changed",
    "password_next_rotation",
    "mfa_active",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_1_last_used_region",
    "access_key_1_last_used_service",
    "access_key_2_active",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
    "access_key_2_last_used_region",
    "access_key_2_last_used_service",
    "cert_1_active",
    "cert_1_last_rotated",
    "cert_2_active",
    "cert_2_last_rotated",
];

const NA: &str = "N/A";

/// A time as the report writes it: ISO 8601 with `+00:00`.
fn iso(t: i64) -> String {
    ts(t).map_or_else(
        || NA.to_owned(),
        |d| {
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
                d.year(),
                u8::from(d.month()),
                d.day(),
                d.hour(),
                d.minute(),
                d.second()
            )
        },
    )
}

/// A CSV field (quoted when it holds a comma, a quote or a line break).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The ten key columns of up to two keys (absent keys: `false` and `N/A`).
fn key_columns(keys: &[record::AccessKey]) -> Vec<String> {
    let mut out = Vec::new();
    for n in 0..2 {
        match keys.get(n) {
            Some(k) => {
                out.push(k.active.to_string());
                out.push(iso(k.created));
                match &k.last_used {
                    Some(u) => {
                        out.push(iso(u.at));
                        out.push(if u.region.is_empty() {
                            NA.into()
                        } else {
                            u.region.clone()
                        });
                        out.push(u.service.clone());
                    }
                    None => out.extend([NA.to_owned(), NA.to_owned(), NA.to_owned()]),
                }
            }
            None => out.extend(["false", NA, NA, NA, NA].map(str::to_owned)),
        }
    }
    out
}

/// The four signing-certificate columns of up to two certificates (absent: `false` and
/// `N/A`); "last rotated" is when the certificate was uploaded.
fn certificate_columns(certs: &[record::SigningCertificate]) -> Vec<String> {
    let mut out = Vec::new();
    for n in 0..2 {
        match certs.get(n) {
            Some(c) => out.extend([c.active.to_string(), iso(c.uploaded)]),
            None => out.extend(["false", NA].map(str::to_owned)),
        }
    }
    out
}

impl Service {
    async fn access_keys(&self, ids: &[String]) -> Result<Vec<record::AccessKey>> {
        let mut tx = self.tx();
        let mut keys = Vec::new();
        for id in ids {
            if let Some(k) = tx.get::<record::AccessKey>(GLOBAL, id).await? {
                keys.push(k);
            }
        }
        keys.sort_by_key(|k| k.created);
        Ok(keys)
    }

    /// The report's CSV, now.
    async fn credential_report_csv(&self, account: &str) -> Result<String> {
        let mut tx = self.tx();
        let acct = tx
            .get::<record::Account>(GLOBAL, account)
            .await?
            .ok_or_else(|| ServiceError::Internal("account missing".into()))?;
        let policy = tx
            .get::<record::PasswordPolicy>(account, record::PASSWORD_POLICY_KEY)
            .await?;
        let mut rows = vec![COLUMNS.join(",")];
        // The root user: its password is not an IAM login profile.
        let mut root = vec![
            "<root_account>".to_owned(),
            crate::iam::root_arn(account),
            iso(acct.created),
            "not_supported".into(),
            "no_information".into(),
            "not_supported".into(),
            "not_supported".into(),
            "false".into(),
        ];
        root.extend(key_columns(
            &self.access_keys(&acct.root_access_keys).await?,
        ));
        root.extend(certificate_columns(
            &self.signing_certificates_of(&mut tx, account, None).await?,
        ));
        rows.push(root.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        let mut marker = None;
        loop {
            let page = self
                .list_records::<record::User>(account, marker.as_deref(), Some(1000), |_| true)
                .await?;
            for u in &page.items {
                let profile = tx
                    .get::<record::LoginProfile>(account, &crate::iam::key_of(&u.name))
                    .await?
                    .filter(|p| p.user_id == u.id);
                let mut row = vec![
                    u.name.clone(),
                    arn(account, "user", &u.path, &u.name),
                    iso(u.created),
                ];
                match &profile {
                    Some(p) => {
                        row.push("true".into());
                        // No console signs in yet: never used.
                        row.push("no_information".into());
                        row.push(iso(p.set_at));
                        row.push(policy.as_ref().and_then(|pp| pp.max_age_days).map_or_else(
                            || NA.to_owned(),
                            |d| iso(p.set_at.saturating_add(i64::from(d) * 86_400)),
                        ));
                    }
                    None => row.extend(["false", NA, NA, NA].map(str::to_owned)),
                }
                row.push((!u.mfa_devices.is_empty()).to_string());
                row.extend(key_columns(&self.access_keys(&u.access_keys).await?));
                row.extend(certificate_columns(
                    &self
                        .signing_certificates_of(&mut tx, account, Some(u))
                        .await?,
                ));
                rows.push(row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
            }
            if !page.truncated {
                break;
            }
            marker = page.marker;
        }
        Ok(rows.join("\n"))
    }

    pub(crate) async fn generate_credential_report(
        &self,
        c: &Ctx<'_>,
        _: GenerateCredentialReportInput,
    ) -> Result<GenerateCredentialReportOutput> {
        let account = c.account();
        let now = self.now();
        let kept = self
            .tx()
            .get::<record::CredentialReport>(account, record::CREDENTIAL_REPORT_KEY)
            .await?;
        if kept
            .as_ref()
            .is_some_and(|r| now.saturating_sub(r.generated) < REPORT_LIFETIME)
        {
            return Ok(GenerateCredentialReportOutput {
                state: Some("COMPLETE".into()),
                description: None,
            });
        }
        let content = self.credential_report_csv(account).await?;
        let had_one = kept.is_some();
        self.retry(|| async {
            let mut tx = self.tx();
            tx.get::<record::CredentialReport>(account, record::CREDENTIAL_REPORT_KEY)
                .await?;
            tx.put(
                account,
                record::CREDENTIAL_REPORT_KEY,
                &record::CredentialReport {
                    generated: now,
                    content: content.clone(),
                },
            )?;
            tx.commit().await
        })
        .await?;
        Ok(GenerateCredentialReportOutput {
            state: Some("STARTED".into()),
            description: Some(if had_one {
                "The credential report is older than four hours. Starting a new report generation task".into()
            } else {
                "No report exists. Starting a new report generation task".into()
            }),
        })
    }

    pub(crate) async fn get_credential_report(
        &self,
        c: &Ctx<'_>,
        _: GetCredentialReportInput,
    ) -> Result<GetCredentialReportOutput> {
        let report = self
            .tx()
            .get::<record::CredentialReport>(c.account(), record::CREDENTIAL_REPORT_KEY)
            .await?
            .ok_or_else(|| {
                ServiceError::ReportNotPresent(
                    "Credential report not present. Generate a report with GenerateCredentialReport.".into(),
                )
            })?;
        if self.now().saturating_sub(report.generated) >= REPORT_LIFETIME {
            return Err(ServiceError::ReportExpired(
                "The credential report is older than four hours. Generate a new one with GenerateCredentialReport.".into(),
            ));
        }
        Ok(GetCredentialReportOutput {
            content: Some(Blob(report.content.into_bytes())),
            report_format: Some("text/csv".into()),
            generated_time: ts(report.generated),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_fields_are_written_as_aws_writes_them() {
        assert_eq!(iso(1_412_162_383), "2014-10-01T11:19:43+00:00");
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(COLUMNS.len(), 22);
        assert_eq!(key_columns(&[]).len(), 10);
    }
}
