//! The time-series panel: one line per series, legend, unit-aware y axis, threshold
//! lines, hover tooltip with series, value and time, and drag/scroll zoom and pan
//! that move every panel's x axis together.

use super::band_cache::BandPoints;
use super::{PanelContext, theme, time_axis, value_axis};
use crate::app::Command;
use crate::dashboard::{PanelId, PanelSpec};
use crate::session::compare::{ago, compared_id};
use crate::store::{Sample, Series, SeriesKey};
use crate::time_range::Window;
use egui::{Id, Ui};
use egui_plot::{Corner, FilledArea, HLine, Legend, Line, LineStyle, Plot, PlotPoints};

/// Id shared by all plots so the crosshair follows the pointer on every panel.
const CURSOR_GROUP: &str = "fleetdeck-cursor";

/// The plot id of a panel, stable so tests and tools can read its plot memory.
pub fn plot_id(panel: &PanelId) -> Id {
    Id::unique(("fleetdeck-plot", panel.as_str()))
}

/// What a drag in a plot is doing to the shared time window.
#[derive(Debug, Default, Clone)]
pub struct DragState {
    /// The window while a pan is in progress; committed when the drag ends.
    pub pending: Option<Window>,
    /// Where a zoom selection started (ms), and in which panel.
    pub selecting_from: Option<(PanelId, i64)>,
}

/// The series a panel draws, in the order of its queries (then of their labels),
/// with their display names: inputs of derived series and metric math are fetched
/// but not drawn.
pub fn drawn_series<'a>(
    ctx: &PanelContext<'a>,
    panel: &'a PanelSpec,
) -> Vec<(&'a SeriesKey, &'a Series, String)> {
    let store = ctx.store;
    let mut drawn = Vec::new();
    for query in panel.queries.iter().filter(|query| !query.hidden) {
        let key = panel.key(&query.id);
        drawn.extend(
            store
                .query_series(&key)
                .map(|(key, series)| (key, series, query.series_name(&key.labels))),
        );
    }
    drawn
}

/// The operations a chart of series with these labels draws over `window`:
/// those that touched their resources and fall in it.
pub fn operations_drawn<'a>(
    operations: &'a [crate::ops::OpsEvent],
    labels: &[&std::collections::BTreeMap<String, String>],
    window: Window,
) -> Vec<&'a crate::ops::OpsEvent> {
    crate::ops::touching(operations, labels)
        .into_iter()
        .filter(|event| event.overlaps(window.start_ms, window.end_ms, window.end_ms))
        .collect()
}

