//! Virtual MFA devices and MFA-protected roles and sessions, with codes computed by an
//! independent TOTP implementation (totp-rs), session expiry on a shifted clock, and the
//! per-device throttle on guessing codes (lockouts ended by moving the server's clock).

use std::sync::Arc;

use aws_sdk_sts::types::Credentials;
use rolegate_service::clock::ShiftedClock;

use crate::{
    sts::{role, user_with_key},
    support::*,
};

pub fn code(seed_b32: &str, t: i64) -> String {
    totp_code(seed_b32, t)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

pub async fn virtual_mfa(s: &Server) {
    let ep = &s.endpoint;
    let root = root_iam(s);
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","iam:ListUsers"],"Resource":"*"}]}"#;
    let (dk, ds) = user_with_key(s, "dev", Some(policy)).await;
    let created = root
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("devmfa")
        .send()
        .await
        .expect("create device")
        .virtual_mfa_device
        .expect("device");
    let serial = created.serial_number().to_owned();
    assert_eq!(serial, format!("arn:aws:iam::{ACCOUNT}:mfa/devmfa"));
    let seed = String::from_utf8(
        created
            .base32_string_seed()
            .expect("seed")
            .as_ref()
            .to_vec(),
    )
    .expect("seed text");
    let png = created.qr_code_png().expect("qr").as_ref().to_vec();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let dup = root
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("devmfa")
        .send()
        .await
        .expect_err("dup");
    assert_eq!(super::support::code(&dup), "EntityAlreadyExists");

    // Enabling needs two consecutive codes.
    let t = now();
    let bad = root
        .enable_mfa_device()
        .user_name("dev")
        .serial_number(&serial)
        .authentication_code1(code(&seed, t - 30))
        .authentication_code2(code(&seed, t - 90))
        .send()
        .await
        .expect_err("not consecutive");
    assert_eq!(super::support::code(&bad), "InvalidAuthenticationCode");
    root.enable_mfa_device()
        .user_name("dev")
        .serial_number(&serial)
        .authentication_code1(code(&seed, t - 60))
        .authentication_code2(code(&seed, t - 30))
        .send()
        .await
        .expect("enable");
    let listed = root
        .list_mfa_devices()
        .user_name("dev")
        .send()
        .await
        .expect("list");
    assert_eq!(listed.mfa_devices().len(), 1);
    assert_eq!(listed.mfa_devices()[0].serial_number(), serial);
    // GetMFADevice: the device enabled for that user, and for no one else.
    let got = root
        .get_mfa_device()
        .serial_number(&serial)
        .user_name("dev")
        .send()
        .await
        .expect("get mfa device");
    assert_eq!(got.user_name(), Some("dev"));
    assert_eq!(got.serial_number(), serial);
    assert!(got.enable_date().is_some());
    let elsewhere = root
        .get_mfa_device()
        .serial_number(&serial)
        .user_name("ops")
        .send()
        .await
        .expect_err("not ops's device");
    assert_eq!(super::support::code(&elsewhere), "NoSuchEntity");
    // Tags on the device, by its serial number.
    root.tag_mfa_device()
        .serial_number(&serial)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("owner")
                .value("dev")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("tag device");
    let tags = root
        .list_mfa_device_tags()
        .serial_number(&serial)
        .send()
        .await
        .expect("list device tags");
    assert_eq!(tags.tags().len(), 1);
    assert_eq!(tags.tags()[0].value(), "dev");
    root.untag_mfa_device()
        .serial_number(&serial)
        .tag_keys("owner")
        .send()
        .await
        .expect("untag device");
    let other = root
        .list_mfa_device_tags()
        .serial_number(format!("{serial}-nope"))
        .send()
        .await
        .expect_err("no such device");
    assert_eq!(super::support::code(&other), "NoSuchEntity");
    // GetAccountSummary counts the devices, and reports the STS token preference.
    let summary = root.get_account_summary().send().await.expect("summary");
    let map = summary.summary_map().expect("map");
    assert!(
        map[&aws_sdk_iam::types::SummaryKeyType::MfaDevicesInUse] >= 1,
        "{map:?}"
    );
    assert_eq!(
        map[&aws_sdk_iam::types::SummaryKeyType::GlobalEndpointTokenVersion],
        1
    );
    root.set_security_token_service_preferences()
        .global_endpoint_token_version(aws_sdk_iam::types::GlobalEndpointTokenVersion::V2Token)
        .send()
        .await
        .expect("preferences");
    let summary = root.get_account_summary().send().await.expect("summary");
    assert_eq!(
        summary.summary_map().expect("map")
            [&aws_sdk_iam::types::SummaryKeyType::GlobalEndpointTokenVersion],
        2
    );
    let assigned = root
        .list_virtual_mfa_devices()
        .assignment_status(aws_sdk_iam::types::AssignmentStatusType::Assigned)
        .send()
        .await
        .expect("list virtual");
    assert_eq!(assigned.virtual_mfa_devices().len(), 1);
    assert_eq!(
        assigned.virtual_mfa_devices()[0]
            .user()
            .map(|u| u.user_name()),
        Some("dev")
    );
    assert!(
        assigned.virtual_mfa_devices()[0]
            .base32_string_seed()
            .is_none()
    );

    // ResyncMFADevice: two consecutive codes newer than any accepted before; a replayed or
    // non-consecutive pair is refused. (A second user's device, so the timeline is its own.)
    root.create_user()
        .user_name("ops")
        .send()
        .await
        .expect("ops");
    let ops_device = root
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("opsmfa")
        .send()
        .await
        .expect("ops device")
        .virtual_mfa_device
        .expect("device");
    let ops_serial = ops_device.serial_number().to_owned();
    let ops_seed = String::from_utf8(
        ops_device
            .base32_string_seed()
            .expect("seed")
            .as_ref()
            .to_vec(),
    )
    .expect("seed text");
    let t = now();
    root.enable_mfa_device()
        .user_name("ops")
        .serial_number(&ops_serial)
        .authentication_code1(code(&ops_seed, t - 150))
        .authentication_code2(code(&ops_seed, t - 120))
        .send()
        .await
        .expect("enable ops");
    let resync = |c1: String, c2: String| {
        root.resync_mfa_device()
            .user_name("ops")
            .serial_number(&ops_serial)
            .authentication_code1(c1)
            .authentication_code2(c2)
            .send()
    };
    let e = resync(code(&ops_seed, t - 90), code(&ops_seed, t - 30))
        .await
        .expect_err("not consecutive");
    assert_eq!(super::support::code(&e), "InvalidAuthenticationCode");
    let e = resync(code(&ops_seed, t - 150), code(&ops_seed, t - 120))
        .await
        .expect_err("the enabling codes again");
    assert_eq!(super::support::code(&e), "InvalidAuthenticationCode");
    resync(code(&ops_seed, t - 90), code(&ops_seed, t - 60))
        .await
        .expect("resync");
    let e = resync(code(&ops_seed, t - 90), code(&ops_seed, t - 60))
        .await
        .expect_err("replayed resync");
    assert_eq!(super::support::code(&e), "InvalidAuthenticationCode");
    let e = root
        .resync_mfa_device()
        .user_name("dev")
        .serial_number(&ops_serial)
        .authentication_code1(code(&ops_seed, t - 30))
        .authentication_code2(code(&ops_seed, t))
        .send()
        .await
        .expect_err("another user's device");
    assert_ne!(super::support::code(&e), "");
    remove_device(&root, "ops", &ops_serial).await;

    // An MFA-protected role.
    role(
        s,
        "Guarded",
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:user/dev"}},"Action":"sts:AssumeRole","Condition":{{"Bool":{{"aws:MultiFactorAuthPresent":"true"}}}}}}]}}"#
        ),
        Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}"#),
    )
    .await;
    let dev = sts(ep, &dk, &ds);
    let arn = format!("arn:aws:iam::{ACCOUNT}:role/Guarded");
    let e = dev
        .assume_role()
        .role_arn(&arn)
        .role_session_name("mm")
        .send()
        .await
        .expect_err("no MFA");
    assert_eq!(super::support::code(&e), "AccessDenied");
    let e = dev
        .assume_role()
        .role_arn(&arn)
        .role_session_name("mm")
        .serial_number(&serial)
        .token_code("000000")
        .send()
        .await;
    if let Err(e) = e {
        assert_eq!(super::support::code(&e), "AccessDenied");
    }
    let e = dev
        .assume_role()
        .role_arn(&arn)
        .role_session_name("mm")
        .serial_number(&serial)
        .token_code("12345")
        .send()
        .await
        .expect_err("5 digits");
    assert_eq!(super::support::code(&e), "ValidationError");
    let good = code(&seed, now());
    let creds = dev
        .assume_role()
        .role_arn(&arn)
        .role_session_name("mm")
        .serial_number(&serial)
        .token_code(&good)
        .send()
        .await
        .expect("with MFA")
        .credentials
        .expect("c");
    iam_session(ep, &creds)
        .list_users()
        .send()
        .await
        .expect("MFA age condition holds");
    let e = dev
        .assume_role()
        .role_arn(&arn)
        .role_session_name("mm")
        .serial_number(&serial)
        .token_code(&good)
        .send()
        .await
        .expect_err("replay");
    assert_eq!(super::support::code(&e), "AccessDenied");

    // GetSessionToken with MFA may call IAM.
    tokio::time::sleep(std::time::Duration::from_secs(
        u64::try_from(31 - now() % 30).expect("wait"),
    ))
    .await;
    // A new client: the old one's pooled connection was idle past the server's keep-alive
    // timeout (10 s) during the wait, and a request sent as the server closes it fails.
    let dev = sts(ep, &dk, &ds);
    let gst = dev
        .get_session_token()
        .serial_number(&serial)
        .token_code(code(&seed, now()))
        .send()
        .await
        .expect("GST with MFA")
        .credentials
        .expect("c");
    iam_session(ep, &gst)
        .list_users()
        .send()
        .await
        .expect("IAM with MFA session");
    let e = dev
        .get_session_token()
        .serial_number(&serial)
        .token_code("123456")
        .send()
        .await
        .expect_err("bad code");
    assert_eq!(
        super::support::message(&e),
        "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user."
    );

    // The device blocks user deletion until deactivated and deleted.
    root.delete_access_key()
        .user_name("dev")
        .access_key_id(&dk)
        .send()
        .await
        .expect("dk");
    root.delete_user_policy()
        .user_name("dev")
        .policy_name("p")
        .send()
        .await
        .expect("dp");
    let e = root
        .delete_user()
        .user_name("dev")
        .send()
        .await
        .expect_err("mfa device");
    assert_eq!(
        super::support::message(&e),
        "Cannot delete entity, must delete MFA device first."
    );
    let e = root
        .delete_virtual_mfa_device()
        .serial_number(&serial)
        .send()
        .await
        .expect_err("in use");
    assert_eq!(super::support::code(&e), "DeleteConflict");
    remove_device(&root, "dev", &serial).await;
    root.delete_user()
        .user_name("dev")
        .send()
        .await
        .expect("delete user");
}

