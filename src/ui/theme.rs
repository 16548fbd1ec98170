//! Colours: the series palette and the state colours used across panels.

use egui::Color32;

/// Series colours on a dark background: Grafana's classic palette.
const PALETTE: [Color32; 10] = [
    Color32::from_rgb(0x7e, 0xb2, 0x6d),
    Color32::from_rgb(0xea, 0xb8, 0x39),
    Color32::from_rgb(0x6e, 0xd0, 0xe0),
    Color32::from_rgb(0xef, 0x84, 0x3c),
    Color32::from_rgb(0xe2, 0x4d, 0x42),
    Color32::from_rgb(0x1f, 0x78, 0xc1),
    Color32::from_rgb(0xba, 0x43, 0xa9),
    Color32::from_rgb(0x70, 0x5d, 0xa0),
    Color32::from_rgb(0x50, 0x86, 0x42),
    Color32::from_rgb(0xcc, 0xa3, 0x00),
];

/// The same hues for a light background, darkened until each keeps a contrast
/// of at least 3:1 against white (the classic yellow and cyan washed out).
const LIGHT_PALETTE: [Color32; 10] = [
    Color32::from_rgb(0x3f, 0x7f, 0x2f),
    Color32::from_rgb(0x9c, 0x72, 0x00),
    Color32::from_rgb(0x10, 0x80, 0x96),
    Color32::from_rgb(0xc2, 0x58, 0x0c),
    Color32::from_rgb(0xc4, 0x2b, 0x22),
    Color32::from_rgb(0x1f, 0x6a, 0xb0),
    Color32::from_rgb(0x9c, 0x2f, 0x8c),
    Color32::from_rgb(0x5d, 0x49, 0x8f),
    Color32::from_rgb(0x3b, 0x6e, 0x2f),
    Color32::from_rgb(0x8a, 0x6d, 0x00),
];

/// The colour of the `index`-th series of a panel, on a dark or a light
/// background.
pub(crate) fn series_color(dark_mode: bool, index: usize) -> Color32 {
    let palette = if dark_mode { &PALETTE } else { &LIGHT_PALETTE };
    palette[index % palette.len()]
}

/// The base colour of a chart's grid lines (egui_plot fades the minor ones).
/// On a light background egui_plot's default, the text colour, draws the major
/// lines near-black and as heavy as the data: a light grey keeps them behind it.
pub(crate) fn grid_color(visuals: &egui::Visuals) -> Color32 {
    if visuals.dark_mode {
        visuals.text_color()
    } else {
        Color32::from_gray(0xc4)
    }
}

/// Healthy.
pub(crate) const OK: Color32 = Color32::from_rgb(0x56, 0xa6, 0x4b);
/// Waiting or stale.
pub(crate) const WARN: Color32 = Color32::from_rgb(0xff, 0x98, 0x30);
/// Notes pinned on the timeline.
pub(crate) const NOTE: Color32 = Color32::from_rgb(0x8a, 0xb4, 0xf8);
/// A scaling action on the timeline.
pub(crate) const OPERATION: Color32 = Color32::from_rgb(0x4f, 0xc3, 0xc8);
/// A chaos experiment's run on the timeline.
pub(crate) const CHAOS: Color32 = Color32::from_rgb(0xb3, 0x7f, 0xeb);
/// An alarm that cannot decide for lack of data.
pub(crate) const NO_DATA: Color32 = Color32::from_rgb(0x8a, 0x8f, 0x99);
/// Failing.
pub(crate) const ERROR: Color32 = Color32::from_rgb(0xf2, 0x49, 0x5c);
/// A fleet's spread (bands and median) behind its named outliers.
pub(crate) const FLEET: Color32 = Color32::from_rgb(0xb8, 0xc4, 0xd6);
/// Neutral progress (the wall's time to the next page).
pub(crate) const BLUE: Color32 = Color32::from_rgb(0x32, 0x74, 0xd9);

/// A colour the layout named, parsed when it was compiled.
pub(crate) fn rgb([r, g, b]: [u8; 3]) -> Color32 {
    Color32::from_rgb(r, g, b)
}

/// The colour of the highest of `thresholds` at or below `value`.
pub(crate) fn threshold_color(
    thresholds: &[crate::dashboard::Threshold],
    value: f64,
) -> Option<Color32> {
    crate::dashboard::Threshold::reached(thresholds, value).map(|t| rgb(t.rgb))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG's relative luminance of an sRGB colour.
    fn luminance(color: Color32) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(color.r()) + 0.7152 * channel(color.g()) + 0.0722 * channel(color.b())
    }

    #[test]
    fn every_light_series_colour_reads_on_white_and_the_dark_ones_on_the_dark_panel() {
        let contrast = |a: f64, b: f64| (a.max(b) + 0.05) / (a.min(b) + 0.05);
        for index in 0..LIGHT_PALETTE.len() {
            let on_white = contrast(luminance(series_color(false, index)), 1.0);
            assert!(
                on_white >= 3.0,
                "light colour {index}: {on_white:.2}:1 on white"
            );
            let panel = luminance(Color32::from_gray(0x1b));
            let on_dark = contrast(luminance(series_color(true, index)), panel);
            assert!(
                on_dark >= 3.0,
                "dark colour {index}: {on_dark:.2}:1 on the panel"
            );
        }
    }
}
