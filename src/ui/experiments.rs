//! The experiments panel: each chaos experiment in the window — when, on what,
//! its description and final state — with what each of the panel's queries did
//! on the targeted resource during it against as long just before it.

use super::{PanelContext, theme};
use crate::dashboard::PanelSpec;
use crate::ops::impact::impacts;
use crate::ops::{OpsEvent, OpsKind};
use egui::{RichText, Ui};

/// Draws the list; says so when the window holds no experiment.
pub(crate) fn show(ui: &mut Ui, ctx: &PanelContext<'_>, panel: &PanelSpec, now_ms: i64) -> bool {
    let window = ctx.window;
    let experiments: Vec<&OpsEvent> = ctx
        .marks
        .operations
        .iter()
        .filter(|e| e.is_band() && e.overlaps(window.start_ms, window.end_ms, now_ms))
        .collect();
    if experiments.is_empty() {
        ui.label(RichText::new("No chaos experiment in this time range").color(theme::OK));
        return true;
    }
    // Each experiment's figures, worked out once for its row.
    let rows: Vec<(&OpsEvent, Vec<crate::ops::impact::Impact>)> = experiments
        .into_iter()
        .map(|event| (event, impacts(ctx.session.store(), panel, event, now_ms)))
        .collect();
    egui::ScrollArea::vertical()
        .id_salt(("experiments", panel.id.as_str()))
        .show(ui, |ui| {
            egui::Grid::new(("experiments-grid", panel.id.as_str()))
                .striped(true)
                .spacing([16.0, 4.0])
                .show(ui, |ui| {
                    for heading in ["When", "Target", "Experiment", "State"] {
                        ui.label(RichText::new(heading).strong());
                    }
                    for impact in &rows[0].1 {
                        ui.label(
                            RichText::new(format!("{}: before, during", impact.name)).strong(),
                        );
                    }
                    ui.end_row();
                    for (event, figures) in &rows {
                        let OpsKind::Experiment {
                            description, state, ..
                        } = &event.kind
                        else {
                            continue;
                        };
                        let end = event.end_ms.unwrap_or(now_ms);
                        ui.label(format!(
                            "{} – {}",
                            ctx.zone.format(event.start_ms, "%m-%d %H:%M"),
                            ctx.zone.format(end, "%H:%M")
                        ));
                        ui.label(&event.resource);
                        ui.colored_label(theme::CHAOS, description);
                        ui.label(state);
                        for impact in figures {
                            let words = match (impact.before, impact.during) {
                                (Some(before), Some(during)) => {
                                    let change = impact
                                        .change_percent()
                                        .map(|p| format!(" ({p:+.0} %)"))
                                        .unwrap_or_default();
                                    let unit = impact.unit;
                                    format!(
                                        "{}, {}{change}",
                                        unit.format(before),
                                        unit.format(during)
                                    )
                                }
                                _ => "no data".to_owned(),
                            };
                            let worse = impact.change_percent().is_some_and(|p| p > 20.0);
                            ui.colored_label(
                                if worse {
                                    theme::WARN
                                } else {
                                    ui.visuals().text_color()
                                },
                                words,
                            );
                        }
                        ui.end_row();
                    }
                });
        });
    true
}
