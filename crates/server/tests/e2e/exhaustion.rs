//! Resource exhaustion at the edge (adversarial review, finding 7): thousands of slow clients
//! (slowloris) do not starve the others and are closed after the header-read timeout; beyond
//! `--max-connections` new connections are closed at once and the server serves again when the
//! slow ones are gone; a body that trickles in gets `RequestTimeout`; a client that stops
//! reading responses is disconnected after the send timeout; a keep-alive connection
//! carries a bounded number of requests and is closed when idle; running out of file
//! descriptors makes the accept loop back off, not spin; shutdown stops accepting and still
//! answers the request in flight.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpStream, tcp::OwnedReadHalf},
    task::JoinSet,
};

use crate::{
    durability::{free_port, terminate_cleanly, wait_ready},
    support::*,
};

/// The start of a request head that never ends.
const PARTIAL_HEAD: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Slow: ";

/// How long a test waits for the server to close a connection, past its header-read timeout.
const CLOSE_BOUND: Duration = Duration::from_secs(15);

/// Raises this process's soft open-file limit to the hard one; returns the soft limit.
fn raise_open_file_limit() -> u64 {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if let Some(hard) = limit.maximum {
        let _ = setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(hard),
                maximum: Some(hard),
            },
        );
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// `GET path` on a fresh connection: the status, or `None` when the server closed the
/// connection without answering.
async fn status_of(endpoint: &str, path: &str) -> Option<u16> {
    status_from(endpoint, path, None).await
}

/// [`status_of`] from a given loopback source address (another client to the server).
async fn status_from(endpoint: &str, path: &str, from: Option<&str>) -> Option<u16> {
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = match from {
        None => TcpStream::connect(addr).await.ok()?,
        Some(source) => {
            let socket = tokio::net::TcpSocket::new_v4().ok()?;
            socket
                .bind(format!("{source}:0").parse().expect("source"))
                .ok()?;
            socket.connect(addr.parse().expect("addr")).await.ok()?
        }
    };
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut buf = Vec::new();
    let read = tokio::time::timeout(CLOSE_BOUND, stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server neither answered nor closed");
    let text = String::from_utf8_lossy(&buf);
    text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
}

/// A value of the server's `/metrics`.
async fn metric(endpoint: &str, name: &str) -> u64 {
    let host = endpoint.trim_start_matches("http://");
    let (status, _, body) = raw(
        endpoint,
        format!("GET /metrics HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} in {body}"))
}

/// Opens `n` connections, each sending the start of a request head and nothing more yet.
async fn slow_clients(endpoint: &str, n: usize) -> Vec<(TcpStream, Instant)> {
    let addr = endpoint.trim_start_matches("http://");
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream.write_all(PARTIAL_HEAD).await.expect("write");
        out.push((stream, Instant::now()));
    }
    out
}

/// Waits (at most [`CLOSE_BOUND`]) for the server to close the connection; how long after
/// `opened` it did, or `None` if it did not.
async fn closed_by_server(mut read: OwnedReadHalf, opened: Instant) -> Option<Duration> {
    let deadline = tokio::time::Instant::now() + CLOSE_BOUND;
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(deadline, read.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(opened.elapsed()),
            Ok(Ok(_)) => {}
        }
    }
}

/// Splits the slow clients: their read halves wait for the server to close them, their write
/// halves keep sending a byte now and then (which must not extend the timeout).
fn watch_and_drip(
    clients: Vec<(TcpStream, Instant)>,
) -> (JoinSet<Option<Duration>>, tokio::task::JoinHandle<()>) {
    let mut closes = JoinSet::new();
    let mut writers = Vec::with_capacity(clients.len());
    for (stream, opened) in clients {
        let (read, write) = stream.into_split();
        closes.spawn(closed_by_server(read, opened));
        writers.push(write);
    }
    let drip = tokio::spawn(async move {
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(400)).await;
            for w in &mut writers {
                let _ = w.write_all(b"a").await;
            }
        }
    });
    (closes, drip)
}

