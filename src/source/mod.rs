//! Data sources: one trait for every backend — the simulated fleet, Prometheus and
//! its kin (VictoriaMetrics, Mimir, Amazon Managed Prometheus, Alertmanager),
//! CloudWatch, Cost Explorer, SageMaker and FIS — so the poller and every front end
//! treat them the same way. Each kind compiles its own settings and queries into
//! the dashboard's types; all I/O happens in the futures the trait returns, on the
//! tokio runtime, never on the UI thread.

pub(crate) mod aws_client;
pub(crate) mod aws_credentials;
pub(crate) mod browse;
pub mod cloudwatch;
pub mod costexplorer;
pub mod demo;
pub(crate) mod fan_out;
pub mod http;
pub(crate) mod limits;
pub(crate) mod operations;
pub mod prometheus;
pub mod step;

use crate::alarm::Alarm;
use crate::dashboard::AlarmFilter;
pub use crate::dashboard::sources::{Extreme, SourceQuery, SourceSpec};
use crate::layout_file::{Query, SourceConfig, SourceKind};
use crate::store::Sample;
use crate::time_range::Window;
pub(crate) use limits::SourceLimits;
use std::collections::BTreeMap;
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;

/// Why a fetch failed, in words a person can act on. The message is shown on the
/// panel and in the status bar exactly as written here, and kept in incident files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum SourceError {
    /// The server (or the demo catalogue) refused the query itself; retrying won't help.
    #[error("query error: {0}")]
    BadQuery(String),
    /// The server could not be reached.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The server took longer than the configured timeout.
    #[error("timed out after {0} s")]
    Timeout(u64),
    /// The server answered with an error of its own.
    #[error("server error: {0}")]
    Server(String),
    /// The source cannot be used as configured (e.g. a token variable is unset).
    #[error("configuration: {0}")]
    Config(String),
    /// The server turned down the credential sent (HTTP 401 or 403, or an OAuth2
    /// token endpoint refusing the client): the window offers to enter it.
    #[error("refused: {0}")]
    Refused(String),
}

impl SourceError {
    /// The same kind of error with its words changed (a region's name put in
    /// front), so what a person should do still follows from the kind.
    pub(crate) fn map_message(self, change: impl FnOnce(String) -> String) -> SourceError {
        match self {
            SourceError::BadQuery(m) => SourceError::BadQuery(change(m)),
            SourceError::Unreachable(m) => SourceError::Unreachable(change(m)),
            SourceError::Timeout(s) => {
                SourceError::Server(change(format!("timed out after {s} s")))
            }
            SourceError::Server(m) => SourceError::Server(change(m)),
            SourceError::Config(m) => SourceError::Config(change(m)),
            SourceError::Refused(m) => SourceError::Refused(change(m)),
        }
    }
}

/// One series returned by a source, with its labels and samples in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesData {
    /// Identifying labels, used for legends and to tell series apart.
    pub labels: BTreeMap<String, String>,
    /// Samples, ascending by time.
    pub samples: Vec<Sample>,
    /// The least and greatest value inside each step, when the step is coarser
    /// than the data and the panel draws its min/max band.
    pub envelope: Option<Envelope>,
}

impl SeriesData {
    /// A series without a min/max band.
    pub(crate) fn new(labels: BTreeMap<String, String>, samples: Vec<Sample>) -> SeriesData {
        SeriesData {
            labels,
            samples,
            envelope: None,
        }
    }
}

/// The extremes of a series inside each step (the step ending at each sample's
/// time), so a zoomed-out chart still shows a spike shorter than its step.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Envelope {
    /// The least value inside each step.
    pub min: Vec<Sample>,
    /// The greatest value inside each step.
    pub max: Vec<Sample>,
}

/// A request for one query over a window at a given step.
#[derive(Debug, Clone)]
pub struct RangeRequest {
    /// The query, in its source kind's own type.
    pub query: SourceQuery,
    /// Time window to cover.
    pub window: Window,
    /// Distance between samples, ms.
    pub step_ms: i64,
}

impl RangeRequest {
    /// A request for `query` over `window` at `step_ms`.
    pub fn new(query: SourceQuery, window: Window, step_ms: i64) -> RangeRequest {
        RangeRequest {
            query,
            window,
            step_ms,
        }
    }
}

