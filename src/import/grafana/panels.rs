//! Grafana panels as fleetdeck panels: where they sit (rows, collapsed rows'
//! children, the old schema's `rows[]` of 12-column spans and pixel heights), what
//! they draw (time series, stat; everything else a placeholder that says what it
//! was), their unit, bounds, thresholds and queries.

use super::sources::{Datasources, Kind, Resolved, kind_of_target};
use super::targets::{self, Query};
use super::units;
use crate::import::report::{Outcome, PanelReport};
use crate::import::toml_text::{number, quoted};
use crate::layout::GridPos;
use crate::layout::occupancy::Occupancy;
use serde_json::Value;

/// Grafana's grid row is 30 px; the old schema gave heights in pixels.
const ROW_PX: f64 = 30.0;
/// The old schema's default row height.
const DEFAULT_ROW_PX: f64 = 250.0;
/// Deepest nesting of rows followed.
const MAX_DEPTH: usize = 8;

/// A converted panel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Panel {
    /// `timeseries`, `stat` or `text`.
    pub kind: &'static str,
    /// Where it goes.
    pub grid: GridPos,
    /// Its other keys, values as TOML text.
    pub lines: Vec<(String, String)>,
    /// A table's columns, each its keys as TOML text.
    pub columns: Vec<Vec<(String, String)>>,
    /// Its queries.
    pub queries: Vec<Query>,
    /// What happened to it.
    pub report: PanelReport,
}

/// A Grafana panel in the dashboard's order with where it wants to be.
struct Found<'a> {
    panel: &'a Value,
    grid: GridPos,
}

/// Every panel of the dashboard, nested ones included, converted.
pub(crate) fn convert(dashboard: &Value, datasources: &Datasources) -> Vec<Panel> {
    let mut found = Vec::new();
    if let Some(panels) = dashboard.get("panels").and_then(Value::as_array) {
        walk(panels, 0, &mut found);
    } else if let Some(rows) = dashboard.get("rows").and_then(Value::as_array) {
        old_rows(rows, &mut found);
    }
    let default = datasources.resolve(dashboard.get("datasource"));
    let mut placed: Vec<Panel> = Vec::with_capacity(found.len());
    let mut occupancy = Occupancy::default();
    for Found { panel, grid } in found {
        let mut converted = one(panel, grid, datasources, &default);
        converted.grid = free_place(&occupancy, converted.grid);
        occupancy.insert(&converted.grid, placed.len());
        placed.push(converted);
    }
    placed
}

fn walk<'a>(panels: &'a [Value], depth: usize, found: &mut Vec<Found<'a>>) {
    for panel in panels {
        found.push(Found {
            panel,
            grid: grid_pos(panel),
        });
        if depth < MAX_DEPTH
            && let Some(children) = panel.get("panels").and_then(Value::as_array)
        {
            walk(children, depth + 1, found);
        }
    }
}

/// The old schema: rows of panels with 12-column `span`s and pixel heights.
fn old_rows<'a>(rows: &'a [Value], found: &mut Vec<Found<'a>>) {
    let mut y = 0u32;
    for row in rows {
        let height_px = match row.get("height") {
            Some(Value::String(text)) => text
                .trim_end_matches("px")
                .trim()
                .parse()
                .unwrap_or(DEFAULT_ROW_PX),
            Some(Value::Number(n)) => n.as_f64().unwrap_or(DEFAULT_ROW_PX),
            _ => DEFAULT_ROW_PX,
        };
        let h = ((height_px / ROW_PX).ceil() as u32).clamp(1, 100);
        let mut x = 0u32;
        for panel in row
            .get("panels")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let span = panel
                .get("span")
                .and_then(Value::as_f64)
                .unwrap_or(12.0)
                .clamp(1.0, 12.0);
            let w = ((span * 2.0).round() as u32).clamp(1, 24);
            if x + w > 24 {
                x = 0;
                y += h;
            }
            found.push(Found {
                panel,
                grid: GridPos { x, y, w, h },
            });
            x += w;
        }
        y += h;
    }
}

fn grid_pos(panel: &Value) -> GridPos {
    let pos = panel.get("gridPos");
    let number = |key: &str, default: u32, max: u32| {
        pos.and_then(|p| p.get(key))
            .and_then(Value::as_f64)
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map_or(default, |v| (v.round().min(f64::from(max))) as u32)
    };
    let w = number("w", 12, 24).max(1);
    GridPos {
        x: number("x", 0, 23).min(24 - w),
        y: number("y", 0, 5_000),
        w,
        h: number("h", 8, 100).max(1),
    }
}

