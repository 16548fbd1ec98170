//! Where panels go when one is moved or resized in edit mode: on the 24-column
//! grid, and every panel it lands on makes room by moving down (cascading), as
//! in Grafana. Nothing else moves, so a diff of the file shows only the panels
//! that had to.

use crate::layout::GridPos;

/// Columns of the grid.
pub(crate) const COLUMNS: u32 = 24;

/// A panel's id and where it sits.
pub(crate) type Placed = (String, GridPos);

/// `target` clamped onto the grid: at least one cell, never past the right edge.
pub(crate) fn clamp(target: GridPos) -> GridPos {
    let w = target.w.clamp(1, COLUMNS);
    GridPos {
        x: target.x.min(COLUMNS - w),
        y: target.y,
        w,
        h: target.h.max(1),
    }
}

/// Every panel's position after `moved` goes to `target`: the ones it (or a
/// panel pushed by it) overlaps move down just below it.
pub(crate) fn place(panels: &[Placed], moved: &str, target: GridPos) -> Vec<Placed> {
    let mut placed: Vec<Placed> = panels.to_vec();
    let target = clamp(target);
    if let Some((_, grid)) = placed.iter_mut().find(|(id, _)| id == moved) {
        *grid = target;
    }
    let mut queue: Vec<(String, GridPos)> = vec![(moved.to_owned(), target)];
    // Each push moves a panel strictly down, so this ends; the cap is a guard.
    let mut budget = 10_000;
    while let Some((blocker_id, blocker)) = queue.pop() {
        for (id, grid) in placed.iter_mut() {
            if id == moved || *id == blocker_id || !grid.overlaps(&blocker) {
                continue;
            }
            budget -= 1;
            if budget == 0 {
                return placed;
            }
            grid.y = blocker.bottom();
            queue.push((id.clone(), *grid));
        }
    }
    placed
}

/// The panels whose position differs between `before` and `after`.
pub(crate) fn changed(before: &[Placed], after: &[Placed]) -> Vec<Placed> {
    after
        .iter()
        .filter(|(id, grid)| !before.iter().any(|(other, was)| other == id && was == grid))
        .cloned()
        .collect()
}

/// Where a new panel of `w` × `h` goes: the left edge, below everything.
pub(crate) fn below_all(panels: &[Placed], w: u32, h: u32) -> GridPos {
    let y = panels.iter().map(|(_, g)| g.bottom()).max().unwrap_or(0);
    clamp(GridPos { x: 0, y, w, h })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: u32, y: u32, w: u32, h: u32) -> GridPos {
        GridPos { x, y, w, h }
    }

    #[test]
    fn a_panel_dropped_on_others_pushes_them_down_in_a_cascade() {
        let panels = vec![
            ("a".to_owned(), at(0, 0, 12, 8)),
            ("b".to_owned(), at(12, 0, 12, 8)),
            ("c".to_owned(), at(12, 8, 12, 4)),
        ];
        // Move a onto b's place: b goes below a, c below b.
        let after = place(&panels, "a", at(12, 0, 12, 8));
        assert_eq!(after[0].1, at(12, 0, 12, 8));
        assert_eq!(after[1].1, at(12, 8, 12, 8));
        assert_eq!(after[2].1, at(12, 16, 12, 4));
        assert_eq!(changed(&panels, &after).len(), 3);
    }

    #[test]
    fn a_resize_into_free_space_moves_nothing_else_and_the_edge_holds() {
        let panels = vec![
            ("a".to_owned(), at(0, 0, 8, 8)),
            ("b".to_owned(), at(12, 0, 12, 8)),
        ];
        let after = place(&panels, "a", at(0, 0, 12, 10));
        assert_eq!(
            changed(&panels, &after),
            [("a".to_owned(), at(0, 0, 12, 10))]
        );
        assert_eq!(clamp(at(20, 0, 10, 0)), at(14, 0, 10, 1));
        assert_eq!(clamp(at(20, 0, 30, 5)), at(0, 0, 24, 5));
    }

    #[test]
    fn a_new_panel_goes_below_everything() {
        let panels = vec![
            ("a".to_owned(), at(0, 0, 8, 8)),
            ("b".to_owned(), at(8, 3, 8, 9)),
        ];
        assert_eq!(below_all(&panels, 12, 8), at(0, 12, 12, 8));
    }
}