/// Sessions expire: `ExpiredToken` once the clock passes Expiration; key rotation keeps live
/// sessions working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_and_survive_rotation() {
    let clock = Arc::new(ShiftedClock::default());
    let s = sqlite_with(rolegate_server::ClockHandle(clock.clone())).await;
    let (dk, ds) = user_with_key(&s, "dev", Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#)).await;
    role(&s, "R", &trust_account(ACCOUNT), None).await;
    let out = sts(&s.endpoint, &dk, &ds)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/R"))
        .role_session_name("ee")
        .duration_seconds(900)
        .send()
        .await
        .expect("assume");
    let c: Credentials = out.credentials.expect("c");
    let running = s.running.as_ref().expect("running");
    running.service.rotate_keyring().await.expect("rotate");
    running.service.sync_changes().await.expect("sync");
    sts_session(&s.endpoint, &c)
        .get_caller_identity()
        .send()
        .await
        .expect("old key still opens");

    // Seconds before its Expiration the session still works; at Expiration it has expired.
    // The first shift is computed from the session's Expiration, not from when it was issued,
    // so time the test itself takes (a loaded machine) cannot carry it past the expiry.
    // Requests are signed with the shifted time so only the session's expiry differs.
    let expires = c.expiration().secs();
    let until_just_before = expires - 5 - clock_now(&clock).unix_timestamp();
    assert!(until_just_before > 800, "a 900 s session");
    for (shift, expired) in [(until_just_before, false), (5, true)] {
        clock.advance(shift);
        let when = clock_now(&clock);
        let body = "Action=GetCallerIdentity&Version=2011-06-15";
        let req = signed_post(
            &s.endpoint,
            "sts",
            body,
            c.access_key_id(),
            c.secret_access_key(),
            when,
            &[("x-amz-security-token", c.session_token())],
        );
        let (status, _, text) = raw(&s.endpoint, req).await;
        if expired {
            assert_eq!(status, 403, "{text}");
            assert!(text.contains("<Code>ExpiredToken</Code>"), "{text}");
            assert!(
                text.contains("The security token included in the request is expired"),
                "{text}"
            );
        } else {
            assert_eq!(status, 200, "{text}");
        }
    }
    s.stop().await;
}

