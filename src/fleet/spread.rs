//! A query's series reduced to their spread at each step: min, p5, p25, median,
//! p75, p95 and max across the series, with the highest and lowest series by
//! their mean over the window.
//!
//! Quantiles are Prometheus's `quantile(φ, x)`: linear interpolation between the
//! two nearest ranks of the sorted values, `rank = φ·(n−1)`. A range query's
//! series share their sample times (the step grid), so the values at one time
//! are the fleet at that step; a series with no sample at a time is not counted
//! there, as PromQL's aggregation over an instant vector leaves it out.

use crate::store::{Series, SeriesKey};
use crate::time_range::Window;

/// The quantiles a spread keeps, in the order of [`Spread::levels`].
pub const LEVELS: [f64; 7] = [0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0];
/// Index of the median in [`LEVELS`].
pub const MEDIAN: usize = 3;

/// A query's spread.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spread {
    /// The sample times, ascending (ms).
    pub times_ms: Vec<i64>,
    /// Per level of [`LEVELS`], its value at each time.
    pub levels: [Vec<f64>; 7],
    /// How many series had a value at each time.
    pub counts: Vec<usize>,
    /// How many series the query has.
    pub series: usize,
    /// The highest series by mean over the window, highest first.
    pub highest: Vec<Ranked>,
    /// The lowest series by mean over the window, lowest first.
    pub lowest: Vec<Ranked>,
}

/// A series named as an outlier: its key and its mean over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// The series.
    pub key: SeriesKey,
    /// Its mean over the window.
    pub mean: f64,
}

impl Spread {
    /// The spread of `series` (all of one query), with `outliers` named on each
    /// side by their mean over `window`.
    pub fn of<'a>(
        series: impl Iterator<Item = (&'a SeriesKey, &'a Series)>,
        window: Window,
        outliers: usize,
    ) -> Spread {
        // Columns by time, ascending. A range query's series share their times,
        // so each series is walked beside the columns (no hashing per sample);
        // a time no series had before is inserted where it belongs.
        let mut columns: Vec<(i64, Vec<f64>)> = Vec::new();
        let mut means: Vec<(&SeriesKey, f64)> = Vec::new();
        let mut count = 0;
        for (key, one) in series {
            count += 1;
            let (mut total, mut n) = (0.0, 0usize);
            let mut at = 0;
            for sample in one.iter().filter(|s| s.value.is_finite()) {
                while at < columns.len() && columns[at].0 < sample.t_ms {
                    at += 1;
                }
                if at == columns.len() || columns[at].0 != sample.t_ms {
                    columns.insert(at, (sample.t_ms, Vec::with_capacity(count)));
                }
                columns[at].1.push(sample.value);
                if (window.start_ms..=window.end_ms).contains(&sample.t_ms) {
                    total += sample.value;
                    n += 1;
                }
            }
            if n > 0 {
                means.push((key, total / n as f64));
            }
        }
        let mut spread = Spread {
            series: count,
            ..Spread::default()
        };
        for (t_ms, mut values) in columns {
            let at = quantiles(&mut values, &LEVELS);
            spread.times_ms.push(t_ms);
            spread.counts.push(values.len());
            for (level, value) in spread.levels.iter_mut().zip(at) {
                level.push(value);
            }
        }
        // Highest first; equal means in label order, so the names do not swap
        // between frames.
        means.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let take = outliers.min(means.len() / 2);
        let ranked = |(key, mean): &(&SeriesKey, f64)| Ranked {
            key: (*key).clone(),
            mean: *mean,
        };
        spread.highest = means.iter().take(take).map(ranked).collect();
        means.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.cmp(b.0)));
        spread.lowest = means.iter().take(take).map(ranked).collect();
        spread
    }
}

/// Puts the value of each rank of `ranks` (ascending, relative to `offset`) in
/// its sorted place: select the middle rank, then the lower ranks left of it and
/// the higher right of it — O(n log k) for k ranks, not k passes over n.
fn select_ranks(values: &mut [f64], ranks: &[usize], offset: usize) {
    if ranks.is_empty() || values.is_empty() {
        return;
    }
    let middle = ranks.len() / 2;
    let at = ranks[middle] - offset;
    values.select_nth_unstable_by(at, f64::total_cmp);
    let (left, right) = values.split_at_mut(at);
    select_ranks(left, &ranks[..middle], offset);
    select_ranks(&mut right[1..], &ranks[middle + 1..], offset + at + 1);
}

