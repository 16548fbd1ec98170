//! AWS Cost Explorer: `GetCostAndUsage`, daily or monthly, grouped by up to two of
//! SERVICE, USAGE_TYPE, INSTANCE_TYPE, REGION, LINKED_ACCOUNT or a tag. Every request
//! (each page) costs $0.01, so answers are cached on disk for `cache_ttl` (default
//! 1 h) and a restart does not buy again what it already has.

pub(crate) mod cache;
pub mod cost;

pub(crate) use crate::dashboard::sources::costexplorer::{CostQuery, Settings};
use crate::layout_file::{Query, SourceConfig};
use crate::source::aws_client::{ClientSettings, describe_error};
use crate::source::{
    FetchFuture, QueryProblem, RangeRequest, SeriesData, Source, SourceError, SourceLimits,
    SourceQuery, Usage,
};
use crate::store::Sample;
use crate::time_range::Window;
use aws_sdk_costexplorer::types::{
    DateInterval, Dimension, DimensionValues, Expression, Granularity, GroupDefinition,
    GroupDefinitionType, TagValues,
};
use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Cost Explorer's price: $0.01 per request.
pub(crate) const USD_PER_REQUEST: f64 = 0.01;
/// Answers are reused this long unless the source says otherwise.
pub(crate) const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(3_600);
/// What the layouts need, named in access-denied messages.
pub(crate) const PERMISSIONS: &str = "ce:GetCostAndUsage";
/// Pages read at most for one query.
const MAX_PAGES: usize = 20;
const DAY_MS: i64 = 86_400_000;

/// Metrics Cost Explorer reports.
pub(crate) const COST_METRICS: &[&str] = &[
    "UnblendedCost",
    "AmortizedCost",
    "BlendedCost",
    "NetUnblendedCost",
    "NetAmortizedCost",
];
/// Dimensions a query may group or filter by (tags as `TAG:key`).
pub(crate) const DIMENSIONS: &[&str] = &[
    "SERVICE",
    "USAGE_TYPE",
    "INSTANCE_TYPE",
    "REGION",
    "LINKED_ACCOUNT",
    "USAGE_TYPE_GROUP",
    "OPERATION",
    "PURCHASE_TYPE",
    "INSTANCE_TYPE_FAMILY",
];

/// A Cost Explorer source.
pub(crate) struct CostExplorerSource {
    settings: Settings,
    client: tokio::sync::OnceCell<aws_sdk_costexplorer::Client>,
    requests: AtomicU64,
    /// Requests bought in the refresh round under way.
    requests_this_round: AtomicU64,
    /// Requests bought in the last round that bought any: what a cache period costs.
    requests_last_paid_round: AtomicU64,
    /// Answers of this run, by request: the disk cache is written in the background,
    /// and a second panel asking the same must not buy it again meanwhile.
    answers: Mutex<HashMap<String, cache::Entry>>,
}

impl CostExplorerSource {
    /// A source with these settings; nothing is read or connected until first used.
    pub(crate) fn new(settings: Settings) -> CostExplorerSource {
        CostExplorerSource {
            settings,
            client: tokio::sync::OnceCell::new(),
            requests: AtomicU64::new(0),
            requests_this_round: AtomicU64::new(0),
            requests_last_paid_round: AtomicU64::new(0),
            answers: Mutex::new(HashMap::new()),
        }
    }

    async fn client(&self) -> &aws_sdk_costexplorer::Client {
        self.client
            .get_or_init(|| async {
                aws_sdk_costexplorer::Client::new(
                    &crate::source::aws_client::sdk_config(&self.settings.client).await,
                )
            })
            .await
    }