/// Draws the panel's plot; returns whether any series had data. Untrusted data (its
/// source is stale or failing, or it has not been confirmed for a while) is drawn
/// faded. On the wall the legend is a column of last values beside the plot, sized
/// to be read across the room, so it never covers a line.
pub fn show(ui: &mut Ui, ctx: &mut PanelContext<'_>, panel: &PanelSpec, trusted: bool) -> bool {
    let window = ctx.window;
    let drawn = drawn_series(ctx, panel);
    let mut plot_width = ui.available_width();
    if let Some(figure_pt) = ctx.wall_figure_pt {
        let full = ui.max_rect();
        let column =
            super::wall_legend::width(ui, &drawn, panel.unit, figure_pt, full.width(), window);
        let legend_rect =
            egui::Rect::from_min_max(egui::pos2(full.max.x - column, full.min.y), full.max);
        super::wall_legend::show(
            ui,
            legend_rect,
            &drawn,
            panel.unit,
            figure_pt,
            trusted,
            window,
        );
        plot_width = (full.width() - column - 8.0).max(1.0);
    }
    let columns = plot_width.max(1.0) as usize;
    for (key, series, _) in &drawn {
        ctx.lines.prepare(key, series, window, columns);
        if let Some(band) = ctx.store.band(key) {
            ctx.bands.prepare(key, band, window, columns);
        }
    }
    // Time shift: each series' line of the same window some time ago, by index.
    let shift = ctx.compare.shift_for(&panel.id);
    let then: Vec<Option<(SeriesKey, &Series)>> = drawn
        .iter()
        .map(|(key, _, _)| {
            shift?;
            let earlier = SeriesKey {
                query: compared_id(&key.query),
                ..(*key).clone()
            };
            let series = ctx.store.get(&earlier)?;
            Some((earlier, series))
        })
        .collect();
    for (key, series) in then.iter().flatten() {
        ctx.lines.prepare(key, series, window, columns);
    }
    let unit = panel.unit;
    let zone = ctx.zone;
    let span_s = window.span_ms() as f64 / 1000.0;
    // The plot area is the width less the y axis's labels.
    let labels = time_axis::TimeLabels::new(
        zone,
        span_s,
        plot_width - 48.0,
        egui::TextStyle::Body.resolve(ui.style()).size,
    );
    let wall = ctx.wall_figure_pt.is_some();
    let mut plot = Plot::new(("timeseries", panel.id.as_str()))
        .id(plot_id(&panel.id))
        .link_cursor(Id::unique(CURSOR_GROUP), [true, false])
        // Primary drag selects a time range to zoom to (below); right-drag pans;
        // Ctrl+scroll zooms. Only x moves: y follows the data.
        .allow_drag([true, false])
        .pan_pointer_button(egui::PointerButton::Secondary)
        .allow_zoom([true, false])
        .allow_scroll([true, false])
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .x_grid_spacer(time_axis::time_grid(zone))
        .x_axis_formatter(move |mark, range| labels.label(mark, range))
        .y_grid_spacer(value_axis::value_grid)
        .y_axis_formatter(move |mark, _| unit.format_tick(mark.value, mark.step_size))
        .y_axis_min_width(48.0)
        // The tooltip below lists every series at the hovered time instead.
        .label_formatter(|_| None);
    if wall {
        plot = plot.width(plot_width);
    } else {
        plot = plot.legend(Legend::default().position(Corner::LeftTop));
    }
    if let Some(min) = panel.min {
        plot = plot.include_y(min);
    }
    if let Some(max) = panel.max {
        plot = plot.include_y(max);
    }
    let lines = &*ctx.lines;
    let band_points: Vec<Option<&BandPoints>> = drawn
        .iter()
        .map(|(key, _, _)| ctx.bands.points(key))
        .collect();
    let series_lines: Vec<(String, &[egui_plot::PlotPoint])> = drawn
        .iter()
        .map(|(key, _, name)| (name.clone(), lines.points(key)))
        .collect();
    let has_data = series_lines.iter().any(|(_, points)| !points.is_empty());
    // Where an operation's words go: at the highest value drawn (a point taken
    // from the plot's own bounds would widen them, frame after frame).
    let (data_bottom, data_top) = series_lines
        .iter()
        .flat_map(|(_, points)| points.iter().map(|p| p.y))
        .filter(|y| y.is_finite())
        .fold((f64::NAN, f64::NAN), |(low, high), y| {
            (low.min(y), high.max(y))
        });
    // A flat line (a pool of 64 models, a fixed weight) would leave the plot a
    // range of zero height, which it widens to thousands: give it some room.
    if data_top == data_bottom && panel.min.is_none() && panel.max.is_none() {
        let room = (data_top.abs() * 0.1).max(1.0);
        plot = plot.include_y(data_top - room).include_y(data_top + room);
    }
    let data_top = match panel.max {
        Some(max) if data_top.is_nan() || data_top > max => max,
        _ => data_top,
    };
    let min_change = ctx.compare.min_change_percent;
    let then_lines: Vec<(usize, Vec<egui_plot::PlotPoint>)> = then
        .iter()
        .enumerate()
        .filter_map(|(index, earlier)| {
            let (key, _) = earlier.as_ref()?;
            let (_, now_series, name) = &drawn[index];
            let points = differing(lines.points(key), now_series, min_change, window);
            let _ = name;
            Some((index, points))
        })
        .collect();
    let thresholds: Vec<(f64, egui::Color32)> = panel
        .thresholds
        .iter()
        .map(|t| (t.value, theme::rgb(t.rgb)))
        .collect();
    let x_range = window.start_ms as f64 / 1000.0..=window.end_ms as f64 / 1000.0;
    // Where a local rule on this panel fired: a red band from firing to resolved.
    let bands: Vec<(f64, f64)> = ctx
        .firing_spans
        .iter()
        .filter(|(id, _, _)| id == &panel.id)
        .map(|&(_, start, end)| {
            (
                start as f64 / 1000.0,
                end.unwrap_or(window.end_ms) as f64 / 1000.0,
            )
        })
        .collect();
    let names: Vec<String> = series_lines.iter().map(|(name, _)| name.clone()).collect();
    // Notes inside the window: (start, end, text).
    let notes_shown: Vec<(i64, i64, String)> = ctx
        .notes
        .iter()
        .filter_map(|note| Some((note.start_ms()?, note.end_ms()?, note.text.clone())))
        .filter(|(start, end, _)| *end >= window.start_ms && *start <= window.end_ms)
        .collect();
    // Operations on the resources these series belong to: scaling markers and
    // experiment bands.
    let labels: Vec<&std::collections::BTreeMap<String, String>> =
        drawn.iter().map(|(key, _, _)| &key.labels).collect();
    let mut operations = operations_drawn(ctx.operations, &labels, window);
    // Over a long window scaling markers would cover the chart: past one per
    // 60 px they are left out (experiment bands stay), and words only show
    // while they have room.
    let markers = operations.iter().filter(|e| !e.is_band()).count();
    if markers as f32 > (plot_width / 60.0).max(3.0) {
        operations.retain(|e| e.is_band());
    }
    let words_fit = operations.len() as f32 <= (plot_width / 120.0).max(2.0);
    let response = plot.show(ui, |plot_ui| {
        plot_ui.set_auto_bounds([false, true]);
        plot_ui.set_plot_bounds_x(x_range);
        for event in &operations {
            let start = event.start_ms as f64 / 1000.0;
            let (color, short) = match &event.kind {
                crate::ops::OpsKind::Scaling { from, to, .. } => {
                    plot_ui.vline(
                        egui_plot::VLine::new("", start)
                            .color(theme::OPERATION)
                            .width(1.5)
                            .style(LineStyle::dashed_dense())
                            .allow_hover(false),
                    );
                    (theme::OPERATION, format!("{from} to {to}"))
                }
                crate::ops::OpsKind::Experiment { state, .. } => {
                    let end = event.end_ms.unwrap_or(window.end_ms) as f64 / 1000.0;
                    plot_ui.span(
                        egui_plot::Span::new("", start..=end)
                            .fill(theme::CHAOS.gamma_multiply(0.16))
                            .border_color(theme::CHAOS.gamma_multiply(0.7)),
                    );
                    (theme::CHAOS, format!("chaos ({state})"))
                }
            };
            if !wall && words_fit && data_top.is_finite() {
                plot_ui.text(
                    egui_plot::Text::new("", egui_plot::PlotPoint::new(start, data_top), short)
                        .color(color)
                        .anchor(egui::Align2::LEFT_TOP),
                );
            }
        }
        for (start, end) in bands {
            // Unnamed, so bands stay out of the legend.
            plot_ui.span(
                egui_plot::Span::new("", start..=end)
                    .fill(theme::ERROR.gamma_multiply(0.12))
                    .border_color(theme::ERROR.gamma_multiply(0.5)),
            );
        }
        // Every band behind every line: the extremes inside each step, so a spike
        // shorter than the step still shows at any zoom. Unnamed: not in the legend.
        for (index, band) in band_points.iter().enumerate() {
            if let Some(band) = band {
                let fill =
                    theme::series_color(index).gamma_multiply(if trusted { 0.22 } else { 0.1 });
                plot_ui.add(
                    FilledArea::new("", &band.xs, &band.lows, &band.highs)
                        .fill_color(fill)
                        .allow_hover(false),
                );
            }
        }
        for (index, (name, points)) in series_lines.into_iter().enumerate() {
            let color = theme::series_color(index);
            plot_ui.line(
                Line::new(name, PlotPoints::Borrowed(points))
                    .color(if trusted {
                        color
                    } else {
                        color.gamma_multiply(0.35)
                    })
                    .width(if wall { 3.0 } else { 1.5 })
                    .allow_band(true),
            );
        }
        for note in notes_shown.iter() {
            // Unnamed: notes stay out of the legend; the tooltip gives their text.
            let (start, end) = (note.0 as f64 / 1000.0, note.1 as f64 / 1000.0);
            if end > start {
                plot_ui.span(
                    egui_plot::Span::new("", start..=end)
                        .fill(theme::NOTE.gamma_multiply(0.10))
                        .border_color(theme::NOTE.gamma_multiply(0.6)),
                );
            } else {
                plot_ui.vline(
                    egui_plot::VLine::new("", start)
                        .color(theme::NOTE)
                        .width(1.5)
                        .allow_hover(false),
                );
            }
        }
        for (index, points) in then_lines {
            // The earlier line: the series' colour, dashed, under today's;
            // unnamed, so the legend stays as it was (the tooltip says "then").
            plot_ui.line(
                Line::new("", PlotPoints::Owned(points))
                    .color(theme::series_color(index).gamma_multiply(0.8))
                    .style(LineStyle::dashed_dense())
                    .width(1.2),
            );
        }
        for (value, color) in thresholds {
            plot_ui.hline(
                // Unnamed: thresholds stay out of the legend, which lists series.
                HLine::new("", value)
                    .color(color)
                    .style(LineStyle::dashed_loose())
                    .allow_hover(false),
            );
        }
    });
    follow_user_zoom(ui, ctx, &panel.id, &response, window);
    compare_menu(&response.response, ctx, &panel.id);
    // A wall has no one at a mouse: no tooltip ever stays up on it.
    if let Some(pointer) = response.response.hover_pos()
        && has_data
        && !wall
    {
        let t_ms = (response.transform.value_from_position(pointer).x * 1000.0).round() as i64;
        let store = ctx.store;
        let rows: Vec<HoverRow<'_>> = drawn
            .iter()
            .zip(&names)
            .enumerate()
            .map(|(index, ((key, series, _), name))| {
                // A sample far from the pointer is not "the value there": show a gap.
                let sample = nearest(series, t_ms)
                    .filter(|s| (s.t_ms - t_ms).abs() <= window.span_ms() / 50);
                let extremes = sample.and_then(|s| {
                    let band = store.band(key)?;
                    Some((band.min.value_at(s.t_ms)?, band.max.value_at(s.t_ms)?))
                });
                let then = then[index].as_ref().and_then(|(_, earlier)| {
                    nearest(earlier, t_ms)
                        .filter(|s| (s.t_ms - t_ms).abs() <= window.span_ms() / 50)
                });
                HoverRow {
                    index,
                    name: name.as_str(),
                    sample,
                    extremes,
                    then,
                }
            })
            .collect();
        response.response.clone().on_hover_ui_at_pointer(|ui| {
            hover_table(ui, &rows, unit, zone, t_ms, shift);
            let near = window.span_ms() / 50;
            for (start, end, text) in &notes_shown {
                if t_ms >= start - near && t_ms <= end + near {
                    ui.colored_label(theme::NOTE, format!("note: {text}"));
                }
            }
            for event in &operations {
                let end = event.end_ms.unwrap_or(if event.is_band() {
                    window.end_ms
                } else {
                    event.start_ms
                });
                if t_ms >= event.start_ms - near && t_ms <= end + near {
                    let color = if event.is_band() {
                        theme::CHAOS
                    } else {
                        theme::OPERATION
                    };
                    ui.colored_label(color, event.label());
                }
            }
        });
    }
    has_data
}

