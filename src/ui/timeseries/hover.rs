//! The chart's hover tooltip: the time, each series' value there in its colour,
//! the range its step spans where the chart draws a band, the compared value and
//! the change, a stack's total, and the notes and operations at that moment.

use super::super::{PanelContext, theme};
use super::chart::Chart;
use crate::dashboard::PanelSpec;
use crate::session::compare::ago;
use crate::store::{Sample, Series};
use crate::time_range::Window;
use egui::Ui;

/// Shows the tooltip while the pointer is over the plot.
pub(super) fn show(
    response: &egui_plot::PlotResponse<()>,
    ctx: &PanelContext<'_>,
    panel: &PanelSpec,
    chart: &Chart<'_>,
) {
    let Some(pointer) = response.response.hover_pos() else {
        return;
    };
    let window = chart.window;
    let t_ms = (response.transform.value_from_position(pointer).x * 1000.0).round() as i64;
    // A sample far from the pointer is not "the value there": show a gap.
    let near = window.span_ms() / 50;
    let store = ctx.session.store();
    let rows: Vec<HoverRow<'_>> = chart
        .drawn
        .iter()
        .enumerate()
        .filter(|(index, _)| !chart.hidden[*index])
        .map(|(index, (key, series, name))| {
            let sample = nearest(series, t_ms).filter(|s| (s.t_ms - t_ms).abs() <= near);
            let extremes = sample.and_then(|s| {
                let band = store.band(key)?;
                Some((band.min.value_at(s.t_ms)?, band.max.value_at(s.t_ms)?))
            });
            let then = chart.then[index].as_ref().and_then(|(_, earlier)| {
                nearest(earlier, t_ms).filter(|s| (s.t_ms - t_ms).abs() <= near)
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
    let (unit, zone) = (panel.unit, ctx.zone);
    let total = chart
        .stacked
        .as_ref()
        .and_then(|areas| areas.stack.total_near(t_ms, near));
    response.response.clone().on_hover_ui_at_pointer(|ui| {
        hover_table(ui, &rows, total, unit, zone, t_ms, chart.shift);
        for note in &chart.notes {
            if t_ms >= note.start_ms - near && t_ms <= note.end_ms + near {
                ui.colored_label(theme::NOTE, format!("note: {}", note.text));
            }
        }
        for event in &chart.operations {
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
/// colour, and the range its step spans when the chart draws a band; a stack's
/// total under them.
fn hover_table(
    ui: &mut Ui,
    rows: &[HoverRow<'_>],
    total: Option<f64>,
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
                ui.colored_label(
                    theme::series_color(ui.visuals().dark_mode, row.index),
                    row.name,
                );
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
            if let Some(total) = total {
                ui.label(egui::RichText::new("Total").strong());
                ui.label(egui::RichText::new(unit.format(total)).monospace().strong());
                ui.end_row();
            }
        });
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
pub(super) fn differing(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Series;

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
        let now = Series::of_points(&[(0, 15.0), (1_000, 10.5)]);
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