pub fn clock_now(c: &ShiftedClock) -> time::OffsetDateTime {
    use rolegate_service::clock::Clock;
    c.now()
}

/// Deactivates a user's virtual MFA device and deletes it.
async fn remove_device(root: &aws_sdk_iam::Client, user: &str, serial: &str) {
    root.deactivate_mfa_device()
        .user_name(user)
        .serial_number(serial)
        .send()
        .await
        .unwrap_or_else(|e| panic!("deactivate {user}'s device: {e:?}"));
    root.delete_virtual_mfa_device()
        .serial_number(serial)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete {user}'s device: {e:?}"));
}

/// AWS's refusal of a GetSessionToken MFA code (two spaces before "Please").
pub const GST_MFA_FAILED: &str = "MultiFactorAuthentication failed, unable to validate MFA code.  Please verify your MFA serial number is valid and associated with this user.";
/// AWS's refusal of an AssumeRole MFA code (the service adds a trailing space).
const ASSUME_MFA_FAILED: &str =
    "MultiFactorAuthentication failed with invalid MFA one time pass code.";

/// The server's time (unix seconds) on a moved clock.
pub fn server_now(clock: &ShiftedClock) -> i64 {
    clock_now(clock).unix_timestamp()
}

/// A six-digit code that is none of the device's codes from two steps before `t` to two
/// after (so it is wrong whatever drift the server allows).
pub fn wrong_code(seed_b32: &str, t: i64) -> String {
    let near: Vec<String> = (-2..=2).map(|k| code(seed_b32, t + 30 * k)).collect();
    (0..10u32)
        .map(|n| format!("{:06}", 123_456 + n))
        .find(|c| !near.contains(c))
        .expect("one of ten codes is not among five")
}

