//! The accept loop: plain, or Barbican's, which can play unreachable.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

use crate::faults::Faults;

/// A loopback listener for `axum::serve`.
pub(crate) struct Listener {
    inner: TcpListener,
    faults: Option<Faults>,
}

impl Listener {
    /// Accept every connection.
    pub(crate) fn plain(inner: TcpListener) -> Listener {
        Listener {
            inner,
            faults: None,
        }
    }

    /// Close connections at once while Barbican is "unreachable".
    pub(crate) fn barbican(inner: TcpListener, faults: Faults) -> Listener {
        Listener {
            inner,
            faults: Some(faults),
        }
    }
}

impl axum::serve::Listener for Listener {
    type Io = TcpStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (TcpStream, SocketAddr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, addr)) => {
                    if self
                        .faults
                        .as_ref()
                        .is_some_and(Faults::barbican_unreachable)
                    {
                        drop(stream);
                        continue;
                    }
                    let _ = stream.set_nodelay(true);
                    return (stream, addr);
                }
                // Out of file descriptors and the like: back off, retry.
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.inner.local_addr()
    }
}
