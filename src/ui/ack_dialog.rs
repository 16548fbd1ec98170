//! Acknowledging an alarm for a whole team: when the layout shares its alarms
//! through Alertmanager, "Ack" asks for a comment and how long (the silence's
//! expiry) before it silences the alarm for everyone.

use crate::view::Command;
use egui::{Align2, Context, RichText};
use std::time::Duration;

/// The expiries offered, the first hour being the default.
const EXPIRIES: [(&str, Duration); 4] = [
    ("1 hour", Duration::from_secs(3600)),
    ("15 minutes", Duration::from_secs(15 * 60)),
    ("4 hours", Duration::from_secs(4 * 3600)),
    ("1 day", Duration::from_secs(24 * 3600)),
];

/// An acknowledgement being written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AckDraft {
    /// The alarm's acknowledgement key.
    key: String,
    /// The alarm's name, to say which.
    name: String,
    /// Why.
    comment: String,
    /// Which of [`EXPIRIES`].
    expiry: usize,
}

impl AckDraft {
    /// A draft for the alarm `name` with acknowledgement key `key`.
    pub(crate) fn new(key: String, name: String) -> AckDraft {
        AckDraft {
            key,
            name,
            comment: "acknowledged in fleetdeck".to_owned(),
            expiry: 0,
        }
    }
}

/// Draws the dialog while a draft is open; "Silence" queues the acknowledgement.
pub(crate) fn show(ctx: &Context, draft: &mut Option<AckDraft>, commands: &mut Vec<Command>) {
    let Some(open) = draft.as_mut() else {
        return;
    };
    let mut close = false;
    egui::Window::new("Acknowledge for everyone")
        .collapsible(false)
        .resizable(false)
        .anchor(Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(RichText::new(&open.name).strong());
            ui.label(
                "A silence in Alertmanager: every window and wall on it shows the alarm acknowledged.",
            );
            let label = ui.label("Comment");
            ui.add(egui::TextEdit::singleline(&mut open.comment).desired_width(360.0))
                .labelled_by(label.id);
            egui::ComboBox::from_label("For")
                .selected_text(EXPIRIES[open.expiry].0)
                .show_ui(ui, |ui| {
                    for (index, (words, _)) in EXPIRIES.iter().enumerate() {
                        ui.selectable_value(&mut open.expiry, index, *words);
                    }
                });
            ui.horizontal(|ui| {
                if ui.button("Silence").clicked() {
                    commands.push(Command::AcknowledgeShared {
                        key: open.key.clone(),
                        comment: open.comment.trim().to_owned(),
                        expiry: EXPIRIES[open.expiry].1,
                    });
                    close = true;
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
    if close {
        *draft = None;
    }
}
