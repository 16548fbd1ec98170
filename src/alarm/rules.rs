//! The state machine of a local rule on one series: ok → pending → firing → ok,
//! with a `for` duration, hysteresis, and a choice for missing data.
//!
//! It runs on sample times, not the wall clock, so a refresh that re-reads the
//! last minutes (incremental refresh overlaps) or a burst of late samples gives the
//! same verdict as a steady stream; samples older than the newest one seen are
//! ignored. Only the missing-data check looks at "now".

use crate::dashboard::MissingData;
pub(crate) use crate::dashboard::alarms::Condition;

/// Where a rule stands on one series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RuleState {
    /// Condition not met.
    Ok,
    /// Condition met since `since_ms`, waiting out `for`.
    Pending {
        /// First breaching sample.
        since_ms: i64,
    },
    /// Condition held for `for`: the alarm is raised.
    Firing {
        /// When it fired.
        since_ms: i64,
    },
    /// No recent data (missing = "nodata").
    NoData {
        /// When the data stopped counting as recent.
        since_ms: i64,
    },
}

impl RuleState {
    /// The state's name, as the alarm model spells it.
    pub fn label(self) -> &'static str {
        match self {
            RuleState::Ok => "ok",
            RuleState::Pending { .. } => "pending",
            RuleState::Firing { .. } => "firing",
            RuleState::NoData { .. } => "nodata",
        }
    }
}

impl Condition {
    fn breached(&self, value: f64) -> bool {
        if self.above {
            value > self.threshold
        } else {
            value < self.threshold
        }
    }

    fn cleared(&self, value: f64) -> bool {
        if self.above {
            value <= self.clear
        } else {
            value >= self.clear
        }
    }
}

/// A change of state, at a time.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Change {
    /// Before.
    pub from: RuleState,
    /// After.
    pub to: RuleState,
    /// When, ms (a sample's time, or "now" for missing data).
    pub at_ms: i64,
    /// The sample that caused it, if one did.
    pub value: Option<f64>,
}

/// One rule's evaluation on one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct SeriesEval {
    /// Current state.
    pub state: RuleState,
    /// Newest sample time seen.
    pub last_sample_ms: Option<i64>,
    /// Newest sample value seen.
    pub last_value: Option<f64>,
}

impl Default for SeriesEval {
    fn default() -> Self {
        SeriesEval {
            state: RuleState::Ok,
            last_sample_ms: None,
            last_value: None,
        }
    }
}

impl SeriesEval {
    /// Feeds one sample; returns the change it caused. Samples not newer than the
    /// newest seen, and NaN, are ignored.
    pub(crate) fn sample(
        &mut self,
        t_ms: i64,
        value: f64,
        condition: &Condition,
    ) -> Option<Change> {
        if self.last_sample_ms.is_some_and(|last| t_ms <= last) || value.is_nan() {
            return None;
        }
        self.last_sample_ms = Some(t_ms);
        self.last_value = Some(value);
        let breached = condition.breached(value);
        let next = match self.state {
            RuleState::Ok | RuleState::NoData { .. } if breached => {
                if condition.for_ms <= 0 {
                    RuleState::Firing { since_ms: t_ms }
                } else {
                    RuleState::Pending { since_ms: t_ms }
                }
            }
            RuleState::NoData { .. } => RuleState::Ok,
            RuleState::Ok => RuleState::Ok,
            RuleState::Pending { since_ms } if breached => {
                if t_ms - since_ms >= condition.for_ms {
                    RuleState::Firing { since_ms: t_ms }
                } else {
                    RuleState::Pending { since_ms }
                }
            }
            // Pending resets as soon as the condition lapses (as Prometheus does).
            RuleState::Pending { .. } => RuleState::Ok,
            RuleState::Firing { .. } if condition.cleared(value) => RuleState::Ok,
            firing @ RuleState::Firing { .. } => firing,
        };
        self.change_to(next, t_ms, Some(value))
    }

