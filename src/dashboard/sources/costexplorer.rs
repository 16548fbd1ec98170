//! A Cost Explorer source's settings and queries.

use super::aws::ClientSettings;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// A compiled costexplorer source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Where and as whom to call Cost Explorer.
    pub client: ClientSettings,
    /// Where answers are cached.
    pub cache_dir: PathBuf,
    /// How long an answer is reused.
    pub ttl: Duration,
}

/// One `GetCostAndUsage` question, checked when the layout was compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostQuery {
    /// `UnblendedCost`, `AmortizedCost`, …
    pub metric: String,
    /// MONTHLY rather than DAILY.
    pub monthly: bool,
    /// Up to two group-by keys (dimensions or `TAG:key`).
    pub group_by: Vec<String>,
    /// Only costs whose dimension has one of these values.
    pub filter: BTreeMap<String, Vec<String>>,
}
