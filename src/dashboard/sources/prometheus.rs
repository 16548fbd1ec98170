//! A Prometheus-compatible source's settings and queries.

pub use super::http::HttpSettings;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A compiled prometheus (or alertmanager) source.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// An Alertmanager (its v2 alerts API) rather than a Prometheus.
    pub alertmanager: bool,
    /// Base URL without a trailing `/`.
    pub base_url: String,
    /// Which server, for its points-per-series limit.
    pub flavor: PromFlavor,
    /// The scrape interval: the finest step asked for, and `$__rate_interval`'s base.
    pub scrape_interval: Duration,
    /// How it connects: timeout, credentials, TLS, proxy.
    pub http: Box<HttpSettings>,
    /// SigV4 signing (Amazon Managed Prometheus).
    pub sigv4: Option<SigV4Settings>,
}

/// A PromQL query; `$__rate_interval`, `$__interval` and `$__range` are filled in
/// per request, as Grafana does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromQuery {
    /// The expression.
    pub promql: String,
}

/// Which Prometheus-compatible server a source talks to; decides its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PromFlavor {
    /// Prometheus: at most 11,000 points per series.
    #[default]
    Prometheus,
    /// VictoriaMetrics: at most 30,000 points per series.
    Victoriametrics,
    /// Grafana Mimir / Cortex (multi-tenant: set `headers = { X-Scope-OrgID = "…" }`).
    Mimir,
}

/// SigV4 as a prometheus source compiled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigV4Settings {
    /// Region of the workspace.
    pub region: String,
    /// Profile in `~/.aws/config`; the default chain without it.
    pub profile: Option<String>,
    /// Signing name (`aps` unless the layout says otherwise).
    pub service: String,
}
