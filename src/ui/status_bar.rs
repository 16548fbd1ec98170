//! The status bar: each source's state, the last refresh, and the points in memory.

use super::theme;
use crate::app::status::{HealthState, SourceHealth};
use crate::clock::DisplayZone;
use crate::store::Store;
use chrono::{DateTime, Utc};
use egui::{RichText, Ui};
use std::collections::BTreeMap;

/// Draws the bar.
pub fn show(
    ui: &mut Ui,
    health: &BTreeMap<String, SourceHealth>,
    store: &Store,
    last_refresh: Option<DateTime<Utc>>,
    live: bool,
    zone: DisplayZone,
) {
    let time = |t: DateTime<Utc>| zone.format(t.timestamp_millis(), "%H:%M:%S");
    ui.horizontal(|ui| {
        for (name, source) in health {
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
        let refreshed = last_refresh.map_or_else(|| "never".to_owned(), time);
        ui.label(format!("last refresh {refreshed}"));
        ui.separator();
        ui.label(if live { "live" } else { "paused" });
        ui.separator();
        ui.label(format!(
            "{} points in {} series",
            crate::units::group_thousands(&store.total_points().to_string()),
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
