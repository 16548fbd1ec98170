//! The time axis: grid lines at round times and labels that show as much of the
//! date as the visible span needs.
//!
//! The grid steps nest: every coarser step is a whole multiple of the finer one, so
//! each coarse line sits on a fine line and no two lines crowd each other (10-minute
//! and 15-minute steps together used to draw 11:10 and 11:15 side by side). Steps of
//! an hour or more are aligned to the display zone's midnight, not UTC's.

use crate::clock::DisplayZone;
use egui_plot::{GridInput, GridMark};
use std::ops::RangeInclusive;

/// Grid steps in seconds that read well on a clock.
const STEPS_S: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
    10800.0, 21600.0, 43200.0, 86400.0, 172_800.0, 604_800.0,
];

/// How many nested step sizes the grid draws (fine, medium, coarse).
const LEVELS: usize = 3;

/// The finest labelled step is at least this many times egui_plot's minimum line
/// spacing (8 pt): time labels are ~50 pt wide.
const FINEST_STEP_FACTOR: f64 = 10.0;

/// Up to three nested step sizes, finest first: the finest readable one, then each
/// next the smallest clock step that is a whole multiple of the one before.
fn nested_steps(base_step_size: f64) -> Vec<f64> {
    let minimum = base_step_size.max(1e-3) * FINEST_STEP_FACTOR;
    let first = STEPS_S
        .iter()
        .position(|&s| s >= minimum)
        .unwrap_or(STEPS_S.len() - 1);
    let mut steps = vec![STEPS_S[first]];
    let mut last = STEPS_S[first];
    for &candidate in &STEPS_S[first + 1..] {
        if steps.len() == LEVELS {
            break;
        }
        let ratio = candidate / last;
        if (ratio - ratio.round()).abs() < 1e-9 {
            steps.push(candidate);
            last = candidate;
        }
    }
    steps
}

/// `plot` with the axes every chart over time shares: wall-clock grid lines in
/// `zone` with labels that fit a plot area `area_width` wide over `span_s`
/// seconds, and a value grid labelled in `unit`.
pub(crate) fn time_and_value_axes<'a>(
    plot: egui_plot::Plot<'a>,
    ui: &egui::Ui,
    zone: DisplayZone,
    unit: crate::units::Unit,
    span_s: f64,
    area_width: f32,
) -> egui_plot::Plot<'a> {
    let labels = TimeLabels::new(
        zone,
        span_s,
        area_width,
        egui::TextStyle::Body.resolve(ui.style()).size,
    );
    plot.grid_color(super::theme::grid_color(ui.visuals()))
        .x_grid_spacer(time_grid(zone))
        .x_axis_formatter(move |mark, range| labels.label(mark, range))
        .y_grid_spacer(super::value_axis::value_grid)
        .y_axis_formatter(move |mark, _| unit.format_tick(mark.value, mark.step_size))
}

/// Grid marks in the zone's wall-clock time: a grid function for `Plot::x_grid_spacer`.
pub(crate) fn time_grid(zone: DisplayZone) -> impl Fn(GridInput) -> Vec<GridMark> + 'static {
    move |input| {
        let (low, high) = input.bounds;
        let offset_s = zone.utc_offset_s(((low + high) / 2.0) as i64) as f64;
        grid_marks(input.bounds, input.base_step_size, offset_s)
    }
}

/// Marks at whole multiples of each nested step in local time (UTC + `offset_s`).
/// Where steps coincide the coarsest is kept, so its line is drawn strongest.
fn grid_marks(bounds: (f64, f64), base_step_size: f64, offset_s: f64) -> Vec<GridMark> {
    let (low, high) = bounds;
    if !(low.is_finite() && high.is_finite()) || high <= low {
        return Vec::new();
    }
    let steps = nested_steps(base_step_size);
    let finest = steps[0];
    let mut marks = Vec::new();
    // Walk the finest step by integer index: no accumulated floating-point drift.
    let first = ((low + offset_s) / finest).ceil() as i64;
    let last = ((high + offset_s) / finest).floor() as i64;
    for index in first..=last {
        let local = index as f64 * finest;
        let step_size = steps
            .iter()
            .rev()
            .copied()
            .find(|&step| (local / step).fract().abs() < 1e-9)
            .unwrap_or(finest);
        marks.push(GridMark {
            value: local - offset_s,
            step_size,
        });
    }
    marks
}

/// Formats tick labels for one plot, leaving out a label that would be cut off by
/// the plot's right edge (its grid line stays). The left edge needs no care: the
/// y axis's labels leave room below them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeLabels {
    pub zone: DisplayZone,
    /// The visible span, which decides how much of the date a label shows.
    pub span_s: f64,
    /// Seconds per point of the plot's width, to know how wide a label is in time.
    pub seconds_per_point: f64,
    /// The width of one label character, points.
    pub char_width_pt: f64,
}

impl TimeLabels {
    /// Labels for a plot `plot_width_pt` wide showing `span_s` seconds, in a font
    /// of `font_size_pt`.
    pub(crate) fn new(
        zone: DisplayZone,
        span_s: f64,
        plot_width_pt: f32,
        font_size_pt: f32,
    ) -> Self {
        TimeLabels {
            zone,
            span_s,
            seconds_per_point: span_s / f64::from(plot_width_pt.max(1.0)),
            // Digits of the UI fonts are a little under 0.6 em wide.
            char_width_pt: f64::from(font_size_pt) * 0.6,
        }
    }

