//! Evaluating a layout's local rules on the data its panels already hold, keeping a
//! bounded history of every state change, and listing the result as alarms.

use super::rules::{Change, RuleState, SeriesEval};
use super::{Alarm, AlarmState};
use crate::dashboard::{Dashboard, PanelId, QueryKey, RuleSpec};
use crate::store::Store;
use chrono::DateTime;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The source name local rules carry in the alarm list.
pub(crate) const LOCAL_SOURCE: &str = "local";
/// Most state changes kept in the history.
pub(crate) const HISTORY_LIMIT: usize = 2_000;

/// One recorded state change of a rule on a series, or of an alarm raised elsewhere.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transition {
    /// The rule's (or the alarm's) name.
    pub rule: String,
    /// The series' display name (for alarms raised elsewhere, their source).
    pub series: String,
    /// The panel the rule watches or that shows the alarm's metric, if any.
    pub panel: Option<PanelId>,
    /// The change.
    pub change: Change,
}

/// A rule's evaluation state across all its series, and the shared history.
#[derive(Debug, Default)]
pub(crate) struct Engine {
    /// Per (rule name, series labels).
    evals: BTreeMap<(String, BTreeMap<String, String>), SeriesEval>,
    history: VecDeque<Transition>,
    /// Bumped whenever the history changes, so a keeper knows when to save it.
    version: u64,
    /// Set by [`Engine::restore`]: the history up to then came from an earlier run,
    /// and its open alarms still await [`Engine::close_restored`].
    restored: Option<Restored>,
}

/// What an earlier run's history leaves to settle.
#[derive(Debug, Clone, Copy)]
struct Restored {
    /// When the earlier run last saved: the rules' replay of older data is already
    /// in the history.
    until_ms: i64,
    /// Whether its open alarms were checked against what is active now.
    closed: bool,
}

/// How the history names one series of a rule: by the query's legend, else the
/// rule's name.
fn series_label(
    dashboard: &Dashboard,
    rule: &RuleSpec,
    labels: &BTreeMap<String, String>,
) -> String {
    let legend = dashboard
        .query(&rule.key())
        .and_then(|q| q.legend.as_deref());
    crate::legend::series_name(legend, labels, &rule.name)
}

impl Engine {
    /// Feeds every sample newer than the last evaluation to each rule, then checks
    /// for missing data at `now_ms`; returns the changes, oldest first.
    pub(crate) fn evaluate(
        &mut self,
        dashboard: &Dashboard,
        store: &Store,
        now_ms: i64,
    ) -> Vec<Transition> {
        let mut changes = Vec::new();
        for rule in &dashboard.rules {
            for (key, series) in store.query_series(&rule.key()) {
                let eval = self
                    .evals
                    .entry((rule.name.clone(), (*key.labels).clone()))
                    .or_default();
                let from = eval
                    .last_sample_ms
                    .map_or(0, |last| series.partition_point(last.saturating_add(1)));
                let name = series_label(dashboard, rule, &key.labels);
                let transition = |change| Transition {
                    rule: rule.name.clone(),
                    series: name.clone(),
                    panel: Some(rule.panel.clone()),
                    change,
                };
                for sample in series.iter().skip(from) {
                    if let Some(change) = eval.sample(sample.t_ms, sample.value, &rule.condition) {
                        changes.push(transition(change));
                    }
                }
                if let Some(change) = eval.tick(now_ms, &rule.condition) {
                    changes.push(transition(change));
                }
            }
        }
        // After a restart the rules replay the window's data: what happened before
        // the earlier run stopped is in the restored history already.
        let restored_until = self.restored.map(|r| r.until_ms);
        let new: Vec<Transition> = changes
            .iter()
            .filter(|t| restored_until.is_none_or(|until| t.change.at_ms > until))
            .cloned()
            .collect();
        self.record(&new);
        changes
    }

