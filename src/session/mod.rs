//! A session: one dashboard brought to life — its sources, poller, store, query
//! statuses, source health, alarm engine and history. It is the one pipeline from
//! plan to data to derived series to alarms, and every front end drives it: the
//! window (through [`crate::app::live`]), each Explore pane, every page of the wall
//! (several sessions side by side), and the headless `export`, `alarms`, `snapshot`
//! and `render`. An incident file is a session restored from what was captured,
//! with no source asked.
//!
//! A session never draws and never touches the disk; the front end owns the time
//! range, the pixels and the files, and hands the session what it decided.

pub(crate) mod alarms;
pub mod compare;
pub(crate) mod slos;
pub use slos::EVERY as SLO_EVERY;
pub(crate) mod status;

pub(crate) use alarms::SessionAlarms;
pub use status::{HealthState, QueryStatus, SourceHealth};

use crate::alarm::Alarm;
use crate::clock::Clock;
use crate::dashboard::{Dashboard, PanelId, PanelSpec, QueryKey, SourceId, Target};
use crate::poll::{Payload, Planned, PlannedQuery, PollPlan, PollResult, Poller};
use crate::source::{Envelope, Source, SourceError, Usage, build_source};
use crate::store::{Retention, SeriesKey, Store};
use crate::time_range::TimeRange;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Plot width assumed for a panel before a front end measured the real one.
pub(crate) const DEFAULT_PLOT_WIDTH_PX: u32 = 1000;

/// What the front end decided to show; replaced whole when anything changes.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    /// The range shown.
    pub range: TimeRange,
    /// Refresh interval while live.
    pub refresh: Duration,
    /// Whether data keeps refreshing.
    pub live: bool,
}

/// Which panels a session fetches: all of them for a window, one for an export,
/// the alarm-relevant ones for `fleetdeck alarms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every panel.
    Everything,
    /// Only these panels (every query of each, so derived series have their inputs).
    Panels(BTreeSet<PanelId>),
}

impl Scope {
    /// The alarm panels and the panels the rules watch: what `fleetdeck alarms` needs.
    pub(crate) fn alarms_of(dashboard: &Dashboard) -> Scope {
        let mut panels: BTreeSet<PanelId> = dashboard
            .panels
            .iter()
            .filter(|p| !p.shows_series())
            .map(|p| p.id.clone())
            .collect();
        panels.extend(dashboard.rules.iter().map(|r| r.panel.clone()));
        Scope::Panels(panels)
    }

    fn includes(&self, panel: &PanelId) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Panels(panels) => panels.contains(panel),
        }
    }
}

/// The key under which a source's operations are asked for and answered.
pub fn operations_key(source: &SourceId) -> QueryKey {
    QueryKey {
        panel: PanelId::from("_operations"),
        query: crate::dashboard::QueryId::from(source.as_str()),
    }
}

/// One dashboard's live state.
pub struct Session {
    dashboard: Arc<Dashboard>,
    clock: Clock,
    scope: Scope,
    store: Store,
    statuses: BTreeMap<QueryKey, QueryStatus>,
    /// The plan generation each fetched query last answered for.
    answered: BTreeMap<QueryKey, u64>,
    /// When each fetched query last answered with data (or an alarm list).
    confirmed_at: BTreeMap<QueryKey, DateTime<Utc>>,
    /// When each fetched query last answered at all, data or error.
    answered_at: BTreeMap<QueryKey, DateTime<Utc>>,
    /// Queries whose min/max band their source refused, with the source and why.
    band_refusals: BTreeMap<QueryKey, (SourceId, SourceError)>,
    /// Queries asked at a coarser step than their panel's width because of the
    /// panel's point budget: the step (ms) and the series count that did it.
    budgeted: BTreeMap<QueryKey, (i64, usize)>,
    health: BTreeMap<SourceId, SourceHealth>,
    alarms: SessionAlarms,
    sources: BTreeMap<SourceId, Arc<dyn Source>>,
    poller: Option<Poller>,
    generation: u64,
    view: View,
    widths: BTreeMap<PanelId, u32>,
    last_refresh: Option<DateTime<Utc>>,
    /// Queries whose held data is right for the current plan although the plan
    /// changed (a variable other queries use): the poller's first round skips them.
    current: BTreeSet<QueryKey>,
    /// Which panels are drawn over the same window some time earlier.
    compare: compare::Compare,
    /// Shows what an incident file kept: nothing is fetched, the rules are not
    /// evaluated again, and a compared line is the kept data moved forward.
    offline: bool,
    /// The operations each source reported over the window.
    operations: BTreeMap<SourceId, Vec<crate::ops::OpsEvent>>,
    /// The objectives' background evaluation, once polling started.
    slo_watch: Option<slos::SloWatch>,
    /// Each objective's latest report, by name.
    slo_reports: BTreeMap<String, crate::slo::SloReport>,
    /// The link to the Alertmanager the alarms evaluated here are shared through.
    share: Option<crate::share::ShareLink>,
}

