//! Latency as a distribution: a histogram's cumulative `le` buckets (Prometheus
//! classic histograms, the demo's) turned into per-bucket counts at each step,
//! and the quantiles read from the same buckets exactly as PromQL's
//! `histogram_quantile` reads them — so the lines drawn over a heatmap are the
//! ones a PromQL panel would draw.

use std::collections::BTreeMap;

/// One step of a histogram: each bucket's upper bound and what fell in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The step's time, ms.
    pub t_ms: i64,
    /// Upper bounds, ascending; the last may be `+Inf`.
    pub bounds: Vec<f64>,
    /// What fell between the previous bound and this one (never negative).
    pub counts: Vec<f64>,
}

impl Column {
    /// Everything counted in the step.
    pub fn total(&self) -> f64 {
        self.counts.iter().sum()
    }
}

/// The `le` label's value as a bound (`+Inf` included); `None` when absent or
/// not a number.
pub fn bound_of(labels: &BTreeMap<String, String>) -> Option<f64> {
    match labels.get("le")?.as_str() {
        "+Inf" | "Inf" | "inf" => Some(f64::INFINITY),
        text => text.parse().ok(),
    }
}

/// The columns of a histogram given as cumulative series, one per bound: at each
/// instant every bucket present, differences of the cumulative counts (a bucket
/// read lower than the one below it, as rates of scrapes taken apart can be,
/// counts nothing).
pub fn columns(cumulative: &[(f64, Vec<(i64, f64)>)]) -> Vec<Column> {
    let mut by_time: BTreeMap<i64, BTreeMap<u64, (f64, f64)>> = BTreeMap::new();
    for (bound, samples) in cumulative {
        for &(t_ms, value) in samples {
            if value.is_finite() {
                // Keyed by the bound's bits (ascending for non-negative bounds).
                by_time
                    .entry(t_ms)
                    .or_default()
                    .insert(bound.to_bits(), (*bound, value));
            }
        }
    }
    by_time
        .into_iter()
        .map(|(t_ms, buckets)| {
            let mut sorted: Vec<(f64, f64)> = buckets.into_values().collect();
            sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut below = 0.0_f64;
            let (bounds, counts) = sorted
                .into_iter()
                .map(|(bound, cumulative)| {
                    let count = (cumulative - below).max(0.0);
                    below = below.max(cumulative);
                    (bound, count)
                })
                .unzip();
            Column {
                t_ms,
                bounds,
                counts,
            }
        })
        .collect()
}

/// The `q` quantile of a column as `histogram_quantile` computes it: the rank
/// `q × total`, linear inside the bucket it falls in (from 0 for the first
/// bucket when its bound is positive); in the `+Inf` bucket, the highest finite
/// bound. `None` without observations.
pub fn quantile(q: f64, column: &Column) -> Option<f64> {
    let total = column.total();
    if total <= 0.0 || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let rank = q * total;
    let mut below = 0.0;
    for (index, (&bound, &count)) in column.bounds.iter().zip(&column.counts).enumerate() {
        if below + count >= rank && count > 0.0 {
            if bound.is_infinite() {
                return column.bounds[..index].last().copied().or(Some(bound));
            }
            let lower = match index {
                0 if bound > 0.0 => 0.0,
                0 => return Some(bound),
                _ => column.bounds[index - 1],
            };
            return Some(lower + (bound - lower) * (rank - below) / count);
        }
        below += count;
    }
    column.bounds.iter().rev().find(|b| b.is_finite()).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(cumulative: &[(f64, f64)]) -> Column {
        let series: Vec<(f64, Vec<(i64, f64)>)> = cumulative
            .iter()
            .map(|&(bound, value)| (bound, vec![(0, value)]))
            .collect();
        columns(&series).remove(0)
    }

    #[test]
    fn cumulative_buckets_become_counts_per_bucket() {
        let c = column(&[(f64::INFINITY, 100.0), (0.5, 40.0), (1.0, 90.0)]);
        assert_eq!(c.bounds, vec![0.5, 1.0, f64::INFINITY]);
        assert_eq!(c.counts, vec![40.0, 50.0, 10.0]);
        assert_eq!(c.total(), 100.0);
    }

    #[test]
    fn quantiles_interpolate_inside_their_bucket_as_histogram_quantile_does() {
        let c = column(&[
            (0.5, 40.0),
            (1.0, 90.0),
            (2.0, 100.0),
            (f64::INFINITY, 100.0),
        ]);
        // The median is the 50th of 100: 10 into the (0.5, 1] bucket's 50.
        assert!((quantile(0.5, &c).unwrap() - 0.6).abs() < 1e-12);
        // The 20th: inside the first bucket, from 0.
        assert!((quantile(0.2, &c).unwrap() - 0.25).abs() < 1e-12);
        // p99: 9 into the (1, 2] bucket's 10.
        assert!((quantile(0.99, &c).unwrap() - 1.9).abs() < 1e-12);
        // In the +Inf bucket: the highest finite bound.
        let tail = column(&[(1.0, 50.0), (f64::INFINITY, 100.0)]);
        assert_eq!(quantile(0.99, &tail), Some(1.0));
        assert_eq!(quantile(0.5, &column(&[(1.0, 0.0)])), None);
    }

    #[test]
    fn a_lower_reading_above_counts_nothing_rather_than_going_negative() {
        let c = column(&[(1.0, 10.0), (2.0, 9.5), (f64::INFINITY, 12.0)]);
        assert_eq!(c.counts, vec![10.0, 0.0, 2.0]);
    }
}

