//! An NDJSON body, decided line by line in input order, as `check` reads a
//! JSON Lines stream: the body's chunks reach a blocking reader thread that
//! runs [`crate::run::read_stream`] (the same line rules, limits, errors,
//! lines and columns), each line becomes a job for the pool, and the
//! response sends each decision as soon as it and every line before it are
//! decided. Bounded queues hold the reader back when the client reads slowly.

use std::io::{self, Read};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use http_body_util::BodyExt;
use tokio::sync::{mpsc, oneshot};

use crate::eval::Context;
use crate::run::read_stream;

use super::pool::{Decided, Pool};
use super::Generation;

/// How many lines may be read ahead of the response.
const AHEAD: usize = 64;

/// Starts reading `body` as NDJSON; returns the decisions in input order,
/// each `None` when the service stopped before deciding it.
pub fn decide_lines(
    pool: Pool,
    body: Body,
    name: String,
    generation: Arc<Generation>,
    context: Context,
    max_line: u64,
    max_stream: u64,
) -> mpsc::Receiver<oneshot::Receiver<Decided>> {
    let (chunks_tx, chunks_rx) = mpsc::channel::<io::Result<Bytes>>(8);
    tokio::spawn(forward_body(body, max_stream, chunks_tx));
    let (pending_tx, pending_rx) = mpsc::channel(AHEAD);
    tokio::task::spawn_blocking(move || {
        let reader = ChannelReader {
            chunks: chunks_rx,
            current: Bytes::new(),
        };
        read_stream(&name, "the stream", reader, max_line, &mut |work| {
            let (reply, answer) = oneshot::channel();
            pool.submit_blocking(Arc::clone(&generation), context.clone(), work, reply)
                // The client is gone when nobody waits for the answers.
                && pending_tx.blocking_send(answer).is_ok()
        });
    });
    pending_rx
}

/// Sends the body's data to the reader, then the reason it stopped early.
async fn forward_body(body: Body, max_stream: u64, chunks: mpsc::Sender<io::Result<Bytes>>) {
    let mut body = body;
    let mut seen: u64 = 0;
    loop {
        let failed = match body.frame().await {
            None => return,
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                seen = seen.saturating_add(data.len() as u64);
                if seen > max_stream {
                    Some(format!(
                        "the body is longer than {max_stream} bytes, the limit of one NDJSON body (--max-stream-bytes): the rest is not read"
                    ))
                } else if chunks.send(Ok(data)).await.is_err() {
                    return;
                } else {
                    None
                }
            }
            Some(Err(err)) => Some(format!("the body could not be read: {err}")),
        };
        if let Some(message) = failed {
            let _ = chunks.send(Err(io::Error::other(message))).await;
            return;
        }
    }
}

/// The body's chunks as a blocking reader, for the reader thread.
struct ChannelReader {
    chunks: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                None => return Ok(0),
                Some(Ok(data)) => self.current = data,
                Some(Err(err)) => return Err(err),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}
