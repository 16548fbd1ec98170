//! Background polling: one task per source on the tokio runtime.
//!
//! The UI hands the poller a [`PollPlan`] (what to fetch, over which range, how
//! often) through a `watch` channel — only the latest plan matters — and receives
//! [`PollResult`]s through a bounded channel that it drains each frame. A source's
//! task runs its fetches one after another, so a slow server never piles up
//! overlapping polls; failures back off with jitter; and a live refresh fetches only
//! the new tail since the last sample.

pub mod plan;

use crate::alarm::Alarm;
use crate::clock::Clock;
use crate::dashboard::{AlarmFilter, QueryKey, SourceId};
use crate::source::{RangeRequest, SeriesData, Source, SourceError, SourceQuery};
use crate::time_range::{TimeRange, Window};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// How many results may wait for the UI before sources pause.
pub const RESULT_CHANNEL_CAPACITY: usize = 256;
/// Longest a single fetch may take before it is reported as timed out.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait between retries of a failing source.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Incremental refreshes re-read this many steps before the last sample, so late
/// samples settle instead of leaving holes.
pub const OVERLAP_STEPS: i64 = 2;

/// During a long batch of fetches, the UI is woken at most this often.
const PROGRESS_WAKE_INTERVAL: Duration = Duration::from_millis(250);

/// One query of one panel, as the poller needs it.
#[derive(Debug, Clone)]
pub struct PlannedQuery {
    /// Which panel query it is.
    pub key: QueryKey,
    /// The source that answers it.
    pub source: SourceId,
    /// What to ask.
    pub planned: Planned,
    /// Width of the panel's plot in pixels, for step planning.
    pub width_px: u32,
}

/// What a planned query asks its source for.
#[derive(Debug, Clone)]
pub enum Planned {
    /// Series over the window.
    Series(SourceQuery),
    /// The source's alarms (an alarm panel).
    Alarms(AlarmFilter),
}

/// What a fetch brought back.
#[derive(Debug, Clone)]
pub enum Payload {
    /// Time series, for charts and stats.
    Series(Vec<SeriesData>),
    /// Active alarms, for alarm panels.
    Alarms(Vec<Alarm>),
}

/// Everything the poller needs to know; replaced whole whenever anything changes.
#[derive(Debug, Clone)]
pub struct PollPlan {
    /// Increases with every new plan; results of older plans are dropped.
    pub generation: u64,
    /// The time range shown.
    pub range: TimeRange,
    /// Refresh interval while live.
    pub refresh: Duration,
    /// Whether to keep refreshing (false when paused or zoomed into the past).
    pub live: bool,
    /// The queries of all panels.
    pub queries: Vec<PlannedQuery>,
}

/// The outcome of one fetch.
#[derive(Debug, Clone)]
pub struct PollResult {
    /// The plan it belongs to.
    pub generation: u64,
    /// The source that answered.
    pub source: SourceId,
    /// Which panel query it answers.
    pub key: QueryKey,
    /// The interval the fetch covered (samples in it replace stored ones).
    pub window: Window,
    /// Step used, ms.
    pub step_ms: i64,
    /// When the fetch finished, by the poller's clock.
    pub at: DateTime<Utc>,
    /// Whether it was a tail-only refresh.
    pub incremental: bool,
    /// What came back, or why nothing did.
    pub outcome: Result<Payload, SourceError>,
}

