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
    /// Any source's query keys as a layout writes them, one `key = value` per
    /// line (Explore's query for a source that is not Prometheus).
    Keys(String),
}

impl NewQuery {
    /// A query to start from on a source of `kind`, for "Add panel".
    pub(crate) fn starter(kind: SourceKind) -> Option<NewQuery> {
        match kind {
            SourceKind::Demo => Some(NewQuery::Demo("vllm:num_requests_running".to_owned())),
            SourceKind::Prometheus => Some(NewQuery::PromQl("up".to_owned())),
            SourceKind::Cloudwatch => Some(NewQuery::CloudWatch {
                namespace: "AWS/SageMaker".to_owned(),
                metric: "Invocations".to_owned(),
                dimensions: BTreeMap::from([("EndpointName".to_owned(), "*".to_owned())]),
                stat: "Sum".to_owned(),
            }),
            SourceKind::Alertmanager
            | SourceKind::Costexplorer
            | SourceKind::Sagemaker
            | SourceKind::Fis => None,
        }
    }
}

/// A panel to add: its title, and what it asks of which source.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPanel {
    /// Its title (unique in the layout).
    pub title: String,
    /// Its queries: each source's name and what it asks.
    pub queries: Vec<(String, NewQuery)>,
}

impl NewPanel {
    /// A panel with one query.
    pub(crate) fn single(
        title: impl Into<String>,
        source: impl Into<String>,
        query: NewQuery,
    ) -> NewPanel {
        NewPanel {
            title: title.into(),
            queries: vec![(source.into(), query)],
        }
    }
}

/// The `[[panels]]` table of `panel` at `grid`, formatted as a person would write it.
pub(crate) fn panel_table(panel: &NewPanel, grid: GridPos) -> Option<Table> {
    let quoted = |text: &str| Value::from(text).to_string();
    let mut queries = String::new();
    for (source, asked) in &panel.queries {
        queries.push_str("  [[panels.queries]]\n");
        queries.push_str(&format!("  source = {}\n", quoted(source)));
        queries.push_str(&query_keys(asked, &quoted));
    }
    let text = format!(
        "[[panels]]\ntitle = {}\ngrid = {{ x = {}, y = {}, w = {}, h = {} }}\n{queries}",
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

/// The lines of one query after its `source`, indented as a person writes them.
fn query_keys(asked: &NewQuery, quoted: &dyn Fn(&str) -> String) -> String {
    let mut query = String::new();
    match asked {
        NewQuery::PromQl(expr) => query.push_str(&format!("  promql = {}\n", quoted(expr))),
        NewQuery::Demo(metric) => query.push_str(&format!("  metric = {}\n", quoted(metric))),
        NewQuery::Keys(text) => {
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                query.push_str(&format!("  {line}\n"));
            }
        }
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
    query
}
