//! Reading an objective's SLI through the layout's sources: its rates at two
//! resolutions — minutes over the last six hours, for the short burn windows,
//! and five minutes over the whole window — summed over series and aligned to
//! the step, then [`budget::report`].

use super::budget::{self, Counts};
use super::{SliQuery, SloReport, SloSpec, SloState};
use crate::dashboard::SourceId;
use crate::source::{RangeRequest, Source, SourceError};
use crate::time_range::Window;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// The fine resolution: its step and how far back it reaches.
pub const FINE_STEP: Duration = Duration::from_secs(60);
/// How far back the fine resolution reaches (the longest short window).
pub const FINE_SPAN: Duration = Duration::from_secs(6 * 3600);
/// The coarse resolution's step, over the whole window.
pub const COARSE_STEP: Duration = Duration::from_secs(300);

/// Range requests each objective makes per evaluation.
pub const QUERIES_PER_EVALUATION: usize = 4;

/// The report of `spec` at `now_ms`, its SLI read through `sources`; an SLI
/// that cannot be read gives an unknown state with why.
pub async fn evaluate(
    spec: &SloSpec,
    sources: &BTreeMap<SourceId, Arc<dyn Source>>,
    now_ms: i64,
) -> SloReport {
    let month;
    let spec = if spec.calendar_month {
        month = SloSpec {
            window: month_so_far(now_ms),
            ..spec.clone()
        };
        &month
    } else {
        spec
    };
    match counts(spec, sources, now_ms).await {
        Ok((fine, coarse)) => budget::report(spec, &fine, FINE_SPAN, &coarse, now_ms),
        Err(error) => unknown(spec, now_ms, &error),
    }
}

/// A report that says the SLI could not be read, and why.
fn unknown(spec: &SloSpec, now_ms: i64, error: &SourceError) -> SloReport {
    let mut report = budget::report(
        spec,
        &Counts::default(),
        FINE_SPAN,
        &Counts::default(),
        now_ms,
    );
    report.state = SloState::Unknown;
    report.error = Some(error.to_string());
    report
}

async fn counts(
    spec: &SloSpec,
    sources: &BTreeMap<SourceId, Arc<dyn Source>>,
    now_ms: i64,
) -> Result<(Counts, Counts), SourceError> {
    let good = matches!(spec.part, super::SliPart::Good(_));
    let at = |step: Duration, span: Duration| {
        let step_ms = step.as_millis() as i64;
        // The last whole step, so every window is a whole number of steps.
        let end_ms = now_ms.div_euclid(step_ms) * step_ms;
        (
            step_ms,
            Window {
                start_ms: end_ms - span.as_millis() as i64 + step_ms,
                end_ms,
            },
        )
    };
    let (fine_step, fine_window) = at(FINE_STEP, FINE_SPAN);
    let (coarse_step, coarse_window) = at(COARSE_STEP, spec.window);
    let (fine_total, fine_part, coarse_total, coarse_part) = tokio::try_join!(
        summed(&spec.total, sources, fine_window, fine_step),
        summed(spec.part.query(), sources, fine_window, fine_step),
        summed(&spec.total, sources, coarse_window, coarse_step),
        summed(spec.part.query(), sources, coarse_window, coarse_step),
    )?;
    let part = spec.part.query();
    if good && fine_part.is_empty() && coarse_part.is_empty() && !coarse_total.is_empty() {
        let hint = if part.reads == super::SliReading::Percent {
            " (CloudWatch computes percentile ranks such as PR(:2000000); some emulators do not)"
        } else {
            ""
        };
        return Err(SourceError::Server(format!(
            "the good events' query answered no data while the total has events{hint}"
        )));
    }
    if part.reads == super::SliReading::Percent
        && let Some(odd) = fine_part
            .values()
            .chain(coarse_part.values())
            .find(|v| !(0.0..=100.0).contains(*v))
    {
        return Err(SourceError::Server(format!(
            "the good events' percentile rank answered {odd}, not a percentage: the server does not compute PR(…) (CloudWatch does; some emulators answer a latency instead)"
        )));
    }
    let reads = (spec.total.reads, part.reads);
    Ok((
        Counts::from_readings(fine_step, (&fine_total, &fine_part), reads, good),
        Counts::from_readings(coarse_step, (&coarse_total, &coarse_part), reads, good),
    ))
}

/// The query's series over `window` at `step_ms`, summed per instant.
async fn summed(
    query: &SliQuery,
    sources: &BTreeMap<SourceId, Arc<dyn Source>>,
    window: Window,
    step_ms: i64,
) -> Result<BTreeMap<i64, f64>, SourceError> {
    let source = sources
        .get(&query.source)
        .ok_or_else(|| SourceError::Config(format!("no source `{}`", query.source)))?;
    // CloudWatch stamps a period with its start; the arithmetic counts a step
    // at its end, as Prometheus stamps a rate over the step before it.
    let (ask, stamp_shift) = match query.query {
        crate::source::SourceQuery::CloudWatch(_) => (
            Window {
                start_ms: window.start_ms - step_ms,
                end_ms: window.end_ms,
            },
            step_ms,
        ),
        _ => (window, 0),
    };
    let request = RangeRequest::new(query.query.clone(), ask, step_ms);
    let series = source.fetch_range(&request).await?;
    let mut sums = BTreeMap::new();
    for one in &series {
        for sample in &one.samples {
            let t_ms = sample.t_ms + stamp_shift;
            if sample.value.is_finite() && t_ms <= window.end_ms {
                *sums.entry(t_ms).or_insert(0.0) += sample.value;
            }
        }
    }
    Ok(sums)
}

/// Every objective of `dashboard` at `now_ms`, each source built once and asked
/// by all the objectives that read it.
pub async fn evaluate_all(dashboard: &crate::dashboard::Dashboard, now_ms: i64) -> Vec<SloReport> {
    let sources: BTreeMap<SourceId, Arc<dyn Source>> = dashboard
        .slos
        .iter()
        .flat_map(|slo| [&slo.total.source, &slo.part.query().source])
        .filter_map(|id| {
            let spec = dashboard.sources.get(id)?;
            Some((id.clone(), crate::source::build_source(spec)))
        })
        .collect();
    let mut reports = Vec::new();
    for slo in &dashboard.slos {
        reports.push(evaluate(slo, &sources, now_ms).await);
    }
    reports
}

/// The calendar month (UTC) up to `now_ms`, at least a day so its first hours
/// still have a window.
fn month_so_far(now_ms: i64) -> Duration {
    use chrono::{Datelike, TimeZone, Utc};
    let now = Utc
        .timestamp_millis_opt(now_ms)
        .single()
        .unwrap_or_default();
    let first = Utc
        .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(now);
    let elapsed = (now - first).to_std().unwrap_or_default();
    elapsed.max(Duration::from_secs(24 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_calendar_month_runs_from_the_first_and_is_a_day_at_least() {
        let ms = |text: &str| {
            chrono::DateTime::parse_from_rfc3339(text)
                .unwrap()
                .timestamp_millis()
        };
        assert_eq!(
            month_so_far(ms("2026-12-07T12:00:00Z")),
            Duration::from_secs((6 * 24 + 12) * 3600)
        );
        assert_eq!(
            month_so_far(ms("2026-12-01T03:00:00Z")),
            Duration::from_secs(24 * 3600)
        );
    }
}
