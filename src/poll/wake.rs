//! Coalesced UI wakes: answers are drawn as they arrive, without a frame per answer.
//!
//! The first answer after a quiet spell wakes the UI at once; answers within the
//! next [`WAKE_INTERVAL`] are gathered into one trailing wake at its end. Twelve
//! panels answering over 200 ms therefore cost three frames, not twelve, and none
//! waits for the slowest query of the round.

use std::time::Duration;
use tokio::time::Instant;

/// Shortest time between two wakes of the UI by one source.
pub const WAKE_INTERVAL: Duration = Duration::from_millis(100);

/// When a source should next wake the UI.
pub struct WakeCoalescer {
    last_wake: Option<Instant>,
    pending: bool,
}

impl WakeCoalescer {
    /// A coalescer that has never woken anyone: the first answer wakes at once.
    pub fn new() -> WakeCoalescer {
        WakeCoalescer {
            last_wake: None,
            pending: false,
        }
    }

    /// An answer was delivered; returns whether to wake the UI now. If not, a
    /// trailing wake is due at [`WakeCoalescer::deadline`].
    pub fn delivered(&mut self, now: Instant) -> bool {
        let quiet = self
            .last_wake
            .is_none_or(|last| now.duration_since(last) >= WAKE_INTERVAL);
        if quiet {
            self.woke(now);
        } else {
            self.pending = true;
        }
        quiet
    }

    /// The time of the trailing wake, if answers are waiting for one.
    pub fn deadline(&self) -> Option<Instant> {
        match (self.pending, self.last_wake) {
            (true, Some(last)) => Some(last + WAKE_INTERVAL),
            _ => None,
        }
    }

    /// The UI was woken (trailing, or at the end of a round).
    pub fn woke(&mut self, now: Instant) {
        self.last_wake = Some(now);
        self.pending = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_answer_wakes_at_once_and_a_burst_gets_one_trailing_wake() {
        let start = Instant::now();
        let mut wakes = WakeCoalescer::new();
        assert!(wakes.delivered(start));
        assert_eq!(wakes.deadline(), None);
        for ms in [10, 20, 90] {
            assert!(!wakes.delivered(start + Duration::from_millis(ms)));
        }
        assert_eq!(wakes.deadline(), Some(start + WAKE_INTERVAL));
        wakes.woke(start + WAKE_INTERVAL);
        assert_eq!(wakes.deadline(), None);
        // After a quiet interval the next answer is drawn at once again.
        assert!(wakes.delivered(start + 2 * WAKE_INTERVAL + Duration::from_millis(1)));
    }
}
