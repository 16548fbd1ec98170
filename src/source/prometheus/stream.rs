//! An answer decoded as it downloads: the chunks go over a channel to a JSON
//! parser on a blocking thread, which reads them straight into samples. No
//! whole body is ever held (a 10,000-series answer is 26–50 MB of JSON), and the
//! parse overlaps the transfer instead of following it.

use super::api;
use crate::source::{SeriesData, SourceError};
use std::io::Read;

/// Chunks in flight between the download and the parser: enough to keep both
/// busy, few enough that a slow parser holds back the download, not memory.
const CHUNKS_IN_FLIGHT: usize = 16;

/// A `Read` over the chunks of an answer as they arrive.
struct ChunkReader<T> {
    chunks: tokio::sync::mpsc::Receiver<T>,
    current: T,
    at: usize,
}

impl<T: AsRef<[u8]> + Default> Read for ChunkReader<T> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let rest = &self.current.as_ref()[self.at..];
            if !rest.is_empty() {
                let n = rest.len().min(buf.len());
                buf[..n].copy_from_slice(&rest[..n]);
                self.at += n;
                return Ok(n);
            }
            match self.chunks.blocking_recv() {
                Some(next) => {
                    self.current = next;
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
    }
}

/// The series of a successful answer, parsed while it downloads; at most
/// `max_bytes` are read. Returns the series and the bytes received.
pub(super) async fn decode_series(
    mut response: reqwest::Response,
    max_bytes: usize,
    transport_error: impl Fn(&reqwest::Error) -> SourceError,
) -> (Result<Vec<SeriesData>, SourceError>, usize) {
    let (sender, chunks) = tokio::sync::mpsc::channel(CHUNKS_IN_FLIGHT);
    let parser = tokio::task::spawn_blocking(move || {
        api::parse_series_from(std::io::BufReader::new(ChunkReader {
            chunks,
            current: Default::default(),
            at: 0,
        }))
    });
    let mut received = 0;
    let downloaded = loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                received += chunk.len();
                if received > max_bytes {
                    break Err(SourceError::Server(format!(
                        "answer larger than {} MiB; narrow the query or the range",
                        max_bytes / (1024 * 1024)
                    )));
                }
                // The parser stopped early (the JSON is broken): its error says why.
                if sender.send(chunk).await.is_err() {
                    break Ok(());
                }
            }
            Ok(None) => break Ok(()),
            Err(error) => break Err(transport_error(&error)),
        }
    };
    // The parser sees the end of the answer (or of what was let through).
    drop(sender);
    let parsed = parser.await.unwrap_or_else(|error| {
        Err(SourceError::Server(format!(
            "decoding the answer failed: {error}"
        )))
    });
    (downloaded.and(parsed), received)
}
