//! The time-series store: what the app holds in memory between polls.
//!
//! Each series lives in a ring buffer bounded by point count and age, so a wall
//! display that runs for weeks keeps a flat memory profile; [`decimate`] hands each
//! plot at most two points per pixel column, so drawing cost does not grow with
//! history length.

pub mod decimate;
pub mod series;

pub use decimate::{Column, ColumnGrid, decimate_min_max};
pub use series::{Sample, Series};

use crate::dashboard::{PanelId, QueryId, QueryKey};
use std::collections::BTreeMap;

/// Where a series came from: the panel and query of the dashboard (by id, so a
/// panel that moves keeps its series), and its labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    /// The panel.
    pub panel: PanelId,
    /// The query in the panel.
    pub query: QueryId,
    /// Labels that tell this series apart from its siblings.
    pub labels: BTreeMap<String, String>,
}

impl SeriesKey {
    /// The series of query `key` with these labels.
    pub fn new(key: &QueryKey, labels: BTreeMap<String, String>) -> SeriesKey {
        SeriesKey {
            panel: key.panel.clone(),
            query: key.query.clone(),
            labels,
        }
    }

    /// Whether it belongs to query `key`.
    pub fn is_of(&self, key: &QueryKey) -> bool {
        self.panel == key.panel && self.query == key.query
    }
}

/// Limits applied to every series in a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Most samples kept per series.
    pub max_points: usize,
    /// Oldest sample kept, relative to the newest one, ms.
    pub max_age_ms: i64,
}

impl Retention {
    /// Keeps everything (a headless run over a fixed range).
    pub const fn unbounded() -> Retention {
        Retention {
            max_points: usize::MAX,
            max_age_ms: i64::MAX,
        }
    }
}

impl Default for Retention {
    fn default() -> Self {
        // A day at one-second resolution.
        Retention {
            max_points: 100_000,
            max_age_ms: 24 * 3_600_000,
        }
    }
}

/// All series the app currently holds.
#[derive(Debug, Default)]
pub struct Store {
    series: BTreeMap<SeriesKey, Series>,
    retention: Retention,
}

impl Store {
    /// An empty store with the given limits.
    pub fn new(retention: Retention) -> Store {
        Store {
            series: BTreeMap::new(),
            retention,
        }
    }

    /// The limits in force.
    pub fn retention(&self) -> Retention {
        self.retention
    }

    /// Changes the limits (e.g. a wider time range needs a longer age) and trims.
    pub fn set_retention(&mut self, retention: Retention) {
        self.retention = retention;
        for series in self.series.values_mut() {
            series.trim(retention);
        }
    }

    /// Merges a fetch covering `[start_ms, end_ms]` into a series: samples it
    /// returned replace whatever was stored in that interval.
    pub fn merge(&mut self, key: SeriesKey, start_ms: i64, end_ms: i64, samples: &[Sample]) {
        let retention = self.retention;
        let series = self.series.entry(key).or_default();
        series.merge(start_ms, end_ms, samples);
        series.trim(retention);
    }

    /// Drops every series of one query that a fetch did not return, so a series
    /// that vanished from the source also vanishes from the panel.
    pub fn retain_query_series(&mut self, query: &QueryKey, keep: &[SeriesKey]) {
        let gone: Vec<SeriesKey> = self
            .query_series(query)
            .map(|(key, _)| key)
            .filter(|key| !keep.contains(key))
            .cloned()
            .collect();
        for key in gone {
            self.series.remove(&key);
        }
    }

    /// Drops everything, e.g. when a different layout is opened.
    pub fn clear(&mut self) {
        self.series.clear();
    }

    /// The series of one query, ordered by labels.
    pub fn query_series<'a>(
        &'a self,
        query: &QueryKey,
    ) -> impl Iterator<Item = (&'a SeriesKey, &'a Series)> + use<'a> {
        // Labels order from the empty map up: the query's series are one range.
        let first = SeriesKey::new(query, BTreeMap::new());
        let query = query.clone();
        self.series
            .range(first..)
            .take_while(move |(key, _)| key.is_of(&query))
    }

    /// One series.
    pub fn get(&self, key: &SeriesKey) -> Option<&Series> {
        self.series.get(key)
    }

    /// Samples held across all series (for the status bar).
    pub fn total_points(&self) -> usize {
        self.series.values().map(Series::len).sum()
    }

    /// Number of series held.
    pub fn series_count(&self) -> usize {
        self.series.len()
    }
}
