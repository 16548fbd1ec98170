//! The notion of "now" shared by the poller, the UI and the exporter.
//!
//! A fixed clock makes a dashboard reproducible: tests and snapshot images pin it, so
//! the simulated fleet draws the same picture on every run.

use chrono::{DateTime, Utc};

/// Where "now" comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// Always this instant.
    Fixed(DateTime<Utc>),
    /// Time running `factor` times faster than real time from `from`, counted from
    /// the real instant `since`: a soak test lives a week in minutes.
    Accelerated {
        /// The instant the clock starts at.
        from: DateTime<Utc>,
        /// When, in real time, it started.
        since: std::time::Instant,
        /// Simulated seconds per real second.
        factor: u32,
    },
}

impl Clock {
    /// The current instant according to this clock.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(instant) => *instant,
            Clock::Accelerated {
                from,
                since,
                factor,
            } => {
                let elapsed = since.elapsed().saturating_mul(*factor);
                chrono::Duration::from_std(elapsed)
                    .ok()
                    .and_then(|elapsed| from.checked_add_signed(elapsed))
                    .unwrap_or(*from)
            }
        }
    }

    /// How long to wait in real time for `span` to pass on this clock (a poller
    /// refreshing every 10 s of an accelerated clock waits less).
    pub(crate) fn real(&self, span: std::time::Duration) -> std::time::Duration {
        match self {
            Clock::Accelerated { factor, .. } => {
                (span / (*factor).max(1)).max(std::time::Duration::from_millis(1))
            }
            Clock::System | Clock::Fixed(_) => span,
        }
    }
}

/// The time zone timestamps are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisplayZone {
    /// The machine's local time zone.
    #[default]
    Local,
    /// UTC, for shared screens across regions and for reproducible snapshots.
    Utc,
}

impl DisplayZone {
    /// Seconds east of UTC at the instant `t_s` (seconds since epoch), so round
    /// times on the axis are round on the wall clock the user reads.
    pub(crate) fn utc_offset_s(self, t_s: i64) -> i32 {
        use chrono::Offset;
        match self {
            DisplayZone::Utc => 0,
            DisplayZone::Local => DateTime::<Utc>::from_timestamp(t_s, 0)
                .map(|instant| {
                    instant
                        .with_timezone(&chrono::Local)
                        .offset()
                        .fix()
                        .local_minus_utc()
                })
                .unwrap_or(0),
        }
    }

    /// Formats a timestamp (ms since epoch) with a chrono format string.
    pub(crate) fn format(self, t_ms: i64, format: &str) -> String {
        let Some(instant) = DateTime::<Utc>::from_timestamp_millis(t_ms) else {
            return "?".to_owned();
        };
        match self {
            DisplayZone::Utc => instant.format(format).to_string(),
            DisplayZone::Local => instant
                .with_timezone(&chrono::Local)
                .format(format)
                .to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accelerated_clock_runs_fast_and_waits_short() {
        let from = DateTime::parse_from_rfc3339("2026-11-25T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = Clock::Accelerated {
            from,
            since: std::time::Instant::now() - std::time::Duration::from_secs(2),
            factor: 3_600,
        };
        let hours = (clock.now() - from).num_minutes() as f64 / 60.0;
        assert!((2.0..2.1).contains(&hours), "{hours} h after 2 s");
        assert_eq!(
            clock.real(std::time::Duration::from_secs(3_600)),
            std::time::Duration::from_secs(1)
        );
        assert_eq!(
            Clock::System.real(std::time::Duration::from_secs(10)),
            std::time::Duration::from_secs(10)
        );
    }
}
