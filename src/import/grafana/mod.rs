//! `fleetdeck import grafana`: a Grafana dashboard (JSON, any schema version from
//! the old `rows[]` on) as a fleetdeck layout. The result always passes the
//! compile step: a panel that would not is replaced by a placeholder saying why,
//! so the grid keeps its shape and the report accounts for every panel.

mod mappings;
mod panels;
mod sources;
mod table;
mod targets;
mod units;
mod variables;

use super::report::{Outcome, Report};
use super::toml_text::{self, key, quoted};
use crate::dashboard::ids::slug;
use crate::layout::{Choices, compile_text};
use serde_json::Value;
use sources::{Datasources, Kind};
use std::collections::BTreeSet;
use std::path::Path;

/// Where the imported layout's sources point, from `--source`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceChoices {
    /// `--source prometheus=URL`.
    pub prometheus_url: Option<String>,
    /// `--source cloudwatch=REGION[:PROFILE]`.
    pub cloudwatch: Option<(String, Option<String>)>,
}

impl SourceChoices {
    /// Reads `kind=value` as `--source` gives it.
    pub fn add(&mut self, text: &str) -> Result<(), ImportError> {
        let refused = || {
            ImportError::Options(format!(
                "--source `{text}`: write prometheus=http://host:9090 or cloudwatch=REGION[:PROFILE]"
            ))
        };
        let (kind, value) = text.split_once('=').ok_or_else(refused)?;
        match kind.trim() {
            "prometheus" => self.prometheus_url = Some(value.trim().to_owned()),
            "cloudwatch" => {
                let (region, profile) = match value.split_once(':') {
                    Some((region, profile)) => (region, Some(profile.trim().to_owned())),
                    None => (value, None),
                };
                self.cloudwatch = Some((region.trim().to_owned(), profile));
            }
            _ => return Err(refused()),
        }
        Ok(())
    }
}

/// Why nothing could be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Not JSON (the parser says where).
    #[error("not a JSON file: {0}")]
    Json(String),
    /// JSON, but no dashboard in it.
    #[error("no Grafana dashboard in this JSON (expected an object with `panels` or `rows`)")]
    NotADashboard,
    /// A `--source` that does not parse.
    #[error("{0}")]
    Options(String),
    /// The layout written does not compile (a bug of the importer; the errors say where).
    #[error("the imported layout does not pass check:\n{0}")]
    Output(String),
}

/// An imported layout and what happened to each panel.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The layout's text.
    pub text: String,
    /// Per panel: converted, approximated, placeholder; then the counts.
    pub report: Report,
}

/// Imports the dashboard in `json`.
pub fn import(json: &str, sources: &SourceChoices) -> Result<Imported, ImportError> {
    let value: Value = serde_json::from_str(json).map_err(|e| ImportError::Json(e.to_string()))?;
    // The HTTP API wraps the dashboard: `{ "dashboard": {…}, "meta": {…} }`.
    let dashboard = value
        .get("dashboard")
        .filter(|d| d.is_object())
        .unwrap_or(&value);
    let looks_like_one = dashboard.is_object()
        && (dashboard.get("panels").is_some() || dashboard.get("rows").is_some());
    if !looks_like_one {
        return Err(ImportError::NotADashboard);
    }
    let datasources = Datasources::of(dashboard);
    let mut report = Report::default();
    let mut variables = variables::convert(dashboard, &datasources, &mut report.general);
    let mut panels = panels::convert(dashboard, &datasources);
    name_panels(&mut panels);
    let defined: BTreeSet<String> = variables.iter().map(|v| v.name.clone()).collect();
    for panel in &mut panels {
        let repeat = panel.lines.iter().position(|(k, _)| k == "repeat");
        if let Some(index) = repeat {
            let name = panel.lines[index].1.trim_matches('"').to_owned();
            if !defined.contains(&name) {
                panel.lines.remove(index);
                panel.report.notes.push(format!(
                    "repeat over `{name}` dropped: the variable did not convert"
                ));
            }
        }
    }
    let header = Header::of(dashboard, &mut report.general);
    let kinds = used_kinds(&panels, &variables);
    let sources_text = sources_text(&kinds, sources, &mut report.general);
    let render = |variables: &[variables::Variable], panels: &[panels::Panel]| {
        render(&header, &sources_text, variables, panels)
    };
    let compiles = |text: &str| compile_text(text, Path::new("imported.toml"), &Choices::default());
    // A variable that does not compile on its own goes; then a panel that does
    // not becomes a placeholder with the reason.
    variables.retain(
        |variable| match compiles(&render(std::slice::from_ref(variable), &[])) {
            Ok(_) => true,
            Err(errors) => {
                report.general.push(format!(
                    "variable `{}` dropped: {}",
                    variable.name,
                    first_message(&errors)
                ));
                false
            }
        },
    );
    if compiles(&render(&variables, &panels)).is_err() {
        for panel in &mut panels {
            if let Err(errors) = compiles(&render(&variables, std::slice::from_ref(panel))) {
                let why = format!("it did not convert cleanly ({})", first_message(&errors));
                *panel = panels::placeholder(panel.grid, panel.report.clone(), why);
            }
        }
    }
    let text = render(&variables, &panels);
    compiles(&text).map_err(|errors| ImportError::Output(errors.to_string()))?;
    report.panels = panels.into_iter().map(|p| p.report).collect();
    Ok(Imported { text, report })
}

