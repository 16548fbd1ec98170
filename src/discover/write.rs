//! The drafted sections as a layout a person would have written: the sources,
//! the variables, an overview row of stat tiles (requests, p99 latency, errors,
//! accelerator utilisation, spend), a headed section per component, an alarm
//! panel, and the default rules.

use super::draft::{CLOUDWATCH, PROMETHEUS, PanelDraft, Section, Slot};
use crate::import::toml_text::{self, QueryText, quoted};
use crate::layout::GridPos;

/// Grid columns.
const COLUMNS: u32 = 24;
/// Height of an overview tile.
const TILE_HEIGHT: u32 = 4;
/// Height of a section's heading.
const HEADING_HEIGHT: u32 = 3;

/// Where the layout's sources point.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourcesText {
    /// `[sources.prom]` keys, values as TOML text.
    pub prometheus: Option<Vec<(String, String)>>,
    /// `[sources.cw]` keys.
    pub cloudwatch: Option<Vec<(String, String)>>,
}

/// The layout's text.
pub fn layout(title: &str, comment: &str, sources: &SourcesText, sections: &[Section]) -> String {
    let mut text = String::new();
    for line in comment.lines() {
        text.push_str(&format!("# {line}\n"));
    }
    text.push_str(&format!(
        "version = 1\ntitle = {}\nrefresh = \"30s\"\ntime = {{ from = \"now-1h\", to = \"now\" }}\n\n",
        quoted(title)
    ));
    if let Some(keys) = &sources.prometheus {
        text.push_str(&toml_text::table(&format!("[sources.{PROMETHEUS}]"), keys));
    }
    if let Some(keys) = &sources.cloudwatch {
        text.push_str(&toml_text::table(&format!("[sources.{CLOUDWATCH}]"), keys));
    }
    for section in sections {
        for (name, keys) in &section.variables {
            text.push_str(&toml_text::table(
                &format!("[variables.{}]", toml_text::key(name)),
                keys,
            ));
        }
    }
    let mut y = 0;
    let tiles = overview(sections);
    if !tiles.is_empty() {
        let width = COLUMNS / tiles.len() as u32;
        for (i, tile) in tiles.iter().enumerate() {
            let grid = GridPos {
                x: i as u32 * width,
                y,
                w: width,
                h: TILE_HEIGHT,
            };
            text.push_str(&panel_text(tile, grid));
        }
        y += TILE_HEIGHT;
    }
    for section in sections.iter().filter(|s| !s.panels.is_empty()) {
        let heading = if section.about.is_empty() {
            "Recognised by its metric names.".to_owned()
        } else {
            format!("Found {}.", section.about)
        };
        text.push_str(&toml_text::panel(
            &section.title,
            "text",
            GridPos {
                x: 0,
                y,
                w: COLUMNS,
                h: HEADING_HEIGHT,
            },
            &[("text".to_owned(), quoted(&heading))],
            &[],
        ));
        y += HEADING_HEIGHT;
        let mut x = 0;
        let mut row_height = 0;
        for panel in &section.panels {
            if x + panel.width > COLUMNS {
                y += row_height;
                x = 0;
                row_height = 0;
            }
            text.push_str(&panel_text(
                panel,
                GridPos {
                    x,
                    y,
                    w: panel.width,
                    h: panel.height,
                },
            ));
            x += panel.width;
            row_height = row_height.max(panel.height);
        }
        y += row_height;
    }
    let alarm_sources: Vec<QueryText> = [
        sources.prometheus.as_ref().map(|_| PROMETHEUS),
        sources.cloudwatch.as_ref().map(|_| CLOUDWATCH),
    ]
    .into_iter()
    .flatten()
    .map(|source| QueryText {
        source: source.to_owned(),
        lines: Vec::new(),
    })
    .collect();
    text.push_str(&toml_text::panel(
        "Alarms",
        "alarms",
        GridPos {
            x: 0,
            y,
            w: COLUMNS,
            h: 7,
        },
        &[],
        &alarm_sources,
    ));
    let rules: Vec<_> = sections.iter().flat_map(|s| &s.rules).collect();
    if !rules.is_empty() {
        text.push_str(
            "# Default rules, evaluated here on the panels' data: a starting point, tune\n# the thresholds to your objectives.\n",
        );
        for rule in rules {
            text.push_str(&toml_text::table("[[rules]]", rule));
        }
    }
    text
}

/// One tile per slot, from the first section offering it.
fn overview(sections: &[Section]) -> Vec<&PanelDraft> {
    let mut tiles: Vec<(Slot, &PanelDraft)> = Vec::new();
    for section in sections {
        for (slot, tile) in &section.overview {
            if !tiles.iter().any(|(taken, _)| taken == slot) {
                tiles.push((*slot, tile));
            }
        }
    }
    tiles.sort_by_key(|(slot, _)| *slot);
    tiles.into_iter().map(|(_, tile)| tile).collect()
}

fn panel_text(panel: &PanelDraft, grid: GridPos) -> String {
    toml_text::panel(&panel.title, panel.kind, grid, &panel.lines, &panel.queries)
}
