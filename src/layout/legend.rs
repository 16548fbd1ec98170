//! Checking a line panel's legend keys: `legend_at` and `legend_values`.

use super::compile::Report;
use crate::dashboard::LegendSettings;
use crate::layout_file::{Panel, PanelKind};

/// The panel's legend settings; on any other kind than a line panel the keys
/// are refused (nothing would read them).
pub(super) fn compile(panel: &Panel, report: &mut Report<'_>) -> LegendSettings {
    let title = panel.title.get_ref();
    let mut settings = LegendSettings::default();
    let line_panel = panel.kind == PanelKind::Timeseries;
    if let Some(at) = &panel.legend_at {
        if line_panel {
            settings.at = *at.get_ref();
        } else {
            report(
                Some(at.span()),
                format!("panel `{title}`: `legend_at` is for line panels (kind = \"timeseries\")"),
            );
        }
    }
    if let Some(values) = &panel.legend_values {
        if !line_panel {
            report(
                Some(values.span()),
                format!(
                    "panel `{title}`: `legend_values` is for line panels (kind = \"timeseries\")"
                ),
            );
        } else if let Some(twice) = values
            .get_ref()
            .iter()
            .enumerate()
            .find(|(i, v)| values.get_ref()[..*i].contains(v))
        {
            report(
                Some(values.span()),
                format!(
                    "panel `{title}`: `legend_values` lists `{}` twice",
                    twice.1.name()
                ),
            );
        } else {
            settings.values = values.get_ref().clone();
        }
    }
    settings
}
