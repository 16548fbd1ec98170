//! Everything drawn: top bar, panel grid, status bar. Panels read the store and
//! queue [`Command`]s; they never fetch and never change app state directly.

pub mod alarms;
pub mod banner;
pub mod bars;
pub mod browser;
pub mod grid;
pub mod history;
pub mod line_cache;
pub mod panel;
pub mod stat;
pub mod status_bar;
pub mod theme;
pub mod time_axis;
pub mod timeseries;
pub mod top_bar;

use crate::app::status::{QueryStatus, SourceHealth};
use crate::app::{Command, ViewState};
use crate::clock::DisplayZone;
use crate::layout::{Layout, PanelKind};
use crate::store::Store;
use crate::time_range::Window;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// UI state that lives between frames but is not part of the dashboard's data.
#[derive(Default)]
pub struct UiState {
    /// Decimated lines cached between frames.
    pub lines: line_cache::LineCache,
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
    pub alarm_filters: BTreeMap<usize, String>,
    /// Whether the alarm history window is open.
    pub history_open: bool,
    /// A panel an alarm click asked to show: scrolled into view and outlined until
    /// the given `egui` time (seconds).
    pub focus: Option<(usize, f64)>,
}

/// What the app hands the UI for one frame.
pub struct FrameInput<'a> {
    /// The layout.
    pub layout: &'a Layout,
    /// The data.
    pub store: &'a Store,
    /// The time range state.
    pub view: &'a ViewState,
    /// The window shown this frame.
    pub window: Window,
    /// Now, by the app's clock.
    pub now: DateTime<Utc>,
    /// Time zone for labels.
    pub zone: DisplayZone,
    /// Source health.
    pub health: &'a BTreeMap<String, SourceHealth>,
    /// Per-query state.
    pub query_status: &'a BTreeMap<(usize, usize), QueryStatus>,
    /// When data last arrived.
    pub last_refresh: Option<DateTime<Utc>>,
    /// Active alarms by (panel, query).
    pub alarms: &'a BTreeMap<(usize, usize), Vec<crate::alarm::Alarm>>,
    /// Why the layout file's latest version was refused, if it was.
    pub layout_error: Option<&'a str>,
    /// What each paid source (CloudWatch) has requested so far.
    pub usage: &'a [(String, crate::source::Usage)],
    /// The local rules' alarms that are not ok.
    pub local_alarms: &'a [crate::alarm::Alarm],
    /// When local rules fired on which panel: (panel, start ms, end ms or still firing).
    pub firing_spans: &'a [(usize, i64, Option<i64>)],
    /// Keys of acknowledged alarms.
    pub acked: &'a std::collections::BTreeSet<String>,
    /// State changes of the local rules, oldest first.
    pub history: &'a std::collections::VecDeque<crate::alarm::engine::Transition>,
}

/// What the UI reports back after a frame.
pub struct FrameOutput {
    /// Plot width of each panel in pixels, for step planning.
    pub plot_widths: Vec<u32>,
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
    /// Pan state shared by all plots.
    pub drag: &'a mut timeseries::DragState,
    /// Commands queued for after the frame.
    pub commands: &'a mut Vec<Command>,
    /// Active alarms by (panel, query).
    pub alarms: &'a BTreeMap<(usize, usize), Vec<crate::alarm::Alarm>>,
    /// The local rules' alarms, shown in every alarm panel.
    pub local_alarms: &'a [crate::alarm::Alarm],
    /// Firing spans of local rules, drawn as bands on their panels.
    pub firing_spans: &'a [(usize, i64, Option<i64>)],
    /// The filters typed into alarm panels, by panel.
    pub alarm_filters: &'a mut BTreeMap<usize, String>,
    /// Keys of acknowledged alarms.
    pub acked: &'a std::collections::BTreeSet<String>,
}

