//! The `demo` source: the built-in simulated fleet, so fleetdeck shows live data with
//! no cloud account, and tests and screenshots have deterministic input.
//!
//! A query names a metric exactly as the real exporter does and may filter by labels,
//! group `by` labels with an `aggregate`, take a counter's `rate` or a latency
//! `quantile` — the same handful of operations a PromQL panel would use.

pub(crate) mod ab_test;
pub(crate) mod capacity_mix;
pub(crate) mod catalog;
pub mod fleet;
pub(crate) mod multi_model;
pub(crate) mod nodes;
pub(crate) mod noise;
pub(crate) mod operations;

/// vLLM's own bucket bounds for end-to-end latency, seconds: the histogram the
/// demo source counts and `fleetdeck simulate` exposes.
pub const E2E_BUCKETS: &[f64] = &[
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
    480.0, 960.0, 1920.0, 7680.0,
];

use super::{
    Extreme, FetchFuture, QueryProblem, RangeRequest, SeriesData, Source, SourceError,
    SourceLimits, SourceQuery,
};
pub(crate) use crate::dashboard::sources::demo::DemoQuery;
use crate::layout_file::Aggregate;
use crate::layout_file::Query;
use crate::store::Sample;
use catalog::{MetricKind, Reading};
use fleet::Fleet;
use std::collections::BTreeMap;

/// The simulated fleet's "scrape interval": the finest step it serves.
pub(crate) const DEMO_SCRAPE_INTERVAL_MS: i64 = 5_000;
/// Most 5-second samples a band point reads besides a stall's (see `band_times`).
const BAND_SPREAD: i64 = 24;
/// Same per-series cap as Prometheus, so planning is exercised the same way.
pub(crate) const DEMO_MAX_POINTS: i64 = 11_000;

