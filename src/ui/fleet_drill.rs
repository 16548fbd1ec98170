//! A fleet map cell clicked: a window with that series over the dashboard's range,
//! drawn over the other series of its group (the GPU beside its node's seven
//! others), the panel's thresholds as lines, and the series' last, least, most
//! and mean values over the window.
//!
//! The map's query already holds every series' history in the store (the map
//! reduces it to one value per cell), so the drill-down asks the source for
//! nothing: it opens at once, and stays live with the map.

use super::{PanelContext, theme, time_axis};
use crate::dashboard::{PanelId, PanelSpec, Reduce};
use crate::store::{Series, SeriesKey};
use crate::time_range::Window;
use egui_plot::{HLine, Line, Plot, PlotPoint, PlotPoints};

/// The most siblings drawn beside the clicked series: a group of thousands (an
/// availability zone) would be the clutter the map exists to avoid.
const MAX_SIBLINGS: usize = 32;
/// The drill-down's plot size (points).
const PLOT_SIZE: egui::Vec2 = egui::vec2(560.0, 240.0);

/// The cell a user clicked: the series and the group it was drawn in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Drill {
    /// The map's panel.
    pub panel: PanelId,
    /// The series of the cell.
    pub key: SeriesKey,
    /// Its group's name on the map (`node-0413`); empty with no `group_by`.
    pub group: String,
}

/// The drill-down's window, while a cell of `panel` is chosen; closed by its
/// close button or by choosing it again on the map.
pub(crate) fn window(ui: &egui::Ui, ctx: &mut PanelContext<'_>, panel: &PanelSpec) {
    let Some(drill) = ctx
        .state
        .fleet_drill
        .clone()
        .filter(|d| d.panel == panel.id)
    else {
        return;
    };
    let query = panel.queries.iter().find(|q| !q.hidden);
    let name = query.map_or_else(String::new, |q| q.series_name(&drill.key.labels));
    let mut open = true;
    egui::Window::new(format!("{name} · {}", panel.title))
        .id(egui::Id::unique(("fleet-drill", panel.id.as_str())))
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .default_pos(ui.max_rect().center_top())
        .show(ui.ctx(), |ui| contents(ui, ctx, panel, &drill));
    if !open {
        ctx.state.fleet_drill = None;
    }
}

/// The siblings' and the series' lines, the thresholds, and the summary under them.
fn contents(ui: &mut egui::Ui, ctx: &PanelContext<'_>, panel: &PanelSpec, drill: &Drill) {
    let store = ctx.session.store();
    let query = panel.key(&drill.key.query);
    let siblings: Vec<(&SeriesKey, &Series)> = store
        .query_series(&query)
        .filter(|(key, _)| *key != &drill.key && in_group(key, panel, &drill.group))
        .collect();
    let Some(series) = store.get(&drill.key) else {
        ui.label(
            egui::RichText::new("This series is no longer in the source's answer.")
                .color(theme::ERROR),
        );
        return;
    };
    if !drill.group.is_empty() {
        let shown = siblings.len().min(MAX_SIBLINGS);
        let more = siblings.len() - shown;
        ui.label(match more {
            0 => format!("group {}: with its {shown} others in grey", drill.group),
            _ => format!(
                "group {}: with {shown} of its {} others in grey",
                drill.group,
                siblings.len()
            ),
        });
    }
    let span_s = ctx.window.span_ms() as f64 / 1000.0;
    let grey = theme::NO_DATA.gamma_multiply(0.8);
    let highlight = ui.visuals().strong_text_color();
    let plot = Plot::new(("fleet-drill-plot", panel.id.as_str()))
        .width(PLOT_SIZE.x)
        .height(PLOT_SIZE.y)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .include_x(ctx.window.start_ms as f64 / 1000.0)
        .include_x(ctx.window.end_ms as f64 / 1000.0)
        .label_formatter(|_| None);
    time_axis::time_and_value_axes(plot, ui, ctx.zone, panel.unit, span_s, PLOT_SIZE.x).show(
        ui,
        |plot| {
            for (_, sibling) in siblings.iter().take(MAX_SIBLINGS) {
                plot.line(
                    Line::new("", PlotPoints::Owned(points(sibling, ctx.window)))
                        .color(grey)
                        .width(1.0),
                );
            }
            for threshold in &panel.thresholds {
                plot.hline(
                    HLine::new("", threshold.value)
                        .color(theme::rgb(threshold.rgb).gamma_multiply(0.7))
                        .width(1.0),
                );
            }
            plot.line(
                Line::new("", PlotPoints::Owned(points(series, ctx.window)))
                    .color(highlight)
                    .width(2.0),
            );
        },
    );
    ui.label(summary(series, ctx.window, panel));
    let labels = drill
        .key
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("  ");
    ui.label(egui::RichText::new(labels).weak().size(11.0));
}

/// Whether `key` was drawn in the map's group `group`.
fn in_group(key: &SeriesKey, panel: &PanelSpec, group: &str) -> bool {
    !group.is_empty() && crate::fleet::map::group_name(panel, key) == group
}

/// The samples of `series` inside `window`, as plot points (seconds).
fn points(series: &Series, window: Window) -> Vec<PlotPoint> {
    series
        .iter()
        .filter(|s| (window.start_ms..=window.end_ms).contains(&s.t_ms))
        .map(|s| PlotPoint::new(s.t_ms as f64 / 1000.0, s.value))
        .collect()
}

/// "last 97 % · min 95 % · max 100 % · mean 98 %" over the window.
fn summary(series: &Series, window: Window, panel: &PanelSpec) -> String {
    let parts: Vec<String> = [Reduce::Last, Reduce::Min, Reduce::Max, Reduce::Mean]
        .into_iter()
        .filter_map(|how| {
            let value = series.reduced(window, how)?;
            Some(format!("{} {}", how.name(), panel.unit.format(value)))
        })
        .collect();
    if parts.is_empty() {
        return "no value in this window".to_owned();
    }
    parts.join(" · ")
}