/// The first problem's words, without the file:line:col.
fn first_message(errors: &crate::layout::LayoutErrors) -> String {
    errors
        .0
        .first()
        .map_or_else(|| "unknown".to_owned(), |e| e.message.clone())
}

/// Unique, non-empty titles whose ids (slugs) are unique too.
fn name_panels(panels: &mut [panels::Panel]) {
    let mut slugs: BTreeSet<String> = BTreeSet::new();
    // Where the search for a free number goes on for each base: a thousand panels
    // titled alike would otherwise try 1, 2, 3, … again for each of them.
    let mut next_number: std::collections::HashMap<String, usize> = Default::default();
    for (index, panel) in panels.iter_mut().enumerate() {
        let base = if slug(&panel.report.title).is_empty() {
            match panel.report.outcome {
                Outcome::Row => format!("Row {}", index + 1),
                _ => format!("{} {}", panel.report.from_type, index + 1),
            }
        } else {
            panel.report.title.clone()
        };
        let from = next_number.get(&base).copied().unwrap_or(1);
        let (title, number) = first_free_from(from, &base, |title| slugs.contains(&slug(title)));
        next_number.insert(base, number + 1);
        slugs.insert(slug(&title));
        panel.report.title = title;
    }
}

/// `base` (number 1) or `base (n)`, the first free from number `from` on, with its
/// number.
fn first_free_from(from: usize, base: &str, taken: impl Fn(&str) -> bool) -> (String, usize) {
    let named = |n: usize| {
        if n == 1 {
            base.to_owned()
        } else {
            format!("{base} ({n})")
        }
    };
    (from..)
        .map(|n| (named(n), n))
        .find(|(name, _)| !taken(name))
        .unwrap_or_else(|| (base.to_owned(), from))
}

/// The layout's title, refresh and range.
struct Header {
    title: String,
    refresh: String,
    from: String,
    to: String,
    origin: String,
}

impl Header {
    fn of(dashboard: &Value, notes: &mut Vec<String>) -> Header {
        let title = dashboard
            .get("title")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .unwrap_or("Imported dashboard")
            .to_owned();
        let refresh = match dashboard.get("refresh").and_then(Value::as_str) {
            Some(r) if crate::time_range::parse_duration(r).is_ok_and(|d| d.as_secs() >= 1) => {
                r.to_owned()
            }
            _ => "30s".to_owned(),
        };
        let (mut from, mut to) = ("now-1h".to_owned(), "now".to_owned());
        if let (Some(f), Some(t)) = (
            dashboard.pointer("/time/from").and_then(Value::as_str),
            dashboard.pointer("/time/to").and_then(Value::as_str),
        ) {
            if crate::time_range::TimeRange::parse(f, t).is_ok() {
                (from, to) = (f.to_owned(), t.to_owned());
            } else {
                notes.push(format!("time range `{f}` to `{t}` not read: the last hour"));
            }
        }
        let schema = dashboard
            .get("schemaVersion")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        Header {
            origin: format!(
                "# Imported from the Grafana dashboard \"{title}\" (schemaVersion {schema}) by `fleetdeck import grafana`."
            ),
            title,
            refresh,
            from,
            to,
        }
    }
}

