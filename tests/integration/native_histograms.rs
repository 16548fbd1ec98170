//! Native histograms through a real Prometheus: an exporter written here serves
//! a latency histogram in the protobuf exposition format (the only one that
//! carries native histograms to Prometheus 2.42), Prometheus scrapes it with the
//! feature flag on, and fleetdeck reads the range answer's `histograms` as a
//! heatmap's buckets: every bucket's count is the one Prometheus answers for the
//! same instant, and the p99 drawn over them is `histogram_quantile`'s.

use crate::support;
use std::collections::BTreeMap;
use std::net::SocketAddr;

const METRIC: &str = "llm_request_duration_seconds";
const QUERY: &str = "sum(rate(llm_request_duration_seconds[5s]))";
/// Buckets growing by 2^(1/8) ≈ 9 % each.
const SCHEMA: i32 = 3;

#[test]
fn a_native_histograms_buckets_and_p99_are_what_prometheus_answers() {
    let exporter = protobuf_exporter();
    let prometheus = support::prometheus_with_native_histograms(exporter);
    prometheus.wait_for(&format!("rate({METRIC}[5s])"));
    let heatmap = support::heatmap::HeatmapQuery::new(&prometheus.url(), QUERY);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut checked = 0;
    support::wait_until("columns with observations", || {
        let Some((columns, buckets)) = heatmap.recent_columns(&runtime) else {
            return false;
        };
        assert!(
            buckets > 10,
            "a native histogram read as its buckets: {buckets} series"
        );
        for column in columns.iter().filter(|c| c.total() > 0.0) {
            let at_s = column.t_ms / 1000;
            let served = served_buckets(&prometheus, at_s);
            let ours: BTreeMap<u64, f64> = column
                .bounds
                .iter()
                .zip(&column.counts)
                .filter(|(_, count)| **count > 0.0)
                .map(|(bound, count)| (bound.to_bits(), *count))
                .collect();
            assert_eq!(
                ours.len(),
                served.len(),
                "at {at_s}: the buckets with observations; served {served:?}; ours {column:?}"
            );
            for &(upper, count) in &served {
                let mine = ours.get(&upper.to_bits()).copied().unwrap_or(0.0);
                assert!(
                    (mine - count).abs() <= 1e-9 * count.abs(),
                    "at {at_s}, bucket ≤ {upper}: ours {mine}, Prometheus {count}"
                );
            }
            let p99 = fleetdeck::heatmap::quantile(0.99, column).unwrap();
            let theirs = served_value(
                &prometheus,
                &format!("histogram_quantile(0.99, {QUERY})"),
                at_s,
            );
            assert!(
                (p99 - theirs).abs() <= 1e-9 * theirs,
                "p99 at {at_s}: ours {p99}, histogram_quantile {theirs}; served {}; ours {column:?}",
                prometheus.query_at(QUERY, at_s)
            );
            checked += 1;
        }
        checked >= 3
    });
}

/// Each bucket with observations that Prometheus answers for the query at
/// `at_s`: its upper bound and count.
fn served_buckets(prometheus: &support::Server, at_s: i64) -> Vec<(f64, f64)> {
    let body = prometheus.query_at(QUERY, at_s);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let buckets = json["data"]["result"][0]["histogram"][1]["buckets"]
        .as_array()
        .unwrap_or_else(|| panic!("a native histogram at {at_s}: {body}"));
    buckets
        .iter()
        .map(|bucket| {
            let number = |i: usize| bucket[i].as_str().unwrap().parse::<f64>().unwrap();
            (number(2), number(3))
        })
        .filter(|(_, count)| *count > 0.0)
        .collect()
}

/// The float value Prometheus answers for `promql` at `at_s`.
fn served_value(prometheus: &support::Server, promql: &str, at_s: i64) -> f64 {
    let body = prometheus.query_at(promql, at_s);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    json["data"]["result"][0]["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{promql} at {at_s}: {body}"))
}

/// An exporter of one native histogram per model, in the protobuf exposition
/// format: 20 requests a second each, their latencies spread evenly in log
/// space from 20 ms to 5 s (half that for the small model).
fn protobuf_exporter() -> SocketAddr {
    support::exporter(
        "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited",
        exposition,
    )
}

/// The metric family at `t` seconds, length-delimited as Prometheus reads it.
fn exposition(t: f64) -> Vec<u8> {
    let requests = (20.0 * t).floor() as u64;
    let mut family = Vec::new();
    string_field(&mut family, 1, METRIC);
    string_field(&mut family, 2, "End-to-end request latency.");
    varint_field(&mut family, 3, 4); // HISTOGRAM
    for (model, scale) in [("large", 1.0), ("small", 0.5)] {
        let values: Vec<f64> = (0..requests)
            .map(|k| scale * 0.02 * 250f64.powf((k as f64 * 0.618_033_988_75).fract()))
            .collect();
        let mut metric = Vec::new();
        let mut label = Vec::new();
        string_field(&mut label, 1, "model");
        string_field(&mut label, 2, model);
        message_field(&mut metric, 1, &label);
        message_field(&mut metric, 7, &histogram(&values));
        message_field(&mut family, 4, &metric);
    }
    let mut out = Vec::new();
    varint(&mut out, family.len() as u64);
    out.extend(family);
    out
}

/// A native histogram of `values` (all positive) in schema [`SCHEMA`].
fn histogram(values: &[f64]) -> Vec<u8> {
    let mut counts: BTreeMap<i32, i64> = BTreeMap::new();
    for &value in values {
        // Bucket i holds (2^((i−1)/2^s), 2^(i/2^s)].
        let index = (value.log2() * f64::from(1 << SCHEMA)).ceil() as i32;
        *counts.entry(index).or_default() += 1;
    }
    let mut out = Vec::new();
    varint_field(&mut out, 1, values.len() as u64);
    double_field(&mut out, 2, values.iter().sum());
    varint_field(&mut out, 5, zigzag(i64::from(SCHEMA)));
    double_field(&mut out, 6, 0.0);
    varint_field(&mut out, 7, 0);
    // Spans of consecutive buckets: the first at its index, the others at the
    // gap from the previous span's end; a no-op span while empty.
    let mut spans: Vec<(i32, u32)> = Vec::new();
    let mut previous: Option<i32> = None;
    for &index in counts.keys() {
        match previous {
            Some(p) if index == p + 1 => spans.last_mut().unwrap().1 += 1,
            Some(p) => spans.push((index - p - 1, 1)),
            None => spans.push((index, 1)),
        }
        previous = Some(index);
    }
    if spans.is_empty() {
        spans.push((0, 0));
    }
    for (offset, length) in spans {
        let mut span = Vec::new();
        varint_field(&mut span, 1, zigzag(i64::from(offset)));
        varint_field(&mut span, 2, u64::from(length));
        message_field(&mut out, 12, &span);
    }
    let mut before = 0;
    for &count in counts.values() {
        varint_field(&mut out, 13, zigzag(count - before));
        before = count;
    }
    out
}

fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn varint_field(out: &mut Vec<u8>, field: u64, value: u64) {
    varint(out, field << 3);
    varint(out, value);
}

fn double_field(out: &mut Vec<u8>, field: u64, value: f64) {
    varint(out, (field << 3) | 1);
    out.extend(value.to_le_bytes());
}

fn message_field(out: &mut Vec<u8>, field: u64, message: &[u8]) {
    varint(out, (field << 3) | 2);
    varint(out, message.len() as u64);
    out.extend(message);
}

fn string_field(out: &mut Vec<u8>, field: u64, text: &str) {
    message_field(out, field, text.as_bytes());
}
