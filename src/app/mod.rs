//! The eframe application: owns the layout, the store and the poller; drains poll
//! results each frame (time-boxed); draws the dashboard; applies the commands the UI
//! queued once the frame is done.

pub mod reload;
pub mod status;
pub mod view;

use crate::alarm::Alarm;
use crate::clock::{Clock, DisplayZone};
use crate::layout::Layout;
use crate::poll::{Payload, PlannedQuery, PollPlan, PollResult, Poller};
use crate::source::{SourceError, build_source};
use crate::store::{Retention, SeriesKey, Store};
use crate::ui;
use status::{QueryStatus, SourceHealth};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
pub use view::{Command, ViewState};

/// Longest the UI thread spends applying poll results in one frame; the rest waits
/// for the next frame so input stays responsive during a burst.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);
/// Plot width assumed before the first frame measured the real one.
const DEFAULT_PLOT_WIDTH_PX: u32 = 1000;

/// Light or dark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// Dark, the default: easier on a wall display and at night.
    #[default]
    Dark,
    /// Light, for bright rooms and printouts.
    Light,
}

/// Settings fixed for the app's lifetime.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppOptions {
    /// Where "now" comes from.
    pub clock: Clock,
    /// Time zone of the timestamps shown.
    pub zone: DisplayZone,
    /// Colour theme.
    pub theme: Theme,
    /// Send a desktop notification when an alarm starts firing.
    pub notify: bool,
}

/// The dashboard.
pub struct FleetApp {
    layout: Layout,
    store: Store,
    view: ViewState,
    options: AppOptions,
    runtime: Option<tokio::runtime::Handle>,
    poller: Option<Poller>,
    /// The layout's local alarm rules, evaluated on the store each frame.
    rules: crate::alarm::engine::Engine,
    /// The rules' current alarms.
    local_alarms: Vec<Alarm>,
    /// Alarms someone acknowledged (persisted when a file is given).
    acks: crate::alarm::ack::Acks,
    /// Where the alarm history is kept across restarts, if anywhere.
    history_file: Option<crate::alarm::history_file::HistoryFile>,
    /// Desktop notifications for new firings.
    notifier: crate::alarm::notify::Notifier,
    /// Keys of the alarms firing at the last frame, to spot new ones.
    /// The poller's sources, kept to read their usage (the cost meter).
    sources: BTreeMap<String, Arc<dyn crate::source::Source>>,
    generation: u64,
    planned_widths: Vec<u32>,
    query_status: BTreeMap<(usize, usize), QueryStatus>,
    answered: BTreeMap<(usize, usize), u64>,
    alarms: BTreeMap<(usize, usize), Vec<Alarm>>,
    health: BTreeMap<String, SourceHealth>,
    last_refresh: Option<chrono::DateTime<chrono::Utc>>,
    commands: Vec<Command>,
    ui_state: ui::UiState,
    watcher: Option<reload::LayoutWatcher>,
    layout_error: Option<String>,
}

impl FleetApp {
    /// A dashboard for `layout`; call [`FleetApp::with_runtime`] to let it poll.
    pub fn new(layout: Layout, options: AppOptions) -> FleetApp {
        let view = ViewState::new(layout.time.clone(), layout.refresh);
        let health = layout
            .file
            .sources
            .keys()
            .map(|name| (name.clone(), SourceHealth::default()))
            .collect();
        let mut app = FleetApp {
            planned_widths: vec![DEFAULT_PLOT_WIDTH_PX; layout.file.panels.len()],
            layout,
            store: Store::new(Retention::default()),
            view,
            options,
            runtime: None,
            poller: None,
            rules: crate::alarm::engine::Engine::new(),
            local_alarms: Vec::new(),
            acks: crate::alarm::ack::Acks::in_memory(),
            history_file: None,
            notifier: crate::alarm::notify::Notifier::new(options.notify),
            sources: BTreeMap::new(),
            generation: 0,
            query_status: BTreeMap::new(),
            answered: BTreeMap::new(),
            alarms: BTreeMap::new(),
            health,
            last_refresh: None,
            commands: Vec::new(),
            ui_state: ui::UiState::default(),
            watcher: None,
            layout_error: None,
        };
        app.fit_retention();
        app
    }

    /// Lets the app poll its sources on `runtime`; polling starts at the first frame,
    /// once the panels' widths are known.
    pub fn with_runtime(mut self, runtime: tokio::runtime::Handle) -> FleetApp {
        self.runtime = Some(runtime);
        self
    }

