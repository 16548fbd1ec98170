//! The gauge and the bar gauge: each series' value at the end of the window
//! against a range, in its threshold's colour. A gauge is a dial per series (a
//! row of them); a bar gauge is a bar per series, its name at the left and its
//! value at the right, the one to compare many endpoints or models at a glance.
//! Untrusted data (stale or failing source) is drawn faded and never in a
//! threshold colour, as the stat tile is.

use super::{PanelContext, theme};
use crate::dashboard::{PanelSpec, Threshold};
use crate::units::Unit;
use egui::{Align2, Color32, FontId, Pos2, Rect, Shape, Stroke, Ui, pos2, vec2};

/// A dial's sweep, radians: from lower left to lower right through the top.
const SWEEP: f32 = std::f32::consts::PI * 4.0 / 3.0;
/// Most dials side by side; more series than this show the first ones.
const MAX_DIALS: usize = 12;

/// One series' value and name, as drawn.
struct Reading {
    name: String,
    value: f64,
}

/// Every drawn series' value at the end of the window.
fn readings(ctx: &PanelContext<'_>, panel: &PanelSpec) -> Vec<Reading> {
    super::timeseries::drawn_series(ctx, panel)
        .into_iter()
        .filter_map(|(_, series, name)| {
            let last = series.at_or_before(ctx.window.end_ms)?;
            Some(Reading {
                name,
                value: last.value,
            })
        })
        .collect()
}

/// The readings and the range they are drawn against; `None` with no value.
fn readings_in_range(
    ctx: &PanelContext<'_>,
    panel: &PanelSpec,
) -> Option<(Vec<Reading>, (f64, f64))> {
    let readings = readings(ctx, panel);
    if readings.is_empty() {
        return None;
    }
    let range = range(panel, readings.iter().map(|r| r.value));
    Some((readings, range))
}

/// The range a gauge spans: the panel's `min` (default 0) to its `max`, else the
/// unit's full scale (100 %, a ratio's 1), else a little above the highest
/// threshold or value.
pub(crate) fn range(panel: &PanelSpec, values: impl Iterator<Item = f64>) -> (f64, f64) {
    let min = panel.min.unwrap_or(0.0);
    let max = panel.max.unwrap_or_else(|| match panel.unit {
        Unit::Percent => 100.0,
        Unit::Ratio => 1.0,
        _ => {
            let highest = values
                .chain(panel.thresholds.iter().map(|t| t.value))
                .fold(f64::NEG_INFINITY, f64::max);
            if highest > min {
                min + (highest - min) * 1.1
            } else {
                min + 1.0
            }
        }
    });
    (min, max.max(min + f64::EPSILON))
}

/// The colour a value is drawn in.
fn color(ui: &Ui, thresholds: &[Threshold], value: f64, trusted: bool) -> Color32 {
    if !trusted {
        return theme::NO_DATA.gamma_multiply(0.6);
    }
    theme::threshold_color(thresholds, value).unwrap_or_else(|| ui.visuals().selection.bg_fill)
}

/// A value's share of the range, 0–1.
fn share(value: f64, (min, max): (f64, f64)) -> f32 {
    ((value - min) / (max - min)).clamp(0.0, 1.0) as f32
}

/// Draws the dials; returns whether there was a value to show.
pub(crate) fn show_dials(
    ui: &mut Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    trusted: bool,
) -> bool {
    let Some((readings, range)) = readings_in_range(ctx, panel) else {
        return false;
    };
    let shown = &readings[..readings.len().min(MAX_DIALS)];
    let rect = ui.max_rect();
    let width = rect.width() / shown.len() as f32;
    for (index, reading) in shown.iter().enumerate() {
        let cell = Rect::from_min_size(
            pos2(rect.min.x + index as f32 * width, rect.min.y),
            vec2(width, rect.height()),
        );
        dial(ui, ctx, panel, cell, reading, range, trusted);
    }
    true
}

fn dial(
    ui: &Ui,
    ctx: &PanelContext<'_>,
    panel: &PanelSpec,
    cell: Rect,
    reading: &Reading,
    range: (f64, f64),
    trusted: bool,
) {
    let name_height = 16.0;
    // The track is 0.18 of the radius thick and the threshold ring sits outside
    // it: the dial reaches 1.22 radii above its centre and, its ends at 30°
    // below the horizontal, 0.61 below.
    const OUTER: f32 = 1.22;
    let radius = (cell.width() * 0.45 / OUTER)
        .min((cell.height() - name_height - 6.0) / (OUTER * 1.5))
        .max(8.0);
    let centre = pos2(cell.center().x, cell.min.y + radius * OUTER + 2.0);
    let thickness = (radius * 0.18).max(3.0);
    let painter = ui.painter_at(cell);
    let start = std::f32::consts::PI * 5.0 / 6.0;
    let arc = |from: f32, to: f32, r: f32| -> Vec<Pos2> {
        let steps = ((to - from).abs() * 24.0).ceil().max(2.0) as usize;
        (0..=steps)
            .map(|i| {
                let angle = start + from * SWEEP + (to - from) * SWEEP * i as f32 / steps as f32;
                centre + r * vec2(angle.cos(), angle.sin())
            })
            .collect()
    };
    painter.add(Shape::line(
        arc(0.0, 1.0, radius),
        Stroke::new(thickness, ui.visuals().extreme_bg_color),
    ));
    // The thresholds as a thin ring outside the track: where each colour starts.
    if trusted {
        for (index, threshold) in panel.thresholds.iter().enumerate() {
            let from = share(threshold.value, range);
            let to = panel
                .thresholds
                .get(index + 1)
                .map_or(1.0, |next| share(next.value, range));
            if to > from {
                painter.add(Shape::line(
                    arc(from, to, radius + thickness * 0.9),
                    Stroke::new(
                        thickness * 0.3,
                        theme::rgb(threshold.rgb).gamma_multiply(0.8),
                    ),
                ));
            }
        }
    }
    let value_color = color(ui, &panel.thresholds, reading.value, trusted);
    let filled = share(reading.value, range);
    if filled > 0.0 {
        painter.add(Shape::line(
            arc(0.0, filled, radius),
            Stroke::new(thickness, value_color),
        ));
    }
    let text = panel.unit.format(reading.value);
    let size = match ctx.wall_figure_pt {
        Some(figure_pt) => (radius * 0.5).max(figure_pt),
        None => (radius * 0.45).clamp(10.0, 64.0),
    };
    painter.text(
        centre,
        Align2::CENTER_CENTER,
        &text,
        FontId::proportional(size),
        value_color,
    );
    painter.text(
        pos2(
            cell.center().x,
            (centre.y + radius * 0.8).min(cell.max.y - name_height / 2.0),
        ),
        Align2::CENTER_CENTER,
        &reading.name,
        FontId::proportional(11.0),
        ui.visuals().weak_text_color(),
    );
    accessible(ui, panel, cell, reading, &text);
}

