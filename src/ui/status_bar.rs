//! The status bar: each source's state, the last refresh, what paid sources cost,
//! and the points in memory.

use super::{FrameInput, theme};
use crate::clock::DisplayZone;
use crate::session::HealthState;
use crate::source::Usage;
use crate::units::group_thousands;
use chrono::{DateTime, Utc};
use egui::{RichText, Ui};

/// Draws the bar.
pub(crate) fn show(ui: &mut Ui, frame: &FrameInput<'_>) {
    let zone = frame.zone;
    let time = |t: DateTime<Utc>| zone.format(t.timestamp_millis(), "%H:%M:%S");
    ui.horizontal(|ui| {
        let shared_through = frame.session.dashboard().alertmanager.as_ref();
        for (name, source) in frame.session.health() {
            if Some(name) == shared_through && source.state() == HealthState::Loading {
                continue; // only shared through, never queried: said below
            }
            let (text, color) = match source.state() {
                HealthState::Loading => (format!("{name}: loading"), theme::WARN),
                HealthState::Ok(at) => (format!("{name}: ok {}", time(at)), theme::OK),
                HealthState::Stale { since, error } => (
                    format!("{name}: stale since {}: {error}", time(since)),
                    theme::WARN,
                ),
                HealthState::Failing { error, .. } => (format!("{name}: {error}"), theme::ERROR),
            };
            ui.label(RichText::new(text).color(color));
            ui.separator();
        }
        // Alarms shared through Alertmanager: still evaluated here while it is down.
        if let Some(share) = frame.session.share_state() {
            let (text, color) = match (&share.unreachable, share.delivered_at) {
                (Some((since, why)), _) => (
                    format!(
                        "alertmanager: unreachable since {}: alarms kept here, sent when it is back ({why})",
                        time(*since)
                    ),
                    theme::ERROR,
                ),
                (None, Some(at)) => (format!("alertmanager: shared {}", time(at)), theme::OK),
                (None, None) => ("alertmanager: connecting".to_owned(), theme::WARN),
            };
            ui.label(RichText::new(text).color(color));
            ui.separator();
        }
        // The lines are drawn; only the spikes between their samples may be missing.
        for (name, error) in frame.session.band_refusals() {
            ui.label(RichText::new(format!("{name}: no min/max band ({error})")).color(theme::WARN))
                .on_hover_text(
                    "The source refused the queries for each step's least and greatest value: a spike shorter than the step may not show at this zoom",
                );
            ui.separator();
        }
        for (name, usage) in &frame.session.usage() {
            ui.label(cost_text(name.as_str(), usage, frame.view.refresh, frame.view.is_live()))
                .on_hover_text(
                    "CloudWatch bills $0.01 per 1,000 metrics requested by GetMetricData, on every refresh",
                );
            ui.separator();
        }
        let refreshed = frame
            .session
            .last_refresh()
            .map_or_else(|| "never".to_owned(), time);
        ui.label(format!("last refresh {refreshed}"));
        ui.separator();
        ui.label(if frame.view.is_live() { "live" } else { "paused" });
        ui.separator();
        let store = frame.session.store();
        ui.label(format!(
            "{} points in {} series",
            group_thousands(&store.total_points().to_string()),
            store.series_count()
        ));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.label(match zone {
                DisplayZone::Utc => "UTC",
                DisplayZone::Local => "local time",
            });
        });
    });
}

/// `cw: 1,234 metrics in 90 calls ($0.0123) · ≈ $0.16/day at 60s`.
pub(crate) fn cost_text(
    name: &str,
    usage: &Usage,
    refresh: std::time::Duration,
    live: bool,
) -> String {
    let calls = if usage.calls == 1 { "call" } else { "calls" };
    let in_calls = if usage.units == usage.calls {
        String::new() // one unit a call (Cost Explorer requests): say it once
    } else {
        format!(" in {} {calls}", group_thousands(&usage.calls.to_string()))
    };
    let unit_name = if usage.units == 1 {
        usage.unit_name.trim_end_matches('s')
    } else {
        usage.unit_name
    };
    let mut text = format!(
        "{name}: {} {unit_name}{in_calls} (${:.4})",
        group_thousands(&usage.units.to_string()),
        usage.spent_usd()
    );
    if live && usage.units_last_refresh > 0 {
        text.push_str(&format!(
            " · ≈ ${:.2}/day at {}s",
            usage.projected_usd_per_day(usage.units_last_refresh, refresh),
            refresh.max(usage.min_interval).as_secs()
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_cost_meter_projects_the_last_refresh_over_a_day() {
        let usage = Usage {
            calls: 3,
            units: 42,
            units_last_refresh: 14,
            usd_per_unit: 0.01 / 1_000.0,
            unit_name: "metrics",
            min_interval: Duration::ZERO,
        };
        assert_eq!(
            cost_text("cw", &usage, Duration::from_secs(60), true),
            "cw: 42 metrics in 3 calls ($0.0004) · ≈ $0.20/day at 60s"
        );
        // A cached source costs at most one request per cache period.
        let cost_explorer = Usage {
            calls: 2,
            units: 2,
            units_last_refresh: 1,
            usd_per_unit: 0.01,
            unit_name: "requests",
            min_interval: Duration::from_secs(3_600),
        };
        assert_eq!(
            cost_text("ce", &cost_explorer, Duration::from_secs(60), true),
            "ce: 2 requests ($0.0200) · ≈ $0.24/day at 3600s"
        );
        // Paused: nothing more will be spent, so no projection.
        assert_eq!(
            cost_text("cw", &usage, Duration::from_secs(60), false),
            "cw: 42 metrics in 3 calls ($0.0004)"
        );
    }
}