    /// Adds changes to the history, dropping the oldest beyond [`HISTORY_LIMIT`]. A
    /// change already among the recent ones is not added twice (two alarm panels
    /// polling the same source see the same change), nor is a change to the state the
    /// history already has for that alarm (an alarm still firing after a restart).
    pub(crate) fn record(&mut self, changes: &[Transition]) {
        for transition in changes {
            if self.history.iter().rev().take(64).any(|t| t == transition)
                || self
                    .latest(&transition.rule, &transition.series)
                    .map(|t| t.change.to)
                    == Some(transition.change.to)
            {
                continue;
            }
            if self.history.len() == HISTORY_LIMIT {
                self.history.pop_front();
            }
            self.history.push_back(transition.clone());
            self.version += 1;
        }
    }

    /// The newest history entry of one alarm (rule or alarm name, and series).
    fn latest(&self, rule: &str, series: &str) -> Option<&Transition> {
        self.history
            .iter()
            .rev()
            .find(|t| t.rule == rule && t.series == series)
    }

    /// Puts an earlier run's history back, saved at `saved_at_ms`.
    pub(crate) fn restore(&mut self, transitions: Vec<Transition>, saved_at_ms: i64) {
        self.history = transitions.into();
        while self.history.len() > HISTORY_LIMIT {
            self.history.pop_front();
        }
        self.restored = Some(Restored {
            until_ms: saved_at_ms,
            closed: false,
        });
        self.version += 1;
    }

    /// Once after [`Engine::restore`], when every alarm is known again: an alarm the
    /// earlier run left firing (or pending, or without data) that is not active now
    /// resolved while fleetdeck was not running. It is closed at the earlier run's
    /// last save, the last moment it was seen in that state, so its band ends there
    /// rather than stretching to now. `active` holds (name, series) of every alarm
    /// that is not ok now, from [`Engine::active_keys`] and
    /// [`super::observed::history_key`].
    pub(crate) fn close_restored(&mut self, active: &BTreeSet<(String, String)>) {
        let Some(restored) = self.restored.as_mut().filter(|r| !r.closed) else {
            return;
        };
        restored.closed = true;
        let at_ms = restored.until_ms;
        let closing: Vec<Transition> = self
            .newest_per_alarm()
            .into_values()
            .filter(|t| t.change.to != RuleState::Ok)
            .filter(|t| !active.contains(&(t.rule.clone(), t.series.clone())))
            .map(|t| Transition {
                rule: t.rule.clone(),
                series: t.series.clone(),
                panel: t.panel.clone(),
                change: Change {
                    from: t.change.to,
                    to: RuleState::Ok,
                    at_ms: at_ms.max(t.change.at_ms),
                    value: None,
                },
            })
            .collect();
        self.record(&closing);
    }

    /// Whether an earlier run's open alarms still await [`Engine::close_restored`].
    pub(crate) fn awaits_close(&self) -> bool {
        self.restored.is_some_and(|r| !r.closed)
    }

    /// Whether some alarm's newest entry leaves it not ok (firing, pending, no data).
    pub(crate) fn has_open(&self) -> bool {
        self.newest_per_alarm()
            .values()
            .any(|t| t.change.to != RuleState::Ok)
    }

    /// The newest history entry of each alarm (rule or alarm name, and series).
    fn newest_per_alarm(&self) -> BTreeMap<(&str, &str), &Transition> {
        let mut newest = BTreeMap::new();
        for t in &self.history {
            newest.insert((t.rule.as_str(), t.series.as_str()), t);
        }
        newest
    }

    /// A number that changes whenever the history does.
    pub(crate) fn version(&self) -> u64 {
        self.version
    }

    /// (rule name, series) of every local rule series that is not ok now, named as
    /// the history names them.
    pub(crate) fn active_keys(&self, dashboard: &Dashboard) -> BTreeSet<(String, String)> {
        let mut keys = BTreeSet::new();
        for ((rule_name, labels), eval) in &self.evals {
            if eval.state == RuleState::Ok {
                continue;
            }
            let Some(rule) = dashboard.rules.iter().find(|r| &r.name == rule_name) else {
                continue;
            };
            keys.insert((rule.name.clone(), series_label(dashboard, rule, labels)));
        }
        keys
    }

