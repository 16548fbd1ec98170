//! The time-series store: what the app holds in memory between polls.
//!
//! Each series lives in a ring buffer bounded by point count and age, so a wall
//! display that runs for weeks keeps a flat memory profile; [`decimate`] hands each
//! plot at most two points per pixel column, so drawing cost does not grow with
//! history length.

pub(crate) mod decimate;
pub(crate) mod series;

#[cfg(test)]
pub(crate) use decimate::decimate_min_max;
pub(crate) use decimate::{Column, ColumnGrid};
pub(crate) use series::median_gap;
pub use series::{Sample, Series};

use crate::dashboard::{PanelId, QueryId, QueryKey};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// A series' labels, shared: the store keeps one copy of each label set however
/// many queries answer it (a fleet map and a spread panel over the same 10,000
/// GPUs), and a fleet map's cells or a spread's outliers point at it instead of
/// copying seven strings each.
pub type Labels = Arc<BTreeMap<String, String>>;

/// Where a series came from: the panel and query of the dashboard (by id, so a
/// panel that moves keeps its series), and its labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    /// The panel.
    pub panel: PanelId,
    /// The query in the panel.
    pub query: QueryId,
    /// Labels that tell this series apart from its siblings.
    pub labels: Labels,
}

impl SeriesKey {
    /// The series of query `key` with these labels (a map, or a shared one).
    pub fn new(key: &QueryKey, labels: impl Into<Labels>) -> SeriesKey {
        SeriesKey {
            panel: key.panel.clone(),
            query: key.query.clone(),
            labels: labels.into(),
        }
    }

