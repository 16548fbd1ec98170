//! What the wall draws differently from the workstation window: a header with the
//! page, the "as of" clock and the time to the next page; banners for sources that
//! are down and for critical firings, sized to be read across the room; and the
//! legibility rule every figure on the wall is sized by.

use super::theme;
use crate::clock::DisplayZone;
use chrono::{DateTime, Utc};
use egui::{Color32, RichText, Ui};

/// The cap height of a typeface's capitals, as a share of its font size (Ubuntu,
/// egui's default proportional font: 0.693).
pub(crate) const CAP_HEIGHT_PER_EM: f32 = 0.693;
/// The legibility rule: a figure's capitals are at least 1/200 of the viewing
/// distance tall (AVIXA's ratio for reading a display's details, DISCAS): 25 mm
/// at 5 m.
pub(crate) const DISTANCE_PER_CAP_HEIGHT: f32 = 200.0;

/// The smallest font size, in physical pixels, that a figure may have on a
/// `screen_px` (width, height) display of `diagonal_mm`, read from `distance_mm`.
pub fn min_figure_px(screen_px: [f32; 2], diagonal_mm: f32, distance_mm: f32) -> f32 {
    let diagonal_px = screen_px[0].hypot(screen_px[1]);
    let px_per_mm = diagonal_px / diagonal_mm.max(1.0);
    distance_mm / DISTANCE_PER_CAP_HEIGHT * px_per_mm / CAP_HEIGHT_PER_EM
}

/// The margin the wall keeps around its content, where the critical border flashes.
pub(crate) const BORDER: f32 = 8.0;

/// What the wall's chrome shows this frame.
#[derive(Debug, Clone)]
pub(crate) struct WallChrome {
    /// The playlist's title.
    pub title: String,
    /// The page up (0-based) and how many there are.
    pub page: usize,
    /// Pages in the playlist.
    pub pages: usize,
    /// Whether rotation is paused (space).
    pub paused: bool,
    /// Whether the page is held by a firing alarm.
    pub pinned: bool,
    /// How far through its time the page is, 0–1.
    pub progress: f32,
    /// When what the page shows was last confirmed by every source.
    pub as_of: Option<DateTime<Utc>>,
    /// The smallest font size a figure may have, in points.
    pub figure_pt: f32,
    /// Sources down longer than the playlist allows: one line each, in words.
    pub down: Vec<String>,
    /// Shift of the whole content against burn-in, points.
    pub shift: egui::Vec2,
    /// Alarms firing on any page and not acknowledged: (what, critical), worst first.
    pub firing: Vec<(String, bool)>,
    /// Alarm sources of any page that cannot be asked: their alarms are unknown.
    pub alarms_unknown: Vec<String>,
}

/// The wall's alarm banner: what fires on any page, in type read across the room;
/// a critical firing also flashes a border around the whole screen, once a second,
/// until it is acknowledged or resolves.
pub(crate) fn alarm_banner(ui: &mut Ui, chrome: &WallChrome) {
    if chrome.firing.is_empty() && chrome.alarms_unknown.is_empty() {
        return;
    }
    let unknown = (!chrome.alarms_unknown.is_empty())
        .then(|| format!("alarms of {} unknown", chrome.alarms_unknown.join(", ")));
    if chrome.firing.is_empty() {
        // Nothing known to fire is not "all clear" while a source cannot be asked.
        egui::Panel::top("wall_firing")
            .frame(egui::Frame::new().fill(theme::WARN).inner_margin(8.0))
            .show(ui, |ui| {
                ui.label(
                    RichText::new(unknown.unwrap_or_default())
                        .size((chrome.figure_pt * 0.5).max(20.0))
                        .color(Color32::BLACK)
                        .strong(),
                );
            });
        return;
    }
    let critical = chrome.firing.iter().any(|(_, critical)| *critical);
    let names: Vec<&str> = chrome
        .firing
        .iter()
        .take(3)
        .map(|(n, _)| n.as_str())
        .collect();
    let more = chrome.firing.len().saturating_sub(names.len());
    let text = format!(
        "{} firing: {}{}",
        chrome.firing.len(),
        names.join(" · "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    );
    let text = match unknown {
        Some(unknown) => format!("{text} · {unknown}"),
        None => text,
    };
    egui::Panel::top("wall_firing")
        .frame(egui::Frame::new().fill(theme::ERROR).inner_margin(8.0))
        .show(ui, |ui| {
            ui.label(
                RichText::new(text)
                    .size((chrome.figure_pt * 0.5).max(20.0))
                    .color(Color32::WHITE)
                    .strong(),
            );
        });
    if critical {
        let time = ui.input(|i| i.time);
        if (time as i64) % 2 == 0 {
            // In the margin the wall keeps around its content: it covers nothing.
            let screen = ui.ctx().content_rect();
            ui.ctx()
                .layer_painter(egui::LayerId::new(
                    egui::Order::Foreground,
                    egui::Id::unique("wall-critical-border"),
                ))
                .rect_stroke(
                    screen,
                    0.0,
                    egui::Stroke::new(BORDER, theme::ERROR),
                    egui::StrokeKind::Inside,
                );
        }
        let until_toggle = 1.0 - time.fract();
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_secs_f64(until_toggle.max(0.01)));
    }
}

