//! The top bar: dashboard title, time range picker, refresh interval, pause/resume.

use super::UiState;
use crate::time_range::{TimeRange, format_duration};
use crate::view::{Command, ViewState};
use egui::{RichText, Ui};
use std::time::Duration;

/// Quick ranges offered by the picker, as (label, duration).
pub(crate) const QUICK_RANGES: &[(&str, u64)] = &[
    ("Last 5 minutes", 300),
    ("Last 15 minutes", 900),
    ("Last 1 hour", 3_600),
    ("Last 6 hours", 21_600),
    ("Last 24 hours", 86_400),
    ("Last 7 days", 604_800),
];

/// Refresh intervals offered.
pub(crate) const REFRESH_CHOICES: &[u64] = &[5, 10, 30, 60, 300, 900];

/// What the bar shows.
pub(crate) struct TopBarInput<'a> {
    /// The dashboard (its title and variables).
    pub dashboard: &'a crate::dashboard::Dashboard,
    /// The time range state.
    pub view: &'a ViewState,
    /// Sources the metric browser can list.
    pub sources: &'a [String],
    /// Alarm state changes so far, when the dashboard has alarms.
    pub history_changes: Option<usize>,
    /// The variables' offered values and errors, for their dropdowns.
    pub variables: &'a crate::variables::resolve::Resolver,
    /// Edit mode.
    pub editing: &'a crate::edit::editing::Editing,
    /// Which panels are compared with an earlier window.
    pub compare: &'a crate::session::compare::Compare,
    /// Whether Explore is open; `None` where it is not offered.
    pub explore: Option<bool>,
}

/// Draws the bar.
pub(crate) fn show(
    ui: &mut Ui,
    input: &TopBarInput<'_>,
    state: &mut UiState,
    commands: &mut Vec<Command>,
) {
    let TopBarInput {
        dashboard,
        view,
        sources,
        history_changes,
        variables,
        editing,
        compare,
        explore,
    } = *input;
    // The buttons take the right first; the title and the variables get what is
    // left, wrapping onto more rows rather than sliding under the buttons (a
    // discovered layout has a variable per component).
    ui.horizontal(|ui| {
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            if view.resume_to.is_some() {
                if ui
                    .button("Resume live")
                    .on_hover_text("Back to the live range (or double-click a chart)")
                    .clicked()
                {
                    commands.push(Command::Resume);
                }
            } else if ui
                .button("Pause")
                .on_hover_text("Freeze the charts; data stops refreshing")
                .clicked()
            {
                commands.push(Command::Pause);
            }
            super::edit::toolbar::show(ui, editing, &mut state.edit, commands);
            if ui
                .button("Save incident…")
                .on_hover_text("Keep what is on screen in an incident file (.fdi)")
                .clicked()
            {
                state.incident_path = Some(format!(
                    "incident-{}.fdi",
                    chrono::Utc::now().format("%Y%m%d-%H%M")
                ));
            }
            if ui
                .button("Copy link")
                .on_hover_text("A command line that reopens this range, these variables and layout")
                .clicked()
            {
                commands.push(Command::CopyLink(None));
            }
            compare_picker(ui, compare, state, commands);
            refresh_picker(ui, view, commands);
            range_picker(ui, view, state, commands);
            if let Some(open) = explore {
                super::explore::button(ui, open, commands);
            }
            super::browser::button(ui, &mut state.browser, sources, commands);
            super::picker::button(ui, &mut state.picker, commands);
            if let Some(changes) = history_changes {
                super::history::button(ui, &mut state.history_open, changes);
            }
            ui.with_layout(
                egui::Layout::left_to_right(egui::Align::Center).with_main_wrap(true),
                |ui| {
                    ui.heading(RichText::new(&dashboard.title).strong());
                    super::variables::show(ui, dashboard, variables, commands);
                },
            );
        });
    });
}

/// The offsets "Compare" offers.
pub(crate) const COMPARE_CHOICES: &[(&str, u64)] =
    &[("1 day ago", 86_400), ("1 week ago", 604_800)];

