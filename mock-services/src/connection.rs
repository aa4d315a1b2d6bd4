//! One client connection: HTTP/1.1 served by hyper under a watchdog that
//! closes it when the client stalls.
//!
//! A connection is in one of three phases. *Head*: from the connection's
//! start, or from the first byte after an idle spell, until a request's
//! line and headers are in; bounded by the header-read timeout. *Busy*: a
//! request is being handled and its answer written; no connection-level
//! deadline, but the request body must make progress (the body-progress
//! timeout, which the handler sees as a broken body). *Idle*: between an
//! answer and the next request's first byte; bounded by the idle timeout.

use std::convert::Infallible;
use std::future::Future as _;
use std::io;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::Router;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify, OwnedSemaphorePermit};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt as _;

use crate::MockError;

/// How long clients may stall and how many connections each service
/// holds (`MockConfig::connections`; `imgsig-mock --header-read-timeout`,
/// `--idle-timeout`, `--body-timeout`, `--max-connections`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConnectionLimits {
    /// Seconds a client has to send a request's line and headers in full,
    /// counted from the connection's start or from the first byte after an
    /// idle spell (partial headers, slowloris).
    pub header_read_timeout_secs: u64,
    /// Seconds a keep-alive connection may sit between an answer and the
    /// next request's first byte.
    pub idle_timeout_secs: u64,
    /// Seconds a request body (an upload, a JSON document) may go without a
    /// byte arriving while the service waits for it. A stalled upload is
    /// aborted: the image goes back to `queued` and its partial data is
    /// removed, as when the client disconnects.
    pub body_progress_timeout_secs: u64,
    /// Connections each service holds at once. Beyond it new connections
    /// are shed (closed at once, with a `503` when the socket takes it)
    /// rather than queued. Lowered at start so that the three services
    /// together stay below the process's file-descriptor limit.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            body_progress_timeout_secs: 60,
            max_connections: 512,
        }
    }
}

/// File descriptors left for everything but the services' connections
/// (image files, Glance's own calls to Barbican, an embedding process).
const FD_RESERVE: u64 = 256;
/// Services sharing the file-descriptor limit.
const SERVICES: u64 = 3;

impl ConnectionLimits {
    /// Check the values and fit `max_connections` under the soft limit on
    /// open files.
    pub(crate) fn effective(self) -> Result<ConnectionLimits, MockError> {
        let positive = [
            ("header_read_timeout_secs", self.header_read_timeout_secs),
            ("idle_timeout_secs", self.idle_timeout_secs),
            (
                "body_progress_timeout_secs",
                self.body_progress_timeout_secs,
            ),
            ("max_connections", self.max_connections as u64),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(MockError::Config(format!(
                "connections.{name} must be at least 1"
            )));
        }
        Ok(ConnectionLimits {
            max_connections: fit(self.max_connections, open_files_limit()),
            ..self
        })
    }

    fn header_read(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }

    fn idle(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }

    fn body_progress(&self) -> Duration {
        Duration::from_secs(self.body_progress_timeout_secs)
    }
}

/// `wanted` connections per service, lowered so that the three services
/// and [`FD_RESERVE`] stay under an open-files limit of `limit`.
fn fit(wanted: usize, limit: Option<u64>) -> usize {
    let budget = limit.map_or(u64::MAX, |limit| {
        (limit.saturating_sub(FD_RESERVE) / SERVICES).max(1)
    });
    usize::try_from(budget).unwrap_or(usize::MAX).min(wanted)
}

/// The soft limit on open files, if there is one.
#[cfg(unix)]
fn open_files_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

#[cfg(not(unix))]
fn open_files_limit() -> Option<u64> {
    None
}

/// Where a connection is (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Head,
    Busy(usize),
    Idle,
}

