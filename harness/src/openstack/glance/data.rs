//! The client's Glance data calls: upload (`file`) and stage image data,
//! streamed and counted, and download it or check that it can be.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::Method;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::super::client::{expect_ok, Client};
use super::super::evidence::Exchange;
use super::super::failure::{ApiFailure, TransportFailure};
use super::super::transport::{read_body, Outgoing, Payload};
use super::{blocking_reader_stream, reader_stream, DataCheck, DataStream, Upload, GLANCE};
use crate::{Error, Result};

impl Client {
    /// Upload image data (`PUT /v2/images/{id}/file`) from an async
    /// reader, streamed in chunks (never buffered whole). `len`, if known,
    /// is sent as `Content-Length`. Any HTTP status is an [`Upload`];
    /// `Err` only when no answer came.
    pub async fn upload<R>(&self, id: &str, reader: R, len: Option<u64>) -> Result<Upload>
    where
        R: AsyncRead + Send + 'static,
    {
        let chunk = self.core.options.upload_chunk;
        self.put_data(id, "file", reader_stream(reader, chunk), len)
            .await
    }

    /// [`Client::upload`] from a stream of chunks.
    pub async fn upload_stream(
        &self,
        id: &str,
        data: DataStream,
        len: Option<u64>,
    ) -> Result<Upload> {
        self.put_data(id, "file", data, len).await
    }

    /// [`Client::upload`] from a blocking reader (read on the blocking pool).
    pub async fn upload_blocking(
        &self,
        id: &str,
        reader: Box<dyn Read + Send>,
        len: Option<u64>,
    ) -> Result<Upload> {
        let chunk = self.core.options.upload_chunk;
        self.put_data(id, "file", blocking_reader_stream(reader, chunk), len)
            .await
    }

    /// Stage image data (`PUT /v2/images/{id}/stage`) for an interoperable
    /// import, streamed like [`Client::upload`].
    pub async fn stage<R>(&self, id: &str, reader: R, len: Option<u64>) -> Result<Upload>
    where
        R: AsyncRead + Send + 'static,
    {
        let chunk = self.core.options.upload_chunk;
        self.put_data(id, "stage", reader_stream(reader, chunk), len)
            .await
    }

    async fn put_data(
        &self,
        id: &str,
        what: &str,
        data: DataStream,
        len: Option<u64>,
    ) -> Result<Upload> {
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        let counted = data.map(move |item| {
            if let Ok(chunk) = &item {
                counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            }
            item
        });
        let mut out = Outgoing::new(Method::PUT, format!("{}/{what}", self.image_url(id)), None)
            .timeout(self.core.options.timeouts.transfer);
        out.content_type = Some("application/octet-stream");
        out.payload = Payload::Stream(reqwest::Body::wrap_stream(counted), len);
        let result = match self.execute_raw(GLANCE, out).await {
            Ok((response, exchange)) => {
                read_body(
                    GLANCE,
                    response,
                    exchange,
                    self.core.options.timeouts.transfer,
                    &self.redactor(),
                )
                .await
            }
            Err(e) => Err(e),
        };
        let bytes = sent.load(Ordering::Relaxed);
        match result {
            Ok(mut reply) => {
                reply.exchange.request_bytes = Some(bytes);
                self.record(reply.exchange.clone());
                Ok(Upload {
                    status: reply.status,
                    exchange: reply.exchange,
                })
            }
            Err(Error::Transport(mut f)) => {
                f.exchange.request_bytes = Some(bytes);
                // execute_raw recorded failures before the answer; a body
                // that failed to arrive is recorded here.
                if f.exchange.status.is_some() {
                    self.record(f.exchange.clone());
                }
                Err(Error::Transport(f))
            }
            Err(e) => Err(e),
        }
    }

    /// Whether the image's data can be downloaded: reads at most the first
    /// chunk. 200 with bytes → data; 204 (Glance's "no data") or 404 → none;
    /// any other status is `Err(Error::Api)`.
    pub async fn download_status(&self, id: &str) -> Result<DataCheck> {
        let mut out = self
            .request(Method::GET, format!("{}/file", self.image_url(id)))
            .timeout(self.core.options.timeouts.transfer);
        out.accept = "application/octet-stream";
        let (mut response, mut exchange) = self.execute_raw(GLANCE, out).await?;
        let status = response.status().as_u16();
        let has_data = if status == 200 {
            match self.next_chunk(&mut response, &exchange).await {
                Ok(first) => first.is_some_and(|c| !c.is_empty()),
                Err(e) => {
                    self.record_error(&e);
                    return Err(e);
                }
            }
        } else {
            if status != 204 {
                // Keep the message of an error answer.
                let reply = read_body(
                    GLANCE,
                    response,
                    exchange,
                    self.core.options.timeouts.request,
                    &self.redactor(),
                )
                .await?;
                exchange = reply.exchange;
            }
            false
        };
        self.record(exchange.clone());
        if !matches!(status, 200 | 204 | 404) {
            return Err(Error::Api(Box::new(ApiFailure {
                service: GLANCE,
                exchange,
            })));
        }
        Ok(DataCheck {
            status,
            has_data,
            exchange,
        })
    }

    /// Download the image's data into `writer`, streamed; the bytes
    /// written. No data (204) writes nothing.
    pub async fn download<W>(&self, id: &str, writer: &mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send,
    {
        let mut out = self
            .request(Method::GET, format!("{}/file", self.image_url(id)))
            .timeout(self.core.options.timeouts.transfer);
        out.accept = "application/octet-stream";
        let (mut response, exchange) = self.execute_raw(GLANCE, out).await?;
        if !response.status().is_success() {
            let reply = read_body(
                GLANCE,
                response,
                exchange,
                self.core.options.timeouts.request,
                &self.redactor(),
            )
            .await?;
            self.record(reply.exchange.clone());
            return expect_ok(GLANCE, reply).map(|_| 0);
        }
        self.record(exchange.clone());
        let mut written = 0u64;
        while let Some(chunk) = self.next_chunk(&mut response, &exchange).await? {
            writer.write_all(&chunk).await?;
            written += chunk.len() as u64;
        }
        writer.flush().await?;
        Ok(written)
    }

    /// The next chunk of image data of `response` (`None` at its end); a
    /// body that stops arriving is a transport failure of `exchange`.
    async fn next_chunk(
        &self,
        response: &mut reqwest::Response,
        exchange: &Exchange,
    ) -> Result<Option<Bytes>> {
        response.chunk().await.map_err(|e| {
            let mut exchange = exchange.clone();
            exchange.transport_error = Some(self.redact(&e.to_string()));
            Error::Transport(Box::new(TransportFailure {
                service: GLANCE,
                exchange,
                timed_out_after: e
                    .is_timeout()
                    .then_some(self.core.options.timeouts.transfer),
            }))
        })
    }
}
