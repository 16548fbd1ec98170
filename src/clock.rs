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
}

impl Clock {
    /// The current instant according to this clock.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(instant) => *instant,
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
    /// Formats a timestamp (ms since epoch) with a chrono format string.
    pub fn format(self, t_ms: i64, format: &str) -> String {
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
