//! The real binary: an acknowledged write survives `kill -9`; SIGTERM shuts down cleanly;
//! the generated root credentials are written once, mode 0600, and never logged.

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
    };
    (child, server)
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
    let text = std::fs::read_to_string(dir.join("root-credentials")).expect("credentials file");
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k))
            .map(|v| v.trim_start_matches([' ', '=']).trim().to_owned())
            .expect(k)
    };
    (get("aws_access_key_id"), get("aws_secret_access_key"))
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
    let mut child = spawn_server(dir.path(), port2, &[]);
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
