//! Background polling: one task per source on the tokio runtime.
//!
//! The UI hands the poller a [`PollPlan`] (what to fetch, over which range, how
//! often) through a `watch` channel — only the latest plan matters — and receives
//! [`PollResult`]s through a bounded channel that it drains each frame. A source's
//! task keeps a bounded number of fetches in flight (`max_concurrency`), issued in
//! on-screen order and delivered as each answers, so one slow panel delays no other;
//! a round ends before the next starts, so a slow server never piles up overlapping
//! polls; failures back off with jitter; and a live refresh fetches only the new
//! tail since the last sample.

pub mod budget;
mod envelope;

mod round;
mod wake;

use crate::alarm::Alarm;
use crate::clock::Clock;
use crate::dashboard::{AlarmFilter, QueryKey, SourceId};
use crate::source::{RangeRequest, SeriesData, Source, SourceError, SourceQuery};
use crate::time_range::{TimeRange, Window};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// How many results may wait for the UI before sources pause.
pub(crate) const RESULT_CHANNEL_CAPACITY: usize = 256;
/// Longest a single fetch may take before it is reported as timed out.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait between retries of a failing source.
pub(crate) const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Incremental refreshes re-read this many steps before the last sample, so late
/// samples settle instead of leaving holes.
pub const OVERLAP_STEPS: i64 = 2;

/// Fetches of one source in flight at once, unless its `max_concurrency` says
/// otherwise: what browsers allow per host, and what Grafana's data proxy uses.
pub(crate) const DEFAULT_MAX_CONCURRENCY: usize = 6;

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
    /// The panel's budget of points (its series × points each), shared by its
    /// queries: past it a query is asked at a coarser step ([`budget`]).
    pub point_budget: usize,
    /// Past this many series the panel draws the query as its spread, not as
    /// lines: its min/max band is not asked (`usize::MAX` where no spread).
    pub max_series: usize,
    /// Whether to ask the min/max band beside it when the step is coarser than
    /// the data (a line panel that did not opt out).
    pub envelope: bool,
    /// How much earlier its window is asked (a time-shifted comparison), ms; its
    /// samples come back moved forward by as much. 0 for the query itself.
    pub shift_ms: i64,
    /// Whether the data already held for it is right for this plan (the plan
    /// changed elsewhere, e.g. a variable another query uses): the plan's first
    /// round skips it and later refreshes continue from its last sample.
    pub current: bool,
}

/// What a planned query asks its source for.
#[derive(Debug, Clone, PartialEq)]
pub enum Planned {
    /// Series over the window.
    Series(SourceQuery),
    /// The source's alarms (an alarm panel).
    Alarms(AlarmFilter),
    /// The source's operations over the window (scaling, experiments).
    Operations,
}

/// What a fetch brought back.
#[derive(Debug, Clone)]
pub enum Payload {
    /// Time series, for charts and stats.
    Series(Vec<SeriesData>),
    /// Active alarms, for alarm panels.
    Alarms(Vec<Alarm>),
    /// Operations on the source's resources.
    Operations(Vec<crate::ops::OpsEvent>),
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
    /// The queries of all panels, in on-screen order (top-left first): each source
    /// issues its share in this order.
    pub queries: Vec<PlannedQuery>,
    /// Fetches each source may have in flight; [`DEFAULT_MAX_CONCURRENCY`] when absent.
    pub concurrency: BTreeMap<SourceId, usize>,
}

impl PollPlan {
    /// How many fetches `source` may have in flight (at least one).
    pub(crate) fn max_concurrency(&self, source: &SourceId) -> usize {
        self.concurrency
            .get(source)
            .copied()
            .unwrap_or(DEFAULT_MAX_CONCURRENCY)
            .max(1)
    }
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
    /// Why the min/max band is missing although it was asked for: the source
    /// refused it (the series themselves came back).
    pub envelope_refused: Option<SourceError>,
    /// When the panel's point budget made the step coarser than its width asks:
    /// the number of series that did.
    pub budgeted: Option<usize>,
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
                runtime.spawn(round::run_source(
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
    pub(crate) fn set_plan(&self, plan: PollPlan) {
        self.plan_tx.send_replace(Arc::new(plan));
    }

    /// The next waiting result, without blocking.
    pub fn try_recv(&mut self) -> Option<PollResult> {
        self.results.try_recv().ok()
    }

    /// The next result, waiting for it (front ends without a frame loop); `None`
    /// once every source task ended.
    pub(crate) async fn recv(&mut self) -> Option<PollResult> {
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

/// Exponential backoff from the refresh interval, capped, with ±20 % jitter so many
/// dashboards do not retry a recovering server in lockstep.
pub(crate) fn backoff(refresh: Duration, failures: u32) -> Duration {
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