/// Creates a virtual MFA device: its serial number and base32 seed.
pub async fn new_device(root: &aws_sdk_iam::Client, name: &str) -> (String, String) {
    let d = root
        .create_virtual_mfa_device()
        .virtual_mfa_device_name(name)
        .send()
        .await
        .expect("create device")
        .virtual_mfa_device
        .expect("device");
    let seed = String::from_utf8(d.base32_string_seed().expect("seed").as_ref().to_vec())
        .expect("seed text");
    (d.serial_number().to_owned(), seed)
}

/// Creates a virtual MFA device and enables it for `user` with the codes of the two steps
/// before `t`.
pub async fn enabled_device(
    root: &aws_sdk_iam::Client,
    user: &str,
    name: &str,
    t: i64,
) -> (String, String) {
    let (serial, seed) = new_device(root, name).await;
    root.enable_mfa_device()
        .user_name(user)
        .serial_number(&serial)
        .authentication_code1(code(&seed, t - 60))
        .authentication_code2(code(&seed, t - 30))
        .send()
        .await
        .unwrap_or_else(|e| panic!("enable {name}: {e:?}"));
    (serial, seed)
}

/// GetSessionToken with an MFA code.
pub async fn session_with_code(
    client: &aws_sdk_sts::Client,
    serial: &str,
    code: &str,
) -> Result<Credentials, String> {
    client
        .get_session_token()
        .serial_number(serial)
        .token_code(code)
        .send()
        .await
        .map(|o| o.credentials.expect("credentials"))
        .map_err(|e| {
            assert_eq!(super::support::code(&e), "AccessDenied", "{e:?}");
            super::support::message(&e)
        })
}

/// The stored record of a device (by its name): its version and its throttle count.
async fn device_state(s: &Server, name: &str) -> (i64, u32) {
    let store = s.running.as_ref().expect("running").service.store().clone();
    let r = store
        .get(ACCOUNT, "mfa-device", &name.to_lowercase())
        .await
        .expect("read")
        .expect("the device");
    let d: rolegate_store::record::MfaDevice =
        rolegate_store::record::decode(&r.data).expect("decode");
    (r.version, d.failures)
}

