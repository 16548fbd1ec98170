//! Everything drawn: top bar, panel grid, status bar. Panels read the store and
//! queue [`Command`]s; they never fetch and never change app state directly.

pub mod alarms;
pub mod band_cache;
pub mod banner;
pub mod bars;
pub mod browser;
pub mod edit;
pub mod experiments;
pub mod explore;
pub mod grid;
pub mod history;
pub mod line_cache;
pub mod notes;
pub mod panel;
pub mod picker;
pub mod stat;
pub mod status_bar;
pub mod theme;
pub mod time_axis;
pub mod timeseries;
pub mod top_bar;
pub mod value_axis;
pub mod variables;
pub mod variants;
pub mod wall;
pub mod wall_legend;

use crate::app::{Command, ViewState};
use crate::clock::DisplayZone;
use crate::dashboard::{PanelId, SourceId};
use crate::layout::{PanelKind, SourceKind};
use crate::session::{Session, SessionAlarms};
use crate::store::Store;
use crate::time_range::Window;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// UI state that lives between frames but is not part of the dashboard's data.
#[derive(Default)]
pub struct UiState {
    /// Decimated lines cached between frames.
    pub lines: line_cache::LineCache,
    /// Min/max bands cached between frames.
    pub bands: band_cache::BandCache,
    /// A pan in progress.
    pub drag: timeseries::DragState,
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
    /// Text typed into each alarm panel's filter.
    pub alarm_filters: BTreeMap<PanelId, String>,
    /// Alarm panels whose ok alarms are unfolded.
    pub show_ok: std::collections::BTreeSet<PanelId>,
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
}

/// What the app hands the UI for one frame.
pub struct FrameInput<'a> {
    /// The session: dashboard, data, statuses, health, alarms.
    pub session: &'a Session,
    /// The time range state.
    pub view: &'a ViewState,
    /// The window shown this frame.
    pub window: Window,
    /// Now, by the app's clock.
    pub now: DateTime<Utc>,
    /// Time zone for labels.
    pub zone: DisplayZone,
    /// Why the layout file's latest version was refused, if it was.
    pub layout_error: Option<&'a str>,
    /// What each paid source (CloudWatch) has requested so far.
    pub usage: &'a [(SourceId, crate::source::Usage)],
    /// Where alarms fired on which panel: (panel, start ms, end ms or still firing).
    pub firing_spans: &'a [(PanelId, i64, Option<i64>)],
    /// Keys of acknowledged alarms.
    pub acked: &'a std::collections::BTreeSet<String>,
    /// Files that could not be saved (acknowledgements, history).
    pub save_failures: &'a [crate::persist::SaveFailure],
    /// The wall's chrome, when this frame is a wall page.
    pub wall: Option<&'a wall::WallChrome>,
    /// The template variables' choices and values, for the top bar's dropdowns.
    pub variables: Option<&'a crate::app::variables::Variables>,
    /// Edit mode (the workstation window only).
    pub editing: Option<&'a crate::app::editing::Editing>,
    /// The layout picker (the workstation window only).
    pub picker: Option<&'a crate::app::picker::PickerState>,
    /// Notes pinned on the timeline.
    pub notes: &'a [crate::notes::Note],
    /// A line above the dashboard saying what it shows (an incident file).
    pub notice: Option<&'a str>,
    /// Explore's panes (a window that can fetch; not the wall nor an incident).
    pub explore: Option<&'a crate::app::explore::Explore>,
}

/// What the UI reports back after a frame.
pub struct FrameOutput {
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
pub fn repaint_once(ctx: &egui::Context) {
    ctx.request_repaint_after(std::time::Duration::from_millis(1));
}

/// What a panel needs while it draws.
pub struct PanelContext<'a> {
    /// The data.
    pub store: &'a Store,
    /// The window shown.
    pub window: Window,
    /// Time zone for labels.
    pub zone: DisplayZone,
    /// Line cache.
    pub lines: &'a mut line_cache::LineCache,
    /// Band cache.
    pub bands: &'a mut band_cache::BandCache,
    /// Pan state shared by all plots.
    pub drag: &'a mut timeseries::DragState,
    /// Commands queued for after the frame.
    pub commands: &'a mut Vec<Command>,
    /// The session's alarms: lists by query, local rules.
    pub alarms: &'a SessionAlarms,
    /// Where alarms fired, drawn as bands on their panels.
    pub firing_spans: &'a [(PanelId, i64, Option<i64>)],
    /// The filters typed into alarm panels, by panel.
    pub alarm_filters: &'a mut BTreeMap<PanelId, String>,
    /// Alarm panels whose ok alarms are unfolded.
    pub show_ok: &'a mut std::collections::BTreeSet<PanelId>,
    /// Keys of acknowledged alarms.
    pub acked: &'a std::collections::BTreeSet<String>,
    /// On the wall: the smallest font size a figure may have (points); no
    /// tooltips, thicker lines, last values beside the charts.
    pub wall_figure_pt: Option<f32>,
    /// Which panels are drawn over an earlier window too (time shift).
    pub compare: &'a crate::session::compare::Compare,
    /// Notes pinned on the timeline, drawn on every chart.
    pub notes: &'a [crate::notes::Note],
    /// Scaling actions and experiments, drawn on the charts of what they touched.
    pub operations: &'a [crate::ops::OpsEvent],
}