impl SourceSpec {
    /// Which kind of source it is.
    pub(crate) fn kind(&self) -> SourceKind {
        match self {
            SourceSpec::Demo { .. } => SourceKind::Demo,
            SourceSpec::Prometheus(settings) if settings.alertmanager => SourceKind::Alertmanager,
            SourceSpec::Prometheus(_) => SourceKind::Prometheus,
            SourceSpec::CloudWatch(_) => SourceKind::Cloudwatch,
            SourceSpec::CostExplorer(_) => SourceKind::Costexplorer,
            SourceSpec::SageMaker { .. } => SourceKind::Sagemaker,
            SourceSpec::Fis(_) => SourceKind::Fis,
        }
    }
}

impl SourceQuery {
    /// The metric's name, when the query names one metric (for series names).
    pub(crate) fn metric_name(&self) -> Option<&str> {
        match self {
            SourceQuery::Demo(query) => Some(query.metric_name()),
            SourceQuery::CloudWatch(query) => query.metric_name(),
            SourceQuery::SageMaker(query) => Some(query.field),
            SourceQuery::Prometheus(_) | SourceQuery::CostExplorer(_) => None,
        }
    }
}

/// The error a source gives a query of another kind (the dashboard never sends
/// one; this keeps the match total).
pub(crate) fn wrong_kind(source: &str) -> SourceError {
    SourceError::BadQuery(format!("this query is not for a {source} source"))
}

/// A future returned by [`Source::fetch_alarms`].
pub(crate) type AlarmFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<Alarm>, SourceError>> + Send + 'a>>;

/// A future returned by [`Source::list_metrics`].
pub(crate) type MetricsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<browse::MetricInfo>, SourceError>> + Send + 'a>>;
/// A future returned by [`Source::inventory`].
pub(crate) type InventoryFuture<'a> =
    Pin<Box<dyn Future<Output = Result<browse::Inventory, SourceError>> + Send + 'a>>;
/// A future returned by [`Source::label_values`].
pub(crate) type LabelsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<browse::LabelValues, SourceError>> + Send + 'a>>;

/// A future returned by [`Source::variable_options`].
pub(crate) type OptionsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<String>, SourceError>> + Send + 'a>>;

/// A future returned by [`Source::count_series`].
pub(crate) type CountFuture<'a> = Pin<Box<dyn Future<Output = Option<usize>> + Send + 'a>>;

/// A future returned by [`Source::fetch_range`].
pub(crate) type FetchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<SeriesData>, SourceError>> + Send + 'a>>;

/// A future returned by [`Source::fetch_operations`].
pub(crate) type OpsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Vec<crate::ops::OpsEvent>, SourceError>> + Send + 'a>>;

/// A future returned by [`Source::fetch_batch`]: one outcome per request, in order.
pub(crate) type BatchFuture<'a> =
    Pin<Box<dyn Future<Output = Vec<Result<Vec<SeriesData>, SourceError>>> + Send + 'a>>;

/// What a source that bills per request has spent, for the cost meter.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// API calls made.
    pub calls: u64,
    /// Billed units requested (CloudWatch: metrics).
    pub units: u64,
    /// Units of the most recent complete refresh, for projecting the daily cost.
    pub units_last_refresh: u64,
    /// Price of one unit, USD.
    pub usd_per_unit: f64,
    /// What a unit is, plural (`metrics`, `requests`).
    pub unit_name: &'static str,
    /// Answers are reused at least this long (a cache), so refreshes faster than
    /// it cost nothing.
    pub min_interval: std::time::Duration,
}

impl Usage {
    /// Spent so far, USD.
    pub fn spent_usd(&self) -> f64 {
        self.units as f64 * self.usd_per_unit
    }

    /// What a day costs when `units_per_refresh` are requested every `refresh`.
    pub(crate) fn projected_usd_per_day(
        &self,
        units_per_refresh: u64,
        refresh: std::time::Duration,
    ) -> f64 {
        usd_per_day(
            units_per_refresh,
            refresh.max(self.min_interval),
            self.usd_per_unit,
        )
    }
}