impl Session {
    /// A session for `dashboard`, showing its own range, not yet polling. Building
    /// it does no I/O: sources connect (and read token files) on first use, on the
    /// runtime.
    pub fn new(dashboard: Arc<Dashboard>, clock: Clock) -> Session {
        let view = View {
            range: dashboard.time.clone(),
            refresh: dashboard.refresh,
            live: dashboard.time.is_live(),
        };
        let health = dashboard
            .sources
            .keys()
            .map(|id| (id.clone(), SourceHealth::default()))
            .collect();
        let sources = dashboard
            .sources
            .iter()
            .map(|(id, spec)| (id.clone(), build_source(spec)))
            .collect();
        let mut session = Session {
            dashboard,
            clock,
            scope: Scope::Everything,
            store: Store::new(Retention::default()),
            statuses: BTreeMap::new(),
            answered: BTreeMap::new(),
            confirmed_at: BTreeMap::new(),
            answered_at: BTreeMap::new(),
            band_refusals: BTreeMap::new(),
            budgeted: BTreeMap::new(),
            health,
            alarms: SessionAlarms::default(),
            sources,
            poller: None,
            generation: 0,
            view,
            widths: BTreeMap::new(),
            last_refresh: None,
            current: BTreeSet::new(),
            compare: compare::Compare::default(),
            offline: false,
            operations: BTreeMap::new(),
            slo_watch: None,
            slo_reports: BTreeMap::new(),
            share: None,
        };
        session.fit_retention();
        session
    }

    /// Fetches only what `scope` names.
    pub fn with_scope(mut self, scope: Scope) -> Session {
        self.scope = scope;
        self
    }

    /// Keeps everything fetched, however old (a headless run over a fixed range).
    pub fn keep_everything(mut self) -> Session {
        self.store.set_retention(Retention::unbounded());
        self
    }

    /// The dashboard.
    pub fn dashboard(&self) -> &Arc<Dashboard> {
        &self.dashboard
    }

    /// The series held.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Mutable store, for benchmarks and tests that load data directly.
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// Where each query stands.
    pub fn statuses(&self) -> &BTreeMap<QueryKey, QueryStatus> {
        &self.statuses
    }

    /// Health of each source.
    pub fn health(&self) -> &BTreeMap<SourceId, SourceHealth> {
        &self.health
    }

    /// The alarms: lists from alarm sources, local rules, history.
    pub fn alarms(&self) -> &SessionAlarms {
        &self.alarms
    }

    /// Mutable alarms, for restoring a saved history.
    pub(crate) fn alarms_mut(&mut self) -> &mut SessionAlarms {
        &mut self.alarms
    }

    /// When data last arrived.
    pub fn last_refresh(&self) -> Option<DateTime<Utc>> {
        self.last_refresh
    }

    /// A built source (shared with the poller), e.g. for the metric browser.
    pub(crate) fn source(&self, id: &str) -> Option<Arc<dyn Source>> {
        self.sources.get(id).cloned()
    }

    /// What each paid source (CloudWatch, Cost Explorer) has requested so far.
    pub fn usage(&self) -> Vec<(SourceId, Usage)> {
        self.sources
            .iter()
            .filter_map(|(id, source)| source.usage().map(|u| (id.clone(), u)))
            .collect()
    }

    /// Queries planned but not yet answered for the current plan (0 once everything
    /// in scope reflects the current view). Derived queries never answer; they are
    /// computed, so they are not counted.
    pub fn pending_queries(&self) -> usize {
        self.unanswered().count()
    }

