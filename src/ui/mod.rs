//! Everything drawn: the header (the window's top bar or the wall's), the strips
//! under it, the status bar, the board of panels ([`board`]), and the windows that
//! open over them. Panels read the session and queue [`Command`]s; they never
//! fetch and never change app state directly.
//!
//! A front end hands [`dashboard`] one [`FrameInput`]: what both the window and the
//! wall have (the session, variables, view, clock, acknowledgements), and its
//! [`Chrome`] — the window's top bar, editing and Explore, or the wall's header.

pub(crate) mod ack_dialog;
pub(crate) mod alarms;
pub mod band_cache;
pub(crate) mod banner;
pub(crate) mod bars;
pub(crate) mod board;
pub mod browser;
pub(crate) mod context;
pub(crate) mod credential;
pub(crate) mod edit;
pub(crate) mod experiments;
pub(crate) mod explore;
pub(crate) mod fleet_drill;
pub(crate) mod fleet_map;
pub(crate) mod gauge;
pub(crate) mod grid;
pub(crate) mod heatmap;
pub(crate) mod history;
pub(crate) mod line_cache;
pub(crate) mod notes;
pub mod panel;
pub(crate) mod picker;
pub(crate) mod slo;
pub(crate) mod stat;
pub(crate) mod state_timeline;
pub(crate) mod status_bar;
pub(crate) mod table;
pub(crate) mod text;
pub(crate) mod theme;
pub(crate) mod time_axis;
pub mod timeseries;
pub(crate) mod top_bar;
pub(crate) mod value_axis;
pub(crate) mod variables;
pub(crate) mod variants;
pub mod wall;
pub(crate) mod wall_legend;
pub(crate) mod welcome;

use crate::clock::DisplayZone;
use crate::dashboard::{Dashboard, PanelId};
use crate::edit::editing::Editing;
use crate::explore::panes::Explore;
use crate::layout::SourceKind;
use crate::library::PickerState;
use crate::session::Session;
use crate::time_range::Window;
use crate::variables::resolve::Resolver;
use crate::view::{Command, ViewState};
use chrono::{DateTime, Utc};
use context::{Marks, PanelContext, PanelUiState};
use std::collections::{BTreeMap, BTreeSet};

/// UI state that lives between frames but is not part of the dashboard's data.
#[derive(Default)]
pub(crate) struct UiState {
    /// What the panels keep: line and band caches, the pan, alarm filters.
    pub panels: PanelUiState,
    /// Whether the time range picker is open.
    pub picker_open: bool,
    /// Text of the custom range's `from` field.
    pub from_text: String,
    /// Text of the custom range's `to` field.
    pub to_text: String,
    /// Why the typed range was refused.
    pub time_error: Option<String>,
    /// The metric browser window.
    pub browser: browser::MetricBrowser,
    /// Whether the alarm history window is open.
    pub history_open: bool,
    /// A panel an alarm click asked to show: scrolled into view and outlined until
    /// the given `egui` time (seconds).
    pub focus: Option<(PanelId, f64)>,
    /// Edit mode's drags, form fields and "Save as" path.
    pub edit: edit::EditUiState,
    /// The layout picker window.
    pub picker: picker::PickerUi,
    /// The custom offset typed into "Compare".
    pub compare_text: String,
    /// A note being written, before it is pinned.
    pub note_draft: Option<notes::Draft>,
    /// The path typed into "Save incident", while that window is open.
    pub incident_path: Option<String>,
    /// The queries typed into Explore's panes.
    pub explore: explore::ExploreUi,
    /// The credential a refused source asks for, being entered.
    pub credential: credential::CredentialUi,
    /// Whether the first-run window is shown.
    pub welcome: bool,
}

/// What a front end hands the UI for one frame.
pub(crate) struct FrameInput<'a> {
    /// The session: dashboard, data, statuses, health, alarms.
    pub session: &'a Session,
    /// The variables' choices, values and problems.
    pub variables: &'a Resolver,
    /// The time range state.
    pub view: &'a ViewState,
    /// Now, by the front end's clock.
    pub now: DateTime<Utc>,
    /// Time zone for labels.
    pub zone: DisplayZone,
    /// Keys of acknowledged alarms.
    pub acked: &'a BTreeSet<String>,
    /// Files that could not be saved (acknowledgements, history).
    pub save_failures: &'a [crate::persist::SaveFailure],
    /// The window's chrome or the wall's.
    pub chrome: Chrome<'a>,
}