    /// Every state change so far (at most [`HISTORY_LIMIT`]), oldest first.
    pub(crate) fn history(&self) -> &VecDeque<Transition> {
        &self.history
    }

    /// Shows `transitions` as the history, whole: what an incident file kept,
    /// in place of whatever evaluating its data again would have found.
    pub(crate) fn replace_history(&mut self, transitions: &[Transition]) {
        self.history = transitions.iter().cloned().collect();
        self.version += 1;
    }

    /// Takes over another engine's history (and what it still owes a restored
    /// one), leaving that one empty: a new session of the same layout file.
    pub(crate) fn adopt_history(&mut self, earlier: &mut Engine) {
        self.history = std::mem::take(&mut earlier.history);
        self.restored = earlier.restored.take();
        self.version = self.version.max(earlier.version) + 1;
    }

    /// Every rule's alarm in the alarm model, one per series it judges, ok ones
    /// included: a list of alarms shows every alarm with its state, as an alert
    /// list shows its normal rules. A rule whose query answered with no series at
    /// all is listed once as `nodata`; one whose query has not answered yet is not
    /// listed (its state is not known).
    pub(crate) fn alarms(
        &self,
        dashboard: &Dashboard,
        answered: &dyn Fn(&QueryKey) -> bool,
    ) -> Vec<Alarm> {
        let mut alarms = Vec::new();
        for rule in &dashboard.rules {
            let Some(panel) = dashboard.panel(&rule.panel) else {
                continue;
            };
            let legend = panel.query(&rule.query).and_then(|q| q.legend.as_deref());
            let mut judged = 0;
            for ((rule_name, labels), eval) in
                self.evals.range((rule.name.clone(), BTreeMap::new())..)
            {
                if rule_name != &rule.name {
                    break;
                }
                judged += 1;
                let (state, since_ms) = match eval.state {
                    RuleState::Ok => (AlarmState::Ok, None),
                    RuleState::Pending { since_ms } => (AlarmState::Pending, Some(since_ms)),
                    RuleState::Firing { since_ms } => (AlarmState::Firing, Some(since_ms)),
                    RuleState::NoData { since_ms } => (AlarmState::NoData, Some(since_ms)),
                };
                let series = crate::legend::series_name(legend, labels, "");
                let summary = rule.summary.clone().unwrap_or_else(|| {
                    let c = &rule.condition;
                    let value = eval
                        .last_value
                        .map_or("no data".to_owned(), |v| panel.unit.format(v));
                    let threshold = panel.unit.format(c.threshold);
                    match (state, c.above) {
                        (AlarmState::Ok, true) => format!("{value}; fires above {threshold}"),
                        (AlarmState::Ok, false) => format!("{value}; fires below {threshold}"),
                        (AlarmState::NoData, _) => {
                            let word = if c.above { ">" } else { "<" };
                            format!("{value} {word} {threshold} (no recent data)")
                        }
                        (_, true) => format!("{value} > {threshold}"),
                        (_, false) => format!("{value} < {threshold}"),
                    }
                });
                let mut alarm_labels = labels.clone();
                alarm_labels.insert("rule".to_owned(), rule.name.clone());
                alarms.push(Alarm {
                    name: if series.is_empty() {
                        rule.name.clone()
                    } else {
                        format!("{} · {series}", rule.name)
                    },
                    source: LOCAL_SOURCE.to_owned(),
                    severity: rule.severity.clone(),
                    state,
                    since: since_ms.and_then(DateTime::from_timestamp_millis),
                    summary,
                    labels: alarm_labels,
                    expression: None,
                    panel: Some(rule.panel.clone()),
                });
            }
            if judged == 0 && answered(&rule.key()) {
                alarms.push(Alarm {
                    name: rule.name.clone(),
                    source: LOCAL_SOURCE.to_owned(),
                    severity: rule.severity.clone(),
                    state: AlarmState::NoData,
                    since: None,
                    summary: "its query returned no series".to_owned(),
                    labels: BTreeMap::from([("rule".to_owned(), rule.name.clone())]),
                    expression: None,
                    panel: Some(rule.panel.clone()),
                });
            }
        }
        alarms.sort_by(Alarm::display_order);
        alarms
    }