    /// The queries planned and not yet answered for the current plan.
    pub fn unanswered(&self) -> impl Iterator<Item = QueryKey> + '_ {
        self.planned_keys()
            .filter(|key| self.answered.get(key) != Some(&self.generation))
    }

    /// The keys of the queries the poller fetches (compared ones included).
    fn planned_keys(&self) -> impl Iterator<Item = QueryKey> + '_ {
        self.dashboard
            .queries()
            .filter(|(_, panel, query)| {
                self.scope.includes(&panel.id)
                    && panel.waiting_for.is_none()
                    && !matches!(query.target, Target::Derive(_))
            })
            .flat_map(|(key, panel, query)| {
                let compared = (matches!(query.target, Target::Fetch { .. })
                    && panel.compares()
                    && self.compare.shift_for(&panel.id).is_some())
                .then(|| panel.key(&compare::compared_id(&query.id)));
                std::iter::once(key).chain(compared)
            })
    }

    /// What became of each fetched query in scope for the current plan, in the
    /// dashboard's order: when it answered (or failed, and why); a query that has
    /// not answered yet is absent. What an incident file keeps.
    pub(crate) fn answers(
        &self,
    ) -> impl Iterator<Item = (QueryKey, DateTime<Utc>, &QueryStatus)> + '_ {
        self.planned_keys().filter_map(|key| {
            if self.answered.get(&key) != Some(&self.generation) {
                return None;
            }
            let at = *self.answered_at.get(&key)?;
            let status = self.statuses.get(&key)?;
            Some((key, at, status))
        })
    }

    /// When what `panel` shows was last confirmed by its sources: the oldest of its
    /// fetched queries' last good answers; `None` until each has answered once.
    /// Derived series are as fresh as their inputs.
    pub(crate) fn panel_confirmed_at(&self, panel: &PanelSpec) -> Option<DateTime<Utc>> {
        panel
            .queries
            .iter()
            .filter(|query| !matches!(query.target, Target::Derive(_)))
            .map(|query| self.confirmed_at.get(&panel.key(&query.id)).copied())
            .try_fold(None::<DateTime<Utc>>, |oldest, at| {
                let at = at?;
                Some(Some(oldest.map_or(at, |oldest| oldest.min(at))))
            })
            .flatten()
    }

    /// What the whole dashboard is "as of": the oldest confirmation of any panel in
    /// scope, once every one has been confirmed.
    pub(crate) fn as_of(&self) -> Option<DateTime<Utc>> {
        self.dashboard
            .panels
            .iter()
            .filter(|panel| self.scope.includes(&panel.id) && !panel.queries.is_empty())
            .map(|panel| self.panel_confirmed_at(panel))
            .try_fold(None::<DateTime<Utc>>, |oldest, at| {
                let at = at?;
                Some(Some(oldest.map_or(at, |oldest| oldest.min(at))))
            })
            .flatten()
    }

    /// Whether the poller runs.
    pub fn is_polling(&self) -> bool {
        self.poller.is_some()
    }

    /// Starts polling on `runtime`; `wake` is called when results wait (a window
    /// repaints). Does nothing if already polling.
    pub fn start(&mut self, runtime: &tokio::runtime::Handle, wake: Arc<dyn Fn() + Send + Sync>) {
        if self.poller.is_some() {
            return;
        }
        let shared_through = self.dashboard.alertmanager.as_ref();
        if let (Some(crate::source::SourceSpec::Prometheus(settings)), false) = (
            shared_through.and_then(|id| self.dashboard.sources.get(id)),
            self.offline,
        ) {
            self.share = Some(crate::share::ShareLink::start(
                runtime,
                settings.clone(),
                self.dashboard.title.clone(),
                self.view.refresh,
                wake.clone(),
            ));
        }
        if !self.dashboard.slos.is_empty() && !self.offline {
            self.slo_watch = Some(slos::SloWatch::start(
                runtime,
                self.dashboard.slos.clone(),
                self.sources.clone(),
                self.clock,
                self.view.refresh,
                wake.clone(),
            ));
        }
        self.poller = Some(Poller::start(
            runtime,
            self.sources.clone(),
            self.plan(),
            self.clock,
            wake,
        ));
    }

    /// Whether every objective has been evaluated once (true without any).
    pub fn slos_evaluated(&self) -> bool {
        self.dashboard
            .slos
            .iter()
            .all(|slo| self.slo_reports.contains_key(&slo.name))
    }

    /// Takes in the objectives' reports evaluated since the last call: their
    /// burn-rate alarms and the reports the SLO panels show.
    fn take_slo_reports(&mut self) {
        if let Some(reports) = self.slo_watch.as_ref().and_then(slos::SloWatch::take) {
            let at = self.clock.now();
            self.alarms.observe_slos(&self.dashboard, &reports, at);
            self.slo_reports = reports.into_iter().map(|r| (r.name.clone(), r)).collect();
            self.offer_shared();
        }
    }

    /// Each objective's latest report, by name (empty until the first evaluation).
    pub fn slo_reports(&self) -> &BTreeMap<String, crate::slo::SloReport> {
        &self.slo_reports
    }

    /// Follows a new view: a new plan, fetched from scratch.
    pub fn set_view(&mut self, view: View) {
        if view == self.view {
            return;
        }
        self.view = view;
        self.fit_retention();
        self.current.clear();
        self.replan();
    }

    /// Follows the panels' plot widths (the step follows the width). Re-plans only
    /// when a width changed by more than a quarter.
    pub fn set_widths(&mut self, widths: &BTreeMap<PanelId, u32>) {
        let changed = widths.iter().any(|(panel, &now)| {
            let planned = self
                .widths
                .get(panel)
                .copied()
                .unwrap_or(DEFAULT_PLOT_WIDTH_PX) as f32;
            (now as f32 - planned).abs() > 0.25 * planned
        });
        if self.widths.is_empty() || changed {
            self.widths = widths.clone();
            if changed && self.poller.is_some() {
                self.current.clear();
                self.replan();
            }
        }
    }

    /// The plot width a panel's fetches are planned for, px.
    pub fn planned_width(&self, panel: &PanelId) -> u32 {
        self.widths
            .get(panel)
            .copied()
            .unwrap_or(DEFAULT_PLOT_WIDTH_PX)
    }

    /// Sets every panel's width to `width_px` (headless runs).
    pub fn set_uniform_width(&mut self, width_px: u32) {
        self.widths = self
            .dashboard
            .panels
            .iter()
            .map(|p| (p.id.clone(), width_px))
            .collect();
    }

    /// The operations (scaling actions, experiments) the layout's operations
    /// sources reported over the window.
    pub fn operations(&self) -> impl Iterator<Item = &crate::ops::OpsEvent> {
        self.operations.values().flatten()
    }

    /// What the session shows: range, refresh, live.
    pub fn view(&self) -> &View {
        &self.view
    }

    /// Which panels are compared with an earlier window, and how far back.
    pub(crate) fn compare(&self) -> &compare::Compare {
        &self.compare
    }

    /// Loads series kept in an incident file instead of asking the sources: the
    /// session then shows them offline (it is never started). Context (coarser,
    /// around the range) goes in first, so the range's own samples win.
    pub(crate) fn load_incident(&mut self, incident: &crate::incident::Incident) {
        self.store.set_retention(Retention::unbounded());
        let taken =
            DateTime::<Utc>::from_timestamp_millis(incident.taken_at_ms).unwrap_or_default();
        for stored in incident.context.iter().chain(&incident.series) {
            let query = QueryKey {
                panel: PanelId::from(stored.panel.as_str()),
                query: crate::dashboard::QueryId::from(stored.query.as_str()),
            };
            let samples: Vec<crate::store::Sample> = stored
                .samples
                .iter()
                .map(|&(t_ms, value)| crate::store::Sample { t_ms, value })
                .collect();
            let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
                continue;
            };
            let (start_ms, end_ms) = (first.t_ms, last.t_ms);
            self.store.merge(
                SeriesKey::new(&query, stored.labels.clone()),
                start_ms,
                end_ms,
                &samples,
            );
            self.statuses.insert(query.clone(), QueryStatus::Ok);
            self.confirmed_at.insert(query.clone(), taken);
            self.answered.insert(query, self.generation);
        }
        self.last_refresh = Some(taken);
        // The alarm history as it was when the file was taken (its bands and
        // list), and the rules' states at the end of the range; then no more
        // evaluation, which would judge old data by today's clock.
        self.alarms.evaluate(
            &self.dashboard,
            &self.store,
            &self.statuses,
            incident.end_ms,
        );
        self.alarms
            .engine_mut()
            .replace_history(&incident.alarm_history);
        self.offline = true;
        self.restore_outcomes(incident, taken);
        let panels: Vec<PanelId> = self.dashboard.panels.iter().map(|p| p.id.clone()).collect();
        for panel in panels {
            self.refresh_derived(&panel);
        }
    }

    /// The queries' outcomes an incident file kept: a failed query shows its error
    /// on its panel, and its source is failing from then. A file that kept no
    /// outcomes (format 1) has every source answering when it was taken.
    fn restore_outcomes(&mut self, incident: &crate::incident::Incident, taken: DateTime<Utc>) {
        let mut outcomes: Vec<&crate::incident::QueryOutcome> = incident.outcomes.iter().collect();
        outcomes.sort_by_key(|o| o.at_ms);
        for outcome in outcomes {
            let key = QueryKey {
                panel: PanelId::from(outcome.panel.as_str()),
                query: crate::dashboard::QueryId::from(outcome.query.as_str()),
            };
            let at = DateTime::<Utc>::from_timestamp_millis(outcome.at_ms).unwrap_or(taken);
            let source = SourceId::from(outcome.source.as_str());
            let health = self.health.entry(source).or_default();
            let status = match &outcome.error {
                None => {
                    health.record(at, Ok(()));
                    QueryStatus::Ok
                }
                Some(error) => {
                    health.record(at, Err(error));
                    QueryStatus::Failed(error.clone())
                }
            };
            // An answer with no series is an answer: not "loading…".
            self.statuses.insert(key.clone(), status);
            self.answered.insert(key, self.generation);
        }
        for health in self.health.values_mut() {
            if health.last_ok.is_none() && health.failing.is_none() {
                health.record(taken, Ok(()));
            }
        }
    }

    /// Compares panels with an earlier window: their queries are asked again over
    /// the window that much earlier, moved forward onto today's. A panel whose
    /// offset changed or that is no longer compared drops its earlier series.
    pub fn set_compare(&mut self, compare: compare::Compare) {
        if compare == self.compare {
            return;
        }
        for panel in &self.dashboard.panels {
            if compare.shift_for(&panel.id) != self.compare.shift_for(&panel.id) {
                for query in &panel.queries {
                    let key = panel.key(&compare::compared_id(&query.id));
                    self.store.retain_query_series(&key, &[]);
                }
            }
        }
        let replan = self
            .dashboard
            .panels
            .iter()
            .any(|p| compare.shift_for(&p.id) != self.compare.shift_for(&p.id));
        self.compare = compare;
        if self.offline {
            self.compare_from_store();
        } else if replan {
            self.current.clear();
            self.replan();
        }
    }

    /// Offline (an incident file), the earlier window is not asked for: it is what
    /// the file kept at that time (the range's context reaches one range-length
    /// before it), moved forward by the offset, so a shift within that works.
    fn compare_from_store(&mut self) {
        let mut copies = Vec::new();
        for panel in &self.dashboard.panels {
            let Some(shift) = self.compare.shift_for(&panel.id) else {
                continue;
            };
            let shift_ms = i64::try_from(shift.as_millis()).unwrap_or(i64::MAX);
            for query in &panel.queries {
                let key = panel.key(&query.id);
                let compared = panel.key(&compare::compared_id(&query.id));
                for (series_key, series) in self.store.query_series(&key) {
                    let moved: Vec<crate::store::Sample> = series
                        .iter()
                        .map(|s| crate::store::Sample {
                            t_ms: s.t_ms.saturating_add(shift_ms),
                            value: s.value,
                        })
                        .collect();
                    copies.push((SeriesKey::new(&compared, series_key.labels.clone()), moved));
                }
            }
        }
        for (key, samples) in copies {
            if let (Some(first), Some(last)) = (samples.first(), samples.last()) {
                let (start_ms, end_ms) = (first.t_ms, last.t_ms);
                self.store.merge(key, start_ms, end_ms, &samples);
            }
        }
    }

    /// Follows the same layout compiled for another selection of its variables
    /// (same sources): a query whose request did not change keeps its data and is
    /// not fetched again now; every other one is fetched from scratch, and series
    /// of queries that are gone (a repeated panel no longer chosen) are dropped.
    pub fn set_dashboard(&mut self, dashboard: Arc<Dashboard>) {
        let before: BTreeMap<QueryKey, PlannedQuery> = self
            .plan()
            .queries
            .into_iter()
            .map(|q| (q.key.clone(), q))
            .collect();
        let generation = self.generation;
        let answered = self.answered.clone();
        self.dashboard = dashboard;
        let after = self.plan().queries;
        let unchanged = |q: &PlannedQuery| {
            before.get(&q.key).is_some_and(|old| {
                old.source == q.source
                    && old.planned == q.planned
                    && old.width_px == q.width_px
                    && old.envelope == q.envelope
            }) && answered.get(&q.key) == Some(&generation)
        };
        let current: BTreeSet<QueryKey> = after
            .iter()
            .filter(|q| unchanged(q))
            .map(|q| q.key.clone())
            .collect();
        let stale: Vec<QueryKey> = before
            .keys()
            .filter(|key| !current.contains(*key))
            .cloned()
            .collect();
        for key in stale {
            self.store.retain_query_series(&key, &[]);
            self.store.drop_bands(&key);
            self.statuses.remove(&key);
            self.answered.remove(&key);
            self.confirmed_at.remove(&key);
            self.band_refusals.remove(&key);
        }
        self.current = current;
        self.replan();
        for key in &self.current {
            self.answered.insert(key.clone(), self.generation);
        }
        let panels: Vec<PanelId> = self.dashboard.panels.iter().map(|p| p.id.clone()).collect();
        for panel in panels {
            self.refresh_derived(&panel);
        }
    }

    fn replan(&mut self) {
        if self.offline {
            return; // an incident file: nothing is fetched, what it kept stands
        }
        self.generation += 1;
        for status in self.statuses.values_mut() {
            if *status == QueryStatus::Ok {
                continue; // keep showing the old data as ok while the new range loads
            }
            *status = QueryStatus::Loading;
        }
        if let Some(poller) = &self.poller {
            poller.set_plan(self.plan());
        }
    }

    fn plan(&self) -> PollPlan {
        // On-screen order, top-left first: the panels a reader looks at first are
        // asked for first.
        let mut panels: Vec<&PanelSpec> = self
            .dashboard
            .panels
            .iter()
            // A panel waiting for a variable's values has nothing to ask yet.
            .filter(|panel| self.scope.includes(&panel.id) && panel.waiting_for.is_none())
            .collect();
        panels.sort_by_key(|panel| (panel.grid.y, panel.grid.x));
        let mut queries: Vec<PlannedQuery> = panels
            .into_iter()
            .flat_map(|panel| self.planned_queries(panel))
            .collect();
        // A window's charts draw the operations sources' events: asked last.
        if self.scope == Scope::Everything {
            queries.extend(self.dashboard.operations.iter().map(|source| PlannedQuery {
                key: operations_key(source),
                source: source.clone(),
                planned: Planned::Operations,
                width_px: 0,
                point_budget: crate::poll::budget::PANEL_POINT_BUDGET,
                max_series: usize::MAX,
                envelope: false,
                current: false,
                shift_ms: 0,
            }));
        }
        PollPlan {
            generation: self.generation,
            range: self.view.range.clone(),
            refresh: self.view.refresh,
            live: self.view.live,
            queries,
            concurrency: self.dashboard.concurrency.clone(),
        }
    }

    fn planned_queries<'a>(
        &'a self,
        panel: &'a PanelSpec,
    ) -> impl Iterator<Item = PlannedQuery> + 'a {
        let width_px = self.planned_width(&panel.id);
        // Only a line panel draws a query of many series as its spread.
        let spread_above = match panel.kind {
            crate::dashboard::PanelKind::Timeseries => panel.fleet.max_series,
            _ => usize::MAX,
        };
        let shift = self
            .compare
            .shift_for(&panel.id)
            .filter(|_| panel.compares());
        let compared = panel.queries.iter().filter_map(move |query| {
            let shift = shift?;
            let Target::Fetch {
                source,
                query: asked,
            } = &query.target
            else {
                return None;
            };
            Some(PlannedQuery {
                key: panel.key(&compare::compared_id(&query.id)),
                source: source.clone(),
                planned: Planned::Series(asked.clone()),
                width_px,
                point_budget: panel.fleet.max_points,
                max_series: spread_above,
                envelope: false,
                current: false,
                shift_ms: i64::try_from(shift.as_millis()).unwrap_or(i64::MAX),
            })
        });
        panel
            .queries
            .iter()
            .filter_map(move |query| {
                let (source, planned) = match &query.target {
                    Target::Fetch { source, query } => (source, Planned::Series(query.clone())),
                    Target::Alarms { source, filter } => (source, Planned::Alarms(filter.clone())),
                    Target::Derive(_) => return None, // computed here, not fetched
                };
                Some(PlannedQuery {
                    key: panel.key(&query.id),
                    source: source.clone(),
                    planned,
                    width_px,
                    point_budget: panel.fleet.max_points,
                    max_series: spread_above,
                    // A hidden query is not drawn: its band would be paid for, never seen.
                    envelope: panel.envelope && !query.hidden,
                    current: self.current.contains(&panel.key(&query.id)),
                    shift_ms: 0,
                })
            })
            .chain(compared)
    }

    /// Holds a query of many series to its share of its panel's point budget:
    /// a live session keeps hours of history for zooming out, but never more
    /// points than the budget (the newest are kept).
    fn keep_to_budget(&mut self, asked: &QueryKey, key: &QueryKey) {
        let Some(panel) = self.dashboard.panel(&asked.panel) else {
            return;
        };
        let fetched = panel
            .queries
            .iter()
            .filter(|q| matches!(q.target, Target::Fetch { .. }))
            .count()
            .max(1);
        let series = self.store.query_series(key).count().max(1);
        let per_series = panel.fleet.max_points / fetched / series;
        if per_series < self.store.retention().max_points {
            self.store.trim_query(
                key,
                per_series.max(crate::poll::budget::MIN_POINTS_PER_SERIES),
            );
        }
    }

    /// The coarsest step the point budget imposed on any of `panel`'s queries,
    /// with the series count that did it: what its header says.
    pub fn budgeted_step(&self, panel: &PanelSpec) -> Option<(i64, usize)> {
        panel
            .queries
            .iter()
            .filter_map(|q| self.budgeted.get(&panel.key(&q.id)))
            .copied()
            .max()
    }

    /// Why a source refused the min/max band of some query, one reason per
    /// source (the first query's), for the status bar.
    pub(crate) fn band_refusals(&self) -> BTreeMap<&SourceId, &SourceError> {
        let mut refusals = BTreeMap::new();
        for (source, error) in self.band_refusals.values() {
            refusals.entry(source).or_insert(error);
        }
        refusals
    }

    /// Applies waiting poll results for at most `budget`; returns whether some are
    /// still waiting (the caller should come back soon).
    pub fn drain(&mut self, budget: Duration) -> bool {
        self.take_slo_reports();
        let Some(poller) = self.poller.as_mut() else {
            return false;
        };
        let started = Instant::now();
        let mut drained = Vec::new();
        let mut more = false;
        while let Some(result) = poller.try_recv() {
            drained.push(result);
            if started.elapsed() > budget {
                more = true;
                break;
            }
        }
        self.apply_all(drained);
        more
    }

    /// Folds results into the store and statuses, then recomputes the derived
    /// series of the panels they touched.
    fn apply_all(&mut self, results: Vec<PollResult>) {
        let mut touched = BTreeSet::new();
        for result in results {
            touched.insert(result.key.panel.clone());
            self.apply(result);
        }
        for panel in touched {
            self.refresh_derived(&panel);
        }
    }

    /// Folds one poll result into the store and the status maps.
    pub(crate) fn apply(&mut self, result: PollResult) {
        if result.generation != self.generation {
            return; // an answer to a plan that has since been replaced
        }
        let health = self.health.entry(result.source.clone()).or_default();
        // A refused query is that panel's problem: the source answered, so it
        // stays healthy and other panels on it are not marked stale.
        let source_outcome = match &result.outcome {
            Err(SourceError::BadQuery(_)) | Ok(_) => Ok(()),
            Err(error) => Err(error),
        };
        health.record(result.at, source_outcome);
        let status = match result.outcome {
            Ok(Payload::Operations(events)) => {
                self.operations.insert(result.source.clone(), events);
                QueryStatus::Ok
            }
            Ok(Payload::Alarms(alarms)) => {
                self.alarms
                    .observe(&self.dashboard, &result.key, alarms, result.at);
                self.last_refresh = Some(result.at);
                QueryStatus::Ok
            }
            Ok(Payload::Series(series)) => {
                // A compared query's series take the scale of the query compared.
                let asked = compare::compared_base(&result.key);
                let scale = self.dashboard.query(&asked).and_then(|q| q.scale);
                let mut keys = Vec::with_capacity(series.len());
                let mut banded = false;
                for mut data in series {
                    if let Some(scale) = scale {
                        let bands = data.envelope.iter_mut().flat_map(|e| {
                            let Envelope { min, max } = e;
                            min.iter_mut().chain(max.iter_mut())
                        });
                        for sample in data.samples.iter_mut().chain(bands) {
                            sample.value *= scale;
                        }
                        if scale < 0.0
                            && let Some(envelope) = &mut data.envelope
                        {
                            std::mem::swap(&mut envelope.min, &mut envelope.max);
                        }
                    }
                    let key = SeriesKey::new(&result.key, data.labels);
                    let (start_ms, end_ms) = (result.window.start_ms, result.window.end_ms);
                    if let Some(envelope) = &data.envelope {
                        self.store.merge_band(
                            key.clone(),
                            start_ms,
                            end_ms,
                            &envelope.min,
                            &envelope.max,
                        );
                        banded = true;
                    }
                    self.store
                        .merge(key.clone(), start_ms, end_ms, &data.samples);
                    keys.push(key);
                }
                if !result.incremental {
                    self.store.retain_query_series(&result.key, &keys);
                    if !banded {
                        self.store.drop_bands(&result.key);
                    }
                }
                self.keep_to_budget(&asked, &result.key);
                match result.budgeted {
                    Some(series) => {
                        self.budgeted
                            .insert(result.key.clone(), (result.step_ms, series));
                    }
                    None => {
                        self.budgeted.remove(&result.key);
                    }
                }
                match result.envelope_refused {
                    Some(error) => {
                        self.band_refusals
                            .insert(result.key.clone(), (result.source.clone(), error));
                    }
                    None => {
                        self.band_refusals.remove(&result.key);
                    }
                }
                self.last_refresh = Some(result.at);
                QueryStatus::Ok
            }
            Err(error) => QueryStatus::Failed(error),
        };
        if status == QueryStatus::Ok {
            self.confirmed_at.insert(result.key.clone(), result.at);
        }
        self.statuses.insert(result.key.clone(), status);
        self.answered_at.insert(result.key.clone(), result.at);
        self.answered.insert(result.key, result.generation);
    }

    /// Recomputes a panel's derived queries from what its other queries hold.
    fn refresh_derived(&mut self, panel_id: &PanelId) {
        let Some(panel) = self.dashboard.panel(panel_id) else {
            return;
        };
        let outcomes =
            crate::derive::store::refresh_panel(panel, &self.dashboard.prices, &mut self.store);
        for (query, outcome) in outcomes {
            let status = match outcome {
                Ok(notes) if notes.is_empty() => QueryStatus::Ok,
                Ok(notes) => QueryStatus::Noted(notes.join("; ")),
                Err(message) => QueryStatus::Failed(SourceError::BadQuery(message)),
            };
            self.statuses.insert(panel.key(&query), status);
        }
    }

    /// Runs the local rules over what the store holds at `now_ms`.
    pub(crate) fn evaluate_rules(&mut self, now_ms: i64) {
        if self.offline {
            return; // an incident file's alarm history is what it kept
        }
        self.alarms
            .evaluate(&self.dashboard, &self.store, &self.statuses, now_ms);
        self.offer_shared();
    }

    /// Hands the alarms evaluated here to the Alertmanager link, if sharing.
    fn offer_shared(&self) {
        if let Some(share) = &self.share {
            share.offer(self.alarms.evaluated_here().into_iter().cloned().collect());
        }
    }

    /// What the Alertmanager shared through last said; `None` when not sharing.
    pub fn share_state(&self) -> Option<crate::share::ShareState> {
        self.share.as_ref().map(crate::share::ShareLink::state)
    }

    /// Acknowledges `alarm` for everyone on the Alertmanager shared through (a
    /// silence); `false` when not sharing.
    pub(crate) fn acknowledge_shared(
        &self,
        alarm: &Alarm,
        comment: &str,
        expiry: Duration,
    ) -> bool {
        match &self.share {
            Some(share) => {
                share.acknowledge(alarm, comment, expiry);
                true
            }
            None => false,
        }
    }

    /// The acknowledgement keys of the alarms evaluated here that a silence of
    /// the Alertmanager shared through covers now.
    pub fn silenced_keys(&self) -> BTreeSet<String> {
        let Some(share) = &self.share else {
            return BTreeSet::new();
        };
        let state = share.state();
        self.alarms
            .evaluated_here()
            .into_iter()
            .filter(|alarm| state.silenced(&share.labels(alarm)))
            .map(crate::alarm::ack::key)
            .collect()
    }

    /// Every alarm known now: the alarm panels' lists and the local rules'.
    pub(crate) fn all_alarms(&self) -> impl Iterator<Item = &Alarm> {
        self.alarms.all()
    }

    /// Whether every alarm is known: every alarm query in scope has answered and
    /// every query a rule watches has data. Until then, an alarm missing from the
    /// lists may just not have been asked for yet.
    pub(crate) fn every_alarm_known(&self) -> bool {
        let alarm_queries = self
            .dashboard
            .queries()
            .filter(|(_, panel, query)| {
                self.scope.includes(&panel.id) && matches!(query.target, Target::Alarms { .. })
            })
            .all(|(key, _, _)| self.alarms.has_answered(&key));
        let rules_ran = self
            .dashboard
            .rules
            .iter()
            .all(|rule| self.statuses.get(&rule.key()) == Some(&QueryStatus::Ok));
        alarm_queries && rules_ran && self.slos_evaluated()
    }

    /// Takes over another session's alarm history (the same layout file, edited):
    /// entries are keyed by panel ids, so a moved or resized panel keeps its bands.
    pub(crate) fn adopt_history(&mut self, earlier: &mut Session) {
        self.alarms.adopt_history(&mut earlier.alarms);
    }

    /// Keeps at least twice the visible span (and a day) so zooming out a little does
    /// not lose what was just fetched.
    fn fit_retention(&mut self) {
        if self.store.retention() == Retention::unbounded() {
            return;
        }
        let span = self.view.range.resolve(self.clock.now()).span_ms();
        let retention = Retention {
            max_age_ms: span.saturating_mul(2).max(Retention::default().max_age_ms),
            ..Retention::default()
        };
        if retention != self.store.retention() {
            self.store.set_retention(retention);
        }
    }

    /// Waits (on the runtime) until every query in scope has answered the current
    /// plan, or `timeout` passes; then computes derived series and rules. For
    /// front ends without a frame loop: `export`, `alarms`, tests.
    pub async fn settle(&mut self, timeout: Duration) -> Result<(), SettleError> {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.pending_queries() > 0 {
            let Some(poller) = self.poller.as_mut() else {
                return Err(SettleError::NotStarted);
            };
            match tokio::time::timeout_at(deadline, poller.recv()).await {
                Ok(Some(result)) => self.apply_all(vec![result]),
                Ok(None) => return Err(SettleError::Stopped),
                Err(_) => {
                    return Err(SettleError::TimedOut {
                        pending: self.unanswered().collect(),
                    });
                }
            }
        }
        // The objectives are evaluated beside the queries; past the deadline the
        // answer goes without them (their alarms unknown, not clear).
        while !self.slos_evaluated() && tokio::time::Instant::now() < deadline {
            self.take_slo_reports();
            if !self.slos_evaluated() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        self.evaluate_rules(self.clock.now().timestamp_millis());
        Ok(())
    }
}

