//! The state timeline: a row per series, each a band of coloured segments (the
//! states its values mean), a gap where it stopped reporting, times under it, and
//! on hover the state with when it began, ended and how long it lasted.

use super::{PanelContext, theme, time_axis};
use crate::dashboard::PanelSpec;
use crate::state_timeline::{Segment, StateRow, row};
use egui::{Align2, FontId, Rect, Ui, pos2, vec2};

/// Height of the time labels under the rows on a workstation (points); on the
/// wall they are as tall as their font.
const AXIS_HEIGHT: f32 = 16.0;

/// Draws the rows; returns whether there was a row to show.
pub(crate) fn show(
    ui: &mut Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    trusted: bool,
) -> bool {
    let rows: Vec<StateRow> = super::timeseries::drawn_series(ctx, panel)
        .into_iter()
        .map(|(_, series, name)| row(panel, name, series, ctx.window))
        .filter(|row| !row.segments.is_empty())
        .collect();
    if rows.is_empty() {
        return false;
    }
    let rect = ui.max_rect();
    let font = match ctx.wall_figure_pt {
        Some(figure_pt) => figure_pt * 0.6,
        None => 12.0,
    };
    let axis_height = (font * 0.85 + 4.0).max(AXIS_HEIGHT);
    let height = ((rect.height() - axis_height) / rows.len() as f32).clamp(6.0, font * 2.6);
    let name_width = rows
        .iter()
        .map(|r| r.name.chars().count() as f32 * font * 0.55)
        .fold(0.0, f32::max)
        .min(rect.width() * 0.3);
    let track_left = rect.min.x + name_width + 8.0;
    let track_width = (rect.max.x - track_left).max(1.0);
    let span = ctx.window.span_ms().max(1) as f32;
    let x_of = |t_ms: i64| track_left + (t_ms - ctx.window.start_ms) as f32 / span * track_width;
    let painter = ui.painter_at(rect);
    let pointer = ui.ctx().pointer_hover_pos().filter(|p| rect.contains(*p));
    let fade = if trusted { 1.0 } else { 0.35 };
    let mut hovered: Option<(&StateRow, &Segment)> = None;
    for (index, state_row) in rows.iter().enumerate() {
        let top = rect.min.y + index as f32 * height;
        if top + height > rect.max.y - axis_height + 1.0 {
            break;
        }
        let band = Rect::from_min_max(
            pos2(track_left, top + 1.0),
            pos2(rect.max.x, top + height - 1.0),
        );
        painter.text(
            pos2(rect.min.x, band.center().y),
            Align2::LEFT_CENTER,
            &state_row.name,
            FontId::proportional(font.min(height)),
            ui.visuals().text_color(),
        );
        painter.rect_filled(band, 0.0, ui.visuals().extreme_bg_color);
        for segment in &state_row.segments {
            let left = x_of(segment.start_ms).max(band.min.x);
            let right = x_of(segment.end_ms).min(band.max.x);
            if right <= left {
                continue;
            }
            let cell = Rect::from_min_max(pos2(left, band.min.y), pos2(right, band.max.y));
            let color = segment.rgb.map_or(theme::NO_DATA, theme::rgb);
            painter.rect_filled(cell, 0.0, color.gamma_multiply(0.85 * fade));
            // The state's name inside a segment wide enough to hold it.
            let text_width = segment.text.chars().count() as f32 * font * 0.55;
            if cell.width() > text_width + 8.0 && height >= font + 2.0 {
                painter.text(
                    cell.left_center() + vec2(4.0, 0.0),
                    Align2::LEFT_CENTER,
                    &segment.text,
                    FontId::proportional(font * 0.9),
                    egui::Color32::BLACK.gamma_multiply(0.8),
                );
            }
            if pointer.is_some_and(|p| cell.contains(p)) {
                hovered = Some((state_row, segment));
            }
        }
        accessible(ui, panel, band, state_row);
    }
    axis(
        ui,
        ctx,
        rect,
        (track_left, track_width),
        (font, axis_height),
    );
    if let Some((state_row, segment)) = hovered {
        let zone = ctx.zone;
        let lasted = crate::time_range::format_duration(std::time::Duration::from_millis(
            (segment.end_ms - segment.start_ms).max(0) as u64,
        ));
        let text = format!(
            "{}: {}\n{} – {} ({lasted})",
            state_row.name,
            segment.text,
            zone.format(segment.start_ms, "%H:%M:%S"),
            zone.format(segment.end_ms, "%H:%M:%S"),
        );
        egui::Tooltip::always_open(
            ui.ctx().clone(),
            ui.layer_id(),
            ui.scope_id().with("state-tip"),
            egui::PopupAnchor::Pointer,
        )
        .show(|ui| {
            ui.label(text);
        });
    }
    true
}

/// The window's start, middle and end under the rows.
fn axis(
    ui: &Ui,
    ctx: &PanelContext<'_>,
    rect: Rect,
    (left, width): (f32, f32),
    (font, height): (f32, f32),
) {
    let y = rect.max.y - height / 2.0;
    let span_s = ctx.window.span_ms() as f64 / 1000.0;
    for (share, align) in [
        (0.0, Align2::LEFT_CENTER),
        (0.5, Align2::CENTER_CENTER),
        (1.0, Align2::RIGHT_CENTER),
    ] {
        let t_ms = ctx.window.start_ms + (ctx.window.span_ms() as f64 * share) as i64;
        ui.painter().text(
            pos2(left + width * share as f32, y),
            align,
            time_axis::time_label(ctx.zone, t_ms as f64 / 1000.0, span_s),
            FontId::proportional(font * 0.85),
            ui.visuals().weak_text_color(),
        );
    }
}

/// A row's accessible name: the series and its state now, for tests and screen
/// readers.
fn accessible(ui: &Ui, panel: &PanelSpec, band: Rect, state_row: &StateRow) {
    let response = ui.interact(
        band,
        ui.scope_id()
            .with(("state-row", panel.id.as_str(), &state_row.name)),
        egui::Sense::hover(),
    );
    let now = state_row.segments.last().map_or("", |s| s.text.as_str());
    let label = format!("{}: {}: {now}", panel.title, state_row.name);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &label));
}
