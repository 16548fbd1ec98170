//! Amazon CloudWatch: metrics through `GetMetricData`, alarms through
//! `DescribeAlarms`, the metric browser through `ListMetrics`.
//!
//! The poller hands this source every query of every panel at once
//! ([`Source::batches`]), so one refresh of a layout costs as few calls and as few
//! billed metrics as CloudWatch allows; see [`batch`]. Periods follow CloudWatch's
//! retention ([`period`]); a `*` dimension value is expanded with `ListMetrics`
//! (cached for a few minutes) so one query can draw every endpoint.

pub(crate) mod alarms;
pub(crate) mod batch;
pub mod client;
pub mod cost;
pub(crate) mod period;
pub(crate) mod query;

pub use query::{CloudWatchQuery, CwExpr, CwStat, compile_query, compile_source, validate_panel};

use crate::dashboard::AlarmFilter;
use crate::source::browse::{LabelValues, MetricInfo};
use crate::source::{
    BatchFuture, Extreme, FetchFuture, LabelsFuture, MetricsFuture, RangeRequest, SeriesData,
    Source, SourceError, SourceLimits, SourceQuery, Usage,
};
use crate::store::Sample;
use crate::time_range::Window;
use aws_sdk_cloudwatch::types::{
    Dimension, DimensionFilter, Metric, MetricDataQuery, MetricStat, ScanBy,
};
use batch::{BatchPlan, DimensionSet, Entry, MAX_QUERIES_PER_CALL, Planner, entry_id, entry_index};
use client::ClientSettings;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// CloudWatch's price: $0.01 per 1,000 metrics requested by `GetMetricData`.
pub(crate) const USD_PER_METRIC: f64 = 0.01 / 1_000.0;
/// Most datapoints one `GetMetricData` call returns; beyond it come `NextToken` pages.
pub(crate) const MAX_DATAPOINTS_PER_CALL: i64 = 100_800;
/// Default operation timeout.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// CloudWatch's newest minutes still fill in; refreshes re-read this far back.
const SETTLE_MS: i64 = 5 * 60_000;
/// How long a `*` expansion from `ListMetrics` is trusted.
const EXPANSION_TTL: Duration = Duration::from_secs(300);
/// The metric browser reads at most this many `ListMetrics` pages (500 metrics each).
const MAX_LIST_PAGES: usize = 20;
/// A `*` expansion reads at most this many `ListMetrics` pages (it stops at 500
/// dimension sets anyway), so a huge account cannot stall a refresh.
const MAX_EXPANSION_PAGES: usize = 100;
/// `GetMetricData` pages followed for one call at most; beyond, the answer is cut
/// short and the panel says so rather than paging (and billing) without end.
pub(crate) const MAX_DATA_PAGES: usize = 50;
/// `GetMetricData` calls of one batch in flight at once (a batch needs several only
/// past 500 queries); well under the API's default 50 requests a second.
const PARALLEL_CALLS: usize = 4;

/// A CloudWatch source.
pub struct CloudWatchSource {
    settings: ClientSettings,
    client: tokio::sync::OnceCell<aws_sdk_cloudwatch::Client>,
    calls: AtomicU64,
    metrics: AtomicU64,
    /// Metrics requested in the refresh round under way.
    metrics_this_round: AtomicU64,
    /// Metrics requested in the last complete round, for the daily projection.
    metrics_last_round: AtomicU64,
    expansions: Mutex<HashMap<String, (Instant, Vec<DimensionSet>)>>,
}

impl CloudWatchSource {
    /// A source with these settings; credentials come from the AWS chain, on first use.
    pub fn new(settings: ClientSettings) -> CloudWatchSource {
        CloudWatchSource {
            settings,
            client: tokio::sync::OnceCell::new(),
            calls: AtomicU64::new(0),
            metrics: AtomicU64::new(0),
            metrics_this_round: AtomicU64::new(0),
            metrics_last_round: AtomicU64::new(0),
            expansions: Mutex::new(HashMap::new()),
        }
    }

