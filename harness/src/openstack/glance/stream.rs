//! Image data as a stream of chunks, from an async reader
//! ([`tokio_util::io::ReaderStream`]) or from a blocking one (read on the
//! blocking thread pool).

use std::io::Read;
use std::pin::Pin;

use bytes::Bytes;
use futures_util::{stream, Stream};
use tokio::io::AsyncRead;
use tokio_util::io::ReaderStream;

/// A stream of image data chunks.
pub type DataStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send + 'static>>;

/// Chunks of about `chunk` bytes (the read buffer's capacity) from an
/// async reader; a read error is the last item.
pub fn reader_stream<R>(reader: R, chunk: usize) -> DataStream
where
    R: AsyncRead + Send + 'static,
{
    Box::pin(ReaderStream::with_capacity(reader, chunk.max(1)))
}

/// Chunks of at most `chunk` bytes from a blocking reader, read on the
/// blocking thread pool (at most a few chunks ahead); a read error is the
/// last item.
pub fn blocking_reader_stream(reader: Box<dyn Read + Send>, chunk: usize) -> DataStream {
    let chunk = chunk.max(1);
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        let mut reader = reader;
        loop {
            let mut buf = vec![0u8; chunk];
            match reader.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    Box::pin(stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}
