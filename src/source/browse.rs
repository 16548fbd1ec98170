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

/// What a server holds, asked cheaply for `fleetdeck discover`: the metric names
/// with recent data and, where the server keeps the count, the largest families.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    /// Every metric seen recently.
    pub metrics: Vec<InventoryMetric>,
    /// Series per metric name, largest first, as far as the server says
    /// (Prometheus: its head block's top names; empty when it cannot say).
    pub largest: Vec<(String, u64)>,
    /// Requests made to learn this.
    pub requests: u32,
}

/// One metric of an [`Inventory`].
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryMetric {
    /// Metric name.
    pub name: String,
    /// CloudWatch: its namespace.
    pub namespace: Option<String>,
    /// CloudWatch: dimension names with a few of the values listed (Prometheus
    /// labels are asked afterwards, only for the families recognised).
    pub labels: LabelValues,
}
