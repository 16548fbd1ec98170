//! Decimated plot lines, cached between frames and updated in place.
//!
//! A frame without new data and without a change of range or size reuses last
//! frame's points, so hovering and repainting cost the same with a day of history
//! as with a minute of it. New samples at the tail, a window that slides, samples
//! trimmed at the front: each redoes only the pixel columns it touched (the series
//! says which times changed since a generation), so a live chart pays for the
//! columns that moved, not for its whole history. A zoom or a resize changes the
//! column grid and redoes the line.

use crate::store::{Column, ColumnGrid, Series, SeriesKey};
use crate::time_range::Window;
use egui_plot::{PlotBounds, PlotPoint};
use std::collections::HashMap;

struct CachedLine {
    /// The series generation the columns reflect.
    generation: u64,
    grid: ColumnGrid,
    /// The columns drawn, `first..=last` of the grid.
    first: i64,
    last: i64,
    /// Their non-empty columns, in order.
    columns: Vec<Column>,
    points: Vec<PlotPoint>,
    /// The extent of `points` (values that are not finite left out), worked out as they are
    /// built so the plot's bounds and the chart's range need not walk them again.
    bounds: PlotBounds,
    last_used: u64,
}

/// Per-series decimated lines, keyed by series.
#[derive(Default)]
pub(crate) struct LineCache {
    lines: HashMap<SeriesKey, CachedLine>,
    frame: u64,
}

impl LineCache {
    /// Marks the start of a frame; lines not used since the previous one are dropped.
    pub(crate) fn begin_frame(&mut self) {
        let previous = self.frame;
        self.lines.retain(|_, line| line.last_used >= previous);
        self.frame += 1;
    }

    /// Makes sure the line for `key` is decimated for this window and width.
    pub(crate) fn prepare(
        &mut self,
        key: &SeriesKey,
        series: &Series,
        window: Window,
        columns: usize,
    ) {
        let frame = self.frame;
        let grid = ColumnGrid::for_span(window.span_ms(), columns);
        let (first, last) = (
            grid.column_of(window.start_ms),
            grid.column_of(window.end_ms),
        );
        if let Some(line) = self.lines.get_mut(key)
            && line.grid == grid
        {
            line.last_used = frame;
            if line.generation == series.generation() && line.first == first && line.last == last {
                return;
            }
            if let Some(changed) = series.changed_since(line.generation) {
                line.update(series, first, last, &changed);
                return;
            }
        }
        let mut line = CachedLine {
            generation: series.generation(),
            grid,
            first,
            last,
            columns: Vec::with_capacity(columns + 2),
            points: Vec::new(),
            bounds: PlotBounds::NOTHING,
            last_used: frame,
        };
        grid.scan(series, first, last, &mut line.columns);
        line.build_points(series);
        self.lines.insert(key.clone(), line);
    }

    /// The prepared points of a line (x in seconds since the epoch).
    pub(crate) fn points(&self, key: &SeriesKey) -> &[PlotPoint] {
        self.lines
            .get(key)
            .map_or(&[], |line| line.points.as_slice())
    }

    /// The extent of a prepared line's points ([`PlotBounds::NOTHING`] when it
    /// has none).
    pub(crate) fn bounds(&self, key: &SeriesKey) -> PlotBounds {
        self.lines
            .get(key)
            .map_or(PlotBounds::NOTHING, |line| line.bounds)
    }
}

impl CachedLine {
    /// Moves the line to columns `first..=last` of the same grid, redoing the
    /// columns whose times changed (`changed`: inclusive time ranges) and those
    /// that were not drawn before.
    fn update(&mut self, series: &Series, first: i64, last: i64, changed: &[(i64, i64)]) {
        let grid = self.grid;
        let mut redo: Vec<(i64, i64)> = changed
            .iter()
            .map(|&(from, to)| {
                (
                    grid.column_of(from).max(first),
                    grid.column_of(to).min(last),
                )
            })
            .filter(|(a, b)| a <= b)
            .collect();
        if first < self.first {
            redo.push((first, last.min(self.first - 1)));
        }
        if last > self.last {
            redo.push((first.max(self.last + 1), last));
        }
        redo.sort_unstable();
        let merged = merge_ranges(redo);
        let inside = |index: i64| index >= first && index <= last;
        let redone = |index: i64| merged.iter().any(|&(a, b)| index >= a && index <= b);
        self.columns
            .retain(|column| inside(column.index) && !redone(column.index));
        let kept = self.columns.len();
        for &(a, b) in &merged {
            grid.scan(series, a, b, &mut self.columns);
        }
        if self.columns.len() > kept {
            // Kept and redone columns interleave only where a redone range sits
            // between kept ones; a stable sort of two sorted runs is one merge.
            self.columns.sort_by_key(|column| column.index);
        }
        self.first = first;
        self.last = last;
        self.generation = series.generation();
        self.build_points(series);
    }

