//! A server refused a source's credential: a strip says so with "Enter …", and a
//! dialog takes the credential once, masked, for the keyring. The secret leaves
//! this module only inside [`Command::StoreCredential`], whose `Debug` hides it.

use super::theme;
use crate::credential::{Ask, Secret};
use crate::view::Command;
use egui::{Align2, RichText};

/// The dialog's state between frames.
#[derive(Default)]
pub(crate) struct CredentialUi {
    /// The source whose credential is being entered.
    open: Option<Ask>,
    /// What was typed so far (cleared once handed on).
    typed: String,
    /// Handed to the keyring, no answer yet.
    pub storing: bool,
    /// Why the last attempt failed.
    error: Option<String>,
}

impl CredentialUi {
    /// The keyring (or the layout) said no: keep the dialog open and say why.
    pub(crate) fn failed(&mut self, why: &str) {
        self.storing = false;
        self.error = Some(why.to_owned());
    }

    /// Stored: the dialog closes.
    pub(crate) fn close(&mut self) {
        *self = CredentialUi::default();
    }
}

/// A strip per refused source, and the dialog when one was chosen.
pub(crate) fn show(
    ui: &mut egui::Ui,
    asks: &[Ask],
    state: &mut CredentialUi,
    commands: &mut Vec<Command>,
) {
    if asks.is_empty() && state.open.is_none() {
        return;
    }
    if !asks.is_empty() {
        egui::Panel::top("refused_credentials").show(ui, |ui| {
            for ask in asks {
                ui.horizontal(|ui| {
                    ui.colored_label(
                        theme::ERROR,
                        format!(
                            "{} refused source “{}”: {}",
                            ask.server, ask.source, ask.why
                        ),
                    );
                    let label = format!("Enter {}…", ask.wanted.prompt().to_lowercase());
                    if ui.button(label).clicked() {
                        *state = CredentialUi {
                            open: Some(ask.clone()),
                            ..CredentialUi::default()
                        };
                    }
                });
            }
        });
    }
    dialog(ui.ctx(), state, commands);
}

/// The masked field, where it will be kept, and the buttons.
fn dialog(ctx: &egui::Context, state: &mut CredentialUi, commands: &mut Vec<Command>) {
    let Some(ask) = state.open.clone() else {
        return;
    };
    let mut cancel = false;
    egui::Window::new(format!("Credential for “{}”", ask.source))
        .collapsible(false)
        .resizable(false)
        .anchor(Align2::CENTER_CENTER, [0.0, 0.0])
        .show(ctx, |ui| {
            ui.label(format!("{} turned down what was sent.", ask.server));
            ui.label(format!(
                "Enter it once: it is kept in the desktop keyring as {}, and the layout \
                 names that entry, never the secret.",
                ask.reference()
            ));
            ui.add_space(6.0);
            let label = ui.label(RichText::new(ask.wanted.prompt()).strong());
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut state.typed)
                        .password(true)
                        .desired_width(360.0),
                )
                .labelled_by(label.id);
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if let Some(error) = &state.error {
                ui.colored_label(theme::ERROR, error);
            }
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                let ready = !state.typed.is_empty() && !state.storing;
                let store = ui.add_enabled(ready, egui::Button::new("Store in keyring"));
                if ready && (store.clicked() || entered) {
                    state.storing = true;
                    state.error = None;
                    commands.push(Command::StoreCredential {
                        ask: ask.clone(),
                        secret: Secret::new(std::mem::take(&mut state.typed)),
                    });
                }
                if state.storing {
                    ui.spinner();
                }
                if ui.button("Cancel").clicked() {
                    cancel = true;
                }
            });
        });
    if cancel {
        state.close();
    }
}