    async fn fetch(&self, request: &RangeRequest) -> Result<Vec<SeriesData>, SourceError> {
        let SourceQuery::CostExplorer(query) = &request.query else {
            return Err(crate::source::wrong_kind("costexplorer"));
        };
        let spec = Spec::of(query, request.window);
        let key = format!(
            "{}|{}|{:?}",
            spec.canonical(),
            self.settings
                .client
                .endpoint_url
                .as_deref()
                .unwrap_or("aws"),
            self.settings.client.profile
        );
        let now_ms = Utc::now().timestamp_millis();
        let ttl_ms = self.settings.ttl.as_millis() as i64;
        let remembered = self.answers.lock().ok().and_then(|answers| {
            answers
                .get(&key)
                .filter(|e| e.is_fresh(now_ms, ttl_ms))
                .cloned()
        });
        if let Some(entry) = remembered.or_else(|| {
            // The disk read is small and happens on the runtime, never the UI thread.
            cache::lookup(&self.settings.cache_dir, &key, now_ms, ttl_ms)
        }) {
            return Ok(entry.to_series());
        }
        let series = self.get_cost_and_usage(&spec).await?;
        let entry = cache::Entry::new(key.clone(), now_ms, &series);
        cache::store(
            &self.settings.cache_dir,
            &entry,
            &crate::persist::Writer::global(),
        );
        if let Ok(mut answers) = self.answers.lock() {
            answers.insert(key, entry);
        }
        Ok(series)
    }

    async fn get_cost_and_usage(&self, spec: &Spec) -> Result<Vec<SeriesData>, SourceError> {
        let period = DateInterval::builder()
            .start(spec.start.to_string())
            .end(spec.end.to_string())
            .build()
            .map_err(|e| SourceError::BadQuery(e.to_string()))?;
        let mut by_labels: BTreeMap<BTreeMap<String, String>, Vec<Sample>> = BTreeMap::new();
        let mut next_page = None;
        for _ in 0..MAX_PAGES {
            let mut call = self
                .client()
                .await
                .get_cost_and_usage()
                .time_period(period.clone())
                .granularity(if spec.monthly {
                    Granularity::Monthly
                } else {
                    Granularity::Daily
                })
                .metrics(&spec.metric)
                .set_next_page_token(next_page.take());
            for group in &spec.group_by {
                call = call.group_by(group_definition(group));
            }
            if let Some(filter) = filter_expression(&spec.filter) {
                call = call.filter(filter);
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            self.requests_this_round.fetch_add(1, Ordering::Relaxed);
            let response = call
                .send()
                .await
                .map_err(|e| describe_error(&e, &self.settings.client))?;
            for result in response.results_by_time() {
                let Some(t_ms) = result
                    .time_period()
                    .and_then(|p| NaiveDate::parse_from_str(p.start(), "%Y-%m-%d").ok())
                    .map(|d| {
                        Utc.from_utc_datetime(&d.and_time(chrono::NaiveTime::MIN))
                            .timestamp_millis()
                    })
                else {
                    continue;
                };
                let amount = |metrics: Option<
                    &HashMap<String, aws_sdk_costexplorer::types::MetricValue>,
                >| {
                    metrics
                        .and_then(|m| m.get(&spec.metric))
                        .and_then(|v| v.amount())
                        .and_then(|a| a.parse::<f64>().ok())
                };
                if spec.group_by.is_empty() {
                    if let Some(value) = amount(result.total()) {
                        by_labels
                            .entry(BTreeMap::new())
                            .or_default()
                            .push(Sample { t_ms, value });
                    }
                    continue;
                }
                for group in result.groups() {
                    let labels: BTreeMap<String, String> = spec
                        .group_by
                        .iter()
                        .zip(group.keys())
                        .map(|(name, key)| {
                            // Tags come back as `key$value`.
                            let label = name.strip_prefix("TAG:").unwrap_or(name);
                            let value = key.split_once('$').map_or(key.as_str(), |(_, v)| v);
                            (label.to_owned(), value.to_owned())
                        })
                        .collect();
                    if let Some(value) = amount(group.metrics()) {
                        by_labels
                            .entry(labels)
                            .or_default()
                            .push(Sample { t_ms, value });
                    }
                }
            }
            next_page = response.next_page_token().map(str::to_owned);
            if next_page.is_none() {
                break;
            }
        }
        Ok(by_labels
            .into_iter()
            .map(|(labels, mut samples)| {
                samples.sort_by_key(|s| s.t_ms);
                SeriesData::new(labels, samples)
            })
            .collect())
    }
}

/// What one query asks, in Cost Explorer's terms.
#[derive(Debug, Clone, PartialEq)]
struct Spec {
    metric: String,
    monthly: bool,
    start: NaiveDate,
    end: NaiveDate,
    group_by: Vec<String>,
    filter: BTreeMap<String, Vec<String>>,
}

impl Spec {
    fn of(query: &CostQuery, window: Window) -> Spec {
        let monthly = query.monthly;
        let date = |ms: i64| {
            Utc.timestamp_millis_opt(ms)
                .single()
                .unwrap_or_default()
                .date_naive()
        };
        let mut start = date(window.start_ms);
        // The end is exclusive: ask through the day (or month) `window.end` is in.
        let mut end = date(window.end_ms + DAY_MS);
        if monthly {
            start = start.with_day(1).unwrap_or(start);
            end = end
                .with_day(1)
                .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                .unwrap_or(end);
        }
        Spec {
            metric: query.metric.clone(),
            monthly,
            start,
            end,
            group_by: query.group_by.clone(),
            filter: query.filter.clone(),
        }
    }

