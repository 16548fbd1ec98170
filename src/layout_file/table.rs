//! `[[panels.columns]]` of a table panel as written: each a label of the rows or
//! a query's value over the window, with its own title, unit, thresholds and
//! gauge. Listing columns chooses, orders and renames them; what is not listed is
//! hidden.

use super::Threshold;
use crate::dashboard::Reduce;
use crate::units::Unit;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// One column.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnConfig {
    /// A label of the rows' series (`model_name`): its value in each row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<Spanned<String>>,
    /// The id of one of the panel's queries: its value in each row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<Spanned<String>>,
    /// What of the query's series over the window (default the panel's
    /// `reduce`, else the last value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reduce: Option<Reduce>,
    /// The heading (default the label, or the query's legend or id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its values' unit (default the query's, else the panel's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
    /// Cell colours, ascending (default the panel's thresholds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thresholds: Vec<Threshold>,
    /// Draw each value as a bar from `min` to `max` under its number.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gauge: bool,
    /// A gauge's empty end (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    /// A gauge's full end (default 100 for percent, 1 for a ratio, else the
    /// column's greatest value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}
