//! The alarm panel: every active alarm of its sources in one list — firing first,
//! then by severity and age — with counts per state.

use super::{PanelContext, theme};
use crate::alarm::{Alarm, AlarmState};
use crate::layout::Panel;
use egui::{RichText, Ui};

/// Draws the list; returns whether the panel has answered (an empty list is data too).
pub fn show(ui: &mut Ui, ctx: &mut PanelContext<'_>, panel_index: usize, panel: &Panel) -> bool {
    let mut alarms: Vec<&Alarm> = (0..panel.queries.len())
        .filter_map(|query| ctx.alarms.get(&(panel_index, query)))
        .flatten()
        .collect();
    let answered =
        (0..panel.queries.len()).any(|query| ctx.alarms.contains_key(&(panel_index, query)));
    if !answered {
        return false;
    }
    alarms.sort_by(|a, b| Alarm::display_order(a, b));
    let count = |state| alarms.iter().filter(|a| a.state == state).count();
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!("{} firing", count(AlarmState::Firing)))
                .color(theme::ERROR)
                .strong(),
        );
        ui.label(
            RichText::new(format!("{} pending", count(AlarmState::Pending))).color(theme::WARN),
        );
        // Rarer states only when present, so the usual line stays short.
        for state in [AlarmState::NoData, AlarmState::Suppressed, AlarmState::Ok] {
            let n = count(state);
            if n > 0 {
                ui.label(format!("{n} {}", state.label()));
            }
        }
    });
    if alarms.is_empty() {
        ui.label(RichText::new("No alarms").color(theme::OK).size(16.0));
        return true;
    }
    egui::ScrollArea::vertical()
        .id_salt(("alarms", panel_index))
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new(("alarm_grid", panel_index))
                .striped(true)
                .num_columns(5)
                .spacing([10.0, 4.0])
                .show(ui, |ui| {
                    for heading in ["state", "alarm", "severity", "since", "summary"] {
                        ui.label(RichText::new(heading).weak());
                    }
                    ui.end_row();
                    for alarm in alarms {
                        let color = match alarm.state {
                            AlarmState::Firing => theme::ERROR,
                            AlarmState::Pending => theme::WARN,
                            AlarmState::NoData => theme::NO_DATA,
                            AlarmState::Ok => theme::OK,
                            AlarmState::Suppressed => ui.visuals().weak_text_color(),
                        };
                        ui.label(RichText::new(alarm.state.label()).color(color).strong());
                        ui.label(RichText::new(&alarm.name).strong())
                            .on_hover_text(labels_text(alarm));
                        ui.label(alarm.severity.as_deref().unwrap_or("–"));
                        let since = alarm.since.map_or_else(
                            || "–".to_owned(),
                            |t| ctx.zone.format(t.timestamp_millis(), "%m-%d %H:%M:%S"),
                        );
                        ui.label(since);
                        ui.label(&alarm.summary);
                        ui.end_row();
                    }
                });
        });
    true
}

fn labels_text(alarm: &Alarm) -> String {
    let labels: Vec<String> = alarm
        .labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    format!("source: {}\n{}", alarm.source, labels.join("\n"))
}