/// What surrounds the board: the workstation window's or the wall's.
pub(crate) enum Chrome<'a> {
    /// The workstation window (or an incident file opened in it).
    Window(WindowChrome<'a>),
    /// A wall page.
    Wall(&'a wall::WallChrome),
}

/// What only the workstation window has.
pub(crate) struct WindowChrome<'a> {
    /// Why the layout file's latest version was refused, if it was.
    pub layout_error: Option<&'a str>,
    /// Notes pinned on the timeline.
    pub notes: &'a [crate::notes::Note],
    /// A line above the dashboard saying what it shows (an incident file).
    pub notice: Option<&'a str>,
    /// Edit mode.
    pub editing: &'a Editing,
    /// The layout picker.
    pub picker: &'a PickerState,
    /// Explore's panes, where the window can fetch (not for an incident file).
    pub explore: Option<&'a Explore>,
}

impl FrameInput<'_> {
    /// The window shown this frame.
    pub(crate) fn window(&self) -> Window {
        self.view.window(self.now)
    }

    /// What the panels drawn this frame read: its session, window (moved live
    /// while a pan is in progress), zone and wall size; the board and Explore
    /// build it the same way.
    pub(crate) fn panel_context<'p>(
        &'p self,
        marks: &'p Marks<'p>,
        state: &'p mut PanelUiState,
        commands: &'p mut Vec<Command>,
    ) -> PanelContext<'p> {
        PanelContext {
            session: self.session,
            window: state.drag.pending.unwrap_or_else(|| self.window()),
            zone: self.zone,
            marks,
            wall_figure_pt: self.wall().map(|w| w.figure_pt),
            state,
            commands,
        }
    }

    /// The wall's chrome, when this frame is a wall page.
    pub(crate) fn wall(&self) -> Option<&wall::WallChrome> {
        match &self.chrome {
            Chrome::Wall(chrome) => Some(chrome),
            Chrome::Window(_) => None,
        }
    }

    /// Edit mode, in the workstation window.
    pub(crate) fn editing(&self) -> Option<&Editing> {
        match &self.chrome {
            Chrome::Window(window) => Some(window.editing),
            Chrome::Wall(_) => None,
        }
    }

    /// The notes pinned on the timeline (the wall shows none).
    pub(crate) fn notes(&self) -> &[crate::notes::Note] {
        match &self.chrome {
            Chrome::Window(window) => window.notes,
            Chrome::Wall(_) => &[],
        }
    }
}

/// What the UI reports back after a frame.
pub(crate) struct FrameOutput {
    /// Plot width of each panel in pixels, for step planning.
    pub plot_widths: BTreeMap<PanelId, u32>,
    /// Plot width of each Explore pane's chart (kept apart: the dashboard's
    /// session plans its own panels only).
    pub explore_widths: BTreeMap<PanelId, u32>,
}

/// Asks for one frame, soon: what a source's new answers need. egui answers
/// `request_repaint()` with two frames ("to give some things time to settle") and a
/// request with a delay with one; on a software rasteriser the second frame of
/// every refresh was half of a live dashboard's CPU.
pub(crate) fn repaint_once(ctx: &egui::Context) {
    ctx.request_repaint_after(std::time::Duration::from_millis(1));
}

/// Draws the whole dashboard: header, strips, status bar, edit mode's form, the
/// board, and Explore.
pub(crate) fn dashboard(
    ui: &mut egui::Ui,
    frame: &FrameInput<'_>,
    state: &mut UiState,
    commands: &mut Vec<Command>,
) -> FrameOutput {
    match &frame.chrome {
        Chrome::Wall(chrome) => wall_header(ui, frame, chrome),
        Chrome::Window(window) => window_header(ui, frame, window, state, commands),
    }
    egui::Panel::bottom("status_bar").show(ui, |ui| {
        status_bar::show(ui, frame);
    });
    if let Chrome::Window(window) = &frame.chrome {
        edit_chrome(ui, window.editing, state, commands);
    }
    let marks = Marks::of(frame.session, frame.notes(), frame.acked);
    let plot_widths = board::show(ui, frame, &marks, state, commands);
    ack_dialog::show(ui.ctx(), &mut state.panels.ack_draft, commands);
    let explore_widths = match &frame.chrome {
        Chrome::Window(WindowChrome {
            explore: Some(explore),
            ..
        }) => explore_window(ui, frame, explore, &marks, state, commands),
        _ => BTreeMap::new(),
    };
    FrameOutput {
        plot_widths,
        explore_widths,
    }
}

/// The sources the metric browser can list.
fn browsable_sources(dashboard: &Dashboard) -> Vec<String> {
    dashboard
        .sources
        .iter()
        .filter(|(_, spec)| matches!(spec.kind(), SourceKind::Prometheus | SourceKind::Cloudwatch))
        .map(|(id, _)| id.to_string())
        .collect()
}

