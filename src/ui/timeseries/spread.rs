//! Spread mode: a query with more series than the panel's `max_series` is drawn
//! as the fleet — bands of min–max, p5–p95 and p25–p75 across its series at each
//! step, the median as a line — with its `outliers` highest and lowest series
//! (by mean over the window) drawn and named, and any series pinned by the search
//! field. The legend lists those few, never the thousands.
//!
//! The spread is computed by [`crate::fleet::spread`] from the store (no extra
//! query), when the query's data changes or the window moves by more than a
//! 200th of its span, and kept between frames ([`super::spread_cache`]; a big one
//! is computed on a thread of its own).

use super::super::PanelContext;
use crate::dashboard::PanelSpec;
use crate::fleet::spread::{LEVELS, MEDIAN, Spread};
use crate::store::{Series, SeriesKey};
use egui_plot::PlotPoint;
use std::sync::Arc;

/// Most series a search pins: a word that matches half the fleet pins this many.
const MAX_PINNED: usize = 20;

/// A spread ready to draw.
pub(crate) struct SpreadLines {
    /// The query's spread.
    pub spread: Spread,
    /// Sample times, seconds (the bands' x).
    pub xs: Vec<f64>,
    /// The median as a line.
    pub median: Vec<PlotPoint>,
}

/// One query drawn in spread mode.
pub(crate) struct SpreadQuery {
    /// What the median line is called ("p99 · median of 10,000").
    pub name: String,
    /// The spread.
    pub lines: Arc<SpreadLines>,
}

/// What a line panel draws: its series as lines (every series of a query within
/// `max_series`; a spread query's outliers and pinned series), and its spread
/// queries.
pub(crate) fn split<'a>(
    ctx: &mut PanelContext<'a>,
    panel: &PanelSpec,
    repaint: &egui::Context,
) -> (Vec<(&'a SeriesKey, &'a Series, String)>, Vec<SpreadQuery>) {
    let store = ctx.session.store();
    let search = ctx.state.spreads.searches.get(&panel.id).cloned();
    let mut drawn = Vec::new();
    let mut spreads = Vec::new();
    for query in panel.queries.iter().filter(|query| !query.hidden) {
        let key = panel.key(&query.id);
        let count = store.query_series(&key).count();
        if count <= panel.fleet.max_series {
            drawn.extend(
                store
                    .query_series(&key)
                    .map(|(key, series)| (key, series, query.series_name(&key.labels))),
            );
            continue;
        }
        let Some(lines) =
            ctx.state
                .spreads
                .get(store, &key, ctx.window, panel.fleet.outliers, repaint)
        else {
            // The first spread of a big query is still being computed.
            continue;
        };
        let named = |tag: &str, ranked: &crate::fleet::spread::Ranked| {
            let (key, series) = store.query_series_entry(&ranked.key)?;
            Some((
                key,
                series,
                format!("{tag} {}", query.series_name(&key.labels)),
            ))
        };
        drawn.extend(
            lines
                .spread
                .highest
                .iter()
                .filter_map(|r| named("high:", r)),
        );
        drawn.extend(lines.spread.lowest.iter().filter_map(|r| named("low:", r)));
        if let Some(search) = search.as_deref().filter(|s| !s.trim().is_empty()) {
            drawn.extend(
                store
                    .query_series(&key)
                    .filter(|(key, _)| matches_search(&key.labels, search))
                    .take(MAX_PINNED)
                    .map(|(key, series)| {
                        (
                            key,
                            series,
                            format!("pinned: {}", query.series_name(&key.labels)),
                        )
                    }),
            );
        }
        let total = crate::units::group_thousands(&count.to_string());
        let legend = query.legend.as_deref().unwrap_or("");
        let name = if legend.contains("{{") || legend.is_empty() {
            format!("median of {total}")
        } else {
            format!("{legend} · median of {total}")
        };
        spreads.push(SpreadQuery { name, lines });
    }
    (drawn, spreads)
}

/// Whether a series' labels match a search: every word is one of its label
/// values, or a label's name followed by that label's value ("node-0413 gpu 3"),
/// compared without case.
pub(crate) fn matches_search(
    labels: &std::collections::BTreeMap<String, String>,
    search: &str,
) -> bool {
    let words: Vec<String> = search.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return false;
    }
    let value_of = |name: &str| {
        labels
            .iter()
            .find(|(k, _)| k.to_lowercase() == name)
            .map(|(_, v)| v.to_lowercase())
    };
    let mut index = 0;
    while index < words.len() {
        let word = &words[index];
        if let (Some(value), Some(next)) = (value_of(word), words.get(index + 1)) {
            if &value != next {
                return false;
            }
            index += 2;
            continue;
        }
        if !labels.values().any(|v| &v.to_lowercase() == word) {
            return false;
        }
        index += 1;
    }
    true
}

/// The header of a panel with spread queries: how many series, and the search
/// field that pins series (not on the wall, where nobody types).
pub(crate) fn header(
    header: &mut egui::Ui,
    ctx: &mut PanelContext<'_>,
    panel: &PanelSpec,
    spreads: &[SpreadQuery],
) {
    let series: usize = spreads.iter().map(|s| s.lines.spread.series).sum();
    // The title bar is a line of small text, on the wall too.
    let size = 12.0;
    header.add_space(8.0);
    header.label(
        egui::RichText::new(format!(
            "{} series",
            crate::units::group_thousands(&series.to_string())
        ))
        .size(size)
        .weak(),
    );
    if ctx.wall_figure_pt.is_some() {
        return;
    }
    let text = ctx
        .state
        .spreads
        .searches
        .entry(panel.id.clone())
        .or_default();
    let label = header.label(egui::RichText::new("pin").size(size).weak());
    header
        .add(
            egui::TextEdit::singleline(text)
                .hint_text("node-0413 gpu 3")
                .desired_width(130.0)
                .id_salt(("pin", panel.id.as_str())),
        )
        .labelled_by(label.id);
}

/// The bands drawn: pairs of [`LEVELS`] indices, outer to inner, and how opaque
/// each one's fill is.
pub(crate) const BANDS: [(usize, usize, f32); 3] = [(0, 6, 0.10), (1, 5, 0.16), (2, 4, 0.26)];

const _: () = assert!(LEVELS.len() == 7 && MEDIAN == 3);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_names_label_values_or_a_label_and_its_value() {
        let labels = [
            ("Hostname".to_owned(), "node-0413".to_owned()),
            ("gpu".to_owned(), "3".to_owned()),
        ]
        .into();
        assert!(matches_search(&labels, "node-0413 gpu 3"));
        assert!(matches_search(&labels, "NODE-0413"));
        assert!(!matches_search(&labels, "node-0413 gpu 4"));
        assert!(!matches_search(&labels, "node-04"));
        assert!(!matches_search(&labels, "  "));
    }
}
