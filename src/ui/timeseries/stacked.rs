//! A stacked panel's areas, ready to draw and kept between frames: recomputed
//! when a series changes, one is hidden or shown, the plot is resized, or the
//! window moves by more than a 200th of its span (the areas are computed a
//! little past the window, so the plot's own clip does the rest).

use crate::dashboard::PanelId;
use crate::stack::{Stack, stack};
use crate::store::{Series, SeriesKey};
use crate::time_range::Window;
use egui_plot::PlotPoint;
use std::collections::HashMap;
use std::sync::Arc;

/// A stack as the plot takes it.
pub(crate) struct StackedAreas {
    /// The levels, bottom first, of the series shown.
    pub stack: Stack,
    /// The times, seconds (the areas' x).
    pub xs: Vec<f64>,
    /// Zero at every time: the bottom of the first area.
    pub zeros: Vec<f64>,
    /// Per level, the drawn series' index (its colour and name).
    pub series_index: Vec<usize>,
    /// Per level, its top as a line.
    pub tops: Vec<Vec<PlotPoint>>,
}

impl StackedAreas {
    /// The bottom of level `level`'s area.
    pub(crate) fn bottom(&self, level: usize) -> &[f64] {
        self.stack.bottoms(level).unwrap_or(&self.zeros)
    }

    /// The lowest and highest level drawn (NaN when nothing is).
    pub(crate) fn range(&self) -> (f64, f64) {
        if self.xs.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        // Areas start at zero; a negative series takes the bottom below it.
        self.stack
            .tops
            .iter()
            .flatten()
            .fold((0.0_f64, 0.0_f64), |(low, high), &y| {
                (low.min(y), high.max(y))
            })
    }
}

/// What a stack was computed from: the series' fingerprint, which are hidden,
/// the coarse window and the plot's width in columns.
type Inputs = (u128, Vec<bool>, Window, usize);

/// Stacks kept between frames, by panel.
#[derive(Default)]
pub(crate) struct StackCache {
    stacks: HashMap<PanelId, (Inputs, Arc<StackedAreas>)>,
}

impl StackCache {
    /// The areas of `drawn` (hidden ones left out) for `window` at `columns`.
    pub(super) fn get(
        &mut self,
        panel: &PanelId,
        drawn: &[(&SeriesKey, &Series, String)],
        hidden: &[bool],
        window: Window,
        columns: usize,
    ) -> Arc<StackedAreas> {
        let coarse = crate::fleet::coarse_window(window);
        let wanted: Inputs = (
            crate::fleet::fingerprint(drawn.iter().map(|(key, series, _)| (*key, *series))),
            hidden.to_vec(),
            coarse,
            columns,
        );
        if let Some((inputs, areas)) = self.stacks.get(panel)
            && *inputs == wanted
        {
            return areas.clone();
        }
        let grain = (window.span_ms() / 200).max(1);
        let wider = Window {
            start_ms: window.start_ms - grain,
            end_ms: window.end_ms + grain,
        };
        let shown: Vec<usize> = (0..drawn.len()).filter(|&i| !hidden[i]).collect();
        let series: Vec<&Series> = shown.iter().map(|&i| drawn[i].1).collect();
        let stack = stack(&series, wider, columns);
        let xs: Vec<f64> = stack.times_ms.iter().map(|&t| t as f64 / 1000.0).collect();
        let tops = stack
            .tops
            .iter()
            .map(|level| {
                xs.iter()
                    .zip(level)
                    .map(|(&x, &y)| PlotPoint::new(x, y))
                    .collect()
            })
            .collect();
        let areas = Arc::new(StackedAreas {
            zeros: vec![0.0; xs.len()],
            xs,
            series_index: shown,
            tops,
            stack,
        });
        self.stacks.insert(panel.clone(), (wanted, areas.clone()));
        areas
    }
}
