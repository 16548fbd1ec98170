//! What a time-series chart draws this frame, gathered before the plot opens:
//! its series (their lines and bands prepared in the caches), the same series
//! over the compared earlier window, the range its data spans, and the marks
//! over it — thresholds, where rules fired, notes, operations.

use super::super::{PanelContext, theme};
use crate::dashboard::PanelSpec;
use crate::ops::OpsEvent;
use crate::session::compare::compared_id;
use crate::store::{Series, SeriesKey};
use crate::time_range::Window;
use egui_plot::PlotPoint;
use std::collections::BTreeMap;
use std::time::Duration;

/// One frame of a chart.
pub(super) struct Chart<'a> {
    /// The window shown.
    pub(super) window: Window,
    /// The series drawn, with their display names.
    pub(super) drawn: Vec<(&'a SeriesKey, &'a Series, String)>,
    /// Per drawn series, whether the user hid it in the legend: its colour stays
    /// its own (colours go by position), its line is left out.
    pub(super) hidden: Vec<bool>,
    /// Per drawn series, the same series over the compared earlier window.
    pub(super) then: Vec<Option<(SeriesKey, &'a Series)>>,
    /// How far back the compared window is.
    pub(super) shift: Option<Duration>,
    /// The compared lines as drawn (gaps where today's differs too little), by
    /// the index of their series.
    pub(super) then_lines: Vec<(usize, Vec<PlotPoint>)>,
    /// The lowest and highest value drawn (NaN when nothing is).
    pub(super) data_range: (f64, f64),
    /// Threshold lines: value and colour.
    pub(super) thresholds: Vec<(f64, egui::Color32)>,
    /// Where a local rule on this panel fired: start and end, seconds.
    pub(super) firing: Vec<(f64, f64)>,
    /// Notes inside the window: start, end (ms) and text, and whether each end
    /// is the note's own (not the window's edge, where no border is drawn).
    pub(super) notes: Vec<ShownNote>,
    /// Scaling actions and experiments on the resources these series belong to.
    pub(super) operations: Vec<&'a OpsEvent>,
    /// Whether the operations' words fit beside their markers.
    pub(super) words_fit: bool,
    /// Queries drawn in spread mode.
    pub(super) spreads: Vec<super::spread::SpreadQuery>,
    /// A stacked panel's areas (its series are then drawn as these, not as
    /// lines, and nothing is compared).
    pub(super) stacked: Option<std::sync::Arc<super::stacked::StackedAreas>>,
    /// The panel's fixed upper bound, if any.
    max: Option<f64>,
}

/// A note as a chart draws it: clipped to the window.
pub(super) struct ShownNote {
    pub(super) start_ms: i64,
    pub(super) end_ms: i64,
    pub(super) text: String,
    /// Whether the note starts inside the window (else the window's edge is drawn
    /// without a border).
    pub(super) starts_inside: bool,
    /// Whether the note ends inside the window.
    pub(super) ends_inside: bool,
}

/// The operations a chart of series with these labels draws over `window`:
/// those that touched their resources and fall in it.
pub fn operations_drawn<'a>(
    operations: &'a [OpsEvent],
    labels: &[&BTreeMap<String, String>],
    window: Window,
) -> Vec<&'a OpsEvent> {
    crate::ops::touching(operations, labels)
        .into_iter()
        .filter(|event| event.overlaps(window.start_ms, window.end_ms, window.end_ms))
        .collect()
}

