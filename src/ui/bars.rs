//! The bar panel: one stacked bar per period (daily spend by service, say), the
//! series stacked in legend order, so the bar's height is the total.

use super::{PanelContext, theme, time_axis};
use crate::dashboard::PanelSpec;
use egui::Ui;
use egui_plot::{Bar, BarChart, Corner, Legend, Plot};
use std::collections::{BTreeMap, BTreeSet};

/// Draws the stacked bars; returns whether any series had data in the window.
pub(crate) fn show(ui: &mut Ui, ctx: &mut PanelContext<'_>, panel: &PanelSpec) -> bool {
    let window = ctx.window;
    let series: Vec<(String, BTreeMap<i64, f64>)> = super::timeseries::drawn_series(ctx, panel)
        .into_iter()
        .map(|(_, series, name)| {
            let points = series
                .iter()
                .filter(|s| {
                    s.t_ms >= window.start_ms && s.t_ms <= window.end_ms && s.value.is_finite()
                })
                .map(|s| (s.t_ms, s.value))
                .collect();
            (name, points)
        })
        .collect();
    // Every chart needs a bar in every slot for stacking to line up.
    let slots: BTreeSet<i64> = series.iter().flat_map(|(_, p)| p.keys().copied()).collect();
    if slots.is_empty() {
        return false;
    }
    let gap_s = slots
        .iter()
        .zip(slots.iter().skip(1))
        .map(|(a, b)| (b - a) as f64 / 1000.0)
        .fold(f64::INFINITY, f64::min);
    // One bar a period; a lone point is taken for a day.
    let period_s = if gap_s.is_finite() { gap_s } else { 86_400.0 };
    let width = period_s * 0.8;
    let mut charts: Vec<BarChart> = Vec::new();
    let dark_mode = ui.visuals().dark_mode;
    for (index, (name, points)) in series.iter().enumerate() {
        let bars = slots
            .iter()
            .map(|&t| {
                // Centred on the middle of the period the point starts.
                Bar::new(
                    t as f64 / 1000.0 + period_s / 2.0,
                    points.get(&t).copied().unwrap_or(0.0),
                )
                .width(width)
            })
            .collect();
        let chart = BarChart::new(name.clone(), bars)
            .color(theme::series_color(dark_mode, index))
            .width(width);
        let below: Vec<&BarChart> = charts.iter().collect();
        let chart = chart.stack_on(&below);
        charts.push(chart);
    }
    let span_s = window.span_ms() as f64 / 1000.0;
    let x_range = window.start_ms as f64 / 1000.0..=window.end_ms as f64 / 1000.0;
    let plot = Plot::new(("bars", panel.id.as_str()))
        .legend(Legend::default().position(Corner::LeftTop))
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .y_axis_min_width(48.0)
        .include_y(0.0);
    // The plot area is the width less the y axis's labels.
    let area_width = ui.available_width() - 48.0;
    time_axis::time_and_value_axes(plot, ui, ctx.zone, panel.unit, span_s, area_width).show(
        ui,
        |plot_ui| {
            plot_ui.set_auto_bounds([false, true]);
            plot_ui.set_plot_bounds_x(x_range);
            for chart in charts {
                plot_ui.bar_chart(chart);
            }
        },
    );
    true
}
