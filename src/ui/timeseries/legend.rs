//! The workstation's legend: off the plot, never over a line. Below the plot, or
//! to its right when the panel is much wider than tall; a list of names, or a
//! table with each series' last, least, most and mean value over the window
//! (`legend_values`). A click isolates a series (click it again: all back), a
//! shift-click hides or shows just that one.
//!
//! The wall has its own legend ([`crate::ui::wall_legend`]): figures read across
//! the room, nothing to click.

use super::super::theme;
use crate::dashboard::{LegendAt, PanelId, PanelSpec, Reduce};
use crate::store::{Series, SeriesKey};
use crate::time_range::Window;
use egui::{Rect, RichText, Sense, Ui, vec2};
use std::collections::{BTreeSet, HashMap};

/// The legend's share of the panel's height at most, below the plot; more
/// entries scroll.
const MAX_SHARE_BELOW: f32 = 0.35;
/// The legend's share of the panel's width at most, at the right: names are cut
/// (the tooltip over the chart has them whole), the plot keeps most of the room.
const MAX_SHARE_RIGHT: f32 = 0.3;
/// One entry's height (px).
const ROW_HEIGHT: f32 = 18.0;
/// A panel at least this many times wider than tall gets its legend at the right.
const WIDE: f32 = 2.4;

/// A series' row in a legend table: the series' generation, the window and the
/// columns it was reduced for, and the values.
type TableRow = (u64, Window, Vec<Reduce>, Vec<Option<f64>>);

/// What legends keep between frames: the series hidden in each panel, by key,
/// and each series' values over the window (redone when either changes).
#[derive(Default)]
pub(crate) struct LegendState {
    by_panel: HashMap<PanelId, BTreeSet<SeriesKey>>,
    values: HashMap<SeriesKey, TableRow>,
}

impl LegendState {
    /// Whether `key` is hidden in `panel`.
    pub(crate) fn is_hidden(&self, panel: &PanelId, key: &SeriesKey) -> bool {
        self.by_panel
            .get(panel)
            .is_some_and(|hidden| hidden.contains(key))
    }

    /// A click on `key`: shows it alone, or, when it already is, every series.
    fn isolate(&mut self, panel: &PanelId, key: &SeriesKey, all: &[&SeriesKey]) {
        let hidden = self.by_panel.entry(panel.clone()).or_default();
        let alone = !hidden.contains(key) && all.iter().all(|k| *k == key || hidden.contains(*k));
        hidden.clear();
        if !alone {
            hidden.extend(all.iter().filter(|k| **k != key).map(|k| (*k).clone()));
        }
    }

    /// A shift-click on `key`: hides it, or shows it again.
    fn toggle(&mut self, panel: &PanelId, key: &SeriesKey) {
        let hidden = self.by_panel.entry(panel.clone()).or_default();
        if !hidden.remove(key) {
            hidden.insert(key.clone());
        }
    }

    /// The `columns` of `series` over `window`, from the last frame's when none
    /// of them changed.
    fn values(
        &mut self,
        key: &SeriesKey,
        series: &Series,
        window: Window,
        columns: &[Reduce],
    ) -> Vec<Option<f64>> {
        let generation = series.generation();
        if let Some((g, w, c, values)) = self.values.get(key)
            && (*g, *w, c.as_slice()) == (generation, window, columns)
        {
            return values.clone();
        }
        let values: Vec<Option<f64>> = columns
            .iter()
            .map(|&how| series.reduced(window, how))
            .collect();
        self.values.insert(
            key.clone(),
            (generation, window, columns.to_vec(), values.clone()),
        );
        values
    }
}

/// Where a panel's legend goes this frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Placement {
    /// No legend (`legend_at = "none"`, or nothing to name).
    None,
    /// Under the plot.
    Below,
    /// At the right of the plot.
    Right,
}

/// Where the legend of `panel` goes in an area `size`.
pub(super) fn placement(panel: &PanelSpec, size: egui::Vec2, entries: usize) -> Placement {
    if entries == 0 {
        return Placement::None;
    }
    match panel.legend.at {
        LegendAt::None => Placement::None,
        LegendAt::Bottom => Placement::Below,
        LegendAt::Right => Placement::Right,
        LegendAt::Auto if size.x >= WIDE * size.y => Placement::Right,
        LegendAt::Auto => Placement::Below,
    }
}

/// One entry: a drawn series (or a spread's median) and its colour.
pub(super) struct Entry<'a> {
    /// The series; none for a spread's median, which cannot be hidden.
    pub key: Option<&'a SeriesKey>,
    /// Its samples, for the table's values.
    pub series: Option<&'a Series>,
    /// Its name.
    pub name: &'a str,
    /// Its line's colour.
    pub color: egui::Color32,
}