    /// The layout shown.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The series held.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Mutable store, for benchmarks and tests that load data directly.
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// The time range state.
    pub fn view(&self) -> &ViewState {
        &self.view
    }

    /// Health of each source, by name.
    pub fn health(&self) -> &BTreeMap<String, SourceHealth> {
        &self.health
    }

    /// State of each panel query, by (panel, query) index.
    pub fn query_status(&self) -> &BTreeMap<(usize, usize), QueryStatus> {
        &self.query_status
    }

    /// Number of queries that have not yet answered since the range, refresh or panel
    /// sizes last changed (0 once everything on screen reflects the current view).
    pub fn pending_queries(&self) -> usize {
        let total: usize = self
            .layout
            .file
            .panels
            .iter()
            .map(|p| p.queries.len())
            .sum();
        let current = self
            .answered
            .values()
            .filter(|&&g| g == self.generation)
            .count();
        total - current
    }

    /// Why the last edit of the layout file was refused, while the last good
    /// version stays on screen.
    pub fn layout_error(&self) -> Option<&str> {
        self.layout_error.as_deref()
    }

    /// Active alarms, by (panel, query) of the alarm panels.
    pub fn alarms(&self) -> &BTreeMap<(usize, usize), Vec<Alarm>> {
        &self.alarms
    }

    /// Queues a command, as a UI widget would.
    pub fn queue(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// Draws one frame into `ui`: drains results, draws, applies queued commands.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.take_layout_update();
        self.drain_results(&ctx);
        let now = self.options.clock.now();
        self.evaluate_rules(now);
        let settling = !self.acks.keys().is_empty() || self.rules.awaits_close();
        if settling && self.every_alarm_known() {
            self.forget_resolved_acks();
            self.close_restored_alarms();
        }
        self.save_history_if_due(now.timestamp_millis());
        self.notify_new_firings(now.timestamp_millis());
        let spans = self.rules.firing_spans();
        let window = self.view.window(now);
        let usage: Vec<(String, crate::source::Usage)> = self
            .sources
            .iter()
            .filter_map(|(name, source)| source.usage().map(|u| (name.clone(), u)))
            .collect();
        let frame = ui::FrameInput {
            layout: &self.layout,
            store: &self.store,
            view: &self.view,
            window,
            now,
            zone: self.options.zone,
            health: &self.health,
            query_status: &self.query_status,
            last_refresh: self.last_refresh,
            alarms: &self.alarms,
            layout_error: self.layout_error.as_deref(),
            usage: &usage,
            local_alarms: &self.local_alarms,
            firing_spans: &spans,
            acked: self.acks.keys(),
            history: self.rules.history(),
        };
        let output = ui::dashboard(ui, &frame, &mut self.ui_state, &mut self.commands);
        self.maybe_replan(&ctx, &output.plot_widths);
        self.apply_commands(&ctx, now);
        if self.view.is_live() {
            // Keeps "stale since" and the x axis honest even if a source goes quiet.
            ctx.request_repaint_after(self.view.refresh);
        }
    }

    /// Runs the local rules over what the store holds now.
    fn evaluate_rules(&mut self, now: chrono::DateTime<chrono::Utc>) {
        if self.layout.file.rules.is_empty() {
            return;
        }
        self.rules
            .evaluate(&self.layout, &self.store, now.timestamp_millis());
        self.local_alarms = self.rules.alarms(&self.layout);
    }

    /// Sends a desktop notification for each alarm that began firing just now (not
    /// for incidents found in history when a layout opens).
    fn notify_new_firings(&mut self, now_ms: i64) {
        if let Some(runtime) = &self.runtime {
            let alarms = self.alarms.values().flatten().chain(&self.local_alarms);
            self.notifier
                .update(alarms, now_ms, self.view.refresh, runtime);
        }
    }

    /// Keeps acknowledgements in `path` across restarts.
    pub fn with_ack_file(mut self, path: &std::path::Path) -> Self {
        self.acks = crate::alarm::ack::Acks::load(path);
        self
    }

    /// Whether this firing of `alarm` was acknowledged.
    pub fn is_acknowledged(&self, alarm: &Alarm) -> bool {
        self.acks.contains(alarm)
    }

