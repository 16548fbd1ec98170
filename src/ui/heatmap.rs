//! The heatmap panel: a histogram's buckets over time — one column per step, one
//! row per bucket (latency buckets are spaced about logarithmically, so equal rows
//! read as a log axis), the colour how many fell in it — with the p50 and p99
//! read from the same buckets drawn over it, and the panel's thresholds (an
//! SLO's 2 s) as lines. Hovering a cell says its range, count and share.

use super::{PanelContext, theme};
use crate::dashboard::PanelSpec;
use crate::heatmap::{Column, FLEET_BINS, bound_of, columns, distribution, quantile};
use egui::{Align2, Color32, FontId, Pos2, Rect, Shape, Stroke, Ui, pos2};

/// The labels' size on a workstation (points); the wall's follows its figures.
const LABEL_SIZE: f32 = 11.0;

/// The quantiles drawn over the cells, with their colours.
const QUANTILES: [(f64, &str, Color32); 2] = [
    (0.5, "p50", Color32::from_rgb(0x6e, 0xd0, 0xe0)),
    (0.99, "p99", Color32::WHITE),
];

/// Draws the panel; returns whether there were buckets to show.
pub(crate) fn show(
    ui: &mut Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    trusted: bool,
) -> bool {
    let window = ctx.window;
    let mut cumulative = Vec::new();
    let mut fleet = Vec::new();
    for (key, series, _) in super::timeseries::drawn_series(ctx, panel) {
        let samples: Vec<(i64, f64)> = series
            .iter()
            .filter(|s| s.t_ms >= window.start_ms && s.t_ms <= window.end_ms)
            .map(|s| (s.t_ms, s.value))
            .collect();
        match bound_of(&key.labels) {
            Some(bound) => cumulative.push((bound, samples)),
            None => fleet.push(samples),
        }
    }
    // Histogram buckets when the query has them; otherwise the series are a
    // fleet, and each step counts how many of them sit in each value bin.
    let fleet_wide = cumulative.is_empty() && fleet.len() > 1;
    let columns = if fleet_wide {
        distribution(&fleet, FLEET_BINS)
    } else {
        columns(&cumulative)
    };
    let Some(widest) = columns.iter().max_by_key(|c| c.bounds.len()) else {
        if !cumulative.is_empty() || fleet.len() > 1 || panel.queries.is_empty() {
            return false;
        }
        ui.centered_and_justified(|ui| {
            ui.weak("a heatmap reads a histogram's `le` buckets (sum by (le) (rate(x_bucket[$__rate_interval]))) or many series (a fleet)")
        });
        return false;
    };
    let bounds = widest.bounds.clone();
    let Some((first, last)) = rows_with_data(&columns, &bounds) else {
        return false;
    };
    let rect = ui.max_rect();
    // Across a room the labels and lines are as large as the wall's figures allow.
    let (label_size, line_width) = match ctx.wall_figure_pt {
        Some(figure_pt) => ((figure_pt * 0.4).max(LABEL_SIZE), 3.0),
        None => (LABEL_SIZE, 1.5),
    };
    // Room for the bucket labels at the left and the times below.
    let plot = Rect::from_min_max(
        pos2(
            rect.min.x + 64.0 * label_size / LABEL_SIZE,
            rect.min.y + 2.0,
        ),
        pos2(rect.max.x - 4.0, rect.max.y - label_size - 7.0),
    );
    let rows = last - first + 1;
    let row_height = plot.height() / rows as f32;
    let x_of = |t_ms: i64| {
        plot.min.x + plot.width() * (t_ms - window.start_ms) as f32 / window.span_ms().max(1) as f32
    };
    let y_of_row = |row: usize| plot.max.y - (row - first) as f32 * row_height;
    let painter = ui.painter_at(rect);
    let max_count = columns
        .iter()
        .flat_map(|c| c.counts.iter().copied())
        .fold(0.0_f64, f64::max)
        .max(f64::MIN_POSITIVE);
    let step_ms = step_of(&columns);
    let mut cells = Vec::new();
    for column in &columns {
        let (x0, x1) = (x_of(column.t_ms - step_ms), x_of(column.t_ms));
        for (&bound, &count) in column.bounds.iter().zip(&column.counts) {
            let row = bounds.iter().position(|b| *b == bound);
            let Some(row) = row.filter(|r| (first..=last).contains(r)) else {
                continue;
            };
            // A thousandth of the busiest cell is drawn as nothing: a
            // log-normal's far tail would otherwise paint every bucket.
            if count <= max_count * 1e-3 {
                continue;
            }
            let y = y_of_row(row);
            let color = palette(panel.color_scale.position(count / max_count));
            let color = if trusted {
                color
            } else {
                color.gamma_multiply(0.4)
            };
            cells.push(Shape::rect_filled(
                Rect::from_min_max(pos2(x0, y - row_height), pos2(x1.max(x0 + 1.0) + 0.6, y)),
                0.0,
                color,
            ));
        }
    }
    painter.extend(cells);
    // A value's height: its bucket's row, linear inside it.
    let y_of_value = |value: f64| -> Option<f32> {
        let row = bounds.iter().position(|b| value <= *b)?;
        let lower = if row == 0 { 0.0 } else { bounds[row - 1] };
        let upper = bounds[row];
        let within = if upper.is_finite() && upper > lower {
            ((value - lower) / (upper - lower)) as f32
        } else {
            0.0
        };
        (first..=last)
            .contains(&row)
            .then(|| y_of_row(row) - within * row_height)
    };
    for (q, name, color) in QUANTILES {
        let points: Vec<Pos2> = columns
            .iter()
            .filter_map(|c| Some(pos2(x_of(c.t_ms), y_of_value(quantile(q, c)?)?)))
            .collect();
        if points.len() >= 2 {
            painter.add(Shape::line(points.clone(), Stroke::new(line_width, color)));
            if let Some(end) = points.last() {
                painter.text(
                    *end + egui::vec2(-2.0, -2.0),
                    Align2::RIGHT_BOTTOM,
                    name,
                    FontId::proportional(label_size),
                    color,
                );
            }
        }
    }
    for threshold in &panel.thresholds {
        if let Some(y) = y_of_value(threshold.value) {
            painter.hline(
                plot.x_range(),
                y,
                Stroke::new(line_width * 2.0 / 3.0, theme::rgb(threshold.rgb)),
            );
        }
    }
    let weak = ui.visuals().weak_text_color();
    labels(
        &painter,
        (weak, label_size),
        plot,
        &bounds,
        (first, last, row_height),
        panel,
        ctx,
    );
    let response = ui.allocate_rect(plot, egui::Sense::hover());
    if ctx.wall_figure_pt.is_none() {
        tooltip(
            response,
            plot,
            &columns,
            &bounds,
            (first, row_height),
            step_ms,
            panel,
            &x_of,
        );
    }
    true
}

