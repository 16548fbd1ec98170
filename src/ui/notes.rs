//! Writing a note: Shift+click on a chart pins one at that instant, Shift+drag
//! over a range; this small window takes the words.

use crate::clock::DisplayZone;
use crate::notes::Note;
use crate::view::Command;

/// A note being written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Draft {
    /// Where it starts, ms.
    pub start_ms: i64,
    /// Where it ends, for a range.
    pub end_ms: Option<i64>,
    /// The words so far.
    pub text: String,
}

/// The note editor, while a draft is open.
pub(crate) fn editor(
    ctx: &egui::Context,
    draft: &mut Option<Draft>,
    zone: DisplayZone,
    commands: &mut Vec<Command>,
) {
    let Some(note) = draft.as_mut() else {
        return;
    };
    let when = match note.end_ms {
        Some(end) => format!(
            "{} – {}",
            zone.format(note.start_ms, "%m-%d %H:%M:%S"),
            zone.format(end, "%H:%M:%S")
        ),
        None => zone.format(note.start_ms, "%m-%d %H:%M:%S"),
    };
    let mut done = false;
    egui::Window::new(format!("Note at {when}"))
        .id(egui::Id::unique("note-editor"))
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            let label = ui.label("Note text");
            let field = ui
                .add(egui::TextEdit::multiline(&mut note.text).desired_rows(2))
                .labelled_by(label.id);
            field.request_focus();
            ui.horizontal(|ui| {
                let words = note.text.trim();
                if ui
                    .add_enabled(!words.is_empty(), egui::Button::new("Pin note"))
                    .clicked()
                {
                    commands.push(Command::AddNote(Note::new(
                        note.start_ms,
                        note.end_ms,
                        words,
                    )));
                    done = true;
                }
                if ui.button("Cancel").clicked() {
                    done = true;
                }
            });
        });
    if done {
        *draft = None;
    }
}