fn used_kinds(panels: &[panels::Panel], variables: &[variables::Variable]) -> BTreeSet<Kind> {
    let mut kinds = BTreeSet::new();
    let by_name = |name: &str| match name {
        "prometheus" => Some(Kind::Prometheus),
        "cloudwatch" => Some(Kind::CloudWatch),
        _ => None,
    };
    for query in panels.iter().flat_map(|p| &p.queries) {
        kinds.extend(by_name(&query.source));
    }
    for variable in variables {
        for (k, v) in &variable.lines {
            if k == "source" {
                kinds.extend(by_name(v.trim_matches('"')));
            }
        }
    }
    kinds
}

fn sources_text(
    kinds: &BTreeSet<Kind>,
    choices: &SourceChoices,
    notes: &mut Vec<String>,
) -> String {
    let mut text = String::new();
    for kind in kinds {
        match kind {
            Kind::Prometheus => {
                text.push_str("[sources.prometheus]\nkind = \"prometheus\"\n");
                match &choices.prometheus_url {
                    Some(url) => text.push_str(&format!("url = {}\n\n", quoted(url))),
                    None => {
                        notes.push("source `prometheus`: FILL IN its url (or import with --source prometheus=URL)".to_owned());
                        text.push_str("url = \"http://127.0.0.1:9090\"   # FILL IN: your Prometheus, VictoriaMetrics or Mimir\n\n");
                    }
                }
            }
            Kind::CloudWatch => {
                text.push_str("[sources.cloudwatch]\nkind = \"cloudwatch\"\n");
                match &choices.cloudwatch {
                    Some((region, profile)) => {
                        text.push_str(&format!("region = {}\n", quoted(region)));
                        if let Some(profile) = profile {
                            text.push_str(&format!("profile = {}\n", quoted(profile)));
                        }
                        text.push('\n');
                    }
                    None => {
                        notes.push("source `cloudwatch`: FILL IN its region (or import with --source cloudwatch=REGION[:PROFILE])".to_owned());
                        text.push_str("region = \"us-east-1\"   # FILL IN: your region; profile = \"…\" for a named profile\n\n");
                    }
                }
            }
        }
    }
    text
}

