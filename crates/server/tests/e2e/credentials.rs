//! The other credentials a user can hold (issue 17, item 3): SSH public keys, signing
//! certificates and server certificates. aws-sdk-rust for the shapes and errors, boto3 for
//! every operation and rule (`scripts/credentials_boto3.py`, which makes its keys and
//! certificates with `cryptography`), concurrent uploads against the per-user quota and the
//! one-holder rule, then a scan of the stored audit events for every private
//! key the scenario uploaded.

use crate::support::*;

pub async fn ssh_keys_and_certificates(s: &Server) {
    let iam = root_iam(s);
    iam.create_user()
        .user_name("sdk-creds")
        .send()
        .await
        .expect("user");
    let listed = iam
        .list_ssh_public_keys()
        .user_name("sdk-creds")
        .send()
        .await
        .expect("list keys");
    assert!(listed.ssh_public_keys().is_empty() && !listed.is_truncated());
    let e = iam
        .upload_ssh_public_key()
        .user_name("sdk-creds")
        .ssh_public_key_body(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        )
        .send()
        .await
        .expect_err("ed25519");
    assert_eq!(code(&e), "UnrecognizedPublicKeyEncoding");
    let e = iam
        .upload_signing_certificate()
        .user_name("sdk-creds")
        .certificate_body("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        .send()
        .await
        .expect_err("malformed");
    assert_eq!(code(&e), "MalformedCertificate");
    let listed = iam
        .list_signing_certificates()
        .user_name("sdk-creds")
        .send()
        .await
        .expect("list certificates");
    assert!(listed.certificates().is_empty());
    let listed = iam
        .list_server_certificates()
        .send()
        .await
        .expect("list server certificates");
    assert!(listed.server_certificate_metadata_list().is_empty());
    let e = iam
        .get_server_certificate()
        .server_certificate_name("none")
        .send()
        .await
        .expect_err("none");
    assert_eq!(code(&e), "NoSuchEntity");

    // The per-user quota and the one-holder rule hold under concurrent uploads: of ten keys
    // uploaded at once, five are stored; of one certificate uploaded at once for two users,
    // one holds it.
    let keys: Vec<String> = (0..10)
        .map(|_| {
            crate::terraform::ssh_rsa(
                &rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("rsa key"),
            )
        })
        .collect();
    let mut tasks = Vec::new();
    for k in keys {
        let iam = iam.clone();
        tasks.push(tokio::spawn(async move {
            iam.upload_ssh_public_key()
                .user_name("sdk-creds")
                .ssh_public_key_body(k)
                .send()
                .await
        }));
    }
    let (mut stored, mut raced) = (0, false);
    for t in tasks {
        match t.await.expect("join") {
            Ok(_) => stored += 1,
            Err(e) if code(&e) == "ConcurrentModification" => raced = true,
            Err(e) => assert_eq!(code(&e), "LimitExceeded"),
        }
    }
    let listed = iam
        .list_ssh_public_keys()
        .user_name("sdk-creds")
        .send()
        .await
        .expect("list keys");
    assert_eq!(listed.ssh_public_keys().len(), stored);
    assert!((1..=5).contains(&stored), "{stored}");
    if !raced {
        assert_eq!(stored, 5);
    }
    for k in listed.ssh_public_keys() {
        iam.delete_ssh_public_key()
            .user_name("sdk-creds")
            .ssh_public_key_id(k.ssh_public_key_id())
            .send()
            .await
            .expect("delete key");
    }
    iam.create_user()
        .user_name("sdk-creds-2")
        .send()
        .await
        .expect("user");
    let key = rcgen::KeyPair::generate().expect("key");
    let pem = rcgen::CertificateParams::new(vec!["shared".into()])
        .expect("params")
        .self_signed(&key)
        .expect("certificate")
        .pem();
    let mut tasks = Vec::new();
    for user in ["sdk-creds", "sdk-creds-2", "sdk-creds", "sdk-creds-2"] {
        let (iam, pem) = (iam.clone(), pem.clone());
        tasks.push(tokio::spawn(async move {
            iam.upload_signing_certificate()
                .user_name(user)
                .certificate_body(pem)
                .send()
                .await
        }));
    }
    let mut held = Vec::new();
    for t in tasks {
        match t.await.expect("join") {
            Ok(o) => held.extend(o.certificate().cloned()),
            Err(e) => assert!(
                ["DuplicateCertificate", "ConcurrentModification"].contains(&code(&e).as_str()),
                "{}",
                code(&e)
            ),
        }
    }
    assert_eq!(held.len(), 1, "one holder");
    // The account's quota of 20 server certificates holds under concurrent uploads.
    let key = rcgen::KeyPair::generate().expect("key");
    let body = rcgen::CertificateParams::new(vec!["quota.example".into()])
        .expect("params")
        .self_signed(&key)
        .expect("certificate")
        .pem();
    let mut tasks = Vec::new();
    for n in 0..24 {
        let (iam, body, key) = (iam.clone(), body.clone(), key.serialize_pem());
        tasks.push(tokio::spawn(async move {
            iam.upload_server_certificate()
                .server_certificate_name(format!("quota-{n}"))
                .certificate_body(body)
                .private_key(key)
                .send()
                .await
        }));
    }
    for t in tasks {
        if let Err(e) = t.await.expect("join") {
            assert!(
                ["LimitExceeded", "ConcurrentModification"].contains(&code(&e).as_str()),
                "{}",
                code(&e)
            );
        }
    }
    let stored = iam
        .list_server_certificates()
        .send()
        .await
        .expect("list server certificates");
    let names: Vec<String> = stored
        .server_certificate_metadata_list()
        .iter()
        .map(|m| m.server_certificate_name().to_owned())
        .collect();
    assert!(names.len() <= 20, "{} server certificates", names.len());
    for name in names {
        iam.delete_server_certificate()
            .server_certificate_name(name)
            .send()
            .await
            .expect("delete server certificate");
    }
    iam.delete_signing_certificate()
        .user_name(held[0].user_name())
        .certificate_id(held[0].certificate_id())
        .send()
        .await
        .expect("delete certificate");
    for user in ["sdk-creds", "sdk-creds-2"] {
        iam.delete_user()
            .user_name(user)
            .send()
            .await
            .expect("delete user");
    }

    if !boto3_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = dir.path().join("private-keys");
    run_boto3_as_root(
        s,
        "credentials_boto3.py",
        vec![keys.to_string_lossy().into_owned()],
    )
    .await;
    let keys = std::fs::read_to_string(&keys).expect("private keys file");
    let lines: Vec<&str> = keys.lines().filter(|l| l.len() >= 40).collect();
    assert!(lines.len() > 50, "{}", lines.len());
    let events = crate::audit::stored_events(s).await;
    assert!(
        events.iter().any(|e| e.contains("UploadServerCertificate")),
        "the uploads are recorded"
    );
    for e in &events {
        for line in &lines {
            assert!(!e.contains(line), "a private key in a stored event: {e}");
        }
    }
}
