//! The chart's right-click menu: compare this panel alone with an earlier
//! window, copy a link to it, explore it.

use super::super::PanelContext;
use crate::dashboard::PanelId;
use crate::view::Command;

/// Right-click on a chart: compare this panel alone with an earlier window.
pub(super) fn show(plot: &egui::Response, ctx: &mut PanelContext<'_>, panel: &PanelId) {
    let mut chosen = None;
    plot.context_menu(|ui| {
        ui.label("Compare this panel with");
        for &(label, seconds) in super::super::top_bar::COMPARE_CHOICES {
            if ui.button(label).clicked() {
                chosen = Some(Some(std::time::Duration::from_secs(seconds)));
                ui.close();
            }
        }
        if ui.button("nothing").clicked() {
            chosen = Some(None);
            ui.close();
        }
        ui.separator();
        if ui.button("Copy link to this panel").clicked() {
            ctx.commands.push(Command::CopyLink(Some(panel.clone())));
            ui.close();
        }
        if !crate::explore::panes::is_pane(panel) && ui.button("Explore this panel").clicked() {
            ctx.commands.push(Command::Explore(
                crate::explore::panes::ExploreCommand::Open(Some(panel.clone())),
            ));
            ui.close();
        }
    });
    if let Some(shift) = chosen {
        ctx.commands.push(Command::Compare {
            panel: Some(panel.clone()),
            shift,
        });
    }
}
