//! Which cells of the 24-column grid panels take, column by column, so that the
//! panels a new one would overlap are found in a few lookups per column instead
//! of by comparing it with every panel placed before it. Checking a layout and
//! importing a Grafana dashboard both place panels one after another; compared
//! pairwise, 16,000 panels took longer than a minute.

use super::GridPos;
use std::collections::BTreeMap;

/// Columns of the grid.
const COLUMNS: usize = 24;

/// The panels placed so far. Within a column no two of them overlap (only a panel
/// that overlaps nothing is [`Occupancy::insert`]ed), so the one that starts last
/// above a row is the only one that can reach into it.
#[derive(Debug, Clone)]
pub(crate) struct Occupancy {
    /// Per column: first row → (row below the last, who placed it).
    columns: Vec<BTreeMap<u32, (u32, usize)>>,
}

impl Default for Occupancy {
    fn default() -> Occupancy {
        Occupancy {
            columns: vec![BTreeMap::new(); COLUMNS],
        }
    }
}

impl Occupancy {
    /// Who `grid` overlaps, each once, with the row below each of them.
    pub(crate) fn overlapping(&self, grid: &GridPos) -> Vec<(usize, u32)> {
        let mut found: Vec<(usize, u32)> = Vec::new();
        let (top, bottom) = (grid.y, grid.bottom());
        if grid.w == 0 || bottom <= top {
            return found;
        }
        for column in self.columns_of(grid) {
            let above = column
                .range(..top)
                .next_back()
                .filter(|(_, (end, _))| *end > top);
            let inside = column.range(top..bottom);
            for (_, &(end, owner)) in above.into_iter().chain(inside) {
                if !found.iter().any(|(seen, _)| *seen == owner) {
                    found.push((owner, end));
                }
            }
        }
        found.sort_unstable();
        found
    }

    /// Marks `grid`'s cells as taken by `owner`; `grid` must overlap nothing placed.
    pub(crate) fn insert(&mut self, grid: &GridPos, owner: usize) {
        if grid.w == 0 || grid.h == 0 {
            return;
        }
        let (top, bottom) = (grid.y, grid.bottom());
        let first = (grid.x as usize).min(COLUMNS);
        let last = (grid.x as usize + grid.w as usize).min(COLUMNS);
        for column in &mut self.columns[first..last] {
            column.insert(top, (bottom, owner));
        }
    }

    /// The first row below every panel in `grid`'s columns: free whatever `grid`'s
    /// height.
    pub(crate) fn below_all(&self, grid: &GridPos) -> u32 {
        self.columns_of(grid)
            .filter_map(|column| column.last_key_value().map(|(_, (end, _))| *end))
            .max()
            .unwrap_or(grid.y)
            .max(grid.y)
    }

    fn columns_of(&self, grid: &GridPos) -> impl Iterator<Item = &BTreeMap<u32, (u32, usize)>> {
        let first = (grid.x as usize).min(COLUMNS);
        let last = (grid.x as usize + grid.w as usize).min(COLUMNS);
        self.columns[first..last].iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: u32, y: u32, w: u32, h: u32) -> GridPos {
        GridPos { x, y, w, h }
    }

    #[test]
    fn finds_what_a_pairwise_comparison_finds() {
        let placed = [
            at(0, 0, 12, 8),
            at(12, 0, 12, 4),
            at(12, 4, 6, 10),
            at(0, 20, 24, 2),
        ];
        let mut occupancy = Occupancy::default();
        for (index, grid) in placed.iter().enumerate() {
            occupancy.insert(grid, index);
        }
        for probe in [
            at(0, 0, 24, 1),
            at(11, 7, 2, 1),
            at(18, 4, 6, 10),
            at(0, 8, 12, 12),
            at(5, 13, 15, 9),
            at(23, 21, 1, 5),
        ] {
            let pairwise: Vec<(usize, u32)> = placed
                .iter()
                .enumerate()
                .filter(|(_, grid)| grid.overlaps(&probe))
                .map(|(index, grid)| (index, grid.bottom()))
                .collect();
            assert_eq!(occupancy.overlapping(&probe), pairwise, "{probe:?}");
        }
    }
}