    /// Keeps the alarm history in `path` across restarts: restores what an earlier
    /// run saved there for the same panels, and saves it as it changes.
    pub fn with_history_file(mut self, path: &std::path::Path) -> Self {
        let mut file = crate::alarm::history_file::HistoryFile::new(path);
        file.restore(&mut self.rules, &panel_titles(&self.layout));
        self.history_file = Some(file);
        self
    }

    /// Writes the alarm history to its file when it changed (or an open alarm's
    /// "last seen" time is getting old).
    fn save_history_if_due(&mut self, now_ms: i64) {
        if let Some(file) = &mut self.history_file
            && file.is_due(&self.rules, now_ms)
        {
            file.save(&self.rules, &panel_titles(&self.layout), now_ms);
        }
    }

    /// Whether every alarm is known: every alarm panel has answered and every panel a
    /// rule watches has data. Until then, an alarm missing from the lists may just
    /// not have been asked for yet.
    fn every_alarm_known(&self) -> bool {
        let alarm_queries = self
            .layout
            .file
            .panels
            .iter()
            .enumerate()
            .filter(|(_, panel)| panel.kind == crate::layout::PanelKind::Alarms)
            .all(|(p, panel)| (0..panel.queries.len()).all(|q| self.alarms.contains_key(&(p, q))));
        let rules_ran = self.layout.file.rules.iter().all(|rule| {
            self.layout
                .panel_by_title(rule.panel.get_ref())
                .is_some_and(|(panel, _)| {
                    self.query_status.get(&(panel, rule.query)) == Some(&QueryStatus::Ok)
                })
        });
        alarm_queries && rules_ran
    }

    /// Drops acknowledgements of alarms that resolved (called once every alarm is
    /// known, so a restart does not forget them).
    fn forget_resolved_acks(&mut self) {
        if self.acks.keys().is_empty() {
            return;
        }
        let current: Vec<&Alarm> = self
            .alarms
            .values()
            .flatten()
            .chain(&self.local_alarms)
            .collect();
        self.acks.prune(&current);
    }

    /// Closes the alarms a restored history left open that are not active any more
    /// (called once every alarm is known).
    fn close_restored_alarms(&mut self) {
        if !self.rules.awaits_close() {
            return;
        }
        let mut active = self.rules.active_keys(&self.layout);
        active.extend(
            self.alarms
                .values()
                .flatten()
                .filter(|a| a.state != crate::alarm::AlarmState::Ok)
                .map(crate::alarm::observed::history_key),
        );
        self.rules.close_restored(&active);
    }

    /// The local rules' alarms that are not ok.
    pub fn local_alarms(&self) -> &[Alarm] {
        &self.local_alarms
    }

    /// Every state change of the local rules so far, oldest first.
    pub fn rule_history(&self) -> &std::collections::VecDeque<crate::alarm::engine::Transition> {
        self.rules.history()
    }

    /// Swaps in a newly saved layout, or records why it was refused.
    fn take_layout_update(&mut self) {
        let Some(update) = self
            .watcher
            .as_mut()
            .and_then(reload::LayoutWatcher::latest)
        else {
            return;
        };
        match update {
            Ok(layout) => self.replace_layout(layout),
            Err(errors) => self.layout_error = Some(errors.to_string()),
        }
    }

    /// Shows `layout` instead of the current one: new sources, panels and data. The
    /// user's current range is kept unless the file's default range changed.
    fn replace_layout(&mut self, layout: Layout) {
        if layout.time != self.layout.time {
            self.view = ViewState::new(layout.time.clone(), layout.refresh);
        } else {
            self.view.refresh = layout.refresh;
        }
        self.health = layout
            .file
            .sources
            .keys()
            .map(|name| (name.clone(), SourceHealth::default()))
            .collect();
        self.planned_widths = vec![DEFAULT_PLOT_WIDTH_PX; layout.file.panels.len()];
        // The history points at panels by position: keep it across an edit (a new
        // threshold, say) only while the panels are the same ones in the same order.
        let same_panels = panel_titles(&layout) == panel_titles(&self.layout);
        self.layout = layout;
        self.layout_error = None;
        self.rules.reset();
        if !same_panels {
            self.rules.clear_history();
        }
        self.local_alarms.clear();
        self.store.clear();
        self.query_status.clear();
        self.answered.clear();
        self.alarms.clear();
        self.ui_state = ui::UiState::default();
        self.generation += 1;
        self.poller = None; // restarted with the new sources at the end of this frame
        self.sources.clear();
        self.fit_retention();
    }

