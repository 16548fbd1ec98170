//! The window's layout file: a new version read by the watcher, edit mode's
//! text shown, a save's outcome, opening another layout (here or in a new
//! window), reading the file again, and keeping an incident of what is shown.

use super::{Command, FleetApp, background, editing, picker, reload, ui, variables};
use crate::dashboard::Dashboard;
use crate::session::{Session, View};
use crate::view::ViewState;
use std::sync::Arc;

impl FleetApp {
    /// Swaps in a newly saved layout, or records why it was refused.
    pub(super) fn take_layout_update(&mut self) {
        let read = self
            .reading
            .as_ref()
            .and_then(|slot| slot.lock().ok()?.take());
        if read.is_some() {
            self.reading = None;
        }
        let watched = self
            .watcher
            .as_mut()
            .and_then(reload::LayoutWatcher::latest);
        let Some(update) = read.or(watched) else {
            return;
        };
        if let Ok(dashboard) = &update {
            if self.editing.is_own_text(&dashboard.source_text) {
                return; // the editor's own save coming back
            }
            if self.editing.is_dirty() {
                self.editing.message = Some(
                    "the file changed on disk: your edits are kept; saving will ask what to do"
                        .to_owned(),
                );
                return;
            }
            self.editing.close_editor();
        }
        // The file's new text, compiled for the window's choices.
        match update.and_then(|dashboard| self.live.variables.recompile(&dashboard)) {
            Ok(dashboard) => {
                self.live.variables.dashboard_replaced();
                self.replace_dashboard(dashboard);
            }
            Err(errors) => self.layout_error = Some(errors.to_string()),
        }
    }

    /// Shows the edited text: compiled for the window's variables, swapped in so
    /// only queries whose request changed are fetched again. Text that does not
    /// compile leaves the last good dashboard on screen and says why.
    pub(super) fn show_edited(&mut self) {
        let Some(editor) = self.editing.editor() else {
            return;
        };
        let text = editor.text();
        let path = editor.path().to_owned();
        match crate::layout::compile_text(&text, &path, self.live.variables.choices()) {
            Ok(dashboard) => {
                self.editing.problems = None;
                if dashboard.sources == self.live.session.dashboard().sources {
                    self.live.session.set_dashboard(Arc::new(dashboard));
                } else {
                    self.replace_dashboard(dashboard);
                }
            }
            Err(errors) => self.editing.problems = Some(errors.to_string()),
        }
    }

    /// Captures the window shown (every panel over it, and context around it) into
    /// an incident file at `path`, on the runtime; the notice says how it went.
    pub(super) fn save_incident(
        &mut self,
        path: std::path::PathBuf,
        now: chrono::DateTime<chrono::Utc>,
    ) {
        let (Some(runtime), Some(wake)) = (&self.runtime, self.live.wake()) else {
            return;
        };
        let dashboard = self.live.session.dashboard().clone();
        let window = self.view.window(now);
        let clock = self.options.clock;
        let notes = self.notes.clone();
        let handle = runtime.clone();
        self.notice = Some(format!("saving the incident to {}…", path.display()));
        self.incident_save = Some(background::in_background(
            runtime,
            wake.clone(),
            move || {
                let incident = handle.block_on(crate::headless::snapshot::capture(
                    dashboard, window, clock, notes,
                ));
                let bytes = crate::incident::format::to_bytes(&incident)?;
                crate::persist::write_atomically(&path, &bytes).map_err(|e| e.to_string())?;
                Ok(format!(
                    "incident saved to {} ({} bytes)",
                    path.display(),
                    bytes.len()
                ))
            },
        ));
    }

    /// Opens `target` here (once unsaved edits are dealt with) or in a new window.
    pub(super) fn open_layout(&mut self, target: picker::Target, new_window: bool) {
        let (Some(runtime), Some(wake)) = (&self.runtime, self.live.wake()) else {
            return;
        };
        if new_window {
            let picker::Target::File(path) = target else {
                return;
            };
            // Another fleetdeck process: its own window, session and files.
            let _ = background::in_background(runtime, wake.clone(), move || {
                std::env::current_exe()
                    .and_then(|exe| std::process::Command::new(exe).arg(path).spawn())
                    .map(drop)
                    .map_err(|error| error.to_string())
            });
            return;
        }
        if self.editing.is_dirty() {
            self.picker.pending = Some(target);
            return;
        }
        self.picker.start_open(runtime, wake.clone(), target);
    }