/// Why [`Session::settle`] gave up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettleError {
    /// [`Session::start`] was not called.
    #[error("the session is not polling")]
    NotStarted,
    /// The poller's tasks ended.
    #[error("the poller stopped")]
    Stopped,
    /// Some queries did not answer in time.
    #[error("no answer in time from {}", pending.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))]
    TimedOut {
        /// The queries still waiting.
        pending: Vec<QueryKey>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::parse_layout;
    use std::path::Path;

    #[test]
    fn the_plan_asks_panels_in_on_screen_order_with_the_layouts_concurrency() {
        // Written bottom-right first; read top-left first.
        let panel = |title: &str, x: u32, y: u32| {
            format!(
                "[[panels]]\ntitle = \"{title}\"\ngrid = {{ x = {x}, y = {y}, w = 12, h = 8 }}\n  [[panels.queries]]\n  source = \"fleet\"\n  metric = \"vllm:num_requests_waiting\"\n"
            )
        };
        let text = format!(
            "version = 1\ntitle = \"t\"\n[sources.fleet]\nkind = \"demo\"\nmax_concurrency = 2\n{}{}{}",
            panel("bottom right", 12, 8),
            panel("top right", 12, 0),
            panel("top left", 0, 0),
        );
        let dashboard = parse_layout(&text, Path::new("t.toml")).unwrap();
        let session = Session::new(Arc::new(dashboard), Clock::System);
        let plan = session.plan();
        let order: Vec<&str> = plan.queries.iter().map(|q| q.key.panel.as_str()).collect();
        assert_eq!(order, ["top-left", "top-right", "bottom-right"]);
        assert_eq!(plan.max_concurrency(&"fleet".into()), 2);
    }
}
