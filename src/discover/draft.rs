//! A layout as discovery drafts it, before it is placed on the grid: sections of
//! panels, candidate overview tiles, variables and rules, their values already
//! TOML text (quoted by `toml_edit`, so any label value is escaped right).

use super::catalog::Component;
use crate::import::toml_text::{QueryText, quoted};
use std::collections::{BTreeMap, BTreeSet};

/// The name of the Prometheus source a discovered layout reads.
pub const PROMETHEUS: &str = "prom";
/// The name of its CloudWatch source.
pub const CLOUDWATCH: &str = "cw";

/// What the overview row shows, in its order; one tile each, from the first
/// component that offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Slot {
    /// Requests per second (or per minute on CloudWatch).
    Requests,
    /// p99 latency.
    Latency,
    /// Errors.
    Errors,
    /// Accelerator utilisation.
    Utilisation,
    /// Spend.
    Spend,
}

/// One panel.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelDraft {
    /// Its title (unique within the layout: titles name the component).
    pub title: String,
    /// `timeseries`, `stat`, `heatmap`, `fleet`.
    pub kind: &'static str,
    /// Grid columns (of 24).
    pub width: u32,
    /// Grid rows.
    pub height: u32,
    /// Other keys, values as TOML text.
    pub lines: Vec<(String, String)>,
    /// Its queries.
    pub queries: Vec<QueryText>,
}

impl PanelDraft {
    /// A half-width panel of `kind`.
    pub fn new(title: impl Into<String>, kind: &'static str) -> PanelDraft {
        PanelDraft {
            title: title.into(),
            kind,
            width: 12,
            height: 8,
            lines: Vec::new(),
            queries: Vec::new(),
        }
    }

    /// A time series panel.
    pub fn lines(title: impl Into<String>) -> PanelDraft {
        PanelDraft::new(title, "timeseries")
    }

    /// The whole width.
    pub fn wide(mut self) -> PanelDraft {
        self.width = 24;
        self
    }

    /// `unit = "…"`.
    pub fn unit(self, unit: &str) -> PanelDraft {
        self.key("unit", quoted(unit))
    }

    /// Any other key, its value as TOML text.
    pub fn key(mut self, key: &str, value: String) -> PanelDraft {
        self.lines.push((key.to_owned(), value));
        self
    }

    /// A PromQL query of the Prometheus source.
    pub fn prom(mut self, promql: &str, legend: &str) -> PanelDraft {
        let mut lines = vec![("promql".to_owned(), promql_text(promql))];
        if !legend.is_empty() {
            lines.push(("legend".to_owned(), quoted(legend)));
        }
        self.queries.push(QueryText {
            source: PROMETHEUS.to_owned(),
            lines,
        });
        self
    }

    /// A CloudWatch metric statistic: `dimensions` as written (`*` for every value,
    /// `$endpoint` for a variable), `period` when a sum should read per minute.
    pub fn cloudwatch(
        mut self,
        metric: &CloudWatchMetric,
        stat: &str,
        period: Option<&str>,
        legend: &str,
    ) -> PanelDraft {
        let dimensions = metric
            .dimensions
            .iter()
            .map(|(name, value)| {
                format!(
                    "{} = {}",
                    crate::import::toml_text::key(name),
                    quoted(value)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mut lines = vec![
            ("namespace".to_owned(), quoted(&metric.namespace)),
            ("metric".to_owned(), quoted(&metric.name)),
        ];
        if !dimensions.is_empty() {
            lines.push(("dimensions".to_owned(), format!("{{ {dimensions} }}")));
        }
        lines.push(("stat".to_owned(), quoted(stat)));
        if let Some(period) = period {
            lines.push(("period".to_owned(), quoted(period)));
        }
        lines.push(("legend".to_owned(), quoted(legend)));
        self.queries.push(QueryText {
            source: CLOUDWATCH.to_owned(),
            lines,
        });
        self
    }
}

/// A CloudWatch metric with the dimensions a query names.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudWatchMetric {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Every dimension it is published with, and the value asked.
    pub dimensions: Vec<(String, String)>,
}

/// One component's part of the layout.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    /// Its heading.
    pub title: String,
    /// One line under the heading: what was found.
    pub about: String,
    /// Its panels, in reading order.
    pub panels: Vec<PanelDraft>,
    /// Stat tiles it offers the overview row.
    pub overview: Vec<(Slot, PanelDraft)>,
    /// `[variables.NAME]` tables: name and keys.
    pub variables: Vec<(String, Vec<(String, String)>)>,
    /// `[[rules]]` tables.
    pub rules: Vec<Vec<(String, String)>>,
}

impl Section {
    /// A local rule on one of this section's panels.
    pub fn rule(
        &mut self,
        name: &str,
        panel: &str,
        above: f64,
        for_duration: &str,
        severity: &str,
    ) {
        self.rules.push(vec![
            ("name".to_owned(), quoted(name)),
            ("panel".to_owned(), quoted(panel)),
            ("above".to_owned(), crate::import::toml_text::number(above)),
            ("for".to_owned(), quoted(for_duration)),
            ("severity".to_owned(), quoted(severity)),
        ]);
    }