    /// The label of `mark`, or nothing when it would not fit inside `range`.
    pub(crate) fn label(&self, mark: GridMark, range: &RangeInclusive<f64>) -> String {
        let text = time_label(self.zone, mark.value, self.span_s);
        let half_width_s =
            text.chars().count() as f64 * self.char_width_pt * self.seconds_per_point / 2.0;
        if mark.value + half_width_s > *range.end() {
            return String::new();
        }
        text
    }
}

/// A label for a grid line at `t_s`: seconds only when the span is short, the date
/// only when the span covers more than a day.
pub(crate) fn time_label(zone: DisplayZone, t_s: f64, span_s: f64) -> String {
    let format = if span_s <= 300.0 {
        "%H:%M:%S"
    } else if span_s <= 2.0 * 86_400.0 {
        "%H:%M"
    } else {
        "%m-%d %H:%M"
    };
    zone.format((t_s * 1000.0) as i64, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-02 11:00:00 UTC.
    const ELEVEN: f64 = 1_796_209_200.0;

    fn steps_of(marks: &[GridMark]) -> Vec<f64> {
        let mut steps: Vec<f64> = marks.iter().map(|m| m.step_size).collect();
        steps.sort_by(f64::total_cmp);
        steps.dedup();
        steps
    }

    #[test]
    fn every_coarser_step_is_a_multiple_of_the_finer_one() {
        for exponent in -3..7 {
            for mantissa in [1.0, 1.7, 3.3, 6.1] {
                let steps = nested_steps(mantissa * 10f64.powi(exponent));
                for pair in steps.windows(2) {
                    let ratio = pair[1] / pair[0];
                    assert!(ratio > 1.0 && ratio.fract() == 0.0, "{steps:?}");
                }
            }
        }
    }

    #[test]
    fn an_hour_view_has_evenly_spaced_lines_and_no_ten_beside_fifteen() {
        // An hour across ~560 pt: egui_plot's base step is 8 pt of time.
        let base = 3600.0 / 560.0 * 8.0;
        let marks = grid_marks((ELEVEN, ELEVEN + 3600.0), base, 0.0);
        let values: Vec<f64> = marks.iter().map(|m| m.value - ELEVEN).collect();
        let gaps: Vec<f64> = values.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(
            gaps.iter().all(|&gap| gap == gaps[0]),
            "uneven lines at {values:?}"
        );
        assert_eq!(gaps[0], 600.0, "{values:?}");
        // The hour lines are the coarsest, the half hours between.
        let at = |t: f64| {
            marks
                .iter()
                .find(|m| m.value == ELEVEN + t)
                .unwrap()
                .step_size
        };
        assert_eq!(at(0.0), 3600.0);
        assert_eq!(at(1800.0), 1800.0);
        assert_eq!(at(600.0), 600.0);
        assert_eq!(steps_of(&marks), vec![600.0, 1800.0, 3600.0]);
    }

    #[test]
    fn a_five_minute_view_draws_evenly_spaced_round_seconds() {
        // Five minutes across 1500 pt, starting off a round second.
        let base = 300.0 / 1500.0 * 8.0;
        let marks = grid_marks((ELEVEN + 7.3, ELEVEN + 307.3), base, 0.0);
        let values: Vec<f64> = marks.iter().map(|m| m.value - ELEVEN).collect();
        let gap = values[1] - values[0];
        assert!([15.0, 30.0].contains(&gap), "{values:?}");
        assert!(values.windows(2).all(|w| w[1] - w[0] == gap), "{values:?}");
        assert!(values.iter().all(|v| v % gap == 0.0), "{values:?}");
        assert!(values.len() >= 300.0 as usize / 30, "{values:?}");
    }

    #[test]
    fn day_lines_fall_on_the_zones_midnight() {
        // A week across 1000 pt, shown in UTC+5:30.
        let offset = 5.5 * 3600.0;
        let marks = grid_marks((ELEVEN, ELEVEN + 7.0 * 86_400.0), 7.0 * 86.4 * 8.0, offset);
        let days: Vec<&GridMark> = marks.iter().filter(|m| m.step_size >= 86_400.0).collect();
        assert!(!days.is_empty());
        for day in days {
            assert_eq!((day.value + offset) % 86_400.0, 0.0);
        }
    }

    #[test]
    fn a_label_that_would_be_cut_off_at_the_right_edge_is_left_out() {
        let labels = TimeLabels::new(DisplayZone::Utc, 3600.0, 600.0, 12.5);
        let range = ELEVEN..=ELEVEN + 3600.0;
        let mark = |t: f64| GridMark {
            value: ELEVEN + t,
            step_size: 600.0,
        };
        assert_eq!(labels.label(mark(1800.0), &range), "11:30");
        assert_eq!(
            labels.label(mark(3600.0), &range),
            "",
            "the 12:00 at the edge"
        );
        assert_eq!(labels.label(mark(0.0), &range), "11:00");
        // 5 chars × 7.5 pt / 2 ≈ 19 pt ≈ 113 s from the edge is enough.
        assert_eq!(labels.label(mark(3600.0 - 120.0), &range), "11:58");
    }
}
