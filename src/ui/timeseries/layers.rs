//! What a chart draws inside its plot, back to front: operations (scaling
//! markers, experiment bands), where rules fired, each line's min/max band,
//! the lines (or a stack's areas), notes, the compared window's dashed lines,
//! thresholds. Only the lines are named. Series hidden in the legend are left
//! out.

use super::super::{PanelContext, theme};
use super::chart::Chart;
use super::column_line::ColumnLine;
use super::stacked::StackedAreas;
use crate::ops::OpsKind;
use egui_plot::{
    FilledArea, HLine, Line, LineStyle, PlotPoint, PlotPoints, PlotUi, Span, Text, VLine,
};

/// Draws every layer of `chart`; untrusted data fades, the wall draws thicker
/// lines and no words.
pub(super) fn draw<'p>(
    plot_ui: &mut PlotUi<'p>,
    chart: &'p Chart<'_>,
    ctx: &'p PanelContext<'_>,
    trusted: bool,
    wall: bool,
) {
    let window = chart.window;
    plot_ui.set_auto_bounds([false, true]);
    plot_ui.set_plot_bounds_x(window.start_ms as f64 / 1000.0..=window.end_ms as f64 / 1000.0);
    operations(plot_ui, chart, wall);
    for &(start, end) in &chart.firing {
        plot_ui.span(
            Span::new("", start..=end)
                .fill(theme::ERROR.gamma_multiply(0.12))
                .border_color(theme::ERROR.gamma_multiply(0.5)),
        );
    }
    match &chart.stacked {
        Some(areas) => {
            spreads(plot_ui, chart, trusted, wall);
            stacked(plot_ui, areas, chart, trusted, wall);
        }
        None => {
            bands(plot_ui, chart, ctx, trusted);
            spreads(plot_ui, chart, trusted, wall);
            lines(plot_ui, chart, ctx, trusted, wall);
        }
    }
    notes(plot_ui, chart);
    for (index, points) in chart.then_lines.iter().filter(|(i, _)| !chart.hidden[*i]) {
        // The earlier line: the series' colour, dashed, under today's (the
        // tooltip says "then").
        plot_ui.line(
            Line::new("", PlotPoints::Borrowed(points))
                .color(theme::series_color(dark_mode(plot_ui), *index).gamma_multiply(0.8))
                .style(LineStyle::dashed_dense())
                .width(1.2),
        );
    }
    for &(value, color) in &chart.thresholds {
        plot_ui.hline(
            HLine::new("", value)
                .color(color)
                .style(LineStyle::dashed_loose())
                .allow_hover(false),
        );
    }
}

/// Each series shown as a line, in its colour (faded when untrusted).
fn lines<'p>(
    plot_ui: &mut PlotUi<'p>,
    chart: &'p Chart<'_>,
    ctx: &'p PanelContext<'_>,
    trusted: bool,
    wall: bool,
) {
    for (index, (key, _, name)) in chart.drawn.iter().enumerate() {
        if chart.hidden[index] {
            continue;
        }
        let color = theme::series_color(dark_mode(plot_ui), index);
        plot_ui.add(
            ColumnLine::new(
                name,
                ctx.state.lines.points(key),
                ctx.state.lines.bounds(key),
            )
            .color(if trusted {
                color
            } else {
                color.gamma_multiply(0.35)
            })
            .width(if wall { 3.0 } else { 1.5 }),
        );
    }
}

/// A stacked panel: each series an area on the ones below it, in its colour,
/// with its top drawn as a line; the last top is the total.
fn stacked<'p>(
    plot_ui: &mut PlotUi<'p>,
    areas: &'p StackedAreas,
    chart: &'p Chart<'_>,
    trusted: bool,
    wall: bool,
) {
    for (level, &index) in areas.series_index.iter().enumerate() {
        let color = theme::series_color(dark_mode(plot_ui), index);
        let color = if trusted {
            color
        } else {
            color.gamma_multiply(0.35)
        };
        plot_ui.add(
            FilledArea::new("", &areas.xs, areas.bottom(level), &areas.stack.tops[level])
                .fill_color(color.gamma_multiply(0.45))
                .allow_hover(false),
        );
        plot_ui.line(
            Line::new(
                chart.drawn[index].2.as_str(),
                PlotPoints::Borrowed(&areas.tops[level]),
            )
            .color(color)
            .width(if wall { 2.5 } else { 1.2 }),
        );
    }
}

