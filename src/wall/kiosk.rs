//! Kiosk behaviour: the cursor hides when the mouse is still, the content shifts a
//! few pixels every few minutes against burn-in, and the wall dims at night.

use super::playlist::Night;
use chrono::{DateTime, Timelike, Utc};

/// The cursor hides after the mouse has been still this long.
pub(crate) const CURSOR_HIDES_AFTER_S: f64 = 3.0;
/// The content moves to a new burn-in offset this often.
pub(crate) const SHIFT_EVERY_MS: i64 = 3 * 60_000;
/// The largest burn-in offset, points.
pub(crate) const MAX_SHIFT: f32 = 3.0;

/// Whether the cursor shows, following the mouse.
#[derive(Debug, Default)]
pub(crate) struct Cursor {
    /// When the mouse last moved (egui time, seconds).
    last_move_s: f64,
    hidden: bool,
}

impl Cursor {
    /// Follows the pointer; returns the visibility to ask the window for when it
    /// changes.
    pub(crate) fn update(&mut self, moved: bool, time_s: f64) -> Option<bool> {
        if moved {
            self.last_move_s = time_s;
        }
        let hide = time_s - self.last_move_s >= CURSOR_HIDES_AFTER_S;
        (hide != self.hidden).then(|| {
            self.hidden = hide;
            !hide
        })
    }

    /// Whether it is hidden now.
    pub(crate) fn is_hidden(&self) -> bool {
        self.hidden
    }

    /// Seconds until it hides, if it shows.
    pub(crate) fn hides_in(&self, time_s: f64) -> Option<f64> {
        (!self.hidden).then(|| (CURSOR_HIDES_AFTER_S - (time_s - self.last_move_s)).max(0.0))
    }
}

/// The burn-in offset at `now_ms`: a new one every few minutes, within a few points,
/// the same for every frame in between.
pub(crate) fn burn_in_shift(now_ms: i64) -> egui::Vec2 {
    let slot = now_ms.div_euclid(SHIFT_EVERY_MS) as u64;
    // A small hash so consecutive slots do not step in a visible pattern.
    let mixed = slot.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17);
    let offset = |bits: u64| (bits % 7) as f32 - MAX_SHIFT;
    egui::vec2(offset(mixed), offset(mixed >> 8))
}

/// How bright the wall is at `now` (local time of day): 1 by day, the night's
/// `dim` in the night.
pub(crate) fn brightness(night: Option<&Night>, now: DateTime<Utc>) -> f32 {
    let local = now.with_timezone(&chrono::Local);
    let minute = local.hour() * 60 + local.minute();
    night.filter(|n| n.covers(minute)).map_or(1.0, |n| n.dim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_hides_when_still_and_returns_when_moved() {
        let mut cursor = Cursor::default();
        assert_eq!(cursor.update(false, 1.0), None);
        assert_eq!(cursor.update(false, 3.0), Some(false), "hidden after 3 s");
        assert_eq!(cursor.update(false, 10.0), None);
        assert_eq!(cursor.update(true, 11.0), Some(true), "shown on a move");
        assert_eq!(cursor.hides_in(12.0), Some(2.0));
    }

    #[test]
    fn the_burn_in_shift_is_small_steady_and_changes_every_few_minutes() {
        let a = burn_in_shift(0);
        assert_eq!(a, burn_in_shift(SHIFT_EVERY_MS - 1));
        let shifts: std::collections::BTreeSet<(i32, i32)> = (0..20)
            .map(|slot| burn_in_shift(slot * SHIFT_EVERY_MS))
            .inspect(|s| assert!(s.x.abs() <= MAX_SHIFT && s.y.abs() <= MAX_SHIFT))
            .map(|s| (s.x as i32, s.y as i32))
            .collect();
        assert!(shifts.len() > 5, "{shifts:?}");
    }
}
