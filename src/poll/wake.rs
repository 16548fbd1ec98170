//! Coalesced UI wakes: answers are drawn as they arrive, without a frame per answer.
//!
//! An answer someone is waiting for (a full fetch: the dashboard opening, a new
//! range) wakes the UI at once when it is the first after a quiet spell; answers
//! within the next [`WAKE_INTERVAL`] are gathered into one trailing wake at its end.
//! Twelve panels answering over 200 ms therefore cost three frames, not twelve, and
//! none waits for the slowest query of the round. A live refresh's tails are not
//! urgent: they wait up to [`WAKE_INTERVAL`] (or the end of their round) so a
//! second's refresh of every panel is one frame, not one for the first answer and
//! another for the rest — on a software rasteriser each frame is the bulk of the
//! CPU a live dashboard costs.

use std::time::Duration;
use tokio::time::Instant;

/// Shortest time between two wakes of the UI by one source.
pub(crate) const WAKE_INTERVAL: Duration = Duration::from_millis(100);

/// When a source should next wake the UI.
pub(crate) struct WakeCoalescer {
    last_wake: Option<Instant>,
    /// When the answers delivered since the last wake must be drawn at the latest.
    due: Option<Instant>,
}

impl WakeCoalescer {
    /// A coalescer that has never woken anyone: the first urgent answer wakes at once.
    pub(crate) fn new() -> WakeCoalescer {
        WakeCoalescer {
            last_wake: None,
            due: None,
        }
    }

    /// An answer was delivered (`urgent`: a full fetch someone waits for, not a
    /// live tail); returns whether to wake the UI now. If not, a wake is due at
    /// [`WakeCoalescer::deadline`].
    pub(crate) fn delivered(&mut self, now: Instant, urgent: bool) -> bool {
        let quiet = self
            .last_wake
            .is_none_or(|last| now.duration_since(last) >= WAKE_INTERVAL);
        if urgent && quiet {
            self.woke(now);
            return true;
        }
        let due = match self.last_wake {
            Some(last) if urgent => last + WAKE_INTERVAL,
            _ => now + WAKE_INTERVAL,
        };
        self.due = Some(self.due.map_or(due, |earlier| earlier.min(due)));
        false
    }

    /// The time of the trailing wake, if answers are waiting for one.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.due
    }

    /// Whether answers were delivered that no wake has shown yet.
    pub(crate) fn pending(&self) -> bool {
        self.due.is_some()
    }

    /// The UI was woken (trailing, or at the end of a round).
    pub(crate) fn woke(&mut self, now: Instant) {
        self.last_wake = Some(now);
        self.due = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_answer_wakes_at_once_and_a_burst_gets_one_trailing_wake() {
        let start = Instant::now();
        let mut wakes = WakeCoalescer::new();
        assert!(wakes.delivered(start, true));
        assert_eq!(wakes.deadline(), None);
        for ms in [10, 20, 90] {
            assert!(!wakes.delivered(start + Duration::from_millis(ms), true));
        }
        assert_eq!(wakes.deadline(), Some(start + WAKE_INTERVAL));
        wakes.woke(start + WAKE_INTERVAL);
        assert_eq!(wakes.deadline(), None);
        // After a quiet interval the next answer is drawn at once again.
        assert!(wakes.delivered(start + 2 * WAKE_INTERVAL + Duration::from_millis(1), true));
    }

    #[test]
    fn live_tails_wait_to_be_drawn_together() {
        let start = Instant::now();
        let mut wakes = WakeCoalescer::new();
        assert!(!wakes.delivered(start, false), "a tail never wakes at once");
        assert!(!wakes.delivered(start + Duration::from_millis(30), false));
        assert!(wakes.pending());
        assert_eq!(wakes.deadline(), Some(start + WAKE_INTERVAL));
        wakes.woke(start + Duration::from_millis(40));
        assert!(!wakes.pending());
    }
}
