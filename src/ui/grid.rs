//! Placing panels: the layout's 24-column grid mapped onto the window.
//!
//! Rows share the available height so a dashboard fills a wall display exactly; on a
//! small window rows keep a minimum height and the dashboard scrolls instead.

use crate::layout::GridPos;
use egui::{Rect, pos2, vec2};

/// Columns of the grid (Grafana's).
pub(crate) const COLUMNS: u32 = 24;
/// Smallest row height in points before the dashboard scrolls.
pub(crate) const MIN_ROW_HEIGHT: f32 = 20.0;
/// Gap between panels in points.
pub(crate) const GAP: f32 = 6.0;

/// Height in points of one grid row when `rows` rows share `available_height`.
pub(crate) fn row_height(available_height: f32, rows: u32) -> f32 {
    (available_height / rows.max(1) as f32).max(MIN_ROW_HEIGHT)
}

/// The rectangle of a panel, inset by half the gap on each side.
pub(crate) fn panel_rect(origin: egui::Pos2, width: f32, row_height: f32, grid: &GridPos) -> Rect {
    let column_width = width / COLUMNS as f32;
    let min = pos2(
        origin.x + grid.x as f32 * column_width,
        origin.y + grid.y as f32 * row_height,
    );
    let size = vec2(grid.w as f32 * column_width, grid.h as f32 * row_height);
    Rect::from_min_size(min, size).shrink(GAP / 2.0)
}

/// Rows used by a set of panels.
pub(crate) fn total_rows<'a>(grids: impl Iterator<Item = &'a GridPos>) -> u32 {
    grids.map(GridPos::bottom).max().unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_of_the_grid_split_the_width() {
        let left = panel_rect(
            pos2(0.0, 0.0),
            2400.0,
            30.0,
            &GridPos {
                x: 0,
                y: 0,
                w: 12,
                h: 8,
            },
        );
        let right = panel_rect(
            pos2(0.0, 0.0),
            2400.0,
            30.0,
            &GridPos {
                x: 12,
                y: 0,
                w: 12,
                h: 8,
            },
        );
        assert_eq!(left.width(), 1200.0 - GAP);
        assert_eq!(right.min.x, 1200.0 + GAP / 2.0);
        assert_eq!(left.height(), 240.0 - GAP);
    }

    #[test]
    fn rows_fill_the_height_but_not_below_the_minimum() {
        assert_eq!(row_height(900.0, 30), 30.0);
        assert_eq!(row_height(300.0, 30), MIN_ROW_HEIGHT);
    }
}
