//! The time-series panel: one line per series, legend, unit-aware y axis, threshold
//! lines, hover tooltip with series, value and time, and drag/scroll zoom and pan
//! that move every panel's x axis together.
//!
//! A frame of it goes: [`chart::Chart::prepare`] gathers what is drawn (lines,
//! bands, the compared window, marks), [`plot`] configures the plot, [`layers`]
//! draws it back to front, then [`zoom`] turns what the user did into commands,
//! [`menu`] offers the right-click menu and [`hover`] shows the tooltip.

mod chart;
mod column_line;
mod hover;
mod layers;
mod legend;
mod menu;
mod plot;
mod spread;
mod spread_cache;
mod stacked;
mod zoom;

use super::PanelContext;
use crate::dashboard::{PanelId, PanelSpec};
use crate::store::{Series, SeriesKey};
use crate::time_range::Window;
use egui::{Id, Ui};

pub use chart::operations_drawn;
pub(crate) use legend::LegendState;
pub(crate) use spread_cache::SpreadCache;
pub(crate) use stacked::StackCache;

/// The plot id of a panel, stable so tests and tools can read its plot memory.
pub fn plot_id(panel: &PanelId) -> Id {
    Id::unique(("fleetdeck-plot", panel.as_str()))
}

/// What a drag in a plot is doing to the shared time window.
#[derive(Debug, Default, Clone)]
pub(crate) struct DragState {
    /// The window while a pan is in progress; committed when the drag ends.
    pub pending: Option<Window>,
    /// Where a zoom selection started (ms), and in which panel.
    pub selecting_from: Option<(PanelId, i64)>,
}

/// The series a panel draws, in the order of its queries (then of their labels),
/// with their display names: inputs of derived series and metric math are fetched
/// but not drawn.
pub(crate) fn drawn_series<'a>(
    ctx: &PanelContext<'a>,
    panel: &PanelSpec,
) -> Vec<(&'a SeriesKey, &'a Series, String)> {
    let store = ctx.session.store();
    let mut drawn = Vec::new();
    for query in panel.queries.iter().filter(|query| !query.hidden) {
        let key = panel.key(&query.id);
        drawn.extend(
            store
                .query_series(&key)
                .map(|(key, series)| (key, series, query.series_name(&key.labels))),
        );
    }
    drawn
}

/// "step 1m (10,000 series)" in the header when the panel's point budget made
/// a query's step coarser than the panel's width asks: the chart is honest about
/// its resolution.
fn budget_note(header: &mut Ui, ctx: &PanelContext<'_>, panel: &PanelSpec) {
    let Some((step_ms, series)) = ctx.session.budgeted_step(panel) else {
        return;
    };
    let step =
        crate::time_range::format_duration(std::time::Duration::from_millis(step_ms.max(0) as u64));
    let size = 12.0;
    header
        .label(
            egui::RichText::new(format!("step {step}"))
                .size(size)
                .weak(),
        )
        .on_hover_text(format!(
            "{} series: asked at a {step} step to stay within the panel's budget of {} points",
            crate::units::group_thousands(&series.to_string()),
            crate::units::group_thousands(&panel.fleet.max_points.to_string()),
        ));
}

/// Draws the panel's plot; returns whether any series had data. Untrusted data (its
/// source is stale or failing, or it has not been confirmed for a while) is drawn
/// faded. The legend never covers a line: on a workstation it is below the plot or
/// at its right ([`legend`]); on the wall it is a column of last values beside the
/// plot, sized to be read across the room. A query with more series than the
/// panel's `max_series` is drawn in spread mode ([`spread`]).
pub(crate) fn show(
    ui: &mut Ui,
    header: &mut Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    trusted: bool,
) -> bool {
    let repaint = ui.ctx().clone();
    let (drawn, spreads) = spread::split(ctx, panel, &repaint);
    if !spreads.is_empty() {
        spread::header(header, ctx, panel, &spreads);
    }
    budget_note(header, ctx, panel);
    let area = ui.available_rect_before_wrap();
    let plot_rect = match ctx.wall_figure_pt {
        Some(figure_pt) => {
            let width =
                super::wall_legend::beside(ui, &drawn, panel, figure_pt, trusted, ctx.window);
            egui::Rect::from_min_size(area.min, egui::vec2(width, area.height()))
        }
        None => beside_legend(ui, ctx, panel, &drawn, &spreads, area),
    };
    let plot_width = plot_rect.width();
    let chart = chart::Chart::prepare(ctx, panel, drawn, spreads, plot_width);
    let wall = ctx.wall_figure_pt.is_some();
    let mut plot_area = ui.new_child(egui::UiBuilder::new().max_rect(plot_rect));
    let response = plot::configure(&plot_area, ctx, panel, &chart, plot_width)
        .height(plot_rect.height())
        .show(&mut plot_area, |plot_ui| {
            layers::draw(plot_ui, &chart, ctx, trusted, wall)
        });
    ui.advance_cursor_after_rect(area);
    zoom::follow_user_zoom(ui, ctx, &panel.id, &response, ctx.window);
    menu::show(&response.response, ctx, &panel.id);
    // A wall has no one at a mouse: no tooltip ever stays up on it.
    if chart.has_data() && !wall {
        hover::show(&response, ctx, panel, &chart);
    }
    chart.has_data()
}

/// The workstation's legend, drawn below or at the right of `area`; returns the
/// rect left for the plot.
fn beside_legend(
    ui: &mut Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    drawn: &[(&SeriesKey, &Series, String)],
    spreads: &[spread::SpreadQuery],
    area: egui::Rect,
) -> egui::Rect {
    let entries: Vec<legend::Entry<'_>> = drawn
        .iter()
        .enumerate()
        .map(|(index, (key, series, name))| legend::Entry {
            key: Some(*key),
            series: Some(*series),
            name: name.as_str(),
            color: super::theme::series_color(ui.visuals().dark_mode, index),
        })
        .chain(spreads.iter().map(|spread| legend::Entry {
            key: None,
            series: None,
            name: spread.name.as_str(),
            color: super::theme::FLEET,
        }))
        .collect();
    const GAP: f32 = 6.0;
    let placement = legend::placement(panel, area.size(), entries.len());
    let (plot, strip) = match placement {
        legend::Placement::None => return area,
        legend::Placement::Below => {
            let height = legend::height_below(ui, panel, &entries, area.size());
            let (plot, strip) = area.split_top_bottom_at_y(area.max.y - height);
            (plot.with_max_y(plot.max.y - GAP), strip)
        }
        legend::Placement::Right => {
            let width = legend::width_right(ui, panel, &entries, area.size());
            let (plot, strip) = area.split_left_right_at_x(area.max.x - width);
            (plot.with_max_x(plot.max.x - GAP), strip)
        }
    };
    legend::show(
        ui,
        strip,
        placement,
        panel,
        &entries,
        ctx.window,
        &mut ctx.state.legends,
    );
    plot
}