    /// The spans a rule fired on each panel: (panel, start, end or `None` while
    /// still firing), from the history.
    pub(crate) fn firing_spans(&self) -> Vec<(PanelId, i64, Option<i64>)> {
        let mut open: BTreeMap<(String, String), (PanelId, i64)> = BTreeMap::new();
        let mut spans = Vec::new();
        for t in &self.history {
            let Some(panel) = t.panel.clone() else {
                continue; // nowhere to draw it
            };
            let key = (t.rule.clone(), t.series.clone());
            match t.change.to {
                RuleState::Firing { since_ms } => {
                    open.entry(key).or_insert((panel, since_ms));
                }
                _ => {
                    if let Some((panel, start)) = open.remove(&key) {
                        spans.push((panel, start, Some(t.change.at_ms)));
                    }
                }
            }
        }
        spans.extend(
            open.into_values()
                .map(|(panel, start)| (panel, start, None)),
        );
        spans
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Retention, Sample, SeriesKey};

    const MINUTE: i64 = 60_000;

    fn layout() -> Dashboard {
        let text = r#"version = 1
title = "t"
[sources.fleet]
kind = "demo"
[[panels]]
title = "p99"
grid = { x = 0, y = 0, w = 24, h = 8 }
  [[panels.queries]]
  source = "fleet"
  metric = "vllm:num_requests_waiting"
[[rules]]
name = "slow"
panel = "p99"
above = 10.0
"#;
        crate::layout::parse_layout(text, std::path::Path::new("t.toml")).unwrap()
    }

    /// A store whose one series breaches from minute 10 to 20, sampled every
    /// `step` ms starting at `offset` ms.
    fn store(offset: i64, step: i64) -> Store {
        let samples: Vec<Sample> = (0..)
            .map(|i| offset + i * step)
            .take_while(|t| *t <= 30 * MINUTE)
            .map(|t_ms| Sample {
                t_ms,
                value: if (10 * MINUTE..20 * MINUTE).contains(&t_ms) {
                    15.0
                } else {
                    5.0
                },
            })
            .collect();
        let mut store = Store::new(Retention::default());
        let key = SeriesKey {
            panel: "p99".into(),
            query: "q1".into(),
            labels: BTreeMap::new().into(),
        };
        store.merge(key, 0, 30 * MINUTE, &samples);
        store
    }

    fn changes(engine: &Engine) -> Vec<(&'static str, i64)> {
        engine
            .history()
            .iter()
            .map(|t| (t.change.to.label(), t.change.at_ms))
            .collect()
    }

    #[test]
    fn after_a_restart_the_replayed_window_does_not_refind_what_the_history_holds() {
        let layout = layout();
        let mut first = Engine::default();
        first.evaluate(&layout, &store(0, 15_000), 30 * MINUTE);
        assert_eq!(
            changes(&first),
            [("firing", 10 * MINUTE), ("ok", 20 * MINUTE)]
        );
        // The next run's data comes back at another step alignment (Prometheus
        // evaluates at `start + k·step`): the same firing, found 5 s later.
        let mut second = Engine::default();
        second.restore(first.history().iter().cloned().collect(), 30 * MINUTE);
        second.evaluate(&layout, &store(5_000, 15_000), 31 * MINUTE);
        assert_eq!(changes(&second), changes(&first));
    }
}
