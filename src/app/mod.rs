//! The eframe application: the window's front end to a [`Session`]. It owns what
//! only a window has — the time range the user picked, the pixels, the layout
//! file's watcher, acknowledgements and the saved history — and drives the session
//! each frame: drain results (time-boxed), draw, apply the commands the UI queued.

pub mod background;
pub mod editing;
pub mod explore;
pub mod keep;
pub mod picker;
pub mod reload;
pub mod share;
pub mod variables;
pub mod view;

use crate::clock::{Clock, DisplayZone};
use crate::dashboard::Dashboard;
use crate::session::{Session, View};
use crate::ui;
use keep::Keeper;
use std::sync::Arc;
use std::time::Duration;
pub use view::{Command, ViewState};

/// Longest the UI thread spends applying poll results in one frame; the rest waits
/// for the next frame so input stays responsive during a burst.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);

/// Light or dark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Dark, the default: easier on a wall display and at night.
    #[default]
    Dark,
    /// Light, for bright rooms and printouts.
    Light,
}

/// Settings fixed for the app's lifetime.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppOptions {
    /// Where "now" comes from.
    pub clock: Clock,
    /// Time zone of the timestamps shown.
    pub zone: DisplayZone,
    /// Colour theme.
    pub theme: Theme,
    /// Send a desktop notification when an alarm starts firing.
    pub notify: bool,
}

/// The dashboard window.
pub struct FleetApp {
    session: Session,
    view: ViewState,
    options: AppOptions,
    runtime: Option<tokio::runtime::Handle>,
    /// Acknowledgements and the alarm history on disk.
    keeper: Keeper,
    /// Desktop notifications for new firings.
    notifier: crate::alarm::notify::Notifier,
    ui_state: ui::UiState,
    commands: Vec<Command>,
    watcher: Option<reload::LayoutWatcher>,
    layout_error: Option<String>,
    variables: variables::Variables,
    editing: editing::Editing,
    /// A "Reload" asked in edit mode, until the file is read.
    reading: Option<background::Slot<reload::Reloaded>>,
    /// Repaints the window from the runtime (sources, watcher, saves).
    wake: Option<Arc<dyn Fn() + Send + Sync>>,
    /// The layout picker: listing, opening, a switch waiting for an answer.
    picker: picker::PickerState,
    /// Notes pinned on the timeline, and the file beside the layout they are
    /// kept in.
    notes: Vec<crate::notes::Note>,
    notes_path: Option<std::path::PathBuf>,
    /// Shown above the dashboard: an opened incident file says what it is.
    notice: Option<String>,
    /// An incident file being written, and what became of it.
    incident_save: Option<background::Slot<Result<String, String>>>,
    /// The Explore window's panes and query history.
    explore: explore::Explore,
    /// An "Add to layout" from Explore waiting for its save.
    explore_adding: bool,
}

impl FleetApp {
    /// A window on `dashboard`; call [`FleetApp::with_runtime`] to let it poll.
    pub fn new(dashboard: Dashboard, options: AppOptions) -> FleetApp {
        let session = Session::new(Arc::new(dashboard), options.clock);
        let view = ViewState::new(
            session.dashboard().time.clone(),
            session.dashboard().refresh,
        );
        FleetApp {
            session,
            view,
            options,
            runtime: None,
            keeper: Keeper::new(crate::persist::Writer::global()),
            notifier: crate::alarm::notify::Notifier::new(options.notify),
            ui_state: ui::UiState::default(),
            commands: Vec::new(),
            watcher: None,
            layout_error: None,
            variables: variables::Variables::default(),
            editing: editing::Editing::default(),
            reading: None,
            wake: None,
            picker: picker::PickerState::default(),
            notes: Vec::new(),
            notes_path: None,
            notice: None,
            incident_save: None,
            explore: explore::Explore::default(),
            explore_adding: false,
        }
    }

    /// Keeps Explore's query history in `path` across restarts (read now).
    pub fn with_explore_history(mut self, path: std::path::PathBuf) -> Self {
        self.explore = explore::Explore::with_history_file(path);
        self
    }

    /// The Explore window's panes and history.
    pub fn explore(&self) -> &explore::Explore {
        &self.explore
    }

