//! A minimal HTTP/1.1 server for `/metrics`: one request per connection, GET only.
//! Enough for a Prometheus scraper, and no web framework to build.

use super::Exporter;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Largest request head accepted; scrapers send a few hundred bytes.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// Serves `exporter` on `listener` until the task is dropped.
pub(crate) async fn serve(
    listener: TcpListener,
    exporter: Arc<Mutex<Exporter>>,
) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let exporter = exporter.clone();
        tokio::spawn(async move {
            if let Err(error) = answer(stream, exporter).await {
                tracing::debug!("simulate: connection ended: {error}");
            }
        });
    }
}

async fn answer(
    mut stream: tokio::net::TcpStream,
    exporter: Arc<Mutex<Exporter>>,
) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await?;
        if read == 0 || head.len() + read > MAX_REQUEST_HEAD {
            return Ok(());
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let request_line = String::from_utf8_lossy(&head);
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (status, content_type, body) = match (method, path.split('?').next().unwrap_or("")) {
        ("GET", "/metrics") => {
            let now = chrono::Utc::now();
            let body = exporter
                .lock()
                .map(|mut exporter| exporter.scrape(now))
                .unwrap_or_default();
            ("200 OK", "text/plain; version=0.0.4; charset=utf-8", body)
        }
        ("GET", "/") => (
            "200 OK",
            "text/plain; charset=utf-8",
            "fleetdeck simulated fleet: metrics at /metrics\n".to_owned(),
        ),
        _ => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "not found\n".to_owned(),
        ),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.shutdown().await
}

/// Binds `address` and serves in the background on the current runtime; returns
/// the bound address (useful with port 0).
pub async fn spawn(
    address: SocketAddr,
    seed: u64,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
    spawn_fleet(address, crate::source::demo::fleet::Fleet::new(seed)).await
}

/// Serves `fleet` (the fleet at scale: `Fleet::with_nodes`) on `address`.
pub async fn spawn_fleet(
    address: SocketAddr,
    fleet: crate::source::demo::fleet::Fleet,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<std::io::Result<()>>)> {
    let listener = TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    let exporter = Arc::new(Mutex::new(Exporter::of(fleet, chrono::Utc::now())));
    Ok((bound, tokio::spawn(serve(listener, exporter))))
}