    fn drain_results(&mut self, ctx: &egui::Context) {
        let Some(poller) = self.poller.as_mut() else {
            return;
        };
        let started = Instant::now();
        let mut drained = Vec::new();
        while let Some(result) = poller.try_recv() {
            drained.push(result);
            if started.elapsed() > DRAIN_BUDGET {
                ctx.request_repaint();
                break;
            }
        }
        let mut touched = std::collections::BTreeSet::new();
        for result in drained {
            touched.insert(result.panel);
            self.apply_result(result);
        }
        for panel in touched {
            self.refresh_derived(panel);
        }
    }

    /// Recomputes a panel's derived queries from what its other queries hold.
    fn refresh_derived(&mut self, panel: usize) {
        for (query, outcome) in
            crate::derive::store::refresh_panel(&self.layout, panel, &mut self.store)
        {
            let status = match outcome {
                Ok(notes) if notes.is_empty() => QueryStatus::Ok,
                Ok(notes) => QueryStatus::Noted(notes.join("; ")),
                Err(message) => QueryStatus::Failed(SourceError::BadQuery(message)),
            };
            self.query_status.insert((panel, query), status);
        }
    }

    /// Folds one poll result into the store and the status maps.
    pub fn apply_result(&mut self, result: PollResult) {
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
            Ok(Payload::Alarms(mut alarms)) => {
                for alarm in &mut alarms {
                    alarm.panel = crate::alarm::panel_showing(alarm, &self.layout);
                }
                let before = self
                    .alarms
                    .get(&(result.panel, result.query))
                    .map_or(&[][..], Vec::as_slice);
                let changes = crate::alarm::observed::transitions(
                    before,
                    &alarms,
                    result.at.timestamp_millis(),
                );
                self.rules.record(&changes);
                self.alarms.insert((result.panel, result.query), alarms);
                self.last_refresh = Some(result.at);
                QueryStatus::Ok
            }
            Ok(Payload::Series(series)) => {
                let mut keys = Vec::with_capacity(series.len());
                for data in series {
                    let key = SeriesKey {
                        panel: result.panel,
                        query: result.query,
                        labels: data.labels,
                    };
                    self.store.merge(
                        key.clone(),
                        result.window.start_ms,
                        result.window.end_ms,
                        &data.samples,
                    );
                    keys.push(key);
                }
                if !result.incremental {
                    self.store
                        .retain_query_series(result.panel, result.query, &keys);
                }
                self.last_refresh = Some(result.at);
                QueryStatus::Ok
            }
            Err(error) => QueryStatus::Failed(error),
        };
        self.query_status
            .insert((result.panel, result.query), status);
        self.answered
            .insert((result.panel, result.query), result.generation);
    }

    fn plan(&self) -> PollPlan {
        let queries = PlannedQuery::for_layout(&self.layout, |panel| self.planned_widths[panel]);
        PollPlan {
            generation: self.generation,
            range: self.view.range.clone(),
            refresh: self.view.refresh,
            live: self.view.is_live(),
            queries,
        }
    }

    /// Starts polling on the first frame; re-plans when a panel's width changed by more
    /// than a quarter (the step follows the width).
    fn maybe_replan(&mut self, ctx: &egui::Context, widths: &[u32]) {
        let changed = widths
            .iter()
            .zip(&self.planned_widths)
            .any(|(&now, &planned)| {
                let (now, planned) = (now as f32, planned as f32);
                (now - planned).abs() > 0.25 * planned
            });
        if changed {
            self.planned_widths = widths.to_vec();
        }
        match (&self.poller, &self.runtime) {
            (None, Some(runtime)) => {
                self.planned_widths = widths.to_vec();
                let sources: BTreeMap<String, Arc<dyn crate::source::Source>> = self
                    .layout
                    .file
                    .sources
                    .iter()
                    .map(|(name, config)| (name.clone(), build_source(config)))
                    .collect();
                self.sources = sources.clone();
                let wake_ctx = ctx.clone();
                let wake: Arc<dyn Fn() + Send + Sync> =
                    Arc::new(move || wake_ctx.request_repaint());
                if self.watcher.is_none() && self.layout.path.is_file() {
                    let path = self.layout.path.clone();
                    self.watcher = Some(reload::LayoutWatcher::start(runtime, path, wake.clone()));
                }
                self.poller = Some(Poller::start(
                    runtime,
                    sources,
                    self.plan(),
                    self.options.clock,
                    wake,
                ));
            }
            (Some(_), _) if changed => self.replan(),
            _ => {}
        }
    }

    fn replan(&mut self) {
        self.generation += 1;
        for status in self.query_status.values_mut() {
            if *status == QueryStatus::Ok {
                continue; // keep showing the old data as ok while the new range loads
            }
            *status = QueryStatus::Loading;
        }
        if let Some(poller) = &self.poller {
            poller.set_plan(self.plan());
        }
    }

    fn apply_commands(&mut self, ctx: &egui::Context, now: chrono::DateTime<chrono::Utc>) {
        let mut refetch = false;
        for command in std::mem::take(&mut self.commands) {
            match &command {
                Command::BrowseMetrics(source) => self.browse(ctx, source, None),
                Command::BrowseLabels { source, metric } => self.browse(ctx, source, Some(metric)),
                Command::Acknowledge(key) => self.acks.acknowledge(key.clone()),
                Command::FocusAlarm { panel, .. } => {
                    if let Some(panel) = panel {
                        let until = ctx.input(|i| i.time) + 3.0;
                        self.ui_state.focus = Some((*panel, until));
                    }
                    refetch |= self.view.apply(&command, now);
                }
                _ => refetch |= self.view.apply(&command, now),
            }
        }
        if refetch {
            self.fit_retention();
            self.replan();
        }
    }

    /// Loads the metric list (or one metric's labels) of a source into the metric
    /// browser in the background; the window shows "loading…" until it arrives.
    fn browse(
        &mut self,
        ctx: &egui::Context,
        source_name: &str,
        metric: Option<&crate::source::browse::MetricInfo>,
    ) {
        let (Some(runtime), Some(config)) =
            (&self.runtime, self.layout.file.sources.get(source_name))
        else {
            return;
        };
        let source = build_source(config);
        let browser = &self.ui_state.browser;
        match metric.cloned() {
            None => fill_slot(runtime, ctx, &browser.metrics, async move {
                source.list_metrics().await
            }),
            Some(metric) => fill_slot(runtime, ctx, &browser.labels, async move {
                source.label_values(&metric).await
            }),
        }
    }

    /// Keeps at least twice the visible span (and a day) so zooming out a little does
    /// not lose what was just fetched.
    fn fit_retention(&mut self) {
        let span = self.view.window(self.options.clock.now()).span_ms();
        let retention = Retention {
            max_age_ms: (2 * span).max(Retention::default().max_age_ms),
            ..Retention::default()
        };
        if retention != self.store.retention() {
            self.store.set_retention(retention);
        }
    }
}

