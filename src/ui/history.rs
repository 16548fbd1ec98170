//! The alarm history: every state change of the layout's local rules and of the
//! alarms its sources raise (as seen between polls), newest
//! first, with the value that caused it; a click goes to that moment.

use super::theme;
use crate::alarm::engine::Transition;
use crate::alarm::rules::RuleState;
use crate::app::Command;
use crate::clock::DisplayZone;
use egui::RichText;

/// Draws the top-bar button that opens the history.
pub fn button(ui: &mut egui::Ui, open: &mut bool, changes: usize) {
    if ui
        .add(egui::Button::new(format!("History ({changes})")).selected(*open))
        .on_hover_text("Every state change of this layout's alarm rules")
        .clicked()
    {
        *open = !*open;
    }
}

/// Draws the history window when open.
pub fn window(
    ctx: &egui::Context,
    open: &mut bool,
    history: &std::collections::VecDeque<Transition>,
    zone: DisplayZone,
    commands: &mut Vec<Command>,
) {
    if !*open {
        return;
    }
    egui::Window::new("Alarm history")
        .open(open)
        .default_size([720.0, 420.0])
        .show(ctx, |ui| {
            if history.is_empty() {
                ui.label("No state changes yet.");
                return;
            }
            egui::ScrollArea::vertical()
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    egui::Grid::new("alarm_history")
                        .striped(true)
                        .num_columns(4)
                        .spacing([10.0, 3.0])
                        .show(ui, |ui| {
                            for heading in ["time", "change", "alarm", "series / source"] {
                                ui.label(RichText::new(heading).weak());
                            }
                            ui.end_row();
                            for t in history.iter().rev() {
                                let color = match t.change.to {
                                    RuleState::Firing { .. } => theme::ERROR,
                                    RuleState::Pending { .. } => theme::WARN,
                                    RuleState::NoData { .. } => theme::NO_DATA,
                                    RuleState::Ok => theme::OK,
                                };
                                let time = ui.add(
                                    egui::Button::new(
                                        zone.format(t.change.at_ms, "%m-%d %H:%M:%S"),
                                    )
                                    .frame(false),
                                );
                                if time.on_hover_text("show this moment").clicked() {
                                    commands.push(Command::FocusAlarm {
                                        panel: t.panel.clone(),
                                        at_ms: t.change.at_ms,
                                    });
                                }
                                ui.label(
                                    RichText::new(format!(
                                        "{} › {}",
                                        t.change.from.label(),
                                        t.change.to.label()
                                    ))
                                    .color(color),
                                );
                                ui.label(&t.rule);
                                ui.label(&t.series);
                                ui.end_row();
                            }
                        });
                });
        });
}
