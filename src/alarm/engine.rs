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
#[derive(Debug, Clone, PartialEq)]
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
            let legend = layout.file.panels[resolved.panel]
                .queries
                .get(rule.query)
                .and_then(|q| q.legend.clone());
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
                let name = series_name(legend.as_deref(), &key.labels, rule.name.get_ref());
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
        self.record(&changes);
        changes
    }

    /// Adds changes to the history, dropping the oldest beyond [`HISTORY_LIMIT`]. A
    /// change already among the recent ones is not added twice (two alarm panels
    /// polling the same source see the same change).
    pub fn record(&mut self, changes: &[Transition]) {
        for transition in changes {
            if self.history.iter().rev().take(64).any(|t| t == transition) {
                continue;
            }
            if self.history.len() == HISTORY_LIMIT {
                self.history.pop_front();
            }
            self.history.push_back(transition.clone());
        }
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
