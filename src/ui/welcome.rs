//! The first-run window: a new user sees the simulated fleet and is told so, with
//! the three ways to their own fleet — discover a server or AWS account, import a
//! Grafana dashboard, open a layout. Each opens the layout picker where that is
//! done; closing it in any way marks the welcome seen, so later starts reopen the
//! last layout instead.

use super::picker::PickerUi;
use crate::view::Command;
use egui::RichText;

/// The window, while `open`.
pub(crate) fn window(
    ctx: &egui::Context,
    open: &mut bool,
    picker: &mut PickerUi,
    commands: &mut Vec<Command>,
) {
    if !*open {
        return;
    }
    let mut still_open = true;
    let mut chosen: Option<fn(&mut PickerUi)> = None;
    let mut closed = false;
    egui::Window::new("Welcome to fleetdeck")
        .open(&mut still_open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .default_width(520.0)
        .show(ctx, |ui| {
            ui.label(
                RichText::new("This is a simulated fleet.")
                    .size(20.0)
                    .strong(),
            );
            ui.label(
                "The dashboard behind this window runs on fleetdeck's built-in simulator: \
                 vLLM models, GPUs, NeuronCores and spend, moving as a real fleet does, \
                 with no server or cloud account needed.",
            );
            ui.add_space(8.0);
            ui.label("To see your own fleet:");
            ui.add_space(4.0);
            let wide = egui::vec2(ui.available_width(), 30.0);
            if ui
                .add_sized(wide, egui::Button::new("Connect to Prometheus or AWS…"))
                .on_hover_text("Discover what a server or account holds and build a layout for it")
                .clicked()
            {
                chosen = Some(|picker| picker.connect_open = true);
            }
            if ui
                .add_sized(wide, egui::Button::new("Import a Grafana dashboard…"))
                .on_hover_text("Convert a dashboard's JSON into a layout")
                .clicked()
            {
                chosen = Some(|_| {});
            }
            if ui
                .add_sized(wide, egui::Button::new("Open a layout…"))
                .on_hover_text("A layout file, a recent one, or a new empty one")
                .clicked()
            {
                chosen = Some(|_| {});
            }
            ui.add_space(8.0);
            if ui.button("Keep exploring the simulated fleet").clicked() {
                closed = true;
            }
        });
    if let Some(prepare) = chosen {
        prepare(picker);
        picker.open = true;
        commands.push(Command::ListLayouts);
        closed = true;
    }
    if closed || !still_open {
        *open = false;
        commands.push(Command::WelcomeSeen);
    }
}