    /// A read-only, offline window on an incident file: its layout over its range,
    /// drawn from the series it keeps; no source is ever asked (the window gets
    /// no runtime), so zoom and pan move within what was captured.
    pub fn from_incident(
        incident: &crate::incident::Incident,
        path: &std::path::Path,
        options: AppOptions,
    ) -> Result<FleetApp, crate::layout::LayoutErrors> {
        let dashboard =
            crate::layout::compile_text(&incident.layout_text, path, &incident.choices)?;
        let mut app = FleetApp::new(dashboard, options);
        app.session.load_incident(incident);
        let at = |ms: i64| {
            chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms).unwrap_or_default()
        };
        let range = crate::time_range::TimeRange {
            from: crate::time_range::TimeExpr::Absolute(at(incident.start_ms)),
            to: crate::time_range::TimeExpr::Absolute(at(incident.end_ms)),
        };
        app.view = ViewState::new(range, app.session.dashboard().refresh);
        app.session.set_view(app.session_view());
        app.notes = incident.notes.clone();
        let zone = options.zone;
        app.notice = Some(format!(
            "incident snapshot of {} – {}, taken {} ({}; read-only, nothing is fetched)",
            zone.format(incident.start_ms, "%Y-%m-%d %H:%M"),
            zone.format(incident.end_ms, "%Y-%m-%d %H:%M"),
            zone.format(incident.taken_at_ms, "%Y-%m-%d %H:%M"),
            incident.layout_name
        ));
        Ok(app)
    }

    /// Keeps notes in `path` (read now, before the window opens).
    pub fn with_notes_file(mut self, path: &std::path::Path) -> Self {
        self.notes = crate::notes::read(path);
        self.notes_path = Some(path.to_owned());
        self
    }

    /// The notes pinned on the timeline.
    pub fn notes(&self) -> &[crate::notes::Note] {
        &self.notes
    }

    /// The layout picker's listing and pending switch.
    pub fn picker(&self) -> &picker::PickerState {
        &self.picker
    }

    /// Edit mode: the editing session, the form's panel, problems and messages.
    pub fn editing(&self) -> &editing::Editing {
        &self.editing
    }

    /// Compiles the layout for `selection` (saved, then from the command line) and
    /// keeps later choices in `saved_path`. Called before the window opens.
    pub fn with_variables(
        mut self,
        selection: crate::variables::Selection,
        saved_path: Option<std::path::PathBuf>,
    ) -> Result<Self, crate::layout::LayoutErrors> {
        self.variables = variables::Variables::new(selection, saved_path);
        let dashboard = self.variables.recompile(self.session.dashboard())?;
        self.session = Session::new(Arc::new(dashboard), self.options.clock);
        Ok(self)
    }

    /// Opens on `range` instead of the layout's own: an absolute range opens
    /// paused on it (Resume goes to the layout's live range).
    pub fn with_range(mut self, range: crate::time_range::TimeRange) -> Self {
        let live = self.session.dashboard().time.clone();
        self.view = ViewState::new(range, self.session.dashboard().refresh);
        if !self.view.range.is_live() {
            self.view.resume_to = Some(live);
        }
        self.session.set_view(self.session_view());
        self
    }

    /// Brings the panel titled `title` into view and outlines it.
    pub fn with_focus(mut self, title: &str) -> anyhow::Result<Self> {
        let Some(panel) = self.session.dashboard().panel_by_title(title) else {
            anyhow::bail!("--panel: the layout has no panel titled `{title}`");
        };
        self.ui_state.focus = Some((panel.id.clone(), 5.0));
        Ok(self)
    }

    /// The command line that reopens what is on screen (and `panel`), for "Copy link".
    pub fn share_link(&self, panel: Option<&str>) -> String {
        let window = self.view.window(self.options.clock.now());
        let dashboard = self.session.dashboard();
        share::command_line(&dashboard.path, window, &dashboard.selection, panel)
    }

    /// The window's template variables: choices, offered values, errors.
    pub fn variables(&self) -> &variables::Variables {
        &self.variables
    }

    /// Lets the app poll its sources on `runtime`; polling starts at the first frame,
    /// once the panels' widths are known.
    pub fn with_runtime(mut self, runtime: tokio::runtime::Handle) -> FleetApp {
        self.runtime = Some(runtime);
        self
    }

    /// Writes files through `writer` instead of the process's (tests watch theirs).
    pub fn with_writer(mut self, writer: crate::persist::Writer) -> FleetApp {
        self.keeper = Keeper::new(writer);
        self
    }

    /// Keeps acknowledgements in `path` across restarts.
    pub fn with_ack_file(mut self, path: &std::path::Path) -> Self {
        self.keeper.load_acks(path);
        self
    }

    /// Keeps the alarm history in `path` across restarts: restores what an earlier
    /// run saved there, and saves it as it changes.
    pub fn with_history_file(mut self, path: &std::path::Path) -> Self {
        let now_ms = self.options.clock.now().timestamp_millis();
        self.keeper.restore_history(path, &mut self.session, now_ms);
        self
    }

    /// The session the window drives.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The mutable session, for benchmarks and tests that load data directly.
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// Replaces the clock the window is drawn by: a benchmark steps a fixed clock
    /// by hand to measure the frame after time moved. (A running poller keeps the
    /// clock it started with.)
    pub fn set_clock(&mut self, clock: Clock) {
        self.options.clock = clock;
    }

    /// The dashboard shown.
    pub fn dashboard(&self) -> &Dashboard {
        self.session.dashboard()
    }

    /// The time range state.
    pub fn view(&self) -> &ViewState {
        &self.view
    }

    /// Why the last edit of the layout file was refused, while the last good
    /// version stays on screen.
    pub fn layout_error(&self) -> Option<&str> {
        self.layout_error.as_deref()
    }

    /// Whether this firing of `alarm` was acknowledged.
    pub fn is_acknowledged(&self, alarm: &crate::alarm::Alarm) -> bool {
        self.keeper.acks().contains(alarm)
    }

    /// Queues a command, as a UI widget would.
    pub fn queue(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Draws one frame into `ui`: drains results, draws, applies queued commands.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        // `RUST_LOG=fleetdeck::app=trace` counts frames, to see what a live
        // dashboard draws per refresh.
        let ctx = ui.ctx().clone();
        tracing::trace!(causes = ?ctx.repaint_causes(), "frame");
        self.take_layout_update();
        self.take_save_outcome(&ctx);
        // A Grafana dashboard dropped onto the window is imported.
        let dropped: Vec<std::path::PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|file| file.path().to_owned())
                .filter(|path| path.extension().is_some_and(|e| e == "json"))
                .collect()
        });
        for path in dropped {
            self.open_layout(picker::Target::Grafana(path), false);
        }
        if let Some(saved) = self.incident_save.as_ref().and_then(background::take) {
            self.incident_save = None;
            self.notice = Some(match saved {
                Ok(message) => message,
                Err(error) => format!("the incident was not saved: {error}"),
            });
        }
        if let Some(opened) = self.picker.take_answers() {
            self.switch_to(opened, &ctx);
        }
        self.edit_keys(&ctx);
        if ctx.input(|i| i.viewport().close_requested())
            && self.editing.is_dirty()
            && !self.editing.discarded
        {
            // Unsaved edits: ask before they are lost.
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.editing.asking_close = true;
        }
        if self.editing.asking_close && !self.editing.is_dirty() && !self.editing.is_saving() {
            // Saved while asked to close: close now.
            self.editing.asking_close = false;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        if self.variables.take_answers() {
            self.recompile_for_variables();
        }
        if self.session.drain(DRAIN_BUDGET) | self.explore.drain(DRAIN_BUDGET) {
            ui::repaint_once(&ctx);
        }
        if self.explore_adding && !self.editing.is_saving() {
            self.explore_adding = false;
            self.explore.message = self.editing.message.clone();
        }
        let now = self.options.clock.now();
        let now_ms = now.timestamp_millis();
        self.session.evaluate_rules(now_ms);
        self.keeper.after_frame(&mut self.session, now_ms);
        if let Some(runtime) = &self.runtime {
            self.notifier.update(
                self.session.all_alarms(),
                now_ms,
                self.view.refresh,
                runtime,
            );
        }
        let spans = self.session.alarms().firing_spans();
        let usage = self.session.usage();
        let save_failures = self.keeper.failures();
        let frame = ui::FrameInput {
            session: &self.session,
            view: &self.view,
            window: self.view.window(now),
            now,
            zone: self.options.zone,
            layout_error: self.layout_error.as_deref(),
            usage: &usage,
            firing_spans: &spans,
            acked: self.keeper.acks().keys(),
            save_failures: &save_failures,
            wall: None,
            variables: Some(&self.variables),
            editing: Some(&self.editing),
            picker: Some(&self.picker),
            notes: &self.notes,
            notice: self.notice.as_deref(),
            explore: self.runtime.is_some().then_some(&self.explore),
        };
        let output = ui::dashboard(ui, &frame, &mut self.ui_state, &mut self.commands);
        self.follow_widths(&ctx, &output.plot_widths);
        self.explore
            .follow(&self.session_view(), &output.explore_widths);
        self.apply_commands(&ctx, now);
        if self.view.is_live() {
            // Keeps "stale since" and the x axis honest even if a source goes quiet.
            // Twice the refresh: while sources answer, their wakes draw every
            // refresh, and a timer at the refresh itself would add a second frame
            // a few milliseconds before each of them.
            ctx.request_repaint_after(self.view.refresh * 2);
        }
    }

    /// Swaps in a newly saved layout, or records why it was refused.
    fn take_layout_update(&mut self) {
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
        match update.and_then(|dashboard| self.variables.recompile(&dashboard)) {
            Ok(dashboard) => {
                self.variables.dashboard_replaced();
                self.replace_dashboard(dashboard);
            }
            Err(errors) => self.layout_error = Some(errors.to_string()),
        }
    }

    /// Shows the edited text: compiled for the window's variables, swapped in so
    /// only queries whose request changed are fetched again. Text that does not
    /// compile leaves the last good dashboard on screen and says why.
    fn show_edited(&mut self) {
        let Some(editor) = self.editing.editor() else {
            return;
        };
        let text = editor.text();
        let path = editor.path().to_owned();
        match crate::layout::compile_text(&text, &path, self.variables.choices()) {
            Ok(dashboard) => {
                self.editing.problems = None;
                if dashboard.sources == self.session.dashboard().sources {
                    self.session.set_dashboard(Arc::new(dashboard));
                } else {
                    self.replace_dashboard(dashboard);
                }
            }
            Err(errors) => self.editing.problems = Some(errors.to_string()),
        }
    }

    /// Captures the window shown (every panel over it, and context around it) into
    /// an incident file at `path`, on the runtime; the notice says how it went.
    fn save_incident(&mut self, path: std::path::PathBuf, now: chrono::DateTime<chrono::Utc>) {
        let (Some(runtime), Some(wake)) = (&self.runtime, &self.wake) else {
            return;
        };
        let dashboard = self.session.dashboard().clone();
        let window = self.view.window(now);
        let clock = self.options.clock;
        let notes = self.notes.clone();
        let handle = runtime.clone();
        self.notice = Some(format!("saving the incident to {}…", path.display()));
        self.incident_save = Some(background::in_background(
            runtime,
            wake.clone(),
            move || {
                let incident = handle.block_on(crate::incident::capture::capture(
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
    fn open_layout(&mut self, target: picker::Target, new_window: bool) {
        let (Some(runtime), Some(wake)) = (&self.runtime, &self.wake) else {
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
    fn switch_to(&mut self, opened: picker::Opened, ctx: &egui::Context) {
        let dashboard = match opened.dashboard {
            Ok(dashboard) => dashboard,
            Err(errors) => {
                self.layout_error = Some(errors.to_string());
                return;
            }
        };
        self.variables = variables::Variables::new(opened.selection, opened.selection_path);
        let dashboard = match self.variables.recompile(&dashboard) {
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
            self.session.dashboard().title
        )));
    }

    /// Drops the edits and reads the file again, on the runtime.
    fn reload_from_disk(&mut self) {
        let path = self.session.dashboard().path.clone();
        if let (Some(runtime), Some(wake), true) =
            (&self.runtime, &self.wake, editing::is_file_path(&path))
        {
            self.reading = Some(background::in_background(
                runtime,
                wake.clone(),
                move || crate::layout::load_layout(&path),
            ));
        }
    }

    /// Follows a save that finished: after "Save as" the window shows and watches
    /// the new file.
    fn take_save_outcome(&mut self, ctx: &egui::Context) {
        let Some(path) = self.editing.take_save_outcome() else {
            return;
        };
        if path == self.session.dashboard().path {
            return;
        }
        self.show_edited();
        if let (Some(runtime), Some(wake)) = (&self.runtime, &self.wake) {
            self.watcher = Some(reload::LayoutWatcher::start(runtime, path, wake.clone()));
        }
        ctx.send_viewport_cmd(egui::ViewportCommand::Title(format!(
            "fleetdeck — {}",
            self.session.dashboard().title
        )));
    }

    /// The editing keys: `e` toggles edit mode (outside text fields); in edit mode
    /// Ctrl+Z undoes, Ctrl+Shift+Z redoes, Ctrl+S saves.
    fn edit_keys(&mut self, ctx: &egui::Context) {
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
    fn recompile_for_variables(&mut self) {
        match self.variables.recompile(self.session.dashboard()) {
            Ok(dashboard) => {
                self.session.set_dashboard(Arc::new(dashboard));
                self.layout_error = None;
                // A variable whose values depend on one that changed is asked again.
                if let (Some(runtime), Some(wake)) = (&self.runtime, &self.wake) {
                    self.variables
                        .request_options(runtime, &self.session, wake.clone());
                }
            }
            Err(errors) => self.layout_error = Some(errors.to_string()),
        }
    }

    /// Shows `dashboard` instead of the current one: a new session, which takes over
    /// the alarm history (keyed by panel ids, so moved panels keep their bands). The
    /// user's current range is kept unless the file's default range changed.
    fn replace_dashboard(&mut self, dashboard: Dashboard) {
        if dashboard.time != self.session.dashboard().time {
            self.view = ViewState::new(dashboard.time.clone(), dashboard.refresh);
        } else {
            self.view.refresh = dashboard.refresh;
        }
        let mut next = Session::new(Arc::new(dashboard), self.options.clock);
        next.adopt_history(&mut self.session);
        next.set_view(self.session_view());
        // The old session's poller stops when it is dropped here; the new one starts
        // polling at the end of this frame, once the panels' widths are known.
        self.session = next;
        self.layout_error = None;
        self.ui_state = ui::UiState::default();
    }

    fn session_view(&self) -> View {
        View {
            range: self.view.range.clone(),
            refresh: self.view.refresh,
            live: self.view.is_live(),
        }
    }

    /// Starts polling on the first frame (and watching the layout file); follows the
    /// panels' widths after that.
    fn follow_widths(
        &mut self,
        ctx: &egui::Context,
        widths: &std::collections::BTreeMap<crate::dashboard::PanelId, u32>,
    ) {
        self.session.set_widths(widths);
        let Some(runtime) = &self.runtime else {
            return;
        };
        if self.session.is_polling() {
            return;
        }
        let wake_ctx = ctx.clone();
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(move || ui::repaint_once(&wake_ctx));
        self.wake = Some(wake.clone());
        let path = self.session.dashboard().path.clone();
        if self.watcher.is_none() && path.is_file() {
            self.watcher = Some(reload::LayoutWatcher::start(runtime, path, wake.clone()));
        }
        self.variables
            .request_options(runtime, &self.session, wake.clone());
        self.session.start(runtime, wake);
    }

    fn apply_commands(&mut self, ctx: &egui::Context, now: chrono::DateTime<chrono::Utc>) {
        let mut refetch = false;
        for command in std::mem::take(&mut self.commands) {
            match &command {
                Command::BrowseMetrics(source) => self.browse(ctx, source, None),
                Command::BrowseLabels { source, metric } => self.browse(ctx, source, Some(metric)),
                Command::Acknowledge(key) => self.keeper.acknowledge(key.clone()),
                Command::Explore(asked) => self.explore_command(asked.clone()),
                Command::Edit(edit) => {
                    let background = self.runtime.as_ref().zip(self.wake.as_ref());
                    let after = self
                        .editing
                        .apply(edit, self.session.dashboard(), background);
                    match after {
                        editing::After::Recompile => self.show_edited(),
                        editing::After::Reload => self.reload_from_disk(),
                        editing::After::Nothing => {}
                    }
                }
                Command::Compare { panel, shift } => {
                    let mut compare = self.session.compare().clone();
                    match panel {
                        Some(panel) => {
                            compare.panels.insert(panel.clone(), *shift);
                        }
                        None => {
                            compare.all = *shift;
                            compare.panels.clear();
                        }
                    }
                    self.session.set_compare(compare);
                }
                Command::CompareThreshold(percent) => {
                    let mut compare = self.session.compare().clone();
                    compare.min_change_percent = percent.max(0.0);
                    self.session.set_compare(compare);
                }
                Command::NewNote { start_ms, end_ms } => {
                    self.ui_state.note_draft = Some(ui::notes::Draft {
                        start_ms: *start_ms,
                        end_ms: *end_ms,
                        text: String::new(),
                    });
                }
                Command::AddNote(note) => {
                    self.notes.push(note.clone());
                    self.notes.sort_by_key(|n| n.start_ms());
                    if let Some(path) = &self.notes_path {
                        self.keeper.writer().save(
                            path,
                            crate::notes::to_bytes(&self.notes),
                            "notes",
                        );
                    }
                }
                Command::SaveIncident(path) => self.save_incident(path.clone(), now),
                Command::CopyLink(panel) => {
                    let title = panel
                        .as_ref()
                        .and_then(|id| self.session.dashboard().panel(id))
                        .map(|p| p.title.clone());
                    ctx.copy_text(self.share_link(title.as_deref()));
                }
                Command::ListLayouts => {
                    if let (Some(runtime), Some(wake)) = (&self.runtime, &self.wake) {
                        let mut folders = vec![std::path::PathBuf::from("layouts")];
                        if let Some(folder) = self.session.dashboard().path.parent()
                            && !folder.as_os_str().is_empty()
                        {
                            folders.push(folder.to_owned());
                        }
                        self.picker.refresh(runtime, wake.clone(), folders);
                    }
                }
                Command::OpenLayout { target, new_window } => {
                    self.open_layout(target.clone(), *new_window);
                }
                Command::ConfirmOpen { discard } => {
                    let pending = self.picker.pending.take();
                    if let (true, Some(target)) = (*discard, pending) {
                        self.editing.close_editor();
                        self.open_layout(target, false);
                    }
                }
                Command::SetVariable { name, selected } => {
                    self.variables
                        .select(name, selected.clone(), self.keeper.writer());
                    self.recompile_for_variables();
                }
                Command::FocusAlarm { panel, .. } => {
                    if let Some(panel) = panel {
                        let until = ctx.input(|i| i.time) + 3.0;
                        self.ui_state.focus = Some((panel.clone(), until));
                    }
                    refetch |= self.view.apply(&command, now);
                }
                _ => refetch |= self.view.apply(&command, now),
            }
        }
        if refetch {
            self.session.set_view(self.session_view());
        }
    }

    /// Carries out something asked of Explore.
    fn explore_command(&mut self, asked: explore::ExploreCommand) {
        use explore::{ExploreCommand, PANE_IDS};
        let left = crate::dashboard::PanelId::from(PANE_IDS[0]);
        let right = crate::dashboard::PanelId::from(PANE_IDS[1]);
        match asked {
            ExploreCommand::Open(panel) => {
                self.explore.open = true;
                self.explore.ensure_pane(&left);
                let dashboard = self.session.dashboard().clone();
                let from_panel = panel
                    .map(|panel| crate::explore::query::from_panel(&dashboard, &panel))
                    .unwrap_or_default();
                if from_panel.is_empty() {
                    let drafts = self.ui_state.explore.drafts.entry(left).or_default();
                    if drafts.is_empty()
                        && let Some((id, spec)) = dashboard
                            .sources
                            .iter()
                            .find(|(_, s)| crate::explore::query::can_query(s.kind()))
                    {
                        drafts.push(crate::explore::ExploreQuery::new(
                            id.as_str(),
                            crate::explore::query::starter_text(spec.kind()),
                        ));
                    }
                } else {
                    self.ui_state
                        .explore
                        .drafts
                        .insert(left.clone(), from_panel.clone());
                    self.run_explore(&left, from_panel);
                }
            }
            ExploreCommand::Close => {
                self.explore.close();
                self.ui_state.explore.drafts.clear();
            }
            ExploreCommand::Split => {
                let queries = self
                    .ui_state
                    .explore
                    .drafts
                    .get(&left)
                    .cloned()
                    .unwrap_or_default();
                self.ui_state
                    .explore
                    .drafts
                    .insert(right.clone(), queries.clone());
                self.run_explore(&right, queries);
            }
            ExploreCommand::Unsplit => {
                self.explore.unsplit();
                self.ui_state.explore.drafts.remove(&right);
            }
            ExploreCommand::Run { pane, queries } => self.run_explore(&pane, queries),
            ExploreCommand::Star(query) => {
                let now_ms = self.options.clock.now().timestamp_millis();
                self.explore
                    .history
                    .toggle_star(&query.source, &query.text, now_ms);
                self.save_explore_history(self.explore.history.to_bytes());
            }
            ExploreCommand::AddToLayout(pane) => self.add_explored_panel(&pane),
        }
    }

    /// Runs a pane's queries over the window's range, and keeps the history.
    fn run_explore(
        &mut self,
        pane: &crate::dashboard::PanelId,
        queries: Vec<crate::explore::ExploreQuery>,
    ) {
        let context = explore::RunContext {
            dashboard: self.session.dashboard(),
            choices: self.variables.choices(),
            view: self.session_view(),
            clock: self.options.clock,
            background: self.runtime.as_ref().zip(self.wake.as_ref()),
        };
        if let Some(bytes) = self.explore.run(pane, queries, &context) {
            self.save_explore_history(bytes);
        }
    }

    fn save_explore_history(&self, bytes: Vec<u8>) {
        if let Some(path) = self.explore.history_path() {
            self.keeper.writer().save(path, bytes, "Explore history");
        }
    }

    /// "Add to layout": the pane's queries become a panel at the bottom of the
    /// layout, saved through edit mode (atomically, comments kept, not over a
    /// file changed on disk). With unsaved edits, it joins them instead.
    fn add_explored_panel(&mut self, pane: &crate::dashboard::PanelId) {
        use crate::edit::EditCommand;
        let Some(new) = self.explore.new_panel(pane, self.session.dashboard()) else {
            return;
        };
        let was_editing = self.editing.active;
        let had_edits = self.editing.is_dirty();
        let background = self.runtime.as_ref().zip(self.wake.as_ref());
        let added = self.editing.apply(
            &EditCommand::Add(Some(new.clone())),
            self.session.dashboard(),
            background,
        );
        if added != editing::After::Recompile {
            self.explore.message = self.editing.message.clone();
            return;
        }
        self.show_edited();
        if had_edits {
            self.explore.message = Some(format!(
                "added “{}” to your unsaved edits: save them in edit mode",
                new.title
            ));
            return;
        }
        self.editing.active = was_editing;
        if !was_editing {
            self.editing.selected = None;
        }
        let background = self.runtime.as_ref().zip(self.wake.as_ref());
        self.editing
            .apply(&EditCommand::Save, self.session.dashboard(), background);
        self.explore.message = Some(format!("adding “{}” to the layout…", new.title));
        self.explore_adding = true;
    }

    /// Loads the metric list (or one metric's labels) of a source into the metric
    /// browser in the background; the window shows "loading…" until it arrives.
    fn browse(
        &mut self,
        ctx: &egui::Context,
        source_name: &str,
        metric: Option<&crate::source::browse::MetricInfo>,
    ) {
        let (Some(runtime), Some(source)) = (&self.runtime, self.session.source(source_name))
        else {
            return;
        };
        let browser = &self.ui_state.browser;
        match metric.cloned() {
            None => fill_slot(runtime, ctx, &browser.metrics, async move {
                source.list_metrics().await
            }),
            Some(metric) => fill_slot(runtime, ctx, &browser.labels, async move {
                source.label_values(&metric).await
            }),
        }
    }
}

impl eframe::App for FleetApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    /// Saves the alarm history once more, so the next run knows how long the
    /// alarms it left open were still seen, and waits for the writer.
    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        let now_ms = self.options.clock.now().timestamp_millis();
        self.keeper.on_exit([&self.session], now_ms);
    }
}

/// Empties `slot` (the browser shows "loading…"), then fills it with the answer of
/// `fetch` on the runtime and wakes the UI.
fn fill_slot<T: Send + 'static>(
    runtime: &tokio::runtime::Handle,
    ctx: &egui::Context,
    slot: &ui::browser::Slot<T>,
    fetch: impl Future<Output = Result<T, crate::source::SourceError>> + Send + 'static,
) {
    let set = |slot: &ui::browser::Slot<T>, value| {
        *slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = value;
    };
    set(slot, None);
    let (slot, ctx) = (slot.clone(), ctx.clone());
    runtime.spawn(async move {
        set(&slot, Some(fetch.await.map_err(|e| e.to_string())));
        ctx.request_repaint();
    });
}

/// Applies the theme to an egui context.
pub fn apply_theme(ctx: &egui::Context, theme: Theme) {
    ctx.set_theme(match theme {
        Theme::Dark => egui::Theme::Dark,
        Theme::Light => egui::Theme::Light,
    });
}