/// Moves a panel takes down a crowded column before it goes below everything in
/// its columns at once. The children of Node Exporter Full's collapsed rows, which
/// all claim the rows below their row, take up to 20.
const MAX_STEPS_DOWN: usize = 64;

/// `wanted`, moved down until it overlaps no panel placed before it: just below
/// what it overlaps, or, in a column crowded beyond [`MAX_STEPS_DOWN`] panels (a
/// file whose panels all claim the same cell), below all of them, so a hostile
/// file costs no more than a fair one.
fn free_place(placed: &Occupancy, mut wanted: GridPos) -> GridPos {
    for _ in 0..MAX_STEPS_DOWN {
        let Some(bottom) = placed
            .overlapping(&wanted)
            .into_iter()
            .map(|(_, bottom)| bottom)
            .max()
        else {
            return wanted;
        };
        wanted.y = bottom;
    }
    if !placed.overlapping(&wanted).is_empty() {
        wanted.y = placed.below_all(&wanted);
    }
    wanted
}

fn one(panel: &Value, grid: GridPos, datasources: &Datasources, default: &Resolved) -> Panel {
    let from_type = panel
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("graph")
        .to_owned();
    let title = panel
        .get("title")
        .and_then(Value::as_str)
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let mut report = PanelReport {
        title,
        from_type: from_type.clone(),
        outcome: Outcome::Converted,
        notes: Vec::new(),
    };
    let kind = match from_type.as_str() {
        "timeseries" | "graph" => "timeseries",
        "stat" | "singlestat" => "stat",
        "gauge" => "gauge",
        "bargauge" => "bargauge",
        // A pie's slices are shares of a whole: bars of the same values compare
        // them as well, and better.
        "piechart" | "grafana-piechart-panel" => {
            report
                .notes
                .push("pie drawn as a bar gauge (a bar per slice)".to_owned());
            "bargauge"
        }
        // Drawn from its `le` buckets; the queries convert as any other.
        "heatmap" => "heatmap",
        "table" | "table-old" => "table",
        "state-timeline" | "status-history" => "state",
        "row" => {
            report.outcome = Outcome::Row;
            return text_panel(GridPos { h: 1, ..grid }, String::new(), report);
        }
        "text" => {
            let content = panel
                .pointer("/options/content")
                .or_else(|| panel.get("content"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .trim()
                .to_owned();
            let mode = panel
                .pointer("/options/mode")
                .or_else(|| panel.get("mode"))
                .and_then(Value::as_str)
                .unwrap_or("markdown");
            if mode != "text" {
                report.notes.push(format!("{mode} shown as plain text"));
            }
            return text_panel(grid, content, report);
        }
        other => {
            return placeholder(
                grid,
                report,
                format!("a Grafana `{other}` panel, which fleetdeck does not draw yet"),
            );
        }
    };
    if panel.get("libraryPanel").is_some() {
        return placeholder(
            grid,
            report,
            "a library panel: its definition is not in this file".to_owned(),
        );
    }
    let transformed = panel
        .get("transformations")
        .and_then(Value::as_array)
        .is_some_and(|t| !t.is_empty());
    if transformed && kind != "table" {
        return placeholder(
            grid,
            report,
            "its transformations change the data, and fleetdeck has none".to_owned(),
        );
    }
    let mut lines = Vec::new();
    field_config(panel, &from_type, &mut lines, &mut report.notes);
    repeat_and_approximations(panel, kind, &mut lines, &mut report.notes);
    let (ref_ids, mut queries): (Vec<String>, Vec<Query>) =
        queries(panel, datasources, default, &mut report.notes)
            .into_iter()
            .unzip();
    if kind == "heatmap"
        && let Some(scale) = panel
            .pointer("/options/color/scale")
            .and_then(Value::as_str)
    {
        // Grafana's "exponential" raises the share to `exponent` (0.5 unless set).
        let exponent = panel
            .pointer("/options/color/exponent")
            .and_then(Value::as_f64)
            .unwrap_or(0.5);
        let (ours, exact) = match scale {
            "linear" => ("linear", true),
            "exponential" if (exponent - 0.5).abs() < 1e-9 => ("sqrt", true),
            "exponential" if exponent < 0.5 => ("log", false),
            _ => ("sqrt", false),
        };
        lines.push(("color_scale".to_owned(), quoted(ours)));
        if !exact {
            report.notes.push(format!(
                "colour scale `{scale}` (exponent {exponent}) drawn as `{ours}`"
            ));
        }
    }
    if kind == "state" {
        match super::mappings::mappings(panel, &mut report.notes) {
            Some(mappings) => lines.push(("mappings".to_owned(), mappings)),
            None => report
                .notes
                .push("no value mappings: states are the values themselves".to_owned()),
        }
    }
    let mut columns = Vec::new();
    if kind == "table" {
        match super::table::columns(panel, &ref_ids, &mut report.notes) {
            Ok(listed) => columns = listed,
            Err(why) => return placeholder(grid, report, why),
        }
        super::table::name_queries(&mut queries, &ref_ids);
        // A table reads a `format: table` target as it is meant.
        report
            .notes
            .retain(|note| !note.contains("format `table` drawn as time series"));
    }
    if queries
        .iter()
        .all(|q| q.lines.iter().any(|(k, v)| k == "hidden" && v == "true"))
    {
        let why = if queries.is_empty() {
            "none of its queries is one fleetdeck can ask"
        } else {
            "every query is hidden"
        };
        return placeholder(grid, report, why.to_owned());
    }
    Panel {
        kind,
        grid,
        lines,
        columns,
        queries,
        report,
    }
}

/// Unit, bounds and thresholds from `fieldConfig.defaults` (or the old `yaxes`,
/// `format` and `thresholds` of graph and singlestat panels).
fn field_config(
    panel: &Value,
    from_type: &str,
    lines: &mut Vec<(String, String)>,
    notes: &mut Vec<String>,
) {
    let defaults = panel.pointer("/fieldConfig/defaults");
    let get = |key: &str| defaults.and_then(|d| d.get(key));
    let unit = get("unit")
        .and_then(Value::as_str)
        .or_else(|| panel.pointer("/yaxes/0/format").and_then(Value::as_str))
        .or_else(|| panel.get("format").and_then(Value::as_str));
    if let Some(unit) = unit {
        let (mapped, note) = units::unit(unit);
        if let Some(mapped) = mapped {
            lines.push(("unit".to_owned(), quoted(mapped)));
        }
        notes.extend(note);
    }
    let bound = |key: &str| {
        get(key)
            .and_then(Value::as_f64)
            .or_else(|| match panel.pointer(&format!("/yaxes/0/{key}")) {
                Some(Value::String(text)) => text.parse().ok(),
                Some(value) => value.as_f64(),
                None => None,
            })
            .filter(|v| v.is_finite())
    };
    let (min, max) = (bound("min"), bound("max"));
    if let (Some(min), Some(max)) = (min, max)
        && min >= max
    {
        notes.push("min not below max: bounds dropped".to_owned());
    } else {
        if let Some(min) = min {
            lines.push(("min".to_owned(), number(min)));
        }
        if let Some(max) = max {
            lines.push(("max".to_owned(), number(max)));
        }
    }
    if get("decimals").is_some() || panel.get("decimals").is_some() {
        notes.push("decimals dropped (fleetdeck picks the digits)".to_owned());
    }
    let mut thresholds: Vec<(f64, String)> = Vec::new();
    let steps = get("thresholds")
        .and_then(|t| t.get("steps"))
        .and_then(Value::as_array);
    for step in steps.into_iter().flatten() {
        // The base step (value null) is the colour below the first threshold.
        let Some(value) = step
            .get("value")
            .and_then(Value::as_f64)
            .filter(|v| v.is_finite())
        else {
            continue;
        };
        let (colour, exact) =
            units::colour(step.get("color").and_then(Value::as_str).unwrap_or("red"));
        if !exact {
            notes.push(format!(
                "colour `{}` shown as {colour}",
                step["color"].as_str().unwrap_or_default()
            ));
        }
        thresholds.push((value, colour));
    }
    if get("thresholds")
        .and_then(|t| t.get("mode"))
        .and_then(Value::as_str)
        == Some("percentage")
    {
        notes.push("percentage thresholds read as absolute values".to_owned());
    }
    // singlestat: `thresholds = "85,95"` with `colors = [below, middle, above]`.
    if let Some(text) = panel.get("thresholds").and_then(Value::as_str) {
        let colours: Vec<&str> = panel
            .get("colors")
            .and_then(Value::as_array)
            .map(|c| c.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (index, value) in text
            .split(',')
            .filter_map(|v| v.trim().parse::<f64>().ok())
            .enumerate()
        {
            let grafana = colours.get(index + 1).copied().unwrap_or(if index == 0 {
                "orange"
            } else {
                "red"
            });
            thresholds.push((value, units::colour(grafana).0));
        }
    }
    // Grafana's timeseries default (green base, red at 80) means nothing here.
    let stock =
        thresholds.len() == 1 && thresholds[0] == (80.0, "red".to_owned()) && from_type != "stat";
    if stock {
        thresholds.clear();
    }
    if !thresholds.is_empty() {
        thresholds.sort_by(|a, b| a.0.total_cmp(&b.0));
        let list: Vec<String> = thresholds
            .iter()
            .map(|(value, colour)| {
                format!(
                    "{{ value = {}, color = {} }}",
                    number(*value),
                    quoted(colour)
                )
            })
            .collect();
        lines.push(("thresholds".to_owned(), format!("[{}]", list.join(", "))));
    }
}

fn text_panel(grid: GridPos, text: String, report: PanelReport) -> Panel {
    let mut lines = Vec::new();
    if !text.is_empty() {
        lines.push(("text".to_owned(), quoted(&text)));
    }
    Panel {
        kind: "text",
        grid,
        lines,
        columns: Vec::new(),
        queries: Vec::new(),
        report,
    }
}

/// A text panel in the panel's place saying what it was and why it is not drawn.
pub(crate) fn placeholder(grid: GridPos, mut report: PanelReport, why: String) -> Panel {
    let text = format!(
        "Not drawn: {why}. (Imported from Grafana: `{}` panel.)",
        report.from_type
    );
    report.outcome = Outcome::Placeholder(why);
    text_panel(grid, text, report)
}

/// The panel's repeat, its stacking, and what of its drawing is approximated (a
/// vertical repeat, stacking to 100 %, field overrides).
fn repeat_and_approximations(
    panel: &Value,
    kind: &str,
    lines: &mut Vec<(String, String)>,
    notes: &mut Vec<String>,
) {
    if let Some(repeat) = panel
        .get("repeat")
        .and_then(Value::as_str)
        .filter(|r| !r.is_empty())
    {
        lines.push(("repeat".to_owned(), quoted(repeat)));
        if panel.get("repeatDirection").and_then(Value::as_str) == Some("v") {
            notes.push("vertical repeat laid out across the row".to_owned());
        }
    }
    let mode = panel
        .pointer("/fieldConfig/defaults/custom/stacking/mode")
        .and_then(Value::as_str)
        .filter(|mode| *mode != "none");
    let old_graph_stacked = panel.get("stack").and_then(Value::as_bool) == Some(true);
    if kind == "timeseries" && (old_graph_stacked || mode.is_some()) {
        lines.push(("stack".to_owned(), "true".to_owned()));
        let percent = mode == Some("percent")
            || (old_graph_stacked
                && panel.get("percentage").and_then(Value::as_bool) == Some(true));
        if percent {
            notes.push("stacked to 100 % in Grafana: stacked as values".to_owned());
        }
    }
    if panel
        .pointer("/fieldConfig/overrides")
        .and_then(Value::as_array)
        .is_some_and(|o| !o.is_empty())
    {
        notes.push("field overrides dropped".to_owned());
    }
}

/// The panel's targets as queries, each read by the kind of its data source (the
/// target's, the panel's, the dashboard's default, or its own keys).
/// The panel's queries fleetdeck can ask, each with its Grafana `refId`.
fn queries(
    panel: &Value,
    datasources: &Datasources,
    default: &Resolved,
    notes: &mut Vec<String>,
) -> Vec<(String, Query)> {
    let panel_source = datasources.resolve(panel.get("datasource"));
    let targets: &[Value] = panel
        .get("targets")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    let read = targets::ids_read_by_expressions(targets);
    let mut queries = Vec::new();
    for target in targets {
        let resolved = match datasources.resolve(target.get("datasource")) {
            Resolved::Unknown => panel_source.clone(),
            known => known,
        };
        let resolved = match resolved {
            Resolved::Unknown => default.clone(),
            known => known,
        };
        let kind = match resolved {
            Resolved::Known(kind) => Some(kind),
            // A name ("Prometheus") or the default: the query's keys tell.
            Resolved::Unknown => kind_of_target(target),
            Resolved::Other(other)
                if kind_of_target(target).is_some() && other.starts_with("-- Mixed") =>
            {
                kind_of_target(target)
            }
            Resolved::Other(other) => {
                notes.push(format!(
                    "a `{other}` query dropped: fleetdeck reads Prometheus and CloudWatch"
                ));
                None
            }
        };
        let query = match kind {
            Some(Kind::Prometheus) => targets::prometheus(target, notes),
            Some(Kind::CloudWatch) => targets::cloudwatch(target, &read, notes),
            None => None,
        };
        let ref_id = target
            .get("refId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        queries.extend(query.map(|query| (ref_id, query)));
    }
    queries
}
