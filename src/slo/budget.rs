//! The arithmetic of an objective, on events counted per step: burn rates over
//! windows, the budget left, how long it lasts, the burn-down over the window,
//! and which multiwindow alarms fire.
//!
//! An SLI arrives as rates per second, each the mean over the step ending at its
//! time; a rate times the step is the events of that step, so the steps inside a
//! window add up to the window's events exactly when the window is a whole
//! number of steps (which the evaluator arranges by aligning to the step).

use super::{BurnAlert, SliReading, SloReport, SloSpec, SloState, WindowBurn};
use std::collections::BTreeMap;
use std::time::Duration;

/// Events per step at one resolution: step end (ms) → (bad, total).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// The step, ms.
    pub step_ms: i64,
    /// Bad and total events of the step ending at each time.
    pub steps: BTreeMap<i64, (f64, f64)>,
}

impl Counts {
    /// Counts from the SLI's summed rates per second: `total` and either `good`
    /// or `bad`, each (time ms, value).
    pub fn from_rates(
        step_ms: i64,
        total: &BTreeMap<i64, f64>,
        part: &BTreeMap<i64, f64>,
        part_is_good: bool,
    ) -> Counts {
        let rates = (SliReading::Rate, SliReading::Rate);
        Counts::from_readings(step_ms, (total, part), rates, part_is_good)
    }

    /// Counts from the SLI's summed values as their queries read them (rates,
    /// counts per step, or the good share in percent). A step without a total is
    /// no data; so is a step without its good events (unknown is not all good),
    /// while a step without bad events had none (Prometheus answers no series
    /// when no request failed).
    pub fn from_readings(
        step_ms: i64,
        (total, part): (&BTreeMap<i64, f64>, &BTreeMap<i64, f64>),
        (total_reads, part_reads): (SliReading, SliReading),
        part_is_good: bool,
    ) -> Counts {
        let seconds = step_ms as f64 / 1000.0;
        let events = |value: f64, reads: SliReading, all: f64| match reads {
            SliReading::Rate => value * seconds,
            SliReading::Count => value,
            SliReading::Percent => value / 100.0 * all,
        };
        let steps = total
            .iter()
            .filter(|(_, value)| value.is_finite())
            .filter_map(|(&t, &value)| {
                let all = events(value, total_reads, 0.0).max(0.0);
                let part = part.get(&t).copied().filter(|v| v.is_finite());
                let bad = match (part, part_is_good) {
                    (Some(good), true) => (all - events(good, part_reads, all)).max(0.0),
                    (None, true) => return None,
                    (Some(bad), false) => events(bad, part_reads, all).clamp(0.0, all),
                    (None, false) => 0.0,
                };
                Some((t, (bad, all)))
            })
            .collect();
        Counts { step_ms, steps }
    }

    /// Bad and total events in `(end − length, end]`, and whether any step had data.
    pub fn window(&self, end_ms: i64, length: Duration) -> Option<(f64, f64)> {
        let start = end_ms - length.as_millis() as i64;
        let mut inside = self.steps.range(start + 1..=end_ms).peekable();
        inside.peek()?;
        Some(inside.fold((0.0, 0.0), |(bad, total), (_, (b, t))| (bad + b, total + t)))
    }

    /// The coarse counts up to where the fine ones take over, then the fine ones:
    /// long windows end at the newest minute, not at the last whole coarse step.
    /// The coarse step that straddles the fine ones' start is kept and the fine
    /// steps inside it dropped, so no event is counted twice or missed.
    pub fn spliced(coarse: &Counts, fine: &Counts) -> Counts {
        let Some(&first_fine) = fine.steps.keys().next() else {
            return coarse.clone();
        };
        let fine_start = first_fine - fine.step_ms;
        let seam = coarse
            .steps
            .range(fine_start..)
            .next()
            .map(|(&t, _)| t)
            .or_else(|| coarse.last_ms())
            .unwrap_or(fine_start);
        let mut steps: BTreeMap<i64, (f64, f64)> =
            coarse.steps.range(..=seam).map(|(&t, &c)| (t, c)).collect();
        steps.extend(fine.steps.range(seam + 1..).map(|(&t, &c)| (t, c)));
        Counts {
            step_ms: coarse.step_ms,
            steps,
        }
    }

