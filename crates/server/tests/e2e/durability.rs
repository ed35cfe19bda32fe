//! The real binary: an acknowledged write survives `kill -9`; SIGTERM shuts down cleanly;
//! the generated root credentials are written once, mode 0600, and never logged;
//! `rolegate add-account` adds an account whose root key works at once.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use crate::support::*;

/// The real binary on a free port with the test root key, and a handle for SDK clients.
pub async fn binary_server(dir: &Path) -> (Child, Server) {
    let port = free_port();
    let child = spawn_server(
        dir,
        port,
        &[
            ("ROLEGATE_ROOT_ACCESS_KEY_ID", ROOT_KEY),
            ("ROLEGATE_ROOT_SECRET_ACCESS_KEY", ROOT_SECRET),
        ],
    );
    wait_ready(port).await;
    let server = Server {
        running: None,
        endpoint: format!("http://127.0.0.1:{port}"),
        _dir: None,
        pg_schema: None,
        config: None,
        clock: None,
    };
    (child, server)
}

/// SIGTERM, then the exit status must be 0 (graceful shutdown).
pub async fn terminate_cleanly(mut child: Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub fn spawn_server(dir: &Path, port: u16, extra_env: &[(&str, &str)]) -> Child {
    let log = std::fs::File::create(dir.join(format!("server-{port}.log"))).expect("log");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rolegate"));
    cmd.args([
        "serve",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--account-id",
        ACCOUNT,
    ])
    .arg("--data-dir")
    .arg(dir)
    .env_remove("ROLEGATE_ROOT_ACCESS_KEY_ID")
    .env_remove("ROLEGATE_ROOT_SECRET_ACCESS_KEY")
    .stdout(Stdio::null())
    .stderr(log);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn rolegate")
}

pub async fn wait_ready(port: u16) {
    for _ in 0..200 {
        if let Ok(stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            drop(stream);
            let (status, _, _) = raw(
                &format!("http://127.0.0.1:{port}"),
                "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".to_owned(),
            )
            .await;
            if status == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("server on {port} did not become ready");
}

fn root_credentials(dir: &Path) -> (String, String) {
    credentials_file(&dir.join("root-credentials"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let mut child = spawn_server(dir.path(), port, &[]);
    wait_ready(port).await;
    let (ak, sk) = root_credentials(dir.path());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("root-credentials"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let endpoint = format!("http://127.0.0.1:{port}");
    let client = iam(&endpoint, &ak, &sk);
    for n in 0..20 {
        client
            .create_user()
            .user_name(format!("durable{n}"))
            .send()
            .await
            .expect("acknowledged");
    }
    child.kill().expect("kill -9");
    child.wait().expect("reaped");

    let port2 = free_port();
    let child = spawn_server(dir.path(), port2, &[]);
    wait_ready(port2).await;
    assert_eq!(
        root_credentials(dir.path()),
        (ak.clone(), sk.clone()),
        "the root key is kept, not regenerated"
    );
    let client = iam(&format!("http://127.0.0.1:{port2}"), &ak, &sk);
    let users = client
        .list_users()
        .max_items(1000)
        .send()
        .await
        .expect("list");
    assert_eq!(users.users().len(), 20, "every acknowledged write survived");

    let log = std::fs::read_to_string(dir.path().join(format!("server-{port}.log"))).expect("log");
    assert!(
        log.contains("root-credentials"),
        "the log says where the key is"
    );
    assert!(!log.contains(&sk), "B-18: the secret is never logged");

    // SIGTERM: graceful shutdown, exit status 0.
    terminate_cleanly(child).await;
}

fn rolegate(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rolegate"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .args(["--account-id", ACCOUNT])
        .output()
        .expect("run rolegate")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_account_command() {
    const OTHER: &str = "210987654321";
    let dir = tempfile::tempdir().expect("dir");
    let out = rolegate(&["add-account", "--new-account-id", OTHER], dir.path());
    assert!(out.status.success(), "{out:?}");
    let file = dir.path().join(format!("root-credentials-{OTHER}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&*file.to_string_lossy()), "{stdout}");
    let (ak, sk) = credentials_file(&file);
    assert!(ak.starts_with("AKIA") && sk.len() == 40);
    assert!(
        !stdout.contains(&sk) && !String::from_utf8_lossy(&out.stderr).contains(&sk),
        "B-18: the secret is only in the file"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The same account twice, and an id that is not 12 digits: refused, nothing changes.
    let again = rolegate(&["add-account", "--new-account-id", OTHER], dir.path());
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already exists"),
        "{again:?}"
    );
    assert_eq!(credentials_file(&file), (ak.clone(), sk.clone()));
    let bad = rolegate(&["add-account", "--new-account-id", "12345"], dir.path());
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("12 digits"),
        "{bad:?}"
    );

    let (mut child, server) = binary_server(dir.path()).await;
    let me = sts(&server.endpoint, &ak, &sk)
        .get_caller_identity()
        .send()
        .await
        .expect("the new account's root key works");
    assert_eq!(me.account(), Some(OTHER));
    assert_eq!(me.arn(), Some(&*format!("arn:aws:iam::{OTHER}:root")));
    let users = iam(&server.endpoint, &ak, &sk)
        .list_users()
        .send()
        .await
        .expect("list users");
    assert!(users.users().is_empty(), "a new account starts empty");
    child.kill().expect("kill");
    child.wait().expect("reaped");
}