/// What a day costs when `units` priced `usd_per_unit` each are bought every
/// `interval` (at least a second).
pub(crate) fn usd_per_day(units: u64, interval: std::time::Duration, usd_per_unit: f64) -> f64 {
    units as f64 * (86_400.0 / interval.as_secs_f64().max(1.0)) * usd_per_unit
}

/// A backend that answers range queries. Implementations never block the caller:
/// all I/O happens inside the returned future, on the tokio runtime.
pub trait Source: Send + Sync {
    /// Step and size limits, so the planner never asks for more than the server allows.
    fn limits(&self) -> SourceLimits;
    /// Fetches one query over a window.
    fn fetch_range<'a>(&'a self, request: &'a RangeRequest) -> FetchFuture<'a>;
    /// The step for a fetch of `window` into a panel `width_px` wide at `now_ms`;
    /// sources whose data thins out with age (CloudWatch) override it.
    fn plan_step(&self, window: Window, width_px: u32, query: &SourceQuery, now_ms: i64) -> i64 {
        let _ = (query, now_ms);
        step::plan_step(window, width_px, self.limits())
    }
    /// The query that reads `extreme` of `query` inside each step of `step_ms`, or
    /// `None` when the step is no coarser than the data (nothing can hide inside
    /// it) or the query has no such reading (metric math, a fixed period).
    fn envelope_query(
        &self,
        query: &SourceQuery,
        extreme: Extreme,
        step_ms: i64,
    ) -> Option<SourceQuery> {
        let _ = (query, extreme, step_ms);
        None
    }
    /// How many series `query` has over `window` (at its end), when the source
    /// can say so cheaply: asked before a query's first fetch, so the panel's
    /// point budget holds from its first answer. `None`: unknown until it answers.
    fn count_series<'a>(
        &'a self,
        query: &'a SourceQuery,
        window: Window,
        now_ms: i64,
    ) -> CountFuture<'a> {
        let _ = (query, window, now_ms);
        Box::pin(async { None })
    }
    /// Whether the poller should hand this source all its queries at once through
    /// [`Source::fetch_batch`] (sources that bill or limit per call).
    fn batches(&self) -> bool {
        false
    }
    /// Fetches many queries, ideally in few calls. The default asks one by one.
    fn fetch_batch<'a>(&'a self, requests: &'a [RangeRequest]) -> BatchFuture<'a> {
        Box::pin(async move {
            let mut outcomes = Vec::with_capacity(requests.len());
            for request in requests {
                outcomes.push(self.fetch_range(request).await);
            }
            outcomes
        })
    }
    /// How far back a refresh must re-read because the server's newest points are
    /// still filling in (CloudWatch publishes a minute or two late), ms.
    fn settle_ms(&self) -> i64 {
        0
    }
    /// The poller starts a refresh round (every query of this source, once): usage
    /// counts per refresh start over.
    fn begin_round(&self) {}
    /// The poller finished a round.
    fn end_round(&self) {}
    /// Calls and billed units so far, for sources that cost money per request.
    fn usage(&self) -> Option<Usage> {
        None
    }
    /// Response bytes received so far (as sent on the wire), for the status bar and
    /// for measuring what incremental refresh saves.
    fn bytes_received(&self) -> u64 {
        0
    }
    /// Every metric with its type and help, for the metric browser.
    fn list_metrics(&self) -> MetricsFuture<'_> {
        Box::pin(async {
            Err(SourceError::BadQuery(
                "this kind of source cannot list its metrics".to_owned(),
            ))
        })
    }
    /// What the server holds, for discovery: metric names seen since `since_ms`
    /// (CloudWatch: those of `namespaces`, the only ones discovery reads).
    fn inventory<'a>(&'a self, namespaces: &'a [&'a str], since_ms: i64) -> InventoryFuture<'a> {
        let _ = (namespaces, since_ms);
        Box::pin(async {
            Err(SourceError::BadQuery(
                "this kind of source cannot say what it holds".to_owned(),
            ))
        })
    }
    /// The label names and recent values of one metric, for the metric browser.
    fn label_values<'a>(&'a self, metric: &'a browse::MetricInfo) -> LabelsFuture<'a> {
        let _ = metric;
        Box::pin(async {
            Err(SourceError::BadQuery(
                "this kind of source cannot list labels".to_owned(),
            ))
        })
    }
    /// The values a template variable offers, sorted, for its dropdown.
    fn variable_options<'a>(
        &'a self,
        query: &'a crate::dashboard::variables::OptionsQuery,
    ) -> OptionsFuture<'a> {
        let _ = query;
        Box::pin(async {
            Err(SourceError::BadQuery(
                "this kind of source cannot list variable values".to_owned(),
            ))
        })
    }
    /// Whether it reports operations (scaling actions, chaos experiments).
    fn has_operations(&self) -> bool {
        false
    }
    /// The operations that touched its resources in `window`.
    fn fetch_operations(&self, window: Window) -> OpsFuture<'_> {
        let _ = window;
        Box::pin(async {
            Err(SourceError::BadQuery(
                "this kind of source reports no operations".to_owned(),
            ))
        })
    }
    /// The source's alarms, for alarm panels; `source` names it in the list and
    /// `filter` may narrow it at the server (CloudWatch: `alarm_prefix`).
    fn fetch_alarms<'a>(&'a self, source: &'a str, filter: &'a AlarmFilter) -> AlarmFuture<'a> {
        let _ = (source, filter);
        Box::pin(async {
            Err(SourceError::BadQuery(
                "this kind of source has no alarms".to_owned(),
            ))
        })
    }
}