    fn canonical(&self) -> String {
        format!(
            "GetCostAndUsage {} {} {}..{} by {:?} where {:?}",
            self.metric,
            if self.monthly { "MONTHLY" } else { "DAILY" },
            self.start,
            self.end,
            self.group_by,
            self.filter
        )
    }
}

fn group_definition(name: &str) -> GroupDefinition {
    match name.strip_prefix("TAG:") {
        Some(tag) => GroupDefinition::builder()
            .r#type(GroupDefinitionType::Tag)
            .key(tag)
            .build(),
        None => GroupDefinition::builder()
            .r#type(GroupDefinitionType::Dimension)
            .key(name)
            .build(),
    }
}

fn filter_expression(filter: &BTreeMap<String, Vec<String>>) -> Option<Expression> {
    let parts: Vec<Expression> = filter
        .iter()
        .map(|(key, values)| match key.strip_prefix("TAG:") {
            Some(tag) => Expression::builder()
                .tags(
                    TagValues::builder()
                        .key(tag)
                        .set_values(Some(values.clone()))
                        .build(),
                )
                .build(),
            None => Expression::builder()
                .dimensions(
                    DimensionValues::builder()
                        .key(Dimension::from(key.as_str()))
                        .set_values(Some(values.clone()))
                        .build(),
                )
                .build(),
        })
        .collect();
    match parts.len() {
        0 => None,
        1 => parts.into_iter().next(),
        _ => Some(Expression::builder().set_and(Some(parts)).build()),
    }
}

impl Source for CostExplorerSource {
    fn limits(&self) -> SourceLimits {
        SourceLimits {
            min_step_ms: DAY_MS,
            max_points_per_series: 100_000,
        }
    }

    fn plan_step(&self, _window: Window, _width_px: u32, query: &SourceQuery, _now_ms: i64) -> i64 {
        // One point a period: the data has no finer grain.
        match query {
            SourceQuery::CostExplorer(query) if query.monthly => 30 * DAY_MS,
            _ => DAY_MS,
        }
    }

    fn fetch_range<'a>(&'a self, request: &'a RangeRequest) -> FetchFuture<'a> {
        Box::pin(self.fetch(request))
    }

    fn begin_round(&self) {
        self.requests_this_round.store(0, Ordering::Relaxed);
    }

    fn end_round(&self) {
        let bought = self.requests_this_round.load(Ordering::Relaxed);
        // A round served from the cache bought nothing; what a cache period costs
        // is what the last paid round bought.
        if bought > 0 {
            self.requests_last_paid_round
                .store(bought, Ordering::Relaxed);
        }
    }

