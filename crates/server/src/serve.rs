//! The accept loop: HTTP/1.1 connections under limits, so that slow or idle clients cannot
//! starve the others (slowloris), and graceful shutdown.
//!
//! Owns: the header-read timeout (hyper's: counted from the moment a connection waits for a
//! request head — just opened, or after its previous response — so it also closes idle
//! keep-alive connections), the send timeout (a client that accepts no response bytes for that
//! long is disconnected), the number of requests a connection may carry, the cap on open
//! connections (beyond it new sockets are closed at once, with a rate-limited warning), backing
//! off on accept errors such as `EMFILE` instead of spinning, and shutdown (stop accepting,
//! finish in-flight requests for up to 30 s, close idle connections) and the lingering close
//! after a connection's last response ([`linger`]). The body-read timeout is `http`'s.
//!
//! With `--tls-cert` the connection is TLS: its handshake has the header-read timeout too and
//! holds its slot under both caps while it runs, so a client that connects and never
//! handshakes is closed like one that never sends a request head. Each request carries its
//! [`ClientOrigin`] (the peer, or what a trusted proxy says: `forwarded`) as an extension.
//!
//! <https://docs.rs/hyper/1/hyper/server/conn/http1/struct.Builder.html#method.header_read_timeout>

use std::{
    collections::HashMap,
    convert::Infallible,
    io,
    net::{IpAddr, SocketAddr},
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{Router, extract::ConnectInfo};
use http::{HeaderValue, Request, header::CONNECTION};
use hyper::{body::Incoming, server::conn::http1};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore, watch},
    time::Sleep,
};
use tower::ServiceExt as _;

use crate::{
    forwarded::{ClientOrigin, TrustedProxies},
    metrics::Metrics,
    tls::Tls,
};

/// How long to wait before accepting again after an accept error (file descriptors
/// exhausted, …): the pending connection stays in the kernel's queue, and retrying at once
/// would spin a core.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// At most one warning per this interval for refused connections and for accept errors.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// The limits the accept loop enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to send a complete request head, from connecting or from the previous response.
    pub header_read_timeout: Duration,
    /// Time a client may accept no response bytes before it is disconnected.
    pub send_timeout: Duration,
    /// Open connections at most; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// Requests on one connection at most; the last response says `Connection: close`.
    pub max_requests_per_connection: u64,
    /// Open connections from one client address (IPv6: one /64) at most; 0 is no limit.
    pub max_connections_per_address: usize,
}

/// How connections are read: over TLS or not, and whose forwarding headers count.
#[derive(Debug, Clone, Default)]
pub struct Transport {
    /// HTTPS when set.
    pub tls: Option<Tls>,
    /// `--trusted-proxies`.
    pub proxies: Arc<TrustedProxies>,
}

/// The unit one client is counted in: an IPv4 address, or an IPv6 /64 (one host's usual
/// allocation, so rotating addresses within it does not multiply its share).
fn client_of(peer: SocketAddr) -> IpAddr {
    match peer.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::V6(octets.into())
            }
        },
        v4 => v4,
    }
}

/// Open connections per client, so that one client cannot hold the whole cap.
#[derive(Default)]
struct PerClient {
    open: std::sync::Mutex<HashMap<IpAddr, usize>>,
}

impl PerClient {
    /// Counts a connection of `client` in, unless it already has `max` open (0: no limit).
    fn enter(self: &Arc<Self>, client: IpAddr, max: usize) -> Option<ClientShare> {
        let mut open = self.open.lock().ok()?;
        let n = open.entry(client).or_insert(0);
        if max != 0 && *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientShare {
            clients: self.clone(),
            client,
        })
    }
}

/// One connection counted for its client; counted out when dropped.
struct ClientShare {
    clients: Arc<PerClient>,
    client: IpAddr,
}

