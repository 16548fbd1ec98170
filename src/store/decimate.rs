//! Min/max decimation: at most two samples per pixel column.
//!
//! A plot cannot show more than one vertical stroke per pixel column, so keeping the
//! lowest and highest sample of each column draws exactly the same picture as all
//! samples — spikes included — at a cost bounded by the panel's width instead of the
//! series' length.
//!
//! Columns sit on a grid of absolute time (column `i` holds `[i·w, (i+1)·w)`), not on
//! the window's edges. A window that slides by less than a column keeps every column
//! it had, so a live chart redoes only the columns that new samples fall in (see
//! `ui::line_cache`), not the whole history.

use super::series::{Sample, Series};

/// The drawn samples of one pixel column: one or two, in time order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Column {
    /// Which column of the grid (`t_ms.div_euclid(width_ms)`).
    pub index: i64,
    first: Sample,
    second: Option<Sample>,
}

impl Column {
    /// Its samples, in time order.
    pub(crate) fn samples(&self) -> impl Iterator<Item = Sample> {
        std::iter::once(self.first).chain(self.second)
    }
}

/// A grid of columns `width_ms` wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ColumnGrid {
    /// Width of one column, ms (at least 1).
    pub width_ms: i64,
}

impl ColumnGrid {
    /// The grid that fits a window of `span_ms` into about `columns` pixel columns.
    pub(crate) fn for_span(span_ms: i64, columns: usize) -> ColumnGrid {
        let columns = i64::try_from(columns.max(1)).unwrap_or(i64::MAX);
        let span = span_ms.max(1);
        ColumnGrid {
            width_ms: (span / columns + i64::from(span % columns != 0)).max(1),
        }
    }

    /// The column holding `t_ms`.
    pub(crate) fn column_of(&self, t_ms: i64) -> i64 {
        t_ms.div_euclid(self.width_ms)
    }

    /// The first time in column `index`.
    pub(crate) fn start_of(&self, index: i64) -> i64 {
        index.saturating_mul(self.width_ms)
    }

    /// Appends to `out` the non-empty columns `first..=last` of `series`, in order.
    /// Non-finite values are skipped. Reads only the samples inside those columns.
    pub(crate) fn scan(&self, series: &Series, first: i64, last: i64, out: &mut Vec<Column>) {
        if first > last {
            return;
        }
        let from = series.partition_point(self.start_of(first));
        let to = series.partition_point(self.start_of(last.saturating_add(1)));
        if from >= to {
            return;
        }
        // One sequential pass: memory is read in order, so a long history costs a
        // streaming read, not a cache miss per column.
        let (a, b) = series.as_slices();
        let (x, y) = sub_slices(a, b, from, to);
        let mut pass = ColumnPass::new(*self);
        pass.scan(x, out);
        pass.scan(y, out);
        pass.flush(out);
    }

    /// The samples to draw the window of columns `first..=last`: the nearest finite
    /// sample before them (so the line runs to the plot's left edge), their
    /// columns, and the nearest after.
    pub(crate) fn emit(
        &self,
        series: &Series,
        first: i64,
        last: i64,
        columns: &[Column],
        mut emit: impl FnMut(Sample),
    ) {
        let before = series.partition_point(self.start_of(first));
        if let Some(sample) = before
            .checked_sub(1)
            .and_then(|i| series.get(i))
            .filter(|s| s.value.is_finite())
        {
            emit(sample);
        }
        for column in columns {
            column.samples().for_each(&mut emit);
        }
        let after = series.partition_point(self.start_of(last.saturating_add(1)));
        if let Some(sample) = series.get(after).filter(|s| s.value.is_finite()) {
            emit(sample);
        }
    }
}