    /// Shows a layout the picker opened: its own variables, a new session, its
    /// file watched; a new layout starts in edit mode.
    pub(super) fn switch_to(&mut self, opened: picker::Opened, ctx: &egui::Context) {
        let dashboard = match opened.dashboard {
            Ok(dashboard) => dashboard,
            Err(errors) => {
                self.layout_error = Some(errors.to_string());
                return;
            }
        };
        self.live.variables = variables::Variables::new(opened.selection, opened.selection_path);
        let dashboard = match self.live.variables.recompile(&dashboard) {
            Ok(compiled) => compiled,
            Err(errors) => {
                self.layout_error = Some(errors.to_string());
                return;
            }
        };
        let path = dashboard.path.clone();
        let is_new = path.as_os_str() == picker::NEW_LAYOUT_NAME || opened.imported.is_some();
        self.editing = editing::Editing::default();
        self.editing.active = is_new;
        self.notice = opened.notice;
        self.editing.message = opened.imported;
        self.watcher = None;
        self.replace_dashboard(dashboard);
        if editing::is_file_path(&path)
            && let Some((recent, bytes)) = self.picker.opened(&path)
        {
            self.keeper.writer().save(&recent, bytes, "recent layouts");
        }
        ctx.send_viewport_cmd(egui::ViewportCommand::Title(format!(
            "fleetdeck — {}",
            self.live.session.dashboard().title
        )));
    }

    /// Drops the edits and reads the file again, on the runtime.
    pub(super) fn reload_from_disk(&mut self) {
        let path = self.live.session.dashboard().path.clone();
        if let (Some(runtime), Some(wake), true) = (
            &self.runtime,
            self.live.wake(),
            editing::is_file_path(&path),
        ) {
            self.reading = Some(background::in_background(
                runtime,
                wake.clone(),
                move || crate::layout::load_layout(&path),
            ));
        }
    }

    /// Follows a save that finished: after "Save as" the window shows and watches
    /// the new file.
    pub(super) fn take_save_outcome(&mut self, ctx: &egui::Context) {
        let Some(path) = self.editing.take_save_outcome() else {
            return;
        };
        if path == self.live.session.dashboard().path {
            return;
        }
        self.show_edited();
        if let (Some(runtime), Some(wake)) = (&self.runtime, self.live.wake()) {
            self.watcher = Some(reload::LayoutWatcher::start(runtime, path, wake.clone()));
        }
        ctx.send_viewport_cmd(egui::ViewportCommand::Title(format!(
            "fleetdeck — {}",
            self.live.session.dashboard().title
        )));
    }

    /// The editing keys: `e` toggles edit mode (outside text fields); in edit mode
    /// Ctrl+Z undoes, Ctrl+Shift+Z redoes, Ctrl+S saves.
    pub(super) fn edit_keys(&mut self, ctx: &egui::Context) {
        use crate::edit::EditCommand;
        use egui::{Key, Modifiers};
        let typing = ctx.memory(|m| m.focused().is_some());
        let mut commands = Vec::new();
        ctx.input_mut(|input| {
            if !typing && input.consume_key(Modifiers::NONE, Key::E) {
                commands.push(EditCommand::Toggle);
            }
            if !self.editing.active {
                return;
            }
            if input.consume_key(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z) {
                commands.push(EditCommand::Redo);
            }
            if input.consume_key(Modifiers::COMMAND, Key::Z) {
                commands.push(EditCommand::Undo);
            }
            if input.consume_key(Modifiers::COMMAND, Key::S) {
                commands.push(EditCommand::Save);
            }
        });
        self.commands
            .extend(commands.into_iter().map(Command::Edit));
    }

    /// Follows a change of a variable's value or values: the same layout compiled
    /// for the new choices; only the queries whose request changed are fetched.
    pub(super) fn recompile_for_variables(&mut self) {
        let recompiled = self.live.recompile_for_variables(self.runtime.as_ref());
        self.layout_error = recompiled.err().map(|errors| errors.to_string());
    }

    /// Shows `dashboard` instead of the current one: a new session, which takes over
    /// the alarm history (keyed by panel ids, so moved panels keep their bands). The
    /// user's current range is kept unless the file's default range changed.
    pub(super) fn replace_dashboard(&mut self, dashboard: Dashboard) {
        if dashboard.time != self.live.session.dashboard().time {
            self.view = ViewState::new(dashboard.time.clone(), dashboard.refresh);
        } else {
            self.view.refresh = dashboard.refresh;
        }
        let mut next = Session::new(Arc::new(dashboard), self.options.clock);
        next.set_view(self.session_view());
        // The old session's poller stops when it is dropped; the new one starts
        // polling at the end of this frame, once the panels' widths are known.
        self.live.replace_session(next);
        self.layout_error = None;
        self.ui_state = ui::UiState::default();
    }

    pub(super) fn session_view(&self) -> View {
        View {
            range: self.view.range.clone(),
            refresh: self.view.refresh,
            live: self.view.is_live(),
        }
    }

    /// Follows the panels' widths; on the first frame, polling starts and the
    /// layout file is watched.
    pub(super) fn follow_widths(
        &mut self,
        ctx: &egui::Context,
        widths: &std::collections::BTreeMap<crate::dashboard::PanelId, u32>,
    ) {
        let started = self.live.follow(widths, self.runtime.as_ref(), ctx);
        let path = self.live.session.dashboard().path.clone();
        if let (true, Some(runtime), Some(wake)) = (started, &self.runtime, self.live.wake())
            && self.watcher.is_none()
            && path.is_file()
        {
            self.watcher = Some(reload::LayoutWatcher::start(runtime, path, wake.clone()));
        }
    }
}