/// A connection's phase and when it began, watched by [`expiry`].
#[derive(Debug)]
struct Activity {
    state: Mutex<(Phase, Instant)>,
    /// Set while idle, so that reads only lock when a new request begins.
    idle: AtomicBool,
    changed: Notify,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            state: Mutex::new((Phase::Head, Instant::now())),
            idle: AtomicBool::new(false),
            changed: Notify::new(),
        }
    }

    fn update(&self, f: impl FnOnce(Phase) -> Phase) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let next = f(state.0);
        if next != state.0 {
            *state = (next, Instant::now());
            self.idle.store(next == Phase::Idle, Ordering::Release);
            self.changed.notify_one();
        }
    }

    /// Bytes arrived: an idle connection starts reading a request.
    fn received(&self) {
        if self.idle.load(Ordering::Acquire) {
            self.update(|p| if p == Phase::Idle { Phase::Head } else { p });
        }
    }

    /// A request's headers are in; busy until the guard (carried by the
    /// answer's body) is dropped.
    fn begin(self: &Arc<Activity>) -> Busy {
        self.update(|p| match p {
            Phase::Busy(n) => Phase::Busy(n + 1),
            Phase::Head | Phase::Idle => Phase::Busy(1),
        });
        Busy(self.clone())
    }

    /// When the connection expires if nothing changes; never while busy.
    fn deadline(&self, limits: &ConnectionLimits) -> Option<Instant> {
        let (phase, since) = *self.state.lock().unwrap_or_else(|e| e.into_inner());
        match phase {
            Phase::Head => Some(since + limits.header_read()),
            Phase::Idle => Some(since + limits.idle()),
            Phase::Busy(_) => None,
        }
    }
}

/// Resolves when the connection has stalled past its phase's deadline.
async fn expiry(activity: &Activity, limits: &ConnectionLimits) {
    loop {
        match activity.deadline(limits) {
            None => activity.changed.notified().await,
            Some(deadline) if deadline <= Instant::now() => return,
            Some(deadline) => {
                tokio::select! {
                    () = activity.changed.notified() => {}
                    () = tokio::time::sleep_until(deadline) => {}
                }
            }
        }
    }
}

/// A request in progress; its drop ends it.
#[derive(Debug)]
struct Busy(Arc<Activity>);

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.update(|p| match p {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            _ => Phase::Idle,
        });
    }
}

/// The socket, telling the watchdog when bytes arrive.
struct Watched {
    io: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.received();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Why a request body ended in error.
#[derive(Debug, thiserror::Error)]
enum BodyError {
    #[error("no request body data for {0:?}")]
    Stalled(Duration),
    #[error(transparent)]
    Client(#[from] hyper::Error),
}

/// A request body that fails when no data arrives for the body-progress
/// timeout. Only time spent waiting for the client counts: the clock starts
/// when the handler asks for the next frame, so a slow disk or a slow
/// Barbican on our side never trips it.
struct ProgressBody {
    inner: Incoming,
    timeout: Duration,
    waiting: Option<Pin<Box<Sleep>>>,
}

impl http_body::Body for ProgressBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            this.waiting = None;
            return Poll::Ready(frame.map(|f| f.map_err(BodyError::from)));
        }
        let timeout = this.timeout;
        let sleep = this
            .waiting
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(BodyError::Stalled(timeout)))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// An answer's body, carrying the request's [`Busy`] until it is written.
struct Answer {
    inner: Body,
    _busy: Busy,
}

impl http_body::Body for Answer {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serve one connection until the client closes it, it stalls past a
/// deadline, or `stopped` turns true (then the answer in progress is
/// finished first). Holds `permit`, one of the service's connection slots.
pub(crate) async fn serve(
    stream: TcpStream,
    router: Router,
    limits: ConnectionLimits,
    mut stopped: watch::Receiver<bool>,
    permit: OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        io: stream,
        activity: activity.clone(),
    });
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |req: Request<Incoming>| {
            let busy = activity.begin();
            let req = req.map(|inner| {
                Body::new(ProgressBody {
                    inner,
                    timeout: limits.body_progress(),
                    waiting: None,
                })
            });
            let answer = router.clone().oneshot(req);
            async move {
                let resp: Response = answer.await?;
                Ok::<_, Infallible>(resp.map(|inner| Answer { inner, _busy: busy }))
            }
        })
    };
    let mut conn = pin!(hyper::server::conn::http1::Builder::new().serve_connection(io, service));
    let mut expired = pin!(expiry(&activity, &limits));
    let mut stopping = false;
    loop {
        tokio::select! {
            // Closed by the client, or an error on the socket.
            _ = conn.as_mut() => break,
            // Stalled: dropping the connection closes the socket.
            () = expired.as_mut() => break,
            _ = stopped.wait_for(|s| *s), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
    drop(permit);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_fits_under_the_open_files_limit() {
        assert_eq!(fit(512, None), 512);
        assert_eq!(fit(512, Some(20_000)), 512);
        // The common default soft limit: 1024 files.
        assert_eq!(fit(512, Some(1024)), 256);
        assert_eq!(fit(512, Some(100)), 1);
    }
}
