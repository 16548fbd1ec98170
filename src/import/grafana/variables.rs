//! Grafana's template variables as fleetdeck's: query variables
//! (`label_values`, CloudWatch `dimension_values`), custom lists, intervals,
//! textboxes and constants; what has no equivalent keeps its current value as a
//! fixed list and says so.

use super::sources::{Datasources, Kind, Resolved, kind_of_target};
use crate::import::toml_text::quoted;
use serde_json::Value;

/// A converted variable: its name and `key = value` lines.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Variable {
    /// `$name`.
    pub name: String,
    /// `key = value` pairs, values as TOML text.
    pub lines: Vec<(String, String)>,
}

/// Every variable of the dashboard that converts; notes for the rest.
pub(crate) fn convert(
    dashboard: &Value,
    datasources: &Datasources,
    notes: &mut Vec<String>,
) -> Vec<Variable> {
    let list = dashboard
        .get("templating")
        .and_then(|t| t.get("list"))
        .and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .filter_map(|variable| one(variable, datasources, notes))
        .collect()
}

fn one(variable: &Value, datasources: &Datasources, notes: &mut Vec<String>) -> Option<Variable> {
    let name = variable.get("name").and_then(Value::as_str)?.to_owned();
    let kind = variable
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("query");
    if kind == "datasource" {
        return None; // it picks a source; the layout names its sources itself
    }
    if !crate::variables::spec::is_valid_name(&name) {
        notes.push(format!(
            "variable `{name}`: not a name fleetdeck takes (letters, digits, _), dropped"
        ));
        return None;
    }
    let query_text = match variable.get("query") {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Object(object)) => object
            .get("query")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    let mut lines: Vec<(String, String)> = Vec::new();
    if let Some(label) = variable
        .get("label")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
    {
        lines.push(("label".to_owned(), quoted(label)));
    }
    let written = Written {
        name: &name,
        kind,
        query: &query_text,
        variable,
    };
    lines.extend(values_of(&written, datasources, notes)?);
    lines.extend(choice_of(&written, notes));
    Some(Variable { name, lines })
}

/// A Grafana variable as read: its name, type, query text and JSON.
struct Written<'a> {
    name: &'a str,
    kind: &'a str,
    query: &'a str,
    variable: &'a Value,
}