impl Drop for ClientShare {
    fn drop(&mut self) {
        if let Ok(mut open) = self.clients.open.lock()
            && let Some(n) = open.get_mut(&self.client)
        {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// A warning logged at most once per [`WARN_EVERY`], with how many events it stands for.
struct RateLimitedWarning {
    last: Option<Instant>,
    suppressed: u64,
}

impl RateLimitedWarning {
    fn new() -> Self {
        Self {
            last: None,
            suppressed: 0,
        }
    }

    /// Counts one event; `Some(n)` when a warning is due, `n` events since the last one.
    fn note(&mut self) -> Option<u64> {
        self.suppressed += 1;
        let now = Instant::now();
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < WARN_EVERY)
        {
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}

/// A connection's place under the cap: gives the permit back, then lowers the gauge, when
/// dropped (so a gauge read as low means the permits are free).
struct Slot {
    permit: Option<OwnedSemaphorePermit>,
    share: Option<ClientShare>,
    metrics: Arc<Metrics>,
}

impl Slot {
    fn new(permit: OwnedSemaphorePermit, share: ClientShare, metrics: Arc<Metrics>) -> Self {
        metrics.connections_open.inc();
        Self {
            permit: Some(permit),
            share: Some(share),
            metrics,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        drop(self.share.take());
        drop(self.permit.take());
        self.metrics.connections_open.dec();
    }
}

/// A stream whose writes fail with `TimedOut` once the peer has accepted nothing for
/// `timeout`: a client that stops reading (slow read) cannot hold its connection forever.
struct SendDeadline<T> {
    inner: T,
    timeout: Duration,
    /// Running while writes are blocked; cleared by any progress.
    stalled: Option<Pin<Box<Sleep>>>,
}

impl<T> SendDeadline<T> {
    fn new(inner: T, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// After a write or flush: progress clears the stall; being blocked starts or checks it.
    fn watch<R>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
        let timeout = self.timeout;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client accepted no response bytes within the send timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for SendDeadline<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for SendDeadline<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.watch(cx, polled)
    }
}

/// Errors that concern one connection only (it went away before being accepted).
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Serves `router` on `listener` until `stop` completes, then stops accepting, lets every
/// connection finish its in-flight request, and returns when the last one has closed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    metrics: Arc<Metrics>,
    limits: Limits,
    transport: Transport,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let clients = Arc::new(PerClient::default());
    let (closing_tx, closing_rx) = watch::channel(false);
    let mut refused_warning = RateLimitedWarning::new();
    let mut client_refused_warning = RateLimitedWarning::new();
    let mut accept_warning = RateLimitedWarning::new();
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                match clients.enter(client_of(peer), limits.max_connections_per_address) {
                    None => {
                        drop(stream);
                        metrics.connections_refused.inc();
                        if let Some(refused) = client_refused_warning.note() {
                            tracing::warn!(
                                client = %client_of(peer),
                                max_connections_per_address = limits.max_connections_per_address,
                                refused,
                                "one client holds its share of connections: closing its new ones (--max-connections-per-address)"
                            );
                        }
                    }
                    Some(share) => match slots.clone().try_acquire_owned() {
                        Ok(permit) => {
                            let slot = Slot::new(permit, share, metrics.clone());
                            tokio::spawn(serve_connection(
                                stream,
                                peer,
                                router.clone(),
                                limits,
                                transport.clone(),
                                closing_rx.clone(),
                                slot,
                            ));
                        }
                        Err(_) => {
                            drop(stream);
                            metrics.connections_refused.inc();
                            if let Some(refused) = refused_warning.note() {
                                tracing::warn!(
                                    max_connections = limits.max_connections,
                                    refused,
                                    "connection limit reached: closing new connections until some close (--max-connections)"
                                );
                            }
                        }
                    },
                }
            }
            Err(e) if is_connection_error(&e) => {}
            Err(e) => {
                if let Some(errors) = accept_warning.note() {
                    tracing::warn!(error = %e, errors, "accepting connections failed (open file limit?); retrying shortly");
                }
                tokio::select! {
                    () = &mut stop => break,
                    () = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                }
            }
        }
    }
    drop(listener);
    let _ = closing_tx.send(true);
    // Every connection holds a slot until it has closed: having them all means all are done.
    // A request that never ends (a backend that stops answering the S3 gateway, say) does not
    // hold the stop forever: past the drain limit the server stops without it.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(DRAIN_LIMIT, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!(
            busy = usize::try_from(all)
                .unwrap_or(usize::MAX)
                .saturating_sub(slots.available_permits()),
            "connections still busy {} s after shutdown began: stopping without them",
            DRAIN_LIMIT.as_secs()
        );
    }
    Ok(())
}

/// How long shutdown waits for in-flight requests to finish.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);

/// One connection, until the client or a limit closes it, or shutdown has let its in-flight
/// request finish. Its slot is given back before the socket closes, so a client that sees the
/// close can count on the slot being free.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: Limits,
    transport: Transport,
    closing: watch::Receiver<bool>,
    slot: Slot,
) {
    let io = SendDeadline::new(stream, limits.send_timeout);
    let Some(tls) = &transport.tls else {
        return serve_http(io, peer, None, router, limits, transport, closing, slot).await;
    };
    // The handshake is bounded like a request head: a client that never completes it goes.
    // Its socket is kept (`into_fallible`, `Box::pin`) until the slot has been given back.
    let mut handshake = Box::pin(tls.acceptor().accept(io).into_fallible());
    match tokio::time::timeout(limits.header_read_timeout, handshake.as_mut()).await {
        Ok(Ok(stream)) => {
            let session = crate::tls::TlsSession::of(stream.get_ref().1);
            serve_http(
                stream,
                peer,
                Some(session),
                router,
                limits,
                transport,
                closing,
                slot,
            )
            .await;
        }
        Ok(Err((e, socket))) => {
            drop(slot);
            drop(socket);
            tracing::debug!(%peer, error = %e, "TLS handshake failed");
        }
        Err(_) => {
            drop(slot);
            tracing::debug!(%peer, "no TLS handshake within the header-read timeout");
        }
    }
}

