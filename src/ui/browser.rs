//! The metric browser: a source's metric names with type and help, a typed filter,
//! and the label names and values of the picked metric. Picking builds the query in
//! the query field, ready to copy into a layout: a PromQL selector, or for
//! CloudWatch the keys of a `[[panels.queries]]` table.

use crate::source::browse::{LabelValues, MetricInfo};
use crate::view::Command;
use egui::{RichText, Ui};
use std::sync::{Arc, Mutex};

/// An answer that arrives from a background fetch: `None` while loading.
pub(crate) type Slot<T> = Arc<Mutex<Option<Result<T, String>>>>;

/// Most metrics listed at once; the filter narrows the rest.
const MAX_LISTED: usize = 300;

/// State of the browser window.
#[derive(Default)]
pub(crate) struct MetricBrowser {
    /// Whether the window is shown.
    pub open: bool,
    /// The source browsed.
    pub source: String,
    /// Typed filter (substring of name or help, case-insensitive).
    pub filter: String,
    /// The metric list, filled in the background.
    pub metrics: Slot<Vec<MetricInfo>>,
    /// The picked metric.
    pub selected: Option<MetricInfo>,
    /// CloudWatch: the dimensions picked so far.
    pub dimensions: std::collections::BTreeMap<String, String>,
    /// Labels of the picked metric, filled in the background.
    pub labels: Slot<LabelValues>,
    /// The query being built.
    pub query: String,
}

/// Draws the top-bar button that opens the browser on the first of `sources`.
pub(crate) fn button(
    ui: &mut Ui,
    browser: &mut MetricBrowser,
    sources: &[String],
    commands: &mut Vec<Command>,
) {
    if sources.is_empty() {
        return;
    }
    if ui
        .add(egui::Button::new("Metrics").selected(browser.open))
        .on_hover_text("Browse metric names, their help and labels")
        .clicked()
    {
        browser.open = !browser.open;
        if browser.open && !sources.contains(&browser.source) {
            browser.source = sources[0].clone();
            commands.push(Command::BrowseMetrics(browser.source.clone()));
        }
    }
}

/// Draws the browser window when open.
pub(crate) fn window(
    ctx: &egui::Context,
    browser: &mut MetricBrowser,
    sources: &[String],
    commands: &mut Vec<Command>,
) {
    if !browser.open {
        return;
    }
    let mut open = true;
    egui::Window::new("Metric browser")
        .open(&mut open)
        .default_size([820.0, 520.0])
        .show(ctx, |ui| contents(ui, browser, sources, commands));
    browser.open &= open;
}

fn contents(
    ui: &mut Ui,
    browser: &mut MetricBrowser,
    sources: &[String],
    commands: &mut Vec<Command>,
) {
    if sources.len() > 1 {
        source_picker(ui, browser, sources, commands);
    }
    ui.horizontal(|ui| {
        let label = ui.label("Filter");
        ui.text_edit_singleline(&mut browser.filter)
            .labelled_by(label.id);
    });
    // Metrics on the left, the picked metric's labels on the right.
    ui.columns(2, |columns| {
        metric_list(&mut columns[0], browser, commands);
        if let Some(selected) = browser.selected.clone() {
            label_list(&mut columns[1], browser, &selected);
        }
    });
    ui.separator();
    query_row(ui, browser, commands);
}

/// Which source the browser lists, where the layout has several.
fn source_picker(
    ui: &mut Ui,
    browser: &mut MetricBrowser,
    sources: &[String],
    commands: &mut Vec<Command>,
) {
    let before = browser.source.clone();
    // The label before its value ("Source prom ▾"), as everywhere.
    ui.horizontal(|ui| {
        let label = ui.label("Source");
        let combo = egui::ComboBox::from_id_salt("browser-source")
            .selected_text(&browser.source)
            .show_ui(ui, |ui| {
                for source in sources {
                    ui.selectable_value(&mut browser.source, source.clone(), source);
                }
            })
            .response;
        let _ = combo.labelled_by(label.id);
    });
    if before != browser.source {
        browser.selected = None;
        commands.push(Command::BrowseMetrics(browser.source.clone()));
    }
}

/// What a slot's answer holds, once it came; "loading…" or the error, in its
/// place, until then.
fn answered<T>(ui: &mut Ui, answer: Option<Result<T, String>>) -> Option<T> {
    match answer {
        None => {
            ui.label("loading…");
            None
        }
        Some(Err(error)) => {
            ui.colored_label(super::theme::ERROR, error);
            None
        }
        Some(Ok(value)) => Some(value),
    }
}

/// The source's metrics that match the filter; a click picks one and asks for
/// its labels.
fn metric_list(ui: &mut Ui, browser: &mut MetricBrowser, commands: &mut Vec<Command>) {
    let metrics = browser.metrics.lock().map(|m| m.clone()).unwrap_or(None);
    let needle = browser.filter.to_lowercase();
    egui::ScrollArea::vertical()
        .id_salt("metric_list")
        .max_height(380.0)
        .show(ui, |ui| {
            let Some(metrics) = answered(ui, metrics) else {
                return;
            };
            let matching: Vec<&MetricInfo> = metrics
                .iter()
                .filter(|m| {
                    needle.is_empty()
                        || m.name.to_lowercase().contains(&needle)
                        || m.help.to_lowercase().contains(&needle)
                })
                .collect();
            ui.label(
                RichText::new(format!("{} of {} metrics", matching.len(), metrics.len())).weak(),
            );
            for metric in matching.into_iter().take(MAX_LISTED) {
                let picked = browser.selected.as_ref() == Some(metric);
                let response = ui
                    .selectable_label(picked, RichText::new(&metric.name).monospace())
                    .on_hover_text(format!("{}: {}", metric.kind, metric.help));
                ui.label(
                    RichText::new(format!("{} · {}", metric.kind, metric.help))
                        .small()
                        .weak(),
                );
                if response.clicked() {
                    browser.selected = Some(metric.clone());
                    browser.dimensions.clear();
                    browser.query = query_text(metric, &browser.dimensions);
                    commands.push(Command::BrowseLabels {
                        source: browser.source.clone(),
                        metric: metric.clone(),
                    });
                }
            }
        });
}

