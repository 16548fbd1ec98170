//! The side form of the selected panel: its keys, each of its queries' keys and
//! the local rules that watch it, whatever the source kind. Strings are edited as
//! text; anything else (numbers, thresholds, dimensions, the grid) as TOML. A
//! field is applied when it loses focus (or on Enter); the dashboard is compiled
//! from the result at once, and what `check` would say about it shows here.

use super::EditUiState;
use crate::dashboard::PanelId;
use crate::edit::document::{Entry, LayoutDocument};
use crate::edit::editing::Editing;
use crate::edit::{EditCommand, FieldValue};
use crate::view::Command;
use egui::{RichText, Ui};

/// Panel keys always offered, even when the file does not set them yet.
const PANEL_KEYS: &[(&str, Kind)] = &[
    ("title", Kind::Text),
    ("kind", Kind::Text),
    ("unit", Kind::Text),
    ("min", Kind::Toml),
    ("max", Kind::Toml),
    ("thresholds", Kind::Toml),
];

/// Keys a rule always offers.
const RULE_KEYS: &[(&str, Kind)] = &[
    ("above", Kind::Toml),
    ("below", Kind::Toml),
    ("for", Kind::Text),
    ("severity", Kind::Text),
];

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Toml,
}

/// Where a field's change goes.
#[derive(Clone)]
enum Target {
    Panel,
    Query(usize),
    Rule(String),
}

/// Draws the form in a right-hand side panel when a panel is selected.
pub(crate) fn show(
    ui: &mut Ui,
    editing: &Editing,
    state: &mut EditUiState,
    commands: &mut Vec<Command>,
) {
    let (Some(panel), Some(doc)) = (&editing.selected, editing.document()) else {
        return;
    };
    let Some(title) = doc.panel_str(panel.as_str(), "title") else {
        return;
    };
    egui::Panel::right("panel_form")
        .default_size(400.0)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(RichText::new(&title).strong());
                if ui.button("Close form").clicked() {
                    commands.push(Command::Edit(EditCommand::Select(None)));
                }
            });
            if let Some(problems) = &editing.problems {
                ui.colored_label(crate::ui::theme::ERROR, problems);
            }
            if let Some(message) = &editing.message {
                ui.label(RichText::new(message).weak());
            }
            egui::ScrollArea::vertical().show(ui, |ui| {
                let mut form = Form {
                    panel,
                    state,
                    commands,
                };
                form.panel_fields(ui, doc);
                for index in 0..doc.query_count(panel.as_str()) {
                    ui.separator();
                    ui.label(RichText::new(format!("Query {}", index + 1)).strong());
                    let mut entries = doc.query_entries(panel.as_str(), index);
                    if !entries.iter().any(|(key, _)| key == "legend") {
                        entries.push(("legend".to_owned(), Entry::Text(String::new())));
                    }
                    form.fields(ui, &Target::Query(index), &entries);
                }
                form.rules(ui, doc, &title);
            });
        });
}

struct Form<'a> {
    panel: &'a PanelId,
    state: &'a mut EditUiState,
    commands: &'a mut Vec<Command>,
}