/// The wall's header and its banners for sources down and alarms firing.
fn wall_header(ui: &mut egui::Ui, frame: &FrameInput<'_>, chrome: &wall::WallChrome) {
    let title = &frame.session.dashboard().title;
    egui::Panel::top("wall_header").show(ui, |ui| {
        wall::header(ui, chrome, title, frame.zone);
    });
    wall::down_banner(ui, chrome);
    wall::alarm_banner(ui, chrome);
    save_failures(ui, frame);
}

/// The window's top bar, the windows it opens, and the strips under it.
fn window_header(
    ui: &mut egui::Ui,
    frame: &FrameInput<'_>,
    window: &WindowChrome<'_>,
    state: &mut UiState,
    commands: &mut Vec<Command>,
) {
    let dashboard = frame.session.dashboard();
    let history = frame.session.alarms().history();
    let sources = browsable_sources(dashboard);
    egui::Panel::top("top_bar").show(ui, |ui| {
        let input = top_bar::TopBarInput {
            dashboard,
            view: frame.view,
            sources: &sources,
            // Alarm state changes come from rules and from alarm panels' sources.
            history_changes: (dashboard.has_alarms() || !window.notes.is_empty())
                .then_some(history.len() + window.notes.len()),
            variables: frame.variables,
            editing: window.editing,
            compare: frame.session.compare(),
            explore: window.explore.map(|e| e.open),
        };
        top_bar::show(ui, &input, state, commands);
    });
    let ctx = ui.ctx().clone();
    browser::window(&ctx, &mut state.browser, &sources, commands);
    picker::window(&ctx, window.picker, &mut state.picker, commands);
    welcome::window(&ctx, &mut state.welcome, &mut state.picker, commands);
    notes::editor(&ctx, &mut state.note_draft, frame.zone, commands);
    top_bar::incident_dialog(&ctx, state, commands);
    history::window(
        &ctx,
        &mut state.history_open,
        history,
        window.notes,
        frame.zone,
        commands,
    );
    if let Some(notice) = window.notice {
        egui::Panel::top("notice").show(ui, |ui| {
            ui.colored_label(theme::NOTE, notice);
        });
    }
    if let Some(error) = window.layout_error {
        egui::Panel::top("layout_error").show(ui, |ui| {
            ui.colored_label(
                theme::ERROR,
                format!("{error}\nStill showing the last good version of the layout."),
            );
        });
    }
    save_failures(ui, frame);
    if window.explore.is_some() {
        // A live window (an incident file never asks a server anything).
        let asks = crate::credential::refused(dashboard, frame.session.health());
        credential::show(ui, &asks, &mut state.credential, commands);
    }
    banner::show(ui, frame, commands);
}

/// A save that failed loses what the user did (an acknowledgement, the night's
/// alarm history) at the next restart: said where it is seen.
fn save_failures(ui: &mut egui::Ui, frame: &FrameInput<'_>) {
    if frame.save_failures.is_empty() {
        return;
    }
    egui::Panel::top("save_failures").show(ui, |ui| {
        for failure in frame.save_failures {
            ui.colored_label(theme::ERROR, failure.to_string());
        }
    });
}

/// Edit mode's dialogs, its message strip and the selected panel's form.
fn edit_chrome(
    ui: &mut egui::Ui,
    editing: &Editing,
    state: &mut UiState,
    commands: &mut Vec<Command>,
) {
    edit::dialogs::show(ui.ctx(), editing, &mut state.edit, commands);
    // With the form open, the form says it.
    let form_open = editing.selected.is_some();
    if let Some(message) = editing
        .message
        .as_deref()
        .filter(|_| editing.active && !form_open)
    {
        egui::Panel::bottom("edit_message").show(ui, |ui| {
            ui.label(message);
        });
    }
    if editing.active {
        edit::form::show(ui, editing, &mut state.edit, commands);
    }
}

/// The Explore window over the board; returns its charts' widths.
fn explore_window(
    ui: &mut egui::Ui,
    frame: &FrameInput<'_>,
    explore: &Explore,
    marks: &Marks<'_>,
    state: &mut UiState,
    commands: &mut Vec<Command>,
) -> BTreeMap<PanelId, u32> {
    let mut widths = BTreeMap::new();
    let UiState {
        panels,
        explore: drafts,
        ..
    } = state;
    // The Explore window is the workstation's: no wall sizes.
    let mut ctx = frame.panel_context(marks, panels, commands);
    explore::window(
        ui.ctx(),
        explore,
        frame.session.dashboard(),
        drafts,
        &mut ctx,
        &mut widths,
    );
    widths
}
