//! The variants panel: one row per production variant — configured weight
//! against the traffic received, p50 and p99, error rate, cost per 1,000
//! inferences — and, beside each figure of a variant other than the baseline,
//! its difference and whether that difference is beyond the noise.

use super::{PanelContext, theme};
use crate::dashboard::PanelSpec;
use crate::variants::figures;
use crate::variants::significance::{Hint, Stats, hint};
use egui::{RichText, Ui};

/// Draws the table; false when no variant has data yet.
pub(crate) fn show(ui: &mut Ui, ctx: &PanelContext<'_>, panel: &PanelSpec) -> bool {
    let rows = figures(ctx.session.store(), panel, ctx.window);
    if rows.is_empty() {
        return false;
    }
    let unit_of = |id: &str| {
        panel
            .queries
            .iter()
            .find(|q| q.id.as_str() == id)
            .and_then(|q| q.unit)
            .unwrap_or(panel.unit)
    };
    let baseline = rows[0].clone();
    egui::Grid::new(("variants", panel.id.as_str()))
        .striped(true)
        .spacing([18.0, 6.0])
        .show(ui, |ui| {
            for heading in [
                "Variant",
                "Weight",
                "Traffic received",
                "p50",
                "p99",
                "Errors",
                "Cost / 1k inferences",
                "Cost / 1M tokens",
            ] {
                ui.label(RichText::new(heading).strong());
            }
            ui.end_row();
            for (index, row) in rows.iter().enumerate() {
                let is_baseline = index == 0;
                let name = if is_baseline {
                    format!("{} (baseline)", row.name)
                } else {
                    row.name.clone()
                };
                ui.label(RichText::new(name).strong());
                ui.label(percent(row.weight));
                ui.label(percent(row.traffic_share));
                let (p50, p99) = (unit_of("p50"), unit_of("p99"));
                compared(ui, is_baseline, row.p50, baseline.p50, |v| p50.format(v));
                compared(ui, is_baseline, row.p99, baseline.p99, |v| p99.format(v));
                compared(ui, is_baseline, row.error_rate, baseline.error_rate, |v| {
                    format!("{:.3} %", v * 100.0)
                });
                ui.label(cost(row.cost_per_1k, baseline.cost_per_1k, is_baseline));
                ui.label(cost(
                    row.cost_per_1m_tokens,
                    baseline.cost_per_1m_tokens,
                    is_baseline,
                ));
                ui.end_row();
            }
        });
    ui.label(
        RichText::new(
            "Differences from the baseline are \"beyond noise\" only when larger than \
             each variant's own sample-to-sample spread over the range shown.",
        )
        .weak()
        .size(11.0),
    );
    true
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{:.1} %", v * 100.0))
}

/// A figure, and for a variant its change from the baseline with the hint.
fn compared(
    ui: &mut Ui,
    is_baseline: bool,
    mine: Option<Stats>,
    baseline: Option<Stats>,
    format: impl Fn(f64) -> String,
) {
    let Some(mine) = mine else {
        ui.label("–");
        return;
    };
    let figure = format(mine.mean);
    let (Some(base), false) = (baseline, is_baseline) else {
        ui.label(figure);
        return;
    };
    let change = if base.mean != 0.0 {
        format!(
            "{:+.0} %",
            (mine.mean - base.mean) / base.mean.abs() * 100.0
        )
    } else {
        String::new()
    };
    let verdict = hint(&base, &mine);
    let color = match verdict {
        Hint::BeyondNoise => theme::WARN,
        Hint::WithinNoise | Hint::NotEnoughData => ui.visuals().weak_text_color(),
    };
    ui.horizontal(|ui| {
        ui.label(figure);
        ui.label(RichText::new(format!("{change}, {}", verdict.words())).color(color));
    });
}

/// A cost, and for a variant its change from the baseline's.
fn cost(mine: Option<f64>, baseline: Option<f64>, is_baseline: bool) -> String {
    let Some(cost) = mine else {
        return "–".to_owned();
    };
    match (baseline, is_baseline) {
        (Some(base), false) if base > 0.0 => {
            format!("${cost:.3} ({:+.0} %)", (cost - base) / base * 100.0)
        }
        _ => format!("${cost:.3}"),
    }
}
