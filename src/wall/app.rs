//! The wall's window: every playlist page a live [`Session`], the current one drawn
//! with the wall's chrome; keys to pause and move; the cursor hidden when still;
//! the night dimmed; files kept as the workstation keeps them.

use super::kiosk::{self, Cursor};
use super::playlist::{Legibility, Night, Playlist};
use super::rotation::Rotation;
use crate::alarm::AlarmState;
use crate::app::AppOptions;
use crate::app::keep::Keeper;
use crate::app::live::Live;
use crate::app::variables::Variables;
use crate::dashboard::PanelId;
use crate::session::{HealthState, Session};
use crate::ui;
use crate::view::{Command, ViewState};
use egui::{Key, ViewportCommand};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Longest the UI thread spends applying poll results in one frame, all pages.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);
/// The layout the wall's composition is drawn for: bigger screens scale it up.
const DESIGN_HEIGHT_PX: f32 = 1080.0;

/// How the wall looks and behaves, from the playlist.
#[derive(Debug, Clone)]
pub(crate) struct WallSettings {
    /// Shown in the header.
    pub title: String,
    /// What its figures are sized for.
    pub legibility: Legibility,
    /// A source down this long gets the banner.
    pub stale_banner_after: Duration,
    /// Hold a page while a critical alarm on it fires.
    pub pin_alarms: bool,
    /// Shift the content against burn-in.
    pub burn_in_shift: bool,
    /// Dim at night.
    pub night: Option<Night>,
}

/// One page: its session and variables, its (always live) view, and its UI state.
struct WallPage {
    live: Live,
    view: ViewState,
    ui_state: ui::UiState,
}

/// The wall.
pub struct WallApp {
    settings: WallSettings,
    pages: Vec<WallPage>,
    rotation: Rotation,
    options: AppOptions,
    runtime: Option<tokio::runtime::Handle>,
    keeper: Keeper,
    notifier: crate::alarm::notify::Notifier,
    cursor: Cursor,
    /// The zoom the composition was last scaled to.
    zoom: f32,
    /// Full screen: cover the monitor even where no window manager obeys.
    kiosk: bool,
    /// Tells systemd the wall is up and its UI loop alive.
    watchdog: super::watchdog::Watchdog,
}

impl WallApp {
    /// A wall on `playlist`; call [`WallApp::with_runtime`] to let it poll.
    pub fn new(playlist: Playlist, options: AppOptions) -> WallApp {
        let now_ms = options.clock.now().timestamp_millis();
        let dwells = playlist.pages.iter().map(|p| p.dwell).collect();
        let pages = playlist
            .pages
            .into_iter()
            .map(|page| {
                let session = Session::new(Arc::new(page.dashboard), options.clock);
                let view = ViewState::new(
                    session.dashboard().time.clone(),
                    session.dashboard().refresh,
                );
                WallPage {
                    // Variables decided as the window decides them: a query
                    // variable with no default takes its source's first value.
                    live: Live::new(session, Variables::default()),
                    view,
                    ui_state: ui::UiState::default(),
                }
            })
            .collect();
        WallApp {
            settings: WallSettings {
                title: playlist.title,
                legibility: playlist.legibility,
                stale_banner_after: playlist.stale_banner_after,
                pin_alarms: playlist.pin_alarms,
                burn_in_shift: playlist.burn_in_shift,
                night: playlist.night,
            },
            pages,
            rotation: Rotation::new(dwells, now_ms),
            options,
            runtime: None,
            keeper: Keeper::new(crate::persist::Writer::global()),
            notifier: crate::alarm::notify::Notifier::new(options.notify),
            cursor: Cursor::default(),
            zoom: 1.0,
            kiosk: false,
            watchdog: super::watchdog::Watchdog::default(),
        }
    }

    /// Whether the window must cover its monitor (full screen): where no window
    /// manager obeys "full screen", the wall sizes the window to the monitor itself.
    pub fn kiosk(mut self, kiosk: bool) -> WallApp {
        self.kiosk = kiosk;
        self
    }

    /// Lets the wall poll on `runtime`; every page starts at the first frame.
    pub fn with_runtime(mut self, runtime: tokio::runtime::Handle) -> WallApp {
        self.runtime = Some(runtime);
        self
    }

