//! Handles on a panel in edit mode: drag its title bar to move it, its corner to
//! resize it, both snapping to the 24-column grid; buttons to edit, duplicate or
//! delete it. The landing place shows while dragging; the move happens on release.

use super::EditUiState;
use crate::dashboard::PanelSpec;
use crate::edit::EditCommand;
use crate::layout::GridPos;
use crate::view::Command;
use egui::{Rect, Sense, Ui, vec2};

/// Size of the resize handle, points.
const HANDLE: f32 = 16.0;

/// How a grid cell maps onto the screen.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cells {
    /// Width of a column, points.
    pub column: f32,
    /// Height of a row, points.
    pub row: f32,
}

/// Draws the handles of `panel` over `rect`; its buttons show while the pointer
/// is over it or its form is open (`selected`), so they never hide the titles of
/// the other panels.
pub(crate) fn show(
    ui: &mut Ui,
    rect: Rect,
    panel: &PanelSpec,
    selected: bool,
    cells: Cells,
    state: &mut EditUiState,
    commands: &mut Vec<Command>,
) {
    let accent = ui.visuals().selection.stroke.color;
    ui.painter().rect_stroke(
        rect,
        4.0,
        egui::Stroke::new(if selected { 3.0 } else { 1.5 }, accent),
        egui::StrokeKind::Inside,
    );
    let title = Rect::from_min_size(rect.min, vec2(rect.width(), 22.0));
    let mover = ui
        .interact(
            title,
            egui::Id::unique(("edit-move", panel.id.as_str())),
            Sense::click_and_drag(),
        )
        .on_hover_cursor(egui::CursorIcon::Grab)
        .on_hover_text("Drag to move; click to edit");
    let title_text = panel.title.clone();
    mover.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Button, true, format!("Move {title_text}"))
    });
    let corner = Rect::from_min_max(rect.max - vec2(HANDLE, HANDLE), rect.max);
    let resizer = ui
        .interact(
            corner,
            egui::Id::unique(("edit-resize", panel.id.as_str())),
            Sense::drag(),
        )
        .on_hover_cursor(egui::CursorIcon::ResizeNwSe);
    let title_text = panel.title.clone();
    resizer.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Button, true, format!("Resize {title_text}"))
    });
    ui.painter()
        .rect_filled(corner.shrink(3.0), 2.0, accent.gamma_multiply(0.8));
    follow_drag(ui, &mover, panel, cells, state, commands, Drag::Move);
    follow_drag(ui, &resizer, panel, cells, state, commands, Drag::Resize);
    if mover.clicked() {
        commands.push(Command::Edit(EditCommand::Select(Some(panel.id.clone()))));
    }
    if selected || ui.rect_contains_pointer(rect) {
        buttons(ui, title, panel, commands);
    }
    if let Some((dragged, target)) = &state.dragging
        && dragged == &panel.id
    {
        let landing = Rect::from_min_size(
            rect.min
                + vec2(
                    (target.x as f32 - panel.grid.x as f32) * cells.column,
                    (target.y as f32 - panel.grid.y as f32) * cells.row,
                ),
            vec2(target.w as f32 * cells.column, target.h as f32 * cells.row),
        );
        ui.painter()
            .rect_filled(landing, 4.0, accent.gamma_multiply(0.25));
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Drag {
    Move,
    Resize,
}

/// Tracks one handle's drag: where the panel would land, and the command on release.
fn follow_drag(
    ui: &Ui,
    response: &egui::Response,
    panel: &PanelSpec,
    cells: Cells,
    state: &mut EditUiState,
    commands: &mut Vec<Command>,
    drag: Drag,
) {
    if response.drag_stopped() {
        // The press is over: the landing place shown last frame is where it goes.
        if let Some((dragged, target)) = state.dragging.take()
            && dragged == panel.id
            && target != panel.grid
        {
            commands.push(Command::Edit(EditCommand::Place {
                panel: panel.id.clone(),
                grid: target,
            }));
        }
        return;
    }
    if !response.dragged() {
        return;
    }
    let (Some(origin), Some(now)) =
        ui.input(|i| (i.pointer.press_origin(), i.pointer.latest_pos()))
    else {
        return;
    };
    let delta = now - origin;
    let columns = (delta.x / cells.column.max(1.0)).round() as i64;
    let rows = (delta.y / cells.row.max(1.0)).round() as i64;
    let shift = |value: u32, by: i64, least: i64| (i64::from(value) + by).max(least) as u32;
    let grid = panel.grid;
    let target = crate::edit::placement::clamp(match drag {
        Drag::Move => GridPos {
            x: shift(grid.x, columns, 0),
            y: shift(grid.y, rows, 0),
            ..grid
        },
        Drag::Resize => GridPos {
            w: shift(grid.w, columns, 1),
            h: shift(grid.h, rows, 1),
            ..grid
        },
    });
    state.dragging = Some((panel.id.clone(), target));
}

fn buttons(ui: &mut Ui, title: Rect, panel: &PanelSpec, commands: &mut Vec<Command>) {
    let area = title.shrink2(vec2(6.0, 2.0));
    let mut bar = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(area)
            .layout(egui::Layout::right_to_left(egui::Align::Center)),
    );
    bar.set_clip_rect(area.intersect(ui.clip_rect()));
    bar.painter()
        .rect_filled(area, 3.0, bar.visuals().faint_bg_color);
    let mut send = |command: EditCommand| commands.push(Command::Edit(command));
    let named = |verb: &str| format!("{verb} {}", panel.title);
    if bar
        .small_button("Delete")
        .on_hover_text(named("Delete"))
        .clicked()
    {
        send(EditCommand::Delete(panel.id.clone()));
    }
    if bar
        .small_button("Duplicate")
        .on_hover_text(named("Duplicate"))
        .clicked()
    {
        send(EditCommand::Duplicate(panel.id.clone()));
    }
    if bar
        .small_button("Edit")
        .on_hover_text(named("Edit"))
        .clicked()
    {
        send(EditCommand::Select(Some(panel.id.clone())));
    }
}
