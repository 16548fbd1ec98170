//! One alarm model for every source of alerts: Prometheus alerting rules,
//! Alertmanager, CloudWatch alarms and the layout's own local rules. An SRE reads
//! one list, whatever raised the alarm.

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

pub mod ack;
pub mod engine;
pub mod history_file;
pub(crate) mod link;
pub mod notify;
pub(crate) mod observed;
pub(crate) mod prometheus;
pub mod report;
pub mod rules;

pub use crate::dashboard::alarms::AlarmState;
pub(crate) use prometheus::{from_alertmanager, from_prometheus};

/// One alarm, from whichever source.
#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    /// `alertname` (or the CloudWatch alarm name).
    pub name: String,
    /// Source name in the layout.
    pub source: String,
    /// `severity` label, if any.
    pub severity: Option<String>,
    /// State.
    pub state: AlarmState,
    /// When the state began.
    pub since: Option<DateTime<Utc>>,
    /// Summary or description annotation.
    pub summary: String,
    /// All labels.
    pub labels: BTreeMap<String, String>,
    /// The PromQL the alert evaluates (Prometheus rules; Alertmanager's
    /// `generatorURL`), used to find the panel that draws the same metric.
    pub expression: Option<String>,
    /// The panel that shows its metric, when known (local rules, CloudWatch alarms
    /// and Prometheus alerts whose metric a panel queries): clicking the alarm goes there.
    pub panel: Option<crate::dashboard::PanelId>,
}

impl Alarm {
    /// Order for display: firing before pending before suppressed, then by
    /// severity (critical first), then the newest first.
    pub(crate) fn display_order(a: &Alarm, b: &Alarm) -> std::cmp::Ordering {
        let severity_rank = |alarm: &Alarm| match alarm.severity.as_deref() {
            Some("critical" | "page") => 0,
            Some("error" | "high") => 1,
            Some("warning" | "warn") => 2,
            Some(_) => 3,
            None => 4,
        };
        a.state
            .cmp(&b.state)
            .then(severity_rank(a).cmp(&severity_rank(b)))
            .then(b.since.cmp(&a.since))
            .then(a.name.cmp(&b.name))
    }
}

/// An alarm panel's filter applied to alarms.
impl crate::dashboard::AlarmFilter {
    /// Whether the filter keeps `alarm`.
    pub(crate) fn keeps(&self, alarm: &Alarm) -> bool {
        let prefix_ok = self
            .prefix
            .as_deref()
            .is_none_or(|prefix| alarm.name.starts_with(prefix));
        prefix_ok && self.keeps_state(alarm)
    }

    /// Whether the filter's states keep `alarm` (all do when it names none).
    pub(crate) fn keeps_state(&self, alarm: &Alarm) -> bool {
        self.states
            .as_ref()
            .is_none_or(|states| states.contains(&alarm.state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firing_critical_alarms_sort_first() {
        let make = |name: &str, state, severity: Option<&str>| Alarm {
            name: name.to_owned(),
            source: "s".to_owned(),
            severity: severity.map(str::to_owned),
            state,
            since: None,
            summary: String::new(),
            labels: BTreeMap::new(),
            expression: None,
            panel: None,
        };
        let mut alarms = [
            make("pending", AlarmState::Pending, Some("critical")),
            make("warn", AlarmState::Firing, Some("warning")),
            make("crit", AlarmState::Firing, Some("critical")),
        ];
        alarms.sort_by(Alarm::display_order);
        let names: Vec<&str> = alarms.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["crit", "warn", "pending"]);
    }
}
