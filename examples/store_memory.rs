//! Memory per stored point: the heap a store holds for the fleet-scale layout's
//! data, counted by a global allocator, divided by the points it holds.
//!
//! The data is the issue "Fleet scale"'s: `DCGM_FI_DEV_GPU_UTIL` of 1,250 nodes ×
//! 8 GPUs with dcgm-exporter's seven labels, an hour at 15 s (241 points), stored
//! twice over as `gpu-fleet-map.toml` asks it (the fleet map's query and the
//! spread panel's query read the same series), plus 1,250 per-node averages.
//! Each series arrives as the Prometheus source hands it over (a fresh label map
//! per series, as decoded from JSON), so what the store keeps of it is what is
//! measured.
//!
//! ```text
//! cargo run --release --example store_memory -- [NODES]
//! ```

// A benchmark/example may stop at its first surprise. Counting the heap takes a
// global allocator, which Rust only allows as an `unsafe impl`: it forwards to
// the system's unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, unsafe_code)]

mod harness;

use fleetdeck::dashboard::{PanelId, QueryId, QueryKey};
use fleetdeck::store::{Retention, Sample, SeriesKey, Store};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes live on the heap.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged; only the
// count of live bytes is kept beside it.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: a pointer this allocator gave out, with its layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const GPUS: usize = 8;
const POINTS: i64 = 241;
const STEP_MS: i64 = 15_000;

/// The labels of one GPU, decoded afresh as from a JSON answer.
fn gpu_labels(node: usize, gpu: usize) -> BTreeMap<String, String> {
    harness::dcgm_labels(node, gpu)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

fn query(panel: &str) -> QueryKey {
    QueryKey {
        panel: PanelId::from(panel),
        query: QueryId::from("a"),
    }
}

fn main() {
    let nodes: usize = std::env::args()
        .nth(1)
        .map_or(1_250, |n| n.parse().expect("NODES"));
    let samples: Vec<Sample> = (0..POINTS)
        .map(|i| Sample {
            t_ms: i * STEP_MS,
            value: 50.0 + (i % 40) as f64,
        })
        .collect();
    let before = LIVE.load(Ordering::Relaxed);
    let mut store = Store::default();
    store.set_retention(Retention::default());
    for panel in ["fleet-map", "spread"] {
        for node in 0..nodes {
            for gpu in 0..GPUS {
                let key = SeriesKey::new(&query(panel), gpu_labels(node, gpu));
                store.merge(key, 0, POINTS * STEP_MS, &samples);
            }
        }
    }
    for node in 0..nodes {
        let labels = BTreeMap::from([("Hostname".to_owned(), format!("node-{node:04}"))]);
        store.merge(
            SeriesKey::new(&query("by-node"), labels),
            0,
            POINTS * STEP_MS,
            &samples,
        );
    }
    let held = LIVE.load(Ordering::Relaxed) - before;
    let points = store.total_points();
    let series = store.series_count();
    println!(
        "{series} series, {points} points: {:.1} MiB on the heap, {:.1} bytes a point ({:.0} bytes a series beside its samples' 16 each)",
        held as f64 / (1024.0 * 1024.0),
        held as f64 / points as f64,
        (held - points * size_of::<Sample>()) as f64 / series as f64
    );
    drop(store);
}
