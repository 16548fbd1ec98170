//! The window's side of a credential a server refused: the secret the user typed
//! goes to the desktop keyring on the runtime (D-Bus is I/O, never the UI
//! thread's), and once it is there the layout is changed to name the entry —
//! through edit mode, so the save keeps the file's comments, is atomic and does
//! not overwrite someone else's edit — and the source connects again with it.

use super::{FleetApp, editing};
use crate::background::{Slot, in_background, take};
use crate::credential::{Ask, Secret};
use crate::edit::EditCommand;

/// A credential on its way into the keyring.
pub(super) struct Storing {
    ask: Ask,
    stored: Slot<Result<(), String>>,
}

impl FleetApp {
    /// Stores `secret` in the keyring entry of `ask`, in the background.
    pub(super) fn store_credential(&mut self, ask: Ask, secret: Secret) {
        let dialog = &mut self.ui_state.credential;
        if !editing::is_file_path(&self.live.session.dashboard().path) {
            dialog.failed("this layout is built in: save it as a file first (edit mode, Save as…)");
            return;
        }
        let (Some(runtime), Some(wake)) = (&self.runtime, self.live.wake()) else {
            return;
        };
        let (service, account) = ask.entry();
        let handle = runtime.clone();
        let stored = in_background(runtime, wake.clone(), move || {
            handle.block_on(crate::source::http::keyring::store(
                service,
                &account,
                secret.expose(),
            ))
        });
        dialog.storing = true;
        self.credential = Some(Storing { ask, stored });
    }

    /// Follows a store that finished: on success the layout names the entry and
    /// the dialog closes; on failure the dialog says why and stays open.
    pub(super) fn take_stored_credential(&mut self) {
        let Some(result) = self.credential.as_ref().and_then(|s| take(&s.stored)) else {
            return;
        };
        let Some(Storing { ask, .. }) = self.credential.take() else {
            return;
        };
        match result {
            Ok(()) => {
                self.ui_state.credential.close();
                self.name_stored_credential(&ask);
            }
            Err(error) => self
                .ui_state
                .credential
                .failed(&format!("not stored in the keyring: {error}")),
        }
    }

    /// Changes the layout to read `ask`'s secret from its keyring entry and saves
    /// it (or, with unsaved edits, adds the change to them); a layout that named
    /// the entry already only reconnects, to read the new secret.
    fn name_stored_credential(&mut self, ask: &Ask) {
        let reference = ask.reference();
        let edit = EditCommand::SetSourceSecret {
            source: ask.source.to_string(),
            place: ask.wanted.place(),
            reference: reference.clone(),
        };
        let had_edits = self.editing.is_dirty();
        self.editing.message = None;
        let background = self.runtime.as_ref().zip(self.live.wake());
        let after = self
            .editing
            .apply(&edit, self.live.session.dashboard(), background);
        let what = ask.wanted.prompt();
        self.notice = Some(match after {
            editing::After::Recompile if had_edits => {
                self.show_edited();
                format!(
                    "{what} stored in the keyring as {reference}; the layout's reference to it joined your unsaved edits: save them in edit mode"
                )
            }
            editing::After::Recompile => {
                // The new source replaces the session, which forgets its wake
                // until its first frame: the save is woken by this one.
                let wake = self.live.wake().cloned();
                self.show_edited();
                let background = self.runtime.as_ref().zip(wake.as_ref());
                self.editing.apply(
                    &EditCommand::Save,
                    self.live.session.dashboard(),
                    background,
                );
                format!(
                    "{what} stored in the keyring as {reference}; the layout now names that entry"
                )
            }
            _ if self.editing.message.is_some() => format!(
                "{what} stored in the keyring as {reference}, but the layout could not name it: {}",
                self.editing.message.take().unwrap_or_default()
            ),
            editing::After::Nothing | editing::After::Reload => {
                // The layout named this entry already: connect again to read it.
                let same = (**self.live.session.dashboard()).clone();
                self.replace_dashboard(same);
                format!("{what} replaced in the keyring entry {reference}")
            }
        });
    }
}
