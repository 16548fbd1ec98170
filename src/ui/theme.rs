//! Colours: the series palette and the state colours used across panels.

use egui::Color32;

/// Series colours, Grafana's classic palette: distinct on dark and light backgrounds.
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

/// The colour of the `index`-th series of a panel.
pub(crate) fn series_color(index: usize) -> Color32 {
    PALETTE[index % PALETTE.len()]
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
    thresholds
        .iter()
        .filter(|t| value >= t.value)
        .max_by(|a, b| a.value.total_cmp(&b.value))
        .map(|t| rgb(t.rgb))
}