    /// Writes files through `writer` instead of the process's (tests watch theirs).
    pub fn with_writer(mut self, writer: crate::persist::Writer) -> WallApp {
        self.keeper = Keeper::new(writer);
        self
    }

    /// Keeps acknowledgements in `path`, as the workstation does.
    pub fn with_ack_file(mut self, path: &std::path::Path) -> WallApp {
        self.keeper.load_acks(path);
        self
    }

    /// Keeps each page's alarm history in the file `path_of` gives for its layout.
    pub fn with_history_files(
        mut self,
        path_of: impl Fn(&std::path::Path) -> Option<std::path::PathBuf>,
    ) -> WallApp {
        let now_ms = self.options.clock.now().timestamp_millis();
        for page in &mut self.pages {
            if let Some(path) = path_of(&page.live.session.dashboard().path) {
                self.keeper
                    .restore_history(&path, &mut page.live.session, now_ms);
            }
        }
        self
    }

    /// The page up now (0-based).
    pub fn current_page(&self) -> usize {
        self.rotation.current()
    }

    /// Every page's session, in playlist order.
    pub fn sessions(&self) -> impl Iterator<Item = &Session> {
        self.pages.iter().map(|p| &p.live.session)
    }

    /// Whether the cursor is hidden.
    pub fn cursor_hidden(&self) -> bool {
        self.cursor.is_hidden()
    }

    /// Draws one frame.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let now = self.options.clock.now();
        let now_ms = now.timestamp_millis();
        self.cover_monitor(&ctx);
        self.scale_to_screen(&ctx);
        self.follow_keys(&ctx, now_ms);
        self.follow_cursor(&ctx);
        let budget = DRAIN_BUDGET / self.pages.len().max(1) as u32;
        let mut more = false;
        for page in &mut self.pages {
            let advanced =
                page.live
                    .advance(&mut self.keeper, now_ms, budget, self.runtime.as_ref());
            if let Some(Err(errors)) = advanced.recompiled {
                tracing::warn!("{}: {errors}", page.live.dashboard().path.display());
            }
            more |= advanced.more;
        }
        if more {
            ctx.request_repaint();
        }
        if let Some(runtime) = &self.runtime {
            let refresh = self
                .pages
                .iter()
                .map(|p| p.view.refresh)
                .max()
                .unwrap_or(Duration::from_secs(10));
            let alarms = self.pages.iter().flat_map(|p| p.live.session.all_alarms());
            self.notifier.update(alarms, now_ms, refresh, runtime);
        }
        let pin = self
            .settings
            .pin_alarms
            .then(|| self.page_holding_a_critical_firing())
            .flatten();
        self.rotation.tick(now_ms, pin);