impl DemoQuery {
    /// The metric's name, as the exporter publishes it.
    pub(crate) fn metric_name(&self) -> &'static str {
        self.metric
    }

    /// Whether `series` passes the query's label filters.
    fn selects(&self, series: &catalog::SeriesDef) -> bool {
        self.labels
            .iter()
            .all(|(k, allowed)| series.labels.get(k).is_some_and(|v| allowed.contains(v)))
    }

    /// The labels of the answer series `series` is combined into: its own with
    /// no `by`, else only the `by` labels.
    fn group_of(&self, series: &catalog::SeriesDef) -> BTreeMap<String, String> {
        match &self.by {
            None => series.labels.clone(),
            Some(by) => series
                .labels
                .iter()
                .filter(|(k, _)| by.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// The metric's entry in the catalogue (every compiled query's has one).
    fn definition(&self) -> Option<&'static catalog::MetricDef> {
        catalog::metric(self.metric)
    }
}

/// The simulated fleet as a [`Source`].
#[derive(Debug, Clone)]
pub struct DemoSource {
    fleet: Fleet,
}

impl DemoSource {
    /// A fleet whose every value derives from `seed`.
    pub fn new(seed: u64) -> DemoSource {
        DemoSource {
            fleet: Fleet::new(seed),
        }
    }

    /// The fleet of `seed` with its DCGM metrics from `nodes` GPU nodes (when
    /// set): the fleet at scale.
    pub fn with_nodes(seed: u64, nodes: Option<usize>) -> DemoSource {
        DemoSource {
            fleet: nodes.map_or_else(|| Fleet::new(seed), |n| Fleet::with_nodes(seed, n)),
        }
    }

    /// Evaluates a query synchronously; [`Source::fetch_range`] wraps this.
    pub fn evaluate(&self, request: &RangeRequest) -> Result<Vec<SeriesData>, SourceError> {
        let SourceQuery::Demo(query) = &request.query else {
            return Err(super::wrong_kind("demo"));
        };
        let step = request.step_ms.max(1);
        let first = request.window.start_ms.div_euclid(step) * step
            + if request.window.start_ms.rem_euclid(step) == 0 {
                0
            } else {
                step
            };
        let count = if request.window.end_ms >= first {
            (request.window.end_ms - first) / step + 1
        } else {
            0
        };
        if count > DEMO_MAX_POINTS {
            return Err(SourceError::BadQuery(format!(
                "exceeded maximum resolution of {DEMO_MAX_POINTS} points per timeseries; try a larger step"
            )));
        }
        // Per point, the times it reads: its own instant, or for the band a spread
        // of the 5-second samples inside the step ending there plus every sample
        // of a stall in it (the fleet's only feature shorter than a minute).
        let extreme = query.extreme.filter(|_| step > DEMO_SCRAPE_INTERVAL_MS);
        let times: Vec<Vec<i64>> = (0..count)
            .map(|i| {
                let t = first + i * step;
                match extreme {
                    None => vec![t],
                    Some(_) => self.band_times(t - step, t),
                }
            })
            .collect();
        let mut groups: BTreeMap<BTreeMap<String, String>, Vec<Vec<f64>>> = BTreeMap::new();
        let Some(definition) = query.definition() else {
            return Err(SourceError::BadQuery(format!(
                "no metric `{}` in the simulated fleet",
                query.metric
            )));
        };
        for series in catalog::series_of(&self.fleet, definition) {
            if !query.selects(&series) {
                continue;
            }
            let values: Vec<f64> = times
                .iter()
                .flatten()
                .map(|&t| self.read(&series, t, query).unwrap_or(f64::NAN))
                .collect();
            groups
                .entry(query.group_of(&series))
                .or_default()
                .push(values);
        }
        let aggregate = query.aggregate;
        let mut offsets = Vec::with_capacity(times.len() + 1);
        offsets.push(0);
        for point in &times {
            offsets.push(offsets[offsets.len() - 1] + point.len());
        }
        Ok(groups
            .into_iter()
            .map(|(labels, members)| {
                let samples = (0..count as usize)
                    .map(|i| {
                        let at = |j: usize| combine(aggregate, members.iter().map(|m| m[j]));
                        let mut within = (offsets[i]..offsets[i + 1]).map(at);
                        // f64::min and max skip NaN: a step with no value stays NaN.
                        let value = match extreme {
                            None => within.next_back().unwrap_or(f64::NAN),
                            Some(Extreme::Min) => within.fold(f64::NAN, f64::min),
                            Some(Extreme::Max) => within.fold(f64::NAN, f64::max),
                        };
                        Sample {
                            t_ms: first + i as i64 * step,
                            value,
                        }
                    })
                    // A step with no value (an instance not in service) has no
                    // sample, as a scrape of a missing target has none.
                    .filter(|sample| sample.value.is_finite())
                    .collect::<Vec<Sample>>();
                SeriesData::new(labels, samples)
            })
            .filter(|series| !series.samples.is_empty())
            .collect())
    }
}

impl DemoSource {
    /// One value of `series` at `t` as `query` reads it. The rate of a running
    /// total over a fixed period (an hourly spend bar) is its increase over that
    /// period, as PromQL's `rate(x[1h])` is, not the rate at the bar's instant.
    fn read(&self, series: &catalog::SeriesDef, t: i64, query: &DemoQuery) -> Option<f64> {
        // The series knows its metric: no catalogue lookup per sample.
        match (series.metric.kind, query.reading, query.period_ms) {
            (MetricKind::Cumulative, Reading::Rate, Some(period)) if period > 0 => {
                let now = catalog::sample(&self.fleet, series, t, Reading::Value)?;
                let then = catalog::sample(&self.fleet, series, t - period, Reading::Value)?;
                // Across the month's start the total restarts: the rate then.
                if now < then {
                    return catalog::sample(&self.fleet, series, t, Reading::Rate);
                }
                Some((now - then) / (period as f64 / 1000.0))
            }
            _ => catalog::sample(&self.fleet, series, t, query.reading),
        }
    }

    /// The times a band point reads inside `(from_ms, to_ms]`: up to
    /// [`BAND_SPREAD`] 5-second samples spread evenly over it, and every sample of
    /// a stall inside it. The fleet's other features are slow (the incident ramps
    /// over minutes, the noise over 30 s and more), so the spread finds their
    /// extremes closely, and a stall is never missed, at a cost that does not grow
    /// with the step.
    fn band_times(&self, from_ms: i64, to_ms: i64) -> Vec<i64> {
        let native = DEMO_SCRAPE_INTERVAL_MS;
        let samples = ((to_ms - from_ms) / native).max(1);
        let stride = (samples / BAND_SPREAD).max(1);
        let mut times: Vec<i64> = (0..samples)
            .step_by(stride as usize)
            .map(|j| to_ms - j * native)
            .collect();
        let (from_s, to_s) = (from_ms as f64 / 1000.0, to_ms as f64 / 1000.0);
        for (_, start_s) in self
            .fleet
            .stalls_between(from_s - fleet::STALL_LENGTH_S, to_s)
        {
            let start_ms = (start_s * 1000.0) as i64;
            let end_ms = start_ms + (fleet::STALL_LENGTH_S * 1000.0) as i64;
            times.extend(
                (start_ms..end_ms)
                    .step_by(native as usize)
                    .filter(|&t| t > from_ms && t <= to_ms),
            );
        }
        times
    }
}

/// Combines the values of a group's series at one time. A series with no value
/// then (a GPU that stopped reporting) is left out, as PromQL's aggregation
/// leaves out a series absent from the instant vector; a group with none has none.
fn combine(aggregate: Aggregate, values: impl Iterator<Item = f64>) -> f64 {
    let mut count = 0usize;
    let mut total = 0.0;
    let mut max = f64::NEG_INFINITY;
    let mut min = f64::INFINITY;
    for value in values.filter(|v| !v.is_nan()) {
        count += 1;
        total += value;
        max = max.max(value);
        min = min.min(value);
    }
    if count == 0 {
        return f64::NAN;
    }
    match aggregate {
        Aggregate::Avg => total / count as f64,
        Aggregate::Sum => total,
        Aggregate::Max => max,
        Aggregate::Min => min,
    }
}

impl Source for DemoSource {
    fn limits(&self) -> SourceLimits {
        SourceLimits {
            min_step_ms: DEMO_SCRAPE_INTERVAL_MS,
            max_points_per_series: DEMO_MAX_POINTS,
        }
    }

    fn fetch_range<'a>(&'a self, request: &'a RangeRequest) -> FetchFuture<'a> {
        Box::pin(async move { self.evaluate(request) })
    }

    fn has_operations(&self) -> bool {
        true
    }

    /// The series a query would answer (its label filters and grouping applied):
    /// cheap, so the fleet at scale keeps to the point budget from its first
    /// answer.
    fn count_series<'a>(
        &'a self,
        query: &'a SourceQuery,
        _window: crate::time_range::Window,
        _now_ms: i64,
    ) -> super::CountFuture<'a> {
        Box::pin(async move {
            let SourceQuery::Demo(query) = query else {
                return None;
            };
            let definition = query.definition()?;
            let groups: std::collections::BTreeSet<BTreeMap<String, String>> =
                catalog::series_of(&self.fleet, definition)
                    .iter()
                    .filter(|series| query.selects(series))
                    .map(|series| query.group_of(series))
                    .collect();
            Some(groups.len())
        })
    }

    /// The fleet's scaling actions and chaos experiments in the window.
    fn fetch_operations(&self, window: crate::time_range::Window) -> super::OpsFuture<'_> {
        Box::pin(async move { Ok(self.fleet.operations(window.start_ms, window.end_ms)) })
    }

    /// `label_values(metric, label)`, or `label_values(label)` over every metric.
    fn variable_options<'a>(
        &'a self,
        query: &'a crate::dashboard::variables::OptionsQuery,
    ) -> super::OptionsFuture<'a> {
        Box::pin(async move {
            let crate::dashboard::variables::OptionsQuery::LabelValues { selector, label } = query
            else {
                return Err(SourceError::BadQuery(
                    "a demo variable takes `query = \"label_values(metric, label)\"`".to_owned(),
                ));
            };
            let metrics: Vec<&'static catalog::MetricDef> = match selector {
                None => catalog::METRICS.iter().collect(),
                Some(name) => vec![catalog::metric(name).ok_or_else(|| {
                    SourceError::BadQuery(format!(
                        "the demo fleet has no metric `{name}` (a demo selector is a bare metric name)"
                    ))
                })?],
            };
            let values: std::collections::BTreeSet<String> = metrics
                .into_iter()
                .flat_map(|metric| catalog::series_of(&self.fleet, metric))
                .filter_map(|series| series.labels.get(label).cloned())
                .collect();
            Ok(values.into_iter().collect())
        })
    }

    /// Computed here, from 5-second samples inside each step; not for a fixed
    /// period (a bar is a total, not a line that can hide a spike).
    fn envelope_query(
        &self,
        query: &SourceQuery,
        extreme: Extreme,
        step_ms: i64,
    ) -> Option<SourceQuery> {
        let SourceQuery::Demo(query) = query else {
            return None;
        };
        if step_ms <= DEMO_SCRAPE_INTERVAL_MS || query.period_ms.is_some() {
            return None;
        }
        Some(SourceQuery::Demo(DemoQuery {
            extreme: Some(extreme),
            ..query.clone()
        }))
    }

    /// The planned step, or the query's fixed `period` (as CloudWatch takes it) so a
    /// bar panel gets one point an hour or a day.
    fn plan_step(
        &self,
        window: crate::time_range::Window,
        width_px: u32,
        query: &SourceQuery,
        _now_ms: i64,
    ) -> i64 {
        let fixed = match query {
            SourceQuery::Demo(query) => query.period_ms,
            _ => None,
        };
        fixed
            .map(|ms| ms.max(DEMO_SCRAPE_INTERVAL_MS))
            .unwrap_or_else(|| crate::source::step::plan_step(window, width_px, self.limits()))
    }
}