    /// The newest step's end.
    pub fn last_ms(&self) -> Option<i64> {
        self.steps.keys().next_back().copied()
    }
}

/// The burn rate of `bad` out of `total` events against a budget: the error
/// ratio over the share allowed. No events burn nothing.
pub fn burn_rate(bad: f64, total: f64, budget: f64) -> f64 {
    if total <= 0.0 || budget <= 0.0 {
        0.0
    } else {
        (bad / total) / budget
    }
}

/// The report of `spec` from `fine` counts (recent, short steps, for windows up
/// to its span) and `coarse` counts (the whole window), at `at_ms`.
pub fn report(
    spec: &SloSpec,
    fine: &Counts,
    fine_span: Duration,
    coarse: &Counts,
    at_ms: i64,
) -> SloReport {
    let budget = spec.budget();
    let coarse = &Counts::spliced(coarse, fine);
    let burn_over = |window: Duration| {
        let counts = if window <= fine_span { fine } else { coarse };
        let end = counts.last_ms()?;
        let (bad, total) = counts.window(end, window)?;
        Some(burn_rate(bad, total, budget))
    };
    let burns: BTreeMap<Duration, Option<f64>> = spec
        .burn_windows()
        .into_iter()
        .map(|window| (window, burn_over(window)))
        .collect();
    let whole = coarse
        .last_ms()
        .and_then(|end| coarse.window(end, spec.window).map(|counts| (end, counts)));
    let sli = whole
        .filter(|(_, (_, total))| *total > 0.0)
        .map(|(_, (bad, total))| 1.0 - bad / total);
    let budget_remaining = sli.map(|sli| 1.0 - (1.0 - sli) / budget);
    let budget_remaining_time = budget_remaining
        .map(|left| Duration::from_secs_f64(left.max(0.0) * budget * spec.window.as_secs_f64()));
    let hour = Duration::from_secs(3600);
    let budget_lasts = match (budget_remaining, burns.get(&hour).copied().flatten()) {
        (Some(left), Some(burn)) if left > 0.0 && burn > 0.0 => Some(Duration::from_secs_f64(
            left * spec.window.as_secs_f64() / burn,
        )),
        _ => None,
    };
    let burn_down = match whole {
        Some((end, (_, total))) if total > 0.0 => {
            let allowed = budget * total;
            let start = end - spec.window.as_millis() as i64;
            let mut spent = 0.0;
            coarse
                .steps
                .range(start + 1..=end)
                .map(|(&t, (bad, _))| {
                    spent += bad;
                    (t, 1.0 - spent / allowed)
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let firing: Vec<BurnAlert> = spec
        .alerts
        .iter()
        .filter(|alert| {
            let over = |w: Duration| {
                burns
                    .get(&w)
                    .copied()
                    .flatten()
                    .is_some_and(|b| b > alert.burn)
            };
            over(alert.long) && over(alert.short)
        })
        .copied()
        .collect();
    let state = if sli.is_none() && burns.values().all(Option::is_none) {
        SloState::Unknown
    } else {
        match firing.iter().map(|a| a.severity).max() {
            Some(super::Severity::Page) => SloState::Page,
            Some(super::Severity::Ticket) => SloState::Ticket,
            None => SloState::Ok,
        }
    };
    SloReport {
        name: spec.name.clone(),
        objective: spec.objective,
        window: spec.window,
        calendar_month: spec.calendar_month,
        at_ms,
        sli,
        budget_remaining,
        budget_remaining_time,
        burn_rates: burns
            .iter()
            .map(|(&window, &burn)| WindowBurn { window, burn })
            .collect(),
        budget_lasts,
        burn_down,
        firing,
        page_burn: spec
            .alerts
            .iter()
            .filter(|a| a.severity == super::Severity::Page)
            .map(|a| a.burn)
            .reduce(f64::min),
        state,
        error: (state == SloState::Unknown).then(|| "no events in any window".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::SourceId;
    use crate::slo::{SliPart, SliQuery};
    use crate::source::SourceQuery;

    const MINUTE: i64 = 60_000;

    fn spec(objective: f64) -> SloSpec {
        let query = SliQuery {
            source: SourceId::from("demo"),
            query: SourceQuery::Prometheus(crate::dashboard::sources::prometheus::PromQuery {
                promql: "x".into(),
            }),
            reads: SliReading::Rate,
        };
        SloSpec {
            name: "chat".into(),
            objective,
            window: Duration::from_secs(30 * 24 * 3600),
            calendar_month: false,
            total: query.clone(),
            part: SliPart::Bad(query),
            alerts: BurnAlert::workbook(),
        }
    }

    /// Minute counts of `minutes` minutes ending at `end`, 100 requests a second,
    /// with the error share `errors(minute index from the end)`.
    fn minutes(end: i64, count: i64, errors: impl Fn(i64) -> f64) -> Counts {
        let total: BTreeMap<i64, f64> = (0..count).map(|i| (end - i * MINUTE, 100.0)).collect();
        let bad: BTreeMap<i64, f64> = (0..count)
            .map(|i| (end - i * MINUTE, 100.0 * errors(i)))
            .collect();
        Counts::from_rates(MINUTE, &total, &bad, false)
    }

    #[test]
    fn a_minute_at_half_errors_burns_a_hundred_fold_over_five_minutes_but_does_not_page() {
        // The workbook's example: one bad minute lifts the 5-minute burn to 100×
        // for a 99.9 % objective, the hour's to 8.3×: the long window holds the
        // page back.
        let end = 1_000 * MINUTE;
        let counts = minutes(end, 3 * 24 * 60, |i| if i == 2 { 0.5 } else { 0.0 });
        let report = report(
            &spec(0.999),
            &counts,
            Duration::from_secs(6 * 3600),
            &counts,
            end,
        );
        let five = report.burn_over(Duration::from_secs(300)).unwrap();
        let hour = report.burn_over(Duration::from_secs(3600)).unwrap();
        assert!((five - 100.0).abs() < 1e-9, "{five}");
        assert!((hour - 500.0 / 60.0).abs() < 1e-9, "{hour}");
        assert_eq!(report.state, SloState::Ok);
        assert!(report.firing.is_empty());
    }

    #[test]
    fn a_sustained_burn_pages_and_the_short_window_clears_it_five_minutes_after() {
        // An hour at 2 % errors: 20× over the hour and over the last 5 minutes.
        let end = 10_000 * MINUTE;
        let fine = Duration::from_secs(6 * 3600);
        let during = minutes(end, 3 * 24 * 60, |i| if i < 60 { 0.02 } else { 0.0 });
        let paging = report(&spec(0.999), &during, fine, &during, end);
        assert_eq!(paging.state, SloState::Page, "{:?}", paging.burn_rates);
        assert_eq!(paging.firing[0].severity, crate::slo::Severity::Page);
        // Five minutes after it ended, the hour still burns but the 5 minutes do not.
        let later = end + 5 * MINUTE;
        let after = minutes(later, 3 * 24 * 60, |i| {
            if (5..65).contains(&i) { 0.02 } else { 0.0 }
        });
        let cleared = report(&spec(0.999), &after, fine, &after, later);
        assert!(cleared.burn_over(Duration::from_secs(3600)).unwrap() > 14.4);
        assert_eq!(cleared.state, SloState::Ok, "{:?}", cleared.burn_rates);
    }

    #[test]
    fn the_budget_left_is_what_the_window_did_not_spend() {
        // 30 days of minutes; one stretch spends a quarter of the budget.
        let window_minutes = 30 * 24 * 60;
        let end = 100_000 * MINUTE;
        // 99 %: 432 minutes at full failure, a quarter of them in 216 minutes at half.
        let allowed = 0.01 * window_minutes as f64;
        let counts = minutes(end, window_minutes, |i| {
            if (1_000..1_000 + (allowed * 0.25 / 0.5) as i64).contains(&i) {
                0.5
            } else {
                0.0
            }
        });
        let report = report(
            &spec(0.99),
            &counts,
            Duration::from_secs(6 * 3600),
            &counts,
            end,
        );
        let left = report.budget_remaining.unwrap();
        assert!((left - 0.75).abs() < 1e-9, "{left}");
        let time = report.budget_remaining_time.unwrap().as_secs_f64();
        assert!((time - 0.75 * allowed * 60.0).abs() < 1.0, "{time}");
        assert!((report.sli.unwrap() - (1.0 - 0.25 * 0.01)).abs() < 1e-9);
        let last = report.burn_down.last().unwrap().1;
        assert!((last - left).abs() < 1e-9);
        assert!((report.burn_down[0].1 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn spliced_counts_end_at_the_newest_minute_and_count_each_event_once() {
        // Five-minute steps to 10:05, minute steps from 09:58 to 10:07.
        let coarse = Counts {
            step_ms: 5 * MINUTE,
            steps: (0..=121).map(|i| (i * 5 * MINUTE, (0.0, 5.0))).collect(),
        };
        let fine = Counts {
            step_ms: MINUTE,
            steps: (598..=607).map(|m| (m * MINUTE, (0.0, 1.0))).collect(),
        };
        let spliced = Counts::spliced(&coarse, &fine);
        assert_eq!(spliced.last_ms(), Some(607 * MINUTE));
        // One event a minute throughout: the 602 minutes ending at 607 hold 602.
        let (_, total) = spliced
            .window(607 * MINUTE, Duration::from_secs(602 * 60))
            .unwrap();
        assert_eq!(total, 602.0);
    }

    #[test]
    fn counts_per_step_and_a_good_share_in_percent_count_as_cloudwatch_reads_them() {
        // A minute of 600 requests (Sum), 99 % of them within the threshold (PR).
        let total = BTreeMap::from([(MINUTE, 600.0)]);
        let good = BTreeMap::from([(MINUTE, 99.0)]);
        let counts = Counts::from_readings(
            MINUTE,
            (&total, &good),
            (SliReading::Count, SliReading::Percent),
            true,
        );
        let (bad, all) = counts.steps[&MINUTE];
        assert_eq!(all, 600.0);
        assert!((bad - 6.0).abs() < 1e-9, "{bad}");
    }

    #[test]
    fn good_events_count_the_rest_as_bad_and_no_events_burn_nothing() {
        let total = BTreeMap::from([(MINUTE, 10.0), (2 * MINUTE, 0.0), (3 * MINUTE, 5.0)]);
        let good = BTreeMap::from([(MINUTE, 9.0), (2 * MINUTE, 0.0)]);
        let counts = Counts::from_rates(MINUTE, &total, &good, true);
        assert_eq!(counts.steps[&MINUTE], (60.0, 600.0));
        assert!(
            !counts.steps.contains_key(&(3 * MINUTE)),
            "good unknown: no data"
        );
        let bad = Counts::from_rates(MINUTE, &total, &BTreeMap::new(), false);
        assert_eq!(
            bad.steps[&(3 * MINUTE)],
            (0.0, 300.0),
            "no failures answered"
        );
        assert_eq!(burn_rate(0.0, 0.0, 0.001), 0.0);
        assert_eq!(counts.window(10 * MINUTE, Duration::from_secs(60)), None);
    }
}