/// Builds the source a compiled `[sources.NAME]` describes. Does no I/O: clients
/// connect, and secrets are read, on first use on the runtime.
pub fn build_source(spec: &SourceSpec) -> Arc<dyn Source> {
    match spec {
        SourceSpec::Demo { seed, nodes } => Arc::new(demo::DemoSource::with_nodes(*seed, *nodes)),
        SourceSpec::Prometheus(settings) => {
            Arc::new(prometheus::PrometheusSource::new(settings.clone()))
        }
        SourceSpec::CloudWatch(settings) => fan_out(settings, |settings| {
            Arc::new(cloudwatch::CloudWatchSource::new(settings))
        }),
        SourceSpec::CostExplorer(settings) => {
            Arc::new(costexplorer::CostExplorerSource::new(settings.clone()))
        }
        SourceSpec::SageMaker {
            settings,
            endpoints,
        } => fan_out(settings, |settings| {
            Arc::new(operations::sagemaker::SageMakerSource::new(
                &settings,
                endpoints.clone(),
            ))
        }),
        SourceSpec::Fis(settings) => fan_out(settings, |settings| {
            Arc::new(operations::fis::FisSource::new(&settings))
        }),
    }
}

/// An AWS source of one region as `build` makes it, or one per region and
/// account it spans, joined.
fn fan_out(
    settings: &aws_client::ClientSettings,
    build: impl Fn(aws_client::ClientSettings) -> Arc<dyn Source>,
) -> Arc<dyn Source> {
    let reached = settings.reached();
    if reached.is_empty() {
        return build(settings.clone());
    }
    Arc::new(fan_out::FanOut::new(
        reached
            .into_iter()
            .map(|(labels, settings)| (labels, build(settings)))
            .collect(),
    ))
}

/// Whether any key only a prometheus source takes is set (a demo or cloudwatch
/// source refuses them).
pub(crate) fn has_prometheus_keys(config: &SourceConfig) -> bool {
    config.url.is_some()
        || config.flavor.is_some()
        || http::settings::has_keys(config)
        || config.scrape_interval.is_some()
        || config.sigv4.is_some()
}

/// A problem for each of `durations` that does not parse (`10 seconds`).
pub(crate) fn duration_problems(durations: &[&Option<toml::Spanned<String>>]) -> Vec<QueryProblem> {
    durations
        .iter()
        .copied()
        .flatten()
        .filter_map(|duration| {
            crate::time_range::parse_duration(duration.get_ref())
                .err()
                .map(|error| QueryProblem {
                    message: error.to_string(),
                    span: Some(duration.span()),
                })
        })
        .collect()
}

/// A parsed optional duration; only after [`duration_problems`] found none.
pub(crate) fn duration_or(
    duration: &Option<toml::Spanned<String>>,
    default: std::time::Duration,
) -> std::time::Duration {
    duration
        .as_ref()
        .and_then(|d| crate::time_range::parse_duration(d.get_ref()).ok())
        .unwrap_or(default)
}