/// Checks a demo query — known metric, and the reading its kind allows — and
/// compiles it.
pub(crate) fn compile_query(query: &Query) -> Result<DemoQuery, QueryProblem> {
    let (metric, reading) = resolve(query)?;
    let period_ms = match &query.period {
        None => None,
        Some(period) => Some(
            crate::time_range::parse_duration(period.get_ref())
                .map_err(|error| QueryProblem {
                    message: error.to_string(),
                    span: Some(period.span()),
                })?
                .as_millis() as i64,
        ),
    };
    Ok(DemoQuery {
        metric: metric.name,
        reading,
        labels: label_matchers(query),
        by: query.by.clone(),
        aggregate: query.aggregate.unwrap_or_default(),
        period_ms,
        extreme: None,
    })
}

/// The values each filtered label may have: what a multi-value variable chose,
/// else the one written; `*` (a variable set to All) filters nothing.
fn label_matchers(query: &Query) -> BTreeMap<String, Vec<String>> {
    query
        .labels
        .iter()
        .filter_map(|(key, value)| match query.choices.get(key) {
            Some(chosen) => Some((key.clone(), chosen.clone())),
            None if value == crate::source::cloudwatch::query::WILDCARD => None,
            None => Some((key.clone(), vec![value.clone()])),
        })
        .collect()
}

