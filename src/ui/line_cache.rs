//! Decimated plot lines, cached between frames.
//!
//! A frame without new data and without a change of range or size reuses last
//! frame's points, so hovering and repainting cost the same with a day of history
//! as with a minute of it.

use crate::store::{Series, SeriesKey, decimate_min_max};
use crate::time_range::Window;
use egui_plot::PlotPoint;
use std::collections::HashMap;

struct CachedLine {
    generation: u64,
    window: Window,
    columns: usize,
    points: Vec<PlotPoint>,
    last_used: u64,
}

/// Per-series decimated lines, keyed by series.
#[derive(Default)]
pub struct LineCache {
    lines: HashMap<SeriesKey, CachedLine>,
    frame: u64,
}

impl LineCache {
    /// Marks the start of a frame; lines not used since the previous one are dropped.
    pub fn begin_frame(&mut self) {
        let previous = self.frame;
        self.lines.retain(|_, line| line.last_used >= previous);
        self.frame += 1;
    }

    /// Makes sure the line for `key` is decimated for this window and width.
    pub fn prepare(&mut self, key: &SeriesKey, series: &Series, window: Window, columns: usize) {
        let frame = self.frame;
        if let Some(line) = self.lines.get_mut(key)
            && line.generation == series.generation()
            && line.window == window
            && line.columns == columns
        {
            line.last_used = frame;
            return;
        }
        let mut points = Vec::with_capacity(2 * columns + 2);
        decimate_min_max(series, window.start_ms, window.end_ms, columns, |sample| {
            points.push(PlotPoint::new(sample.t_ms as f64 / 1000.0, sample.value));
        });
        self.lines.insert(
            key.clone(),
            CachedLine {
                generation: series.generation(),
                window,
                columns,
                points,
                last_used: frame,
            },
        );
    }

    /// The prepared points of a line (x in seconds since the epoch).
    pub fn points(&self, key: &SeriesKey) -> &[PlotPoint] {
        self.lines
            .get(key)
            .map_or(&[], |line| line.points.as_slice())
    }
}
