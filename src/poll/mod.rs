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
use crate::layout::Query;
use crate::source::{RangeRequest, SeriesData, Source, SourceError};
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
    /// Panel index in the layout.
    pub panel: usize,
    /// Query index in the panel.
    pub query: usize,
    /// Name of the source that answers it.
    pub source: String,
    /// The query itself.
    pub spec: Query,
    /// Width of the panel's plot in pixels, for step planning.
    pub width_px: u32,
    /// Whether this is an alarm panel's query (alarms, not series).
    pub alarms: bool,
}

impl PlannedQuery {
    /// Every query of every panel of `layout`, each planned for its panel's plot width.
    pub fn for_layout(
        layout: &crate::layout::Layout,
        width_of: impl Fn(usize) -> u32,
    ) -> Vec<PlannedQuery> {
        layout
            .file
            .panels
            .iter()
            .enumerate()
            .flat_map(|(panel_index, panel)| {
                let width_px = width_of(panel_index);
                let alarms = panel.kind == crate::layout::PanelKind::Alarms;
                panel
                    .queries
                    .iter()
                    .enumerate()
                    .map(move |(query_index, query)| PlannedQuery {
                        panel: panel_index,
                        query: query_index,
                        source: query.source.get_ref().clone(),
                        spec: query.clone(),
                        width_px,
                        alarms,
                    })
            })
            .collect()
    }
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
    pub source: String,
    /// Panel index.
    pub panel: usize,
    /// Query index.
    pub query: usize,
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

/// Fetches one planned query over `window`, or only from `since_ms` on when given
/// (an incremental refresh), and never past `now_ms`: a window panned into the
/// future asks only for what can exist. The step follows the whole window, so the
/// resolution does not change as the window slides. Used by the background tasks
/// and by headless export.
pub async fn fetch_query(
    source: &dyn Source,
    planned: &PlannedQuery,
    window: Window,
    since_ms: Option<i64>,
    now_ms: i64,
    timeout: Duration,
) -> (Window, i64, Result<Vec<SeriesData>, SourceError>) {
    let step_ms = plan::plan_step(window, planned.width_px, source.limits());
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
        query: planned.spec.clone(),
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
        sources: BTreeMap<String, Arc<dyn Source>>,
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
}

impl Drop for Poller {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn run_source(
    name: String,
    source: Arc<dyn Source>,
    mut plan_rx: watch::Receiver<Arc<PollPlan>>,
    results: mpsc::Sender<PollResult>,
    clock: Clock,
    wake: Arc<dyn Fn() + Send + Sync>,
) {
    let mut last_sample: HashMap<(usize, usize), (i64, i64)> = HashMap::new();
    let mut generation = u64::MAX;
    let mut failures: u32 = 0;
    let mut last_wake = std::time::Instant::now();
    loop {
        let plan = plan_rx.borrow_and_update().clone();
        if plan.generation != generation {
            generation = plan.generation;
            last_sample.clear();
            failures = 0;
        }
        let window = plan.range.resolve(clock.now());
        let mut failed = false;
        for planned in plan.queries.iter().filter(|q| q.source == name) {
            if plan_rx.has_changed().unwrap_or(true) {
                break; // latest wins: a newer plan supersedes what is left of this one
            }
            let key = (planned.panel, planned.query);
            let step = plan::plan_step(window, planned.width_px, source.limits());
            let since = match last_sample.get(&key) {
                Some(&(last_step, last_t)) if plan.live && last_step == step => {
                    Some(last_t - OVERLAP_STEPS * step)
                }
                _ => None,
            };
            let now_ms = clock.now().timestamp_millis();
            let (fetched, step_ms, outcome) = if planned.alarms {
                let alarms =
                    match tokio::time::timeout(FETCH_TIMEOUT, source.fetch_alarms(&name)).await {
                        Ok(outcome) => outcome.map(Payload::Alarms),
                        Err(_) => Err(SourceError::Timeout(FETCH_TIMEOUT.as_secs())),
                    };
                (window, 0, alarms)
            } else {
                let (fetched, step_ms, outcome) = fetch_query(
                    source.as_ref(),
                    planned,
                    window,
                    since,
                    now_ms,
                    FETCH_TIMEOUT,
                )
                .await;
                (fetched, step_ms, outcome.map(Payload::Series))
            };
            match &outcome {
                Ok(Payload::Alarms(_)) => {}
                Ok(Payload::Series(series)) => {
                    let newest = series
                        .iter()
                        .filter_map(|s| s.samples.last())
                        .map(|s| s.t_ms)
                        .max();
                    if let Some(newest) = newest {
                        last_sample.insert(key, (step_ms, newest));
                    }
                }
                Err(_) => failed = true,
            }
            let result = PollResult {
                generation,
                source: name.clone(),
                panel: planned.panel,
                query: planned.query,
                window: fetched,
                step_ms,
                at: clock.now(),
                incremental: since.is_some(),
                outcome,
            };
            if results.send(result).await.is_err() {
                return; // the app is gone
            }
            // One repaint per batch keeps an idle dashboard quiet; a slow batch still
            // shows its first answers within a fraction of a second.
            if last_wake.elapsed() > PROGRESS_WAKE_INTERVAL {
                wake();
                last_wake = std::time::Instant::now();
            }
        }
        wake();
        last_wake = std::time::Instant::now();
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
            () = tokio::time::sleep(delay), if keep_polling => {}
        }
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