    /// Applies the missing-data choice at `now_ms`; returns the change, if any.
    pub(crate) fn tick(&mut self, now_ms: i64, condition: &Condition) -> Option<Change> {
        let last = self.last_sample_ms?;
        // A clock that jumped back sees no gap; a jump forward is a gap like any.
        if now_ms - last <= condition.missing_after_ms {
            return None;
        }
        let next = match (condition.missing, self.state) {
            (MissingData::Keep, _) => return None,
            (MissingData::Nodata, RuleState::NoData { .. }) => return None,
            (MissingData::Nodata, _) => RuleState::NoData { since_ms: now_ms },
            (MissingData::Firing, RuleState::Firing { .. }) => return None,
            (MissingData::Firing, _) => RuleState::Firing { since_ms: now_ms },
        };
        self.change_to(next, now_ms, None)
    }

    fn change_to(&mut self, next: RuleState, at_ms: i64, value: Option<f64>) -> Option<Change> {
        if next == self.state {
            return None;
        }
        let change = Change {
            from: self.state,
            to: next,
            at_ms,
            value,
        };
        self.state = next;
        Some(change)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MINUTE: i64 = 60_000;

    fn p99_above_4s(for_ms: i64, missing: MissingData) -> Condition {
        Condition {
            above: true,
            threshold: 4.0,
            clear: 3.5,
            for_ms,
            missing,
            missing_after_ms: 5 * MINUTE,
        }
    }

    /// Feeds `values`, one a minute from 0, and returns the states after each.
    fn run(condition: &Condition, values: &[f64]) -> Vec<&'static str> {
        let mut eval = SeriesEval::default();
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                eval.sample(i as i64 * MINUTE, v, condition);
                eval.state.label()
            })
            .collect()
    }

    #[test]
    fn fires_only_after_the_breach_lasts_for_its_duration() {
        let rule = p99_above_4s(2 * MINUTE, MissingData::Keep);
        assert_eq!(
            run(&rule, &[3.0, 4.5, 4.6, 4.7, 4.8]),
            ["ok", "pending", "pending", "firing", "firing"]
        );
    }

    #[test]
    fn a_short_spike_goes_pending_and_back_without_firing() {
        let rule = p99_above_4s(2 * MINUTE, MissingData::Keep);
        assert_eq!(
            run(&rule, &[4.5, 3.0, 4.5, 3.9]),
            ["pending", "ok", "pending", "ok"]
        );
    }

    #[test]
    fn hysteresis_keeps_it_firing_until_below_the_clear_value() {
        let rule = p99_above_4s(0, MissingData::Keep);
        // 3.8 is under the threshold but above `clear`: still firing.
        assert_eq!(
            run(&rule, &[4.2, 3.8, 3.6, 3.4, 3.8]),
            ["firing", "firing", "firing", "ok", "ok"]
        );
    }

    #[test]
    fn below_rules_mirror_above_rules() {
        let rule = Condition {
            above: false,
            threshold: 100.0,
            clear: 120.0,
            for_ms: 0,
            missing: MissingData::Keep,
            missing_after_ms: 5 * MINUTE,
        };
        assert_eq!(
            run(&rule, &[150.0, 90.0, 110.0, 130.0]),
            ["ok", "firing", "firing", "ok"]
        );
    }

    #[test]
    fn flapping_around_the_threshold_does_not_fire_without_holding() {
        let rule = p99_above_4s(3 * MINUTE, MissingData::Keep);
        let values: Vec<f64> = (0..20)
            .map(|i| if i % 2 == 0 { 4.5 } else { 3.9 })
            .collect();
        assert!(run(&rule, &values).iter().all(|s| *s != "firing"));
    }

    #[test]
    fn missing_data_keeps_reports_or_fires_as_told() {
        for (missing, expected) in [
            (MissingData::Keep, "firing"),
            (MissingData::Nodata, "nodata"),
            (MissingData::Firing, "firing"),
        ] {
            let rule = p99_above_4s(0, missing);
            let mut eval = SeriesEval::default();
            eval.sample(0, 4.5, &rule);
            assert_eq!(eval.tick(4 * MINUTE, &rule), None, "not yet missing");
            eval.tick(6 * MINUTE, &rule);
            assert_eq!(eval.state.label(), expected, "{missing:?}");
        }
        // Fires on silence even from ok, and data brings it back.
        let rule = p99_above_4s(0, MissingData::Firing);
        let mut eval = SeriesEval::default();
        eval.sample(0, 1.0, &rule);
        eval.tick(6 * MINUTE, &rule);
        assert_eq!(
            eval.state,
            RuleState::Firing {
                since_ms: 6 * MINUTE
            }
        );
        eval.sample(7 * MINUTE, 1.0, &rule);
        assert_eq!(eval.state, RuleState::Ok);
    }

    #[test]
    fn replayed_and_out_of_order_samples_change_nothing() {
        let rule = p99_above_4s(2 * MINUTE, MissingData::Keep);
        let mut eval = SeriesEval::default();
        eval.sample(0, 4.5, &rule);
        eval.sample(MINUTE, 4.5, &rule);
        // An incremental refresh re-reads the last minutes.
        assert_eq!(eval.sample(0, 4.5, &rule), None);
        assert_eq!(eval.sample(MINUTE, 1.0, &rule), None);
        assert_eq!(eval.state, RuleState::Pending { since_ms: 0 });
        // A wall clock that jumped back sees no gap.
        assert_eq!(eval.tick(-10 * MINUTE, &rule), None);
    }

    fn any_missing() -> impl Strategy<Value = MissingData> {
        prop_oneof![
            Just(MissingData::Keep),
            Just(MissingData::Nodata),
            Just(MissingData::Firing)
        ]
    }

    proptest! {
        /// Whatever arrives — gaps, NaN, jumps back and forth — every change is
        /// one the machine allows, and firing from data needs a breach that held.
        #[test]
        fn random_sequences_never_make_an_impossible_transition(
            steps in prop::collection::vec((-120_000i64..600_000, prop::option::of(-10.0f64..10.0)), 1..200),
            for_ms in 0i64..300_000,
            missing in any_missing(),
        ) {
            let rule = Condition {
                above: true,
                threshold: 4.0,
                clear: 3.0,
                for_ms,
                missing,
                missing_after_ms: 120_000,
            };
            let mut eval = SeriesEval::default();
            let mut t = 0i64;
            let mut breach_since: Option<i64> = None;
            for (dt, value) in steps {
                t += dt;
                let change = match value {
                    Some(v) => {
                        let newer = eval.last_sample_ms.is_none_or(|last| t > last);
                        let change = eval.sample(t, v, &rule);
                        if newer {
                            breach_since = if v > 4.0 { breach_since.or(Some(t)) } else { None };
                        }
                        change
                    }
                    None => eval.tick(t, &rule),
                };
                let Some(change) = change else { continue };
                prop_assert_ne!(change.from, change.to);
                match (change.from, change.to) {
                    (RuleState::Ok, RuleState::Pending { .. })
                    | (RuleState::Pending { .. }, RuleState::Ok)
                    | (RuleState::Firing { .. }, RuleState::Ok)
                    | (RuleState::NoData { .. }, RuleState::Ok)
                    | (RuleState::NoData { .. }, RuleState::Pending { .. })
                    | (_, RuleState::NoData { .. }) => {}
                    (_, RuleState::Firing { .. }) if change.value.is_none() => {
                        prop_assert_eq!(missing, MissingData::Firing, "silence fired without missing = firing");
                    }
                    (_, RuleState::Firing { .. }) => {
                        let value = change.value.unwrap();
                        prop_assert!(value > 4.0, "fired on {value}");
                        let held = change.at_ms - breach_since.unwrap_or(change.at_ms);
                        prop_assert!(
                            held >= for_ms || matches!(change.from, RuleState::NoData { .. } | RuleState::Ok) && for_ms == 0,
                            "fired after {held} ms of a {for_ms} ms rule"
                        );
                    }
                    (from, to) => prop_assert!(false, "impossible {from:?} → {to:?}"),
                }
                if let (RuleState::Ok, Some(v)) = (change.to, change.value) {
                    prop_assert!(v <= 4.0, "cleared on a breaching value {v}");
                }
            }
        }
    }
}
