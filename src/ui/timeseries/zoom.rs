//! Zoom and pan on a chart: what the user did to its x axis becomes a change of
//! the window every chart shares, and Shift+click or Shift+drag pins a note.

use super::super::PanelContext;
use crate::dashboard::PanelId;
use crate::time_range::Window;
use crate::view::Command;
use egui::Ui;

/// Turns what the user did to this plot's x axis into a change of the shared window:
/// a primary drag selects a range and zooms to it on release; a right-drag pans live
/// and commits on release; Ctrl+scroll zooms at once; a double click goes back to live.
pub(super) fn follow_user_zoom(
    ui: &Ui,
    ctx: &mut PanelContext<'_>,
    panel_id: &PanelId,
    response: &egui_plot::PlotResponse<()>,
    shown: Window,
) {
    let plot = &response.response;
    if plot.double_clicked() {
        ctx.state.drag.pending = None;
        ctx.commands.push(Command::Resume);
        return;
    }
    let time_at =
        |pos: egui::Pos2| (response.transform.value_from_position(pos).x * 1000.0).round() as i64;
    // Shift+click pins a note at that instant.
    if plot.clicked()
        && ui.input(|i| i.modifiers.shift)
        && let Some(pos) = plot.interact_pointer_pos()
    {
        ctx.commands.push(Command::NewNote {
            start_ms: time_at(pos),
            end_ms: None,
        });
        return;
    }
    if plot.drag_started_by(egui::PointerButton::Primary)
        && let Some(origin) = ui.input(|i| i.pointer.press_origin())
    {
        ctx.state.drag.selecting_from = Some((panel_id.clone(), time_at(origin)));
    }
    if let Some((panel, from_ms)) = ctx.state.drag.selecting_from.clone()
        && &panel == panel_id
        && let Some(pointer) = ui.input(|i| i.pointer.latest_pos())
    {
        let to_ms = time_at(pointer).clamp(shown.start_ms, shown.end_ms);
        if plot.dragged_by(egui::PointerButton::Primary) {
            let x = |t_ms: i64| {
                response
                    .transform
                    .position_from_point_x(t_ms as f64 / 1000.0)
            };
            let frame = response.transform.frame();
            let selection = egui::Rect::from_x_y_ranges(
                x(from_ms).min(x(to_ms))..=x(from_ms).max(x(to_ms)),
                frame.y_range(),
            );
            ui.painter().rect_filled(
                selection,
                0.0,
                ui.visuals().selection.bg_fill.gamma_multiply(0.35),
            );
        } else {
            ctx.state.drag.selecting_from = None;
            let (start_ms, end_ms) = (from_ms.min(to_ms), from_ms.max(to_ms));
            // Ignore a click or a few pixels of jitter.
            if end_ms - start_ms > shown.span_ms() / 200 {
                // Shift+drag pins a note on the range instead of zooming to it.
                if ui.input(|i| i.modifiers.shift) {
                    ctx.commands.push(Command::NewNote {
                        start_ms,
                        end_ms: Some(end_ms),
                    });
                } else {
                    ctx.commands
                        .push(Command::ZoomTo(Window { start_ms, end_ms }));
                }
            }
        }
        return;
    }
    let bounds = response.transform.bounds();
    let moved = Window {
        start_ms: (bounds.min()[0] * 1000.0).round() as i64,
        end_ms: (bounds.max()[0] * 1000.0).round() as i64,
    };
    let tolerance = (shown.span_ms() / 1000).max(1);
    let changed = (moved.start_ms - shown.start_ms).abs() > tolerance
        || (moved.end_ms - shown.end_ms).abs() > tolerance;
    if plot.dragged_by(egui::PointerButton::Secondary) {
        if changed {
            ctx.state.drag.pending = Some(moved);
            ui.ctx().request_repaint();
        }
    } else if plot.drag_stopped_by(egui::PointerButton::Secondary) {
        if let Some(window) = ctx.state.drag.pending.take() {
            ctx.commands.push(Command::ZoomTo(window));
        }
    } else if changed && plot.hovered() {
        ctx.commands.push(Command::ZoomTo(moved));
    }
}
