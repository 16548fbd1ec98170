//! What edit mode must ask: a save met someone else's edit of the file (reload,
//! save as, or overwrite?), the window is closing with unsaved edits (save,
//! discard, or stay?), and where "Save as" should write.

use super::EditUiState;
use crate::edit::EditCommand;
use crate::edit::editing::Editing;
use crate::view::Command;
use egui::{Align2, Context};

/// Draws whichever questions are open, and edit mode's last message.
pub(crate) fn show(
    ctx: &Context,
    editing: &Editing,
    state: &mut EditUiState,
    commands: &mut Vec<Command>,
) {
    let mut send = |command: EditCommand| commands.push(Command::Edit(command));
    if editing.conflict {
        question(ctx, "The file changed on disk", |ui| {
            ui.label(
                "Someone (or another program) saved this layout after you opened it. \\
                 Saving now would overwrite their change.",
            );
            ui.horizontal(|ui| {
                if ui
                    .button("Reload from disk")
                    .on_hover_text("Drop your edits")
                    .clicked()
                {
                    send(EditCommand::Reload);
                }
                if ui.button("Save as another file…").clicked() {
                    let path = editing
                        .editor()
                        .map(|e| e.path().display().to_string())
                        .unwrap_or_default();
                    state.save_as = Some(path.replace(".toml", "-mine.toml"));
                }
                if ui
                    .button("Overwrite")
                    .on_hover_text("Replace their version with yours")
                    .clicked()
                {
                    send(EditCommand::Overwrite);
                }
            });
        });
    }
    if editing.asking_close {
        question(ctx, "Unsaved edits", |ui| {
            ui.label("The layout has edits that are not saved.");
            ui.horizontal(|ui| {
                if ui.button("Save and close").clicked() {
                    send(EditCommand::Save);
                }
                if ui.button("Discard edits").clicked() {
                    send(EditCommand::Discard);
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
                if ui.button("Keep editing").clicked() {
                    send(EditCommand::KeepOpen);
                }
            });
        });
    }
    if let Some(path) = state.save_as.as_mut() {
        let mut close = false;
        question(ctx, "Save as", |ui| {
            let label = ui.label("New layout file");
            ui.add(egui::TextEdit::singleline(path).desired_width(420.0))
                .labelled_by(label.id);
            ui.horizontal(|ui| {
                if ui.button("Save to this file").clicked() {
                    send(EditCommand::SaveAs(path.trim().into()));
                    close = true;
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
        if close {
            state.save_as = None;
        }
    }
}

fn question(ctx: &Context, title: &str, contents: impl FnOnce(&mut egui::Ui)) {
    egui::Window::new(title)
        .collapsible(false)
        .resizable(false)
        .anchor(Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, contents);
}
