//! The table under an Explore chart: per series, its last, min, max and mean over
//! the window shown — the numbers an SRE copies into the incident channel.

use crate::dashboard::PanelSpec;
use crate::store::Store;
use crate::time_range::Window;

/// One series' figures over a window (NaN and infinite samples left out).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeriesSummary {
    /// Its display name, as the legend says it.
    pub name: String,
    /// The newest value in the window.
    pub last: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
    /// The mean of the samples.
    pub mean: f64,
    /// How many samples there were.
    pub samples: usize,
}

/// The figures of every drawn series of `panel` over `window`, in the legend's
/// order; a series with no finite sample in the window is left out.
pub(crate) fn summarize(store: &Store, panel: &PanelSpec, window: Window) -> Vec<SeriesSummary> {
    let mut rows = Vec::new();
    for query in panel.queries.iter().filter(|q| !q.hidden) {
        for (key, series) in store.query_series(&panel.key(&query.id)) {
            let values = series
                .iter()
                .filter(|s| (window.start_ms..=window.end_ms).contains(&s.t_ms))
                .map(|s| s.value)
                .filter(|v| v.is_finite());
            let (mut count, mut sum) = (0usize, 0.0);
            let (mut min, mut max, mut last) = (f64::INFINITY, f64::NEG_INFINITY, f64::NAN);
            for value in values {
                count += 1;
                sum += value;
                min = min.min(value);
                max = max.max(value);
                last = value;
            }
            if count > 0 {
                rows.push(SeriesSummary {
                    name: query.series_name(&key.labels),
                    last,
                    min,
                    max,
                    mean: sum / count as f64,
                    samples: count,
                });
            }
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Retention, Sample, SeriesKey};
    use std::collections::BTreeMap;

    #[test]
    fn figures_cover_only_the_window_and_skip_nan() {
        let dashboard = crate::explore::demo_layout();
        let panel = dashboard
            .panel_by_title("Requests waiting by model")
            .unwrap();
        let key = panel.key(&panel.queries[0].id);
        let labels = BTreeMap::from([("model_name".to_owned(), "m".to_owned())]);
        let mut store = Store::new(Retention::unbounded());
        let samples: Vec<Sample> = [
            (0, 100.0),
            (10, 1.0),
            (20, f64::NAN),
            (30, 5.0),
            (40, 3.0),
            (50, 100.0),
        ]
        .into_iter()
        .map(|(t_ms, value)| Sample { t_ms, value })
        .collect();
        store.merge(SeriesKey::new(&key, labels), 0, 50, &samples);
        let rows = summarize(
            &store,
            panel,
            Window {
                start_ms: 10,
                end_ms: 40,
            },
        );
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(
            (row.last, row.min, row.max, row.samples),
            (3.0, 1.0, 5.0, 3)
        );
        assert_eq!(row.mean, 3.0);
        assert!(row.name.contains('m'), "{}", row.name);
    }
}
