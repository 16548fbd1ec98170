//! Min/max bands ready to draw, cached between frames.
//!
//! A band holds one point a step, and the step was planned from the panel's width,
//! so it is already about a pixel column a point; it is folded into the same
//! absolute-time column grid as the lines (least of the lows, greatest of the
//! highs) only so a band that grew over a long live session stays that small. It is
//! rebuilt whole when its data, the window or the width change: that is a few
//! hundred points, not the line's history.

use crate::store::{Band, ColumnGrid, Series, SeriesKey};
use crate::time_range::Window;
use std::collections::HashMap;

/// One band's outline: for each column with data, its time (s) and bounds.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BandPoints {
    /// Seconds since the epoch.
    pub xs: Vec<f64>,
    /// The least value inside the column.
    pub lows: Vec<f64>,
    /// The greatest value inside the column.
    pub highs: Vec<f64>,
}

struct CachedBand {
    generations: (u64, u64),
    window: Window,
    columns: usize,
    points: BandPoints,
    last_used: u64,
}

/// Per-series bands, keyed by series.
#[derive(Default)]
pub(crate) struct BandCache {
    bands: HashMap<SeriesKey, CachedBand>,
    frame: u64,
}

impl BandCache {
    /// Marks the start of a frame; bands not used since the previous one are dropped.
    pub(crate) fn begin_frame(&mut self) {
        let previous = self.frame;
        self.bands.retain(|_, band| band.last_used >= previous);
        self.frame += 1;
    }

    /// Makes sure the band of `key` is folded for this window and width.
    pub(crate) fn prepare(&mut self, key: &SeriesKey, band: &Band, window: Window, columns: usize) {
        let generations = (band.min.generation(), band.max.generation());
        let frame = self.frame;
        if let Some(cached) = self.bands.get_mut(key)
            && cached.generations == generations
            && cached.window == window
            && cached.columns == columns
        {
            cached.last_used = frame;
            return;
        }
        let points = fold(band, window, columns);
        self.bands.insert(
            key.clone(),
            CachedBand {
                generations,
                window,
                columns,
                points,
                last_used: frame,
            },
        );
    }

    /// The prepared band of `key`, if it has one with points.
    pub(crate) fn points(&self, key: &SeriesKey) -> Option<&BandPoints> {
        self.bands
            .get(key)
            .map(|band| &band.points)
            .filter(|points| !points.xs.is_empty())
    }
}

/// The band's samples inside `window`, one point per column of the grid: the
/// least low and the greatest high of the column, at the time of its last low.
pub fn fold(band: &Band, window: Window, columns: usize) -> BandPoints {
    let grid = ColumnGrid::for_span(window.span_ms(), columns.max(1));
    let lows = per_column(&band.min, window, grid, f64::min);
    let highs = per_column(&band.max, window, grid, f64::max);
    let mut points = BandPoints::default();
    let mut high = highs.iter().peekable();
    for &(column, t_ms, low) in &lows {
        while high.next_if(|(c, _, _)| *c < column).is_some() {}
        if let Some(&&(c, _, value)) = high.peek()
            && c == column
        {
            points.xs.push(t_ms as f64 / 1000.0);
            points.lows.push(low);
            points.highs.push(value);
        }
    }
    points
}

/// `(column, time of its last sample, reduced value)` for each column of `grid`
/// that holds a sample of `series` inside `window`; NaN samples are skipped.
fn per_column(
    series: &Series,
    window: Window,
    grid: ColumnGrid,
    reduce: fn(f64, f64) -> f64,
) -> Vec<(i64, i64, f64)> {
    let mut out: Vec<(i64, i64, f64)> = Vec::new();
    let first = series.partition_point(window.start_ms);
    let last = series.partition_point(window.end_ms.saturating_add(1));
    for index in first..last {
        let Some(sample) = series.get(index) else {
            break;
        };
        if !sample.value.is_finite() {
            continue;
        }
        let column = grid.column_of(sample.t_ms);
        match out.last_mut() {
            Some(entry) if entry.0 == column => {
                entry.1 = sample.t_ms;
                entry.2 = reduce(entry.2, sample.value);
            }
            _ => out.push((column, sample.t_ms, sample.value)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_keeps_the_least_low_and_the_greatest_high() {
        // Four steps of 1 s into two columns of 2 s.
        let band = Band {
            min: Series::of_points(&[(1_000, 5.0), (2_000, 1.0), (3_000, 4.0), (4_000, 3.0)]),
            max: Series::of_points(&[(1_000, 6.0), (2_000, 9.0), (3_000, 50.0), (4_000, 7.0)]),
        };
        let window = Window {
            start_ms: 1_000,
            end_ms: 5_000,
        };
        // Columns of 2 s on absolute time: [0, 2), [2, 4), [4, 6).
        let points = fold(&band, window, 2);
        assert_eq!(points.lows, vec![5.0, 1.0, 3.0]);
        assert_eq!(points.highs, vec![6.0, 50.0, 7.0]);
        assert_eq!(points.xs, vec![1.0, 3.0, 4.0]);
    }

    #[test]
    fn samples_outside_the_window_are_not_drawn() {
        let band = Band {
            min: Series::of_points(&[(0, 1.0), (10_000, 2.0), (99_000, 3.0)]),
            max: Series::of_points(&[(0, 1.5), (10_000, 2.5), (99_000, 3.5)]),
        };
        let window = Window {
            start_ms: 5_000,
            end_ms: 20_000,
        };
        let points = fold(&band, window, 100);
        assert_eq!(points.xs, vec![10.0]);
        assert_eq!((points.lows[0], points.highs[0]), (2.0, 2.5));
    }
}
