//! The side form of the selected panel: title, kind, unit, bounds and each
//! query's text. A field is applied when it loses focus (or on Enter); the
//! dashboard is compiled from the result at once, and what `check` would say
//! about it shows here, under the fields.

use super::EditUiState;
use crate::app::Command;
use crate::app::editing::Editing;
use crate::dashboard::PanelId;
use crate::edit::document::LayoutDocument;
use crate::edit::{EditCommand, FieldValue};
use egui::{RichText, Ui};

/// The keys a query's main text may be under, by source kind.
const QUERY_KEYS: &[&str] = &["promql", "metric", "expression", "sql", "derive"];

/// Draws the form in a right-hand side panel when a panel is selected.
pub fn show(ui: &mut Ui, editing: &Editing, state: &mut EditUiState, commands: &mut Vec<Command>) {
    let (Some(panel), Some(doc)) = (&editing.selected, editing.document()) else {
        return;
    };
    if doc.panel_str(panel.as_str(), "title").is_none() {
        return;
    }
    egui::Panel::right("panel_form")
        .default_size(380.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                fields(ui, panel, doc, state, commands);
                if let Some(problems) = &editing.problems {
                    ui.separator();
                    ui.colored_label(crate::ui::theme::ERROR, problems);
                }
            });
        });
}

fn fields(
    ui: &mut Ui,
    panel: &PanelId,
    doc: &LayoutDocument,
    state: &mut EditUiState,
    commands: &mut Vec<Command>,
) {
    let id = panel.as_str();
    ui.horizontal(|ui| {
        ui.label(RichText::new("Panel").strong());
        if ui.button("Close form").clicked() {
            commands.push(Command::Edit(EditCommand::Select(None)));
        }
    });
    let mut changes: Vec<(String, Option<FieldValue>)> = Vec::new();
    let mut set_panel =
        |key: &str, value: Option<FieldValue>| changes.push((key.to_owned(), value));
    let text = |key: &str| doc.panel_str(id, key).unwrap_or_default();
    if let Some(title) = text_field(ui, "Title", &format!("{id}/title"), &text("title"), state) {
        set_panel("title", Some(FieldValue::Text(title)));
    }
    let kind = doc
        .panel_str(id, "kind")
        .unwrap_or_else(|| "timeseries".to_owned());
    let mut chosen = kind.clone();
    let label = ui.label("Kind");
    egui::ComboBox::from_id_salt(("kind", id))
        .selected_text(&chosen)
        .show_ui(ui, |ui| {
            for option in ["timeseries", "stat", "bars", "alarms"] {
                ui.selectable_value(&mut chosen, option.to_owned(), option);
            }
        })
        .response
        .labelled_by(label.id);
    if chosen != kind {
        set_panel("kind", Some(FieldValue::Text(chosen)));
    }
    if let Some(unit) = text_field(ui, "Unit", &format!("{id}/unit"), &text("unit"), state) {
        set_panel("unit", (!unit.is_empty()).then_some(FieldValue::Text(unit)));
    }
    for bound in ["min", "max"] {
        let written = doc
            .panel_number(id, bound)
            .map(|n| n.to_string())
            .unwrap_or_default();
        let label = if bound == "min" { "Min" } else { "Max" };
        if let Some(typed) = text_field(ui, label, &format!("{id}/{bound}"), &written, state) {
            match typed.trim() {
                "" => set_panel(bound, None),
                number => match number.parse::<f64>() {
                    Ok(value) => set_panel(bound, Some(FieldValue::Number(value))),
                    Err(_) => {
                        state.buffers.insert(
                            format!("{id}/{bound}/error"),
                            format!("`{number}` is not a number"),
                        );
                    }
                },
            }
        }
        if let Some(error) = state.buffers.get(&format!("{id}/{bound}/error")) {
            ui.colored_label(crate::ui::theme::ERROR, error);
        }
    }
    commands.extend(changes.into_iter().map(|(key, value)| {
        Command::Edit(EditCommand::SetPanelKey {
            panel: panel.clone(),
            key,
            value,
        })
    }));
    for index in 0..doc.query_count(id) {
        ui.separator();
        ui.label(RichText::new(format!("Query {}", index + 1)).strong());
        for key in QUERY_KEYS.iter().chain(&["legend"]) {
            let Some(written) = doc.query_str(id, index, key) else {
                if *key != "legend" {
                    continue;
                }
                // Every query may get a legend.
                if let Some(typed) =
                    text_field(ui, "legend", &format!("{id}/{index}/legend"), "", state)
                {
                    commands.push(set_query(panel, index, key, &typed));
                }
                continue;
            };
            if let Some(typed) =
                text_field(ui, key, &format!("{id}/{index}/{key}"), &written, state)
            {
                commands.push(set_query(panel, index, key, &typed));
            }
        }
    }
}

fn set_query(panel: &PanelId, index: usize, key: &str, typed: &str) -> Command {
    Command::Edit(EditCommand::SetQueryKey {
        panel: panel.clone(),
        index,
        key: key.to_owned(),
        value: (!typed.is_empty() || key != "legend").then(|| FieldValue::Text(typed.to_owned())),
    })
}

/// A labelled text field showing `written` while not being typed into; returns
/// the typed text when the field is left (or Enter pressed) with a change.
fn text_field(
    ui: &mut Ui,
    label: &str,
    key: &str,
    written: &str,
    state: &mut EditUiState,
) -> Option<String> {
    let id = ui.make_persistent_id(("form", key));
    let focused = ui.memory(|m| m.has_focus(id));
    let buffer = state.buffers.entry(key.to_owned()).or_default();
    if !focused {
        written.clone_into(buffer);
    }
    let label = ui.label(label);
    let response = ui
        .add(
            egui::TextEdit::singleline(buffer)
                .id(id)
                .code_editor()
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    (response.lost_focus() && buffer.as_str() != written).then(|| buffer.clone())
}
