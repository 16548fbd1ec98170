//! The unified alarm list as text or JSON, for `fleetdeck alarms`.

use super::Alarm;
use crate::clock::DisplayZone;
use serde_json::json;

/// One line an alarm: state, source, severity, since, name — summary.
pub fn table(alarms: &[Alarm], zone: DisplayZone) -> String {
    if alarms.is_empty() {
        return "no alarms\n".to_owned();
    }
    let mut out = String::new();
    for alarm in alarms {
        let since = alarm.since.map_or_else(
            || "-".to_owned(),
            |t| zone.format(t.timestamp_millis(), "%Y-%m-%d %H:%M:%S"),
        );
        out.push_str(&format!(
            "{:<10} {:<12} {:<9} {:<19}  {}",
            alarm.state.label(),
            alarm.source,
            alarm.severity.as_deref().unwrap_or("-"),
            since,
            alarm.name
        ));
        if !alarm.summary.is_empty() {
            out.push_str(" — ");
            out.push_str(&alarm.summary);
        }
        out.push('\n');
    }
    out
}

/// A JSON array of alarms with every field.
pub fn json(alarms: &[Alarm]) -> String {
    let items: Vec<serde_json::Value> = alarms
        .iter()
        .map(|a| {
            json!({
                "name": a.name,
                "source": a.source,
                "state": a.state.label(),
                "severity": a.severity,
                "since": a.since.map(|t| t.to_rfc3339()),
                "summary": a.summary,
                "labels": a.labels,
                "panel": a.panel,
            })
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_owned())
}
