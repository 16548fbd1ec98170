//! Native histograms, as the query API answers them (`"histograms"` in a
//! matrix, `"histogram"` in a vector: each point a count and its buckets with
//! their bounds), turned into the cumulative `le` series of a classic histogram.
//!
//! Why that shape: everything that reads histograms here (the heatmap's rows, its
//! p50/p99, a table or a tile over `le`) reads `le` buckets, so one conversion at
//! the edge serves them all. The bounds are both bounds of every bucket, at
//! every step the union of the bounds any step has, so a bucket empty at one
//! step counts zero rather than vanishing and each bucket keeps its own lower
//! bound; `+Inf` is the histogram's count. Read this way, the quantile
//! that `histogram_quantile` computes on the classic buckets is the one it
//! computes on the native histogram (linear inside the bucket, as Prometheus 2.x
//! interpolates native buckets).

use crate::source::SeriesData;
use crate::store::Sample;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One native histogram point: `[time, {"count": "…", "sum": "…", "buckets":
/// [[boundary_rule, "lower", "upper", "count"], …]}]`.
#[derive(Debug)]
pub(super) struct HistogramPoint {
    t_ms: i64,
    count: f64,
    /// Lower bound, upper bound and count of each bucket that has one.
    buckets: Vec<(f64, f64, f64)>,
}

impl<'de> Deserialize<'de> for HistogramPoint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Body {
            count: String,
            #[serde(default)]
            buckets: Vec<(serde::de::IgnoredAny, String, String, String)>,
        }
        let (t_s, body) = <(f64, Body)>::deserialize(deserializer)?;
        let value = super::api::parse_value;
        Ok(HistogramPoint {
            t_ms: (t_s * 1000.0).round() as i64,
            count: value(&body.count),
            buckets: body
                .buckets
                .iter()
                .map(|(_, lower, upper, count)| (value(lower), value(upper), value(count)))
                .collect(),
        })
    }
}

/// The cumulative `le` series of one native histogram series.
pub(super) fn as_buckets(
    labels: &BTreeMap<String, String>,
    points: &[HistogramPoint],
) -> Vec<SeriesData> {
    // Both bounds of every bucket: a bucket whose neighbour below was empty at
    // every step still starts where it starts, not at the last bound seen.
    let mut bounds: Vec<f64> = points
        .iter()
        .flat_map(|point| point.buckets.iter().flat_map(|b| [b.0, b.1]))
        .filter(|bound| bound.is_finite())
        .collect();
    bounds.sort_by(f64::total_cmp);
    bounds.dedup();
    bounds.push(f64::INFINITY);
    bounds
        .iter()
        .map(|&bound| {
            let mut labels = labels.clone();
            labels.insert("le".to_owned(), le_text(bound));
            let samples = points
                .iter()
                .map(|point| Sample {
                    t_ms: point.t_ms,
                    value: cumulative_at(point, bound),
                })
                .collect();
            SeriesData {
                labels,
                samples,
                envelope: None,
            }
        })
        .collect()
}

/// What fell at or below `bound` in one point: every bucket whose upper bound is
/// at most it; the whole count at `+Inf` — the buckets' sum where the count
/// differs from it only by rounding (a rate's 2e-14 would be a bucket of its
/// own above the highest).
fn cumulative_at(point: &HistogramPoint, bound: f64) -> f64 {
    let below: f64 = point
        .buckets
        .iter()
        .filter(|b| b.1 <= bound)
        .map(|b| b.2)
        .sum();
    if bound.is_finite() || (point.count - below).abs() <= 1e-9 * below.abs() {
        below
    } else {
        point.count
    }
}

