//! An objective's burn-rate alarms in the one alarm model: one alarm per
//! multiwindow pair of each objective, firing while both windows burn faster
//! than its rate, with the severity `page` or `ticket`, linked to the SLO panel
//! that shows the objective. An objective whose SLI cannot be read leaves its
//! alarms as they were rather than calling them clear.

use crate::alarm::{Alarm, AlarmState};
use crate::dashboard::{Dashboard, PanelKind};
use crate::slo::{SloReport, SloState};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What raised these alarms, where a source name would be.
pub const SOURCE: &str = "slo";

/// The alarms of `reports`, given the `previous` ones (for when each began).
pub(crate) fn alarms(
    dashboard: &Dashboard,
    reports: &[SloReport],
    previous: &[Alarm],
    at: DateTime<Utc>,
) -> Vec<Alarm> {
    let mut alarms = Vec::new();
    for report in reports {
        let Some(spec) = dashboard.slos.iter().find(|s| s.name == report.name) else {
            continue;
        };
        let panel = dashboard
            .panels
            .iter()
            .find(|p| p.kind == PanelKind::Slo && p.slo.as_deref() == Some(&spec.name))
            .map(|p| p.id.clone());
        for alert in &spec.alerts {
            let name = format!("{} {} burn", spec.name, alert.severity.name());
            let labels = BTreeMap::from([
                ("slo".to_owned(), spec.name.clone()),
                (
                    "long".to_owned(),
                    crate::time_range::format_duration(alert.long),
                ),
                (
                    "short".to_owned(),
                    crate::time_range::format_duration(alert.short),
                ),
            ]);
            let before = previous
                .iter()
                .find(|a| a.name == name && a.labels == labels);
            let state = if report.state == SloState::Unknown {
                before.map_or(AlarmState::Ok, |a| a.state)
            } else if report.firing.contains(alert) {
                AlarmState::Firing
            } else {
                AlarmState::Ok
            };
            let since = match before {
                Some(b) if b.state == state => b.since,
                _ => Some(at),
            };
            let burns = |w| {
                report
                    .burn_over(w)
                    .map_or("n/a".to_owned(), crate::slo::text::burn)
            };
            alarms.push(Alarm {
                name,
                source: SOURCE.to_owned(),
                severity: Some(alert.severity.name().to_owned()),
                state,
                since,
                summary: format!(
                    "burning {} over {} and {} over {} ({} above {}×)",
                    burns(alert.long),
                    crate::time_range::format_duration(alert.long),
                    burns(alert.short),
                    crate::time_range::format_duration(alert.short),
                    if alert.severity == crate::slo::Severity::Page {
                        "pages"
                    } else {
                        "tickets"
                    },
                    alert.burn
                ),
                labels,
                expression: None,
                panel: panel.clone(),
            });
        }
    }
    alarms
}
