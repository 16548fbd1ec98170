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
    let window_first = series.partition_point(start_ms);
    let window_last = series.partition_point(end_ms.saturating_add(1));
    let first = window_first.saturating_sub(1);
    let last = (window_last + 1).min(series.len());
    if first >= last {
        return;
    }
    let (a, b) = series.as_slices();
    if last - first <= 2 * columns {
        let (x, y) = sub_slices(a, b, first, last);
        x.iter()
            .chain(y)
            .filter(|s| s.value.is_finite())
            .for_each(|s| emit(*s));
        return;
    }
    // The neighbour before the window, then each column's extremes, then the one after.
    if first < window_first {
        emit_finite(series.get(first), &mut emit);
    }
    // One sequential pass: memory is read in order, so a long history costs a
    // streaming read, not a cache miss per column.
    let (x, y) = sub_slices(a, b, window_first, window_last);
    let mut columns_pass = ColumnPass::new(start_ms, end_ms, columns);
    columns_pass.scan(x, &mut emit);
    columns_pass.scan(y, &mut emit);
    columns_pass.flush(&mut emit);
    if window_last < last {
        emit_finite(series.get(window_last), &mut emit);
    }
}

fn emit_finite(sample: Option<Sample>, emit: &mut impl FnMut(Sample)) {
    if let Some(sample) = sample.filter(|s| s.value.is_finite()) {
        emit(sample);
    }
}

/// Walks samples in time order, keeping the extremes of the current pixel column.
struct ColumnPass {
    start_ms: i64,
    span_ms: i128,
    columns: usize,
    column: usize,
    boundary_ms: i64,
    low: Option<Sample>,
    high: Option<Sample>,
}

impl ColumnPass {
    fn new(start_ms: i64, end_ms: i64, columns: usize) -> ColumnPass {
        let mut pass = ColumnPass {
            start_ms,
            span_ms: (end_ms - start_ms).max(1) as i128,
            columns,
            column: 0,
            boundary_ms: 0,
            low: None,
            high: None,
        };
        pass.boundary_ms = pass.end_of(0);
        pass
    }

    /// First time after column `column`; the last column runs to the window's end.
    fn end_of(&self, column: usize) -> i64 {
        if column + 1 >= self.columns {
            i64::MAX
        } else {
            self.start_ms + ((self.span_ms * (column as i128 + 1)) / self.columns as i128) as i64
        }
    }

    fn scan(&mut self, samples: &[Sample], emit: &mut impl FnMut(Sample)) {
        for sample in samples {
            if sample.t_ms >= self.boundary_ms {
                self.flush(emit);
                while sample.t_ms >= self.boundary_ms {
                    self.column += 1;
                    self.boundary_ms = self.end_of(self.column);
                }
            }
            let value = sample.value;
            if !value.is_finite() {
                continue;
            }
            if self.low.is_none_or(|low| value < low.value) {
                self.low = Some(*sample);
            }
            if self.high.is_none_or(|high| value > high.value) {
                self.high = Some(*sample);
            }
        }
    }

    /// Emits the current column's lowest and highest sample, in time order.
    fn flush(&mut self, emit: &mut impl FnMut(Sample)) {
        if let (Some(low), Some(high)) = (self.low.take(), self.high.take()) {
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
    }
}

/// The samples `first..last` of a ring buffer given as its two halves.
fn sub_slices<'a>(
    a: &'a [Sample],
    b: &'a [Sample],
    first: usize,
    last: usize,
) -> (&'a [Sample], &'a [Sample]) {
    let in_a = &a[first.min(a.len())..last.min(a.len())];
    let in_b =
        &b[first.saturating_sub(a.len()).min(b.len())..last.saturating_sub(a.len()).min(b.len())];
    (in_a, in_b)
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