/// Draws the bars; returns whether there was a value to show.
pub(crate) fn show_bars(
    ui: &mut Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    trusted: bool,
) -> bool {
    let Some((readings, range)) = readings_in_range(ctx, panel) else {
        return false;
    };
    let rect = ui.max_rect();
    let font = match ctx.wall_figure_pt {
        Some(figure_pt) => figure_pt * 0.6,
        None => 12.0,
    };
    let row = (rect.height() / readings.len() as f32).clamp(font + 4.0, font * 3.0);
    let name_width = readings
        .iter()
        .map(|r| r.name.chars().count() as f32 * font * 0.55)
        .fold(0.0, f32::max)
        .min(rect.width() * 0.4);
    let value_width = font * 6.0;
    let painter = ui.painter_at(rect);
    for (index, reading) in readings.iter().enumerate() {
        let top = rect.min.y + index as f32 * row;
        if top + row > rect.max.y + 1.0 {
            break;
        }
        let line = Rect::from_min_size(pos2(rect.min.x, top), vec2(rect.width(), row));
        painter.text(
            pos2(line.min.x, line.center().y),
            Align2::LEFT_CENTER,
            &reading.name,
            FontId::proportional(font),
            ui.visuals().text_color(),
        );
        let track = Rect::from_min_max(
            pos2(line.min.x + name_width + 8.0, line.min.y + row * 0.2),
            pos2(line.max.x - value_width, line.max.y - row * 0.2),
        );
        painter.rect_filled(track, 2.0, ui.visuals().extreme_bg_color);
        let value_color = color(ui, &panel.thresholds, reading.value, trusted);
        let mut filled = track;
        filled.set_width(track.width() * share(reading.value, range));
        painter.rect_filled(filled, 2.0, value_color);
        let text = panel.unit.format(reading.value);
        painter.text(
            pos2(line.max.x, line.center().y),
            Align2::RIGHT_CENTER,
            &text,
            FontId::proportional(font),
            value_color,
        );
        accessible(ui, panel, line, reading, &text);
    }
    true
}

/// An accessible name per reading, so tests and screen readers read the value.
fn accessible(ui: &Ui, panel: &PanelSpec, rect: Rect, reading: &Reading, text: &str) {
    let response = ui.interact(
        rect,
        ui.scope_id()
            .with(("gauge", panel.id.as_str(), &reading.name)),
        egui::Sense::hover(),
    );
    let label = format!("{}: {} {text}", panel.title, reading.name);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Label, true, &label));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel(extra: &str) -> PanelSpec {
        let text = format!(
            "version = 1\ntitle = \"t\"\n[sources.demo]\nkind = \"demo\"\n[[panels]]\ntitle = \"g\"\nkind = \"gauge\"\ngrid = {{ x = 0, y = 0, w = 6, h = 4 }}\n{extra}\n[[panels.queries]]\nsource = \"demo\"\nmetric = \"vllm:num_requests_waiting\"\n"
        );
        crate::layout::first_panel(&text)
    }

    #[test]
    fn the_range_is_the_panels_else_the_units_full_scale_else_above_the_highest() {
        assert_eq!(
            range(&panel("min = 5.0\nmax = 50.0"), [70.0].into_iter()),
            (5.0, 50.0)
        );
        assert_eq!(
            range(&panel("unit = \"percent\""), [7.0].into_iter()),
            (0.0, 100.0)
        );
        assert_eq!(
            range(&panel("unit = \"ratio\""), [0.3].into_iter()),
            (0.0, 1.0)
        );
        let (min, max) = range(
            &panel("thresholds = [{ value = 40.0, color = \"red\" }]"),
            [12.0, 30.0].into_iter(),
        );
        assert_eq!(min, 0.0);
        assert!((max - 44.0).abs() < 1e-9, "{max}");
        assert_eq!(range(&panel(""), std::iter::empty()), (0.0, 1.0));
    }

    #[test]
    fn a_value_outside_the_range_fills_none_or_all() {
        assert_eq!(share(-3.0, (0.0, 10.0)), 0.0);
        assert_eq!(share(5.0, (0.0, 10.0)), 0.5);
        assert_eq!(share(30.0, (0.0, 10.0)), 1.0);
    }
}