/// The first and last bucket rows any step put something in.
fn rows_with_data(columns: &[Column], bounds: &[f64]) -> Option<(usize, usize)> {
    let used: Vec<usize> = columns
        .iter()
        .flat_map(|c| c.bounds.iter().zip(&c.counts))
        .filter(|(_, count)| **count > 0.0)
        .filter_map(|(bound, _)| bounds.iter().position(|b| b == bound))
        .collect();
    Some((*used.iter().min()?, *used.iter().max()?))
}

/// The distance between columns (the query's step).
fn step_of(columns: &[Column]) -> i64 {
    columns
        .windows(2)
        .map(|pair| pair[1].t_ms - pair[0].t_ms)
        .filter(|gap| *gap > 0)
        .min()
        .unwrap_or(60_000)
}

/// A palette position's colour (the panel's `color_scale` places a count):
/// dark blue, magenta, then yellow.
fn palette(position: f64) -> Color32 {
    let t = position.clamp(0.0, 1.0) as f32;
    let stops = [(0x1d, 0x2b, 0x5e), (0xb8, 0x3b, 0x7a), (0xfb, 0xd5, 0x4a)];
    let (from, to, f) = if t < 0.5 {
        (stops[0], stops[1], t * 2.0)
    } else {
        (stops[1], stops[2], (t - 0.5) * 2.0)
    };
    let mix = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * f) as u8;
    Color32::from_rgb(mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
}

/// Bucket bounds at the left (as many as fit), times below.
fn labels(
    painter: &egui::Painter,
    (color, size): (Color32, f32),
    plot: Rect,
    bounds: &[f64],
    (first, last, row_height): (usize, usize, f32),
    panel: &PanelSpec,
    ctx: &PanelContext<'_>,
) {
    let every = (((size + 3.0) / row_height).ceil() as usize).max(1);
    for row in (first..=last).step_by(every) {
        let bound = bounds[row];
        let text = if bound.is_finite() {
            format!("≤ {}", panel.unit.format(bound))
        } else {
            "more".to_owned()
        };
        let y = plot.max.y - (row - first) as f32 * row_height - row_height / 2.0;
        painter.text(
            pos2(plot.min.x - 4.0, y),
            Align2::RIGHT_CENTER,
            text,
            FontId::proportional(size),
            color,
        );
    }
    let window = ctx.window;
    let format = if window.span_ms() < 10 * 60_000 {
        "%H:%M:%S"
    } else {
        "%H:%M"
    };
    for i in 0..=4 {
        let t_ms = window.start_ms + window.span_ms() * i / 4;
        let x = plot.min.x + plot.width() * i as f32 / 4.0;
        painter.text(
            pos2(x, plot.max.y + 2.0),
            if i == 4 {
                Align2::RIGHT_TOP
            } else {
                Align2::CENTER_TOP
            },
            ctx.zone.format(t_ms, format),
            FontId::proportional(size),
            color,
        );
    }
}

/// Under the pointer: the cell's bucket range, its count and its share of the step.
#[allow(clippy::too_many_arguments)]
fn tooltip(
    response: egui::Response,
    plot: Rect,
    columns: &[Column],
    bounds: &[f64],
    (first, row_height): (usize, f32),
    step_ms: i64,
    panel: &PanelSpec,
    x_of: &dyn Fn(i64) -> f32,
) {
    let Some(pointer) = response.hover_pos().filter(|p| plot.contains(*p)) else {
        return;
    };
    let Some(column) = columns
        .iter()
        .find(|c| (x_of(c.t_ms - step_ms)..=x_of(c.t_ms)).contains(&pointer.x))
    else {
        return;
    };
    let row = first + ((plot.max.y - pointer.y) / row_height) as usize;
    let Some(&upper) = bounds.get(row) else {
        return;
    };
    let index = column.bounds.iter().position(|b| *b == upper);
    let count = index.map_or(0.0, |i| column.counts[i]);
    let lower = if row == 0 { 0.0 } else { bounds[row - 1] };
    let range = if upper.is_finite() {
        format!(
            "{} – {}",
            panel.unit.format(lower),
            panel.unit.format(upper)
        )
    } else {
        format!("above {}", panel.unit.format(lower))
    };
    let share = if column.total() > 0.0 {
        100.0 * count / column.total()
    } else {
        0.0
    };
    let count_text = panel.unit.format(count);
    response.on_hover_ui_at_pointer(|ui| {
        ui.label(range);
        ui.label(format!("{count_text} ({share:.1} % of the step)"));
    });
}
