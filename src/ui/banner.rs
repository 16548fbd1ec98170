//! The firing banner: a red strip under the top bar while any alarm fires that
//! nobody has acknowledged — readable across a room, and a click away from the
//! first alarm's panel and moment.

use super::{FrameInput, theme};
use crate::alarm::{Alarm, AlarmState, ack};
use crate::view::Command;
use egui::RichText;

/// Draws the banner when something unacknowledged is firing.
pub(crate) fn show(ui: &mut egui::Ui, frame: &FrameInput<'_>, commands: &mut Vec<Command>) {
    // The same alarm listed by two alarm panels counts once; one rule firing on
    // two series counts twice, but names itself once.
    let mut firing: Vec<&Alarm> = frame
        .session
        .alarms()
        .distinct()
        .into_iter()
        .filter(|a| a.state == AlarmState::Firing && !frame.acked.contains(&ack::key(a)))
        .collect();
    if firing.is_empty() {
        return;
    }
    firing.sort_by(|a, b| Alarm::display_order(a, b));
    let mut all_names: Vec<&str> = Vec::new();
    for alarm in &firing {
        if !all_names.contains(&alarm.name.as_str()) {
            all_names.push(&alarm.name);
        }
    }
    let names = &all_names[..all_names.len().min(3)];
    let more = all_names.len() - names.len();
    let text = format!(
        "{} firing: {}{}",
        firing.len(),
        names.join(" · "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    );
    egui::Panel::top("firing_banner")
        .frame(egui::Frame::new().fill(theme::ERROR).inner_margin(6.0))
        .show(ui, |ui| {
            let response = ui
                .add(
                    egui::Label::new(RichText::new(text).color(egui::Color32::WHITE).strong().size(18.0))
                        .sense(egui::Sense::click()),
                )
                .on_hover_text("click: show the first alarm's panel when it began; acknowledge alarms in an alarm panel to hide this");
            if response.clicked()
                && let Some(at) = firing[0].since
            {
                commands.push(Command::FocusAlarm {
                    panel: firing[0].panel.clone(),
                    at_ms: at.timestamp_millis(),
                });
            }
        });
}