    /// The SDK client, built on first use (loading credentials is async).
    pub async fn client(&self) -> &aws_sdk_cloudwatch::Client {
        self.client
            .get_or_init(|| client::build(&self.settings))
            .await
    }

    /// Where and as whom this source talks.
    pub(crate) fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    fn error<E, R>(&self, error: &aws_sdk_cloudwatch::error::SdkError<E, R>) -> SourceError
    where
        E: aws_sdk_cloudwatch::error::ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        client::describe_error(error, &self.settings)
    }

    /// Calls `each` on every metric `ListMetrics` reports for these filters, page
    /// after page, until `each` returns false, the pages run out, or `max_pages`.
    /// Returns the pages read (each one call).
    async fn each_listed_metric(
        &self,
        namespace: Option<String>,
        metric_name: Option<String>,
        dimensions: Option<Vec<DimensionFilter>>,
        max_pages: usize,
        mut each: impl FnMut(&Metric) -> bool,
    ) -> Result<usize, SourceError> {
        let mut next_token = None;
        let mut pages = 0;
        for _ in 0..max_pages {
            pages += 1;
            let response = self
                .client()
                .await
                .list_metrics()
                .set_namespace(namespace.clone())
                .set_metric_name(metric_name.clone())
                .set_dimensions(dimensions.clone())
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|e| self.error(&e))?;
            for metric in response.metrics() {
                if !each(metric) {
                    return Ok(pages);
                }
            }
            next_token = response.next_token().map(str::to_owned);
            if next_token.is_none() {
                break;
            }
        }
        Ok(pages)
    }

    /// The concrete dimension sets behind a statistic with `*` values.
    async fn expand(&self, stat: &CwStat) -> Result<Vec<DimensionSet>, SourceError> {
        let key = format!("{}|{}|{:?}", stat.namespace, stat.metric, stat.dimensions);
        if let Some((at, sets)) = self
            .expansions
            .lock()
            .ok()
            .and_then(|m| m.get(&key).cloned())
            && at.elapsed() < EXPANSION_TTL
        {
            return Ok(sets);
        }
        let mut filters = Vec::new();
        for (name, value) in &stat.dimensions {
            let mut filter = DimensionFilter::builder().name(name);
            if value != query::WILDCARD {
                filter = filter.value(value);
            }
            filters.push(filter.build());
        }
        let mut sets: Vec<DimensionSet> = Vec::new();
        self.each_listed_metric(
            Some(stat.namespace.clone()),
            Some(stat.metric.clone()),
            Some(filters),
            MAX_EXPANSION_PAGES,
            |metric| {
                // Exactly the dimensions asked for: a metric with extra dimensions
                // is another series CloudWatch would not aggregate into this one.
                if metric.dimensions().len() == stat.dimensions.len() {
                    let mut set: Vec<(String, String)> = metric
                        .dimensions()
                        .iter()
                        .map(|d| {
                            (
                                d.name().unwrap_or_default().to_owned(),
                                d.value().unwrap_or_default().to_owned(),
                            )
                        })
                        .collect();
                    set.sort();
                    if !sets.contains(&set) {
                        sets.push(set);
                    }
                }
                sets.len() < MAX_QUERIES_PER_CALL
            },
        )
        .await?;
        sets.sort();
        if let Ok(mut cache) = self.expansions.lock() {
            cache.insert(key, (Instant::now(), sets.clone()));
        }
        Ok(sets)
    }

    async fn run_batch(
        &self,
        requests: &[RangeRequest],
    ) -> Vec<Result<Vec<SeriesData>, SourceError>> {
        // `*` queries first need their dimension values.
        let mut expanded: HashMap<usize, Result<Vec<DimensionSet>, String>> = HashMap::new();
        for (i, request) in requests.iter().enumerate() {
            let wildcard = query::of_request(request).and_then(|q| match &q.what {
                CwExpr::Stat(stat) if q.standalone && query::stat_has_wildcard(stat) => Some(stat),
                _ => None,
            });
            if let Some(stat) = wildcard {
                let sets = self.expand(stat).await;
                if let Err(error) = &sets
                    && !matches!(error, SourceError::BadQuery(_))
                {
                    // The service itself failed (unreachable, credentials): every
                    // query would fail the same way.
                    return requests.iter().map(|_| Err(error.clone())).collect();
                }
                expanded.insert(i, sets.map_err(|e| e.to_string()));
            }
        }
        let mut planner = Planner::new();
        for (i, request) in requests.iter().enumerate() {
            let expand = |_: &CwStat| expanded.get(&i).cloned().unwrap_or_else(|| Ok(Vec::new()));
            query::add_request(&mut planner, request, &expand);
        }
        let plan = planner.plan(MAX_QUERIES_PER_CALL);
        let window = requests.iter().map(|r| r.window).reduce(|a, b| Window {
            start_ms: a.start_ms.min(b.start_ms),
            end_ms: a.end_ms.max(b.end_ms),
        });
        let Some(window) = window else {
            return Vec::new();
        };
        let answers = self.run_calls(&plan, window).await;
        assemble(&plan, &answers, requests)
    }

    /// Makes every call of the plan, up to [`PARALLEL_CALLS`] at once; returns per
    /// call the series of each returned id, or the call's error, in the plan's order.
    async fn run_calls(
        &self,
        plan: &BatchPlan,
        window: Window,
    ) -> Vec<Result<CallAnswer, SourceError>> {
        use futures_util::StreamExt;
        // By index: a closure over `&Call` trips the compiler's lifetime inference
        // for `Send` futures.
        futures_util::stream::iter(0..plan.calls.len())
            .map(|i| self.run_call_or_split(plan, &plan.calls[i], window))
            .buffered(PARALLEL_CALLS)
            .collect()
            .await
    }

    /// One call; if CloudWatch refuses it as malformed, it is asked again query by
    /// query, so one bad expression fails only its own panel.
    async fn run_call_or_split(
        &self,
        plan: &BatchPlan,
        call: &batch::Call,
        window: Window,
    ) -> Result<CallAnswer, SourceError> {
        match self.run_call(plan, call, window).await {
            Err(SourceError::BadQuery(_)) if call.returned.len() > 1 => {
                let mut merged = CallAnswer::default();
                for part in plan.split(call) {
                    match self.run_call(plan, &part, window).await {
                        Ok(answer) => merged.extend(answer),
                        Err(error) => {
                            for &target in &part.returned {
                                merged.errors.insert(target, error.clone());
                            }
                        }
                    }
                }
                Ok(merged)
            }
            other => other,
        }
    }

    /// One `GetMetricData` call and its `NextToken` pages (at most
    /// [`MAX_DATA_PAGES`]).
    async fn run_call(
        &self,
        plan: &BatchPlan,
        call: &batch::Call,
        window: Window,
    ) -> Result<CallAnswer, SourceError> {
        let queries: Vec<MetricDataQuery> = call
            .entries
            .iter()
            .map(|&i| to_sdk_query(i, &plan.entries[i], call.returned.contains(&i)))
            .collect();
        let metrics = call.metrics(&plan.entries) as u64;
        let mut answer = CallAnswer::default();
        let mut next_token: Option<String> = None;
        for _ in 0..MAX_DATA_PAGES {
            self.calls.fetch_add(1, Ordering::Relaxed);
            self.metrics.fetch_add(metrics, Ordering::Relaxed);
            self.metrics_this_round
                .fetch_add(metrics, Ordering::Relaxed);
            let response = self
                .client()
                .await
                .get_metric_data()
                .set_metric_data_queries(Some(queries.clone()))
                .start_time(aws_smithy_types::DateTime::from_millis(window.start_ms))
                .end_time(aws_smithy_types::DateTime::from_millis(window.end_ms))
                .scan_by(ScanBy::TimestampAscending)
                .set_next_token(next_token.take())
                .send()
                .await
                .map_err(|error| self.error(&error))?;
            answer.absorb(response.metric_data_results());
            match response.next_token() {
                Some(token) if !token.is_empty() => next_token = Some(token.to_owned()),
                _ => return Ok(answer),
            }
        }
        tracing::warn!(
            "GetMetricData still had more pages after {MAX_DATA_PAGES}; the answer is cut short"
        );
        Ok(answer)
    }
}