/// Draws the whole dashboard.
pub fn dashboard(
    ui: &mut egui::Ui,
    frame: &FrameInput<'_>,
    state: &mut UiState,
    commands: &mut Vec<Command>,
) -> FrameOutput {
    let dashboard = frame.session.dashboard();
    let history = frame.session.alarms().history();
    let browsable: Vec<String> = dashboard
        .sources
        .iter()
        .filter(|(_, spec)| matches!(spec.kind(), SourceKind::Prometheus | SourceKind::Cloudwatch))
        .map(|(id, _)| id.to_string())
        .collect();
    if let Some(chrome) = frame.wall {
        egui::Panel::top("wall_header").show(ui, |ui| {
            wall::header(ui, chrome, &dashboard.title, frame.zone);
        });
        wall::down_banner(ui, chrome);
        wall::alarm_banner(ui, chrome);
    } else {
        egui::Panel::top("top_bar").show(ui, |ui| {
            let input = top_bar::TopBarInput {
                dashboard,
                view: frame.view,
                sources: &browsable,
                // Alarm state changes come from rules and from alarm panels' sources.
                history_changes: (dashboard.has_alarms() || !frame.notes.is_empty())
                    .then_some(history.len() + frame.notes.len()),
                variables: frame.variables,
                editing: frame.editing,
                compare: frame.session.compare(),
                explore: frame.explore.map(|e| e.open),
            };
            top_bar::show(ui, &input, state, commands);
        });
        browser::window(ui.ctx(), &mut state.browser, &browsable, commands);
        if let Some(picker) = frame.picker {
            picker::window(ui.ctx(), picker, &mut state.picker, commands);
        }
        notes::editor(ui.ctx(), &mut state.note_draft, frame.zone, commands);
        top_bar::incident_dialog(ui.ctx(), state, commands);
        history::window(
            ui.ctx(),
            &mut state.history_open,
            history,
            frame.notes,
            frame.zone,
            commands,
        );
    }
    if let Some(notice) = frame.notice {
        egui::Panel::top("notice").show(ui, |ui| {
            ui.colored_label(theme::NOTE, notice);
        });
    }
    if let Some(error) = frame.layout_error {
        egui::Panel::top("layout_error").show(ui, |ui| {
            ui.colored_label(
                theme::ERROR,
                format!("{error}\nStill showing the last good version of the layout."),
            );
        });
    }
    if !frame.save_failures.is_empty() {
        // A save that failed loses what the user did (an acknowledgement, the
        // night's alarm history) at the next restart: say so where it is seen.
        egui::Panel::top("save_failures").show(ui, |ui| {
            for failure in frame.save_failures {
                ui.colored_label(theme::ERROR, failure.to_string());
            }
        });
    }
    if frame.wall.is_none() {
        banner::show(ui, frame, commands);
    }
    egui::Panel::bottom("status_bar").show(ui, |ui| {
        status_bar::show(ui, frame);
    });
    let editing = frame.editing.filter(|e| e.active);
    if let Some(editing) = frame.editing {
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
    }
    if let Some(editing) = editing {
        edit::form::show(ui, editing, &mut state.edit, commands);
    }
    let mut widths = BTreeMap::new();
    let operations: Vec<crate::ops::OpsEvent> = frame.session.operations().cloned().collect();
    egui::CentralPanel::default().show(ui, |ui| {
        state.lines.begin_frame();
        state.bands.begin_frame();
        let window = state.drag.pending.unwrap_or(frame.window);
        let now_s = ui.input(|i| i.time);
        let state_focus = state.focus.clone().filter(|(_, until)| now_s < until + 1.0);
        if state.focus.is_some() && state_focus.is_none() {
            state.focus = None;
        }
        let panels = &dashboard.panels;
        let rows = grid::total_rows(panels.iter().map(|p| &p.grid));
        let available = ui.available_rect_before_wrap();
        let row_height = grid::row_height(available.height(), rows);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let origin = ui.max_rect().min + frame.wall.map_or(egui::Vec2::ZERO, |w| w.shift);
                let width = ui.available_width();
                ui.allocate_space(egui::vec2(width, rows as f32 * row_height));
                let edit_state = &mut state.edit;
                let mut ctx = PanelContext {
                    store: frame.session.store(),
                    window,
                    zone: frame.zone,
                    lines: &mut state.lines,
                    bands: &mut state.bands,
                    drag: &mut state.drag,
                    commands,
                    alarms: frame.session.alarms(),
                    firing_spans: frame.firing_spans,
                    alarm_filters: &mut state.alarm_filters,
                    show_ok: &mut state.show_ok,
                    acked: frame.acked,
                    wall_figure_pt: frame.wall.map(|w| w.figure_pt),
                    compare: frame.session.compare(),
                    notes: frame.notes,
                    operations: &operations,
                };
                for panel in panels {
                    let rect = grid::panel_rect(origin, width, row_height, &panel.grid);
                    let mut panel_state = panel::panel_state(
                        panel,
                        frame.session.statuses(),
                        frame.session.health(),
                        frame.zone,
                    );
                    if let Some(name) = &panel.waiting_for {
                        panel_state = panel::PanelState::Waiting(frame.variables.map_or_else(
                            || format!("waiting for the values of `${name}`"),
                            |variables| variables.waiting_words(dashboard, name),
                        ));
                    }
                    // What a panel shows may be older than its headline state says:
                    // past twice the refresh without a fresh answer, say how old.
                    if frame.view.is_live()
                        && let Some(at) = frame.session.panel_confirmed_at(panel)
                    {
                        let age_ms = (frame.now - at).num_milliseconds();
                        if age_ms > 2 * frame.view.refresh.as_millis() as i64 {
                            let age = wall::age_words(age_ms);
                            panel_state = match panel_state {
                                panel::PanelState::Ok | panel::PanelState::Note(_) => {
                                    panel::PanelState::Old(age)
                                }
                                panel::PanelState::Stale(why) => {
                                    panel::PanelState::Stale(format!("{age} · {why}"))
                                }
                                other => other,
                            };
                        }
                    }
                    widths.insert(panel.id.clone(), rect.width().max(1.0) as u32);
                    if let Some((focused, until)) = &state_focus
                        && focused == &panel.id
                    {
                        ui.scroll_to_rect(rect, Some(egui::Align::Center));
                        if ui.input(|i| i.time) < *until {
                            ui.painter().rect_stroke(
                                rect.expand(2.0),
                                4.0,
                                egui::Stroke::new(3.0, theme::WARN),
                                egui::StrokeKind::Outside,
                            );
                            ui.ctx()
                                .request_repaint_after(std::time::Duration::from_millis(250));
                        }
                    }
                    let trusted = !matches!(
                        panel_state,
                        panel::PanelState::Stale(_)
                            | panel::PanelState::Error(_)
                            | panel::PanelState::Old(_)
                    );
                    panel::show(ui, rect, panel, &panel_state, |ui, header| {
                        match panel.kind {
                            PanelKind::Timeseries => timeseries::show(ui, &mut ctx, panel, trusted),
                            PanelKind::Stat => stat::show(ui, &mut ctx, panel, trusted),
                            PanelKind::Bars => bars::show(ui, &mut ctx, panel),
                            PanelKind::Text => {
                                ui.add(
                                    egui::Label::new(panel.text.as_deref().unwrap_or_default())
                                        .wrap(),
                                );
                                true
                            }
                            PanelKind::Variants => variants::show(ui, &ctx, panel),
                            PanelKind::Experiments => {
                                experiments::show(ui, &ctx, panel, frame.now.timestamp_millis())
                            }
                            PanelKind::Alarms => alarms::show(
                                ui,
                                header,
                                &mut ctx,
                                panel,
                                frame.now.timestamp_millis(),
                            ),
                        }
                    });
                    if editing.is_some() {
                        let cells = edit::overlay::Cells {
                            column: width / grid::COLUMNS as f32,
                            row: row_height,
                        };
                        let selected =
                            editing.is_some_and(|e| e.selected.as_ref() == Some(&panel.id));
                        edit::overlay::show(
                            ui,
                            rect,
                            panel,
                            selected,
                            cells,
                            edit_state,
                            ctx.commands,
                        );
                    }
                }
            });
    });
    let mut explore_widths = BTreeMap::new();
    if let Some(explore) = frame.explore {
        let mut ctx = PanelContext {
            store: frame.session.store(),
            window: state.drag.pending.unwrap_or(frame.window),
            zone: frame.zone,
            lines: &mut state.lines,
            bands: &mut state.bands,
            drag: &mut state.drag,
            commands,
            alarms: frame.session.alarms(),
            firing_spans: &[],
            alarm_filters: &mut state.alarm_filters,
            show_ok: &mut state.show_ok,
            acked: frame.acked,
            wall_figure_pt: None,
            compare: frame.session.compare(),
            notes: frame.notes,
            operations: &operations,
        };
        explore::window(
            ui.ctx(),
            explore,
            dashboard,
            &mut state.explore,
            &mut ctx,
            &mut explore_widths,
        );
    }
    FrameOutput {
        plot_widths: widths,
        explore_widths,
    }
}