/// Prometheus's `quantile(φ, values)` for each φ of `levels` (ascending), with
/// `values` partially reordered: the ranks needed selected, not a full sort.
pub(crate) fn quantiles(values: &mut [f64], levels: &[f64]) -> Vec<f64> {
    let n = values.len();
    if n == 0 {
        return vec![f64::NAN; levels.len()];
    }
    // The ranks each level reads, ascending; selected left to right, each
    // selection only reorders what lies to its right.
    let ranks: Vec<(usize, usize, f64)> = levels
        .iter()
        .map(|&q| {
            let rank = q * (n - 1) as f64;
            let lower = rank.floor().max(0.0) as usize;
            let upper = (lower + 1).min(n - 1);
            (lower, upper, rank - rank.floor())
        })
        .collect();
    let mut needed: Vec<usize> = ranks.iter().flat_map(|&(l, u, _)| [l, u]).collect();
    needed.sort_unstable();
    needed.dedup();
    select_ranks(values, &needed, 0);
    ranks
        .iter()
        .map(|&(lower, upper, weight)| values[lower] * (1.0 - weight) + values[upper] * weight)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::{PanelId, QueryId, QueryKey};
    use crate::store::{Retention, Sample, Store};

    fn sorted_quantile(values: &[f64], q: f64) -> f64 {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = q * (sorted.len() - 1) as f64;
        let lower = rank.floor() as usize;
        let upper = (lower + 1).min(sorted.len() - 1);
        let weight = rank - rank.floor();
        sorted[lower] * (1.0 - weight) + sorted[upper] * weight
    }

    #[test]
    fn quantiles_match_a_full_sort_with_linear_interpolation() {
        for n in [1usize, 2, 3, 10, 101, 1000] {
            let values: Vec<f64> = (0..n)
                .map(|i| ((i * 7919) % 1009) as f64 * 0.5 - 100.0)
                .collect();
            let mut work = values.clone();
            let got = quantiles(&mut work, &LEVELS);
            for (q, value) in LEVELS.iter().zip(got) {
                assert_eq!(value, sorted_quantile(&values, *q), "n={n} q={q}");
            }
        }
        // Prometheus: quantile(0.5, {1, 2, 3, 10}) is 2.5.
        assert_eq!(quantiles(&mut [10.0, 1.0, 3.0, 2.0], &[0.5]), vec![2.5]);
        assert!(quantiles(&mut [], &[0.5])[0].is_nan());
    }

    fn fleet_store(series: usize) -> (Store, QueryKey) {
        let key = QueryKey {
            panel: PanelId::from("gpus"),
            query: QueryId::from("q1"),
        };
        let mut store = Store::new(Retention::unbounded());
        for gpu in 0..series {
            // GPU g reads g % 100 (+ the minute), and GPU 7 stops after minute 2.
            let samples: Vec<Sample> = (0..5)
                .filter(|minute| gpu != 7 || *minute <= 2)
                .map(|minute| Sample {
                    t_ms: minute * 60_000,
                    value: (gpu % 100) as f64 + minute as f64,
                })
                .collect();
            let labels: std::collections::BTreeMap<String, String> =
                [("gpu".to_owned(), format!("{gpu:04}"))].into();
            store.merge(SeriesKey::new(&key, labels), 0, 240_000, &samples);
        }
        (store, key)
    }

    #[test]
    fn the_spread_is_taken_across_series_at_each_step() {
        let (store, key) = fleet_store(300);
        let window = Window {
            start_ms: 0,
            end_ms: 240_000,
        };
        let spread = Spread::of(store.query_series(&key), window, 5);
        assert_eq!(spread.series, 300);
        assert_eq!(spread.times_ms, vec![0, 60_000, 120_000, 180_000, 240_000]);
        assert_eq!(spread.counts, vec![300, 300, 300, 299, 299]);
        // Three GPUs read each of 0..100: the median of minute 0 is 49.5.
        assert_eq!(spread.levels[MEDIAN][0], 49.5);
        assert_eq!(spread.levels[0][4], 4.0);
        assert_eq!(spread.levels[6][4], 103.0);
        let name = |r: &Ranked| r.key.labels["gpu"].clone();
        // 99, 199 and 299 share the highest mean: label order breaks the tie.
        assert_eq!(
            spread.highest.iter().map(name).collect::<Vec<_>>(),
            ["0099", "0199", "0299", "0098", "0198"]
        );
        assert_eq!(spread.lowest[0].key.labels["gpu"], "0000");
        assert_eq!(spread.lowest[0].mean, 2.0);
    }
}
