//! The on-disk cache of Cost Explorer answers. Each request costs $0.01 and the
//! numbers change a few times a day, so an answer is reused until it is older than
//! the source's TTL — across restarts too. Files are replaced atomically; a file
//! that cannot be read is set aside with a warning and fetched again.

use crate::persist::Writer;
use crate::source::SeriesData;
use crate::store::Sample;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The default cache directory: `$FLEETDECK_CACHE_DIR`, `$XDG_CACHE_HOME/fleetdeck`
/// or `~/.cache/fleetdeck`, then `costexplorer/`.
pub(crate) fn default_dir() -> PathBuf {
    let base = std::env::var_os("FLEETDECK_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("fleetdeck")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/fleetdeck")))
        .unwrap_or_else(|| std::env::temp_dir().join("fleetdeck-cache"));
    base.join("costexplorer")
}

/// One cached answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct Entry {
    /// When it was fetched, ms since the epoch.
    pub fetched_at_ms: i64,
    /// The request it answers, to guard against hash collisions.
    pub request: String,
    /// The answer.
    pub series: Vec<CachedSeries>,
}

/// A series as stored.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(crate) struct CachedSeries {
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// `[t_ms, value]` pairs.
    pub samples: Vec<(i64, f64)>,
}

impl Entry {
    /// The answer as series.
    pub(crate) fn to_series(&self) -> Vec<SeriesData> {
        self.series
            .iter()
            .map(|s| SeriesData {
                labels: s.labels.clone(),
                samples: s
                    .samples
                    .iter()
                    .map(|&(t_ms, value)| Sample { t_ms, value })
                    .collect(),
                envelope: None,
            })
            .collect()
    }

    /// Whether it may still be used at `now_ms` when answers live `ttl_ms`.
    pub(crate) fn is_fresh(&self, now_ms: i64, ttl_ms: i64) -> bool {
        (0..ttl_ms).contains(&now_ms.saturating_sub(self.fetched_at_ms))
    }

    /// An entry for `series`, fetched at `fetched_at_ms`.
    pub(crate) fn new(request: String, fetched_at_ms: i64, series: &[SeriesData]) -> Entry {
        Entry {
            fetched_at_ms,
            request,
            series: series
                .iter()
                .map(|s| CachedSeries {
                    labels: s.labels.clone(),
                    samples: s.samples.iter().map(|x| (x.t_ms, x.value)).collect(),
                })
                .collect(),
        }
    }
}

/// FNV-1a: a file name that stays the same across builds (std's hasher may not).
fn file_name(request: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in request.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}.json")
}

/// The cached answer to `request`, if one exists and is younger than `ttl_ms` at
/// `now_ms`. An unreadable file is set aside with a warning.
pub(crate) fn lookup(dir: &Path, request: &str, now_ms: i64, ttl_ms: i64) -> Option<Entry> {
    let entry: Entry =
        crate::persist::read_json(&dir.join(file_name(request)), "Cost Explorer cache")?;
    (entry.request == request && entry.is_fresh(now_ms, ttl_ms)).then_some(entry)
}

/// Queues `entry` to be stored (atomically, by the background writer).
pub(crate) fn store(dir: &Path, entry: &Entry, writer: &Writer) {
    match serde_json::to_vec(entry) {
        Ok(bytes) => writer.save(
            &dir.join(file_name(&entry.request)),
            bytes,
            "Cost Explorer cache",
        ),
        Err(error) => tracing::warn!("cannot encode a Cost Explorer answer: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: i64) -> Entry {
        Entry::new(
            "GetCostAndUsage DAILY 2026-11-01..2026-11-26".to_owned(),
            at,
            &[SeriesData {
                labels: BTreeMap::from([("SERVICE".to_owned(), "Amazon SageMaker".to_owned())]),
                samples: vec![Sample {
                    t_ms: 0,
                    value: 1.5,
                }],
                envelope: None,
            }],
        )
    }

    #[test]
    fn an_answer_is_reused_until_its_ttl_then_not() {
        let dir = tempfile::tempdir().unwrap();
        let e = entry(1_000);
        let writer = Writer::start();
        store(dir.path(), &e, &writer);
        writer.flush();
        let hour = 3_600_000;
        assert_eq!(
            lookup(dir.path(), &e.request, 1_000 + hour - 1, hour),
            Some(e.clone())
        );
        assert_eq!(lookup(dir.path(), &e.request, 1_000 + hour, hour), None);
        assert_eq!(lookup(dir.path(), "another request", 1_000, hour), None);
    }

    #[test]
    fn a_corrupt_file_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let e = entry(1_000);
        let path = dir.path().join(file_name(&e.request));
        std::fs::write(&path, b"{\"fetched_at_ms\": 1").unwrap();
        assert_eq!(lookup(dir.path(), &e.request, 1_000, 10), None);
        assert!(!path.exists());
        assert!(path.with_extension("json.corrupt").exists());
    }
}
