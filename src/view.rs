//! What time range the dashboard shows, and the commands that change it.

use crate::time_range::{TimeExpr, TimeRange, Window};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// A change the UI asks for; applied after the frame, never in the middle of drawing.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Show a new range (a quick pick or typed `from`/`to`); returns to live if it is relative.
    SetRange(TimeRange),
    /// Change the refresh interval.
    SetRefresh(Duration),
    /// Stop refreshing and freeze the x axis where it is.
    Pause,
    /// Go back to the live range that was shown before pausing or zooming.
    Resume,
    /// Show exactly this window (a drag-zoom or pan); pauses live refresh.
    ZoomTo(Window),
    /// Load the metric list of a source into the metric browser.
    BrowseMetrics(String),
    /// Acknowledge one firing of an alarm (its [`crate::alarm::ack::key`]).
    Acknowledge(String),
    /// Acknowledge an alarm for everyone on the Alertmanager the layout shares
    /// its alarms through: a silence with this comment, for this long.
    AcknowledgeShared {
        /// The alarm's acknowledgement key.
        key: String,
        /// Why.
        comment: String,
        /// How long.
        expiry: Duration,
    },
    /// Go to an alarm: show the half hour around `at_ms` and bring `panel` (the
    /// one showing its metric) into view.
    FocusAlarm {
        /// The panel to bring into view, when known.
        panel: Option<crate::dashboard::PanelId>,
        /// When the alarm began, ms.
        at_ms: i64,
    },
    /// Choose a template variable's value (or values, or All).
    SetVariable {
        /// The variable.
        name: String,
        /// What is chosen.
        selected: crate::variables::Selected,
    },
    /// Compare with the same window some time earlier: every panel (`panel`
    /// none) or one panel; `None` stops comparing.
    Compare {
        /// One panel, or all.
        panel: Option<crate::dashboard::PanelId>,
        /// How long ago; `None` for off.
        shift: Option<Duration>,
    },
    /// Draw the earlier line only where it differs by more than this many percent.
    CompareThreshold(f64),
    /// Keep the evidence of what is on screen in an incident file at this path.
    SaveIncident(std::path::PathBuf),
    /// Put the command line that reopens this view (and this panel) on the clipboard.
    CopyLink(Option<crate::dashboard::PanelId>),
    /// Store a credential a server refused in the keyring, and name its entry in
    /// the layout.
    StoreCredential {
        /// The source and what it asked for.
        ask: crate::credential::Ask,
        /// What the user typed (`Debug` shows it redacted).
        secret: crate::credential::Secret,
    },
    /// Open the note editor at an instant (or over a range).
    NewNote {
        /// Where it starts, ms.
        start_ms: i64,
        /// Where it ends, for a range.
        end_ms: Option<i64>,
    },
    /// Pin a note on the timeline (kept beside the layout).
    AddNote(crate::notes::Note),
    /// List the layouts the picker offers.
    ListLayouts,
    /// The first-run window was closed: later starts reopen the last layout.
    WelcomeSeen,
    /// Open a layout in this window (asking first about unsaved edits), or in a
    /// new one.
    OpenLayout {
        /// Which.
        target: crate::library::Target,
        /// In a new window (another fleetdeck process) instead.
        new_window: bool,
    },
    /// The answer about unsaved edits before switching: discard them and open,
    /// or stay.
    ConfirmOpen {
        /// Discard the edits and open the layout.
        discard: bool,
    },
    /// Something for edit mode: move, add, form fields, undo, save, ….
    Edit(crate::edit::EditCommand),
    /// Something asked of the Explore window.
    Explore(crate::explore::panes::ExploreCommand),
    /// Load one metric's labels into the metric browser.
    BrowseLabels {
        /// Source name.
        source: String,
        /// The metric, as the source listed it.
        metric: crate::source::browse::MetricInfo,
    },
}

/// The time range shown, and how to get back to live after zooming or pausing.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewState {
    /// The range every panel shows.
    pub range: TimeRange,
    /// Refresh interval while live.
    pub refresh: Duration,
    /// The live range to restore on resume; `Some` while paused or zoomed.
    pub resume_to: Option<TimeRange>,
}

