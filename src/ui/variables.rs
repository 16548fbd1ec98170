//! The template variables' dropdowns in the top bar: one per variable, "All" where
//! the layout offers it, checkboxes where several values may be chosen.

use crate::dashboard::Dashboard;
use crate::variables::resolve::Resolver;
use crate::variables::selection::ALL;
use crate::variables::{Selected, VariableSpec};
use crate::view::Command;
use egui::Ui;

/// Draws every variable's dropdown, in name order.
pub(crate) fn show(
    ui: &mut Ui,
    dashboard: &Dashboard,
    variables: &Resolver,
    commands: &mut Vec<Command>,
) {
    for spec in &dashboard.variables {
        let chosen = dashboard.selection.get(&spec.name);
        let options = variables.options(dashboard, &spec.name);
        let error = variables.problem(&spec.name);
        // Label and box take one place of known width, so a bar that wraps moves
        // them to the next row together.
        let label = format!("{}:", spec.label);
        let label_width = egui::WidgetText::from(label.as_str())
            .into_galley(
                ui,
                Some(egui::TextWrapMode::Extend),
                f32::INFINITY,
                egui::TextStyle::Body,
            )
            .size()
            .x;
        let size = egui::vec2(
            label_width + ui.spacing().item_spacing.x + BOX_WIDTH,
            ui.spacing().interact_size.y,
        );
        ui.allocate_ui_with_layout(
            size,
            egui::Layout::left_to_right(egui::Align::Center),
            |ui| dropdown(ui, &label, spec, chosen, options, error, commands),
        );
    }
}

/// Width of a variable's box; a longer choice is cut short with "…" (the whole
/// of it is in the open menu).
const BOX_WIDTH: f32 = 160.0;

fn dropdown(
    ui: &mut Ui,
    label: &str,
    spec: &VariableSpec,
    chosen: Option<&Selected>,
    options: Option<&[String]>,
    error: Option<&str>,
    commands: &mut Vec<Command>,
) {
    let shown = match (chosen, error) {
        (Some(selected), _) => selected.display(),
        (None, Some(_)) => "unavailable".to_owned(),
        (None, None) => "loading…".to_owned(),
    };
    let label = ui.label(label);
    let combo = egui::ComboBox::from_id_salt(("variable", &spec.name))
        .selected_text(shown.clone())
        .width(BOX_WIDTH)
        .truncate()
        .show_ui(ui, |ui| {
            if let Some(error) = error {
                ui.colored_label(super::theme::ERROR, error);
            }
            let Some(options) = options else {
                ui.label("loading values…");
                return;
            };
            if spec.multi {
                multi_choices(ui, spec, chosen, options, commands);
            } else {
                single_choices(ui, spec, chosen, options, commands);
            }
        });
    combo
        .response
        .labelled_by(label.id)
        .on_hover_text(format!("${}: {shown}", spec.name));
}

fn single_choices(
    ui: &mut Ui,
    spec: &VariableSpec,
    chosen: Option<&Selected>,
    options: &[String],
    commands: &mut Vec<Command>,
) {
    let mut pick = |ui: &mut Ui, selected: Selected, text: &str| {
        if ui
            .selectable_label(chosen == Some(&selected), text)
            .clicked()
        {
            commands.push(Command::SetVariable {
                name: spec.name.clone(),
                selected,
            });
        }
    };
    if spec.include_all {
        pick(ui, Selected::All, ALL);
    }
    for value in options {
        pick(ui, Selected::Values(vec![value.clone()]), value);
    }
}

fn multi_choices(
    ui: &mut Ui,
    spec: &VariableSpec,
    chosen: Option<&Selected>,
    options: &[String],
    commands: &mut Vec<Command>,
) {
    let is_all = chosen == Some(&Selected::All);
    let current: Vec<String> = match chosen {
        Some(Selected::Values(values)) => values.clone(),
        _ => Vec::new(),
    };
    let mut send = |selected: Selected| {
        commands.push(Command::SetVariable {
            name: spec.name.clone(),
            selected,
        });
    };
    if spec.include_all {
        let mut all = is_all;
        if ui.checkbox(&mut all, ALL).changed() && all {
            send(Selected::All);
        }
    }
    for value in options {
        let mut on = !is_all && current.contains(value);
        if ui.checkbox(&mut on, value.as_str()).changed() {
            let mut next: Vec<String> = if is_all { Vec::new() } else { current.clone() };
            if on {
                next.push(value.clone());
            } else {
                next.retain(|v| v != value);
            }
            // Nothing chosen means every value where All is offered, else keep one.
            if next.is_empty() {
                match spec.include_all {
                    true => send(Selected::All),
                    false => continue,
                }
            } else {
                send(Selected::Values(next));
            }
        }
    }
}