/// What one call (all its pages) returned.
#[derive(Debug, Default)]
struct CallAnswer {
    /// Per entry index: its series by label (SEARCH and SQL return several).
    series: HashMap<usize, BTreeMap<String, Vec<Sample>>>,
    /// Per entry index: why it could not be had.
    errors: HashMap<usize, SourceError>,
}

impl CallAnswer {
    fn extend(&mut self, other: CallAnswer) {
        self.series.extend(other.series);
        self.errors.extend(other.errors);
    }

    fn absorb(&mut self, results: &[aws_sdk_cloudwatch::types::MetricDataResult]) {
        use aws_sdk_cloudwatch::types::StatusCode;
        for result in results {
            let Some(index) = result.id().and_then(entry_index) else {
                continue;
            };
            let failed = matches!(
                result.status_code(),
                Some(StatusCode::InternalError | StatusCode::Forbidden)
            );
            if failed {
                let messages: Vec<String> = result
                    .messages()
                    .iter()
                    .map(|m| {
                        format!(
                            "{}{}",
                            m.code().map(|c| format!("{c}: ")).unwrap_or_default(),
                            m.value().unwrap_or_default()
                        )
                    })
                    .collect();
                let status = result.status_code().map_or("", |s| s.as_str());
                // CloudWatch answered the call but could not compute this query:
                // the query's problem, not the source's.
                self.errors.insert(
                    index,
                    SourceError::BadQuery(if messages.is_empty() {
                        format!("CloudWatch could not compute it ({status})")
                    } else {
                        format!("{status}: {}", messages.join("; "))
                    }),
                );
                continue;
            }
            let samples = self
                .series
                .entry(index)
                .or_default()
                .entry(result.label().unwrap_or_default().to_owned())
                .or_default();
            for (t, v) in result.timestamps().iter().zip(result.values()) {
                if let Ok(t_ms) = t.to_millis() {
                    samples.push(Sample { t_ms, value: *v });
                }
            }
        }
    }
}