    /// Whether it belongs to query `key`.
    pub(crate) fn is_of(&self, key: &QueryKey) -> bool {
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
    pub(crate) const fn unbounded() -> Retention {
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

/// A series' min/max band: the least and greatest value inside each step it was
/// fetched at, kept beside the line under the same key and the same limits.
#[derive(Debug, Default, Clone)]
pub struct Band {
    /// The least value inside each step.
    pub min: Series,
    /// The greatest value inside each step.
    pub max: Series,
}

impl Band {
    /// Samples held in both bounds.
    pub(crate) fn len(&self) -> usize {
        self.min.len() + self.max.len()
    }
}

/// All series the app currently holds.
#[derive(Debug, Default)]
pub struct Store {
    series: BTreeMap<SeriesKey, Series>,
    bands: BTreeMap<SeriesKey, Band>,
    retention: Retention,
    /// Every label set held, once: new series take the copy already here.
    labels: HashSet<Labels>,
}

impl Store {
    /// An empty store with the given limits.
    pub(crate) fn new(retention: Retention) -> Store {
        Store {
            series: BTreeMap::new(),
            bands: BTreeMap::new(),
            retention,
            labels: HashSet::new(),
        }
    }

    /// The limits in force.
    pub(crate) fn retention(&self) -> Retention {
        self.retention
    }

    /// Changes the limits (e.g. a wider time range needs a longer age) and trims.
    pub fn set_retention(&mut self, retention: Retention) {
        self.retention = retention;
        for series in self.series.values_mut() {
            series.trim(retention);
        }
        for band in self.bands.values_mut() {
            band.min.trim(retention);
            band.max.trim(retention);
        }
    }

    /// Merges a fetch covering `[start_ms, end_ms]` into a series: samples it
    /// returned replace whatever was stored in that interval.
    pub fn merge(&mut self, key: SeriesKey, start_ms: i64, end_ms: i64, samples: &[Sample]) {
        let retention = self.retention;
        let series = match self.series.get_mut(&key) {
            Some(series) => series,
            None => {
                let key = self.interned(key);
                self.series.entry(key).or_default()
            }
        };
        series.merge(start_ms, end_ms, samples);
        series.trim(retention);
    }

    /// `key` with the copy of its labels the store already holds, if any.
    fn interned(&mut self, mut key: SeriesKey) -> SeriesKey {
        match self.labels.get(&key.labels) {
            Some(shared) => key.labels = shared.clone(),
            None => {
                self.labels.insert(key.labels.clone());
            }
        }
        key
    }

    /// Forgets label sets no series holds any more.
    fn forget_unused_labels(&mut self) {
        self.labels.retain(|labels| Arc::strong_count(labels) > 1);
    }

    /// Merges the band of a fetch covering `[start_ms, end_ms]` into the band of
    /// `key`, as [`Store::merge`] does for its line.
    pub(crate) fn merge_band(
        &mut self,
        key: SeriesKey,
        start_ms: i64,
        end_ms: i64,
        min: &[Sample],
        max: &[Sample],
    ) {
        let retention = self.retention;
        let band = match self.bands.get_mut(&key) {
            Some(band) => band,
            None => {
                let key = self.interned(key);
                self.bands.entry(key).or_default()
            }
        };
        band.min.merge(start_ms, end_ms, min);
        band.max.merge(start_ms, end_ms, max);
        band.min.trim(retention);
        band.max.trim(retention);
    }

    /// Drops the bands of one query (its step is no coarser than the data any
    /// more, or its panel stopped asking).
    pub(crate) fn drop_bands(&mut self, query: &QueryKey) {
        let before = self.bands.len();
        self.bands.retain(|key, _| !key.is_of(query));
        // Asked after every answer drawn without a band: only a drop frees labels.
        if self.bands.len() < before {
            self.forget_unused_labels();
        }
    }

    /// The band of one series, if it has one.
    pub fn band(&self, key: &SeriesKey) -> Option<&Band> {
        self.bands.get(key)
    }

    /// Drops every series of one query that a fetch did not return, so a series
    /// that vanished from the source also vanishes from the panel.
    pub(crate) fn retain_query_series(&mut self, query: &QueryKey, keep: &[SeriesKey]) {
        // A set: 10,000 series checked against a list were 100 million comparisons.
        let keep: std::collections::BTreeSet<&SeriesKey> = keep.iter().collect();
        let gone: Vec<SeriesKey> = self
            .query_series(query)
            .map(|(key, _)| key)
            .filter(|key| !keep.contains(key))
            .cloned()
            .collect();
        let forgot = !gone.is_empty();
        for key in gone {
            self.series.remove(&key);
            self.bands.remove(&key);
        }
        if forgot {
            self.forget_unused_labels();
        }
    }

    /// Keeps at most `max_points` newest samples in each series (and band) of
    /// one query: the panel's point budget, over a live session's hours.
    pub(crate) fn trim_query(&mut self, query: &QueryKey, max_points: usize) {
        let limit = Retention {
            max_points,
            max_age_ms: i64::MAX,
        };
        let first = SeriesKey::new(query, BTreeMap::new());
        for (_, series) in self
            .series
            .range_mut(first.clone()..)
            .take_while(|(key, _)| key.is_of(query))
        {
            series.trim(limit);
        }
        for (_, band) in self
            .bands
            .range_mut(first..)
            .take_while(|(key, _)| key.is_of(query))
        {
            band.min.trim(limit);
            band.max.trim(limit);
        }
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

    /// One series, with its key as the store holds it (borrowed for as long as
    /// the store).
    pub(crate) fn query_series_entry(&self, key: &SeriesKey) -> Option<(&SeriesKey, &Series)> {
        self.series.get_key_value(key)
    }

    /// One series.
    pub fn get(&self, key: &SeriesKey) -> Option<&Series> {
        self.series.get(key)
    }

    /// Samples held across all series (for the status bar).
    pub fn total_points(&self) -> usize {
        self.series.values().map(Series::len).sum::<usize>()
            + self.bands.values().map(Band::len).sum::<usize>()
    }

    /// Number of series held.
    pub fn series_count(&self) -> usize {
        self.series.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(name: &str) -> QueryKey {
        QueryKey {
            panel: PanelId::from("p"),
            query: QueryId::from(name),
        }
    }

    #[test]
    fn a_query_is_trimmed_to_its_budget_and_its_neighbours_are_not() {
        let mut store = Store::new(Retention::default());
        let samples: Vec<Sample> = (0..100)
            .map(|i| Sample {
                t_ms: i * 1000,
                value: i as f64,
            })
            .collect();
        for name in ["a", "b"] {
            for gpu in 0..3 {
                let labels: BTreeMap<String, String> = [("gpu".to_owned(), gpu.to_string())].into();
                store.merge(SeriesKey::new(&query(name), labels), 0, 99_000, &samples);
            }
        }
        store.trim_query(&query("a"), 10);
        for (_, series) in store.query_series(&query("a")) {
            assert_eq!(series.len(), 10);
            assert_eq!(series.iter().next().map(|s| s.t_ms), Some(90_000));
        }
        assert!(store.query_series(&query("b")).all(|(_, s)| s.len() == 100));
        // A fetch that no longer has a series drops it, whatever the count.
        let keep: Vec<SeriesKey> = store
            .query_series(&query("b"))
            .map(|(k, _)| k.clone())
            .skip(1)
            .collect();
        store.retain_query_series(&query("b"), &keep);
        assert_eq!(store.query_series(&query("b")).count(), 2);
    }
}
