//! An objective's report in words, as `fleetdeck slo` prints it and the SLO
//! panel's tooltip says it: percentages, durations a person reads at a glance.

use super::{SloReport, SloState};
use crate::time_range::format_duration;
use std::time::Duration;

/// `99.95 %`, with as many decimals as the objective needs to be told apart.
pub fn percent(fraction: f64) -> String {
    format!("{:.3} %", fraction * 100.0)
}

/// `12×` or `0.31×`.
pub fn burn(rate: f64) -> String {
    if rate >= 10.0 {
        format!("{rate:.0}×")
    } else if rate >= 1.0 {
        format!("{rate:.1}×")
    } else {
        format!("{rate:.2}×")
    }
}

/// A duration to the minute (or second under one), days past two days.
pub fn span(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds >= 2 * 86_400 {
        format!("{:.1} days", duration.as_secs_f64() / 86_400.0)
    } else if seconds >= 60 {
        format_duration(Duration::from_secs(seconds / 60 * 60))
    } else {
        format_duration(Duration::from_secs(seconds))
    }
}

/// What the objective is promised over: `30.0 days`, or `this calendar month`.
pub fn window(report: &SloReport) -> String {
    if report.calendar_month {
        "this calendar month".to_owned()
    } else {
        span(report.window)
    }
}

/// The report as lines of text.
pub fn lines(report: &SloReport) -> Vec<String> {
    let mut lines = vec![format!(
        "{} — {} over {}: {}",
        report.name,
        percent(report.objective),
        window(report),
        report.state.name().to_uppercase()
    )];
    if report.state == SloState::Unknown {
        lines.push(format!(
            "  unknown: {}",
            report.error.as_deref().unwrap_or("no data")
        ));
        return lines;
    }
    if let Some(sli) = report.sli {
        lines.push(format!("  SLI over the window: {}", percent(sli)));
    }
    if let Some(left) = report.budget_remaining {
        let time = report
            .budget_remaining_time
            .map(|t| format!(" ({} of full failure)", span(t)))
            .unwrap_or_default();
        lines.push(format!("  budget remaining: {:.1} %{time}", left * 100.0));
    }
    let burns: Vec<String> = report
        .burn_rates
        .iter()
        .map(|b| {
            format!(
                "{} {}",
                format_duration(b.window),
                b.burn.map_or("n/a".to_owned(), burn)
            )
        })
        .collect();
    lines.push(format!("  burn: {}", burns.join(" · ")));
    match report.budget_lasts {
        Some(lasts) => lines.push(format!(
            "  at the last hour's burn the budget lasts {}",
            span(lasts)
        )),
        None => lines.push("  at the last hour's burn the budget is not being spent".to_owned()),
    }
    for alert in &report.firing {
        lines.push(format!("  FIRING {}", alert.describe()));
    }
    lines
}
