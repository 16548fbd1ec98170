//! The layout picker: the layouts folder, recent files, the built-in demo and a
//! new empty layout, with a filter; open in this window or in a new one. Asks
//! first when the current layout has unsaved edits.

use crate::library::{PickerState, Target};
use crate::view::Command;
use egui::{RichText, Ui};

/// The picker window's own state.
#[derive(Default)]
pub(crate) struct PickerUi {
    /// Whether the window is shown.
    pub open: bool,
    /// Typed filter (substring of title or path, case-insensitive).
    pub filter: String,
    /// A Grafana dashboard's path, to import.
    pub import_path: String,
    /// The first-run window asked for "Connect…": its fields get the focus.
    pub connect_open: bool,
    /// A Prometheus-compatible server's URL, to discover.
    pub connect_prometheus: String,
    /// `REGION[:PROFILE]` of an AWS account, to discover.
    pub connect_cloudwatch: String,
    /// Why the typed targets were refused.
    pub connect_error: Option<String>,
}

/// The top-bar button that opens the picker.
pub(crate) fn button(ui: &mut Ui, state: &mut PickerUi, commands: &mut Vec<Command>) {
    if ui
        .add(egui::Button::new("Layouts").selected(state.open))
        .on_hover_text("Open another layout, a recent one, the demo, or a new one")
        .clicked()
    {
        state.open = !state.open;
        if state.open {
            commands.push(Command::ListLayouts);
        }
    }
}

/// The picker window, and the question before a switch that would drop edits.
pub(crate) fn window(
    ctx: &egui::Context,
    picker: &PickerState,
    state: &mut PickerUi,
    commands: &mut Vec<Command>,
) {
    if picker.pending.is_some() {
        egui::Window::new("Unsaved edits")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label("This layout has edits that are not saved. Opening another drops them.");
                ui.horizontal(|ui| {
                    if ui.button("Discard edits and open").clicked() {
                        commands.push(Command::ConfirmOpen { discard: true });
                    }
                    if ui.button("Stay here").clicked() {
                        commands.push(Command::ConfirmOpen { discard: false });
                    }
                });
            });
    }
    if !state.open {
        return;
    }
    let mut open = true;
    let mut chosen = None;
    egui::Window::new("Layouts")
        .open(&mut open)
        .default_size([560.0, 420.0])
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                let label = ui.label("Find layout");
                ui.text_edit_singleline(&mut state.filter)
                    .labelled_by(label.id);
            });
            ui.horizontal(|ui| {
                if ui
                    .button("New layout")
                    .on_hover_text("An empty grid, in edit mode")
                    .clicked()
                {
                    chosen = Some((Target::New, false));
                }
                if ui.button("Built-in demo").clicked() {
                    chosen = Some((Target::BuiltinDemo, false));
                }
            });
            connect(ui, state, &mut chosen);
            ui.horizontal(|ui| {
                let label = ui.label("Grafana dashboard (.json)");
                ui.text_edit_singleline(&mut state.import_path)
                    .labelled_by(label.id);
                if ui
                    .button("Import")
                    .on_hover_text("Convert it into a layout (or drop the file onto the window)")
                    .clicked()
                    && !state.import_path.trim().is_empty()
                {
                    chosen = Some((Target::Grafana(state.import_path.trim().into()), false));
                }
            });
            ui.separator();
            let Some(entries) = &picker.entries else {
                ui.label("loading…");
                return;
            };
            let needle = state.filter.to_lowercase();
            egui::ScrollArea::vertical().show(ui, |ui| {
                for entry in entries {
                    let title = entry.title.clone().unwrap_or_default();
                    let path = entry.path.display().to_string();
                    if !needle.is_empty()
                        && !title.to_lowercase().contains(&needle)
                        && !path.to_lowercase().contains(&needle)
                    {
                        continue;
                    }
                    ui.horizontal(|ui| {
                        if ui
                            .button("Open")
                            .on_hover_text(format!("Open {title} in this window"))
                            .clicked()
                        {
                            chosen = Some((Target::File(entry.path.clone()), false));
                        }
                        if ui
                            .small_button("New window")
                            .on_hover_text(format!("Open {title} in a new window"))
                            .clicked()
                        {
                            chosen = Some((Target::File(entry.path.clone()), true));
                        }
                        let recent = if entry.recent { " · recent" } else { "" };
                        ui.label(RichText::new(&title).strong());
                        ui.label(RichText::new(format!("{path}{recent}")).weak());
                    });
                }
            });
        });
    if let Some((target, new_window)) = chosen {
        commands.push(Command::OpenLayout { target, new_window });
        state.open = false;
    }
    state.open &= open;
}

/// "Connect": a Prometheus URL and/or an AWS region, discovered into a new layout
/// (the asking runs on the runtime; the window opens the file it writes).
fn connect(ui: &mut Ui, state: &mut PickerUi, chosen: &mut Option<(Target, bool)>) {
    ui.label(RichText::new("Connect to Prometheus or AWS").strong());
    ui.horizontal(|ui| {
        let label = ui.label("Prometheus URL");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut state.connect_prometheus)
                    .hint_text("http://prometheus:9090"),
            )
            .labelled_by(label.id);
        if std::mem::take(&mut state.connect_open) {
            field.request_focus();
        }
        let label = ui.label("AWS region[:profile]");
        ui.add(
            egui::TextEdit::singleline(&mut state.connect_cloudwatch)
                .hint_text("us-east-1")
                .desired_width(140.0),
        )
        .labelled_by(label.id);
        if ui
            .button("Discover")
            .on_hover_text(
                "Ask what it holds, recognise vLLM, TGI, SGLang, Triton, GPUs, Neuron, \
                 SageMaker, Bedrock…, and write a layout for it into the layouts folder",
            )
            .clicked()
        {
            match connect_targets(&state.connect_prometheus, &state.connect_cloudwatch) {
                Ok(targets) => {
                    state.connect_error = None;
                    *chosen = Some((Target::Discover(targets), false));
                }
                Err(error) => state.connect_error = Some(error),
            }
        }
    });
    if let Some(error) = &state.connect_error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}

/// The typed fields as discovery targets, or why not.
fn connect_targets(prometheus: &str, cloudwatch: &str) -> Result<crate::discover::Targets, String> {
    let prometheus = prometheus.trim();
    let cloudwatch = cloudwatch.trim();
    if prometheus.is_empty() && cloudwatch.is_empty() {
        return Err("type a Prometheus URL, an AWS region, or both".to_owned());
    }
    let is_url = prometheus.starts_with("http://") || prometheus.starts_with("https://");
    if !prometheus.is_empty() && !is_url {
        return Err(format!(
            "`{prometheus}`: a URL starts with http:// or https://"
        ));
    }
    Ok(crate::discover::Targets {
        prometheus: (!prometheus.is_empty()).then(|| prometheus.to_owned()),
        cloudwatch: if cloudwatch.is_empty() {
            None
        } else {
            Some(
                crate::discover::CloudWatchTarget::parse(cloudwatch)
                    .map_err(|error| error.to_string())?,
            )
        },
    })
}
