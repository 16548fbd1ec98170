//! Which fleetdeck source a Grafana datasource reference means, in every form
//! real files use: `${DS_X}` (an `__inputs` entry), a plain name, `$datasource`
//! (a datasource variable), `{type, uid}`, `{uid}`, and `null` (the default).

use serde_json::Value;
use std::collections::BTreeMap;

/// The kinds of datasource an import can convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    /// Prometheus and compatible stores.
    Prometheus,
    /// Amazon CloudWatch.
    CloudWatch,
}

impl Kind {
    /// The source's name in the layout.
    pub(crate) fn source_name(self) -> &'static str {
        match self {
            Kind::Prometheus => "prometheus",
            Kind::CloudWatch => "cloudwatch",
        }
    }

    fn of_plugin(plugin: &str) -> Option<Kind> {
        let plugin = plugin.to_lowercase();
        if plugin.contains("prometheus") || plugin == "prom" {
            Some(Kind::Prometheus)
        } else if plugin.contains("cloudwatch") {
            Some(Kind::CloudWatch)
        } else {
            None
        }
    }
}

/// What a reference resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// A kind fleetdeck reads.
    Known(Kind),
    /// Another kind (Loki, the Grafana built-ins, …): its name, for the report.
    Other(String),
    /// No hint in the reference itself: decide from the query's shape.
    Unknown,
}

/// How this dashboard names its datasources.
#[derive(Debug, Default)]
pub(crate) struct Datasources {
    /// `__inputs` by name (`DS_PROMETHEUS` → `prometheus`).
    inputs: BTreeMap<String, String>,
    /// Datasource variables by name (`datasource` → `prometheus`).
    variables: BTreeMap<String, String>,
}

impl Datasources {
    /// Reads `__inputs` and the datasource variables of a dashboard.
    pub(crate) fn of(dashboard: &Value) -> Datasources {
        let mut found = Datasources::default();
        for input in dashboard
            .get("__inputs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(name), Some(plugin)) = (
                input.get("name").and_then(Value::as_str),
                input.get("pluginId").and_then(Value::as_str),
            ) {
                found.inputs.insert(name.to_owned(), plugin.to_owned());
            }
        }
        let variables = dashboard
            .get("templating")
            .and_then(|t| t.get("list"))
            .and_then(Value::as_array);
        for variable in variables.into_iter().flatten() {
            if variable.get("type").and_then(Value::as_str) == Some("datasource")
                && let (Some(name), Some(plugin)) = (
                    variable.get("name").and_then(Value::as_str),
                    variable.get("query").and_then(Value::as_str),
                )
            {
                found.variables.insert(name.to_owned(), plugin.to_owned());
            }
        }
        found
    }

    /// What a `datasource` value means.
    pub(crate) fn resolve(&self, reference: Option<&Value>) -> Resolved {
        match reference {
            None | Some(Value::Null) => Resolved::Unknown,
            Some(Value::String(text)) => self.resolve_name(text),
            Some(Value::Object(object)) => {
                let by_type = object
                    .get("type")
                    .and_then(Value::as_str)
                    .map(|t| self.resolve_plugin(t));
                match by_type {
                    Some(resolved) if resolved != Resolved::Unknown => resolved,
                    _ => object
                        .get("uid")
                        .and_then(Value::as_str)
                        .map_or(Resolved::Unknown, |uid| self.resolve_name(uid)),
                }
            }
            Some(_) => Resolved::Unknown,
        }
    }

    fn resolve_plugin(&self, plugin: &str) -> Resolved {
        if plugin.starts_with('$') {
            return self.resolve_name(plugin);
        }
        match Kind::of_plugin(plugin) {
            Some(kind) => Resolved::Known(kind),
            None if plugin == "datasource" || plugin.is_empty() => Resolved::Unknown,
            None => Resolved::Other(plugin.to_owned()),
        }
    }

    fn resolve_name(&self, text: &str) -> Resolved {
        let variable = text
            .strip_prefix("${")
            .and_then(|t| t.strip_suffix('}'))
            .or_else(|| text.strip_prefix('$'));
        if let Some(name) = variable {
            let name = name.split(':').next().unwrap_or(name);
            let plugin = self.inputs.get(name).or_else(|| self.variables.get(name));
            return match plugin.and_then(|p| Kind::of_plugin(p)) {
                Some(kind) => Resolved::Known(kind),
                None => match plugin {
                    Some(other) => Resolved::Other(other.clone()),
                    None => Resolved::Unknown,
                },
            };
        }
        if text.starts_with("-- ") || text == "grafana" {
            return Resolved::Other(text.to_owned());
        }
        // A plain name ("Prometheus", "CloudWatch prod"): its words are the hint.
        Kind::of_plugin(text).map_or(Resolved::Unknown, Resolved::Known)
    }
}

/// The kind a target's own keys give away, when its datasource does not say.
pub(crate) fn kind_of_target(target: &Value) -> Option<Kind> {
    let has = |key: &str| target.get(key).is_some();
    if has("expr") {
        Some(Kind::Prometheus)
    } else if has("namespace") || has("metricName") || has("sqlExpression") || has("expression") {
        Some(Kind::CloudWatch)
    } else {
        None
    }
}