impl eframe::App for FleetApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    /// Saves the alarm history once more, so the next run knows how long the
    /// alarms it left open were still seen.
    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        let now_ms = self.options.clock.now().timestamp_millis();
        if let Some(file) = &mut self.history_file {
            file.save(&self.rules, &panel_titles(&self.layout), now_ms);
        }
    }
}

/// The layout's panel titles in order: what the alarm history's panel positions
/// refer to.
fn panel_titles(layout: &Layout) -> Vec<String> {
    layout
        .file
        .panels
        .iter()
        .map(|p| p.title.get_ref().clone())
        .collect()
}

/// Empties `slot` (the browser shows "loading…"), then fills it with the answer of
/// `fetch` on the runtime and wakes the UI.
fn fill_slot<T: Send + 'static>(
    runtime: &tokio::runtime::Handle,
    ctx: &egui::Context,
    slot: &ui::browser::Slot<T>,
    fetch: impl std::future::Future<Output = Result<T, crate::source::SourceError>> + Send + 'static,
) {
    let set = |slot: &ui::browser::Slot<T>, value| {
        *slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = value;
    };
    set(slot, None);
    let (slot, ctx) = (slot.clone(), ctx.clone());
    runtime.spawn(async move {
        set(&slot, Some(fetch.await.map_err(|e| e.to_string())));
        ctx.request_repaint();
    });
}

/// Applies the theme to an egui context.
pub fn apply_theme(ctx: &egui::Context, theme: Theme) {
    ctx.set_theme(match theme {
        Theme::Dark => egui::Theme::Dark,
        Theme::Light => egui::Theme::Light,
    });
}
