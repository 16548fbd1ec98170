//! The table panel: a filter, headings that sort when clicked (values largest
//! first, text A–Z; again to reverse), rows striped, values in their unit and
//! their threshold's colour, gauges as bars under the number, "n/a" in grey. A
//! click on a row opens its series over the dashboard's range beside the other
//! rows' (the fleet map's drill-down window).

use super::fleet_drill::Drill;
use super::{PanelContext, theme};
use crate::dashboard::PanelSpec;
use crate::table::{Cell, Head, Row, TableView, build, matches, sort};
use egui::{RichText, Sense, Ui};

/// A gauge cell's width at the workstation's text size (points).
const GAUGE_WIDTH: f32 = 120.0;
/// The workstation's text size (points).
const TEXT_SIZE: f32 = 12.5;

/// Draws the table; returns whether it had a row to show.
pub(crate) fn show(
    ui: &mut Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    trusted: bool,
) -> bool {
    let store = ctx.session.store();
    let mut view: TableView = build(
        panel,
        |query| store.query_series(&panel.key(query)).collect(),
        ctx.window,
    );
    if view.rows.is_empty() {
        return false;
    }
    let sorted = ctx.state.table_sort.get(&panel.id).copied();
    if let Some((column, descending)) = sorted {
        sort(&mut view.rows, column, descending);
    }
    // Across a room: text as large as the wall's figures allow, and no filter
    // (nobody types at a wall); every row is shown.
    let wall = ctx.wall_figure_pt;
    let size = wall.map_or(TEXT_SIZE, |figure_pt| (figure_pt * 0.45).max(TEXT_SIZE));
    if wall.is_some() {
        let style = ui.style_mut();
        for text_style in [
            egui::TextStyle::Body,
            egui::TextStyle::Button,
            egui::TextStyle::Monospace,
        ] {
            if let Some(font) = style.text_styles.get_mut(&text_style) {
                font.size = size;
            }
        }
        style.spacing.interact_size.y = size * 1.6;
    }
    let filter = ctx.state.table_filters.entry(panel.id.clone()).or_default();
    let shown: Vec<&Row> = view
        .rows
        .iter()
        .filter(|row| wall.is_some() || matches(row, filter))
        .collect();
    if wall.is_none() {
        ui.horizontal(|ui| {
            let label = ui.label("Filter");
            ui.add(egui::TextEdit::singleline(filter).desired_width(160.0))
                .labelled_by(label.id);
            ui.label(RichText::new(format!("{} of {} rows", shown.len(), view.rows.len())).weak());
        });
    }
    let gauge_width = GAUGE_WIDTH * size / TEXT_SIZE;
    let fade = if trusted { 1.0 } else { 0.4 };
    let mut sort_by = None;
    let mut clicked = None;
    egui::ScrollArea::both()
        .id_salt(("table", panel.id.as_str()))
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new(("table-grid", panel.id.as_str()))
                .striped(true)
                .spacing([18.0 * size / TEXT_SIZE, 4.0])
                .show(ui, |ui| {
                    for (index, head) in view.columns.iter().enumerate() {
                        let direction = sorted
                            .filter(|(column, _)| *column == index)
                            .map(|(_, descending)| descending);
                        ui.horizontal(|ui| {
                            let heading =
                                egui::Button::new(RichText::new(&head.title).strong()).frame(false);
                            let hover = match direction {
                                Some(true) => "Sorted largest (or Z) first: click to reverse",
                                Some(false) => "Sorted smallest (or A) first: click to reverse",
                                None => "Sort by this column",
                            };
                            if ui.add(heading).on_hover_text(hover).clicked() {
                                sort_by = Some(index);
                            }
                            if let Some(descending) = direction {
                                sort_arrow(ui, descending);
                            }
                        });
                    }
                    ui.end_row();
                    for row in &shown {
                        for (cell, head) in row.cells.iter().zip(&view.columns) {
                            let response = match cell {
                                Cell::Text(text) => ui.add(
                                    egui::Label::new(
                                        RichText::new(text)
                                            .color(ui.visuals().text_color().gamma_multiply(fade)),
                                    )
                                    .sense(Sense::click()),
                                ),
                                Cell::Value(value) => {
                                    value_cell(ui, head, *value, fade, gauge_width)
                                }
                            };
                            if response.clicked() {
                                clicked = row.series.clone();
                            }
                        }
                        ui.end_row();
                    }
                });
        });
    if let Some(index) = sort_by {
        let is_value = view.columns.get(index).is_some_and(|h| h.unit.is_some());
        let next = match sorted {
            Some((column, descending)) if column == index => (index, !descending),
            // Values largest first (the worst, for a fleet), text A–Z.
            _ => (index, is_value),
        };
        ctx.state.table_sort.insert(panel.id.clone(), next);
    }
    if let Some(key) = clicked {
        let drill = Drill {
            panel: panel.id.clone(),
            key,
            group: String::new(),
        };
        // Clicking the open row again closes its window.
        ctx.state.fleet_drill = (ctx.state.fleet_drill.as_ref() != Some(&drill)).then_some(drill);
    }
    super::fleet_drill::window(ui, ctx, panel);
    true
}

/// A small triangle after a sorted column's heading: pointing down while the
/// largest come first.
fn sort_arrow(ui: &mut Ui, descending: bool) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(8.0, 8.0), Sense::hover());
    let (tip, base) = if descending {
        (rect.center_bottom(), [rect.left_top(), rect.right_top()])
    } else {
        (rect.center_top(), [rect.left_bottom(), rect.right_bottom()])
    };
    ui.painter().add(egui::Shape::convex_polygon(
        vec![base[0], base[1], tip],
        ui.visuals().strong_text_color(),
        egui::Stroke::NONE,
    ));
}

/// One value: its number in the column's unit and threshold colour, over a bar
/// for a gauge column; "n/a" in grey.
fn value_cell(
    ui: &mut Ui,
    head: &Head,
    value: Option<f64>,
    fade: f32,
    gauge_width: f32,
) -> egui::Response {
    let Some(value) = value else {
        return ui.add(
            egui::Label::new(RichText::new("n/a").color(theme::NO_DATA)).sense(Sense::click()),
        );
    };
    let unit = head.unit.unwrap_or_default();
    let text = unit.format(value);
    let color = theme::threshold_color(&head.thresholds, value);
    let Some((min, max)) = head.gauge else {
        let color = color.unwrap_or_else(|| ui.visuals().text_color());
        return ui.add(
            egui::Label::new(RichText::new(text).color(color.gamma_multiply(fade)))
                .sense(Sense::click()),
        );
    };
    let height = ui.spacing().interact_size.y;
    let (rect, response) = ui.allocate_exact_size(egui::vec2(gauge_width, height), Sense::click());
    let share = ((value - min) / (max - min)).clamp(0.0, 1.0) as f32;
    let painter = ui.painter_at(rect);
    let bar = rect.shrink2(egui::vec2(0.0, 3.0));
    painter.rect_filled(bar, 2.0, ui.visuals().extreme_bg_color);
    let fill = color.unwrap_or(ui.visuals().selection.bg_fill);
    let mut filled = bar;
    filled.set_width(bar.width() * share);
    painter.rect_filled(filled, 2.0, fill.gamma_multiply(0.75 * fade));
    painter.text(
        bar.right_center() - egui::vec2(4.0, 0.0),
        egui::Align2::RIGHT_CENTER,
        &text,
        egui::TextStyle::Body.resolve(ui.style()),
        ui.visuals().strong_text_color().gamma_multiply(fade),
    );
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &text));
    response
}
