//! Which page of the wall is up, and for how much longer: rotation by dwell time,
//! pause, previous/next, jump, and holding a page while it shows a critical firing.
//! Pure state on the wall's clock, so tests drive it without waiting.

use std::time::Duration;

/// The rotation through a playlist's pages.
#[derive(Debug, Clone)]
pub(crate) struct Rotation {
    dwells: Vec<Duration>,
    current: usize,
    paused: bool,
    /// When the current page came up, ms on the wall's clock.
    shown_at_ms: i64,
    /// A page held up by a firing alarm.
    pinned: Option<usize>,
}

impl Rotation {
    /// A rotation over pages that stay up `dwells[i]` each, starting at page 0.
    pub(crate) fn new(dwells: Vec<Duration>, now_ms: i64) -> Rotation {
        Rotation {
            dwells,
            current: 0,
            paused: false,
            shown_at_ms: now_ms,
            pinned: None,
        }
    }

    /// The page up now.
    pub(crate) fn current(&self) -> usize {
        self.current
    }

    /// How many pages there are.
    pub(crate) fn pages(&self) -> usize {
        self.dwells.len()
    }

    /// Whether someone paused the rotation.
    pub(crate) fn is_paused(&self) -> bool {
        self.paused
    }

    /// The page held up by a firing alarm, if any.
    pub(crate) fn pinned(&self) -> Option<usize> {
        self.pinned
    }

    /// Moves on when the current page's time is up; holds `pin` (a page whose
    /// panel fires) while it is given. Returns whether the page changed.
    pub(crate) fn tick(&mut self, now_ms: i64, pin: Option<usize>) -> bool {
        self.pinned = pin.filter(|&page| page < self.pages());
        if let Some(page) = self.pinned {
            if page != self.current {
                self.show(page, now_ms);
                return true;
            }
            self.shown_at_ms = now_ms;
            return false;
        }
        if self.paused || self.pages() < 2 {
            return false;
        }
        if now_ms - self.shown_at_ms >= self.dwell_ms() {
            let next = (self.current + 1) % self.pages();
            self.show(next, now_ms);
            return true;
        }
        false
    }

    /// The next page, now (→).
    pub(crate) fn next(&mut self, now_ms: i64) {
        let next = (self.current + 1) % self.pages().max(1);
        self.show(next, now_ms);
    }

    /// The previous page, now (←).
    pub(crate) fn previous(&mut self, now_ms: i64) {
        let pages = self.pages().max(1);
        self.show((self.current + pages - 1) % pages, now_ms);
    }

    /// Page `index` (0-based), now, if it exists (1–9).
    pub(crate) fn jump(&mut self, index: usize, now_ms: i64) {
        if index < self.pages() {
            self.show(index, now_ms);
        }
    }

    /// Pauses or resumes (space); a resumed page gets its full time again.
    pub(crate) fn toggle_pause(&mut self, now_ms: i64) {
        self.paused = !self.paused;
        self.shown_at_ms = now_ms;
    }

    /// How far the current page is through its time, 0–1 (0 while paused or held).
    pub(crate) fn progress(&self, now_ms: i64) -> f32 {
        if self.paused || self.pinned.is_some() || self.pages() < 2 {
            return 0.0;
        }
        ((now_ms - self.shown_at_ms) as f32 / self.dwell_ms().max(1) as f32).clamp(0.0, 1.0)
    }

    /// How long until the next page comes up, if it will by itself.
    pub(crate) fn until_next(&self, now_ms: i64) -> Option<Duration> {
        if self.paused || self.pinned.is_some() || self.pages() < 2 {
            return None;
        }
        let left = (self.dwell_ms() - (now_ms - self.shown_at_ms)).max(0);
        Some(Duration::from_millis(left as u64))
    }

    fn show(&mut self, page: usize, now_ms: i64) {
        self.current = page;
        self.shown_at_ms = now_ms;
    }

    fn dwell_ms(&self) -> i64 {
        self.dwells
            .get(self.current)
            .map_or(30_000, |d| d.as_millis() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rotation() -> Rotation {
        Rotation::new(
            vec![
                Duration::from_secs(30),
                Duration::from_secs(10),
                Duration::from_secs(30),
            ],
            0,
        )
    }

    #[test]
    fn pages_turn_by_their_own_dwell_times_and_wrap() {
        let mut r = rotation();
        assert!(!r.tick(29_999, None));
        assert!(r.tick(30_000, None));
        assert_eq!(r.current(), 1);
        assert!((r.progress(35_000) - 0.5).abs() < 1e-6);
        assert!(r.tick(40_000, None), "page 2 has 10 s");
        assert!(r.tick(70_000, None));
        assert_eq!(r.current(), 0, "wraps");
    }

    #[test]
    fn keys_pause_step_and_jump() {
        let mut r = rotation();
        r.toggle_pause(1_000);
        assert!(!r.tick(100_000, None), "paused");
        assert_eq!(r.progress(100_000), 0.0);
        r.previous(100_000);
        assert_eq!(r.current(), 2);
        r.next(100_000);
        assert_eq!(r.current(), 0);
        r.jump(1, 100_000);
        assert_eq!(r.current(), 1);
        r.jump(9, 100_000);
        assert_eq!(r.current(), 1, "no page 10");
        r.toggle_pause(200_000);
        assert_eq!(r.until_next(205_000), Some(Duration::from_secs(5)));
    }

    #[test]
    fn a_firing_page_is_held_until_it_stops() {
        let mut r = rotation();
        assert!(r.tick(1_000, Some(2)));
        assert_eq!(r.current(), 2);
        assert!(!r.tick(500_000, Some(2)), "held however long");
        assert!(!r.tick(510_000, None), "its full time once released");
        assert!(r.tick(540_000, None));
        assert_eq!(r.current(), 0);
    }
}