/// Fetches one query over `window`, or only from `since_ms` on when given (an
/// incremental refresh), and never past `now_ms`: a window panned into the future
/// asks only for what can exist. The step follows the whole window, so the
/// resolution does not change as the window slides.
pub async fn fetch_query(
    source: &dyn Source,
    query: &SourceQuery,
    width_px: u32,
    window: Window,
    since_ms: Option<i64>,
    now_ms: i64,
    timeout: Duration,
) -> (Window, i64, Result<Vec<SeriesData>, SourceError>) {
    let step_ms = source.plan_step(window, width_px, query, now_ms);
    let start_ms = match since_ms {
        Some(since) if since > window.start_ms => since,
        _ => window.start_ms,
    };
    let fetch_window = Window {
        start_ms,
        end_ms: window.end_ms.min(now_ms),
    };
    if fetch_window.start_ms >= fetch_window.end_ms {
        return (fetch_window, step_ms, Ok(Vec::new()));
    }
    let request = RangeRequest {
        query: query.clone(),
        window: fetch_window,
        step_ms,
    };
    let outcome = match tokio::time::timeout(timeout, source.fetch_range(&request)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(SourceError::Timeout(timeout.as_secs())),
    };
    (fetch_window, step_ms, outcome)
}

/// Handle to the running poller; dropping it stops every source task.
pub struct Poller {
    plan_tx: watch::Sender<Arc<PollPlan>>,
    results: mpsc::Receiver<PollResult>,
    tasks: Vec<JoinHandle<()>>,
}

