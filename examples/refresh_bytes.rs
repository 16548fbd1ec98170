//! Measures what one refresh of a layout costs on the wire: every query fetched in
//! full over the layout's range, against only the tail since the last sample (what
//! the poller does on each live refresh).
//!
//! `cargo run --release --example refresh_bytes -- layouts/vllm-serving.toml [WAIT_SECONDS]`

// A benchmark/example may stop at its first surprise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use fleetdeck::dashboard::{QueryKey, Target};
use fleetdeck::layout::load_layout;
use fleetdeck::poll::{FETCH_TIMEOUT, OVERLAP_STEPS, fetch_query};
use fleetdeck::source::{Source, SourceQuery, build_source};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: refresh_bytes LAYOUT [WAIT_SECONDS]");
    let wait = Duration::from_secs(args.next().map_or(10, |s| s.parse().expect("seconds")));
    let dashboard = load_layout(std::path::Path::new(&path)).unwrap_or_else(|e| panic!("{e}"));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let sources: BTreeMap<_, Arc<dyn Source>> = dashboard
        .sources
        .iter()
        .map(|(id, spec)| (id.clone(), build_source(spec)))
        .collect();
    // Alarm panels fetch a small alarm list in full each time; this measures series.
    let queries: Vec<(QueryKey, &fleetdeck::dashboard::SourceId, &SourceQuery)> = dashboard
        .queries()
        .filter_map(|(key, _, query)| match &query.target {
            Target::Fetch { source, query } => Some((key, source, query)),
            _ => None,
        })
        .collect();
    let total = |sources: &BTreeMap<_, Arc<dyn Source>>| -> u64 {
        sources.values().map(|s| s.bytes_received()).sum()
    };
    let run = |since: &BTreeMap<QueryKey, i64>| -> (u64, usize, BTreeMap<QueryKey, i64>) {
        let before = total(&sources);
        let now = chrono::Utc::now();
        let window = dashboard.time.resolve(now);
        let mut samples = 0;
        let mut last = BTreeMap::new();
        for (key, source_id, query) in &queries {
            let source = &sources[*source_id];
            let from = since.get(key).copied();
            let (_, step, outcome) = runtime.block_on(fetch_query(
                source.as_ref(),
                query,
                800,
                window,
                from,
                now.timestamp_millis(),
                FETCH_TIMEOUT,
            ));
            let series = outcome.unwrap_or_else(|e| panic!("{key}: {e}"));
            samples += series.iter().map(|s| s.samples.len()).sum::<usize>();
            if let Some(newest) = series
                .iter()
                .filter_map(|s| s.samples.last())
                .map(|s| s.t_ms)
                .max()
            {
                last.insert(key.clone(), newest - OVERLAP_STEPS * step);
            }
        }
        (total(&sources) - before, samples, last)
    };
    let (full_bytes, full_samples, since) = run(&BTreeMap::new());
    std::thread::sleep(wait);
    let (tail_bytes, tail_samples, _) = run(&since);
    println!(
        "layout: {path}, range {}, {} queries",
        dashboard.time.label(),
        queries.len()
    );
    println!("full re-fetch:       {full_bytes:>9} bytes, {full_samples:>6} samples");
    println!(
        "incremental refresh: {tail_bytes:>9} bytes, {tail_samples:>6} samples (after {} s)",
        wait.as_secs()
    );
    println!(
        "ratio: {:.1}x fewer bytes",
        full_bytes as f64 / tail_bytes.max(1) as f64
    );
}
