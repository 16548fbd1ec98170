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
}

/// The dashboard.
pub struct FleetApp {
    layout: Layout,
    store: Store,
    view: ViewState,
    options: AppOptions,
    runtime: Option<tokio::runtime::Handle>,
    poller: Option<Poller>,
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
        };
        let output = ui::dashboard(ui, &frame, &mut self.ui_state, &mut self.commands);
        self.maybe_replan(&ctx, &output.plot_widths);
        self.apply_commands(&ctx, now);
        if self.view.is_live() {
            // Keeps "stale since" and the x axis honest even if a source goes quiet.
            ctx.request_repaint_after(self.view.refresh);
        }
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
        self.layout = layout;
        self.layout_error = None;
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
        for result in drained {
            self.apply_result(result);
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
            Ok(Payload::Alarms(alarms)) => {
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