/// The header: playlist title, page n of m, the page's title, paused/held marks
/// and the "as of" clock; a thin line under it fills as the next page nears.
pub(crate) fn header(ui: &mut Ui, chrome: &WallChrome, dashboard_title: &str, zone: DisplayZone) {
    let size = (chrome.figure_pt * 0.4).max(16.0);
    ui.horizontal(|ui| {
        ui.label(RichText::new(&chrome.title).size(size).strong());
        ui.label(
            RichText::new(format!(
                "{}/{} · {dashboard_title}",
                chrome.page + 1,
                chrome.pages
            ))
            .size(size),
        );
        if chrome.paused {
            ui.label(RichText::new("paused").size(size).color(theme::WARN));
        }
        if chrome.pinned {
            ui.label(
                RichText::new("held: an alarm fires here")
                    .size(size)
                    .color(theme::ERROR),
            );
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let (text, color) = match chrome.as_of {
                Some(at) => (
                    format!("as of {}", zone.format(at.timestamp_millis(), "%H:%M:%S")),
                    ui.visuals().strong_text_color(),
                ),
                None => ("waiting for data".to_owned(), theme::WARN),
            };
            ui.label(RichText::new(text).size(size).color(color));
        });
    });
    let rect = ui.available_rect_before_wrap();
    let line = egui::Rect::from_min_size(rect.min, egui::vec2(rect.width(), 3.0));
    let filled = egui::Rect::from_min_size(
        line.min,
        egui::vec2(
            line.width() * chrome.progress.clamp(0.0, 1.0),
            line.height(),
        ),
    );
    ui.painter()
        .rect_filled(line, 0.0, ui.visuals().faint_bg_color);
    ui.painter().rect_filled(filled, 0.0, theme::BLUE);
    ui.allocate_space(egui::vec2(rect.width(), 3.0));
}

/// The banner for sources that have been down too long, in words a person across
/// the room reads.
pub(crate) fn down_banner(ui: &mut Ui, chrome: &WallChrome) {
    if chrome.down.is_empty() {
        return;
    }
    egui::Panel::top("wall_down")
        .frame(egui::Frame::new().fill(theme::WARN).inner_margin(8.0))
        .show(ui, |ui| {
            for line in &chrome.down {
                ui.label(
                    RichText::new(line)
                        .size((chrome.figure_pt * 0.45).max(18.0))
                        .color(Color32::BLACK)
                        .strong(),
                );
            }
        });
}

/// "data 4 min old": how old what a panel shows is, in the largest whole unit.
pub(crate) fn age_words(age_ms: i64) -> String {
    let seconds = age_ms.max(0) / 1_000;
    if seconds < 120 {
        format!("data {seconds} s old")
    } else if seconds < 2 * 3_600 {
        format!("data {} min old", seconds / 60)
    } else if seconds < 2 * 86_400 {
        format!("data {} h old", seconds / 3_600)
    } else {
        format!("data {} days old", seconds / 86_400)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_55_inch_4k_wall_read_from_5_m_needs_figures_of_114_px() {
        // 3840×2160 over 1397 mm: 3.15 px/mm; 25 mm capitals are 78.9 px; at
        // 0.693 of the font size that is a 113.8 px font.
        let px = min_figure_px([3840.0, 2160.0], 55.0 * 25.4, 5_000.0);
        assert!((px - 113.8).abs() < 0.2, "{px}");
        // Half the pixels on the same screen: half the size in pixels.
        let hd = min_figure_px([1920.0, 1080.0], 55.0 * 25.4, 5_000.0);
        assert!((hd * 2.0 - px).abs() < 0.01);
    }

    #[test]
    fn ages_read_in_the_largest_whole_unit() {
        assert_eq!(age_words(45_000), "data 45 s old");
        assert_eq!(age_words(4 * 60_000 + 10_000), "data 4 min old");
        assert_eq!(age_words(3 * 3_600_000), "data 3 h old");
        assert_eq!(age_words(3 * 86_400_000), "data 3 days old");
    }
}