/// The sample nearest to `t_ms`.
fn nearest(series: &Series, t_ms: i64) -> Option<Sample> {
    let index = series.partition_point(t_ms);
    let after = series.get(index);
    let before = index.checked_sub(1).and_then(|i| series.get(i));
    match (before, after) {
        (Some(b), Some(a)) => Some(if t_ms - b.t_ms <= a.t_ms - t_ms { b } else { a }),
        (b, a) => b.or(a),
    }
}

/// One series' line in the hover tooltip.
struct HoverRow<'a> {
    index: usize,
    name: &'a str,
    sample: Option<Sample>,
    /// The least and greatest value inside the sample's step, when it has a band.
    extremes: Option<(f64, f64)>,
    /// The same time of the compared, earlier window, when the panel compares.
    then: Option<Sample>,
}

/// The hover tooltip: the time, then each series' value there, in the series'
/// colour, and the range its step spans when the chart draws a band.
fn hover_table(
    ui: &mut Ui,
    rows: &[HoverRow<'_>],
    unit: crate::units::Unit,
    zone: crate::clock::DisplayZone,
    t_ms: i64,
    shift: Option<std::time::Duration>,
) {
    ui.label(egui::RichText::new(zone.format(t_ms, "%Y-%m-%d %H:%M:%S")).strong());
    if let Some(shift) = shift {
        ui.label(egui::RichText::new(format!("dashed: the same time {}", ago(shift))).weak());
    }
    let banded = rows.iter().any(|row| row.extremes.is_some());
    let compared = rows.iter().any(|row| row.then.is_some());
    egui::Grid::new("hover_values")
        .num_columns(2 + usize::from(banded) + usize::from(compared))
        .spacing([12.0, 2.0])
        .show(ui, |ui| {
            for row in rows {
                ui.colored_label(theme::series_color(row.index), row.name);
                let value = row
                    .sample
                    .map_or_else(|| "–".to_owned(), |s| unit.format(s.value));
                ui.label(egui::RichText::new(value).monospace());
                if banded {
                    let range = row.extremes.map_or_else(String::new, |(low, high)| {
                        format!("min {} · max {}", unit.format(low), unit.format(high))
                    });
                    ui.label(egui::RichText::new(range).monospace().weak());
                }
                if compared {
                    ui.label(egui::RichText::new(then_words(row, unit)).monospace());
                }
                ui.end_row();
            }
        });
}

/// Right-click on a chart: compare this panel alone with an earlier window.
fn compare_menu(plot: &egui::Response, ctx: &mut PanelContext<'_>, panel: &PanelId) {
    let mut chosen = None;
    plot.context_menu(|ui| {
        ui.label("Compare this panel with");
        for &(label, seconds) in super::top_bar::COMPARE_CHOICES {
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
        if !crate::app::explore::is_pane(panel) && ui.button("Explore this panel").clicked() {
            ctx.commands
                .push(Command::Explore(crate::app::explore::ExploreCommand::Open(
                    Some(panel.clone()),
                )));
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

/// "then 2.1 s (+35 %)": the compared value and how much now differs from it.
fn then_words(row: &HoverRow<'_>, unit: crate::units::Unit) -> String {
    let Some(then) = row.then else {
        return String::new();
    };
    let change = row
        .sample
        .filter(|_| then.value != 0.0)
        .map(|now| {
            format!(
                " ({:+.0} %)",
                (now.value - then.value) / then.value.abs() * 100.0
            )
        })
        .unwrap_or_default();
    format!("then {}{change}", unit.format(then.value))
}

/// The earlier line's points, kept only where today's value differs from them
/// by more than `min_change` percent (all of them at 0); elsewhere a gap.
fn differing(
    points: &[egui_plot::PlotPoint],
    now: &Series,
    min_change: f64,
    window: Window,
) -> Vec<egui_plot::PlotPoint> {
    if min_change <= 0.0 {
        return points.to_vec();
    }
    let near = window.span_ms() / 50;
    points
        .iter()
        .map(|point| {
            let t_ms = (point.x * 1000.0).round() as i64;
            let differs = nearest(now, t_ms)
                .filter(|s| (s.t_ms - t_ms).abs() <= near && point.y != 0.0)
                .is_some_and(|s| ((s.value - point.y) / point.y.abs()).abs() * 100.0 > min_change);
            if differs {
                *point
            } else {
                egui_plot::PlotPoint::new(point.x, f64::NAN)
            }
        })
        .collect()
}

/// Turns what the user did to this plot's x axis into a change of the shared window:
/// a primary drag selects a range and zooms to it on release; a right-drag pans live
/// and commits on release; Ctrl+scroll zooms at once; a double click goes back to live.
fn follow_user_zoom(
    ui: &Ui,
    ctx: &mut PanelContext<'_>,
    panel_id: &PanelId,
    response: &egui_plot::PlotResponse<()>,
    shown: Window,
) {
    let plot = &response.response;
    if plot.double_clicked() {
        ctx.drag.pending = None;
        ctx.commands.push(Command::Resume);
        return;
    }
    let time_at =
        |pos: egui::Pos2| (response.transform.value_from_position(pos).x * 1000.0).round() as i64;
    // Shift+click pins a note at that instant.
    if plot.clicked()
        && ui.input(|i| i.modifiers.shift)
        && let Some(pos) = plot.interact_pointer_pos()
    {
        ctx.commands.push(Command::NewNote {
            start_ms: time_at(pos),
            end_ms: None,
        });
        return;
    }
    if plot.drag_started_by(egui::PointerButton::Primary)
        && let Some(origin) = ui.input(|i| i.pointer.press_origin())
    {
        ctx.drag.selecting_from = Some((panel_id.clone(), time_at(origin)));
    }
    if let Some((panel, from_ms)) = ctx.drag.selecting_from.clone()
        && &panel == panel_id
        && let Some(pointer) = ui.input(|i| i.pointer.latest_pos())
    {
        let to_ms = time_at(pointer).clamp(shown.start_ms, shown.end_ms);
        if plot.dragged_by(egui::PointerButton::Primary) {
            let x = |t_ms: i64| {
                response
                    .transform
                    .position_from_point_x(t_ms as f64 / 1000.0)
            };
            let frame = response.transform.frame();
            let selection = egui::Rect::from_x_y_ranges(
                x(from_ms).min(x(to_ms))..=x(from_ms).max(x(to_ms)),
                frame.y_range(),
            );
            ui.painter().rect_filled(
                selection,
                0.0,
                ui.visuals().selection.bg_fill.gamma_multiply(0.35),
            );
        } else {
            ctx.drag.selecting_from = None;
            let (start_ms, end_ms) = (from_ms.min(to_ms), from_ms.max(to_ms));
            // Ignore a click or a few pixels of jitter.
            if end_ms - start_ms > shown.span_ms() / 200 {
                // Shift+drag pins a note on the range instead of zooming to it.
                if ui.input(|i| i.modifiers.shift) {
                    ctx.commands.push(Command::NewNote {
                        start_ms,
                        end_ms: Some(end_ms),
                    });
                } else {
                    ctx.commands
                        .push(Command::ZoomTo(Window { start_ms, end_ms }));
                }
            }
        }
        return;
    }
    let bounds = response.transform.bounds();
    let moved = Window {
        start_ms: (bounds.min()[0] * 1000.0).round() as i64,
        end_ms: (bounds.max()[0] * 1000.0).round() as i64,
    };
    let tolerance = (shown.span_ms() / 1000).max(1);
    let changed = (moved.start_ms - shown.start_ms).abs() > tolerance
        || (moved.end_ms - shown.end_ms).abs() > tolerance;
    if plot.dragged_by(egui::PointerButton::Secondary) {
        if changed {
            ctx.drag.pending = Some(moved);
            ui.ctx().request_repaint();
        }
    } else if plot.drag_stopped_by(egui::PointerButton::Secondary) {
        if let Some(window) = ctx.drag.pending.take() {
            ctx.commands.push(Command::ZoomTo(window));
        }
    } else if changed && plot.hovered() {
        ctx.commands.push(Command::ZoomTo(moved));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Series;

    fn series(points: &[(i64, f64)]) -> Series {
        let mut series = Series::default();
        let samples: Vec<Sample> = points
            .iter()
            .map(|&(t_ms, value)| Sample { t_ms, value })
            .collect();
        series.merge(0, i64::MAX, &samples);
        series
    }

    #[test]
    fn the_tooltip_says_then_and_the_change_and_small_changes_can_be_hidden() {
        let row = HoverRow {
            index: 0,
            name: "x",
            sample: Some(Sample {
                t_ms: 0,
                value: 15.0,
            }),
            extremes: None,
            then: Some(Sample {
                t_ms: 0,
                value: 10.0,
            }),
        };
        assert_eq!(
            then_words(&row, crate::units::Unit::Short),
            "then 10 (+50 %)"
        );
        let now = series(&[(0, 15.0), (1_000, 10.5)]);
        let then = [
            egui_plot::PlotPoint::new(0.0, 10.0),
            egui_plot::PlotPoint::new(1.0, 10.0),
        ];
        let window = Window {
            start_ms: 0,
            end_ms: 10_000,
        };
        let kept = differing(&then, &now, 20.0, window);
        assert_eq!(kept[0].y, 10.0, "50 % apart: drawn");
        assert!(kept[1].y.is_nan(), "5 % apart: a gap");
        assert_eq!(differing(&then, &now, 0.0, window).len(), 2);
    }
}