    /// A variable offering a Prometheus label's values, several at once, All by default.
    pub fn label_variable(&mut self, name: &str, label: &str, selector: &str, label_name: &str) {
        self.variables.push((
            name.to_owned(),
            vec![
                ("label".to_owned(), quoted(label)),
                ("source".to_owned(), quoted(PROMETHEUS)),
                (
                    "query".to_owned(),
                    quoted(&format!("label_values({selector}, {label_name})")),
                ),
                ("multi".to_owned(), "true".to_owned()),
                ("include_all".to_owned(), "true".to_owned()),
                ("default".to_owned(), quoted("All")),
            ],
        ));
    }
}

/// What the server showed of one component.
#[derive(Debug, Clone)]
pub struct Found {
    /// The component.
    pub component: &'static Component,
    /// Its metric names on the server (CloudWatch: in its namespace).
    pub names: BTreeSet<String>,
    /// Label (dimension) values asked for, by label.
    pub labels: BTreeMap<String, BTreeSet<String>>,
    /// How many accelerators (series of its utilisation metric), where counted.
    pub devices: Option<usize>,
    /// CloudWatch: each metric's dimension names as listed.
    pub dimensions: BTreeMap<String, BTreeSet<String>>,
}

impl Found {
    /// The selector of the metric `bare` names in whichever spelling the server
    /// has: `vllm:x`, `vllm_x`, or both (`{__name__=~"vllm:x|vllm_x"}`), with
    /// `matchers` (`model_name=~"$model"`, or empty); `None` when it has neither.
    pub fn selector(&self, bare: &str, matchers: &str) -> Option<String> {
        let spelled: Vec<String> = self
            .component
            .prefixes
            .iter()
            .map(|prefix| format!("{prefix}{bare}"))
            .chain(std::iter::once(bare.to_owned()))
            .filter(|name| self.names.contains(name))
            .collect();
        match spelled.as_slice() {
            [] => None,
            [name] if matchers.is_empty() => Some(name.clone()),
            [name] => Some(format!("{name}{{{matchers}}}")),
            names => {
                let alternatives = names.join("|");
                Some(if matchers.is_empty() {
                    format!("{{__name__=~\"{alternatives}\"}}")
                } else {
                    format!("{{__name__=~\"{alternatives}\", {matchers}}}")
                })
            }
        }
    }

    /// Whether the metric `bare` names exists in some spelling.
    pub fn has(&self, bare: &str) -> bool {
        self.selector(bare, "").is_some()
    }

    /// The values found of `label`.
    pub fn values(&self, label: &str) -> Option<&BTreeSet<String>> {
        self.labels.get(label).filter(|values| !values.is_empty())
    }

    /// A CloudWatch metric of this component's namespace with each listed
    /// dimension set to `*`, except those `pinned` (a variable, a value).
    pub fn cloudwatch_metric(
        &self,
        name: &str,
        pinned: &[(&str, &str)],
    ) -> Option<CloudWatchMetric> {
        let (namespace, _) = self.component.cloudwatch?;
        let dimensions = self.dimensions.get(name)?;
        Some(CloudWatchMetric {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            dimensions: dimensions
                .iter()
                .map(|dimension| {
                    let value = pinned
                        .iter()
                        .find(|(pinned, _)| pinned == dimension)
                        .map_or("*", |(_, value)| value);
                    (dimension.clone(), value.to_owned())
                })
                .collect(),
        })
    }
}

/// PromQL as a TOML literal string where it can be (`'…{model_name=~"$model"}'`,
/// as a person writes it), quoted otherwise.
fn promql_text(promql: &str) -> String {
    if promql.contains(['\'', '\n', '\r']) {
        quoted(promql)
    } else {
        format!("'{promql}'")
    }
}

/// "3 models: a, b, c" — a count and the first few values.
pub fn listing(count_of: &str, values: Option<&BTreeSet<String>>) -> String {
    /// Values named before "…".
    const NAMED: usize = 5;
    let Some(values) = values else {
        return String::new();
    };
    let mut named: Vec<&str> = values.iter().take(NAMED).map(String::as_str).collect();
    if values.len() > NAMED {
        named.push("…");
    }
    let noun = if values.len() == 1 {
        count_of.strip_suffix('s').unwrap_or(count_of)
    } else {
        count_of
    };
    format!("{} {noun}: {}", values.len(), named.join(", "))
}

/// Threshold colours, low to high, as TOML text.
pub fn thresholds(steps: &[(f64, &str, Option<&str>)]) -> String {
    let steps: Vec<String> = steps
        .iter()
        .map(|(value, color, name)| {
            let name = name
                .map(|n| format!(", name = {}", quoted(n)))
                .unwrap_or_default();
            format!(
                "{{ value = {}, color = {}{name} }}",
                crate::import::toml_text::number(*value),
                quoted(color)
            )
        })
        .collect();
    format!("[{}]", steps.join(", "))
}