/// The picked metric's labels (or dimensions) and their values; a click on a
/// value narrows the query to it.
fn label_list(ui: &mut Ui, browser: &mut MetricBrowser, selected: &MetricInfo) {
    let heading = if selected.namespace.is_some() {
        "Dimensions"
    } else {
        "Labels"
    };
    ui.label(RichText::new(format!("{heading} of {}", selected.name)).strong());
    let labels = browser.labels.lock().map(|l| l.clone()).unwrap_or(None);
    egui::ScrollArea::vertical()
        .id_salt("label_list")
        .max_height(360.0)
        .show(ui, |ui| {
            let Some(labels) = answered(ui, labels) else {
                return;
            };
            for (name, values) in labels {
                ui.horizontal_wrapped(|ui| {
                    ui.label(RichText::new(format!("{name}:")).monospace());
                    for value in values {
                        let add = ui
                            .small_button(&value)
                            .on_hover_text(format!("add {name}=\"{value}\" to the query"));
                        if add.clicked() {
                            narrow(browser, selected, &name, &value);
                        }
                    }
                });
            }
        });
}

/// The query narrowed to `name` = `value`: a CloudWatch dimension, or a PromQL
/// label matcher.
fn narrow(browser: &mut MetricBrowser, selected: &MetricInfo, name: &str, value: &str) {
    if selected.namespace.is_some() {
        browser.dimensions.insert(name.to_owned(), value.to_owned());
        browser.query = query_text(selected, &browser.dimensions);
    } else {
        browser.query = add_matcher(&browser.query, name, value);
    }
}

/// The query as built so far, to copy or to add as a panel.
fn query_row(ui: &mut Ui, browser: &mut MetricBrowser, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        let label = ui.label("Query");
        ui.add(
            egui::TextEdit::singleline(&mut browser.query)
                .code_editor()
                .desired_width(380.0),
        )
        .labelled_by(label.id);
        if ui.button("Copy query").clicked() {
            ui.ctx().copy_text(browser.query.clone());
        }
        if let Some(new) = new_panel(browser)
            && ui
                .button("Add as panel")
                .on_hover_text("A new panel with this query, in edit mode")
                .clicked()
        {
            commands.push(Command::Edit(crate::edit::EditCommand::Add(Some(new))));
        }
    });
}

/// The panel "Add as panel" makes of what is picked: PromQL as typed, or the
/// CloudWatch metric with the dimensions picked so far.
fn new_panel(browser: &MetricBrowser) -> Option<crate::edit::new_panel::NewPanel> {
    use crate::edit::new_panel::{NewPanel, NewQuery};
    let metric = browser.selected.as_ref()?;
    let query = match &metric.namespace {
        Some(namespace) => NewQuery::CloudWatch {
            namespace: namespace.clone(),
            metric: metric.name.clone(),
            dimensions: browser.dimensions.clone(),
            stat: "Average".to_owned(),
        },
        None if browser.query.trim().is_empty() => return None,
        None => NewQuery::PromQl(browser.query.clone()),
    };
    Some(NewPanel::single(
        metric.name.clone(),
        browser.source.clone(),
        query,
    ))
}

/// The query for a picked metric: its name (PromQL), or for CloudWatch the keys of
/// a layout query table with the dimensions picked so far.
pub fn query_text(
    metric: &MetricInfo,
    dimensions: &std::collections::BTreeMap<String, String>,
) -> String {
    let Some(namespace) = &metric.namespace else {
        return metric.name.clone();
    };
    let quoted = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut text = format!(
        "namespace = {}, metric = {}, stat = \"Average\"",
        quoted(namespace),
        quoted(&metric.name)
    );
    if !dimensions.is_empty() {
        let pairs: Vec<String> = dimensions
            .iter()
            .map(|(k, v)| format!("{k} = {}", quoted(v)))
            .collect();
        text.push_str(&format!(", dimensions = {{ {} }}", pairs.join(", ")));
    }
    text
}

/// Adds `name="value"` to a selector: `m` → `m{name="value"}`, `m{a="b"}` → `m{a="b",name="value"}`.
pub(crate) fn add_matcher(query: &str, name: &str, value: &str) -> String {
    let matcher = format!(
        "{name}=\"{}\"",
        value.replace('\\', "\\\\").replace('"', "\\\"")
    );
    match query.strip_suffix('}') {
        Some(open) if open.ends_with('{') => format!("{open}{matcher}}}"),
        Some(open) => format!("{open},{matcher}}}"),
        None => format!("{query}{{{matcher}}}"),
    }
}

#[cfg(test)]
mod tests {
    use super::add_matcher;

    #[test]
    fn matchers_are_added_to_the_selector() {
        assert_eq!(add_matcher("up", "job", "fleet"), "up{job=\"fleet\"}");
        assert_eq!(
            add_matcher("up{job=\"fleet\"}", "instance", "a:1"),
            "up{job=\"fleet\",instance=\"a:1\"}"
        );
        assert_eq!(add_matcher("up{}", "job", "x\"y"), "up{job=\"x\\\"y\"}");
    }
}
