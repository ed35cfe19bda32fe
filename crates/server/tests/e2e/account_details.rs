//! GetAccountAuthorizationDetails in bounded pages (issue 17, item 7) and the expiry and cap of
//! generated access reports: aws-sdk-rust's paginator and boto3's
//! (`scripts/authorization_details_boto3.py`) walk an account larger than a page; report jobs
//! are refused past the account's cap and read as gone once expired (the server's clock moved,
//! requests signed at the moved time).

use crate::support::*;

/// The account beside the test's, whose entities must never show in the test account's pages.
const OTHER: &str = "313131313131";

pub async fn authorization_details_pages(s: &Server) {
    let iam = root_iam(s);
    for n in 0..5 {
        iam.create_user()
            .user_name(format!("paged-{n}"))
            .send()
            .await
            .expect("user");
    }
    iam.create_role()
        .role_name("paged-role")
        .assume_role_policy_document(trust_account(ACCOUNT))
        .send()
        .await
        .expect("role");
    iam.create_instance_profile()
        .instance_profile_name("paged-profile")
        .send()
        .await
        .expect("profile");
    iam.add_role_to_instance_profile()
        .instance_profile_name("paged-profile")
        .role_name("paged-role")
        .send()
        .await
        .expect("add role");
    // The paginator, two entities a page: every entity once, each page truncated but the last.
    let pages: Vec<_> = iam
        .get_account_authorization_details()
        .max_items(2)
        .into_paginator()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("pages");
    assert!(pages.len() >= 3, "{} pages", pages.len());
    let mut users = Vec::new();
    let mut roles = Vec::new();
    for (n, p) in pages.iter().enumerate() {
        let count = p.user_detail_list().len()
            + p.group_detail_list().len()
            + p.role_detail_list().len()
            + p.policies().len();
        assert!(count <= 2, "page {n} holds {count}");
        assert_eq!(p.is_truncated(), n + 1 < pages.len(), "page {n}");
        users.extend(
            p.user_detail_list()
                .iter()
                .filter_map(|u| u.user_name().map(str::to_owned)),
        );
        roles.extend(p.role_detail_list().iter().cloned());
    }
    let planted: Vec<String> = (0..5).map(|n| format!("paged-{n}")).collect();
    assert_eq!(users, planted);
    let role = roles
        .iter()
        .find(|r| r.role_name() == Some("paged-role"))
        .expect("the role");
    let profiles = role.instance_profile_list();
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].instance_profile_name(), "paged-profile");
    assert_eq!(
        profiles[0]
            .roles()
            .iter()
            .map(|r| r.role_name())
            .collect::<Vec<_>>(),
        ["paged-role"]
    );
    assert!(role.role_last_used().is_some(), "RoleLastUsed");
    let e = iam
        .get_account_authorization_details()
        .filter(aws_sdk_iam::types::EntityType::from("Users"))
        .send()
        .await
        .expect_err("a value outside the enum");
    assert_eq!(code(&e), "ValidationError");

    if !boto3_available() {
        return;
    }
    let (key, secret) = add_account(s, OTHER).await;
    run_boto3_as_root(
        s,
        "authorization_details_boto3.py",
        vec![OTHER.into(), key, secret],
    )
    .await;
}

/// The moved clock's now.
fn moved_now(s: &Server) -> time::OffsetDateTime {
    rolegate_service::clock::Clock::now(&**s.clock.as_ref().expect("a movable clock"))
}

/// A query call signed at the moved clock's time: (status, body).
async fn call_at_moved_time(s: &Server, body: &str) -> (u16, String) {
    let request = signed_post(
        &s.endpoint,
        "iam",
        body,
        ROOT_KEY,
        ROOT_SECRET,
        moved_now(s),
        &[],
    );
    let (status, _, body) = raw(&s.endpoint, request).await;
    (status, body)
}

fn job_id_in(body: &str) -> String {
    body.split("<JobId>")
        .nth(1)
        .and_then(|rest| rest.split("</JobId>").next())
        .unwrap_or_else(|| panic!("a JobId in {body}"))
        .to_owned()
}

pub async fn report_jobs_expire_and_are_capped(s: &Server) {
    use rolegate_service::iam::{JOB_TTL_SECONDS, JOBS_PER_ACCOUNT};
    let iam = root_iam(s);
    iam.create_user()
        .user_name("reported")
        .send()
        .await
        .expect("user");
    let subject = format!("arn:aws:iam::{ACCOUNT}:user/reported");
    let mut first = None;
    for _ in 0..JOBS_PER_ACCOUNT {
        let id = iam
            .generate_service_last_accessed_details()
            .arn(&subject)
            .send()
            .await
            .expect("a report within the cap")
            .job_id
            .expect("job id");
        first.get_or_insert(id);
    }
    let first = first.expect("a job");
    let e = iam
        .generate_service_last_accessed_details()
        .arn(&subject)
        .send()
        .await
        .expect_err("one report past the cap");
    assert_eq!(code(&e), "ReportGenerationLimitExceeded");
    assert!(
        message(&e).contains(&JOBS_PER_ACCOUNT.to_string()),
        "{}",
        message(&e)
    );
    let got = iam
        .get_service_last_accessed_details()
        .job_id(&first)
        .send()
        .await
        .expect("the first report is kept");
    assert_eq!(got.job_status().as_str(), "COMPLETED");

    let Some(clock) = &s.clock else {
        return;
    };
    clock.advance(JOB_TTL_SECONDS + 60);
    let read_first =
        format!("Action=GetServiceLastAccessedDetails&Version=2010-05-08&JobId={first}");
    let (status, body) = call_at_moved_time(s, &read_first).await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("<Code>NoSuchEntity</Code>"), "{body}");
    // Expired reports make room: a new one is generated and read.
    let generate = format!(
        "Action=GenerateServiceLastAccessedDetails&Version=2010-05-08&Arn={}",
        subject.replace(':', "%3A").replace('/', "%2F")
    );
    let (status, body) = call_at_moved_time(s, &generate).await;
    assert_eq!(status, 200, "{body}");
    let fresh = job_id_in(&body);
    let (status, body) = call_at_moved_time(
        s,
        &format!("Action=GetServiceLastAccessedDetails&Version=2010-05-08&JobId={fresh}"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<JobStatus>COMPLETED</JobStatus>"), "{body}");
    // The expired ones were deleted to make room: the account holds room for more again.
    for _ in 0..3 {
        let (status, body) = call_at_moved_time(s, &generate).await;
        assert_eq!(status, 200, "{body}");
    }
}