impl Poller {
    /// Starts one task per source on `runtime`. `wake` is called after results were
    /// sent, so a reactive UI repaints only when there is something new.
    pub fn start(
        runtime: &tokio::runtime::Handle,
        sources: BTreeMap<SourceId, Arc<dyn Source>>,
        plan: PollPlan,
        clock: Clock,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> Poller {
        let (plan_tx, plan_rx) = watch::channel(Arc::new(plan));
        let (result_tx, results) = mpsc::channel(RESULT_CHANNEL_CAPACITY);
        let tasks = sources
            .into_iter()
            .map(|(name, source)| {
                runtime.spawn(run_source(
                    name,
                    source,
                    plan_rx.clone(),
                    result_tx.clone(),
                    clock,
                    wake.clone(),
                ))
            })
            .collect();
        Poller {
            plan_tx,
            results,
            tasks,
        }
    }

    /// Replaces the plan; sources pick it up at once, abandoning older work.
    pub fn set_plan(&self, plan: PollPlan) {
        self.plan_tx.send_replace(Arc::new(plan));
    }

    /// The next waiting result, without blocking.
    pub fn try_recv(&mut self) -> Option<PollResult> {
        self.results.try_recv().ok()
    }

    /// The next result, waiting for it (front ends without a frame loop); `None`
    /// once every source task ended.
    pub async fn recv(&mut self) -> Option<PollResult> {
        self.results.recv().await
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn run_source(
    name: SourceId,
    source: Arc<dyn Source>,
    mut plan_rx: watch::Receiver<Arc<PollPlan>>,
    results: mpsc::Sender<PollResult>,
    clock: Clock,
    wake: Arc<dyn Fn() + Send + Sync>,
) {
    let mut last_sample: HashMap<QueryKey, (i64, i64)> = HashMap::new();
    let mut generation = u64::MAX;
    let mut failures: u32 = 0;
    loop {
        let plan = plan_rx.borrow_and_update().clone();
        if plan.generation != generation {
            generation = plan.generation;
            last_sample.clear();
            failures = 0;
        }
        let mut round = Round {
            name: &name,
            source: source.as_ref(),
            plan: &plan,
            window: plan.range.resolve(clock.now()),
            clock,
            results: &results,
            wake: wake.as_ref(),
            last_wake: std::time::Instant::now(),
            last_sample: &mut last_sample,
            failed: false,
        };
        let mine: Vec<&PlannedQuery> = plan.queries.iter().filter(|q| q.source == name).collect();
        let (batched, single): (Vec<&PlannedQuery>, Vec<&PlannedQuery>) = mine
            .into_iter()
            .partition(|q| matches!(q.planned, Planned::Series(_)) && source.batches());
        let mut app_gone = false;
        source.begin_round();
        if !batched.is_empty() {
            app_gone = !round.fetch_batch(&batched).await;
        }
        for planned in single {
            if app_gone || plan_rx.has_changed().unwrap_or(true) {
                break; // latest wins: a newer plan supersedes what is left of this one
            }
            app_gone = !round.fetch_one(planned).await;
        }
        if app_gone {
            return;
        }
        source.end_round();
        let failed = round.failed;
        wake();
        failures = if failed {
            failures.saturating_add(1)
        } else {
            0
        };
        let delay = if failures > 0 {
            backoff(plan.refresh, failures)
        } else {
            plan.refresh
        };
        let keep_polling = plan.live || failures > 0;
        tokio::select! {
            changed = plan_rx.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            () = tokio::time::sleep(clock.real(delay)), if keep_polling => {}
        }
    }
}

/// One pass of a source task over its share of the plan.
struct Round<'a> {
    name: &'a SourceId,
    source: &'a dyn Source,
    plan: &'a PollPlan,
    window: Window,
    clock: Clock,
    results: &'a mpsc::Sender<PollResult>,
    wake: &'a (dyn Fn() + Send + Sync),
    last_wake: std::time::Instant,
    /// Per query: the step and time of the newest sample fetched.
    last_sample: &'a mut HashMap<QueryKey, (i64, i64)>,
    failed: bool,
}

impl Round<'_> {
    /// Where an incremental refresh of `planned` at `step` may start, if it may.
    fn since(&self, planned: &PlannedQuery, step: i64) -> Option<i64> {
        match self.last_sample.get(&planned.key) {
            Some(&(last_step, last_t)) if self.plan.live && last_step == step => {
                Some(last_t - (OVERLAP_STEPS * step).max(self.source.settle_ms()))
            }
            _ => None,
        }
    }

    /// Fetches one query (or an alarm list) and delivers it; false when the app is gone.
    async fn fetch_one(&mut self, planned: &PlannedQuery) -> bool {
        let now_ms = self.clock.now().timestamp_millis();
        let (fetched, step_ms, since, outcome) = match &planned.planned {
            Planned::Alarms(filter) => {
                let alarms = match tokio::time::timeout(
                    FETCH_TIMEOUT,
                    self.source.fetch_alarms(self.name.as_str(), filter),
                )
                .await
                {
                    Ok(outcome) => outcome.map(|alarms| {
                        Payload::Alarms(alarms.into_iter().filter(|a| filter.keeps(a)).collect())
                    }),
                    Err(_) => Err(SourceError::Timeout(FETCH_TIMEOUT.as_secs())),
                };
                (self.window, 0, None, alarms)
            }
            Planned::Series(query) => {
                let step = self
                    .source
                    .plan_step(self.window, planned.width_px, query, now_ms);
                let since = self.since(planned, step);
                let (fetched, step_ms, outcome) = fetch_query(
                    self.source,
                    query,
                    planned.width_px,
                    self.window,
                    since,
                    now_ms,
                    FETCH_TIMEOUT,
                )
                .await;
                (fetched, step_ms, since, outcome.map(Payload::Series))
            }
        };
        self.deliver(planned, fetched, step_ms, since.is_some(), outcome)
            .await
    }

    /// Fetches every series query of a batching source in as few calls as it can:
    /// one window for all (the earliest tail any of them needs).
    async fn fetch_batch(&mut self, batch: &[&PlannedQuery]) -> bool {
        let now_ms = self.clock.now().timestamp_millis();
        let queries: Vec<&SourceQuery> = batch
            .iter()
            .filter_map(|q| match &q.planned {
                Planned::Series(query) => Some(query),
                Planned::Alarms(_) => None,
            })
            .collect();
        let steps: Vec<i64> = batch
            .iter()
            .zip(&queries)
            .map(|(q, query)| {
                self.source
                    .plan_step(self.window, q.width_px, query, now_ms)
            })
            .collect();
        let since: Option<i64> = batch
            .iter()
            .zip(&steps)
            .map(|(q, &step)| self.since(q, step))
            .collect::<Option<Vec<i64>>>()
            .and_then(|all| all.into_iter().min());
        let fetch_window = Window {
            start_ms: since.map_or(self.window.start_ms, |s| s.max(self.window.start_ms)),
            end_ms: self.window.end_ms.min(now_ms),
        };
        let outcomes = if fetch_window.start_ms >= fetch_window.end_ms {
            batch.iter().map(|_| Ok(Vec::new())).collect()
        } else {
            let requests: Vec<RangeRequest> = queries
                .iter()
                .zip(&steps)
                .map(|(&query, &step_ms)| RangeRequest {
                    query: query.clone(),
                    window: fetch_window,
                    step_ms,
                })
                .collect();
            // Each call has its own timeout inside the source; this bounds the whole.
            let calls = 1 + batch.len() as u32 / 100;
            match tokio::time::timeout(FETCH_TIMEOUT * calls, self.source.fetch_batch(&requests))
                .await
            {
                Ok(outcomes) => outcomes,
                Err(_) => {
                    let error = SourceError::Timeout((FETCH_TIMEOUT * calls).as_secs());
                    batch.iter().map(|_| Err(error.clone())).collect()
                }
            }
        };
        for ((planned, step_ms), outcome) in batch.iter().zip(steps).zip(outcomes) {
            let delivered = self
                .deliver(
                    planned,
                    fetch_window,
                    step_ms,
                    since.is_some(),
                    outcome.map(Payload::Series),
                )
                .await;
            if !delivered {
                return false;
            }
        }
        true
    }

    /// Records the newest sample, sends the result and wakes the UI now and then;
    /// false when the app is gone.
    async fn deliver(
        &mut self,
        planned: &PlannedQuery,
        window: Window,
        step_ms: i64,
        incremental: bool,
        outcome: Result<Payload, SourceError>,
    ) -> bool {
        match &outcome {
            Ok(Payload::Alarms(_)) => {}
            Ok(Payload::Series(series)) => {
                let newest = series
                    .iter()
                    .filter_map(|s| s.samples.last())
                    .map(|s| s.t_ms)
                    .max();
                if let Some(newest) = newest {
                    self.last_sample
                        .insert(planned.key.clone(), (step_ms, newest));
                }
            }
            // A refused query is that query's problem; the source is answering,
            // so its other queries keep their refresh rate.
            Err(SourceError::BadQuery(_)) => {}
            Err(_) => self.failed = true,
        }
        let result = PollResult {
            generation: self.plan.generation,
            source: self.name.clone(),
            key: planned.key.clone(),
            window,
            step_ms,
            at: self.clock.now(),
            incremental,
            outcome,
        };
        if self.results.send(result).await.is_err() {
            return false;
        }
        // One repaint per batch keeps an idle dashboard quiet; a slow batch still
        // shows its first answers within a fraction of a second.
        if self.last_wake.elapsed() > PROGRESS_WAKE_INTERVAL {
            (self.wake)();
            self.last_wake = std::time::Instant::now();
        }
        true
    }
}

/// Exponential backoff from the refresh interval, capped, with ±20 % jitter so many
/// dashboards do not retry a recovering server in lockstep.
pub fn backoff(refresh: Duration, failures: u32) -> Duration {
    let base = refresh
        .saturating_mul(1u32 << failures.min(10))
        .min(MAX_BACKOFF);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let jitter = 0.8 + 0.4 * (nanos % 1_000) as f64 / 1_000.0;
    base.mul_f64(jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let refresh = Duration::from_secs(10);
        let first = backoff(refresh, 1);
        assert!(
            first >= Duration::from_secs(16) && first <= Duration::from_secs(24),
            "{first:?}"
        );
        let later = backoff(refresh, 30);
        assert!(later <= MAX_BACKOFF.mul_f64(1.2));
        assert!(later >= MAX_BACKOFF.mul_f64(0.8));
    }
}
