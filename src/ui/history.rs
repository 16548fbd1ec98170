//! The alarm history: every state change of the layout's local rules and of the
//! alarms its sources raise (as seen between polls), and the notes pinned on the
//! timeline, on one timeline, newest first; a click goes to that moment.

use super::theme;
use crate::alarm::engine::Transition;
use crate::alarm::rules::RuleState;
use crate::clock::DisplayZone;
use crate::view::Command;
use egui::RichText;

/// Draws the top-bar button that opens the history.
pub(crate) fn button(ui: &mut egui::Ui, open: &mut bool, changes: usize) {
    if ui
        .add(egui::Button::new(format!("History ({changes})")).selected(*open))
        .on_hover_text("Every state change of this layout's alarm rules")
        .clicked()
    {
        *open = !*open;
    }
}

/// Draws the history window when open.
pub(crate) fn window(
    ctx: &egui::Context,
    open: &mut bool,
    history: &std::collections::VecDeque<Transition>,
    notes: &[crate::notes::Note],
    zone: DisplayZone,
    commands: &mut Vec<Command>,
) {
    if !*open {
        return;
    }
    egui::Window::new("Alarm history and notes")
        .open(open)
        .default_size([720.0, 420.0])
        .show(ctx, |ui| {
            if history.is_empty() && notes.is_empty() {
                ui.label("No state changes or notes yet.");
                return;
            }
            // One timeline: alarm changes and notes by time, newest first.
            let mut entries: Vec<(i64, Option<&Transition>, Option<&crate::notes::Note>)> = history
                .iter()
                .map(|t| (t.change.at_ms, Some(t), None))
                .collect();
            entries.extend(
                notes
                    .iter()
                    .filter_map(|n| Some((n.start_ms()?, None, Some(n)))),
            );
            entries.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
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
                            for (at_ms, transition, note) in &entries {
                                let Some(t) = transition else {
                                    if let Some(note) = note {
                                        let time = ui.add(
                                            egui::Button::new(
                                                zone.format(*at_ms, "%m-%d %H:%M:%S"),
                                            )
                                            .frame(false),
                                        );
                                        if time.on_hover_text("show this moment").clicked() {
                                            commands.push(Command::FocusAlarm {
                                                panel: None,
                                                at_ms: *at_ms,
                                            });
                                        }
                                        ui.label(RichText::new("note").color(theme::NOTE));
                                        ui.label(&note.text);
                                        ui.label(
                                            note.until
                                                .as_deref()
                                                .map_or_else(String::new, |u| format!("until {u}")),
                                        );
                                        ui.end_row();
                                    }
                                    continue;
                                };
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