impl ViewState {
    /// Live view of `range`, refreshed every `refresh`.
    pub(crate) fn new(range: TimeRange, refresh: Duration) -> ViewState {
        ViewState {
            range,
            refresh,
            resume_to: None,
        }
    }

    /// Whether data keeps refreshing.
    pub fn is_live(&self) -> bool {
        self.resume_to.is_none() && self.range.is_live()
    }

    /// The window shown at `now`.
    pub fn window(&self, now: DateTime<Utc>) -> Window {
        self.range.resolve(now)
    }

    /// Applies a command; returns whether data must be fetched anew.
    pub(crate) fn apply(&mut self, command: &Command, now: DateTime<Utc>) -> bool {
        match command {
            Command::SetRange(range) => {
                self.range = range.clone();
                self.resume_to = None;
                true
            }
            Command::SetRefresh(refresh) => {
                self.refresh = *refresh;
                true
            }
            Command::Pause => {
                if self.resume_to.is_some() {
                    return false;
                }
                let window = self.window(now);
                self.resume_to = Some(std::mem::replace(&mut self.range, absolute(window)));
                true
            }
            Command::Resume => match self.resume_to.take() {
                Some(range) => {
                    self.range = range;
                    true
                }
                None => false,
            },
            Command::BrowseMetrics(_)
            | Command::BrowseLabels { .. }
            | Command::Acknowledge(_)
            | Command::AcknowledgeShared { .. }
            | Command::SetVariable { .. }
            | Command::Edit(_)
            | Command::Explore(_)
            | Command::Compare { .. }
            | Command::CompareThreshold(_)
            | Command::CopyLink(_)
            | Command::StoreCredential { .. }
            | Command::SaveIncident(_)
            | Command::NewNote { .. }
            | Command::AddNote(_)
            | Command::ListLayouts
            | Command::WelcomeSeen
            | Command::OpenLayout { .. }
            | Command::ConfirmOpen { .. } => false,
            Command::FocusAlarm { at_ms, .. } => {
                let half = 15 * 60_000;
                let window = Window {
                    start_ms: at_ms - half,
                    end_ms: (at_ms + half).min(now.timestamp_millis()),
                };
                self.apply(&Command::ZoomTo(window), now)
            }
            Command::ZoomTo(window) => {
                if window.end_ms <= window.start_ms {
                    return false;
                }
                if self.resume_to.is_none() {
                    self.resume_to = Some(self.range.clone());
                }
                self.range = absolute(*window);
                true
            }
        }
    }
}

fn absolute(window: Window) -> TimeRange {
    let at = |ms: i64| {
        TimeExpr::Absolute(DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default())
    };
    TimeRange {
        from: at(window.start_ms),
        to: at(window.end_ms),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn zooming_pauses_and_resume_returns_to_the_live_range() {
        let mut view = ViewState::new(
            TimeRange::parse("now-1h", "now").unwrap(),
            Duration::from_secs(10),
        );
        let zoom = Window {
            start_ms: now().timestamp_millis() - 600_000,
            end_ms: now().timestamp_millis() - 300_000,
        };
        assert!(view.apply(&Command::ZoomTo(zoom), now()));
        assert!(!view.is_live());
        assert_eq!(view.window(now()), zoom);
        // A second zoom keeps the original live range to go back to.
        let closer = Window {
            start_ms: zoom.start_ms,
            end_ms: zoom.start_ms + 60_000,
        };
        view.apply(&Command::ZoomTo(closer), now());
        assert!(view.apply(&Command::Resume, now()));
        assert!(view.is_live());
        assert_eq!(view.range.label(), "Last 1h");
    }

    #[test]
    fn pausing_freezes_the_window() {
        let mut view = ViewState::new(
            TimeRange::parse("now-15m", "now").unwrap(),
            Duration::from_secs(10),
        );
        view.apply(&Command::Pause, now());
        let later = now() + chrono::Duration::minutes(5);
        assert_eq!(view.window(later).end_ms, now().timestamp_millis());
        assert!(!view.is_live());
    }
}