/// Where the variable's values come from, as layout keys; `None` drops it.
fn values_of(
    written: &Written<'_>,
    datasources: &Datasources,
    notes: &mut Vec<String>,
) -> Option<Vec<(String, String)>> {
    let Written {
        name,
        kind,
        query: query_text,
        variable,
    } = *written;
    let values = |list: Vec<String>| vec![("values".to_owned(), array(&list))];
    match kind {
        "query" => Some(query_values(written, datasources, notes)),
        "custom" => {
            let parsed: Vec<String> = query_text
                .split(',')
                .map(|v| v.split(" : ").last().unwrap_or(v).trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect();
            let list = if parsed.is_empty() {
                current_values(variable)
            } else {
                parsed
            };
            if list.is_empty() {
                notes.push(format!("variable `{name}`: an empty custom list, dropped"));
                return None;
            }
            Some(values(list))
        }
        "interval" => {
            let list: Vec<String> = query_text
                .split(',')
                .map(str::trim)
                .filter(|v| {
                    !v.is_empty() && *v != "auto" && crate::time_range::parse_duration(v).is_ok()
                })
                .map(str::to_owned)
                .collect();
            if list.is_empty() {
                notes.push(format!(
                    "variable `{name}`: no interval fleetdeck reads in `{query_text}`, dropped"
                ));
                return None;
            }
            Some(vec![("interval".to_owned(), array(&list))])
        }
        "textbox" | "constant" => {
            let current = current_values(variable);
            let value = current
                .into_iter()
                .next()
                .unwrap_or_else(|| query_text.to_owned());
            notes.push(format!(
                "variable `{name}` ({kind}): a fixed value `{value}`"
            ));
            Some(values(vec![value]))
        }
        other => {
            notes.push(format!(
                "variable `{name}` ({other}): not supported, dropped"
            ));
            None
        }
    }
}

/// A query variable: `label_values` on Prometheus, a dimension on CloudWatch,
/// else the values it had when exported, as a fixed list.
fn query_values(
    written: &Written<'_>,
    datasources: &Datasources,
    notes: &mut Vec<String>,
) -> Vec<(String, String)> {
    let resolved = datasources.resolve(written.variable.get("datasource"));
    let source = match resolved {
        Resolved::Known(kind) => Some(kind),
        _ => kind_of_query(written.query),
    };
    match (source, query(written.query)) {
        (Some(Kind::Prometheus), Some(Generated::LabelValues(text))) => vec![
            ("source".to_owned(), quoted(Kind::Prometheus.source_name())),
            ("query".to_owned(), quoted(&text)),
        ],
        (
            Some(Kind::CloudWatch),
            Some(Generated::Dimension {
                namespace,
                metric,
                dimension,
            }),
        ) => {
            let mut lines = vec![
                ("source".to_owned(), quoted(Kind::CloudWatch.source_name())),
                ("namespace".to_owned(), quoted(&namespace)),
            ];
            if let Some(metric) = metric {
                lines.push(("metric".to_owned(), quoted(&metric)));
            }
            lines.push(("dimension".to_owned(), quoted(&dimension)));
            lines
        }
        _ => {
            let current = current_values(written.variable);
            let fixed = if current.is_empty() {
                vec![fallback(source)]
            } else {
                current
            };
            notes.push(format!(
                "variable `{}`: `{}` has no fleetdeck equivalent; a fixed list of {fixed:?}",
                written.name, written.query
            ));
            vec![("values".to_owned(), array(&fixed))]
        }
    }
}

/// How many may be chosen, whether All is offered, and what is chosen first.
fn choice_of(written: &Written<'_>, notes: &mut Vec<String>) -> Vec<(String, String)> {
    let variable = written.variable;
    let mut lines = Vec::new();
    let multi = variable.get("multi").and_then(Value::as_bool) == Some(true);
    let include_all = variable.get("includeAll").and_then(Value::as_bool) == Some(true);
    if multi {
        lines.push(("multi".to_owned(), "true".to_owned()));
    }
    if include_all {
        lines.push(("include_all".to_owned(), "true".to_owned()));
        if variable
            .get("allValue")
            .and_then(Value::as_str)
            .is_some_and(|v| !v.is_empty())
        {
            notes.push(format!(
                "variable `{}`: custom All value dropped (All asks every value)",
                written.name
            ));
        }
    }
    let current = current_values(variable);
    let default = if current.iter().any(|v| v == "$__all" || v == "All") {
        include_all.then(|| quoted("All"))
    } else if current.len() > 1 && multi {
        Some(array(&current))
    } else {
        None
    };
    if let Some(default) = default {
        lines.push(("default".to_owned(), default));
    } else if include_all {
        lines.push(("default".to_owned(), quoted("All")));
    }
    lines
}

/// A TOML array of strings.
fn array(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| quoted(v)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The values `current` holds (one or several).
fn current_values(variable: &Value) -> Vec<String> {
    match variable.get("current").and_then(|c| c.get("value")) {
        Some(Value::String(one)) if !one.is_empty() => vec![one.clone()],
        Some(Value::Array(many)) => many
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// What to offer when nothing is known: every value, as the source's queries
/// write it (`*` in a CloudWatch dimension, `.*` in a PromQL regex).
fn fallback(source: Option<Kind>) -> String {
    if source == Some(Kind::CloudWatch) {
        "*"
    } else {
        ".*"
    }
    .to_owned()
}

enum Generated {
    LabelValues(String),
    Dimension {
        namespace: String,
        metric: Option<String>,
        dimension: String,
    },
}

fn kind_of_query(query: &str) -> Option<Kind> {
    let query = query.trim();
    if query.starts_with("label_values") {
        Some(Kind::Prometheus)
    } else if query.starts_with("dimension_values") || query.starts_with("regions") {
        Some(Kind::CloudWatch)
    } else {
        kind_of_target(&Value::Null)
    }
}

/// A query fleetdeck can ask: `label_values(…)` as written (checked by the
/// compile step), or `dimension_values(region, namespace, metric, dimension)`.
fn query(text: &str) -> Option<Generated> {
    let text = text.trim();
    if text.starts_with("label_values") {
        return crate::variables::spec::parse_label_values(text)
            .ok()
            .map(|_| Generated::LabelValues(text.to_owned()));
    }
    let inner = text
        .strip_prefix("dimension_values(")
        .and_then(|rest| rest.strip_suffix(')'))?;
    let args: Vec<&str> = inner.split(',').map(str::trim).collect();
    let namespace = (*args.get(1)?).to_owned();
    let metric = args
        .get(2)
        .map(|m| (*m).to_owned())
        .filter(|m| !m.is_empty());
    let dimension = (*args.get(3)?).to_owned();
    Some(Generated::Dimension {
        namespace,
        metric,
        dimension,
    })
}