    fn build_points(&mut self, series: &Series) {
        self.points.clear();
        let points = &mut self.points;
        let mut bounds = PlotBounds::NOTHING;
        self.grid
            .emit(series, self.first, self.last, &self.columns, |sample| {
                let point = PlotPoint::new(sample.t_ms as f64 / 1000.0, sample.value);
                if point.y.is_finite() {
                    bounds.extend_with(&point);
                }
                points.push(point);
            });
        self.bounds = bounds;
    }
}

/// Sorted inclusive ranges with overlapping or touching ones joined.
fn merge_ranges(sorted: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(sorted.len());
    for (a, b) in sorted {
        match merged.last_mut() {
            Some(previous) if a <= previous.1.saturating_add(1) => previous.1 = previous.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::QueryKey;
    use crate::store::{Retention, Sample, decimate_min_max};
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    /// What a line drawn from scratch shows.
    fn from_scratch(series: &Series, window: Window, columns: usize) -> Vec<PlotPoint> {
        let mut points = Vec::new();
        decimate_min_max(series, window.start_ms, window.end_ms, columns, |s| {
            points.push(PlotPoint::new(s.t_ms as f64 / 1000.0, s.value));
        });
        points
    }

    fn key() -> SeriesKey {
        SeriesKey::new(
            &QueryKey {
                panel: "p".into(),
                query: "q1".into(),
            },
            BTreeMap::new(),
        )
    }

    fn same(a: &[PlotPoint], b: &[PlotPoint]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.x == y.x && x.y == y.y)
    }

    /// A change to the series or the view, as a live dashboard meets them.
    #[derive(Debug, Clone)]
    enum Step {
        /// A refresh: re-read `overlap` samples before the tail, append `new`.
        Refresh { overlap: usize, new: usize },
        /// A fetch in the middle of the history (zooming into the past).
        Middle { at: usize, len: usize },
        /// The window slides forward by this many ms.
        Slide(i64),
        /// Retention drops the oldest samples.
        Trim(usize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0usize..5, 0usize..40).prop_map(|(overlap, new)| Step::Refresh { overlap, new }),
            (0usize..3000, 1usize..50).prop_map(|(at, len)| Step::Middle { at, len }),
            (0i64..20_000).prop_map(Step::Slide),
            (1usize..200).prop_map(Step::Trim),
        ]
    }

    proptest! {
        /// After any sequence of refreshes, slides, fetches in the middle and trims,
        /// the updated line is exactly the line drawn from scratch.
        #[test]
        fn an_updated_line_equals_one_drawn_from_scratch(
            steps in proptest::collection::vec(step(), 1..40),
            columns in 20usize..300,
            seed in 0u64..1000,
        ) {
            let value = |t: i64| ((t / 1000) as f64 * 0.37 + seed as f64).sin() * 10.0
                + if (t / 1000 + seed as i64) % 97 == 0 { 50.0 } else { 0.0 };
            let mut series = Series::default();
            let initial: Vec<Sample> = (0..3000).map(|i| Sample { t_ms: i * 1000, value: value(i * 1000) }).collect();
            series.merge(0, 2_999_000, &initial);
            let mut window = Window { start_ms: 1_000_000, end_ms: 2_999_000 };
            let mut cache = LineCache::default();
            cache.begin_frame();
            cache.prepare(&key(), &series, window, columns);
            for step in steps {
                match step {
                    Step::Refresh { overlap, new } => {
                        let last = series.last().map_or(0, |s| s.t_ms);
                        let from = last - overlap as i64 * 1000;
                        let samples: Vec<Sample> = (0..=(overlap + new) as i64)
                            .map(|i| from + i * 1000)
                            .map(|t| Sample { t_ms: t, value: value(t) + 1.0 })
                            .collect();
                        series.merge(from, samples.last().map_or(from, |s| s.t_ms), &samples);
                    }
                    Step::Middle { at, len } => {
                        let from = at as i64 * 1000;
                        let samples: Vec<Sample> = (0..len as i64)
                            .map(|i| Sample { t_ms: from + i * 1000, value: -value(from + i * 1000) })
                            .collect();
                        series.merge(from, from + (len as i64 - 1) * 1000, &samples);
                    }
                    Step::Slide(ms) => {
                        window = Window { start_ms: window.start_ms + ms, end_ms: window.end_ms + ms };
                    }
                    Step::Trim(n) => {
                        let keep = series.len().saturating_sub(n).max(1);
                        series.trim(Retention { max_points: keep, max_age_ms: i64::MAX });
                    }
                }
                cache.begin_frame();
                cache.prepare(&key(), &series, window, columns);
                let expected = from_scratch(&series, window, columns);
                prop_assert!(same(cache.points(&key()), &expected),
                    "updated {} points, from scratch {}", cache.points(&key()).len(), expected.len());
            }
        }
    }
}