fn to_sdk_query(index: usize, entry: &Entry, return_data: bool) -> MetricDataQuery {
    let builder = MetricDataQuery::builder()
        .id(entry_id(index))
        .return_data(return_data);
    match entry {
        Entry::Stat {
            namespace,
            metric,
            dimensions,
            stat,
            period_s,
        } => {
            let mut metric_builder = Metric::builder().namespace(namespace).metric_name(metric);
            for (name, value) in dimensions {
                metric_builder =
                    metric_builder.dimensions(Dimension::builder().name(name).value(value).build());
            }
            builder
                .metric_stat(
                    MetricStat::builder()
                        .metric(metric_builder.build())
                        .period(*period_s)
                        .stat(stat)
                        .build(),
                )
                .build()
        }
        Entry::Expression {
            expression,
            period_s,
        } => builder.expression(expression).period(*period_s).build(),
        Entry::Sql { sql, period_s } => builder.expression(sql).period(*period_s).build(),
    }
}

/// Each request's outcome from the calls' answers.
fn assemble(
    plan: &BatchPlan,
    answers: &[Result<CallAnswer, SourceError>],
    requests: &[RangeRequest],
) -> Vec<Result<Vec<SeriesData>, SourceError>> {
    plan.requests
        .iter()
        .zip(requests)
        .map(|(targets, request)| {
            let targets = targets
                .as_ref()
                .map_err(|m| SourceError::BadQuery(m.clone()))?;
            let mut out = Vec::new();
            for &target in targets {
                let answer = match &answers[plan.placed[&target]] {
                    Ok(answer) => answer,
                    Err(error) => return Err(error.clone()),
                };
                if let Some(error) = answer.errors.get(&target) {
                    return Err(error.clone());
                }
                let Some(by_label) = answer.series.get(&target) else {
                    continue;
                };
                for (label, samples) in by_label {
                    let mut samples: Vec<Sample> = samples
                        .iter()
                        .filter(|s| {
                            s.t_ms >= request.window.start_ms && s.t_ms <= request.window.end_ms
                        })
                        .copied()
                        .collect();
                    samples.sort_by_key(|s| s.t_ms);
                    samples.dedup_by_key(|s| s.t_ms);
                    out.push(SeriesData {
                        labels: labels_of(&plan.entries[target], label),
                        samples,
                        envelope: None,
                    });
                }
            }
            Ok(out)
        })
        .collect()
}