/// The height a legend below the plot takes in an area `size`.
pub(super) fn height_below(
    ui: &Ui,
    panel: &PanelSpec,
    entries: &[Entry<'_>],
    size: egui::Vec2,
) -> f32 {
    let rows = if panel.legend.values.is_empty() {
        rows(ui, entries, size.x).len() as f32
    } else {
        entries.len() as f32 + 1.0
    };
    (rows * ROW_HEIGHT + 6.0).min(size.y * MAX_SHARE_BELOW)
}

/// The width a legend at the right takes in an area `size`.
pub(super) fn width_right(
    ui: &Ui,
    panel: &PanelSpec,
    entries: &[Entry<'_>],
    size: egui::Vec2,
) -> f32 {
    let widest = entries
        .iter()
        .map(|e| entry_width(ui, e))
        .fold(0.0, f32::max);
    let values = panel.legend.values.len() as f32 * 64.0;
    (widest + values + 16.0).min(size.x * MAX_SHARE_RIGHT)
}

/// Draws the legend in `rect`; clicks change `hidden`.
pub(super) fn show(
    ui: &mut Ui,
    rect: Rect,
    placement: Placement,
    panel: &PanelSpec,
    entries: &[Entry<'_>],
    window: Window,
    state: &mut LegendState,
) {
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(rect));
    let keys: Vec<&SeriesKey> = entries.iter().filter_map(|e| e.key).collect();
    let list = panel.legend.values.is_empty();
    let off: Vec<bool> = entries
        .iter()
        .map(|e| e.key.is_some_and(|key| state.is_hidden(&panel.id, key)))
        .collect();
    let columns = &panel.legend.values;
    let values: Vec<Vec<Option<f64>>> = entries
        .iter()
        .map(|e| match (e.key, e.series) {
            (Some(key), Some(series)) if !list => state.values(key, series, window, columns),
            _ => vec![None; columns.len()],
        })
        .collect();
    let mut clicked: Option<(&SeriesKey, bool)> = None;
    egui::ScrollArea::vertical()
        .id_salt(("legend", panel.id.as_str()))
        .auto_shrink([false, false])
        .show(&mut child, |ui| {
            ui.spacing_mut().item_spacing = vec2(10.0, 2.0);
            if list {
                let mut each = |ui: &mut Ui, wrap: bool| {
                    for (entry, &off) in entries.iter().zip(&off) {
                        if let Some(click) = entry_clicked(ui, entry, off, wrap) {
                            clicked = Some(click);
                        }
                    }
                };
                // Below the plot the names flow in rows; at its right, one a row.
                match placement {
                    Placement::Below => {
                        for row in rows(ui, entries, ui.available_width()) {
                            ui.horizontal(|ui| {
                                for index in row {
                                    let entry = &entries[index];
                                    if let Some(click) = entry_clicked(ui, entry, off[index], false)
                                    {
                                        clicked = Some(click);
                                    }
                                }
                            });
                        }
                    }
                    _ => each(ui, true),
                }
                return;
            }
            egui::Grid::new(("legend-table", panel.id.as_str()))
                .num_columns(1 + panel.legend.values.len())
                .spacing(vec2(14.0, 2.0))
                .show(ui, |ui| {
                    ui.label("");
                    for value in &panel.legend.values {
                        ui.label(RichText::new(value.name()).weak().size(11.0));
                    }
                    ui.end_row();
                    for ((entry, values), &off) in entries.iter().zip(&values).zip(&off) {
                        if let Some(click) = entry_clicked(ui, entry, off, false) {
                            clicked = Some(click);
                        }
                        for value in values {
                            let text =
                                value.map_or_else(|| "–".to_owned(), |v| panel.unit.format(v));
                            ui.label(RichText::new(text).monospace().size(11.0));
                        }
                        ui.end_row();
                    }
                });
        });
    match clicked {
        Some((key, true)) => state.toggle(&panel.id, key),
        Some((key, false)) => state.isolate(&panel.id, key, &keys),
        None => {}
    }
}

/// The width of an entry's swatch and whole name.
fn entry_width(ui: &Ui, entry: &Entry<'_>) -> f32 {
    let name = ui.fonts_mut(|fonts| {
        fonts
            .layout_no_wrap(
                entry.name.to_owned(),
                egui::FontId::proportional(12.0),
                egui::Color32::WHITE,
            )
            .size()
            .x
    });
    name + 10.0 + ui.spacing().item_spacing.x + 2.0
}

/// The entries (by index) of each row of a list `available` wide, in order.
fn rows(ui: &Ui, entries: &[Entry<'_>], available: f32) -> Vec<Vec<usize>> {
    let gap = ui.spacing().item_spacing.x;
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut used = f32::INFINITY;
    for (index, entry) in entries.iter().enumerate() {
        let width = entry_width(ui, entry);
        if used + gap + width > available {
            rows.push(Vec::new());
            used = -gap;
        }
        used += gap + width;
        if let Some(row) = rows.last_mut() {
            row.push(index);
        }
    }
    rows
}

/// Draws an entry; the series clicked, and whether shift was held.
fn entry_clicked<'e>(
    ui: &mut Ui,
    entry: &Entry<'e>,
    off: bool,
    truncate: bool,
) -> Option<(&'e SeriesKey, bool)> {
    let response = swatch_and_name(ui, entry, off, truncate);
    let key = entry.key?;
    response
        .clicked()
        .then(|| (key, ui.input(|i| i.modifiers.shift)))
}

/// A colour swatch and a name, greyed when its series is hidden; clickable. In
/// a column the name is cut to its width (the tooltip over the chart has it whole).
fn swatch_and_name(ui: &mut Ui, entry: &Entry<'_>, off: bool, truncate: bool) -> egui::Response {
    let color = if off {
        theme::NO_DATA.gamma_multiply(0.5)
    } else {
        entry.color
    };
    let text = RichText::new(entry.name).size(12.0);
    let text = if off {
        text.weak().strikethrough()
    } else {
        text
    };
    let width = if truncate {
        ui.available_width()
    } else {
        entry_width(ui, entry)
    };
    let response = ui
        .allocate_ui_with_layout(
            vec2(width, ROW_HEIGHT - 2.0),
            egui::Layout::left_to_right(egui::Align::Center),
            |ui| {
                let (swatch, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
                ui.painter().circle_filled(swatch.center(), 4.5, color);
                let label = egui::Label::new(text).sense(Sense::click());
                ui.add(if truncate {
                    label.truncate()
                } else {
                    label.extend()
                })
            },
        )
        .inner;
    if entry.key.is_some() {
        response
            .on_hover_text("click: show only this one (again: all) · shift-click: hide or show it")
    } else {
        response
    }
}
