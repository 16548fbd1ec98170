//! The SLO panel: the objective's state in one word (PAGE, TICKET, OK) in its
//! colour, the SLI and the budget left in share and in time, how long the budget
//! lasts at the last hour's burn, the burn rate over each window (red past the
//! page rate, orange past 1×), and the budget's burn-down over the window.

use super::{PanelContext, theme, time_axis};
use crate::dashboard::PanelSpec;
use crate::slo::{SloReport, SloState, text};
use egui::{Color32, RichText, Ui};
use egui_plot::{HLine, Line, Plot, PlotPoints};

/// Draws the panel; returns whether the objective has been evaluated.
pub(crate) fn show(ui: &mut Ui, ctx: &mut PanelContext<'_>, panel: &PanelSpec) -> bool {
    let Some(report) = panel
        .slo
        .as_ref()
        .and_then(|name| ctx.session.slo_reports().get(name))
    else {
        ui.centered_and_justified(|ui| ui.weak("evaluating the objective…"));
        return false;
    };
    let wall = ctx.wall_figure_pt;
    let rect = ui.max_rect();
    let wide = rect.width() > rect.height() * 1.6;
    if wide {
        ui.horizontal_top(|ui| {
            let facts_width = (rect.width() * 0.55).max(240.0);
            ui.allocate_ui_with_layout(
                egui::vec2(facts_width, rect.height()),
                egui::Layout::top_down(egui::Align::Min),
                |ui| facts(ui, report, wall),
            );
            ui.vertical(|ui| burn_down(ui, ctx, panel, report));
        });
    } else {
        ui.vertical(|ui| {
            facts(ui, report, wall);
            burn_down(ui, ctx, panel, report);
        });
    }
    report.state != SloState::Unknown
}

/// The state's colour.
fn state_color(state: SloState) -> Color32 {
    match state {
        SloState::Page => theme::ERROR,
        SloState::Ticket => theme::WARN,
        SloState::Ok => theme::OK,
        SloState::Unknown => theme::NO_DATA,
    }
}

/// The state, SLI, budget and burn rates as text.
fn facts(ui: &mut Ui, report: &SloReport, wall_pt: Option<f32>) {
    let big = wall_pt.map_or(26.0, |pt| pt * 1.6);
    let body = wall_pt.unwrap_or(13.0);
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(report.state.name().to_uppercase())
                .size(big)
                .strong()
                .color(state_color(report.state)),
        );
        ui.label(
            RichText::new(format!(
                "objective {} over {}",
                text::percent(report.objective),
                text::window(report)
            ))
            .size(body),
        );
    });
    if let Some(error) = &report.error {
        ui.colored_label(theme::ERROR, RichText::new(error).size(body));
        return;
    }
    ui.horizontal_wrapped(|ui| {
        if let Some(sli) = report.sli {
            ui.label(RichText::new(format!("SLI {}", text::percent(sli))).size(body));
        }
        if let Some(left) = report.budget_remaining {
            let time = report
                .budget_remaining_time
                .filter(|_| left > 0.0)
                .map(|t| format!(" ({})", text::span(t)))
                .unwrap_or_default();
            let color = if left <= 0.0 {
                theme::ERROR
            } else if left < 0.25 {
                theme::WARN
            } else {
                ui.visuals().strong_text_color()
            };
            ui.label(
                RichText::new(format!("budget left {:.1} %{time}", left * 100.0))
                    .size(body)
                    .color(color),
            );
        }
    });
    let page = report.page_burn.unwrap_or(f64::INFINITY);
    egui::Grid::new(("slo-burns", report.name.as_str()))
        .spacing([10.0, 0.0])
        .show(ui, |ui| {
            for burn in &report.burn_rates {
                ui.label(
                    RichText::new(crate::time_range::format_duration(burn.window))
                        .size(body * 0.9)
                        .weak(),
                );
            }
            ui.end_row();
            for burn in &report.burn_rates {
                let (words, color) = match burn.burn {
                    Some(rate) if rate >= page => (text::burn(rate), theme::ERROR),
                    Some(rate) if rate >= 1.0 => (text::burn(rate), theme::WARN),
                    Some(rate) => (text::burn(rate), ui.visuals().text_color()),
                    None => ("n/a".to_owned(), theme::NO_DATA),
                };
                ui.label(RichText::new(words).size(body).color(color));
            }
            ui.end_row();
        });
    // Said only when it matters: a budget that outlives the window is not news.
    match report.budget_lasts {
        Some(lasts) if lasts < report.window => {
            ui.label(
                RichText::new(format!(
                    "at the last hour's burn the budget lasts {}",
                    text::span(lasts)
                ))
                .size(body)
                .color(theme::WARN),
            );
        }
        None if report.budget_remaining.is_some_and(|l| l <= 0.0) => {
            ui.colored_label(
                theme::ERROR,
                RichText::new("the budget is spent").size(body),
            );
        }
        _ => {}
    }
}

/// The budget left (%) across the window, with the zero line.
fn burn_down(ui: &mut Ui, ctx: &PanelContext<'_>, panel: &PanelSpec, report: &SloReport) {
    if report.burn_down.len() < 2 {
        return;
    }
    let points: Vec<[f64; 2]> = report
        .burn_down
        .iter()
        .map(|&(t_ms, left)| [t_ms as f64 / 1000.0, left * 100.0])
        .collect();
    let span_s = report.window.as_secs_f64();
    let width = ui.available_width();
    let plot = Plot::new(("slo-burn-down", panel.id.as_str()))
        .height(ui.available_height().max(60.0))
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .include_y(0.0)
        .include_y(100.0);
    time_axis::time_and_value_axes(
        plot,
        ui,
        ctx.zone,
        crate::units::Unit::Percent,
        span_s,
        width,
    )
    .show(ui, |plot| {
        plot.hline(HLine::new("", 0.0).color(theme::ERROR.gamma_multiply(0.6)));
        plot.line(
            Line::new("budget left", PlotPoints::from(points))
                .color(state_color(report.state))
                .width(2.0),
        );
    });
}
