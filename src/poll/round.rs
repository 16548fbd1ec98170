//! One source's task: rounds of fetches over its share of the plan.
//!
//! A round issues the source's queries in on-screen order with at most
//! `max_concurrency` in flight, hands each answer to the UI as it arrives, and ends
//! when all have answered. A new plan ends the round at once: the fetches in flight
//! are dropped (their requests cancelled) and the new plan starts, so a zoom never
//! waits for the answers of the range it left.

use super::budget;
use super::envelope;
use super::wake::WakeCoalescer;
use super::{
    FETCH_TIMEOUT, OVERLAP_STEPS, Payload, Planned, PlannedQuery, PollPlan, PollResult, backoff,
    fetch_query,
};
use crate::clock::Clock;
use crate::dashboard::{QueryKey, SourceId};
use crate::source::{RangeRequest, SeriesData, Source, SourceError};
use crate::time_range::Window;
use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// The task of one source, until the app drops the poller.
pub(super) async fn run_source(
    name: SourceId,
    source: Arc<dyn Source>,
    mut plan_rx: watch::Receiver<Arc<PollPlan>>,
    results: mpsc::Sender<PollResult>,
    clock: Clock,
    wake: Arc<dyn Fn() + Send + Sync>,
) {
    let mut last_sample: HashMap<QueryKey, (i64, i64)> = HashMap::new();
    // How many series each query answered last: what its point budget divides.
    let mut series_counts: HashMap<QueryKey, usize> = HashMap::new();
    let mut generation = u64::MAX;
    let mut failures: u32 = 0;
    loop {
        let plan = plan_rx.borrow_and_update().clone();
        let first_round = plan.generation != generation;
        if first_round {
            generation = plan.generation;
            // Only a query whose data is still right keeps its place.
            last_sample.retain(|key, _| plan.queries.iter().any(|q| q.current && &q.key == key));
            series_counts.retain(|key, _| plan.queries.iter().any(|q| &q.key == key));
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
            wakes: WakeCoalescer::new(),
            last_sample: &mut last_sample,
            series_counts: &mut series_counts,
            failed: false,
            skip_current: first_round,
        };
        source.begin_round();
        let end = round.run(&mut plan_rx).await;
        let failed = round.failed;
        let undrawn = round.wakes.pending();
        if end == RoundEnd::AppGone {
            return;
        }
        source.end_round();
        // Answers not yet shown are drawn now; a round whose every answer was
        // already shown costs no further frame.
        if undrawn || end == RoundEnd::Superseded {
            wake();
        }
        if end == RoundEnd::Superseded {
            continue; // latest wins: the new plan starts now
        }
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

/// Where an incremental refresh at `step` may start: a little before the newest
/// sample fetched at the same step, while live; else nowhere (fetch it whole).
fn since(last: Option<(i64, i64)>, live: bool, step: i64, settle_ms: i64) -> Option<i64> {
    match last {
        Some((last_step, last_t)) if live && last_step == step => {
            Some(last_t - (OVERLAP_STEPS * step).max(settle_ms))
        }
        _ => None,
    }
}

/// Moves every sample (and band point) of `series` `shift_ms` later.
fn shift_forward(series: &mut [SeriesData], shift_ms: i64) {
    if shift_ms == 0 {
        return;
    }
    for data in series {
        let bands = data
            .envelope
            .iter_mut()
            .flat_map(|e| e.min.iter_mut().chain(e.max.iter_mut()));
        for sample in data.samples.iter_mut().chain(bands) {
            sample.t_ms = sample.t_ms.saturating_add(shift_ms);
        }
    }
}

/// How a round ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoundEnd {
    /// Every query answered.
    Done,
    /// A newer plan arrived; what was in flight was dropped.
    Superseded,
    /// The app dropped the poller.
    AppGone,
}

/// A unit of work in flight: the batch of a batching source, or one query.
enum Job<'a> {
    Batch(Vec<&'a PlannedQuery>),
    One(&'a PlannedQuery),
}

/// One fetched answer, ready to deliver.
struct Answer<'a> {
    planned: &'a PlannedQuery,
    window: Window,
    step_ms: i64,
    incremental: bool,
    outcome: Result<Payload, SourceError>,
    envelope_refused: Option<SourceError>,
    budgeted: Option<usize>,
}

impl<'a> Answer<'a> {
    /// An answer about the whole window with no step (an alarm list, the
    /// operations): nothing incremental, no band.
    fn whole(
        planned: &'a PlannedQuery,
        window: Window,
        outcome: Result<Payload, SourceError>,
    ) -> Answer<'a> {
        Answer {
            planned,
            window,
            step_ms: 0,
            incremental: false,
            outcome,
            envelope_refused: None,
            budgeted: None,
        }
    }
}