/// MFA codes cannot be guessed: after 5 wrong codes the device is locked and even the
/// correct code is refused, with the error of a wrong code, by every operation that checks
/// codes; a locked device costs no writes; other devices, other users and calls without MFA
/// are unaffected; the lockout ends, grows with each further failure, and a success clears
/// the count. Enabling a device is throttled the same way.
pub async fn lockout(s: &Server) {
    let clock = s.clock.clone().expect("a server on a movable clock");
    let root = root_iam(s);
    let assume = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;
    let (ok, os) = user_with_key(s, "owner", Some(assume)).await;
    let (bk, bs) = user_with_key(s, "bystander", None).await;
    let t = server_now(&clock);
    let (serial, seed) = enabled_device(&root, "owner", "ownermfa", t).await;
    let (by_serial, by_seed) = enabled_device(&root, "bystander", "bystandermfa", t).await;
    let (spare_serial, spare_seed) = new_device(&root, "sparemfa").await;
    role(s, "Guarded", &trust_account(ACCOUNT), None).await;
    let owner = sts(&s.endpoint, &ok, &os);
    let bystander = sts(&s.endpoint, &bk, &bs);
    let right = || code(&seed, server_now(&clock));
    let wrong = || wrong_code(&seed, server_now(&clock));

    // 20 wrong codes, all refused alike; only the first 5 are checked, one write each.
    let (v0, _) = device_state(s, "ownermfa").await;
    for n in 0..20 {
        let e = session_with_code(&owner, &serial, &wrong())
            .await
            .expect_err("a wrong code");
        assert_eq!(e, GST_MFA_FAILED, "attempt {n}");
    }
    assert_eq!(
        device_state(s, "ownermfa").await,
        (v0 + 5, 5),
        "5 failures counted and written; nothing written while locked"
    );

    // Locked: the correct code is refused too, with the same error, by GetSessionToken,
    // AssumeRole and ResyncMFADevice; none of them writes.
    let e = session_with_code(&owner, &serial, &right())
        .await
        .expect_err("the correct code while locked");
    assert_eq!(e, GST_MFA_FAILED);
    let e = owner
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/Guarded"))
        .role_session_name("locked")
        .serial_number(&serial)
        .token_code(right())
        .send()
        .await
        .expect_err("AssumeRole with the correct code while locked");
    assert_eq!(super::support::code(&e), "AccessDenied");
    assert_eq!(super::support::message(&e).trim_end(), ASSUME_MFA_FAILED);
    let now = server_now(&clock);
    let e = root
        .resync_mfa_device()
        .user_name("owner")
        .serial_number(&serial)
        .authentication_code1(code(&seed, now - 30))
        .authentication_code2(code(&seed, now))
        .send()
        .await
        .expect_err("resync with correct codes while locked");
    assert_eq!(super::support::code(&e), "InvalidAuthenticationCode");
    assert_eq!(device_state(s, "ownermfa").await, (v0 + 5, 5));

    // No lever beyond the device: another user's device, and the owner without MFA.
    session_with_code(&bystander, &by_serial, &code(&by_seed, server_now(&clock)))
        .await
        .expect("another user's device is not locked");
    owner
        .get_session_token()
        .send()
        .await
        .expect("the locked device's user without MFA");

    // Enabling is throttled alike: 5 wrong pairs, then the right pair is refused.
    let enable = |c1: String, c2: String| {
        root.enable_mfa_device()
            .user_name("bystander")
            .serial_number(&spare_serial)
            .authentication_code1(c1)
            .authentication_code2(c2)
            .send()
    };
    for n in 0..5 {
        let now = server_now(&clock);
        let e = enable(
            wrong_code(&spare_seed, now),
            wrong_code(&spare_seed, now - 30),
        )
        .await
        .expect_err("wrong codes");
        assert_eq!(super::support::code(&e), "InvalidAuthenticationCode", "{n}");
    }
    let now = server_now(&clock);
    let e = enable(code(&spare_seed, now - 30), code(&spare_seed, now))
        .await
        .expect_err("the right codes while locked");
    assert_eq!(super::support::code(&e), "InvalidAuthenticationCode");

    // 30 s later one guess is checked again, and failing it locks for 60 s.
    clock.advance(31);
    let now = server_now(&clock);
    enable(code(&spare_seed, now - 30), code(&spare_seed, now))
        .await
        .expect("the lockout of the spare device is over");
    session_with_code(&owner, &serial, &wrong())
        .await
        .expect_err("a wrong code after the lockout");
    assert_eq!(device_state(s, "ownermfa").await, (v0 + 6, 6));
    clock.advance(31);
    let e = session_with_code(&owner, &serial, &right())
        .await
        .expect_err("the second lockout is 60 s");
    assert_eq!(e, GST_MFA_FAILED);
    clock.advance(30);
    session_with_code(&owner, &serial, &right())
        .await
        .expect("the correct code once the lockout is over");
    assert_eq!(
        device_state(s, "ownermfa").await.1,
        0,
        "a success clears the count"
    );

    // After a success 4 failures do not lock, and the 5th locks for 30 s again.
    for _ in 0..4 {
        session_with_code(&owner, &serial, &wrong())
            .await
            .expect_err("wrong");
    }
    clock.advance(31);
    session_with_code(&owner, &serial, &right())
        .await
        .expect("4 failures do not lock");
    for _ in 0..5 {
        session_with_code(&owner, &serial, &wrong())
            .await
            .expect_err("wrong");
    }
    session_with_code(&owner, &serial, &right())
        .await
        .expect_err("locked again");
    clock.advance(31);
    session_with_code(&owner, &serial, &right())
        .await
        .expect("the first lockout after a success is 30 s again");
}