    fn usage(&self) -> Option<Usage> {
        Some(Usage {
            calls: self.requests.load(Ordering::Relaxed),
            units: self.requests.load(Ordering::Relaxed),
            units_last_refresh: self.requests_last_paid_round.load(Ordering::Relaxed),
            usd_per_unit: USD_PER_REQUEST,
            unit_name: "requests",
            min_interval: self.settings.ttl,
        })
    }
}

/// Checks a `[sources.NAME]` table of kind costexplorer and compiles it.
pub(crate) fn compile_source(config: &SourceConfig) -> Result<Settings, Vec<QueryProblem>> {
    let mut problems = Vec::new();
    if crate::source::has_prometheus_keys(config)
        || crate::source::aws_client::has_reach_keys(config)
        || config.seed.is_some()
        || config.nodes.is_some()
    {
        problems.push(QueryProblem {
            message: "a costexplorer source takes region, profile, endpoint_url, timeout, cache_ttl and cache_dir (Cost Explorer is global: an organization's accounts are in its management account's answer, grouped by LINKED_ACCOUNT)".to_owned(),
            span: Some(config.kind.span()),
        });
    }
    problems.extend(crate::source::duration_problems(&[
        &config.timeout,
        &config.cache_ttl,
    ]));
    if let Some(region) = &config.region
        && !crate::source::aws_client::is_region(region.get_ref())
    {
        problems.push(QueryProblem {
            message: format!(
                "`{}` is not an AWS region name like us-east-1",
                region.get_ref()
            ),
            span: Some(region.span()),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Settings {
        client: ClientSettings {
            service: "Cost Explorer",
            permissions: PERMISSIONS,
            // Cost Explorer answers in us-east-1 only.
            region: config
                .region
                .as_ref()
                .map_or_else(|| "us-east-1".to_owned(), |r| r.get_ref().clone()),
            profile: config.profile.clone(),
            endpoint_url: config.endpoint_url.as_ref().map(|u| u.get_ref().clone()),
            timeout: crate::source::duration_or(&config.timeout, Duration::from_secs(15)),
            role_arn: None,
            reach: Vec::new(),
        },
        cache_dir: config.cache_dir.clone().unwrap_or_else(cache::default_dir),
        ttl: crate::source::duration_or(&config.cache_ttl, DEFAULT_CACHE_TTL),
    })
}

/// Checks one query on a costexplorer source and compiles it.
pub(crate) fn compile_query(query: &Query) -> Result<CostQuery, QueryProblem> {
    let at = |span: std::ops::Range<usize>, message: String| QueryProblem {
        message,
        span: Some(span),
    };
    if query.promql.is_some()
        || query.metric.is_some()
        || query.expression.is_some()
        || query.sql.is_some()
    {
        return Err(at(
            query.source.span(),
            "a costexplorer query takes cost_metric, granularity, group_by and filter".to_owned(),
        ));
    }
    if let Some(metric) = &query.cost_metric
        && !COST_METRICS.contains(&metric.get_ref().as_str())
    {
        return Err(at(
            metric.span(),
            format!(
                "unknown cost_metric `{}`: use {}",
                metric.get_ref(),
                COST_METRICS.join(", ")
            ),
        ));
    }
    if let Some(granularity) = &query.granularity
        && !["DAILY", "MONTHLY"].contains(&granularity.get_ref().to_ascii_uppercase().as_str())
    {
        return Err(at(
            granularity.span(),
            format!(
                "granularity `{}`: use DAILY or MONTHLY",
                granularity.get_ref()
            ),
        ));
    }
    if let Some(group_by) = &query.group_by {
        if group_by.get_ref().len() > 2 {
            return Err(at(
                group_by.span(),
                "Cost Explorer groups by at most two keys".to_owned(),
            ));
        }
        for key in group_by.get_ref() {
            if !key.starts_with("TAG:") && !DIMENSIONS.contains(&key.as_str()) {
                return Err(at(
                    group_by.span(),
                    format!(
                        "cannot group by `{key}`: use {} or TAG:key",
                        DIMENSIONS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(CostQuery {
        metric: query
            .cost_metric
            .as_ref()
            .map_or_else(|| "UnblendedCost".to_owned(), |m| m.get_ref().clone()),
        monthly: query
            .granularity
            .as_ref()
            .is_some_and(|g| g.get_ref().eq_ignore_ascii_case("MONTHLY")),
        group_by: query
            .group_by
            .as_ref()
            .map(|g| g.get_ref().clone())
            .unwrap_or_default(),
        filter: query.filter.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daily_request_runs_through_the_day_the_window_ends_in() {
        let q: Query = toml::from_str("source = \"ce\"\ngroup_by = [\"SERVICE\"]").unwrap();
        let q = compile_query(&q).unwrap();
        let window = Window {
            start_ms: 1_793_491_200_000, // 2026-11-01T00:00Z
            end_ms: 1_795_600_000_000,   // 2026-11-25T09:46:40Z
        };
        let spec = Spec::of(&q, window);
        assert_eq!(spec.start.to_string(), "2026-11-01");
        assert_eq!(spec.end.to_string(), "2026-11-26");
        assert_eq!(
            spec.canonical(),
            "GetCostAndUsage UnblendedCost DAILY 2026-11-01..2026-11-26 by [\"SERVICE\"] where {}"
        );
    }
}