/// The width `query` is planned for under its share (`budget` points) of its
/// panel's point budget for `series` series, the step that gives, and — only
/// where that made the step coarser than the panel's width asks (CloudWatch's
/// minute is often both) — the series count that did, for the header's "step 1m".
fn budgeted_step(
    source: &dyn Source,
    window: Window,
    planned: &PlannedQuery,
    query: &crate::source::SourceQuery,
    series: Option<usize>,
    budget: usize,
    now_ms: i64,
) -> (u32, i64, Option<usize>) {
    let (width_px, budgeted) = budget::planned_width(planned.width_px, series, budget);
    let step = source.plan_step(window, width_px, query, now_ms);
    let budgeted =
        budgeted.filter(|_| step > source.plan_step(window, planned.width_px, query, now_ms));
    (width_px, step, budgeted)
}

/// `fetch`'s outcome, or a timeout after [`FETCH_TIMEOUT`].
async fn within_timeout<T>(
    fetch: impl Future<Output = Result<T, SourceError>>,
) -> Result<T, SourceError> {
    tokio::time::timeout(FETCH_TIMEOUT, fetch)
        .await
        .unwrap_or(Err(SourceError::Timeout(FETCH_TIMEOUT.as_secs())))
}

type InFlight<'a> = Pin<Box<dyn Future<Output = Vec<Answer<'a>>> + Send + 'a>>;

/// One pass of a source task over its share of the plan.
struct Round<'a> {
    name: &'a SourceId,
    source: &'a dyn Source,
    plan: &'a PollPlan,
    window: Window,
    clock: Clock,
    results: &'a mpsc::Sender<PollResult>,
    wake: &'a (dyn Fn() + Send + Sync),
    wakes: WakeCoalescer,
    /// Per query: the step and time of the newest sample fetched.
    last_sample: &'a mut HashMap<QueryKey, (i64, i64)>,
    /// Per query: how many series its last whole answer had.
    series_counts: &'a mut HashMap<QueryKey, usize>,
    failed: bool,
    /// The plan's first round: queries whose data is already right are skipped.
    skip_current: bool,
}

impl<'a> Round<'a> {
    /// Runs the round to its end.
    async fn run(&mut self, plan_rx: &mut watch::Receiver<Arc<PollPlan>>) -> RoundEnd {
        let mut waiting = self.jobs();
        let limit = self.plan.max_concurrency(self.name);
        let now_ms = self.clock.now().timestamp_millis();
        let mut in_flight: FuturesUnordered<InFlight<'a>> = FuturesUnordered::new();
        loop {
            while in_flight.len() < limit {
                let Some(job) = waiting.pop_front() else {
                    break;
                };
                in_flight.push(self.start(job, now_ms));
            }
            if in_flight.is_empty() {
                return RoundEnd::Done;
            }
            let trailing = self.wakes.deadline();
            tokio::select! {
                biased;
                changed = plan_rx.changed() => {
                    return if changed.is_ok() { RoundEnd::Superseded } else { RoundEnd::AppGone };
                }
                Some(answers) = in_flight.next() => {
                    for answer in answers {
                        if !self.deliver(answer).await {
                            return RoundEnd::AppGone;
                        }
                    }
                }
                () = tokio::time::sleep_until(trailing.unwrap_or_else(Instant::now)), if trailing.is_some() => {
                    (self.wake)();
                    self.wakes.woke(Instant::now());
                }
            }
        }
    }