/// Decimates `series` for `[start_ms, end_ms]` across `columns` pixel columns in one
/// go: the reference the cached path is tested against.
#[cfg(test)]
pub(crate) fn decimate_min_max(
    series: &Series,
    start_ms: i64,
    end_ms: i64,
    columns: usize,
    emit: impl FnMut(Sample),
) {
    let grid = ColumnGrid::for_span(end_ms.saturating_sub(start_ms), columns);
    let (first, last) = (grid.column_of(start_ms), grid.column_of(end_ms));
    let mut found = Vec::new();
    grid.scan(series, first, last, &mut found);
    grid.emit(series, first, last, &found, emit);
}

/// Walks samples in time order, keeping what the current column draws.
struct ColumnPass {
    grid: ColumnGrid,
    index: i64,
    next_start: i64,
    count: usize,
    first: Option<Sample>,
    last: Option<Sample>,
    low: Option<Sample>,
    high: Option<Sample>,
}

impl ColumnPass {
    fn new(grid: ColumnGrid) -> ColumnPass {
        ColumnPass {
            grid,
            index: i64::MIN,
            next_start: i64::MIN,
            count: 0,
            first: None,
            last: None,
            low: None,
            high: None,
        }
    }

    fn scan(&mut self, samples: &[Sample], out: &mut Vec<Column>) {
        for sample in samples {
            let value = sample.value;
            if !value.is_finite() {
                continue;
            }
            if sample.t_ms >= self.next_start {
                self.flush(out);
                self.index = self.grid.column_of(sample.t_ms);
                self.next_start = self.grid.start_of(self.index.saturating_add(1));
            }
            self.count += 1;
            self.first.get_or_insert(*sample);
            self.last = Some(*sample);
            if self.low.is_none_or(|low| value < low.value) {
                self.low = Some(*sample);
            }
            if self.high.is_none_or(|high| value > high.value) {
                self.high = Some(*sample);
            }
        }
    }

    /// Ends the current column: both samples when it has two, else its lowest and
    /// highest in time order.
    fn flush(&mut self, out: &mut Vec<Column>) {
        let (first, last, low, high) = (
            self.first.take(),
            self.last.take(),
            self.low.take(),
            self.high.take(),
        );
        let count = std::mem::take(&mut self.count);
        let (Some(first), Some(last), Some(low), Some(high)) = (first, last, low, high) else {
            return;
        };
        let (first, second) = if count <= 2 {
            (first, (count == 2).then_some(last))
        } else if low.t_ms == high.t_ms {
            (low, None)
        } else if low.t_ms < high.t_ms {
            (low, Some(high))
        } else {
            (high, Some(low))
        };
        out.push(Column {
            index: self.index,
            first,
            second,
        });
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
        // Two equal samples in one column are both kept.
        let series = series_of(&[5.0, 5.0, 5.0, 5.0], 1000);
        assert_eq!(decimated(&series, 0, 3000, 2).len(), 4);
    }

    #[test]
    fn a_single_spike_survives_decimation() {
        let mut values = vec![1.0; 100_000];
        values[54_321] = 1_000.0;
        values[12_345] = -50.0;
        let series = series_of(&values, 1000);
        let out = decimated(&series, 0, 99_999_000, 800);
        assert!(out.len() <= 2 * 801 + 2, "{}", out.len());
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

    #[test]
    fn columns_sit_on_absolute_time_so_a_slide_keeps_them() {
        let grid = ColumnGrid::for_span(1_000, 10);
        assert_eq!(grid.width_ms, 100);
        assert_eq!(grid.column_of(-1), -1);
        assert_eq!(grid.column_of(250), 2);
        assert_eq!(ColumnGrid::for_span(1_001, 10).width_ms, 101);
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
            prop_assert!(out.len() <= 2 * (columns + 1) + 2);
            prop_assert!(out.windows(2).all(|w| w[0].t_ms < w[1].t_ms));
            let max = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let min = values.iter().cloned().fold(f64::INFINITY, f64::min);
            prop_assert!(out.iter().any(|s| s.value == max));
            prop_assert!(out.iter().any(|s| s.value == min));
        }
    }
}
