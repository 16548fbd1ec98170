//! The alarm side of a compiled dashboard: the states an alarm can be in, which
//! alarms an alarm panel keeps, a local rule's condition, and which metrics a
//! panel reads (to link alarms raised elsewhere to it).

use serde::{Deserialize, Serialize};

/// Where an alarm stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlarmState {
    /// Condition met (for long enough): someone should look.
    Firing,
    /// Condition met, waiting out its `for` duration.
    Pending,
    /// Not enough data to decide (CloudWatch `INSUFFICIENT_DATA`).
    NoData,
    /// Firing but silenced or inhibited in Alertmanager.
    Suppressed,
    /// Condition not met (CloudWatch alarms report this too).
    Ok,
}

impl AlarmState {
    /// Lower-case word shown in the panel.
    pub fn label(self) -> &'static str {
        match self {
            AlarmState::Firing => "firing",
            AlarmState::Pending => "pending",
            AlarmState::NoData => "nodata",
            AlarmState::Suppressed => "suppressed",
            AlarmState::Ok => "ok",
        }
    }

    /// Every state, in display order.
    pub(crate) const ALL: [AlarmState; 5] = [
        AlarmState::Firing,
        AlarmState::Pending,
        AlarmState::NoData,
        AlarmState::Suppressed,
        AlarmState::Ok,
    ];

    /// The state a layout's `alarm_states` word names.
    pub(crate) fn from_label(word: &str) -> Option<AlarmState> {
        AlarmState::ALL
            .into_iter()
            .find(|state| state.label() == word)
    }
}

/// A rule's condition, with its durations parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Condition {
    /// True: fire above `threshold`; false: below.
    pub above: bool,
    /// Where it fires.
    pub threshold: f64,
    /// Where a firing alarm clears (hysteresis); equal to `threshold` for none.
    pub clear: f64,
    /// How long the breach must last, ms.
    pub for_ms: i64,
    /// What silence does.
    pub missing: MissingData,
    /// How old the newest sample may be, ms.
    pub missing_after_ms: i64,
}

/// What a rule does while its series has no recent data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MissingData {
    /// Stay in the last state (the default: a gap is not a verdict).
    #[default]
    Keep,
    /// Say so: the alarm shows `nodata`.
    Nodata,
    /// Treat silence as trouble (for heartbeats): the alarm fires.
    Firing,
}

/// What a panel's queries read, worked out once when the layout is compiled (so an
/// alerts refresh does not scan every panel's PromQL again).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PanelReads {
    /// Metric names its PromQL selects, and the demo metrics it reads (the
    /// simulated fleet names its metrics as the exporters do).
    pub(crate) names: Vec<NameMatcher>,
    /// (namespace, metric) of its CloudWatch statistics and demo metrics (no
    /// namespace), for CloudWatch alarms.
    pub(crate) metrics: Vec<(Option<String>, String)>,
}

/// How a PromQL selector names its metric: a bare name or `__name__="…"`, or a
/// `__name__=~"…"` regex (the shipped layouts match `vllm[:_]…` so both exporter
/// spellings work).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NameMatcher {
    /// One metric name.
    Exact(String),
    /// A fully anchored RE2 regex over metric names, as Prometheus applies it.
    Regex(String),
}

/// Which alarms an alarm panel's query keeps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlarmFilter {
    /// Only alarms whose name starts with this (CloudWatch asks the server so).
    pub prefix: Option<String>,
    /// Only alarms in these states; all when `None`.
    pub states: Option<Vec<AlarmState>>,
}