/// The labels a series is named by: a metric's dimensions with `metric` and
/// `stat`; an expression's or query's label as CloudWatch gave it.
fn labels_of(entry: &Entry, label: &str) -> BTreeMap<String, String> {
    match entry {
        Entry::Stat {
            metric,
            dimensions,
            stat,
            ..
        } => {
            let mut labels: BTreeMap<String, String> = dimensions.iter().cloned().collect();
            labels.insert("metric".to_owned(), metric.clone());
            labels.insert("stat".to_owned(), stat.clone());
            labels
        }
        Entry::Expression { .. } | Entry::Sql { .. } => {
            BTreeMap::from([("label".to_owned(), label.to_owned())])
        }
    }
}

impl Source for CloudWatchSource {
    fn limits(&self) -> SourceLimits {
        SourceLimits {
            min_step_ms: 60_000,
            max_points_per_series: MAX_DATAPOINTS_PER_CALL,
        }
    }

    fn plan_step(&self, window: Window, width_px: u32, query: &SourceQuery, now_ms: i64) -> i64 {
        let fixed = match query {
            SourceQuery::CloudWatch(query) => query.period_ms,
            _ => None,
        };
        period::plan_period(window, width_px, now_ms, fixed)
    }

    fn envelope_query(
        &self,
        query: &SourceQuery,
        extreme: Extreme,
        step_ms: i64,
    ) -> Option<SourceQuery> {
        let SourceQuery::CloudWatch(query) = query else {
            return None;
        };
        query::envelope_query(query, extreme, step_ms).map(SourceQuery::CloudWatch)
    }

    fn batches(&self) -> bool {
        true
    }

    fn settle_ms(&self) -> i64 {
        SETTLE_MS
    }

    fn fetch_range<'a>(&'a self, request: &'a RangeRequest) -> FetchFuture<'a> {
        Box::pin(async move {
            self.run_batch(std::slice::from_ref(request))
                .await
                .pop()
                .unwrap_or_else(|| Ok(Vec::new()))
        })
    }

    fn fetch_batch<'a>(&'a self, requests: &'a [RangeRequest]) -> BatchFuture<'a> {
        Box::pin(self.run_batch(requests))
    }

    fn begin_round(&self) {
        self.metrics_this_round.store(0, Ordering::Relaxed);
    }

    fn end_round(&self) {
        self.metrics_last_round.store(
            self.metrics_this_round.load(Ordering::Relaxed),
            Ordering::Relaxed,
        );
    }

    fn usage(&self) -> Option<Usage> {
        Some(Usage {
            calls: self.calls.load(Ordering::Relaxed),
            units: self.metrics.load(Ordering::Relaxed),
            units_last_refresh: self.metrics_last_round.load(Ordering::Relaxed),
            usd_per_unit: USD_PER_METRIC,
            unit_name: "metrics",
            min_interval: Duration::ZERO,
        })
    }