/// How many equal bins a fleet's values are spread over.
pub const FLEET_BINS: usize = 20;

/// A fleet's distribution at each step: many series without buckets (a GPU's
/// utilisation each), counted into `bins` equal bins between the lowest and the
/// highest value seen — each column says how many series were in each bin.
pub fn distribution(series: &[Vec<(i64, f64)>], bins: usize) -> Vec<Column> {
    let values = series
        .iter()
        .flatten()
        .map(|(_, v)| *v)
        .filter(|v| v.is_finite());
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !low.is_finite() || bins == 0 {
        return Vec::new();
    }
    let width = if high > low {
        (high - low) / bins as f64
    } else {
        1.0
    };
    let bounds: Vec<f64> = (1..=bins).map(|i| low + width * i as f64).collect();
    // Series sampled at different instants (or steps) meet on one grid, as
    // coarse as the coarsest series: each counts once per cell, with its latest
    // value there.
    let step = series
        .iter()
        .filter_map(|samples| {
            samples
                .windows(2)
                .map(|pair| pair[1].0 - pair[0].0)
                .filter(|gap| *gap > 0)
                .min()
        })
        .max()
        .unwrap_or(1)
        .max(1);
    let mut by_time: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for samples in series {
        let mut latest: BTreeMap<i64, f64> = BTreeMap::new();
        for &(t_ms, value) in samples {
            if value.is_finite() {
                latest.insert(t_ms.div_euclid(step) * step + step, value);
            }
        }
        for (cell, value) in latest {
            let bin = (((value - low) / width) as usize).min(bins - 1);
            by_time.entry(cell).or_insert_with(|| vec![0.0; bins])[bin] += 1.0;
        }
    }
    by_time
        .into_iter()
        .map(|(t_ms, counts)| Column {
            t_ms,
            // The first bin starts at the lowest value, not at 0.
            bounds: bounds.clone(),
            counts,
        })
        .collect()
}

#[cfg(test)]
mod fleet_tests {
    use super::*;

    #[test]
    fn series_sampled_at_other_instants_meet_on_one_grid_and_count_once() {
        let series = vec![vec![(0, 1.0), (10, 1.0)], vec![(3, 2.0), (13, 2.0)]];
        let columns = distribution(&series, 2);
        assert!(columns.iter().all(|c| c.total() == 2.0), "{columns:?}");
    }

    #[test]
    fn a_fleet_is_counted_into_equal_bins_per_step() {
        // Four GPUs at one step: two idle, one half busy, one flat out.
        let series = vec![
            vec![(0, 0.0)],
            vec![(0, 0.0)],
            vec![(0, 50.0)],
            vec![(0, 100.0)],
        ];
        let columns = distribution(&series, 4);
        assert_eq!(columns[0].bounds, vec![25.0, 50.0, 75.0, 100.0]);
        assert_eq!(columns[0].counts, vec![2.0, 0.0, 1.0, 1.0]);
    }
}