impl<'a> Chart<'a> {
    /// Prepares the lines and bands of `drawn` for a plot `plot_width` wide and
    /// gathers everything else the chart draws.
    pub(super) fn prepare(
        ctx: &mut PanelContext<'a>,
        panel: &PanelSpec,
        drawn: Vec<(&'a SeriesKey, &'a Series, String)>,
        spreads: Vec<super::spread::SpreadQuery>,
        plot_width: f32,
    ) -> Chart<'a> {
        let window = ctx.window;
        let columns = plot_width.max(1.0) as usize;
        let store = ctx.session.store();
        let hidden: Vec<bool> = drawn
            .iter()
            .map(|(key, _, _)| ctx.state.legends.is_hidden(&panel.id, key))
            .collect();
        let stacked = panel.stack.then(|| {
            ctx.state
                .stacks
                .get(&panel.id, &drawn, &hidden, window, columns)
        });
        for (key, series, _) in drawn.iter().filter(|_| stacked.is_none()) {
            ctx.state.lines.prepare(key, series, window, columns);
            if let Some(band) = store.band(key) {
                ctx.state.bands.prepare(key, band, window, columns);
            }
        }
        let shift = panel
            .compares()
            .then(|| ctx.session.compare().shift_for(&panel.id))
            .flatten();
        let then: Vec<Option<(SeriesKey, &'a Series)>> = drawn
            .iter()
            .map(|(key, _, _)| {
                shift?;
                let earlier = SeriesKey {
                    query: compared_id(&key.query),
                    ..(*key).clone()
                };
                let series = store.get(&earlier)?;
                Some((earlier, series))
            })
            .collect();
        for (key, series) in then.iter().flatten() {
            ctx.state.lines.prepare(key, series, window, columns);
        }
        let lines_range = match &stacked {
            Some(areas) => areas.range(),
            None => data_range(ctx, &drawn, &hidden),
        };
        let data_range = spread_range(&spreads, window, lines_range);
        let then_lines = then_lines(ctx, &drawn, &then);
        let labels: Vec<&BTreeMap<String, String>> =
            drawn.iter().map(|(key, _, _)| &*key.labels).collect();
        let mut operations = operations_drawn(&ctx.marks.operations, &labels, window);
        // Over a long window scaling markers would cover the chart: past one per
        // 60 px they are left out (experiment bands stay), and words only show
        // while they have room.
        let markers = operations.iter().filter(|e| !e.is_band()).count();
        if markers as f32 > (plot_width / 60.0).max(3.0) {
            operations.retain(|e| e.is_band());
        }
        let words_fit = operations.len() as f32 <= (plot_width / 120.0).max(2.0);
        Chart {
            window,
            then_lines,
            data_range,
            thresholds: panel
                .thresholds
                .iter()
                .map(|t| (t.value, theme::rgb(t.rgb)))
                .collect(),
            firing: ctx
                .marks
                .firing_spans
                .iter()
                .filter(|(id, _, _)| id == &panel.id)
                .map(|&(_, start, end)| {
                    let end = end.unwrap_or(window.end_ms);
                    (start as f64 / 1000.0, end as f64 / 1000.0)
                })
                .collect(),
            notes: notes_in(ctx.marks.notes, window),
            operations,
            words_fit,
            max: panel.max,
            spreads,
            stacked,
            drawn,
            hidden,
            then,
            shift,
        }
    }

    /// Where the operations' words go: at the highest value drawn, within the
    /// panel's `max` (a point taken from the plot's own bounds would widen them,
    /// frame after frame); none while nothing is drawn.
    pub(super) fn words_height(&self) -> Option<f64> {
        let top = self.data_range.1;
        let top = match self.max {
            Some(max) if top.is_nan() || top > max => max,
            _ => top,
        };
        top.is_finite().then_some(top)
    }

    /// Whether any series has a point to draw.
    pub(super) fn has_data(&self) -> bool {
        self.data_range.0.is_finite()
    }
}

/// The lowest and highest value the series' lines draw.
fn data_range(
    ctx: &PanelContext<'_>,
    drawn: &[(&SeriesKey, &Series, String)],
    hidden: &[bool],
) -> (f64, f64) {
    drawn
        .iter()
        .zip(hidden)
        .filter(|(_, hidden)| !**hidden)
        .map(|((key, _, _), _)| ctx.state.lines.bounds(key))
        .filter(|bounds| bounds.is_finite_y())
        .fold((f64::NAN, f64::NAN), |(low, high), bounds| {
            (low.min(bounds.min()[1]), high.max(bounds.max()[1]))
        })
}

/// `range` widened to the spreads' extremes inside `window`.
fn spread_range(
    spreads: &[super::spread::SpreadQuery],
    window: Window,
    range: (f64, f64),
) -> (f64, f64) {
    let (first, last) = (window.start_ms, window.end_ms);
    spreads
        .iter()
        .flat_map(|s| {
            let spread = &s.lines.spread;
            spread
                .times_ms
                .iter()
                .enumerate()
                .filter(move |(_, t)| (first..=last).contains(*t))
                .flat_map(move |(i, _)| [spread.levels[0][i], spread.levels[6][i]])
        })
        .filter(|y| y.is_finite())
        .fold(range, |(low, high), y| (low.min(y), high.max(y)))
}

/// The compared lines, kept only where today's value differs from them by more
/// than the comparison's threshold.
fn then_lines(
    ctx: &PanelContext<'_>,
    drawn: &[(&SeriesKey, &Series, String)],
    then: &[Option<(SeriesKey, &Series)>],
) -> Vec<(usize, Vec<PlotPoint>)> {
    let min_change = ctx.session.compare().min_change_percent;
    then.iter()
        .enumerate()
        .filter_map(|(index, earlier)| {
            let (key, _) = earlier.as_ref()?;
            let (_, now_series, _) = &drawn[index];
            let points = super::hover::differing(
                ctx.state.lines.points(key),
                now_series,
                min_change,
                ctx.window,
            );
            Some((index, points))
        })
        .collect()
}

/// The notes that fall in `window`, clipped to it.
fn notes_in(notes: &[crate::notes::Note], window: Window) -> Vec<ShownNote> {
    notes
        .iter()
        .filter_map(|note| Some((note.start_ms()?, note.end_ms()?, note.text.clone())))
        .filter(|(start, end, _)| *end >= window.start_ms && *start <= window.end_ms)
        .map(|(start, end, text)| ShownNote {
            start_ms: start.max(window.start_ms),
            end_ms: end.min(window.end_ms),
            text,
            starts_inside: start >= window.start_ms,
            ends_inside: end <= window.end_ms,
        })
        .collect()
}
