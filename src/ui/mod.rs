//! Everything drawn: top bar, panel grid, status bar. Panels read the store and
//! queue [`Command`]s; they never fetch and never change app state directly.

pub mod alarms;
pub mod browser;
pub mod grid;
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
        );
    });
    browser::window(ui.ctx(), &mut state.browser, &browsable, commands);
    if let Some(error) = frame.layout_error {
        egui::Panel::top("layout_error").show(ui, |ui| {
            ui.colored_label(
                theme::ERROR,
                format!("{error}\nStill showing the last good version of the layout."),
            );
        });
    }
    egui::Panel::bottom("status_bar").show(ui, |ui| {
        status_bar::show(ui, frame);
    });
    let mut widths = vec![0u32; frame.layout.file.panels.len()];
    egui::CentralPanel::default().show(ui, |ui| {
        state.lines.begin_frame();
        let window = state.drag.pending.unwrap_or(frame.window);
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
                    let trusted = !matches!(
                        panel_state,
                        panel::PanelState::Stale(_) | panel::PanelState::Error(_)
                    );
                    panel::show(ui, rect, panel, &panel_state, |ui| match panel.kind {
                        PanelKind::Timeseries => timeseries::show(ui, &mut ctx, index, panel),
                        PanelKind::Stat => stat::show(ui, &mut ctx, index, panel, trusted),
                        PanelKind::Alarms => alarms::show(ui, &mut ctx, index, panel),
                    });
                }
            });
    });
    FrameOutput {
        plot_widths: widths,
    }
}