/// HTTP/1.1 on an established connection (TLS or not).
#[allow(
    clippy::too_many_arguments,
    reason = "one connection's parts, handed on from serve_connection"
)]
async fn serve_http<I>(
    io: I,
    peer: SocketAddr,
    tls: Option<crate::tls::TlsSession>,
    router: Router,
    limits: Limits,
    transport: Transport,
    mut closing: watch::Receiver<bool>,
    slot: Slot,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let served = Arc::new(AtomicU64::new(0));
    let proxies = transport.proxies;
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        let origin: ClientOrigin = proxies.origin(peer.ip(), tls.is_some(), request.headers());
        request.extensions_mut().insert(ConnectInfo(peer));
        request.extensions_mut().insert(origin);
        if let Some(session) = tls {
            request.extensions_mut().insert(session);
        }
        let nth = served.fetch_add(1, Ordering::Relaxed) + 1;
        let router = router.clone();
        let (request, body) = Tracked::wrap(request);
        // Boxed so that the connection can be polled without hyper closing the socket (that
        // needs an `Unpin` future): `linger` closes it.
        Box::pin(async move {
            let mut response = router.oneshot(request).await?;
            if nth >= limits.max_requests_per_connection || !body.read_to_end() {
                response
                    .headers_mut()
                    .insert(CONNECTION, HeaderValue::from_static("close"));
            }
            Ok::<_, Infallible>(response)
        })
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let mut connection = builder.serve_connection(TokioIo::new(io), service);
    let shutdown = async move {
        // The guard `wait_for` returns must not live across an await: drop it here.
        let _ = closing.wait_for(|closing| *closing).await.map(|_| ());
    };
    tokio::pin!(shutdown);
    let mut shutting_down = false;
    let result = std::future::poll_fn(|cx| {
        if !shutting_down && shutdown.as_mut().poll(cx).is_ready() {
            shutting_down = true;
            Pin::new(&mut connection).graceful_shutdown();
        }
        connection.poll_without_shutdown(cx)
    })
    .await;
    drop(slot);
    if let Err(e) = &result {
        tracing::debug!(%peer, error = %e, "connection closed");
    }
    linger(connection.into_parts().io.into_inner()).await;
}

/// A request body that tells whether it was read to its end. A response given before that
/// (an error answered unread, typically to `Expect: 100-continue`, whose client then may
/// never send the body) says `Connection: close`: otherwise the client may send its next
/// request on the connection, and its first bytes would be read as the rest of this body —
/// a desynchronised connection whose next request has a mangled method or path (seen as
/// `SignatureDoesNotMatch` from botocore). RFC 9112 §9.3: a server that answers before
/// reading the whole content should say whether it will close the connection.
struct Tracked {
    inner: Incoming,
    done: Arc<AtomicBool>,
}

/// The other end of a [`Tracked`] body.
struct BodyRead(Arc<AtomicBool>);

impl BodyRead {
    fn read_to_end(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

impl Tracked {
    fn wrap(request: Request<Incoming>) -> (Request<axum::body::Body>, BodyRead) {
        let (parts, inner) = request.into_parts();
        let done = Arc::new(AtomicBool::new(hyper::body::Body::is_end_stream(&inner)));
        let read = BodyRead(done.clone());
        let body = axum::body::Body::new(Self { inner, done });
        (Request::from_parts(parts, body), read)
    }
}

impl hyper::body::Body for Tracked {
    type Data = bytes::Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.done.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// Lingering connections at most; beyond it a connection is closed at once.
const MAX_LINGERING: usize = 1024;
/// How long a closing connection is drained at most, in all.
const LINGER_TIME: Duration = Duration::from_secs(10);
/// How long a closing connection may send nothing before it is closed.
const LINGER_TIMEOUT: Duration = Duration::from_secs(2);
/// How many bytes a closing connection may send at most.
const LINGER_BYTES: usize = 64 << 20;

static LINGERING: Semaphore = Semaphore::const_new(MAX_LINGERING);

/// Closes a connection after its last response as nginx's `lingering_close` does: the write
/// side first (the client reads the response, then the end), then whatever the client still
/// sends is read and discarded until it closes too, within bounds. Closing a socket whose
/// receive buffer holds unread bytes makes the kernel send a reset, and a reset can destroy a
/// response the client has not read yet: that is what happens to an error answered before a
/// request body was read (a denied upload whose client sent the body after `Expect:
/// 100-continue` went unanswered), and the client then sees a broken connection instead of
/// the error. The connection's slot is already given back; the bounds (time, silence, bytes,
/// and `MAX_LINGERING` connections at once) keep a client from holding anything with it.
///
/// <https://nginx.org/en/docs/http/ngx_http_core_module.html#lingering_close>
async fn linger<I: AsyncRead + AsyncWrite + Unpin>(mut io: I) {
    let Ok(_lingering) = LINGERING.try_acquire() else {
        return;
    };
    let drain = async {
        if io.shutdown().await.is_err() {
            return;
        }
        let mut buffer = vec![0_u8; 16 << 10];
        let mut discarded = 0_usize;
        while discarded <= LINGER_BYTES {
            match tokio::time::timeout(LINGER_TIMEOUT, io.read(&mut buffer)).await {
                Ok(Ok(n)) if n > 0 => discarded += n,
                _ => return,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER_TIME, drain).await;
}
