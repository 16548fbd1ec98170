//! The text panel: the layout's words, wrapped to the panel.

use crate::dashboard::PanelSpec;
use egui::Ui;

/// Draws the text; a text panel always has something to show.
pub(crate) fn show(ui: &mut Ui, panel: &PanelSpec) -> bool {
    ui.add(egui::Label::new(panel.text.as_deref().unwrap_or_default()).wrap());
    true
}