/// The most GPU nodes a demo source simulates: 100,000 GPUs.
const MAX_DEMO_NODES: u32 = 12_500;

/// Checks a source's keys against its kind and compiles them.
pub(crate) fn compile_source(config: &SourceConfig) -> Result<SourceSpec, Vec<QueryProblem>> {
    match config.kind.get_ref() {
        SourceKind::Demo => {
            let prometheus_only = has_prometheus_keys(config)
                || config.timeout.is_some()
                || config.region.is_some()
                || aws_client::has_reach_keys(config)
                || config.profile.is_some()
                || config.endpoint_url.is_some();
            if prometheus_only {
                return Err(vec![QueryProblem {
                    message: "a demo source takes only `seed`; url, auth, headers, regions and timeouts belong to prometheus and cloudwatch sources".to_owned(),
                    span: Some(config.kind.span()),
                }]);
            }
            let nodes = match &config.nodes {
                Some(nodes) if !(1..=MAX_DEMO_NODES).contains(nodes.get_ref()) => {
                    return Err(vec![QueryProblem {
                        message: format!(
                            "`nodes` is between 1 and {MAX_DEMO_NODES} (eight GPUs each)"
                        ),
                        span: Some(nodes.span()),
                    }]);
                }
                nodes => nodes.as_ref().map(|n| *n.get_ref() as usize),
            };
            Ok(SourceSpec::Demo {
                seed: config.seed.unwrap_or(42),
                nodes,
            })
        }
        SourceKind::Prometheus | SourceKind::Alertmanager => {
            prometheus::compile_source(config).map(SourceSpec::Prometheus)
        }
        SourceKind::Cloudwatch => cloudwatch::compile_source(config).map(SourceSpec::CloudWatch),
        SourceKind::Costexplorer => {
            costexplorer::compile_source(config).map(SourceSpec::CostExplorer)
        }
        SourceKind::Sagemaker => {
            let settings = aws_client::compile_settings(
                config,
                "SageMaker",
                operations::sagemaker::PERMISSIONS,
                operations::TIMEOUT,
                ", endpoints",
            )?;
            if config.endpoints.is_empty() {
                return Err(vec![QueryProblem {
                    message: "a sagemaker source needs `endpoints`, the endpoint names to watch, e.g. endpoints = [\"llm-prod\"]".to_owned(),
                    span: Some(config.kind.span()),
                }]);
            }
            Ok(SourceSpec::SageMaker {
                settings,
                endpoints: config.endpoints.clone(),
            })
        }
        SourceKind::Fis => aws_client::compile_settings(
            config,
            "Fault Injection Service",
            operations::fis::PERMISSIONS,
            operations::TIMEOUT,
            "",
        )
        .map(SourceSpec::Fis),
    }
}

/// A problem with a query, with the span of the key at fault when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryProblem {
    /// What is wrong.
    pub message: String,
    /// Byte range in the layout file.
    pub span: Option<Range<usize>>,
}

/// Checks a query of an alarm panel: it names a source with alarms, nothing else.
pub(crate) fn compile_alarm_query(
    kind: SourceKind,
    query: &Query,
) -> Result<AlarmFilter, QueryProblem> {
    if matches!(
        kind,
        SourceKind::Demo | SourceKind::Costexplorer | SourceKind::Sagemaker | SourceKind::Fis
    ) {
        return Err(QueryProblem {
            message: "an alarm panel needs a prometheus, alertmanager or cloudwatch source"
                .to_owned(),
            span: Some(query.source.span()),
        });
    }
    if query.promql.is_some()
        || query.metric.is_some()
        || query.expression.is_some()
        || query.sql.is_some()
    {
        return Err(QueryProblem {
            message:
                "an alarm panel's query takes `source`, `alarm_prefix` and `alarm_states`: it lists that source's alarms"
                    .to_owned(),
            span: Some(query.source.span()),
        });
    }
    compile_alarm_filter(query)
}

