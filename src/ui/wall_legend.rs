//! The wall's legend: a column beside the plot with each line's name (small) and
//! its last value (large, at least the legibility size), in the line's colour, so
//! it never covers data and the figure that matters reads across the room. When
//! more lines are drawn than fit at that size, the highest values are listed (on a
//! fleet wall the highest latency, queue or load is the one to read) and "+N more"
//! says how many are left out.

use super::theme;
use crate::store::{Series, SeriesKey};
use crate::time_range::Window;
use crate::units::Unit;
use egui::{Align2, FontId, Rect, Ui, pos2};

/// The names' size as a share of the figures'.
const NAME_SHARE: f32 = 0.3;

/// The last value at the window's right edge.
fn last_sample(series: &Series, window: Window) -> Option<f64> {
    let at_end = series.partition_point(window.end_ms.saturating_add(1));
    at_end
        .checked_sub(1)
        .and_then(|i| series.get(i))
        .map(|s| s.value)
}

/// The last value shown at the window's right edge, formatted.
fn last_value(series: &Series, window: Window, unit: Unit) -> String {
    last_sample(series, window).map_or_else(|| "–".to_owned(), |v| unit.format(v))
}

fn name_pt(figure_pt: f32) -> f32 {
    (figure_pt * NAME_SHARE).max(12.0)
}

/// Draws the column at the right of the panel's area; returns the width left
/// for the plot beside it.
pub(crate) fn beside(
    ui: &mut Ui,
    drawn: &[(&SeriesKey, &Series, String)],
    panel: &crate::dashboard::PanelSpec,
    figure_pt: f32,
    trusted: bool,
    window: Window,
) -> f32 {
    let full = ui.max_rect();
    let column = width(ui, drawn, panel.unit, figure_pt, full.width(), window);
    let rect = Rect::from_min_max(pos2(full.max.x - column, full.min.y), full.max);
    show(ui, rect, drawn, panel.unit, figure_pt, trusted, window);
    (full.width() - column - 8.0).max(1.0)
}

/// How wide the column must be for the widest name and value, at most 60 % of the
/// panel (a chart needs room too).
pub(crate) fn width(
    ui: &Ui,
    drawn: &[(&SeriesKey, &Series, String)],
    unit: Unit,
    figure_pt: f32,
    available: f32,
    window: Window,
) -> f32 {
    let color = ui.visuals().text_color();
    let widest = ui.fonts_mut(|fonts| {
        drawn
            .iter()
            .map(|(_, series, name)| {
                let value = fonts
                    .layout_no_wrap(
                        last_value(series, window, unit),
                        FontId::proportional(figure_pt),
                        color,
                    )
                    .size()
                    .x;
                let name = fonts
                    .layout_no_wrap(
                        name.clone(),
                        FontId::proportional(name_pt(figure_pt)),
                        color,
                    )
                    .size()
                    .x;
                value.max(name)
            })
            .fold(0.0f32, f32::max)
    });
    (widest + 16.0).min(available * 0.6)
}

/// Draws the column in `rect`.
pub(crate) fn show(
    ui: &mut Ui,
    rect: Rect,
    drawn: &[(&SeriesKey, &Series, String)],
    unit: Unit,
    figure_pt: f32,
    trusted: bool,
    window: Window,
) {
    let name_size = name_pt(figure_pt);
    let row = figure_pt * 1.05 + name_size * 1.25;
    let fits = ((rect.height() / row).floor() as usize).max(1);
    let shown = if drawn.len() > fits {
        fits.saturating_sub(1).max(1)
    } else {
        drawn.len()
    };
    let painter = ui.painter().with_clip_rect(rect.intersect(ui.clip_rect()));
    // Highest first; each keeps the colour of its line (its place in `drawn`).
    let mut order: Vec<usize> = (0..drawn.len()).collect();
    let value_of = |i: usize| last_sample(drawn[i].1, window).filter(|v| v.is_finite());
    order.sort_by(|&a, &b| {
        value_of(b)
            .partial_cmp(&value_of(a))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    for (row_index, &index) in order.iter().take(shown).enumerate() {
        let (_, series, name) = &drawn[index];
        let color = theme::series_color(ui.visuals().dark_mode, index);
        // Faded, not in its confident colour, while the data is not current.
        let color = if trusted {
            color
        } else {
            theme::NO_DATA.gamma_multiply(0.6)
        };
        let top = rect.min.y + row_index as f32 * row;
        let value = last_value(series, window, unit);
        painter.text(
            pos2(rect.min.x + 8.0, top),
            Align2::LEFT_TOP,
            name,
            FontId::proportional(name_size),
            ui.visuals().weak_text_color(),
        );
        painter.text(
            pos2(rect.min.x + 8.0, top + name_size * 1.2),
            Align2::LEFT_TOP,
            &value,
            FontId::proportional(figure_pt),
            color,
        );
        // An accessible name, so tests and screen readers read the figure.
        let row_rect = Rect::from_min_size(pos2(rect.min.x, top), egui::vec2(rect.width(), row));
        let response = ui.interact(
            row_rect,
            ui.scope_id().with(("wall-legend", name.as_str())),
            egui::Sense::hover(),
        );
        response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Label, true, format!("{name}: {value}"))
        });
    }
    if shown < drawn.len() {
        painter.text(
            pos2(rect.min.x + 8.0, rect.min.y + shown as f32 * row),
            Align2::LEFT_TOP,
            format!("+{} more", drawn.len() - shown),
            FontId::proportional(name_size * 1.5),
            ui.visuals().weak_text_color(),
        );
    }
}