/// "Compare": draw every panel's lines over the same window some time earlier
/// too (dashed), and optionally only where they differ by more than N %.
fn compare_picker(
    ui: &mut Ui,
    compare: &crate::session::compare::Compare,
    state: &mut UiState,
    commands: &mut Vec<Command>,
) {
    let shown = compare.all.map_or_else(
        || "off".to_owned(),
        |shift| format!("{} ago", format_duration(shift)),
    );
    let mut threshold = None;
    let mut chosen: Option<Option<Duration>> = None;
    let mut send = |shift: Option<Duration>| chosen = Some(shift);
    // The bar is laid out right to left: the box goes first so that its label
    // reads before it ("Compare off ▾"), not after it.
    let combo = egui::ComboBox::from_id_salt("compare")
        .selected_text(shown)
        .show_ui(ui, |ui| {
            if ui.selectable_label(compare.all.is_none(), "off").clicked() {
                send(None);
            }
            for &(label, seconds) in COMPARE_CHOICES {
                let shift = Duration::from_secs(seconds);
                if ui
                    .selectable_label(compare.all == Some(shift), label)
                    .clicked()
                {
                    send(Some(shift));
                }
            }
            ui.horizontal(|ui| {
                let custom = ui.label("Offset");
                let field = ui
                    .add(egui::TextEdit::singleline(&mut state.compare_text).desired_width(60.0))
                    .labelled_by(custom.id);
                if field.lost_focus() {
                    match crate::time_range::parse_duration(&state.compare_text) {
                        Ok(shift) if !shift.is_zero() => send(Some(shift)),
                        _ => {}
                    }
                }
            });
            let mut percent = compare.min_change_percent;
            let slider = ui.add(
                egui::Slider::new(&mut percent, 0.0..=100.0)
                    .suffix(" %")
                    .text("only where it differs by more than"),
            );
            if slider.changed() {
                threshold = Some(percent);
            }
        })
        .response;
    let label = ui.label("Compare");
    let _ = combo.labelled_by(label.id);
    if let Some(shift) = chosen {
        commands.push(Command::Compare { panel: None, shift });
    }
    if let Some(percent) = threshold {
        commands.push(Command::CompareThreshold(percent));
    }
}

/// Where "Save incident…" writes, while its window is open.
pub(crate) fn incident_dialog(
    ctx: &egui::Context,
    state: &mut UiState,
    commands: &mut Vec<Command>,
) {
    let Some(path) = state.incident_path.as_mut() else {
        return;
    };
    let mut close = false;
    egui::Window::new("Save incident")
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            let label = ui.label("Incident file");
            ui.add(egui::TextEdit::singleline(path).desired_width(360.0))
                .labelled_by(label.id);
            ui.horizontal(|ui| {
                if ui.button("Save").clicked() && !path.trim().is_empty() {
                    commands.push(Command::SaveIncident(path.trim().into()));
                    close = true;
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
    if close {
        state.incident_path = None;
    }
}

fn refresh_picker(ui: &mut Ui, view: &ViewState, commands: &mut Vec<Command>) {
    let mut selected = view.refresh;
    // Box first, then its label: the bar runs right to left, so it reads
    // "Refresh 5s ▾" (`from_label` would put the label after the value).
    let combo = egui::ComboBox::from_id_salt("refresh")
        .selected_text(format_duration(view.refresh))
        .show_ui(ui, |ui| {
            for &seconds in REFRESH_CHOICES {
                let choice = Duration::from_secs(seconds);
                ui.selectable_value(&mut selected, choice, format_duration(choice));
            }
        })
        .response;
    let label = ui.label("Refresh");
    let _ = combo.labelled_by(label.id);
    if selected != view.refresh {
        commands.push(Command::SetRefresh(selected));
    }
}

fn range_picker(ui: &mut Ui, view: &ViewState, state: &mut UiState, commands: &mut Vec<Command>) {
    let button = ui
        .add(egui::Button::new(view.range.label()).selected(state.picker_open))
        .on_hover_text("Time range");
    if button.clicked() {
        state.picker_open = !state.picker_open;
        // Open the editor on what is shown now.
        state.from_text = view.range.from.to_string();
        state.to_text = view.range.to.to_string();
        state.time_error = None;
    }
    if !state.picker_open {
        return;
    }
    // A window rather than a menu: a menu closes on the first keystroke typed into it.
    let mut open = true;
    egui::Window::new("Time range")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .pivot(egui::Align2::RIGHT_TOP)
        .default_pos(button.rect.right_bottom() + egui::vec2(0.0, 4.0))
        .show(ui.ctx(), |ui| {
            ui.set_min_width(260.0);
            for &(label, seconds) in QUICK_RANGES {
                if ui.button(label).clicked() {
                    commands.push(Command::SetRange(TimeRange::last(Duration::from_secs(
                        seconds,
                    ))));
                    state.picker_open = false;
                }
            }
            ui.separator();
            ui.label("Custom range (e.g. now-2h, 2026-11-25 10:00)");
            let from_label = ui.label("From");
            ui.text_edit_singleline(&mut state.from_text)
                .labelled_by(from_label.id);
            let to_label = ui.label("To");
            ui.text_edit_singleline(&mut state.to_text)
                .labelled_by(to_label.id);
            if ui.button("Apply range").clicked() {
                match TimeRange::parse(&state.from_text, &state.to_text) {
                    Ok(range) => {
                        commands.push(Command::SetRange(range));
                        state.picker_open = false;
                    }
                    Err(error) => state.time_error = Some(error.to_string()),
                }
            }
            if let Some(error) = &state.time_error {
                ui.colored_label(super::theme::ERROR, error);
            }
        });
    if !open {
        state.picker_open = false;
    }
}
