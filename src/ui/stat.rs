//! The stat panel: the latest value, large enough to read across a room, coloured
//! by the panel's thresholds, over a sparkline of the visible range.

use super::{PanelContext, theme};
use crate::dashboard::PanelSpec;
use egui::{Align2, Color32, FontId, Rect, Shape, Stroke, Ui, pos2};

/// Draws the tile; returns whether there was a value to show. An untrusted value
/// (its source is stale or failing) is drawn faded, so a wall display never shows an
/// old number in confident green.
pub(crate) fn show(
    ui: &mut Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    trusted: bool,
) -> bool {
    let Some((key, series, name)) = super::timeseries::drawn_series(ctx, panel)
        .into_iter()
        .next()
    else {
        return false;
    };
    // The value at the end of the window shown: the latest one while live, the
    // one at the right edge when zoomed into the past.
    let Some(last) = series.at_or_before(ctx.window.end_ms) else {
        return false;
    };
    let rect = ui.max_rect();
    let color = value_color(panel, last.value).unwrap_or_else(|| ui.visuals().strong_text_color());
    // Untrusted (stale, failing, or not confirmed for a while): faded and never in
    // its threshold colour, so an old number cannot pass for an all-good green.
    let color = if trusted {
        color
    } else {
        theme::NO_DATA.gamma_multiply(0.6)
    };

    let text = panel.unit.format(last.value);
    let fit = (rect.height() * 0.45).min(rect.width() / (text.chars().count() as f32 * 0.62));
    // On the wall a figure is never smaller than the legibility rule allows.
    let value_size = match ctx.wall_figure_pt {
        Some(figure_pt) => (rect.height() * 0.6)
            .min(rect.width() / (text.chars().count() as f32 * 0.62))
            .max(figure_pt),
        None => fit.max(10.0),
    };
    let value_y = rect.min.y + value_size * 0.6;
    let name_y = value_y + value_size * 0.5 + 8.0;
    // Sparkline below the name when there is room, else faintly behind everything.
    let spark_top = (name_y + 8.0).min(rect.max.y - rect.height() * 0.3);
    let spark_rect = Rect::from_min_max(pos2(rect.min.x, spark_top), rect.max);

    let columns = rect.width().max(1.0) as usize;
    ctx.state.lines.prepare(key, series, ctx.window, columns);
    let points = ctx.state.lines.points(key);
    if points.len() >= 2 {
        let bounds = ctx.state.lines.bounds(key);
        let (low, high) = (bounds.min()[1], bounds.max()[1]);
        // Changes under 0.1 % of the value draw flat: otherwise rounding noise in a
        // steady series (a forecast, a total) is stretched into a barcode.
        let floor = 1e-3 * high.abs().max(low.abs()).max(1e-9);
        let range = (high - low).max(floor);
        let low = (high + low) / 2.0 - range / 2.0;
        let x0 = ctx.window.start_ms as f64 / 1000.0;
        let span = (ctx.window.span_ms() as f64 / 1000.0).max(1e-9);
        let line: Vec<egui::Pos2> = points
            .iter()
            .map(|p| {
                let x = spark_rect.min.x + ((p.x - x0) / span) as f32 * spark_rect.width();
                let y = spark_rect.max.y - ((p.y - low) / range) as f32 * spark_rect.height() * 0.9;
                pos2(x.clamp(spark_rect.min.x, spark_rect.max.x), y)
            })
            .collect();
        ui.painter().with_clip_rect(spark_rect).add(Shape::line(
            line,
            Stroke::new(1.5, color.gamma_multiply(0.5)),
        ));
    }

    ui.painter().text(
        pos2(rect.center().x, value_y),
        Align2::CENTER_CENTER,
        &text,
        FontId::proportional(value_size),
        color,
    );
    ui.painter().text(
        pos2(rect.center().x, name_y),
        Align2::CENTER_CENTER,
        name,
        FontId::proportional(11.0),
        ui.visuals().weak_text_color(),
    );
    // An accessible name so tests and screen readers can read the value.
    let response = ui.interact(
        rect,
        ui.scope_id().with(("stat", panel.id.as_str())),
        egui::Sense::hover(),
    );
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Label, true, format!("{}: {text}", panel.title))
    });
    true
}

/// The colour of the highest threshold at or below `value`.
fn value_color(panel: &PanelSpec, value: f64) -> Option<Color32> {
    theme::threshold_color(&panel.thresholds, value)
}
