//! What a source can tell about its metrics, for the metric browser: names with
//! their type and help, and the label names and values of one metric.

use std::collections::{BTreeMap, BTreeSet};

/// One metric as the server describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricInfo {
    /// Metric name.
    pub name: String,
    /// counter, gauge, histogram, summary or unknown.
    pub kind: String,
    /// The exporter's help text.
    pub help: String,
    /// CloudWatch: the metric's namespace (names repeat across namespaces).
    pub namespace: Option<String>,
}

/// Label names of one metric, each with the values seen recently.
pub(crate) type LabelValues = BTreeMap<String, BTreeSet<String>>;