    /// This source's share of the plan, in the plan's (on-screen) order; a
    /// batching source's series queries go first, as one job.
    fn jobs(&self) -> VecDeque<Job<'a>> {
        let plan: &'a PollPlan = self.plan;
        let batches = self.source.batches();
        let skip_current = self.skip_current;
        let mine = plan
            .queries
            .iter()
            .filter(|q| &q.source == self.name && !(skip_current && q.current));
        let (batched, single): (Vec<&'a PlannedQuery>, Vec<&'a PlannedQuery>) = mine
            .partition(|q| batches && matches!(q.planned, Planned::Series(_)) && q.shift_ms == 0);
        let mut jobs: VecDeque<Job<'a>> = single.into_iter().map(Job::One).collect();
        if !batched.is_empty() {
            jobs.push_front(Job::Batch(batched));
        }
        jobs
    }

    /// Where an incremental refresh of `planned` at `step` may start, if it may.
    fn since(&self, planned: &PlannedQuery, step: i64) -> Option<i64> {
        since(
            self.last_sample.get(&planned.key).copied(),
            self.plan.live,
            step,
            self.source.settle_ms(),
        )
    }

    /// `planned`'s share of its panel's point budget: the budget over the
    /// panel's series queries.
    fn budget_share(&self, planned: &PlannedQuery) -> usize {
        let queries_in_panel = self
            .plan
            .queries
            .iter()
            .filter(|q| q.key.panel == planned.key.panel && matches!(q.planned, Planned::Series(_)))
            .count();
        planned.point_budget / queries_in_panel.max(1)
    }

    /// The fetch of one job, borrowing only what outlives the round's bookkeeping.
    fn start(&self, job: Job<'a>, now_ms: i64) -> InFlight<'a> {
        match job {
            Job::One(planned) => self.start_one(planned, now_ms),
            Job::Batch(batch) => self.start_batch(batch, now_ms),
        }
    }

    fn start_one(&self, planned: &'a PlannedQuery, now_ms: i64) -> InFlight<'a> {
        let source: &'a dyn Source = self.source;
        let name: &'a SourceId = self.name;
        let window = self.window;
        match &planned.planned {
            Planned::Alarms(filter) => Box::pin(async move {
                let fetched = source.fetch_alarms(name.as_str(), filter);
                let outcome = within_timeout(fetched).await.map(|alarms| {
                    Payload::Alarms(alarms.into_iter().filter(|a| filter.keeps(a)).collect())
                });
                vec![Answer::whole(planned, window, outcome)]
            }),
            Planned::Operations => Box::pin(async move {
                let outcome = within_timeout(source.fetch_operations(window))
                    .await
                    .map(Payload::Operations);
                vec![Answer::whole(planned, window, outcome)]
            }),
            Planned::Series(query) => {
                // A compared query asks the window `shift` earlier and moves its
                // answer forward by as much, so it lies under the lines of now.
                let shift = planned.shift_ms;
                let window = window.shifted(-shift);
                let known = self.series_counts.get(&planned.key).copied();
                let share = self.budget_share(planned);
                let last = self.last_sample.get(&planned.key).copied();
                let live = self.plan.live;
                Box::pin(async move {
                    // A query never answered, on a source that counts cheaply, is
                    // counted first, so even its first answer keeps to the budget.
                    let series = match known {
                        Some(known) => Some(known),
                        None => source.count_series(query, window, now_ms).await,
                    };
                    let (width_px, step, budgeted) =
                        budgeted_step(source, window, planned, query, series, share, now_ms);
                    let since =
                        since(last, live, step, source.settle_ms()).map(|since| since - shift);
                    // A query drawn as its spread draws no line's band: not asked.
                    let drawn_as_lines = series.is_none_or(|n| n <= planned.max_series);
                    let extremes = (planned.envelope && drawn_as_lines)
                        .then(|| envelope::queries(source, query, step))
                        .flatten();
                    let fetch = |query| {
                        fetch_query(
                            source,
                            query,
                            width_px,
                            window,
                            since,
                            now_ms,
                            FETCH_TIMEOUT,
                        )
                    };
                    // The band's two queries run beside the line's, in the same slot.
                    let ((fetched, step_ms, mut outcome), refused) = match &extremes {
                        None => (fetch(query).await, None),
                        Some((min, max)) => {
                            let (line, (_, _, min), (_, _, max)) =
                                futures_util::join!(fetch(query), fetch(min), fetch(max));
                            (line, Some((min, max)))
                        }
                    };
                    let envelope_refused = match (&mut outcome, refused) {
                        (Ok(series), Some((min, max))) => envelope::attach(series, min, max),
                        _ => None,
                    };
                    if let Ok(series) = &mut outcome {
                        shift_forward(series, shift);
                    }
                    vec![Answer {
                        planned,
                        window: fetched.shifted(shift),
                        step_ms,
                        incremental: since.is_some(),
                        outcome: outcome.map(Payload::Series),
                        envelope_refused,
                        budgeted,
                    }]
                })
            }
        }
    }

    /// Every series query of a batching source in as few calls as it can: one
    /// window for all (the earliest tail any of them needs).
    fn start_batch(&self, batch: Vec<&'a PlannedQuery>, now_ms: i64) -> InFlight<'a> {
        let source: &'a dyn Source = self.source;
        // A batch is planned from the series counts of the last answers; the
        // queries the budget made coarser say so in their headers.
        let (requests, budgeted): (Vec<(&'a PlannedQuery, RangeRequest)>, Vec<Option<usize>>) =
            batch
                .into_iter()
                .filter_map(|planned| match &planned.planned {
                    Planned::Series(query) => Some((planned, query)),
                    Planned::Alarms(_) | Planned::Operations => None,
                })
                .map(|(planned, query)| {
                    let (_, step_ms, budgeted) = budgeted_step(
                        source,
                        self.window,
                        planned,
                        query,
                        self.series_counts.get(&planned.key).copied(),
                        self.budget_share(planned),
                        now_ms,
                    );
                    let request = RangeRequest {
                        query: query.clone(),
                        window: self.window,
                        step_ms,
                    };
                    ((planned, request), budgeted)
                })
                .unzip();
        let since: Option<i64> = requests
            .iter()
            .map(|(planned, request)| self.since(planned, request.step_ms))
            .collect::<Option<Vec<i64>>>()
            .and_then(|all| all.into_iter().min());
        let fetch_window = Window {
            start_ms: since.map_or(self.window.start_ms, |s| s.max(self.window.start_ms)),
            end_ms: self.window.end_ms.min(now_ms),
        };
        // The bands' queries travel in the same batch, after every line's.
        let mut bands: Vec<(usize, usize)> = Vec::new();
        let mut extra: Vec<RangeRequest> = Vec::new();
        for (index, (planned, request)) in requests.iter().enumerate() {
            if !planned.envelope {
                continue;
            }
            if let Some((min, max)) = envelope::queries(source, &request.query, request.step_ms) {
                let at = requests.len() + extra.len();
                bands.push((index, at));
                extra.push(RangeRequest::new(min, request.window, request.step_ms));
                extra.push(RangeRequest::new(max, request.window, request.step_ms));
            }
        }
        Box::pin(async move {
            let (planned, mut requests): (Vec<&'a PlannedQuery>, Vec<RangeRequest>) =
                requests.into_iter().unzip();
            let lines = requests.len();
            requests.extend(extra);
            let outcomes: Vec<Result<Vec<SeriesData>, SourceError>> =
                if fetch_window.start_ms >= fetch_window.end_ms {
                    planned.iter().map(|_| Ok(Vec::new())).collect()
                } else {
                    for request in &mut requests {
                        request.window = fetch_window;
                    }
                    // Each call has its own timeout inside the source; this bounds the whole.
                    let calls = 1 + planned.len() as u32 / 100;
                    let bound = FETCH_TIMEOUT * calls;
                    match tokio::time::timeout(bound, source.fetch_batch(&requests)).await {
                        Ok(outcomes) => outcomes,
                        Err(_) => {
                            let error = SourceError::Timeout(bound.as_secs());
                            planned.iter().map(|_| Err(error.clone())).collect()
                        }
                    }
                };
            let mut outcomes: Vec<Option<Result<Vec<SeriesData>, SourceError>>> =
                outcomes.into_iter().map(Some).collect();
            let mut refusals: Vec<Option<SourceError>> = vec![None; lines];
            for (line, at) in bands {
                let band = (
                    outcomes.get_mut(at).and_then(Option::take),
                    outcomes.get_mut(at + 1).and_then(Option::take),
                );
                if let (Some(Some(Ok(series))), (Some(min), Some(max))) =
                    (outcomes.get_mut(line), band)
                {
                    refusals[line] = envelope::attach(series, min, max);
                }
            }
            planned
                .into_iter()
                .zip(requests)
                .zip(outcomes)
                .zip(refusals)
                .zip(budgeted)
                .map(
                    |((((planned, request), outcome), envelope_refused), budgeted)| Answer {
                        budgeted,
                        planned,
                        window: fetch_window,
                        step_ms: request.step_ms,
                        incremental: since.is_some(),
                        outcome: outcome
                            .unwrap_or_else(|| Ok(Vec::new()))
                            .map(Payload::Series),
                        envelope_refused,
                    },
                )
                .collect()
        })
    }

    /// Records the newest sample, sends the result and wakes the UI (coalesced);
    /// false when the app is gone.
    async fn deliver(&mut self, answer: Answer<'a>) -> bool {
        let Answer {
            planned,
            window,
            step_ms,
            incremental,
            outcome,
            envelope_refused,
            budgeted,
        } = answer;
        match &outcome {
            Ok(Payload::Alarms(_) | Payload::Operations(_)) => {}
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
                // A tail may miss a series that had no new sample: only a whole
                // answer says how many there are.
                if !incremental {
                    self.series_counts.insert(planned.key.clone(), series.len());
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
            envelope_refused,
            budgeted,
        };
        if self.results.send(result).await.is_err() {
            return false;
        }
        if self.wakes.delivered(Instant::now(), !incremental) {
            (self.wake)();
        }
        true
    }
}

#[cfg(test)]
mod tests {
    //! The poller against an in-process source whose answers take as long as each
    //! query says (`slow:MS` / `fast:MS`): what is measured is the poller's own
    //! scheduling, which no real server can be made to exercise on cue.
    use super::super::{PollResult, Poller};
    use super::*;
    use crate::source::prometheus::PromQuery;
    use crate::source::{FetchFuture, SourceLimits, SourceQuery};
    use crate::store::Sample;
    use crate::time_range::TimeRange;
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// Answers every query after the delay its text names, counting what is in
    /// flight, the order of requests and the fetches dropped before answering.
    #[derive(Default)]
    struct Timed {
        in_flight: AtomicUsize,
        most_in_flight: AtomicUsize,
        started: Mutex<Vec<String>>,
        dropped: AtomicUsize,
    }

    /// Counts a fetch as dropped unless it finished.
    struct DropWatch<'a> {
        source: &'a Timed,
        finished: bool,
    }

    impl Drop for DropWatch<'_> {
        fn drop(&mut self) {
            self.source.in_flight.fetch_sub(1, Ordering::SeqCst);
            if !self.finished {
                self.source.dropped.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    impl Source for Timed {
        fn limits(&self) -> SourceLimits {
            SourceLimits {
                min_step_ms: 1_000,
                max_points_per_series: 11_000,
            }
        }

        fn fetch_range<'a>(&'a self, request: &'a RangeRequest) -> FetchFuture<'a> {
            let SourceQuery::Prometheus(query) = &request.query else {
                return Box::pin(async { Err(crate::source::wrong_kind("test")) });
            };
            let text = query.promql.clone();
            if text == "refuse" {
                return Box::pin(async { Err(SourceError::BadQuery("parse error".to_owned())) });
            }
            let delay_ms: u64 = text
                .split(':')
                .nth(1)
                .and_then(|ms| ms.parse().ok())
                .unwrap_or(0);
            Box::pin(async move {
                self.started.lock().unwrap().push(text);
                let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                self.most_in_flight.fetch_max(now, Ordering::SeqCst);
                let mut watch = DropWatch {
                    source: self,
                    finished: false,
                };
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
                watch.finished = true;
                Ok(vec![SeriesData {
                    labels: BTreeMap::new(),
                    samples: vec![Sample {
                        t_ms: request.window.end_ms,
                        value: 1.0,
                    }],
                    envelope: None,
                }])
            })
        }
    }

    fn plan(generation: u64, texts: &[String], concurrency: Option<usize>) -> PollPlan {
        let queries = texts
            .iter()
            .enumerate()
            .map(|(i, text)| PlannedQuery {
                key: QueryKey {
                    panel: format!("panel-{i}").into(),
                    query: "q1".into(),
                },
                source: "timed".into(),
                planned: Planned::Series(SourceQuery::Prometheus(PromQuery {
                    promql: text.clone(),
                })),
                width_px: 600,
                point_budget: budget::PANEL_POINT_BUDGET,
                max_series: usize::MAX,
                envelope: false,
                current: false,
                shift_ms: 0,
            })
            .collect();
        PollPlan {
            generation,
            range: TimeRange::last(Duration::from_secs(600)),
            refresh: Duration::from_secs(3600),
            live: true,
            queries,
            concurrency: concurrency
                .map(|n| BTreeMap::from([("timed".into(), n)]))
                .unwrap_or_default(),
        }
    }

    /// A runtime whose clock stands still until every task waits: the fetches'
    /// delays pass in no real time, and what they measure does not depend on how
    /// busy the machine is (on a loaded two-core machine a real 20 ms sleep took
    /// hundreds).
    fn paused_runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    }

    /// Starts a poller on `plan` and collects results until `count` arrived,
    /// noting each one's panel and how long after the start (by the runtime's
    /// clock) it came.
    fn collect(
        runtime: &tokio::runtime::Runtime,
        source: &Arc<Timed>,
        plan: PollPlan,
        count: usize,
    ) -> Vec<(String, Duration)> {
        let sources: BTreeMap<SourceId, Arc<dyn Source>> =
            BTreeMap::from([("timed".into(), source.clone() as Arc<dyn Source>)]);
        let _entered = runtime.enter();
        let mut poller = Poller::start(
            runtime.handle(),
            sources,
            plan,
            Clock::System,
            Arc::new(|| {}),
        );
        let start = Instant::now();
        runtime.block_on(async {
            let mut arrived = Vec::new();
            while arrived.len() < count {
                let result: PollResult =
                    tokio::time::timeout(Duration::from_secs(10), poller.recv())
                        .await
                        .expect("an answer within 10 s")
                        .expect("the poller runs");
                arrived.push((result.key.panel.to_string(), start.elapsed()));
            }
            arrived
        })
    }

    fn texts(delays: &[u64]) -> Vec<String> {
        delays.iter().map(|ms| format!("wait:{ms}")).collect()
    }

    #[test]
    fn at_most_six_fetches_are_in_flight_by_default_and_the_limit_is_per_source() {
        let runtime = paused_runtime();
        let source = Arc::new(Timed::default());
        collect(&runtime, &source, plan(1, &texts(&[50; 12]), None), 12);
        assert_eq!(source.most_in_flight.load(Ordering::SeqCst), 6);

        let source = Arc::new(Timed::default());
        collect(&runtime, &source, plan(1, &texts(&[20; 5]), Some(1)), 5);
        assert_eq!(source.most_in_flight.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn queries_are_asked_in_plan_order_and_a_slow_one_delays_no_other() {
        let runtime = paused_runtime();
        let source = Arc::new(Timed::default());
        let mut delays = vec![20; 12];
        delays[0] = 1_500; // the top-left panel's query is slow
        let arrived = collect(&runtime, &source, plan(1, &texts(&delays), None), 12);
        let started = source.started.lock().unwrap().clone();
        assert_eq!(started, texts(&delays), "asked in on-screen order");
        let (last_panel, slow_at) = arrived.last().unwrap().clone();
        assert_eq!(last_panel, "panel-0", "the slow panel answers last");
        assert!(slow_at >= Duration::from_millis(1_500));
        // Five slots beside the slow one: eleven 20 ms queries in three waves.
        let others_done = arrived[arrived.len() - 2].1;
        assert!(
            others_done <= Duration::from_millis(61),
            "the other 11 panels were all drawn after {others_done:?}, behind a {slow_at:?} query"
        );
    }

    /// A query the server refuses is that panel's problem: the source keeps its
    /// refresh (no backoff), and the refusal comes back every round.
    #[test]
    fn a_refused_query_does_not_slow_the_rounds() {
        let runtime = paused_runtime();
        let source = Arc::new(Timed::default());
        let mut plan = plan(1, &["wait:10".to_owned(), "refuse".to_owned()], None);
        plan.refresh = Duration::from_millis(500);
        // Rounds every 0.5 s for 4 s: 9 (the first at 0). Backing off 1, 2, 4 s
        // would allow 4.
        let arrived = collect(&runtime, &source, plan, 18);
        let last = arrived.last().map(|(_, at)| *at).unwrap_or_default();
        assert!(
            last <= Duration::from_millis(4_100),
            "18 answers took {last:?}"
        );
        let refused = arrived
            .iter()
            .filter(|(panel, _)| panel == "panel-1")
            .count();
        assert_eq!(refused, 9, "{arrived:?}");
    }

    #[test]
    fn a_new_plan_drops_the_fetches_of_the_old_one() {
        let runtime = paused_runtime();
        let _entered = runtime.enter();
        let source = Arc::new(Timed::default());
        let sources: BTreeMap<SourceId, Arc<dyn Source>> =
            BTreeMap::from([("timed".into(), source.clone() as Arc<dyn Source>)]);
        let mut poller = Poller::start(
            runtime.handle(),
            sources,
            plan(1, &texts(&[5_000; 3]), None),
            Clock::System,
            Arc::new(|| {}),
        );
        runtime.block_on(tokio::time::sleep(Duration::from_millis(200)));
        assert_eq!(source.in_flight.load(Ordering::SeqCst), 3);
        let asked = Instant::now();
        poller.set_plan(plan(2, &texts(&[10; 2]), None));
        let first = runtime.block_on(async {
            tokio::time::timeout(Duration::from_secs(2), poller.recv())
                .await
                .expect("the new plan answers within 2 s, not after the old 5 s")
                .expect("the poller runs")
        });
        assert_eq!(first.generation, 2, "no answer of the old plan arrives");
        assert_eq!(
            asked.elapsed(),
            Duration::from_millis(10),
            "the new plan's own 10 ms"
        );
        assert_eq!(source.dropped.load(Ordering::SeqCst), 3);
    }
}
