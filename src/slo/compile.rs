//! `[[slos]]` as written → [`SloSpec`]s: the objective a percentage strictly
//! between 0 and 100, the window a duration, each SLI query compiled for its
//! source, and the alarms' windows and severities parsed. Problems name the key.

use super::{BurnAlert, Severity, SliPart, SliQuery, SloSpec};
use crate::dashboard::SourceId;
use crate::layout_file::{BurnAlertConfig, Query, SloConfig, SourceConfig};
use crate::time_range::parse_duration;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::time::Duration;

/// Reports one problem: the span of the text at fault and the message (as the
/// layout's compile step takes them).
pub(crate) type Report<'a> = dyn FnMut(Option<Range<usize>>, String) + 'a;

/// The window when a layout names none.
const DEFAULT_WINDOW: Duration = Duration::from_secs(30 * 24 * 3600);

/// Every objective of the layout; each problem goes to `report`.
pub(crate) fn compile_slos(
    slos: &[SloConfig],
    sources: &BTreeMap<String, SourceConfig>,
    report: &mut Report<'_>,
) -> Vec<SloSpec> {
    let mut names = BTreeSet::new();
    slos.iter()
        .filter_map(|slo| {
            let name = slo.name.get_ref();
            if !names.insert(name.as_str()) {
                report(
                    Some(slo.name.span()),
                    format!("slo `{name}` is defined twice: names must be unique"),
                );
                return None;
            }
            compile_slo(slo, sources, report)
        })
        .collect()
}

fn compile_slo(
    slo: &SloConfig,
    sources: &BTreeMap<String, SourceConfig>,
    report: &mut Report<'_>,
) -> Option<SloSpec> {
    let name = slo.name.get_ref();
    let percent = *slo.objective.get_ref();
    let objective = if percent > 0.0 && percent < 100.0 {
        Some(percent / 100.0)
    } else {
        report(
            Some(slo.objective.span()),
            format!("slo `{name}`: objective is a percentage between 0 and 100, such as 99.9"),
        );
        None
    };
    let calendar_month = slo.window.as_ref().is_some_and(|w| w.get_ref() == "month");
    let window = match &slo.window {
        None => Some(DEFAULT_WINDOW),
        Some(_) if calendar_month => Some(Duration::from_secs(31 * 24 * 3600)),
        Some(text) => match parse_duration(text.get_ref()) {
            Ok(window) if window >= Duration::from_secs(24 * 3600) => Some(window),
            Ok(_) => {
                report(
                    Some(text.span()),
                    format!(
                        "slo `{name}`: the window is at least 1d (28d and 30d are usual, or \"month\" for the calendar month)"
                    ),
                );
                None
            }
            Err(error) => {
                report(Some(text.span()), format!("slo `{name}`: window: {error}"));
                None
            }
        },
    };
    let total = sli_query(name, "total", &slo.total, sources, report).filter(|total| {
        let share = total.reads == super::SliReading::Percent;
        if share {
            report(
                Some(slo.total.source.span()),
                format!(
                    "slo `{name}`: total counts every event; a percentile rank belongs in [slos.good]"
                ),
            );
        }
        !share
    });
    let part = match (&slo.good, &slo.bad) {
        (Some(good), None) => sli_query(name, "good", good, sources, report).map(SliPart::Good),
        (None, Some(bad)) => sli_query(name, "bad", bad, sources, report).map(SliPart::Bad),
        _ => {
            report(
                Some(slo.name.span()),
                format!("slo `{name}`: give either [slos.good] or [slos.bad] besides [slos.total]"),
            );
            None
        }
    };
    let alerts = if slo.alerts.is_empty() {
        Some(BurnAlert::workbook())
    } else {
        let compiled: Vec<Option<BurnAlert>> = slo
            .alerts
            .iter()
            .map(|alert| burn_alert(name, alert, report))
            .collect();
        compiled.into_iter().collect()
    };
    Some(SloSpec {
        name: name.clone(),
        objective: objective?,
        window: window?,
        calendar_month,
        total: total?,
        part: part?,
        alerts: alerts?,
    })
}

fn sli_query(
    slo: &str,
    what: &str,
    query: &Query,
    sources: &BTreeMap<String, SourceConfig>,
    report: &mut Report<'_>,
) -> Option<SliQuery> {
    let source = query.source.get_ref();
    let Some(config) = sources.get(source) else {
        report(
            Some(query.source.span()),
            format!("slo `{slo}`: {what} refers to undefined source `{source}`"),
        );
        return None;
    };
    match crate::source::compile_sli_query(*config.kind.get_ref(), query) {
        Ok((compiled, reads)) => Some(SliQuery {
            source: SourceId::from(source.as_str()),
            query: compiled,
            reads,
        }),
        Err(problem) => {
            report(
                problem.span.or_else(|| Some(query.source.span())),
                format!("slo `{slo}`: {what}: {}", problem.message),
            );
            None
        }
    }
}

fn burn_alert(slo: &str, alert: &BurnAlertConfig, report: &mut Report<'_>) -> Option<BurnAlert> {
    let severity = match alert.severity.get_ref().as_str() {
        "page" => Some(Severity::Page),
        "ticket" => Some(Severity::Ticket),
        other => {
            report(
                Some(alert.severity.span()),
                format!("slo `{slo}`: severity `{other}` is neither page nor ticket"),
            );
            None
        }
    };
    let mut window = |text: &toml::Spanned<String>| match parse_duration(text.get_ref()) {
        Ok(window) if window >= Duration::from_secs(60) => Some(window),
        Ok(_) => {
            report(
                Some(text.span()),
                format!("slo `{slo}`: alert windows are at least 1m"),
            );
            None
        }
        Err(error) => {
            report(Some(text.span()), format!("slo `{slo}`: {error}"));
            None
        }
    };
    let long = window(&alert.long);
    let short = window(&alert.short);
    let burn = *alert.burn.get_ref();
    if !(burn > 0.0 && burn.is_finite()) {
        report(
            Some(alert.burn.span()),
            format!("slo `{slo}`: burn is a positive rate, such as 14.4"),
        );
        return None;
    }
    let (long, short) = (long?, short?);
    if short >= long {
        report(
            Some(alert.short.span()),
            format!("slo `{slo}`: the short window must be shorter than the long one"),
        );
        return None;
    }
    Some(BurnAlert {
        severity: severity?,
        burn,
        long,
        short,
    })
}
