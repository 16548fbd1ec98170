//! The min/max band of a fetch: asking a query's extremes beside it, and folding
//! the answers into the series they belong to.
//!
//! A coarse step samples one instant per step, so a spike shorter than the step is
//! simply not in the line. Each source says how to read a query's least and greatest
//! value inside each step (a subquery, a CloudWatch statistic, a local scan); the
//! poller asks them beside the query and hands the UI one answer, so the band and
//! its line always arrive, merge and trim together.

use crate::source::{Envelope, Extreme, SeriesData, Source, SourceError, SourceQuery};
use std::collections::{BTreeMap, HashMap};

/// The queries reading the least and greatest value of `query` inside each step,
/// when the source has them at this step.
pub(crate) fn queries(
    source: &dyn Source,
    query: &SourceQuery,
    step_ms: i64,
) -> Option<(SourceQuery, SourceQuery)> {
    let min = source.envelope_query(query, Extreme::Min, step_ms)?;
    let max = source.envelope_query(query, Extreme::Max, step_ms)?;
    Some((min, max))
}

/// Labels that name how a series was read rather than which series it is: the
/// metric name (`min_over_time` and friends drop it) and CloudWatch's statistic
/// (`p99` on the line, `Minimum` and `Maximum` on its band).
const READING_LABELS: [&str; 2] = ["__name__", "stat"];

/// A series' identity for matching a band to its line: its labels without
/// [`READING_LABELS`].
fn identity(labels: &BTreeMap<String, String>) -> BTreeMap<&str, &str> {
    labels
        .iter()
        .filter(|(name, _)| !READING_LABELS.contains(&name.as_str()))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}

/// Gives each series of `main` its band from the `min` and `max` answers; a
/// series without a match in both keeps none. The band is widened to hold the
/// line's own value where both have a sample at the same time, so it never
/// seems to exclude the line (a source may evaluate the step's instants on a
/// slightly different grid). Returns why the band is missing, when a source
/// refused it.
pub(crate) fn attach(
    main: &mut [SeriesData],
    min: Result<Vec<SeriesData>, SourceError>,
    max: Result<Vec<SeriesData>, SourceError>,
) -> Option<SourceError> {
    let (min, max) = match (min, max) {
        (Ok(min), Ok(max)) => (min, max),
        (Err(error), _) | (_, Err(error)) => return Some(error),
    };
    let mut lows: HashMap<BTreeMap<&str, &str>, &SeriesData> =
        min.iter().map(|s| (identity(&s.labels), s)).collect();
    let mut highs: HashMap<BTreeMap<&str, &str>, &SeriesData> =
        max.iter().map(|s| (identity(&s.labels), s)).collect();
    for series in main.iter_mut() {
        let id = identity(&series.labels);
        let (Some(low), Some(high)) = (lows.remove(&id), highs.remove(&id)) else {
            continue;
        };
        let mut envelope = Envelope {
            min: low.samples.clone(),
            max: high.samples.clone(),
        };
        widen_to_hold(&series.samples, &mut envelope);
        series.envelope = Some(envelope);
    }
    None
}

/// Lowers `min` and raises `max` to the line's value wherever they share a time.
fn widen_to_hold(line: &[crate::store::Sample], envelope: &mut Envelope) {
    widen(line, &mut envelope.min, |value, bound| value < bound);
    widen(line, &mut envelope.max, |value, bound| value > bound);
}

/// Moves each bound to the line's value at its time where `beyond(value, bound)`.
fn widen(
    line: &[crate::store::Sample],
    bounds: &mut [crate::store::Sample],
    beyond: fn(f64, f64) -> bool,
) {
    let mut at = 0;
    for bound in bounds {
        while at < line.len() && line[at].t_ms < bound.t_ms {
            at += 1;
        }
        if let Some(sample) = line.get(at).filter(|s| s.t_ms == bound.t_ms)
            && beyond(sample.value, bound.value)
        {
            bound.value = sample.value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Sample;

    fn series(labels: &[(&str, &str)], values: &[(i64, f64)]) -> SeriesData {
        SeriesData::new(
            labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            values
                .iter()
                .map(|&(t_ms, value)| Sample { t_ms, value })
                .collect(),
        )
    }

    #[test]
    fn bands_find_their_lines_by_labels_without_the_metric_name() {
        let mut main = vec![
            series(&[("__name__", "lat"), ("model", "a")], &[(10, 1.0)]),
            series(&[("__name__", "lat"), ("model", "b")], &[(10, 2.0)]),
        ];
        let min = vec![
            series(&[("model", "b")], &[(10, 0.5)]),
            series(&[("model", "a")], &[(10, 0.1)]),
        ];
        let max = vec![
            series(&[("model", "a")], &[(10, 9.0)]),
            series(&[("model", "b")], &[(10, 7.0)]),
        ];
        assert!(attach(&mut main, Ok(min), Ok(max)).is_none());
        let band = |i: usize| {
            let e = main[i].envelope.as_ref().unwrap();
            (e.min[0].value, e.max[0].value)
        };
        assert_eq!(band(0), (0.1, 9.0));
        assert_eq!(band(1), (0.5, 7.0));
    }

    #[test]
    fn the_band_always_holds_the_line_and_a_refusal_is_reported() {
        let mut main = vec![series(&[], &[(10, 5.0), (20, -1.0)])];
        let min = vec![series(&[], &[(10, 4.0), (20, 0.0)])];
        let max = vec![series(&[], &[(10, 4.5), (20, 3.0)])];
        assert!(attach(&mut main, Ok(min), Ok(max)).is_none());
        let envelope = main[0].envelope.as_ref().unwrap();
        assert_eq!(envelope.max[0].value, 5.0);
        assert_eq!(envelope.min[1].value, -1.0);

        let mut main = vec![series(&[], &[(10, 5.0)])];
        let refused = SourceError::BadQuery("subqueries are not allowed".to_owned());
        let reason = attach(&mut main, Ok(Vec::new()), Err(refused.clone()));
        assert_eq!(reason, Some(refused));
        assert!(main[0].envelope.is_none());
    }
}
