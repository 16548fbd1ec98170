//! State changes of alarms raised elsewhere (Prometheus, Alertmanager, CloudWatch),
//! as seen between two polls, so the history lists them next to the local rules'
//! and the charts band the time they fired — the server keeps no such log for us.

use super::engine::Transition;
use super::rules::{Change, RuleState};
use super::{Alarm, AlarmState};
use std::collections::BTreeMap;

/// The history's view of an alarm's state. A silenced alert is still firing.
fn rule_state(alarm: &Alarm, now_ms: i64) -> RuleState {
    let since_ms = alarm.since.map_or(now_ms, |t| t.timestamp_millis());
    match alarm.state {
        AlarmState::Firing | AlarmState::Suppressed => RuleState::Firing { since_ms },
        AlarmState::Pending => RuleState::Pending { since_ms },
        AlarmState::NoData => RuleState::NoData { since_ms },
        AlarmState::Ok => RuleState::Ok,
    }
}

/// One alarm across polls: its source, name and labels.
fn identity(alarm: &Alarm) -> (String, String, BTreeMap<String, String>) {
    (
        alarm.source.clone(),
        alarm.name.clone(),
        alarm.labels.clone(),
    )
}

/// The changes between the list one poll returned (`before`) and the next
/// (`after`): an alarm that appears, changes state or goes away (Prometheus drops
/// resolved alerts; CloudWatch reports OK). A change dates from the alarm's own
/// `since` when it has one, else from `now_ms`.
pub(crate) fn transitions(before: &[Alarm], after: &[Alarm], now_ms: i64) -> Vec<Transition> {
    let previous: BTreeMap<_, _> = before
        .iter()
        .map(|a| (identity(a), (rule_state(a, now_ms), a.panel.clone())))
        .collect();
    let mut changes = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for alarm in after {
        let id = identity(alarm);
        let mut to = rule_state(alarm, now_ms);
        let from = previous.get(&id).map_or(RuleState::Ok, |(state, _)| *state);
        // Prometheus dates an alert from when it became pending (`activeAt`), and a
        // firing alert keeps that date: seen going pending → firing, it fired now.
        if let (RuleState::Pending { since_ms: pending }, RuleState::Firing { since_ms }) =
            (from, to)
            && pending == since_ms
        {
            to = RuleState::Firing { since_ms: now_ms };
        }
        seen.insert(id);
        if from.label() == to.label() {
            continue;
        }
        let at_ms = match to {
            RuleState::Firing { since_ms }
            | RuleState::Pending { since_ms }
            | RuleState::NoData { since_ms } => since_ms,
            RuleState::Ok => alarm.since.map_or(now_ms, |t| t.timestamp_millis()),
        };
        changes.push(transition(alarm, alarm.panel.clone(), from, to, at_ms));
    }
    for alarm in before {
        let id = identity(alarm);
        if seen.contains(&id) {
            continue;
        }
        let Some((from, panel)) = previous.get(&id) else {
            continue;
        };
        if *from != RuleState::Ok {
            changes.push(transition(
                alarm,
                panel.clone(),
                *from,
                RuleState::Ok,
                now_ms,
            ));
        }
    }
    changes.sort_by_key(|t| t.change.at_ms);
    changes
}

/// How the history names an alarm: (its name, [`series_of`] it).
pub(crate) fn history_key(alarm: &Alarm) -> (String, String) {
    (alarm.name.clone(), series_of(alarm))
}

/// The source, and for Prometheus alerts (one per series of the rule's result) the
/// labels that tell them apart: `prom · meta-llama/Llama-3.1-70B-Instruct`.
/// CloudWatch alarm names are unique, so the source alone does.
fn series_of(alarm: &Alarm) -> String {
    if !alarm.labels.contains_key("alertname") {
        return alarm.source.clone();
    }
    let values: Vec<&str> = alarm
        .labels
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "alertname" | "severity"))
        .map(|(_, v)| v.as_str())
        .collect();
    if values.is_empty() {
        alarm.source.clone()
    } else {
        format!("{} · {}", alarm.source, values.join(", "))
    }
}

fn transition(
    alarm: &Alarm,
    panel: Option<crate::dashboard::PanelId>,
    from: RuleState,
    to: RuleState,
    at_ms: i64,
) -> Transition {
    Transition {
        rule: alarm.name.clone(),
        series: series_of(alarm),
        panel,
        change: Change {
            from,
            to,
            at_ms,
            value: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn alarm(name: &str, state: AlarmState, since_s: i64) -> Alarm {
        Alarm {
            name: name.to_owned(),
            source: "prom".to_owned(),
            severity: None,
            state,
            since: DateTime::from_timestamp(since_s, 0),
            summary: String::new(),
            labels: BTreeMap::new(),
            expression: None,
            panel: Some("latency".into()),
        }
    }

    fn words(changes: &[Transition]) -> Vec<String> {
        changes
            .iter()
            .map(|t| {
                format!(
                    "{} {}→{} @{}",
                    t.rule,
                    t.change.from.label(),
                    t.change.to.label(),
                    t.change.at_ms / 1000
                )
            })
            .collect()
    }

    #[test]
    fn an_alert_that_appears_fires_from_its_own_start() {
        let after = [alarm("HighP99", AlarmState::Pending, 100)];
        assert_eq!(
            words(&transitions(&[], &after, 500_000)),
            ["HighP99 ok→pending @100"]
        );
        // CloudWatch and Alertmanager date the new state.
        let later = [alarm("HighP99", AlarmState::Firing, 160)];
        assert_eq!(
            words(&transitions(&after, &later, 600_000)),
            ["HighP99 pending→firing @160"]
        );
        // Prometheus keeps the pending date (`activeAt`): the firing is seen now.
        let firing = [alarm("HighP99", AlarmState::Firing, 100)];
        assert_eq!(
            words(&transitions(&after, &firing, 600_000)),
            ["HighP99 pending→firing @600"]
        );
    }

    #[test]
    fn an_alert_that_goes_away_resolved_now() {
        let before = [alarm("HighP99", AlarmState::Firing, 160)];
        let changes = transitions(&before, &[], 900_000);
        assert_eq!(words(&changes), ["HighP99 firing→ok @900"]);
        // The band on the linked panel closes there.
        assert_eq!(changes[0].panel, Some("latency".into()));
    }

    #[test]
    fn alerts_of_one_rule_on_two_series_are_two_entries() {
        let mut a = alarm("HighP99", AlarmState::Firing, 100);
        a.labels.insert("alertname".into(), "HighP99".into());
        a.labels.insert("severity".into(), "critical".into());
        let mut b = a.clone();
        a.labels.insert("model_name".into(), "llama".into());
        b.labels.insert("model_name".into(), "mistral".into());
        let changes = transitions(&[], &[a, b], 500_000);
        let series: Vec<&str> = changes.iter().map(|t| t.series.as_str()).collect();
        assert_eq!(series, ["prom · llama", "prom · mistral"]);
        // Recorded together they stay two entries.
        let mut engine = crate::alarm::engine::Engine::default();
        engine.record(&changes);
        assert_eq!(engine.history().len(), 2);
    }

    #[test]
    fn nothing_changes_nothing_is_recorded() {
        let same = [
            alarm("A", AlarmState::Firing, 10),
            alarm("B", AlarmState::Ok, 20),
        ];
        assert!(transitions(&same, &same, 1_000_000).is_empty());
        // A CloudWatch alarm first seen OK is not news either.
        assert!(transitions(&[], &[alarm("B", AlarmState::Ok, 20)], 1_000_000).is_empty());
    }
}
