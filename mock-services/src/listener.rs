//! The accept loop: a bounded number of connections per service, each
//! served under [`connection::serve`]'s timeouts.

use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use crate::connection::{self, ConnectionLimits};

/// What a shed connection is told, if its socket takes it at once.
const SHED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\
connection: close\r\nretry-after: 1\r\n\r\n";

/// A loopback listener.
pub(crate) struct Listener {
    inner: TcpListener,
}

impl Listener {
    /// Accept every connection.
    pub(crate) fn plain(inner: TcpListener) -> Listener {
        Listener { inner }
    }

    /// The address it listens on.
    pub(crate) fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }

    /// The next connection to serve.
    async fn accept(&self) -> TcpStream {
        loop {
            match self.inner.accept().await {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    return stream;
                }
                // Out of file descriptors and the like: back off, retry.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    /// Serve `router` until `stopped` turns true, then let the connections
    /// finish the answers in progress.
    pub(crate) async fn serve(
        self,
        router: Router,
        limits: ConnectionLimits,
        stopped: watch::Receiver<bool>,
    ) {
        let slots = Arc::new(Semaphore::new(limits.max_connections));
        let mut connections = JoinSet::new();
        let mut stop = pin!({
            let mut stopped = stopped.clone();
            async move {
                // Either a stop signal or the sender is gone.
                let _ = stopped.wait_for(|s| *s).await;
            }
        });
        loop {
            tokio::select! {
                () = stop.as_mut() => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                stream = self.accept() => match slots.clone().try_acquire_owned() {
                    Ok(slot) => {
                        connections.spawn(connection::serve(
                            stream,
                            router.clone(),
                            limits,
                            stopped.clone(),
                            slot,
                        ));
                    }
                    Err(_) => shed(stream),
                },
            }
        }
        drop(self);
        while connections.join_next().await.is_some() {}
    }
}

/// Turn a connection away without waiting on it.
fn shed(stream: TcpStream) {
    // Best effort: a full socket buffer or a reset only means the client
    // learns it from the closed connection instead.
    let _ = stream.try_write(SHED);
}
