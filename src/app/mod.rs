//! The eframe application: the window's front end to a [`Session`]. It owns what
//! only a window has — the time range the user picked, the pixels, the layout
//! file's watcher, acknowledgements and the saved history — and drives the session
//! each frame: drain results (time-boxed), draw, apply the commands the UI queued.

mod commands;
mod credential;
pub(crate) mod keep;
mod layouts;
pub(crate) mod live;
pub(crate) mod reload;
pub(crate) mod share;
pub(crate) mod variables;

use crate::clock::{Clock, DisplayZone};
use crate::dashboard::Dashboard;
use crate::edit::editing;
use crate::explore::panes as explore;
use crate::session::Session;
use crate::ui;
use crate::view::{Command, ViewState};
use crate::{background, library as picker};
use keep::Keeper;
use std::sync::Arc;
use std::time::Duration;

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
    /// The session and its variables, driven through the steps every front end
    /// with a frame loop takes.
    live: live::Live,
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
    editing: editing::Editing,
    /// A "Reload" asked in edit mode, until the file is read.
    reading: Option<background::Slot<reload::Reloaded>>,
    /// The layout picker: listing, opening, a switch waiting for an answer.
    picker: picker::PickerState,
    /// Notes pinned on the timeline, and the file beside the layout they are
    /// kept in.
    notes: Vec<crate::notes::Note>,
    notes_path: Option<std::path::PathBuf>,
    /// Shown above the dashboard: an opened incident file says what it is.
    notice: Option<String>,
    /// Written when the first-run window closes.
    welcome_mark: Option<std::path::PathBuf>,
    /// An incident file being written, and what became of it.
    incident_save: Option<background::Slot<Result<String, String>>>,
    /// The Explore window's panes and query history.
    explore: explore::Explore,
    /// An "Add to layout" from Explore waiting for its save.
    explore_adding: bool,
    /// A credential a server refused, on its way into the keyring.
    credential: Option<credential::Storing>,
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
            live: live::Live::new(session, variables::Variables::default()),
            view,
            options,
            runtime: None,
            keeper: Keeper::new(crate::persist::Writer::global()),
            notifier: crate::alarm::notify::Notifier::new(options.notify),
            ui_state: ui::UiState::default(),
            commands: Vec::new(),
            watcher: None,
            layout_error: None,
            editing: editing::Editing::default(),
            reading: None,
            picker: picker::PickerState::default(),
            notes: Vec::new(),
            notes_path: None,
            notice: None,
            welcome_mark: None,
            incident_save: None,
            explore: explore::Explore::default(),
            explore_adding: false,
            credential: None,
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
        app.live.session.load_incident(incident);
        let at = |ms: i64| {
            chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms).unwrap_or_default()
        };
        let range = crate::time_range::TimeRange {
            from: crate::time_range::TimeExpr::Absolute(at(incident.start_ms)),
            to: crate::time_range::TimeExpr::Absolute(at(incident.end_ms)),
        };
        app.view = ViewState::new(range, app.live.session.dashboard().refresh);
        app.live.session.set_view(app.session_view());
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
        self.live.variables = variables::Variables::new(selection, saved_path);
        let dashboard = self
            .live
            .variables
            .recompile(self.live.session.dashboard())?;
        self.live.session = Session::new(Arc::new(dashboard), self.options.clock);
        Ok(self)
    }

    /// Opens on `range` instead of the layout's own: an absolute range opens
    /// paused on it (Resume goes to the layout's live range).
    pub fn with_range(mut self, range: crate::time_range::TimeRange) -> Self {
        let live = self.live.session.dashboard().time.clone();
        self.view = ViewState::new(range, self.live.session.dashboard().refresh);
        if !self.view.range.is_live() {
            self.view.resume_to = Some(live);
        }
        self.live.session.set_view(self.session_view());
        self
    }

    /// Brings the panel titled `title` into view and outlines it.
    pub fn with_focus(mut self, title: &str) -> anyhow::Result<Self> {
        let Some(panel) = self.live.session.dashboard().panel_by_title(title) else {
            anyhow::bail!("--panel: the layout has no panel titled `{title}`");
        };
        self.ui_state.focus = Some((panel.id.clone(), 5.0));
        Ok(self)
    }

    /// The command line that reopens what is on screen (and `panel`), for "Copy link".
    pub(crate) fn share_link(&self, panel: Option<&str>) -> String {
        let window = self.view.window(self.options.clock.now());
        let dashboard = self.live.session.dashboard();
        share::command_line(&dashboard.path, window, &dashboard.selection, panel)
    }

    /// The window's template variables: choices, offered values, errors.
    pub fn variables(&self) -> &variables::Variables {
        &self.live.variables
    }

    /// Opens with the first-run window over the dashboard: a new user is told the
    /// fleet is simulated and offered the ways to their own. Closing it writes
    /// `mark` (in the state directory), so later starts reopen the last layout.
    pub fn with_welcome(mut self, mark: std::path::PathBuf) -> FleetApp {
        self.ui_state.welcome = true;
        self.welcome_mark = Some(mark);
        self
    }

    /// Where "Connect…" writes the layouts it discovers (default: `layouts/` in a
    /// checkout, else `~/.config/fleetdeck/layouts`).
    pub fn with_layouts_folder(mut self, folder: std::path::PathBuf) -> FleetApp {
        self.picker.layouts_folder = folder;
        self
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
        self.keeper
            .restore_history(path, &mut self.live.session, now_ms);
        self
    }

    /// The session the window drives.
    pub fn session(&self) -> &Session {
        &self.live.session
    }

    /// The mutable session, for benchmarks and tests that load data directly.
    pub fn session_mut(&mut self) -> &mut Session {
        &mut self.live.session
    }

    /// Replaces the clock the window is drawn by: a benchmark steps a fixed clock
    /// by hand to measure the frame after time moved. (A running poller keeps the
    /// clock it started with.)
    pub fn set_clock(&mut self, clock: Clock) {
        self.options.clock = clock;
    }

    /// The dashboard shown.
    pub fn dashboard(&self) -> &Dashboard {
        self.live.session.dashboard()
    }

    /// The time range state.
    pub fn view(&self) -> &ViewState {
        &self.view
    }

    /// How many times the layout file's watcher has read the file since it
    /// started (tests wait on it to know a save was seen).
    pub fn layout_reads(&self) -> u64 {
        self.watcher
            .as_ref()
            .map_or(0, reload::LayoutWatcher::reads)
    }

    /// Why the last edit of the layout file was refused, while the last good
    /// version stays on screen.
    pub fn layout_error(&self) -> Option<&str> {
        self.layout_error.as_deref()
    }

    /// Whether this firing of `alarm` was acknowledged.
    pub fn is_acknowledged(&self, alarm: &crate::alarm::Alarm) -> bool {
        self.keeper.acks().contains(alarm)
            || self
                .live
                .session
                .silenced_keys()
                .contains(&crate::alarm::ack::key(alarm))
    }

    /// Queues a command, as a UI widget would.
    pub fn queue(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Draws one frame into `ui`: the window's own chores, then the steps every
    /// live dashboard takes ([`live::Live`]) around drawing, then the commands
    /// the UI queued.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        // `RUST_LOG=fleetdeck::app=trace` counts frames, to see what a live
        // dashboard draws per refresh.
        let ctx = ui.ctx().clone();
        tracing::trace!(causes = ?ctx.repaint_causes(), "frame");
        self.window_chores(&ctx);
        let now = self.options.clock.now();
        let now_ms = now.timestamp_millis();
        let advanced = self.live.advance(
            &mut self.keeper,
            now_ms,
            DRAIN_BUDGET,
            self.runtime.as_ref(),
        );
        if let Some(recompiled) = advanced.recompiled {
            self.layout_error = recompiled.err().map(|errors| errors.to_string());
        }
        if advanced.more | self.explore.drain(DRAIN_BUDGET) {
            ui::repaint_once(&ctx);
        }
        if let Some(runtime) = &self.runtime {
            self.notifier.update(
                self.live.session.all_alarms(),
                now_ms,
                self.view.refresh,
                runtime,
            );
        }
        let save_failures = self.keeper.failures();
        let acked = self.keeper.acked_keys(&self.live.session);
        let frame = ui::FrameInput {
            session: &self.live.session,
            variables: self.live.variables.resolver(),
            view: &self.view,
            now,
            zone: self.options.zone,
            acked: &acked,
            save_failures: &save_failures,
            chrome: ui::Chrome::Window(ui::WindowChrome {
                layout_error: self.layout_error.as_deref(),
                notes: &self.notes,
                notice: self.notice.as_deref(),
                editing: &self.editing,
                picker: &self.picker,
                explore: self.runtime.is_some().then_some(&self.explore),
            }),
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

    /// What only the window does each frame, before the live steps: a new
    /// version of the layout file, a save's outcome, a dropped Grafana file, a
    /// saved incident, a layout the picker opened, the editing keys, and closing
    /// with unsaved edits.
    fn window_chores(&mut self, ctx: &egui::Context) {
        self.take_layout_update();
        self.take_save_outcome(ctx);
        self.take_stored_credential();
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
            self.switch_to(opened, ctx);
        }
        self.edit_keys(ctx);
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
        if self.explore_adding && !self.editing.is_saving() {
            self.explore_adding = false;
            self.explore.message = self.editing.message.clone();
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
        self.keeper.on_exit([&self.live.session], now_ms);
    }
}

/// Applies the theme to an egui context.
pub fn apply_theme(ctx: &egui::Context, theme: Theme) {
    ctx.set_theme(match theme {
        Theme::Dark => egui::Theme::Dark,
        Theme::Light => egui::Theme::Light,
    });
}
