//! A table panel's compiled columns: which label or query each shows, and how.
//! No columns means automatic: the labels that tell the rows apart, then one
//! column per query with the panel's reduction.

use super::{QueryId, Reduce, Threshold};
use crate::units::Unit;

/// The table's columns; empty for automatic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableSettings {
    /// In the order shown.
    pub columns: Vec<Column>,
}

/// One column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// What it shows.
    pub shows: Shows,
    /// Its heading.
    pub title: String,
    /// Its values' unit (`None`: the query's, else the panel's).
    pub unit: Option<Unit>,
    /// Cell colours, ascending (empty: the panel's).
    pub thresholds: Vec<Threshold>,
    /// Values drawn as bars too.
    pub gauge: Option<Gauge>,
}

/// What a column shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Shows {
    /// A label's value.
    Label(String),
    /// A query's series reduced over the window.
    Value {
        /// The query.
        query: QueryId,
        /// How.
        reduce: Reduce,
    },
}

/// A gauge column's range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gauge {
    /// The empty end.
    pub min: f64,
    /// The full end; `None`: the column's greatest value.
    pub max: Option<f64>,
}