/// Every slow client's time to close; panics if the server left any open.
async fn all_closed(mut closes: JoinSet<Option<Duration>>) -> Vec<Duration> {
    let mut times = Vec::new();
    let mut open = 0;
    while let Some(r) = closes.join_next().await {
        match r.expect("join") {
            Some(t) => times.push(t),
            None => open += 1,
        }
    }
    assert_eq!(open, 0, "connections the server never closed");
    times.sort();
    times
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_does_not_starve_others() {
    let limit = raise_open_file_limit();
    // Two descriptors per slow client in this process (ours and the server's), and room for
    // the tests running beside this one.
    let n = usize::try_from(limit.saturating_sub(1000) / 2)
        .unwrap_or(usize::MAX)
        .clamp(16, 3000);
    let s = sqlite_configured(|c| rolegate_server::Config {
        header_read_timeout_seconds: 3,
        // Every slow client here is 127.0.0.1: this test is about timeouts, not shares.
        max_connections_per_address: 0,
        ..c
    })
    .await;
    let e = &s.endpoint;
    let started = Instant::now();
    let clients = slow_clients(e, n).await;
    let opened_in = started.elapsed();
    let (closes, drip) = watch_and_drip(clients);

    // While they are all open, a signed API call and the health check are answered.
    let mut open = 0;
    for _ in 0..500 {
        open = metric(e, "rolegate_connections_open").await;
        if open >= n as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(
        open >= n as u64,
        "the server holds the {n} slow clients: {open}"
    );
    let me = sts(e, ROOT_KEY, ROOT_SECRET)
        .get_caller_identity()
        .send()
        .await
        .expect("a signed request is answered under the slowloris");
    assert_eq!(me.account(), Some(ACCOUNT));
    assert_eq!(status_of(e, "/healthz").await, Some(200));
    let still = metric(e, "rolegate_connections_open").await;
    assert!(
        still >= n as u64,
        "the slow clients were still open while those were answered: {still}"
    );

    // Then the server closes every one of them, though they kept sending.
    let times = all_closed(closes).await;
    drip.abort();
    assert_eq!(times.len(), n);
    eprintln!(
        "slowloris: {n} slow clients (open file limit {limit}) opened in {opened_in:?}, answered meanwhile, closed by the server {:?} to {:?} after opening (header-read timeout 3 s)",
        times[0],
        times[n - 1]
    );

    // And it serves as before, with the slow clients' connections gone.
    sts(e, ROOT_KEY, ROOT_SECRET)
        .get_caller_identity()
        .send()
        .await
        .expect("served after");
    let mut left = u64::MAX;
    for _ in 0..200 {
        left = metric(e, "rolegate_connections_open").await;
        if left < 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(left < 8, "connections left open: {left}");
    s.stop().await;
}

/// A value of `/metrics`, asked on a kept-alive connection.
async fn metric_on(stream: &mut TcpStream, host: &str, name: &str) -> u64 {
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let (_, text) = read_response(stream, CLOSE_BOUND).await;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} in {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_limits() {
    let s = sqlite_configured(|c| rolegate_server::Config {
        header_read_timeout_seconds: 3,
        max_requests_per_connection: 2,
        ..c
    })
    .await;
    let addr = s.endpoint.trim_start_matches("http://");
    let one = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n");

    // A keep-alive connection carries two requests; the second answer closes it.
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(one.repeat(3).as_bytes())
        .await
        .expect("write");
    let mut buf = Vec::new();
    let read = tokio::time::timeout(CLOSE_BOUND, stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "closed after its last request");
    let text = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    assert_eq!(text.matches("http/1.1 200").count(), 2, "{text}");
    assert!(text.contains("connection: close"), "{text}");

    // An idle keep-alive connection is closed after the header-read timeout.
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(one.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    let answered = Instant::now();
    let read = tokio::time::timeout(CLOSE_BOUND, stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "an idle keep-alive connection is closed");
    let text = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    assert_eq!(text.matches("http/1.1 200").count(), 1, "{text}");
    eprintln!(
        "keep-alive: closed after 2 requests; idle connection closed {:?} after its answer (header-read timeout 3 s)",
        answered.elapsed()
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_body_times_out() {
    let s = sqlite_configured(|c| rolegate_server::Config {
        body_read_timeout_seconds: 2,
        ..c
    })
    .await;
    let addr = s.endpoint.trim_start_matches("http://");
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut read, mut write) = stream.into_split();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nAction="
    );
    write.write_all(head.as_bytes()).await.expect("write");
    let sent = Instant::now();
    // A byte now and then, never the whole body.
    let drip = tokio::spawn(async move {
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(400)).await;
            if write.write_all(b"G").await.is_err() {
                break;
            }
        }
    });
    let mut buf = Vec::new();
    let done = tokio::time::timeout(CLOSE_BOUND, read.read_to_end(&mut buf)).await;
    let closed = sent.elapsed();
    drip.abort();
    assert!(done.is_ok(), "the server answers and closes a slow body");
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("<Code>RequestTimeout</Code>"), "{text}");
    assert!(
        text.to_ascii_lowercase().contains("connection: close"),
        "{text}"
    );
    eprintln!(
        "slow body: answered RequestTimeout and closed {closed:?} after the head (body-read timeout 2 s)"
    );
    let me = sts(&s.endpoint, ROOT_KEY, ROOT_SECRET)
        .get_caller_identity()
        .send()
        .await
        .expect("others are served");
    assert_eq!(me.account(), Some(ACCOUNT));
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_reader_is_disconnected() {
    let s = sqlite_configured(|c| rolegate_server::Config {
        send_timeout_seconds: 2,
        max_requests_per_connection: 10_000_000,
        ..c
    })
    .await;
    let e = &s.endpoint;
    let addr: std::net::SocketAddr = e.trim_start_matches("http://").parse().expect("addr");
    // A small receive window, and responses never read: the server's writes block.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let stream = socket.connect(addr).await.expect("connect");
    let (unread, mut write) = stream.into_split();
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let started = Instant::now();
    let sender = tokio::spawn(async move {
        // Far more than the kernel buffers on both sides can hold.
        for sent in 0..2_000_000u32 {
            if write.write_all(request.as_bytes()).await.is_err() {
                return Some((sent, started.elapsed()));
            }
        }
        None
    });
    let outcome = tokio::time::timeout(Duration::from_secs(40), sender).await;
    drop(unread);
    let Ok(Ok(Some((sent, after)))) = outcome else {
        panic!("the server never disconnected the client that does not read: {outcome:?}");
    };
    eprintln!(
        "slow reader: disconnected after {sent} pipelined requests, {after:?} after it started (send timeout 2 s)"
    );
    let me = sts(e, ROOT_KEY, ROOT_SECRET)
        .get_caller_identity()
        .send()
        .await
        .expect("others are served");
    assert_eq!(me.account(), Some(ACCOUNT));
    let mut open = u64::MAX;
    for _ in 0..200 {
        open = metric(e, "rolegate_connections_open").await;
        if open <= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        open <= 2,
        "the slow reader's connection is gone: {open} open"
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_cap_refuses_then_recovers() {
    const CAP: usize = 16;
    let s = sqlite_configured(|c| rolegate_server::Config {
        header_read_timeout_seconds: 5,
        max_connections: CAP,
        ..c
    })
    .await;
    let e = &s.endpoint;
    let addr = e.trim_start_matches("http://");

    // A probe connection, kept alive, until it is the only one open.
    let mut probe = TcpStream::connect(addr).await.expect("connect");
    let mut open = u64::MAX;
    for _ in 0..200 {
        open = metric_on(&mut probe, addr, "rolegate_connections_open").await;
        if open == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(open, 1, "only the probe is open");

    // The probe and CAP - 1 slow clients fill the cap: one more is closed at once, unanswered.
    let clients = slow_clients(e, CAP - 1).await;
    assert_eq!(status_of(e, "/healthz").await, None, "beyond the cap");
    let (closes, drip) = watch_and_drip(clients);
    let times = all_closed(closes).await;
    drip.abort();
    drop(probe);

    // Once the slow ones are gone, the server answers again.
    let mut status = None;
    for _ in 0..100 {
        status = status_of(e, "/healthz").await;
        if status == Some(200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        status,
        Some(200),
        "served again after the slow clients left"
    );
    sts(e, ROOT_KEY, ROOT_SECRET)
        .get_caller_identity()
        .send()
        .await
        .expect("signed request served again");
    assert!(metric(e, "rolegate_connections_refused_total").await >= 1);
    eprintln!(
        "connection cap {CAP}: the next connection closed unanswered; the {} slow clients closed {:?} to {:?} after opening (header-read timeout 5 s)",
        CAP - 1,
        times[0],
        times[CAP - 2]
    );
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_oversized_body_is_refused_unread() {
    let s = sqlite_configured(|c| rolegate_server::Config {
        body_read_timeout_seconds: 120,
        ..c
    })
    .await;
    let addr = s.endpoint.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 99999999999\r\n\r\nAction=GetCallerIdentity"
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    // Answered without waiting for a body that never comes (the body timeout is 120 s).
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(CLOSE_BOUND, stream.read(&mut buf))
        .await
        .expect("answered before the body arrived")
        .expect("read");
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("RequestEntityTooLarge"), "{text}");
    s.stop().await;
}

/// A response given before the request's body was read says `Connection: close`, and the
/// connection ends after it: a client that got its answer to `Expect: 100-continue` and
/// never sends the body cannot have its next request read as that body (the first bytes
/// swallowed, the rest parsed as a request with a mangled method — which botocore saw as
/// `SignatureDoesNotMatch`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_before_the_body_closes_the_connection() {
    let s = sqlite().await;
    let addr = s.endpoint.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    let first = format!(
        "POST /healthz HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 1\r\nExpect: 100-continue\r\n\r\n"
    );
    stream.write_all(first.as_bytes()).await.expect("write");
    let mut head = vec![0u8; 4096];
    let n = tokio::time::timeout(CLOSE_BOUND, stream.read(&mut head))
        .await
        .expect("answered without the body")
        .expect("read");
    let head = String::from_utf8_lossy(&head[..n]).to_ascii_lowercase();
    assert!(!head.starts_with("http/1.1 100"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    // The body is never sent; the next request goes on the same connection.
    let second = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    let _ = stream.write_all(second.as_bytes()).await;
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(CLOSE_BOUND, stream.read_to_end(&mut rest))
        .await
        .expect("the server closes");
    let rest = String::from_utf8_lossy(&rest);
    assert!(
        !rest.contains("HTTP/1.1"),
        "no second answer on that connection: {rest}"
    );
    s.stop().await;
}

/// An error answered before the body was read (here: declared too large) reaches a client that
/// sends the body anyway, as botocore does when `Expect: 100-continue` goes unanswered for a
/// second: the server closes its side only after reading what the client still sends
/// (lingering close), so the client's writes succeed and it reads the whole error and then
/// the end of the connection. Closed at once, the server's kernel would answer the body with
/// a reset, the client's writes would fail, and the error would be lost to it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_before_the_body_survives_the_body_sent_anyway() {
    let s = sqlite().await;
    let addr = s.endpoint.trim_start_matches("http://").to_owned();
    let body_len: usize = 4 << 20; // over the 1 MiB request limit
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {body_len}\r\nExpect: 100-continue\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .await
        .expect("write the head");
    // The answer comes at once (no `100 Continue`); like botocore after its wait, the client
    // has not read it yet and sends the body.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let chunk = vec![b'a'; 64 << 10];
    for sent in (0..body_len).step_by(chunk.len()) {
        if let Err(e) = stream.write_all(&chunk).await {
            panic!("the server reset the connection after {sent} body bytes: {e}");
        }
    }
    let mut answer = Vec::new();
    tokio::time::timeout(CLOSE_BOUND, stream.read_to_end(&mut answer))
        .await
        .expect("the server closes after the body")
        .expect("the answer and then the end of the connection, not a reset");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("RequestEntityTooLarge"), "{text}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_client_cannot_hold_every_connection() {
    const SHARE: usize = 8;
    let s = sqlite_configured(|c| rolegate_server::Config {
        header_read_timeout_seconds: 30,
        max_connections: 64,
        max_connections_per_address: SHARE,
        ..c
    })
    .await;
    let e = &s.endpoint;
    let addr = e.trim_start_matches("http://");
    // One client (127.0.0.1) opens its whole share and holds it, within every timeout.
    let mut held = Vec::new();
    for _ in 0..SHARE {
        held.push(TcpStream::connect(addr).await.expect("connect"));
    }
    let mut open = 0;
    for _ in 0..200 {
        open = metric_from(e, "127.0.0.2", "rolegate_connections_open").await;
        if open > SHARE as u64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(open, SHARE as u64 + 1, "the share and this probe are open");
    // Its next connection is closed unanswered; another client is served.
    assert_eq!(
        status_of(e, "/healthz").await,
        None,
        "beyond one client's share"
    );
    assert_eq!(
        status_from(e, "/healthz", Some("127.0.0.3")).await,
        Some(200)
    );
    assert!(
        metric_from(e, "127.0.0.4", "rolegate_connections_refused_total").await >= 1,
        "the refusal is counted"
    );
    drop(held);
    let mut status = None;
    for _ in 0..100 {
        status = status_of(e, "/healthz").await;
        if status == Some(200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(status, Some(200), "its share is free again once it lets go");
    s.stop().await;
}

/// A value of `/metrics`, asked from another loopback address (another client).
async fn metric_from(endpoint: &str, from: &str, name: &str) -> u64 {
    let addr = endpoint.trim_start_matches("http://");
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(format!("{from}:0").parse().expect("source"))
        .expect("bind");
    let mut stream = socket
        .connect(addr.parse().expect("addr"))
        .await
        .expect("connect");
    metric_on(&mut stream, addr, name).await
}

/// The real binary with its open file limit (soft and hard) set to `files`.
fn spawn_with_file_limit(dir: &Path, port: u16, files: u32) -> Child {
    let log = std::fs::File::create(dir.join("server.log")).expect("log");
    Command::new("sh")
        .args([
            "-c",
            &format!("ulimit -n {files} && exec \"$0\" \"$@\""),
            env!("CARGO_BIN_EXE_rolegate"),
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--account-id",
            ACCOUNT,
            "--header-read-timeout-seconds",
            "3",
        ])
        .arg("--data-dir")
        .arg(dir)
        .env("ROLEGATE_ROOT_ACCESS_KEY_ID", ROOT_KEY)
        .env("ROLEGATE_ROOT_SECRET_ACCESS_KEY", ROOT_SECRET)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn rolegate")
}

/// User + system CPU time of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    // Fields after the command name (which may contain spaces): state is field 3, utime 14.
    let rest = stat.rsplit_once(')').expect("comm").1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_file_descriptors_backs_off() {
    const FILES: u32 = 128;
    const CLIENTS: usize = 200;
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let child = spawn_with_file_limit(dir.path(), port, FILES);
    wait_ready(port).await;
    let endpoint = format!("http://127.0.0.1:{port}");
    let log = || std::fs::read_to_string(dir.path().join("server.log")).expect("log");
    assert!(
        log().contains("--max-connections is above what the open file limit allows"),
        "the start warns that 4096 connections cannot fit in {FILES} files:\n{}",
        log()
    );

    // More connections than descriptors: the server accepts until EMFILE, then backs off.
    let mut clients = Vec::with_capacity(CLIENTS);
    for _ in 0..CLIENTS {
        clients.push(
            TcpStream::connect(("127.0.0.1", port))
                .await
                .expect("connect"),
        );
    }
    let mut warned = false;
    for _ in 0..200 {
        if log().contains("accepting connections failed") {
            warned = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(warned, "the accept errors are logged:\n{}", log());
    let before = cpu_ticks(child.id());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let ticks = cpu_ticks(child.id()) - before;
    // A loop retrying accept without pause would use a whole core (100 ticks a second).
    assert!(
        ticks < 50,
        "{ticks} ticks of CPU in a second out of descriptors"
    );
    let warnings = log().matches("accepting connections failed").count();
    assert!(warnings <= 2, "rate-limited: {warnings} warnings");

    // When the clients go, the server serves again.
    drop(clients);
    let mut status = None;
    for _ in 0..200 {
        status = status_of(&endpoint, "/healthz").await;
        if status == Some(200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, Some(200), "served again:\n{}", log());
    eprintln!(
        "out of descriptors ({FILES} files, {CLIENTS} clients): {ticks} CPU ticks in one second, {warnings} warning(s)"
    );
    terminate_cleanly(child).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_in_flight_requests() {
    let mut s = sqlite().await;
    let e = s.endpoint.clone();
    let addr = e.trim_start_matches("http://").to_owned();
    let request = signed_post(
        &e,
        "sts",
        "Action=GetCallerIdentity&Version=2011-06-15",
        ROOT_KEY,
        ROOT_SECRET,
        time::OffsetDateTime::now_utc(),
        &[],
    );
    // The head, with `Expect: 100-continue`: the server's `100 Continue` says it has parsed the
    // head and is reading the body, so the request is in flight (whatever the machine's load).
    let (head, body) = request.split_once("\r\n\r\n").expect("head");
    let (line, headers) = head.split_once("\r\n").expect("request line");
    let head = format!("{line}\r\nExpect: 100-continue\r\n{headers}\r\n\r\n");
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut seen = Vec::new();
    let mut chunk = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("100 Continue\r\n\r\n") {
        let n = tokio::time::timeout(CLOSE_BOUND, stream.read(&mut chunk))
            .await
            .expect("100 Continue")
            .expect("read");
        assert!(n > 0, "closed before 100 Continue");
        seen.extend_from_slice(&chunk[..n]);
    }
    // Part of the body.
    let (first, rest) = body.split_at(body.len() - 5);
    stream.write_all(first.as_bytes()).await.expect("write");

    let running = s.running.take().expect("running");
    let stopping = tokio::spawn(running.shutdown());
    // Shutdown stops accepting first.
    let mut refused = false;
    for _ in 0..200 {
        if TcpStream::connect(&addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "no new connections once shutdown has begun");
    assert!(
        !stopping.is_finished(),
        "it waits for the request in flight"
    );

    // The rest of the body arrives: the request is answered, then the server is gone.
    stream.write_all(rest.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    let read = tokio::time::timeout(CLOSE_BOUND, stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "answered and closed");
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains(&format!("<Arn>arn:aws:iam::{ACCOUNT}:root</Arn>")),
        "{text}"
    );
    tokio::time::timeout(CLOSE_BOUND, stopping)
        .await
        .expect("shutdown completes")
        .expect("join")
        .expect("clean shutdown");
    s.stop().await;
}
