//! Prometheus `/api/v1/alerts` and Alertmanager `/api/v2/alerts` into the alarm model.

use super::{Alarm, AlarmState};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

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
        panel: None,
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
}
