//! An alarm evaluated here as Alertmanager receives it (its v2 API's
//! `postableAlert`): labels that name it the same way from every fleetdeck on the
//! same layout — `alertname`, `severity`, `layout`, `panel` and the series' own
//! labels — so two instances make one alert, and annotations a person reads.

use crate::alarm::{Alarm, AlarmState};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// How long a firing alert stays firing in Alertmanager without being sent again:
/// several times the resend interval, so one missed send resolves nothing, and
/// a fleetdeck that stops lets its alerts resolve within minutes.
pub const FIRING_FOR: Duration = Duration::from_secs(4 * 60);

/// One alarm, as it is posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Posted {
    /// What identifies it.
    pub labels: BTreeMap<String, String>,
    /// What a person reads.
    pub annotations: BTreeMap<String, String>,
    /// When it began firing.
    #[serde(rename = "startsAt")]
    pub starts_at: String,
    /// Until when it fires unless sent again (or when it resolved).
    #[serde(rename = "endsAt")]
    pub ends_at: String,
}

/// The labels an alarm of layout `layout` is posted (and silenced) with.
pub fn labels(alarm: &Alarm, layout: &str) -> BTreeMap<String, String> {
    let mut labels: BTreeMap<String, String> = alarm
        .labels
        .iter()
        .filter(|(name, _)| name.as_str() != "rule")
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    // A local rule's alarm is named by its rule; its series by the labels above.
    let alertname = alarm.labels.get("rule").unwrap_or(&alarm.name);
    labels.insert("alertname".to_owned(), alertname.clone());
    labels.insert("layout".to_owned(), layout.to_owned());
    if let Some(severity) = &alarm.severity {
        labels.insert("severity".to_owned(), severity.clone());
    }
    if let Some(panel) = &alarm.panel {
        labels.insert("panel".to_owned(), panel.to_string());
    }
    labels
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A firing alarm, firing until [`FIRING_FOR`] after `now`.
pub fn firing(alarm: &Alarm, layout: &str, now: DateTime<Utc>) -> Posted {
    let until = now + chrono::Duration::from_std(FIRING_FOR).unwrap_or_default();
    Posted {
        labels: labels(alarm, layout),
        annotations: BTreeMap::from([
            (
                "summary".to_owned(),
                format!("{}: {}", alarm.name, alarm.summary),
            ),
            ("value".to_owned(), alarm.summary.clone()),
        ]),
        starts_at: time(alarm.since.unwrap_or(now).min(now)),
        ends_at: time(until),
    }
}

/// The same alert, resolved at `at`.
pub fn resolved(mut posted: Posted, at: DateTime<Utc>) -> Posted {
    posted.ends_at = time(at);
    posted
}

/// The alarms of `alarms` that fire.
pub fn firing_of<'a>(alarms: &'a [Alarm]) -> impl Iterator<Item = &'a Alarm> + 'a {
    alarms.iter().filter(|a| a.state == AlarmState::Firing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule_alarm() -> Alarm {
        Alarm {
            name: "p99 latency high · llama".into(),
            source: "local".into(),
            severity: Some("critical".into()),
            state: AlarmState::Firing,
            since: DateTime::from_timestamp(1_800_000_000, 0),
            summary: "38 s > 12 s".into(),
            labels: BTreeMap::from([
                ("rule".into(), "p99 latency high".into()),
                ("model_name".into(), "llama".into()),
            ]),
            expression: None,
            panel: Some("p99".into()),
        }
    }

    #[test]
    fn a_rule_is_named_by_its_rule_and_series_so_every_instance_posts_the_same_labels() {
        let labels = labels(&rule_alarm(), "AI fleet");
        assert_eq!(
            labels,
            BTreeMap::from([
                ("alertname".into(), "p99 latency high".into()),
                ("layout".into(), "AI fleet".into()),
                ("model_name".into(), "llama".into()),
                ("panel".into(), "p99".into()),
                ("severity".into(), "critical".into()),
            ])
        );
    }

    #[test]
    fn a_firing_alert_ends_minutes_ahead_and_a_resolved_one_when_it_cleared() {
        let now = DateTime::from_timestamp(1_800_000_600, 0).unwrap();
        let posted = firing(&rule_alarm(), "AI fleet", now);
        assert_eq!(posted.starts_at, "2027-01-15T08:00:00.000Z");
        assert_eq!(posted.ends_at, "2027-01-15T08:14:00.000Z");
        let json = serde_json::to_value(&posted).unwrap();
        assert_eq!(json["annotations"]["value"], "38 s > 12 s");
        let done = resolved(posted, now);
        assert_eq!(done.ends_at, "2027-01-15T08:10:00.000Z");
    }
}