fn render(
    header: &Header,
    sources: &str,
    variables: &[variables::Variable],
    panels: &[panels::Panel],
) -> String {
    let mut text = format!(
        "{}\nversion = 1\ntitle = {}\nrefresh = {}\ntime = {{ from = {}, to = {} }}\n\n",
        header.origin,
        quoted(&header.title),
        quoted(&header.refresh),
        quoted(&header.from),
        quoted(&header.to)
    );
    text.push_str(sources);
    for variable in variables {
        text.push_str(&toml_text::table(
            &format!("[variables.{}]", key(&variable.name)),
            &variable.lines,
        ));
    }
    for panel in panels {
        text.push_str(&toml_text::panel_with_columns(
            &panel.report.title,
            panel.kind,
            panel.grid,
            &panel.lines,
            &panel.columns,
            &panel.queries,
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{GridPos, parse_layout};

    /// A state timeline with value and range mappings becomes one, its states
    /// named and coloured as in Grafana.
    #[test]
    fn a_state_timeline_keeps_its_value_mappings() {
        let json = r##"{
          "title": "states", "schemaVersion": 39,
          "panels": [
            { "type": "state-timeline", "title": "Endpoint status",
              "gridPos": { "x": 0, "y": 0, "w": 24, "h": 6 },
              "fieldConfig": { "defaults": { "mappings": [
                { "type": "value", "options": {
                    "0": { "text": "down", "color": "red" },
                    "1": { "text": "up", "color": "green" } } },
                { "type": "range", "options": { "from": 2, "to": 10,
                    "result": { "text": "degraded", "color": "#ff9830" } } },
                { "type": "regex", "options": { "pattern": ".*" } } ] } },
              "targets": [{ "expr": "sagemaker_endpoint_status", "refId": "A" }] }
          ]
        }"##;
        let imported = import(json, &SourceChoices::default()).unwrap();
        let dashboard = parse_layout(&imported.text, Path::new("states.toml")).unwrap();
        let panel = &dashboard.panels[0];
        assert_eq!(panel.kind, crate::dashboard::PanelKind::State);
        let state = |v| crate::state_timeline::state(panel, v);
        assert_eq!(state(0.0), ("down".to_owned(), Some([0xe0, 0x2f, 0x44])));
        assert_eq!(state(1.0).0, "up");
        assert_eq!(
            state(4.0),
            ("degraded".to_owned(), Some([0xff, 0x98, 0x30]))
        );
        assert!(
            imported
                .report
                .to_string()
                .contains("a `regex` value mapping dropped")
        );
    }

    /// An old-schema CloudWatch dashboard: metric math over a `*` reads it as a
    /// SEARCH(), a `returnData: false` target that no expression reads is drawn
    /// (as Grafana draws it), one that an expression reads is only fetched.
    #[test]
    fn old_cloudwatch_targets_are_drawn_unless_metric_math_reads_them() {
        let json = r#"{ "title": "EC2 old", "schemaVersion": 16,
          "panels": [
            { "type": "graph", "title": "CPU max", "gridPos": {"x":0,"y":0,"w":12,"h":8},
              "datasource": "CloudWatch",
              "targets": [
                { "refId": "A", "id": "m1", "namespace": "AWS/EC2", "metricName": "CPUUtilization",
                  "dimensions": { "InstanceId": "*" }, "statistics": ["Maximum"],
                  "period": "60", "returnData": false },
                { "refId": "B", "id": "e1", "expression": "MAX(m1)", "returnData": true } ] },
            { "type": "graph", "title": "Network in", "gridPos": {"x":12,"y":0,"w":12,"h":8},
              "datasource": "CloudWatch",
              "targets": [
                { "refId": "A", "namespace": "AWS/EC2", "metricName": "NetworkIn",
                  "dimensions": { "InstanceId": "i-0123" }, "statistics": ["Sum"],
                  "returnData": false } ] } ] }"#;
        let imported = import(json, &SourceChoices::default()).unwrap();
        assert_eq!(imported.report.placeholders(), 0, "{}", imported.report);
        let dashboard = parse_layout(&imported.text, Path::new("old.toml")).unwrap();
        let drawn = |title: &str| -> Vec<bool> {
            let panel = dashboard.panel_by_title(title).unwrap();
            panel.queries.iter().map(|q| !q.hidden).collect()
        };
        assert_eq!(
            drawn("CPU max"),
            [false, true],
            "m1 fetched for e1, e1 drawn"
        );
        assert_eq!(drawn("Network in"), [true]);
        assert!(
            imported
                .text
                .contains("SEARCH('{AWS/EC2,InstanceId} MetricName=")
        );
    }

    /// The old schema: rows of panels with 12-column spans and pixel heights.
    #[test]
    fn old_rows_with_spans_and_pixel_heights_land_on_the_grid() {
        let json = r#"{
          "title": "old", "schemaVersion": 14,
          "rows": [
            { "height": "250px", "panels": [
                { "type": "graph", "title": "A", "span": 6, "targets": [{ "expr": "up" }] },
                { "type": "singlestat", "title": "B", "span": 6, "format": "percent",
                  "thresholds": "85,95", "colors": ["green", "orange", "red"],
                  "targets": [{ "expr": "avg(up)" }] } ] },
            { "height": 300, "panels": [
                { "type": "graph", "title": "C", "span": 12, "stack": true, "targets": [{ "expr": "up" }] } ] }
          ]
        }"#;
        let imported = import(json, &SourceChoices::default()).unwrap();
        let dashboard = parse_layout(&imported.text, Path::new("old.toml")).unwrap();
        let grids: Vec<GridPos> = dashboard.panels.iter().map(|p| p.grid).collect();
        assert_eq!(
            grids,
            [
                GridPos {
                    x: 0,
                    y: 0,
                    w: 12,
                    h: 9
                },
                GridPos {
                    x: 12,
                    y: 0,
                    w: 12,
                    h: 9
                },
                GridPos {
                    x: 0,
                    y: 9,
                    w: 24,
                    h: 10
                },
            ]
        );
        let b = dashboard.panel_by_title("B").unwrap();
        assert_eq!(
            b.thresholds.iter().map(|t| t.value).collect::<Vec<_>>(),
            [85.0, 95.0]
        );
        assert!(dashboard.panel_by_title("C").unwrap().stack);
        assert!(!dashboard.panel_by_title("A").unwrap().stack);
        assert!(imported.report.panels[2].notes.is_empty());
    }
}
