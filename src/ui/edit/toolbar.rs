//! The top bar's edit controls: the Edit switch, and in edit mode adding a
//! panel, undo, redo, save and save as.

use super::EditUiState;
use crate::edit::EditCommand;
use crate::edit::editing::Editing;
use crate::view::Command;
use egui::Ui;

/// Draws the controls (right to left, in the top bar's right-hand group).
pub(crate) fn show(
    ui: &mut Ui,
    editing: &Editing,
    state: &mut EditUiState,
    commands: &mut Vec<Command>,
) {
    let mut send = |command: EditCommand| commands.push(Command::Edit(command));
    let label = if editing.is_dirty() {
        "Edit •"
    } else {
        "Edit"
    };
    if ui
        .add(egui::Button::new(label).selected(editing.active))
        .on_hover_text("Edit mode (e): move, resize, add and change panels")
        .clicked()
    {
        send(EditCommand::Toggle);
    }
    if !editing.active {
        return;
    }
    let editor = editing.editor();
    if ui
        .button("Save as…")
        .on_hover_text("Save the layout to a new file")
        .clicked()
    {
        let current = editor.map(|e| e.path().display().to_string());
        state.save_as = Some(current.unwrap_or_default().replace(".toml", "-copy.toml"));
    }
    let save = ui.add_enabled(
        editing.is_dirty() && !editing.is_saving(),
        egui::Button::new("Save"),
    );
    if save
        .on_hover_text("Save over the layout file (Ctrl+S)")
        .clicked()
    {
        send(EditCommand::Save);
    }
    if ui.button("Redo").on_hover_text("Ctrl+Shift+Z").clicked() {
        send(EditCommand::Redo);
    }
    if ui.button("Undo").on_hover_text("Ctrl+Z").clicked() {
        send(EditCommand::Undo);
    }
    if ui
        .button("Add panel")
        .on_hover_text("A new panel below the others (or Add as panel in the metric browser)")
        .clicked()
    {
        send(EditCommand::Add(None));
    }
}