/// A bound as the `le` label writes it: `+Inf`, else the shortest text that
/// reads back as the same number.
fn le_text(bound: f64) -> String {
    if bound == f64::INFINITY {
        "+Inf".to_owned()
    } else {
        format!("{bound}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points(json: &str) -> Vec<HistogramPoint> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn buckets_become_cumulative_le_series_with_the_union_of_bounds() {
        // Schema 0 (bounds double): (0.5, 1] and (1, 2] at the first step, (2, 4]
        // appears at the second.
        let points = points(
            r#"[[10, {"count": "4", "sum": "5", "buckets": [[0, "0.5", "1", "1"], [0, "1", "2", "3"]]}],
                [20, {"count": "6", "sum": "9", "buckets": [[0, "0.5", "1", "1"], [0, "1", "2", "3"], [0, "2", "4", "2"]]}]]"#,
        );
        let labels = BTreeMap::from([("model".to_owned(), "a".to_owned())]);
        let series = as_buckets(&labels, &points);
        let le: Vec<&str> = series.iter().map(|s| s.labels["le"].as_str()).collect();
        assert_eq!(le, ["0.5", "1", "2", "4", "+Inf"]);
        let at = |le: &str| -> Vec<f64> {
            series
                .iter()
                .find(|s| s.labels["le"] == le)
                .unwrap()
                .samples
                .iter()
                .map(|s| s.value)
                .collect()
        };
        assert_eq!(at("0.5"), [0.0, 0.0], "the lowest bucket's floor");
        assert_eq!(at("1"), [1.0, 1.0]);
        assert_eq!(at("2"), [4.0, 4.0]);
        assert_eq!(at("4"), [4.0, 6.0], "empty at the first step: counts zero");
        assert_eq!(at("+Inf"), [4.0, 6.0]);
        assert!(series.iter().all(|s| s.labels["model"] == "a"));
        assert_eq!(series[0].samples[1].t_ms, 20_000);
    }

    #[test]
    fn the_quantile_of_the_le_series_is_the_native_one() {
        // Prometheus 2.x on a native histogram: rank 0.5 × 4 = 2 falls in (1, 2]
        // holding 3, one below it: 1 + (2 − 1) × (2 − 1) / 3.
        let points = points(
            r#"[[10, {"count": "4", "sum": "5", "buckets": [[0, "0.5", "1", "1"], [0, "1", "2", "3"]]}]]"#,
        );
        let column = &column_of(&points);
        let median = crate::heatmap::quantile(0.5, column).unwrap();
        assert!((median - (1.0 + 1.0 / 3.0)).abs() < 1e-12, "{median}");
        // In the lowest bucket, from its own floor (0.5), not from 0.
        let low = crate::heatmap::quantile(0.1, column).unwrap();
        assert!((low - (0.5 + 0.5 * 0.4)).abs() < 1e-12, "{low}");
    }

    /// The heatmap's column of `points`' one step, read from its `le` series.
    fn column_of(points: &[HistogramPoint]) -> crate::heatmap::Column {
        let series = as_buckets(&BTreeMap::new(), points);
        let cumulative: Vec<(f64, Vec<(i64, f64)>)> = series
            .iter()
            .map(|s| {
                (
                    crate::heatmap::bound_of(&s.labels).unwrap(),
                    s.samples.iter().map(|p| (p.t_ms, p.value)).collect(),
                )
            })
            .collect();
        crate::heatmap::columns(&cumulative).remove(0)
    }

    #[test]
    fn a_bucket_after_a_gap_starts_at_its_own_lower_bound() {
        // (1, 2] is empty at every step: (2, 4] still starts at 2.
        let points = points(
            r#"[[10, {"count": "4", "sum": "9", "buckets": [[0, "0.5", "1", "1"], [0, "2", "4", "3"]]}]]"#,
        );
        let median = crate::heatmap::quantile(0.5, &column_of(&points)).unwrap();
        assert!((median - (2.0 + 2.0 / 3.0)).abs() < 1e-12, "{median}");
    }

    #[test]
    fn a_count_off_by_rounding_makes_no_bucket_above_the_highest() {
        let points = points(
            r#"[[10, {"count": "4.000000000000021", "sum": "9", "buckets": [[0, "0.5", "1", "1.1"], [0, "1", "2", "2.900000000000001"]]}]]"#,
        );
        let counts = column_of(&points).counts;
        assert_eq!(counts.last(), Some(&0.0), "{counts:?}");
    }
}