fn resolve(query: &Query) -> Result<(&'static catalog::MetricDef, Reading), QueryProblem> {
    if let Some(promql) = &query.promql {
        return Err(QueryProblem {
            message: "`promql` needs a prometheus source; a demo query uses `metric`".to_owned(),
            span: Some(promql.span()),
        });
    }
    let Some(metric) = &query.metric else {
        return Err(QueryProblem {
            message: "a demo query needs `metric`, e.g. metric = \"vllm:num_requests_waiting\""
                .to_owned(),
            span: Some(query.source.span()),
        });
    };
    let name = metric.get_ref();
    let problem = |message: String| QueryProblem {
        message,
        span: Some(metric.span()),
    };
    let def = catalog::metric(name).ok_or_else(|| {
        let known: Vec<&str> = catalog::METRICS.iter().map(|m| m.name).collect();
        problem(format!(
            "unknown demo metric `{name}`; known: {}",
            known.join(", ")
        ))
    })?;
    let quantile = query.quantile.as_ref().map(|q| *q.get_ref());
    if let Some(q) = quantile
        && !(q > 0.0 && q < 1.0)
    {
        return Err(problem(format!(
            "quantile {q} must be between 0 and 1 (e.g. 0.99)"
        )));
    }
    let reading = match (def.kind, query.rate, quantile) {
        (MetricKind::Distribution, false, Some(q)) => Reading::Quantile(q),
        (MetricKind::Distribution, _, _) => {
            return Err(problem(format!(
                "`{name}` is a latency distribution: set `quantile` (e.g. 0.99) and no `rate`"
            )));
        }
        (_, _, Some(_)) => {
            return Err(problem(format!(
                "`{name}` is not a distribution: remove `quantile`"
            )));
        }
        (MetricKind::Counter, true, None) | (MetricKind::Cumulative, true, None) => Reading::Rate,
        (MetricKind::Counter, false, None) => {
            return Err(problem(format!(
                "`{name}` is a counter: set `rate = true` for a per-second rate"
            )));
        }
        (MetricKind::Gauge, true, None) => {
            return Err(problem(format!(
                "`{name}` is a gauge: `rate` does not apply"
            )));
        }
        (MetricKind::Gauge | MetricKind::Cumulative, false, None) => Reading::Value,
    };
    Ok((def, reading))
}