/// Scaling actions as dashed markers, experiments as bands, with a few words at
/// the top of the data where they fit.
fn operations(plot_ui: &mut PlotUi<'_>, chart: &Chart<'_>, wall: bool) {
    let words_at = chart.words_height();
    for event in &chart.operations {
        let start = event.start_ms as f64 / 1000.0;
        let (color, short) = match &event.kind {
            OpsKind::Scaling { from, to, .. } => {
                plot_ui.vline(
                    VLine::new("", start)
                        .color(theme::OPERATION)
                        .width(1.5)
                        .style(LineStyle::dashed_dense())
                        .allow_hover(false),
                );
                (theme::OPERATION, format!("{from} to {to}"))
            }
            OpsKind::Experiment { state, .. } => {
                let end = event.end_ms.unwrap_or(chart.window.end_ms) as f64 / 1000.0;
                plot_ui.span(
                    Span::new("", start..=end)
                        .fill(theme::CHAOS.gamma_multiply(0.16))
                        .border_color(theme::CHAOS.gamma_multiply(0.7)),
                );
                (theme::CHAOS, format!("chaos ({state})"))
            }
        };
        if let Some(top) = words_at.filter(|_| !wall && chart.words_fit) {
            plot_ui.text(
                Text::new("", PlotPoint::new(start, top), short)
                    .color(color)
                    .anchor(egui::Align2::LEFT_TOP),
            );
        }
    }
}

/// Every band behind every line: the extremes inside each step, so a spike
/// shorter than the step still shows at any zoom.
fn bands<'p>(
    plot_ui: &mut PlotUi<'p>,
    chart: &Chart<'_>,
    ctx: &'p PanelContext<'_>,
    trusted: bool,
) {
    for (index, (key, _, _)) in chart.drawn.iter().enumerate() {
        if chart.hidden[index] {
            continue;
        }
        if let Some(band) = ctx.state.bands.points(key) {
            let fill = theme::series_color(dark_mode(plot_ui), index).gamma_multiply(if trusted {
                0.22
            } else {
                0.1
            });
            plot_ui.add(
                FilledArea::new("", &band.xs, &band.lows, &band.highs)
                    .fill_color(fill)
                    .allow_hover(false),
            );
        }
    }
}

/// Each spread query's bands (min–max, p5–p95, p25–p75) and its median line,
/// in the text colour so the named outliers' colours stand out over them.
fn spreads<'p>(plot_ui: &mut PlotUi<'p>, chart: &'p Chart<'_>, trusted: bool, wall: bool) {
    let base = if trusted {
        theme::FLEET
    } else {
        theme::FLEET.gamma_multiply(0.4)
    };
    for spread in &chart.spreads {
        let lines = &spread.lines;
        let levels = &lines.spread.levels;
        for &(low, high, opacity) in &super::spread::BANDS {
            plot_ui.add(
                FilledArea::new("", &lines.xs, &levels[low], &levels[high])
                    .fill_color(base.gamma_multiply(opacity))
                    .allow_hover(false),
            );
        }
        plot_ui.line(
            Line::new(spread.name.as_str(), PlotPoints::Borrowed(&lines.median))
                .color(base)
                .width(if wall { 3.0 } else { 2.0 }),
        );
    }
}

/// A note over a range is a faint band with a border at each end that is the
/// note's own; a note at an instant is a line. Where a note runs past the window,
/// the plot's edge gets no border: a line drawn exactly on the edge of the clip
/// fell into the plot's last pixel column or out of it depending on the
/// rasteriser's rounding (a snapshot failed by a column on a Mesa point release).
fn notes(plot_ui: &mut PlotUi<'_>, chart: &Chart<'_>) {
    for note in &chart.notes {
        let (start, end) = (note.start_ms as f64 / 1000.0, note.end_ms as f64 / 1000.0);
        if end <= start {
            if note.starts_inside && note.ends_inside {
                plot_ui.vline(
                    VLine::new("", start)
                        .color(theme::NOTE)
                        .width(1.5)
                        .allow_hover(false),
                );
            }
            continue;
        }
        plot_ui.span(
            Span::new("", start..=end)
                .fill(theme::NOTE.gamma_multiply(0.10))
                .border_width(0.0),
        );
        let border = theme::NOTE.gamma_multiply(0.6);
        for (inside, at) in [(note.starts_inside, start), (note.ends_inside, end)] {
            if inside {
                plot_ui.vline(
                    VLine::new("", at)
                        .color(border)
                        .width(1.0)
                        .allow_hover(false),
                );
            }
        }
    }
}

/// Whether the plot is drawn on a dark background.
fn dark_mode(plot_ui: &PlotUi<'_>) -> bool {
    plot_ui.ctx().global_style().visuals.dark_mode
}
