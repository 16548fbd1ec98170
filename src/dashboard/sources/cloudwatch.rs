//! A CloudWatch query: a metric statistic, metric math or Metrics Insights.

use std::collections::BTreeMap;

/// A CloudWatch query, checked and resolved when the layout was compiled: metric
/// math carries the queries it reads, so nothing is looked up by id at run time.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudWatchQuery {
    /// What it asks.
    pub what: CwExpr,
    /// A fixed period instead of the planned one, ms.
    pub period_ms: Option<i64>,
    /// Fetched for its own sake: not a hidden query that only metric math in its
    /// panel reads (that one travels as the expression's dependency).
    pub standalone: bool,
}

/// One metric's statistic; dimension values may be `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CwStat {
    /// e.g. `AWS/SageMaker`.
    pub namespace: String,
    /// e.g. `ModelLatency`.
    pub metric: String,
    /// Dimension names and values; `*` matches every value `ListMetrics` knows.
    pub dimensions: BTreeMap<String, String>,
    /// `Average`, `p99`, …
    pub stat: String,
    /// For a `*` dimension a multi-value variable set: the only values kept.
    pub choices: BTreeMap<String, Vec<String>>,
}

/// What a CloudWatch query asks.
#[derive(Debug, Clone, PartialEq)]
pub enum CwExpr {
    /// A metric statistic.
    Stat(CwStat),
    /// Metric math: the expression's text with the queries it reads in place.
    Math(Vec<MathPart>),
    /// Metrics Insights SQL.
    Sql(String),
}

/// A piece of a metric math expression.
#[derive(Debug, Clone, PartialEq)]
pub enum MathPart {
    /// Text sent as written (functions, operators, numbers, strings).
    Text(String),
    /// Another query of the panel, sent under its batch id.
    Read(Box<CwExpr>),
}