    /// `ListMetrics` (free) for each namespace, at most [`MAX_LIST_PAGES`] pages
    /// each, keeping a few values per dimension. `since_ms` is not asked:
    /// CloudWatch lists what had data in the last two weeks.
    fn inventory<'a>(
        &'a self,
        namespaces: &'a [&'a str],
        _since_ms: i64,
    ) -> crate::source::InventoryFuture<'a> {
        /// Values kept per dimension: enough to name a few in the report.
        const VALUES_KEPT: usize = 50;
        Box::pin(async move {
            let mut requests = 0;
            let mut found: BTreeMap<(String, String), LabelValues> = BTreeMap::new();
            for namespace in namespaces {
                requests += self
                    .each_listed_metric(
                        Some((*namespace).to_owned()),
                        None,
                        None,
                        MAX_LIST_PAGES,
                        |metric| {
                            let key = (
                                (*namespace).to_owned(),
                                metric.metric_name().unwrap_or_default().to_owned(),
                            );
                            let labels = found.entry(key).or_default();
                            for dimension in metric.dimensions() {
                                if let (Some(name), Some(value)) =
                                    (dimension.name(), dimension.value())
                                {
                                    let values = labels.entry(name.to_owned()).or_default();
                                    if values.len() < VALUES_KEPT {
                                        values.insert(value.to_owned());
                                    }
                                }
                            }
                            true
                        },
                    )
                    .await?;
            }
            Ok(crate::source::browse::Inventory {
                metrics: found
                    .into_iter()
                    .map(
                        |((namespace, name), labels)| crate::source::browse::InventoryMetric {
                            name,
                            namespace: Some(namespace),
                            labels,
                        },
                    )
                    .collect(),
                largest: Vec::new(),
                requests: u32::try_from(requests).unwrap_or(u32::MAX),
            })
        })
    }

    fn list_metrics(&self) -> MetricsFuture<'_> {
        Box::pin(async move {
            let mut found: BTreeMap<(String, String), std::collections::BTreeSet<String>> =
                BTreeMap::new();
            self.each_listed_metric(None, None, None, MAX_LIST_PAGES, |metric| {
                let key = (
                    metric.namespace().unwrap_or_default().to_owned(),
                    metric.metric_name().unwrap_or_default().to_owned(),
                );
                found.entry(key).or_default().extend(
                    metric
                        .dimensions()
                        .iter()
                        .filter_map(|d| d.name().map(str::to_owned)),
                );
                true
            })
            .await?;
            Ok(found
                .into_iter()
                .map(|((namespace, name), dimensions)| MetricInfo {
                    name,
                    kind: namespace.clone(),
                    help: if dimensions.is_empty() {
                        "no dimensions".to_owned()
                    } else {
                        format!(
                            "by {}",
                            dimensions.into_iter().collect::<Vec<_>>().join(", ")
                        )
                    },
                    namespace: Some(namespace),
                })
                .collect())
        })
    }

    fn variable_options<'a>(
        &'a self,
        query: &'a crate::dashboard::variables::OptionsQuery,
    ) -> crate::source::OptionsFuture<'a> {
        Box::pin(async move {
            let crate::dashboard::variables::OptionsQuery::DimensionValues {
                namespace,
                metric,
                dimension,
            } = query
            else {
                return Err(SourceError::BadQuery(
                    "a cloudwatch variable takes `namespace`, `metric` and `dimension`".to_owned(),
                ));
            };
            let filter = DimensionFilter::builder().name(dimension).build();
            let mut values = std::collections::BTreeSet::new();
            self.each_listed_metric(
                Some(namespace.clone()),
                metric.clone(),
                Some(vec![filter]),
                MAX_LIST_PAGES,
                |found| {
                    values.extend(
                        found
                            .dimensions()
                            .iter()
                            .filter(|d| d.name() == Some(dimension.as_str()))
                            .filter_map(|d| d.value().map(str::to_owned)),
                    );
                    true
                },
            )
            .await?;
            Ok(values.into_iter().collect())
        })
    }

    fn label_values<'a>(&'a self, metric: &'a MetricInfo) -> LabelsFuture<'a> {
        Box::pin(async move {
            let mut values = LabelValues::new();
            let namespace = metric.namespace.clone();
            let name = Some(metric.name.clone());
            self.each_listed_metric(namespace, name, None, MAX_LIST_PAGES, |found| {
                for dimension in found.dimensions() {
                    if let (Some(name), Some(value)) = (dimension.name(), dimension.value()) {
                        values
                            .entry(name.to_owned())
                            .or_default()
                            .insert(value.to_owned());
                    }
                }
                true
            })
            .await?;
            Ok(values)
        })
    }

    fn fetch_alarms<'a>(
        &'a self,
        source: &'a str,
        filter: &'a AlarmFilter,
    ) -> crate::source::AlarmFuture<'a> {
        Box::pin(alarms::describe(self, source, filter.prefix.as_deref()))
    }
}
