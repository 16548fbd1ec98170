//! The board: every panel of the dashboard on its grid cell, in a scroll area —
//! its frame and state line ([`panel`]), its body drawn by its kind's module, the
//! outline of a panel an alarm click asked for, and edit mode's handles.

use super::context::{Marks, PanelContext};
use super::panel::{self, PanelState};
use super::theme;
use super::{FrameInput, UiState, alarms, bars, edit, experiments, fleet_map, grid, stat, text};
use super::{gauge, heatmap, slo, state_timeline, table, timeseries, variants, wall};
use crate::dashboard::{PanelId, PanelSpec};
use crate::layout::PanelKind;
use crate::view::Command;
use std::collections::BTreeMap;

/// How the board is laid out this frame.
struct Layout {
    origin: egui::Pos2,
    width: f32,
    row_height: f32,
}

/// Draws the board in the central panel; returns each panel's plot width.
pub(crate) fn show(
    ui: &mut egui::Ui,
    frame: &FrameInput<'_>,
    marks: &Marks<'_>,
    state: &mut UiState,
    commands: &mut Vec<Command>,
) -> BTreeMap<PanelId, u32> {
    let mut widths = BTreeMap::new();
    egui::CentralPanel::default().show(ui, |ui| {
        state.panels.lines.begin_frame();
        state.panels.bands.begin_frame();
        let focus = live_focus(ui, state);
        let panels = &frame.session.dashboard().panels;
        let rows = grid::total_rows(panels.iter().map(|p| &p.grid));
        let row_height = grid::row_height(ui.available_rect_before_wrap().height(), rows);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let shift = frame.wall().map_or(egui::Vec2::ZERO, |w| w.shift);
                let layout = Layout {
                    origin: ui.max_rect().min + shift,
                    width: ui.available_width(),
                    row_height,
                };
                ui.allocate_space(egui::vec2(layout.width, rows as f32 * row_height));
                let UiState {
                    panels: panel_state,
                    edit: edit_state,
                    ..
                } = state;
                let mut ctx = frame.panel_context(marks, panel_state, commands);
                for panel in panels {
                    let rect =
                        grid::panel_rect(layout.origin, layout.width, row_height, &panel.grid);
                    widths.insert(panel.id.clone(), rect.width().max(1.0) as u32);
                    if focus.as_ref().is_some_and(|(id, _)| id == &panel.id) {
                        outline_focus(ui, rect, focus.as_ref().map_or(0.0, |(_, until)| *until));
                    }
                    let state = state_line(frame, panel);
                    let unverified =
                        panel::reads_unverified(panel, &frame.session.dashboard().sources);
                    panel::show(ui, rect, panel, &state, unverified, |ui, header| {
                        body(ui, header, &mut ctx, panel, &state, frame)
                    });
                    edit_handles(ui, rect, panel, frame, &layout, edit_state, ctx.commands);
                }
            });
    });
    widths
}

/// The panel an alarm click asked to show, until when (egui seconds); a focus
/// that ran out is forgotten.
fn live_focus(ui: &egui::Ui, state: &mut UiState) -> Option<(PanelId, f64)> {
    let now_s = ui.input(|i| i.time);
    let focus = state.focus.clone().filter(|(_, until)| now_s < until + 1.0);
    if focus.is_none() {
        state.focus = None;
    }
    focus
}

/// Scrolls the focused panel into view and outlines it until `until`.
fn outline_focus(ui: &mut egui::Ui, rect: egui::Rect, until: f64) {
    ui.scroll_to_rect(rect, Some(egui::Align::Center));
    if ui.input(|i| i.time) < until {
        ui.painter().rect_stroke(
            rect.expand(2.0),
            4.0,
            egui::Stroke::new(3.0, theme::WARN),
            egui::StrokeKind::Outside,
        );
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(250));
    }
}

/// What a panel's header says: its queries' and sources' state, what it waits
/// for, or — past twice the refresh without a fresh answer — how old its data is.
fn state_line(frame: &FrameInput<'_>, panel: &PanelSpec) -> PanelState {
    let session = frame.session;
    if let Some(name) = &panel.waiting_for {
        return PanelState::Waiting(frame.variables.waiting_words(session.dashboard(), name));
    }
    let state = panel::panel_state(panel, session.statuses(), session.health(), frame.zone);
    let Some(at) = session
        .panel_confirmed_at(panel)
        .filter(|_| frame.view.is_live())
    else {
        return state;
    };
    let age_ms = (frame.now - at).num_milliseconds();
    if age_ms <= 2 * frame.view.refresh.as_millis() as i64 {
        return state;
    }
    let age = wall::age_words(age_ms);
    match state {
        PanelState::Ok | PanelState::Note(_) => PanelState::Old(age),
        PanelState::Stale(why) => PanelState::Stale(format!("{age} · {why}")),
        other => other,
    }
}

/// Draws the panel's body by its kind; returns whether it had data to show.
fn body(
    ui: &mut egui::Ui,
    header: &mut egui::Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    state: &PanelState,
    frame: &FrameInput<'_>,
) -> bool {
    // Data whose source is stale or failing, or not confirmed for a while, is
    // drawn faded.
    let trusted = !matches!(
        state,
        PanelState::Stale(_) | PanelState::Error(_) | PanelState::Old(_)
    );
    let now_ms = frame.now.timestamp_millis();
    match panel.kind {
        PanelKind::Timeseries => timeseries::show(ui, header, ctx, panel, trusted),
        PanelKind::Stat => stat::show(ui, ctx, panel, trusted),
        PanelKind::Bars => bars::show(ui, ctx, panel),
        PanelKind::Text => text::show(ui, panel),
        PanelKind::Variants => variants::show(ui, ctx, panel),
        PanelKind::Experiments => experiments::show(ui, ctx, panel, now_ms),
        PanelKind::Alarms => alarms::show(ui, header, ctx, panel, now_ms),
        PanelKind::Fleet => fleet_map::show(ui, header, ctx, panel, trusted),
        PanelKind::Slo => slo::show(ui, ctx, panel),
        PanelKind::Heatmap => heatmap::show(ui, ctx, panel, trusted),
        PanelKind::Table => table::show(ui, ctx, panel, trusted),
        PanelKind::Gauge => gauge::show_dials(ui, ctx, panel, trusted),
        PanelKind::Bargauge => gauge::show_bars(ui, ctx, panel, trusted),
        PanelKind::State => state_timeline::show(ui, ctx, panel, trusted),
    }
}

/// In edit mode, the handles that move and resize `panel`.
fn edit_handles(
    ui: &mut egui::Ui,
    rect: egui::Rect,
    panel: &PanelSpec,
    frame: &FrameInput<'_>,
    layout: &Layout,
    edit_state: &mut edit::EditUiState,
    commands: &mut Vec<Command>,
) {
    let Some(editing) = frame.editing().filter(|e| e.active) else {
        return;
    };
    let cells = edit::overlay::Cells {
        column: layout.width / grid::COLUMNS as f32,
        row: layout.row_height,
    };
    let selected = editing.selected.as_ref() == Some(&panel.id);
    edit::overlay::show(ui, rect, panel, selected, cells, edit_state, commands);
}
