//! The text of a panel added in edit mode: from the metric browser's pick, or a
//! starting query for the layout's first source that the form then changes.

use crate::layout::{GridPos, SourceKind};
use std::collections::BTreeMap;
use toml_edit::{DocumentMut, Table, Value};

/// What a new panel asks.
#[derive(Debug, Clone, PartialEq)]
pub enum NewQuery {
    /// A PromQL expression.
    PromQl(String),
    /// A CloudWatch metric statistic.
    CloudWatch {
        /// e.g. `AWS/SageMaker`.
        namespace: String,
        /// e.g. `ModelLatency`.
        metric: String,
        /// Dimension names and values.
        dimensions: BTreeMap<String, String>,
        /// e.g. `Average`.
        stat: String,
    },
    /// A metric of the simulated fleet.
    Demo(String),
}

impl NewQuery {
    /// A query to start from on a source of `kind`, for "Add panel".
    pub fn starter(kind: SourceKind) -> Option<NewQuery> {
        match kind {
            SourceKind::Demo => Some(NewQuery::Demo("vllm:num_requests_running".to_owned())),
            SourceKind::Prometheus => Some(NewQuery::PromQl("up".to_owned())),
            SourceKind::Cloudwatch => Some(NewQuery::CloudWatch {
                namespace: "AWS/SageMaker".to_owned(),
                metric: "Invocations".to_owned(),
                dimensions: BTreeMap::from([("EndpointName".to_owned(), "*".to_owned())]),
                stat: "Sum".to_owned(),
            }),
            SourceKind::Alertmanager | SourceKind::Costexplorer => None,
        }
    }
}

/// A panel to add: its title, its source and what it asks.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPanel {
    /// Its title (unique in the layout).
    pub title: String,
    /// The source's name.
    pub source: String,
    /// Its one query.
    pub query: NewQuery,
}

/// The `[[panels]]` table of `panel` at `grid`, formatted as a person would write it.
pub fn panel_table(panel: &NewPanel, grid: GridPos) -> Option<Table> {
    let quoted = |text: &str| Value::from(text).to_string();
    let mut query = format!("  source = {}\n", quoted(&panel.source));
    match &panel.query {
        NewQuery::PromQl(expr) => query.push_str(&format!("  promql = {}\n", quoted(expr))),
        NewQuery::Demo(metric) => query.push_str(&format!("  metric = {}\n", quoted(metric))),
        NewQuery::CloudWatch {
            namespace,
            metric,
            dimensions,
            stat,
        } => {
            query.push_str(&format!("  namespace = {}\n", quoted(namespace)));
            query.push_str(&format!("  metric = {}\n", quoted(metric)));
            if !dimensions.is_empty() {
                let pairs: Vec<String> = dimensions
                    .iter()
                    .map(|(k, v)| format!("{} = {}", quoted(k), quoted(v)))
                    .collect();
                query.push_str(&format!("  dimensions = {{ {} }}\n", pairs.join(", ")));
            }
            query.push_str(&format!("  stat = {}\n", quoted(stat)));
        }
    }
    let text = format!(
        "[[panels]]\ntitle = {}\ngrid = {{ x = {}, y = {}, w = {}, h = {} }}\n  [[panels.queries]]\n{query}",
        quoted(&panel.title),
        grid.x,
        grid.y,
        grid.w,
        grid.h
    );
    let doc: DocumentMut = text.parse().ok()?;
    let mut table = doc.get("panels")?.as_array_of_tables()?.get(0)?.clone();
    table.decor_mut().set_prefix("\n");
    Some(table)
}