        let chrome = self.chrome(&ctx, now);
        let mut commands: Vec<Command> = Vec::new();
        let save_failures = self.keeper.failures();
        let page = &mut self.pages[self.rotation.current()];
        let acked = self.keeper.acked_keys(&page.live.session);
        let frame = ui::FrameInput {
            session: &page.live.session,
            variables: page.live.variables.resolver(),
            view: &page.view,
            now,
            zone: self.options.zone,
            acked: &acked,
            save_failures: &save_failures,
            chrome: ui::Chrome::Wall(&chrome),
        };
        // A margin all round, where a critical firing's border flashes.
        let inner = ui.max_rect().shrink(ui::wall::BORDER);
        let output = ui
            .scope_builder(egui::UiBuilder::new().max_rect(inner), |ui| {
                ui::dashboard(ui, &frame, &mut page.ui_state, &mut commands)
            })
            .inner;
        self.follow_widths(&ctx, &output.plot_widths);
        for command in commands {
            // The wall stays live: only acknowledgements are taken from its panels.
            let session = &self.pages[self.rotation.current()].live.session;
            self.keeper.follow(session, &command);
        }
        let brightness = kiosk::brightness(self.settings.night.as_ref(), now);
        if brightness < 1.0 {
            ctx.layer_painter(egui::LayerId::new(
                egui::Order::Foreground,
                egui::Id::unique("wall-night"),
            ))
            .rect_filled(
                ctx.content_rect(),
                0.0,
                egui::Color32::from_black_alpha(((1.0 - brightness) * 255.0) as u8),
            );
        }
        // Repaint for the progress line, the clock and the cursor; data wakes it too.
        let mut next = Duration::from_secs(1);
        if let Some(until) = self.rotation.until_next(now_ms) {
            next = next.min(until);
        }
        if let Some(hides_in) = self.cursor.hides_in(ctx.input(|i| i.time)) {
            next = next.min(Duration::from_secs_f64(hides_in.max(0.05)));
        }
        ctx.request_repaint_after(self.options.clock.real(next));
        self.watchdog.tick();
    }

    /// Under a bare X server nothing obeys "full screen": if the window is smaller
    /// than its monitor, size it to the monitor from the corner it started in.
    fn cover_monitor(&self, ctx: &egui::Context) {
        if !self.kiosk {
            return;
        }
        let (monitor, inner) = ctx.input(|i| (i.viewport().monitor_size, i.viewport().inner_rect));
        if let (Some(monitor), Some(inner)) = (monitor, inner)
            && (inner.width() + 1.0 < monitor.x || inner.height() + 1.0 < monitor.y)
        {
            ctx.send_viewport_cmd(ViewportCommand::OuterPosition(egui::Pos2::ZERO));
            ctx.send_viewport_cmd(ViewportCommand::InnerSize(monitor));
        }
    }

    /// Scales the composition to the screen: a 4K wall shows the 1080p layout at
    /// twice the size, so text is as readable as the rule asks on any display. A
    /// wall has no one at its mouse: no tooltip ever opens on it.
    fn scale_to_screen(&mut self, ctx: &egui::Context) {
        if ctx.global_style().interaction.tooltip_delay.is_finite() {
            ctx.all_styles_mut(|style| style.interaction.tooltip_delay = f32::INFINITY);
        }
        let native = ctx.native_pixels_per_point().unwrap_or(1.0);
        let height_px = ctx.content_rect().height() * ctx.pixels_per_point();
        let zoom = (height_px / DESIGN_HEIGHT_PX / native).clamp(1.0, 4.0);
        if (zoom - self.zoom).abs() > 0.01 {
            self.zoom = zoom;
            ctx.set_zoom_factor(zoom);
        }
    }

    fn follow_keys(&mut self, ctx: &egui::Context, now_ms: i64) {
        let pressed = |key| ctx.input(|i| i.key_pressed(key));
        if pressed(Key::Space) {
            self.rotation.toggle_pause(now_ms);
        }
        if pressed(Key::ArrowRight) {
            self.rotation.next(now_ms);
        }
        if pressed(Key::ArrowLeft) {
            self.rotation.previous(now_ms);
        }
        let digits = [
            Key::Num1,
            Key::Num2,
            Key::Num3,
            Key::Num4,
            Key::Num5,
            Key::Num6,
            Key::Num7,
            Key::Num8,
            Key::Num9,
        ];
        for (index, key) in digits.into_iter().enumerate() {
            if pressed(key) {
                self.rotation.jump(index, now_ms);
            }
        }
        if pressed(Key::Escape) {
            ctx.send_viewport_cmd(ViewportCommand::Fullscreen(false));
            ctx.send_viewport_cmd(ViewportCommand::Decorations(true));
        }
    }

    fn follow_cursor(&mut self, ctx: &egui::Context) {
        let (moved, time) = ctx.input(|i| (i.pointer.delta() != egui::Vec2::ZERO, i.time));
        if let Some(visible) = self.cursor.update(moved, time) {
            ctx.send_viewport_cmd(ViewportCommand::CursorVisible(visible));
        }
    }

    /// Every page plans for the width its panels have on this screen: the one up
    /// measured, the others from the grid, so a page comes up already drawn.
    fn follow_widths(&mut self, ctx: &egui::Context, measured: &BTreeMap<PanelId, u32>) {
        let width = ctx.content_rect().width();
        let current = self.rotation.current();
        for (index, page) in self.pages.iter_mut().enumerate() {
            if index == current {
                page.live.follow(measured, self.runtime.as_ref(), ctx);
                continue;
            }
            let widths: BTreeMap<PanelId, u32> = page
                .live
                .session
                .dashboard()
                .panels
                .iter()
                .map(|panel| {
                    let rect = ui::grid::panel_rect(egui::Pos2::ZERO, width, 30.0, &panel.grid);
                    (panel.id.clone(), rect.width().max(1.0) as u32)
                })
                .collect();
            page.live.follow(&widths, self.runtime.as_ref(), ctx);
        }
    }

    /// The first page with a critical alarm firing that nobody acknowledged.
    fn page_holding_a_critical_firing(&self) -> Option<usize> {
        self.pages.iter().position(|page| {
            let acked = self.keeper.acked_keys(&page.live.session);
            page.live.session.all_alarms().any(|a| {
                a.state == AlarmState::Firing
                    && a.severity.as_deref() == Some("critical")
                    && !acked.contains(&crate::alarm::ack::key(a))
            })
        })
    }

    fn chrome(
        &self,
        ctx: &egui::Context,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ui::wall::WallChrome {
        let now_ms = now.timestamp_millis();
        let page = &self.pages[self.rotation.current()];
        let screen_px = ctx.content_rect().size() * ctx.pixels_per_point();
        let figure_px = ui::wall::min_figure_px(
            [screen_px.x, screen_px.y],
            self.settings.legibility.diagonal_mm,
            self.settings.legibility.distance_mm,
        );
        let zone = self.options.zone;
        let down = page
            .live
                .session
            .health()
            .iter()
            .filter_map(|(name, health)| match health.state() {
                HealthState::Stale { since, error }
                    if (now - since).to_std().is_ok_and(|d| d > self.settings.stale_banner_after) =>
                {
                    Some(format!(
                        "{name} has not answered since {}: its panels show data from then. ({error})",
                        zone.format(since.timestamp_millis(), "%H:%M")
                    ))
                }
                HealthState::Failing { since, error }
                    if (now - since).to_std().is_ok_and(|d| d > self.settings.stale_banner_after) =>
                {
                    Some(format!("{name} has not answered since {}: {error}", zone.format(since.timestamp_millis(), "%H:%M")))
                }
                _ => None,
            })
            .collect();
        let mut firing: Vec<(String, bool)> = self
            .pages
            .iter()
            .flat_map(|p| {
                let acked = self.keeper.acked_keys(&p.live.session);
                p.live
                    .session
                    .alarms()
                    .distinct()
                    .into_iter()
                    .filter(move |a| !acked.contains(&crate::alarm::ack::key(a)))
            })
            .filter(|a| a.state == AlarmState::Firing)
            .map(|a| {
                let critical = matches!(a.severity.as_deref(), Some("critical" | "page"));
                (a.name.clone(), critical)
            })
            .collect();
        firing.sort_by_key(|(_, critical)| !critical);
        firing.dedup();
        let mut alarms_unknown: Vec<String> = self
            .pages
            .iter()
            .flat_map(|p| unknown_alarm_sources(&p.live.session))
            .collect();
        alarms_unknown.sort();
        alarms_unknown.dedup();
        ui::wall::WallChrome {
            title: self.settings.title.clone(),
            page: self.rotation.current(),
            pages: self.rotation.pages(),
            paused: self.rotation.is_paused(),
            pinned: self.rotation.pinned().is_some(),
            progress: self.rotation.progress(now_ms),
            as_of: page.live.session.as_of(),
            figure_pt: figure_px / ctx.pixels_per_point(),
            down,
            shift: if self.settings.burn_in_shift {
                kiosk::burn_in_shift(now_ms)
            } else {
                egui::Vec2::ZERO
            },
            firing,
            alarms_unknown,
        }
    }
}

impl eframe::App for WallApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        let now_ms = self.options.clock.now().timestamp_millis();
        let sessions: Vec<&Session> = self.pages.iter().map(|p| &p.live.session).collect();
        self.keeper.on_exit(sessions, now_ms);
    }
}

/// The alarm sources of a page's alarm panels that cannot be asked now.
fn unknown_alarm_sources(session: &Session) -> Vec<String> {
    session
        .dashboard()
        .queries()
        .filter_map(|(_, _, query)| match &query.target {
            crate::dashboard::Target::Alarms { source, .. } => Some(source),
            _ => None,
        })
        .filter(|source| {
            session
                .health()
                .get(*source)
                .is_some_and(|health| health.failing.is_some())
        })
        .map(ToString::to_string)
        .collect()
}
