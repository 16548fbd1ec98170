//! Service level objectives: an objective over a rolling window, its error
//! budget, and multiwindow burn-rate alarms (the Google SRE Workbook, "Alerting
//! on SLOs"), evaluated here from the SLI's event rates — no recording rules on
//! the server, and the same arithmetic for every source kind.
//!
//! [`compile`] turns `[[slos]]` into [`SloSpec`]s; [`evaluate`] fetches each SLI
//! at two resolutions through the layout's sources; [`budget`] does the
//! arithmetic into an [`SloReport`], which the SLO panel, the alarm list and
//! `fleetdeck slo` show.

pub(crate) mod alarms;
pub mod budget;
pub(crate) mod compile;
pub mod evaluate;
pub mod text;

pub use crate::dashboard::slo::{
    BURN_WINDOWS, BurnAlert, Severity, SliPart, SliQuery, SliReading, SloSpec,
};
use serde::Serialize;
use std::time::Duration;

/// Where an objective stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SloState {
    /// Its SLI could not be read.
    Unknown,
    /// No burn-rate alarm fires.
    Ok,
    /// A ticket alarm fires.
    Ticket,
    /// A page alarm fires.
    Page,
}

impl SloState {
    /// As reports spell it.
    pub fn name(self) -> &'static str {
        match self {
            SloState::Unknown => "unknown",
            SloState::Ok => "ok",
            SloState::Ticket => "ticket",
            SloState::Page => "page",
        }
    }
}

/// What an objective's budget and burn are, at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SloReport {
    /// The objective's name.
    pub name: String,
    /// The objective, a fraction.
    pub objective: f64,
    /// Its window (for a calendar month, the month so far).
    #[serde(with = "crate::dashboard::slo::seconds")]
    pub window: Duration,
    /// Whether the window is the calendar month.
    pub calendar_month: bool,
    /// When it was evaluated, ms.
    pub at_ms: i64,
    /// The share of good events over the window; `None` without events.
    pub sli: Option<f64>,
    /// The share of the window's error budget left (negative once overspent).
    pub budget_remaining: Option<f64>,
    /// The bad events the window still allows, as time at full failure
    /// (43 min 12 s for 99.9 % over 30 days when untouched).
    #[serde(with = "crate::dashboard::slo::seconds_option")]
    pub budget_remaining_time: Option<Duration>,
    /// Burn rate per window: 1 spends the budget in exactly one window.
    pub burn_rates: Vec<WindowBurn>,
    /// How long the budget lasts at the last hour's burn; `None` when nothing
    /// burns or nothing is left.
    #[serde(with = "crate::dashboard::slo::seconds_option")]
    pub budget_lasts: Option<Duration>,
    /// The budget left over the window, as the window went by: (ms, fraction).
    pub burn_down: Vec<(i64, f64)>,
    /// The alarms firing now.
    pub firing: Vec<BurnAlert>,
    /// The lowest burn rate any page alarm of the objective fires at.
    pub page_burn: Option<f64>,
    /// Page, ticket, ok or unknown.
    pub state: SloState,
    /// Why it is unknown.
    pub error: Option<String>,
}

/// The burn rate over one window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WindowBurn {
    /// The window.
    #[serde(with = "crate::dashboard::slo::seconds")]
    pub window: Duration,
    /// Its burn rate; `None` without data.
    pub burn: Option<f64>,
}

impl SloReport {
    /// The burn over `window`, if the report has it.
    pub fn burn_over(&self, window: Duration) -> Option<f64> {
        self.burn_rates
            .iter()
            .find(|b| b.window == window)
            .and_then(|b| b.burn)
    }
}