/// Draws the whole dashboard.
pub fn dashboard(
    ui: &mut egui::Ui,
    frame: &FrameInput<'_>,
    state: &mut UiState,
    commands: &mut Vec<Command>,
) -> FrameOutput {
    let browsable: Vec<String> = frame
        .layout
        .file
        .sources
        .iter()
        .filter(|(_, config)| {
            matches!(
                config.kind.get_ref(),
                crate::layout::SourceKind::Prometheus | crate::layout::SourceKind::Cloudwatch
            )
        })
        .map(|(name, _)| name.clone())
        .collect();
    egui::Panel::top("top_bar").show(ui, |ui| {
        top_bar::show(
            ui,
            &frame.layout.file.title,
            frame.view,
            &browsable,
            state,
            commands,
            // Alarm state changes come from rules and from alarm panels' sources.
            (!frame.layout.file.rules.is_empty()
                || frame
                    .layout
                    .file
                    .panels
                    .iter()
                    .any(|p| p.kind == PanelKind::Alarms))
            .then_some(frame.history.len()),
        );
    });
    browser::window(ui.ctx(), &mut state.browser, &browsable, commands);
    history::window(
        ui.ctx(),
        &mut state.history_open,
        frame.history,
        frame.zone,
        commands,
    );
    if let Some(error) = frame.layout_error {
        egui::Panel::top("layout_error").show(ui, |ui| {
            ui.colored_label(
                theme::ERROR,
                format!("{error}\nStill showing the last good version of the layout."),
            );
        });
    }
    banner::show(ui, frame, commands);
    egui::Panel::bottom("status_bar").show(ui, |ui| {
        status_bar::show(ui, frame);
    });
    let mut widths = vec![0u32; frame.layout.file.panels.len()];
    egui::CentralPanel::default().show(ui, |ui| {
        state.lines.begin_frame();
        let window = state.drag.pending.unwrap_or(frame.window);
        let now_s = ui.input(|i| i.time);
        let state_focus = state.focus.filter(|&(_, until)| now_s < until + 1.0);
        if state.focus.is_some() && state_focus.is_none() {
            state.focus = None;
        }
        let panels = &frame.layout.file.panels;
        let rows = grid::total_rows(panels.iter().map(|p| p.grid.get_ref()));
        let available = ui.available_rect_before_wrap();
        let row_height = grid::row_height(available.height(), rows);
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let origin = ui.max_rect().min;
                let width = ui.available_width();
                ui.allocate_space(egui::vec2(width, rows as f32 * row_height));
                let mut ctx = PanelContext {
                    store: frame.store,
                    window,
                    zone: frame.zone,
                    lines: &mut state.lines,
                    drag: &mut state.drag,
                    commands,
                    alarms: frame.alarms,
                    local_alarms: frame.local_alarms,
                    firing_spans: frame.firing_spans,
                    alarm_filters: &mut state.alarm_filters,
                    acked: frame.acked,
                };
                for (index, panel) in panels.iter().enumerate() {
                    let rect = grid::panel_rect(origin, width, row_height, panel.grid.get_ref());
                    let panel_state = panel::panel_state(
                        index,
                        panel,
                        frame.query_status,
                        frame.health,
                        frame.zone,
                    );
                    widths[index] = rect.width().max(1.0) as u32;
                    if let Some((focused, until)) = state_focus
                        && focused == index
                    {
                        ui.scroll_to_rect(rect, Some(egui::Align::Center));
                        if ui.input(|i| i.time) < until {
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
                        panel::PanelState::Stale(_) | panel::PanelState::Error(_)
                    );
                    panel::show(ui, rect, panel, &panel_state, |ui, header| {
                        match panel.kind {
                            PanelKind::Timeseries => timeseries::show(ui, &mut ctx, index, panel),
                            PanelKind::Stat => stat::show(ui, &mut ctx, index, panel, trusted),
                            PanelKind::Bars => bars::show(ui, &mut ctx, index, panel),
                            PanelKind::Alarms => alarms::show(
                                ui,
                                header,
                                &mut ctx,
                                index,
                                panel,
                                frame.now.timestamp_millis(),
                            ),
                        }
                    });
                }
            });
    });
    FrameOutput {
        plot_widths: widths,
    }
}
