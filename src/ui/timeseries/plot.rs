//! The plot a chart draws in: only x moves (a primary drag selects a range to
//! zoom to, a right-drag pans, Ctrl+scroll zooms), y follows the data; time and
//! unit-aware axes. No legend inside: it is drawn beside the plot
//! ([`super::legend`], or the wall's column).

use super::super::{PanelContext, time_axis};
use super::chart::Chart;
use super::plot_id;
use crate::dashboard::PanelSpec;
use egui::{Id, Ui};
use egui_plot::Plot;

/// Id shared by all plots so the crosshair follows the pointer on every panel.
const CURSOR_GROUP: &str = "fleetdeck-cursor";
/// Width kept for the y axis's labels, points.
const Y_AXIS_WIDTH: f32 = 48.0;

/// The plot for `panel` this frame.
pub(super) fn configure(
    ui: &Ui,
    ctx: &PanelContext<'_>,
    panel: &PanelSpec,
    chart: &Chart<'_>,
    plot_width: f32,
) -> Plot<'static> {
    let span_s = chart.window.span_ms() as f64 / 1000.0;
    let plot = Plot::new(("timeseries", panel.id.as_str()))
        .id(plot_id(&panel.id))
        .link_cursor(Id::unique(CURSOR_GROUP), [true, false])
        .allow_drag([true, false])
        .pan_pointer_button(egui::PointerButton::Secondary)
        .allow_zoom([true, false])
        .allow_scroll([true, false])
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .y_axis_min_width(Y_AXIS_WIDTH)
        // The tooltip lists every series at the hovered time instead.
        .label_formatter(|_| None);
    // The plot area is the width less the y axis's labels.
    let mut plot = time_axis::time_and_value_axes(
        plot,
        ui,
        ctx.zone,
        panel.unit,
        span_s,
        plot_width - Y_AXIS_WIDTH,
    );
    plot = plot.width(plot_width);
    if let Some(min) = panel.min {
        plot = plot.include_y(min);
    }
    if let Some(max) = panel.max {
        plot = plot.include_y(max);
    }
    // A flat line (a pool of 64 models, a fixed weight) would leave the plot a
    // range of zero height, which it widens to thousands: give it some room.
    let (bottom, top) = chart.data_range;
    if top == bottom && panel.min.is_none() && panel.max.is_none() {
        let room = (top.abs() * 0.1).max(1.0);
        plot = plot.include_y(top - room).include_y(top + room);
    }
    plot
}
