//! `[[slos]]`: a service level objective as written — an objective over a rolling
//! window, an SLI as good (or bad) events over all events, and the burn-rate
//! alarms made from it (the SRE Workbook's multiwindow pairs unless it says).

use super::Query;
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// One objective.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SloConfig {
    /// Its name (unique in the layout), as panels and alarms call it.
    pub name: Spanned<String>,
    /// The share of good events promised, in percent (`99.9`).
    pub objective: Spanned<f64>,
    /// The rolling window it is promised over (`30d`, `28d`); default 30 days.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Spanned<String>>,
    /// All events, as a rate per second (`sum(rate(x_count[$__interval]))`).
    pub total: Query,
    /// The good events, as a rate per second (give this or `bad`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good: Option<Query>,
    /// The bad events, as a rate per second (give this or `good`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bad: Option<Query>,
    /// The burn-rate alarms; default the workbook's: page at 14.4× over 1h and
    /// 5m, and at 6× over 6h and 30m; ticket at 1× over 3d and 6h.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<BurnAlertConfig>,
}

/// One multiwindow burn-rate alarm: it fires while both windows burn faster.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BurnAlertConfig {
    /// `page` or `ticket`.
    pub severity: Spanned<String>,
    /// The burn rate both windows must exceed (1 spends the budget in exactly
    /// one window).
    pub burn: Spanned<f64>,
    /// The long window, which keeps a short spike from alarming.
    pub long: Spanned<String>,
    /// The short window, which clears the alarm soon after the burn stops.
    pub short: Spanned<String>,
}
