//! A query of the built-in simulated fleet.

use super::Extreme;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A demo query, checked against the catalogue when the layout was compiled.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoQuery {
    /// The metric's name, as the exporter publishes it (in the catalogue: checked
    /// when compiled).
    pub(crate) metric: &'static str,
    /// Value, rate or quantile, as the metric's kind allows.
    pub(crate) reading: Reading,
    /// Only series whose label has one of these values.
    pub(crate) labels: BTreeMap<String, Vec<String>>,
    /// Group series by these labels (empty: one series for all); `None` keeps
    /// every series apart.
    pub(crate) by: Option<Vec<String>>,
    /// How grouped series are combined.
    pub(crate) aggregate: Aggregate,
    /// A fixed step instead of the planned one (one bar an hour or a day).
    pub(crate) period_ms: Option<i64>,
    /// Read the least or greatest value inside each step instead (the band).
    pub(crate) extreme: Option<Extreme>,
}

/// How a sample is asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Reading {
    /// The level of a gauge or running total.
    Value,
    /// Per-second rate of a counter or running total.
    Rate,
    /// A quantile of a distribution.
    Quantile(f64),
}

/// How series are combined when `by` groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    /// Arithmetic mean.
    #[default]
    Avg,
    /// Total.
    Sum,
    /// Largest.
    Max,
    /// Smallest.
    Min,
}
