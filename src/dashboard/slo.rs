//! A service level objective as the layout compiled it: the objective, its
//! window, the SLI's queries and the burn-rate alarms. The arithmetic and the
//! reports are in `crate::slo`; this is only the model, the floor every other
//! module may stand on.

use crate::dashboard::SourceId;
use crate::dashboard::sources::SourceQuery;
use serde::Serialize;
use std::time::Duration;

/// The windows whose burn rates a report shows.
pub const BURN_WINDOWS: [Duration; 6] = [
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(3600),
    Duration::from_secs(6 * 3600),
    Duration::from_secs(24 * 3600),
    Duration::from_secs(3 * 24 * 3600),
];

/// One compiled objective.
#[derive(Debug, Clone, PartialEq)]
pub struct SloSpec {
    /// Its name, unique in the layout.
    pub name: String,
    /// The share of good events promised, as a fraction (0.999).
    pub objective: f64,
    /// The rolling window it is promised over (for a calendar month, the
    /// longest one: 31 days).
    pub window: Duration,
    /// Promised per calendar month (UTC) rather than over a rolling window: the
    /// budget is the month's so far, and starts again on the 1st.
    pub calendar_month: bool,
    /// All events, a rate per second.
    pub total: SliQuery,
    /// The good or the bad events, a rate per second.
    pub part: SliPart,
    /// The burn-rate alarms.
    pub alerts: Vec<BurnAlert>,
}

impl SloSpec {
    /// The share of events allowed to be bad (0.001 for 99.9 %).
    pub fn budget(&self) -> f64 {
        1.0 - self.objective
    }

    /// Every window a report needs a burn rate for: the shown ones and the alarms'.
    pub fn burn_windows(&self) -> Vec<Duration> {
        let mut windows: Vec<Duration> = BURN_WINDOWS.to_vec();
        for alert in &self.alerts {
            windows.extend([alert.long, alert.short]);
        }
        windows.sort();
        windows.dedup();
        windows
    }
}

/// One of an SLI's queries: a source and what to ask it.
#[derive(Debug, Clone, PartialEq)]
pub struct SliQuery {
    /// The source.
    pub source: SourceId,
    /// The query, whose series are summed.
    pub query: SourceQuery,
    /// What its values are.
    pub reads: SliReading,
}

/// What an SLI query's values are, so each step's events can be counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SliReading {
    /// Events per second over the step (PromQL `rate(…[$__interval])`, a demo
    /// `rate = true`).
    Rate,
    /// Events in the step (CloudWatch `Sum` or `SampleCount` over the period).
    Count,
    /// The percentage of the step's events that were good (CloudWatch's
    /// percentile rank `PR(:2000000)`): of the total's events.
    Percent,
}

/// Which events the second query counts.
#[derive(Debug, Clone, PartialEq)]
pub enum SliPart {
    /// The good ones (bad = total − good).
    Good(SliQuery),
    /// The bad ones.
    Bad(SliQuery),
}

impl SliPart {
    /// The query, whichever events it counts.
    pub fn query(&self) -> &SliQuery {
        match self {
            SliPart::Good(query) | SliPart::Bad(query) => query,
        }
    }
}

/// How loudly a burn-rate alarm calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Someone should look during working hours.
    Ticket,
    /// Someone should look now.
    Page,
}

impl Severity {
    /// As the layout and reports spell it.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Ticket => "ticket",
            Severity::Page => "page",
        }
    }
}

/// A multiwindow burn-rate alarm: it fires while both windows burn faster than
/// `burn`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BurnAlert {
    /// Page or ticket.
    pub severity: Severity,
    /// The burn rate both windows must exceed.
    pub burn: f64,
    /// The long window.
    #[serde(with = "seconds")]
    pub long: Duration,
    /// The short window.
    #[serde(with = "seconds")]
    pub short: Duration,
}

impl BurnAlert {
    /// The workbook's alarms for a 30-day window: page at 14.4× (2 % of the
    /// budget in an hour) and 6× (5 % in six hours), ticket at 1× (10 % in three
    /// days).
    pub fn workbook() -> Vec<BurnAlert> {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        vec![
            BurnAlert {
                severity: Severity::Page,
                burn: 14.4,
                long: minutes(60),
                short: minutes(5),
            },
            BurnAlert {
                severity: Severity::Page,
                burn: 6.0,
                long: minutes(6 * 60),
                short: minutes(30),
            },
            BurnAlert {
                severity: Severity::Ticket,
                burn: 1.0,
                long: minutes(3 * 24 * 60),
                short: minutes(6 * 60),
            },
        ]
    }

    /// `page: 14.4× over 1h and 5m`.
    pub fn describe(&self) -> String {
        format!(
            "{}: {}× over {} and {}",
            self.severity.name(),
            self.burn,
            crate::time_range::format_duration(self.long),
            crate::time_range::format_duration(self.short)
        )
    }
}

/// Durations as whole seconds in JSON.
pub(crate) mod seconds {
    pub(crate) fn serialize<S: serde::Serializer>(
        duration: &std::time::Duration,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(duration.as_secs_f64())
    }
}

pub(crate) mod seconds_option {
    pub(crate) fn serialize<S: serde::Serializer>(
        duration: &Option<std::time::Duration>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match duration {
            Some(duration) => serializer.serialize_f64(duration.as_secs_f64()),
            None => serializer.serialize_none(),
        }
    }
}