/// Checks that a query suits its source's kind and compiles it; `panel` holds its
/// siblings and `same_kind` tells which are on sources of its kind (CloudWatch
/// metric math reads them).
pub(crate) fn compile_query(
    kind: SourceKind,
    query: &Query,
    panel: &crate::layout_file::Panel,
    same_kind: &dyn Fn(&Query) -> bool,
) -> Result<SourceQuery, QueryProblem> {
    match kind {
        SourceKind::Demo => demo::compile_query(query).map(SourceQuery::Demo),
        SourceKind::Prometheus => prometheus::compile_query(query).map(SourceQuery::Prometheus),
        SourceKind::Cloudwatch => {
            cloudwatch::compile_query(query, panel, same_kind).map(SourceQuery::CloudWatch)
        }
        SourceKind::Costexplorer => {
            costexplorer::compile_query(query).map(SourceQuery::CostExplorer)
        }
        SourceKind::Alertmanager => Err(QueryProblem {
            message: "an alertmanager source has alarms, not time series: use it in a panel of kind = \"alarms\"".to_owned(),
            span: Some(query.source.span()),
        }),
        SourceKind::Sagemaker => {
            operations::sagemaker::compile_query(query).map(SourceQuery::SageMaker)
        }
        SourceKind::Fis => Err(QueryProblem {
            message: format!(
                "a {} source reports operations, not time series: list it in operations = [...]",
                kind.name()
            ),
            span: Some(query.source.span()),
        }),
    }
}

/// Compiles an SLI's query (events per second) for a source of `kind`: the
/// demo fleet and Prometheus flavours can count events; the others are refused
/// with why.
pub(crate) fn compile_sli_query(
    kind: SourceKind,
    query: &Query,
) -> Result<(SourceQuery, crate::dashboard::slo::SliReading), QueryProblem> {
    use crate::dashboard::slo::SliReading;
    match kind {
        SourceKind::Demo => {
            demo::compile_query(query).map(|q| (SourceQuery::Demo(q), SliReading::Rate))
        }
        SourceKind::Prometheus => {
            prometheus::compile_query(query).map(|q| (SourceQuery::Prometheus(q), SliReading::Rate))
        }
        SourceKind::Cloudwatch => {
            let stat = query
                .stat
                .as_ref()
                .map_or("Average", |s| s.get_ref().as_str());
            let reading = if stat == "Sum" || stat == "SampleCount" {
                SliReading::Count
            } else if stat.starts_with("PR(") {
                SliReading::Percent
            } else {
                return Err(QueryProblem {
                    message: format!(
                        "an SLI counts events: stat `{stat}` does not; use Sum or SampleCount, or a percentile rank such as PR(:2000000) for the good share"
                    ),
                    span: Some(
                        query
                            .stat
                            .as_ref()
                            .map_or_else(|| query.source.span(), toml::Spanned::span),
                    ),
                });
            };
            cloudwatch::query::compile_standalone(query)
                .map(|q| (SourceQuery::CloudWatch(q), reading))
        }
        other => Err(QueryProblem {
            message: format!(
                "an SLI is counted from a demo, Prometheus or CloudWatch source, not {}",
                other.name()
            ),
            span: Some(query.source.span()),
        }),
    }
}

/// `https://user:pass@host/…` → `https://host/…`: a URL as it may be shown, logged
/// or kept in an incident file.
pub(crate) fn url_without_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
            let host = authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host);
            if path.is_empty() {
                format!("{scheme}://{host}")
            } else {
                format!("{scheme}://{host}/{path}")
            }
        }
        None => url.to_owned(),
    }
}

/// Checks an alarm panel's query: `alarm_states` words are states.
fn compile_alarm_filter(query: &Query) -> Result<AlarmFilter, QueryProblem> {
    let states = match &query.alarm_states {
        None => None,
        Some(states) => {
            let mut parsed = Vec::new();
            for word in states.get_ref() {
                match crate::dashboard::AlarmState::from_label(word) {
                    Some(state) => parsed.push(state),
                    None => {
                        return Err(QueryProblem {
                            message: format!(
                                "unknown alarm state `{word}`: use firing, pending, nodata, suppressed or ok"
                            ),
                            span: Some(states.span()),
                        });
                    }
                }
            }
            Some(parsed)
        }
    };
    Ok(AlarmFilter {
        prefix: query.alarm_prefix.clone(),
        states,
    })
}
