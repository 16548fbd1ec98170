//! Evaluating a layout's local rules on the data its panels already hold, keeping a
//! bounded history of every state change, and listing the result as alarms.

use super::rules::{Change, Condition, RuleState, SeriesEval};
use super::{Alarm, AlarmState};
use crate::layout::{Layout, Rule};
use crate::legend::series_name;
use crate::store::Store;
use crate::time_range::parse_duration;
use chrono::DateTime;
use std::collections::{BTreeMap, VecDeque};

/// The source name local rules carry in the alarm list.
pub const LOCAL_SOURCE: &str = "local";
/// Most state changes kept in the history.
pub const HISTORY_LIMIT: usize = 2_000;
/// Missing data is declared after this long without a sample, unless a rule says.
const DEFAULT_MISSING_AFTER_MS: i64 = 5 * 60_000;

/// One recorded state change of a rule on a series, or of an alarm raised elsewhere.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transition {
    /// The rule's (or the alarm's) name.
    pub rule: String,
    /// The series' display name (for alarms raised elsewhere, their source).
    pub series: String,
    /// The panel the rule watches or that shows the alarm's metric, if any.
    pub panel: Option<usize>,
    /// The change.
    pub change: Change,
}

/// A rule's evaluation state across all its series, and the shared history.
#[derive(Debug, Default)]
pub struct Engine {
    /// Per (rule index, series labels).
    evals: BTreeMap<(usize, BTreeMap<String, String>), SeriesEval>,
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

/// Where a rule looks, with its condition parsed.
struct Resolved {
    panel: usize,
    condition: Condition,
}

fn resolve(layout: &Layout, rule: &Rule) -> Option<Resolved> {
    let (panel, _) = layout.panel_by_title(rule.panel.get_ref())?;
    let (above, threshold) = match (rule.above, rule.below) {
        (Some(value), _) => (true, value),
        (None, Some(value)) => (false, value),
        (None, None) => return None,
    };
    let ms = |d: &Option<toml::Spanned<String>>| {
        d.as_ref()
            .and_then(|d| parse_duration(d.get_ref()).ok())
            .map(|d| d.as_millis() as i64)
    };
    Some(Resolved {
        panel,
        condition: Condition {
            above,
            threshold,
            clear: rule.clear.unwrap_or(threshold),
            for_ms: ms(&rule.for_duration).unwrap_or(0),
            missing: rule.missing,
            missing_after_ms: ms(&rule.missing_after).unwrap_or(DEFAULT_MISSING_AFTER_MS),
        },
    })
}

/// How the history names one series of a rule: by the query's legend, else the
/// rule's name.
fn series_label(
    layout: &Layout,
    rule: &Rule,
    resolved: &Resolved,
    labels: &BTreeMap<String, String>,
) -> String {
    let legend = layout.file.panels[resolved.panel]
        .queries
        .get(rule.query)
        .and_then(|q| q.legend.as_deref());
    series_name(legend, labels, rule.name.get_ref())
}

impl Engine {
    /// An engine with no state.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// Feeds every sample newer than the last evaluation to each rule, then checks
    /// for missing data at `now_ms`; returns the changes, oldest first.
    pub fn evaluate(&mut self, layout: &Layout, store: &Store, now_ms: i64) -> Vec<Transition> {
        let mut changes = Vec::new();
        for (rule_index, rule) in layout.file.rules.iter().enumerate() {
            let Some(resolved) = resolve(layout, rule) else {
                continue;
            };
            for (key, series) in store.panel_series(resolved.panel) {
                if key.query != rule.query {
                    continue;
                }
                let eval = self
                    .evals
                    .entry((rule_index, key.labels.clone()))
                    .or_default();
                let from = eval
                    .last_sample_ms
                    .map_or(0, |last| series.partition_point(last + 1));
                let name = series_label(layout, rule, &resolved, &key.labels);
                for sample in series.iter().skip(from) {
                    if let Some(change) =
                        eval.sample(sample.t_ms, sample.value, &resolved.condition)
                    {
                        changes.push(Transition {
                            rule: rule.name.get_ref().clone(),
                            series: name.clone(),
                            panel: Some(resolved.panel),
                            change,
                        });
                    }
                }
                if let Some(change) = eval.tick(now_ms, &resolved.condition) {
                    changes.push(Transition {
                        rule: rule.name.get_ref().clone(),
                        series: name.clone(),
                        panel: Some(resolved.panel),
                        change,
                    });
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
    pub fn record(&mut self, changes: &[Transition]) {
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
    pub fn restore(&mut self, transitions: Vec<Transition>, saved_at_ms: i64) {
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
    pub fn close_restored(&mut self, active: &std::collections::BTreeSet<(String, String)>) {
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
                panel: t.panel,
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
    pub fn awaits_close(&self) -> bool {
        self.restored.is_some_and(|r| !r.closed)
    }

    /// Whether some alarm's newest entry leaves it not ok (firing, pending, no data).
    pub fn has_open(&self) -> bool {
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
    pub fn version(&self) -> u64 {
        self.version
    }

    /// (rule name, series) of every local rule series that is not ok now, named as
    /// the history names them.
    pub fn active_keys(&self, layout: &Layout) -> std::collections::BTreeSet<(String, String)> {
        let mut keys = std::collections::BTreeSet::new();
        for ((rule_index, labels), eval) in &self.evals {
            if eval.state == RuleState::Ok {
                continue;
            }
            let Some(rule) = layout.file.rules.get(*rule_index) else {
                continue;
            };
            let Some(resolved) = resolve(layout, rule) else {
                continue;
            };
            keys.insert((
                rule.name.get_ref().clone(),
                series_label(layout, rule, &resolved, labels),
            ));
        }
        keys
    }

    /// Every state change so far (at most [`HISTORY_LIMIT`]), oldest first.
    pub fn history(&self) -> &VecDeque<Transition> {
        &self.history
    }

    /// Forgets every state (a new layout).
    pub fn reset(&mut self) {
        self.evals.clear();
    }

    /// Forgets the history (a layout whose panels moved: its entries name panels by
    /// position).
    pub fn clear_history(&mut self) {
        self.history.clear();
        self.restored = None;
        self.version += 1;
    }

    /// The rules' alarms that are not ok, in the alarm model.
    pub fn alarms(&self, layout: &Layout) -> Vec<Alarm> {
        let mut alarms = Vec::new();
        for ((rule_index, labels), eval) in &self.evals {
            let Some(rule) = layout.file.rules.get(*rule_index) else {
                continue;
            };
            let Some(resolved) = resolve(layout, rule) else {
                continue;
            };
            let (state, since_ms) = match eval.state {
                RuleState::Ok => continue,
                RuleState::Pending { since_ms } => (AlarmState::Pending, since_ms),
                RuleState::Firing { since_ms } => (AlarmState::Firing, since_ms),
                RuleState::NoData { since_ms } => (AlarmState::NoData, since_ms),
            };
            let panel = &layout.file.panels[resolved.panel];
            let legend = panel
                .queries
                .get(rule.query)
                .and_then(|q| q.legend.as_deref());
            let series = series_name(legend, labels, "");
            let summary = rule.summary.clone().unwrap_or_else(|| {
                let c = &resolved.condition;
                let value = eval
                    .last_value
                    .map_or("no data".to_owned(), |v| panel.unit.format(v));
                let (word, threshold) = if c.above {
                    (">", c.threshold)
                } else {
                    ("<", c.threshold)
                };
                let stale = if state == AlarmState::NoData {
                    " (no recent data)"
                } else {
                    ""
                };
                format!("{value} {word} {}{stale}", panel.unit.format(threshold))
            });
            let mut alarm_labels = labels.clone();
            alarm_labels.insert("rule".to_owned(), rule.name.get_ref().clone());
            alarms.push(Alarm {
                name: if series.is_empty() {
                    rule.name.get_ref().clone()
                } else {
                    format!("{} · {series}", rule.name.get_ref())
                },
                source: LOCAL_SOURCE.to_owned(),
                severity: rule.severity.clone(),
                state,
                since: DateTime::from_timestamp_millis(since_ms),
                summary,
                labels: alarm_labels,
                expression: None,
                panel: Some(resolved.panel),
            });
        }
        alarms.sort_by(Alarm::display_order);
        alarms
    }

    /// The spans a rule fired on each panel: (panel, start, end or `None` while
    /// still firing), from the history.
    pub fn firing_spans(&self) -> Vec<(usize, i64, Option<i64>)> {
        let mut open: BTreeMap<(String, String), (usize, i64)> = BTreeMap::new();
        let mut spans = Vec::new();
        for t in &self.history {
            let Some(panel) = t.panel else {
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

    fn layout() -> Layout {
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
            panel: 0,
            query: 0,
            labels: BTreeMap::new(),
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
        let mut first = Engine::new();
        first.evaluate(&layout, &store(0, 15_000), 30 * MINUTE);
        assert_eq!(
            changes(&first),
            [("firing", 10 * MINUTE), ("ok", 20 * MINUTE)]
        );
        // The next run's data comes back at another step alignment (Prometheus
        // evaluates at `start + k·step`): the same firing, found 5 s later.
        let mut second = Engine::new();
        second.restore(first.history().iter().cloned().collect(), 30 * MINUTE);
        second.evaluate(&layout, &store(5_000, 15_000), 31 * MINUTE);
        assert_eq!(changes(&second), changes(&first));
    }
}
