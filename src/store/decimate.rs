//! Min/max decimation: at most two samples per pixel column.
//!
//! A plot cannot show more than one vertical stroke per pixel column, so keeping the
//! lowest and highest sample of each column draws exactly the same picture as all
//! samples — spikes included — at a cost bounded by the panel's width instead of the
//! series' length.

use super::series::{Sample, Series};

/// Emits the samples of `series` needed to draw `[start_ms, end_ms]` across `columns`
/// pixel columns: every sample when there are few, otherwise the minimum and maximum
/// of each column in time order. One sample either side of the window is included
/// so lines run to the plot's edges. Non-finite values are skipped.
pub fn decimate_min_max(
    series: &Series,
    start_ms: i64,
    end_ms: i64,
    columns: usize,
    mut emit: impl FnMut(Sample),
) {
    let columns = columns.max(1);
    let first = series.partition_point(start_ms).saturating_sub(1);
    let last = (series.partition_point(end_ms.saturating_add(1)) + 1).min(series.len());
    if first >= last {
        return;
    }
    let (a, b) = series.as_slices();
    let visible = slice_range(a, b, first, last);
    if last - first <= 2 * columns {
        visible.filter(|s| s.value.is_finite()).for_each(emit);
        return;
    }
    let span = (end_ms - start_ms).max(1) as f64;
    let column_of = |t_ms: i64| -> i64 {
        if t_ms < start_ms {
            -1
        } else if t_ms > end_ms {
            columns as i64
        } else {
            (((t_ms - start_ms) as f64 / span) * columns as f64)
                .floor()
                .min(columns as f64 - 1.0) as i64
        }
    };
    let mut current: Option<(i64, Sample, Sample)> = None;
    let flush = |column: Option<(i64, Sample, Sample)>, emit: &mut dyn FnMut(Sample)| {
        if let Some((_, low, high)) = column {
            if low.t_ms == high.t_ms {
                emit(low);
            } else if low.t_ms < high.t_ms {
                emit(low);
                emit(high);
            } else {
                emit(high);
                emit(low);
            }
        }
    };
    for sample in visible.filter(|s| s.value.is_finite()) {
        let column = column_of(sample.t_ms);
        match &mut current {
            Some((c, low, high)) if *c == column => {
                if sample.value < low.value {
                    *low = sample;
                }
                if sample.value > high.value {
                    *high = sample;
                }
            }
            _ => {
                flush(current.take(), &mut emit);
                current = Some((column, sample, sample));
            }
        }
    }
    flush(current, &mut emit);
}

/// The samples `first..last` of a ring buffer given as its two halves.
fn slice_range<'a>(
    a: &'a [Sample],
    b: &'a [Sample],
    first: usize,
    last: usize,
) -> impl Iterator<Item = Sample> + 'a {
    let in_a = &a[first.min(a.len())..last.min(a.len())];
    let in_b =
        &b[first.saturating_sub(a.len()).min(b.len())..last.saturating_sub(a.len()).min(b.len())];
    in_a.iter().chain(in_b.iter()).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn series_of(values: &[f64], step: i64) -> Series {
        let samples: Vec<Sample> = values
            .iter()
            .enumerate()
            .map(|(i, &value)| Sample {
                t_ms: i as i64 * step,
                value,
            })
            .collect();
        let mut series = Series::default();
        if let Some(last) = samples.last() {
            series.merge(0, last.t_ms, &samples);
        }
        series
    }

    fn decimated(series: &Series, start: i64, end: i64, columns: usize) -> Vec<Sample> {
        let mut out = Vec::new();
        decimate_min_max(series, start, end, columns, |s| out.push(s));
        out
    }

    #[test]
    fn few_points_pass_through_unchanged() {
        let series = series_of(&[1.0, 2.0, 3.0], 1000);
        assert_eq!(decimated(&series, 0, 2000, 100).len(), 3);
    }

    #[test]
    fn a_single_spike_survives_decimation() {
        let mut values = vec![1.0; 100_000];
        values[54_321] = 1_000.0;
        values[12_345] = -50.0;
        let series = series_of(&values, 1000);
        let out = decimated(&series, 0, 99_999_000, 800);
        assert!(out.len() <= 2 * 800 + 2, "{}", out.len());
        assert!(
            out.iter()
                .any(|s| s.value == 1_000.0 && s.t_ms == 54_321_000)
        );
        assert!(out.iter().any(|s| s.value == -50.0 && s.t_ms == 12_345_000));
    }

    #[test]
    fn only_the_window_and_one_neighbour_each_side_are_emitted() {
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        let series = series_of(&values, 10);
        let out = decimated(&series, 2_000, 3_000, 1000);
        assert_eq!(out.first().unwrap().t_ms, 1_990);
        assert_eq!(out.last().unwrap().t_ms, 3_010);
    }

    #[test]
    fn nan_samples_are_skipped_not_drawn() {
        let series = series_of(&[1.0, f64::NAN, 3.0], 1000);
        let out = decimated(&series, 0, 2000, 10);
        assert_eq!(
            out.iter().map(|s| s.value).collect::<Vec<_>>(),
            vec![1.0, 3.0]
        );
    }

    proptest! {
        #[test]
        fn decimation_is_bounded_ordered_and_keeps_extremes(
            values in proptest::collection::vec(-1e6f64..1e6, 1..5000),
            columns in 1usize..400,
        ) {
            let series = series_of(&values, 7);
            let end = (values.len() as i64 - 1) * 7;
            let out = decimated(&series, 0, end, columns);
            prop_assert!(out.len() <= 2 * columns + 4);
            prop_assert!(out.windows(2).all(|w| w[0].t_ms < w[1].t_ms));
            let max = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let min = values.iter().cloned().fold(f64::INFINITY, f64::min);
            prop_assert!(out.iter().any(|s| s.value == max));
            prop_assert!(out.iter().any(|s| s.value == min));
        }
    }
}