impl Form<'_> {
    fn panel_fields(&mut self, ui: &mut Ui, doc: &LayoutDocument) {
        let written = doc.panel_entries(self.panel.as_str());
        let mut entries: Vec<(String, Entry)> = PANEL_KEYS
            .iter()
            .map(|(key, kind)| {
                let found = written
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, e)| e.clone());
                let empty = match kind {
                    Kind::Text => Entry::Text(String::new()),
                    Kind::Toml => Entry::Toml(String::new()),
                };
                ((*key).to_owned(), found.unwrap_or(empty))
            })
            .collect();
        entries.extend(
            written
                .into_iter()
                .filter(|(key, _)| !PANEL_KEYS.iter().any(|(k, _)| k == key)),
        );
        let (kind, rest): (Vec<_>, Vec<_>) = entries.into_iter().partition(|(k, _)| k == "kind");
        if let Some((_, Entry::Text(kind))) = kind.first() {
            self.kind_choice(ui, kind);
        }
        self.fields(ui, &Target::Panel, &rest);
    }

    fn kind_choice(&mut self, ui: &mut Ui, written: &str) {
        let shown = if written.is_empty() {
            "timeseries"
        } else {
            written
        };
        let mut chosen = shown.to_owned();
        let label = ui.label("kind");
        egui::ComboBox::from_id_salt(("form-kind", self.panel.as_str()))
            .selected_text(&chosen)
            .show_ui(ui, |ui| {
                for option in ["timeseries", "stat", "bars", "heatmap", "alarms"] {
                    ui.selectable_value(&mut chosen, option.to_owned(), option);
                }
            })
            .response
            .labelled_by(label.id);
        if chosen != shown {
            self.send(&Target::Panel, "kind", Some(FieldValue::Text(chosen)));
        }
    }

    fn rules(&mut self, ui: &mut Ui, doc: &LayoutDocument, title: &str) {
        ui.separator();
        ui.horizontal(|ui| {
            ui.label(RichText::new("Alarm rules").strong());
            if ui.button("Add rule").clicked() {
                self.commands
                    .push(Command::Edit(EditCommand::AddRule(title.to_owned())));
            }
        });
        for (name, written) in doc.rules_of(title) {
            ui.horizontal(|ui| {
                ui.label(RichText::new(&name).italics());
                if ui.small_button("Delete rule").clicked() {
                    self.commands
                        .push(Command::Edit(EditCommand::DeleteRule(name.clone())));
                }
            });
            let mut entries: Vec<(String, Entry)> = written
                .iter()
                .filter(|(key, _)| key != "name" && key != "panel")
                .cloned()
                .collect();
            for (key, kind) in RULE_KEYS {
                if !entries.iter().any(|(k, _)| k == key) {
                    let empty = match kind {
                        Kind::Text => Entry::Text(String::new()),
                        Kind::Toml => Entry::Toml(String::new()),
                    };
                    entries.push(((*key).to_owned(), empty));
                }
            }
            self.fields(ui, &Target::Rule(name), &entries);
        }
    }

    /// One field per entry; a change is sent when the field is left.
    fn fields(&mut self, ui: &mut Ui, target: &Target, entries: &[(String, Entry)]) {
        for (key, entry) in entries {
            let (written, toml) = match entry {
                Entry::Text(text) => (text.as_str(), false),
                Entry::Toml(text) => (text.as_str(), true),
            };
            let field = format!("{}/{}/{key}", self.panel.as_str(), target_name(target));
            if let Some(typed) = text_field(ui, key, &field, written, toml, self.state) {
                let value = match typed.trim() {
                    "" => None,
                    _ if toml => Some(FieldValue::Toml(typed)),
                    _ => Some(FieldValue::Text(typed)),
                };
                self.send(target, key, value);
            }
        }
    }

    fn send(&mut self, target: &Target, key: &str, value: Option<FieldValue>) {
        let panel = self.panel.clone();
        let key = key.to_owned();
        let command = match target {
            Target::Panel => EditCommand::SetPanelKey { panel, key, value },
            Target::Query(index) => EditCommand::SetQueryKey {
                panel,
                index: *index,
                key,
                value,
            },
            Target::Rule(rule) => EditCommand::SetRuleKey {
                rule: rule.clone(),
                key,
                value,
            },
        };
        self.commands.push(Command::Edit(command));
    }
}

fn target_name(target: &Target) -> String {
    match target {
        Target::Panel => "panel".to_owned(),
        Target::Query(index) => format!("q{index}"),
        Target::Rule(name) => format!("rule {name}"),
    }
}

/// A labelled text field showing `written` while not being typed into; returns
/// the typed text when the field is left (or Enter pressed) with a change.
fn text_field(
    ui: &mut Ui,
    label: &str,
    key: &str,
    written: &str,
    toml: bool,
    state: &mut EditUiState,
) -> Option<String> {
    let id = ui.make_persistent_id(("form", key));
    let focused = ui.memory(|m| m.has_focus(id));
    let buffer = state.buffers.entry(key.to_owned()).or_default();
    if !focused {
        written.clone_into(buffer);
    }
    let label = ui.label(if toml {
        RichText::new(format!("{label} (TOML)"))
    } else {
        RichText::new(label)
    });
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
