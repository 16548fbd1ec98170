//! A source over several AWS regions and accounts: one client each, asked the same
//! question at once, their answers joined with `region` and `account` labels so a
//! fleet map or a spread can group by them.
//!
//! A part that fails fails the whole answer, with the part named ("eu-west-1 ·
//! staging: AccessDenied …"): the panel keeps its last data marked stale with that
//! reason, rather than silently drawing a fleet with a region missing.

use super::Extreme;
use super::{
    AlarmFuture, BatchFuture, CountFuture, FetchFuture, LabelsFuture, MetricsFuture, OpsFuture,
    OptionsFuture, RangeRequest, SeriesData, Source, SourceError, SourceLimits, SourceQuery, Usage,
};
use crate::source::browse::MetricInfo;
use crate::time_range::Window;
use futures_util::future::join_all;
use std::collections::BTreeMap;
use std::sync::Arc;

/// One region and account: the labels its series get, and its client.
struct Part {
    labels: BTreeMap<String, String>,
    source: Arc<dyn Source>,
}

/// The same source in several regions and accounts.
pub(crate) struct FanOut {
    parts: Vec<Part>,
}

impl FanOut {
    /// A source over `parts`: (labels its series get, its client). Never empty.
    pub(crate) fn new(parts: Vec<(BTreeMap<String, String>, Arc<dyn Source>)>) -> FanOut {
        assert!(!parts.is_empty(), "a fan-out over no region");
        FanOut {
            parts: parts
                .into_iter()
                .map(|(labels, source)| Part { labels, source })
                .collect(),
        }
    }

    fn first(&self) -> &dyn Source {
        self.parts[0].source.as_ref()
    }
}

impl Part {
    /// "eu-west-1 · staging", for messages.
    fn name(&self) -> String {
        self.labels
            .values()
            .cloned()
            .collect::<Vec<_>>()
            .join(" · ")
    }

    /// An answer of this part with its labels on every series, or its error
    /// with its name in front.
    fn tag(
        &self,
        outcome: Result<Vec<SeriesData>, SourceError>,
    ) -> Result<Vec<SeriesData>, SourceError> {
        match outcome {
            Ok(mut series) => {
                for one in &mut series {
                    for (name, value) in &self.labels {
                        one.labels.insert(name.clone(), value.clone());
                    }
                }
                Ok(series)
            }
            Err(error) => Err(error.map_message(|message| format!("{}: {message}", self.name()))),
        }
    }
}

/// The parts' answers as one: everything each listed (series, operations,
/// alarms), or the first part's error.
fn join<T>(outcomes: Vec<Result<Vec<T>, SourceError>>) -> Result<Vec<T>, SourceError> {
    let mut all = Vec::new();
    for outcome in outcomes {
        all.extend(outcome?);
    }
    Ok(all)
}

impl Source for FanOut {
    fn limits(&self) -> SourceLimits {
        self.first().limits()
    }

    fn fetch_range<'a>(&'a self, request: &'a RangeRequest) -> FetchFuture<'a> {
        Box::pin(async move {
            let outcomes = join_all(
                self.parts
                    .iter()
                    .map(|part| async move { part.tag(part.source.fetch_range(request).await) }),
            )
            .await;
            join(outcomes)
        })
    }

    fn plan_step(&self, window: Window, width_px: u32, query: &SourceQuery, now_ms: i64) -> i64 {
        self.first().plan_step(window, width_px, query, now_ms)
    }

    fn envelope_query(
        &self,
        query: &SourceQuery,
        extreme: Extreme,
        step_ms: i64,
    ) -> Option<SourceQuery> {
        self.first().envelope_query(query, extreme, step_ms)
    }

