//! One alarm model for every source of alerts: Prometheus alerting rules and
//! Alertmanager today, CloudWatch alarms and local rules later. An SRE reads one
//! list, whatever raised the alarm.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

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
    pub const ALL: [AlarmState; 5] = [
        AlarmState::Firing,
        AlarmState::Pending,
        AlarmState::NoData,
        AlarmState::Suppressed,
        AlarmState::Ok,
    ];

    /// The state a layout's `alarm_states` word names.
    pub fn from_label(word: &str) -> Option<AlarmState> {
        AlarmState::ALL
            .into_iter()
            .find(|state| state.label() == word)
    }
}

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
}

impl Alarm {
    /// Whether an alarm panel's query keeps this alarm: its `alarm_prefix` and
    /// `alarm_states`, when set.
    pub fn matches(&self, query: &crate::layout::Query) -> bool {
        let prefix_ok = query
            .alarm_prefix
            .as_deref()
            .is_none_or(|prefix| self.name.starts_with(prefix));
        let state_ok = query
            .alarm_states
            .as_ref()
            .is_none_or(|states| states.get_ref().iter().any(|s| s == self.state.label()));
        prefix_ok && state_ok
    }

    /// Order for display: firing before pending before suppressed, then by
    /// severity (critical first), then the newest first.
    pub fn display_order(a: &Alarm, b: &Alarm) -> std::cmp::Ordering {
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

#[derive(Deserialize)]
struct PrometheusAlerts {
    data: PrometheusAlertData,
}

#[derive(Deserialize)]
struct PrometheusAlertData {
    alerts: Vec<PrometheusAlert>,
}

#[derive(Deserialize)]
struct PrometheusAlert {
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    state: String,
    #[serde(default, rename = "activeAt")]
    active_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct AlertmanagerAlert {
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    #[serde(rename = "startsAt")]
    starts_at: Option<DateTime<Utc>>,
    status: AlertmanagerStatus,
}

#[derive(Deserialize)]
struct AlertmanagerStatus {
    state: String,
}

fn summary(annotations: &BTreeMap<String, String>) -> String {
    annotations
        .get("summary")
        .or_else(|| annotations.get("description"))
        .or_else(|| annotations.get("message"))
        .cloned()
        .unwrap_or_default()
}

fn alarm(
    source: &str,
    labels: BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
    state: AlarmState,
    since: Option<DateTime<Utc>>,
) -> Alarm {
    Alarm {
        name: labels
            .get("alertname")
            .cloned()
            .unwrap_or_else(|| "(unnamed)".to_owned()),
        source: source.to_owned(),
        severity: labels.get("severity").cloned(),
        state,
        since,
        summary: summary(annotations),
        labels,
    }
}

/// Parses Prometheus' `/api/v1/alerts`.
pub fn from_prometheus(source: &str, body: &[u8]) -> Result<Vec<Alarm>, String> {
    let parsed: PrometheusAlerts =
        serde_json::from_slice(body).map_err(|e| format!("unreadable alerts: {e}"))?;
    Ok(parsed
        .data
        .alerts
        .into_iter()
        .filter_map(|a| {
            let state = match a.state.as_str() {
                "firing" => AlarmState::Firing,
                "pending" => AlarmState::Pending,
                _ => return None,
            };
            Some(alarm(source, a.labels, &a.annotations, state, a.active_at))
        })
        .collect())
}

/// Parses Alertmanager's `/api/v2/alerts`.
pub fn from_alertmanager(source: &str, body: &[u8]) -> Result<Vec<Alarm>, String> {
    let parsed: Vec<AlertmanagerAlert> =
        serde_json::from_slice(body).map_err(|e| format!("unreadable alerts: {e}"))?;
    Ok(parsed
        .into_iter()
        .map(|a| {
            let state = if a.status.state == "suppressed" {
                AlarmState::Suppressed
            } else {
                AlarmState::Firing
            };
            alarm(source, a.labels, &a.annotations, state, a.starts_at)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prometheus_alerts_keep_state_severity_and_summary() {
        let body = br#"{"status":"success","data":{"alerts":[
            {"labels":{"alertname":"HighP99","severity":"critical","model_name":"a"},"annotations":{"summary":"p99 above 10 s"},"state":"firing","activeAt":"2026-11-25T11:58:00Z","value":"12"},
            {"labels":{"alertname":"QueueGrowing"},"annotations":{},"state":"pending","activeAt":"2026-11-25T11:59:00Z","value":"3"}]}}"#;
        let alarms = from_prometheus("prom", body).unwrap();
        assert_eq!(alarms[0].name, "HighP99");
        assert_eq!(alarms[0].state, AlarmState::Firing);
        assert_eq!(alarms[0].severity.as_deref(), Some("critical"));
        assert_eq!(alarms[0].summary, "p99 above 10 s");
        assert_eq!(alarms[1].state, AlarmState::Pending);
    }

    #[test]
    fn alertmanager_alerts_mark_silenced_ones_suppressed() {
        let body = br#"[{"labels":{"alertname":"A"},"annotations":{"description":"d"},"startsAt":"2026-11-25T11:00:00Z","status":{"state":"suppressed","silencedBy":["x"],"inhibitedBy":[]}},
                         {"labels":{"alertname":"B"},"annotations":{},"startsAt":"2026-11-25T11:00:00Z","status":{"state":"active","silencedBy":[],"inhibitedBy":[]}}]"#;
        let alarms = from_alertmanager("am", body).unwrap();
        assert_eq!(alarms[0].state, AlarmState::Suppressed);
        assert_eq!(alarms[0].summary, "d");
        assert_eq!(alarms[1].state, AlarmState::Firing);
    }

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
