//! The time axis: grid lines at round times and labels that show as much of the
//! date as the visible span needs.

use crate::clock::DisplayZone;
use egui_plot::{GridInput, GridMark};

/// Grid steps in seconds that read well on a clock.
const STEPS_S: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
    10800.0, 21600.0, 43200.0, 86400.0, 172_800.0, 604_800.0,
];

/// Three nested grid step sizes for the visible span, aligned to round times.
pub fn time_grid(input: GridInput) -> Vec<GridMark> {
    // Time labels are ~40 px wide: keep the finest labelled step well apart.
    let minimum = input.base_step_size.max(1e-3) * 10.0;
    let first = STEPS_S
        .iter()
        .position(|&s| s >= minimum)
        .unwrap_or(STEPS_S.len() - 1);
    let mut marks = Vec::new();
    let (low, high) = input.bounds;
    // The coarsest step wins where steps coincide, so its line is drawn thickest.
    for index in (first..(first + 3).min(STEPS_S.len())).rev() {
        let step = STEPS_S[index];
        let mut value = (low / step).ceil() * step;
        while value <= high {
            if !marks
                .iter()
                .any(|m: &GridMark| (m.value - value).abs() < 1e-6)
            {
                marks.push(GridMark {
                    value,
                    step_size: step,
                });
            }
            value += step;
        }
    }
    marks
}

/// A label for a grid line at `t_s`: seconds only when the span is short, the date
/// only when the span covers more than a day.
pub fn time_label(zone: DisplayZone, t_s: f64, span_s: f64) -> String {
    let format = if span_s <= 300.0 {
        "%H:%M:%S"
    } else if span_s <= 2.0 * 86_400.0 {
        "%H:%M"
    } else {
        "%m-%d %H:%M"
    };
    zone.format((t_s * 1000.0) as i64, format)
}