    fn count_series<'a>(
        &'a self,
        query: &'a SourceQuery,
        window: Window,
        now_ms: i64,
    ) -> CountFuture<'a> {
        Box::pin(async move {
            let counts = join_all(
                self.parts
                    .iter()
                    .map(|part| part.source.count_series(query, window, now_ms)),
            )
            .await;
            counts.into_iter().sum()
        })
    }

    fn batches(&self) -> bool {
        self.first().batches()
    }

    fn fetch_batch<'a>(&'a self, requests: &'a [RangeRequest]) -> BatchFuture<'a> {
        Box::pin(async move {
            let answers = join_all(self.parts.iter().map(|part| async move {
                let outcomes = part.source.fetch_batch(requests).await;
                outcomes
                    .into_iter()
                    .map(|outcome| part.tag(outcome))
                    .collect::<Vec<_>>()
            }))
            .await;
            // Each request's answers from every part, joined as one fetch's are.
            let mut per_request: Vec<Vec<Result<Vec<SeriesData>, SourceError>>> =
                requests.iter().map(|_| Vec::new()).collect();
            for outcomes in answers {
                for (answers, outcome) in per_request.iter_mut().zip(outcomes) {
                    answers.push(outcome);
                }
            }
            per_request.into_iter().map(join).collect()
        })
    }

    fn settle_ms(&self) -> i64 {
        self.parts
            .iter()
            .map(|part| part.source.settle_ms())
            .max()
            .unwrap_or(0)
    }

    fn begin_round(&self) {
        for part in &self.parts {
            part.source.begin_round();
        }
    }

    fn end_round(&self) {
        for part in &self.parts {
            part.source.end_round();
        }
    }

    /// Every region and account bills apart: the meter adds them up.
    fn usage(&self) -> Option<Usage> {
        let mut parts = self.parts.iter().filter_map(|part| part.source.usage());
        let first = parts.next()?;
        Some(parts.fold(first, |sum, usage| Usage {
            calls: sum.calls + usage.calls,
            units: sum.units + usage.units,
            units_last_refresh: sum.units_last_refresh + usage.units_last_refresh,
            ..sum
        }))
    }

    fn bytes_received(&self) -> u64 {
        self.parts
            .iter()
            .map(|part| part.source.bytes_received())
            .sum()
    }

    /// The metrics of every region and account, each name once.
    fn list_metrics(&self) -> MetricsFuture<'_> {
        Box::pin(async move {
            let lists = join_all(self.parts.iter().map(|part| part.source.list_metrics())).await;
            let mut metrics: BTreeMap<String, MetricInfo> = BTreeMap::new();
            for list in lists {
                for metric in list? {
                    metrics.entry(metric.name.clone()).or_insert(metric);
                }
            }
            Ok(metrics.into_values().collect())
        })
    }

    fn label_values<'a>(&'a self, metric: &'a MetricInfo) -> LabelsFuture<'a> {
        self.first().label_values(metric)
    }

    /// A variable's values in any region or account, each once, sorted.
    fn variable_options<'a>(
        &'a self,
        query: &'a crate::dashboard::variables::OptionsQuery,
    ) -> OptionsFuture<'a> {
        Box::pin(async move {
            let lists = join_all(
                self.parts
                    .iter()
                    .map(|part| part.source.variable_options(query)),
            )
            .await;
            let mut values = std::collections::BTreeSet::new();
            for list in lists {
                values.extend(list?);
            }
            Ok(values.into_iter().collect())
        })
    }

    fn has_operations(&self) -> bool {
        self.first().has_operations()
    }

    fn fetch_operations(&self, window: Window) -> OpsFuture<'_> {
        Box::pin(async move {
            let lists = join_all(
                self.parts
                    .iter()
                    .map(|part| part.source.fetch_operations(window)),
            )
            .await;
            join(lists)
        })
    }

    fn fetch_alarms<'a>(
        &'a self,
        source: &'a str,
        filter: &'a crate::dashboard::AlarmFilter,
    ) -> AlarmFuture<'a> {
        Box::pin(async move {
            let lists = join_all(
                self.parts
                    .iter()
                    .map(|part| part.source.fetch_alarms(source, filter)),
            )
            .await;
            join(lists)
        })
    }
}
