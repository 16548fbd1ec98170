//! Where each source and each panel query stands: loading, ok, stale, or failing —
//! what the status bar and the panel headers show.

use crate::source::SourceError;
use chrono::{DateTime, Utc};

/// Health of one source, derived from the results of its fetches.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceHealth {
    /// Last successful fetch.
    pub last_ok: Option<DateTime<Utc>>,
    /// The current failure, if the last fetch failed: when it started and why.
    pub failing: Option<(DateTime<Utc>, SourceError)>,
}

impl SourceHealth {
    /// Records one fetch outcome.
    pub(crate) fn record(&mut self, at: DateTime<Utc>, outcome: Result<(), &SourceError>) {
        match outcome {
            Ok(()) => {
                self.last_ok = Some(at);
                self.failing = None;
            }
            Err(error) => {
                let since = self.failing.as_ref().map_or(at, |(since, _)| *since);
                self.failing = Some((since, error.clone()));
            }
        }
    }

    /// The summary a person reads.
    pub fn state(&self) -> HealthState<'_> {
        match (&self.failing, self.last_ok) {
            (None, None) => HealthState::Loading,
            (None, Some(at)) => HealthState::Ok(at),
            (Some((_, error)), Some(last_ok)) => HealthState::Stale {
                since: last_ok,
                error,
            },
            (Some((since, error)), None) => HealthState::Failing {
                since: *since,
                error,
            },
        }
    }
}

/// What a source's state reads as.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HealthState<'a> {
    /// No answer yet.
    Loading,
    /// Last fetch succeeded at this time.
    Ok(DateTime<Utc>),
    /// It worked before, fails now: data shown is as of `since`.
    Stale {
        /// Time of the last good data.
        since: DateTime<Utc>,
        /// Why it fails now.
        error: &'a SourceError,
    },
    /// It never worked.
    Failing {
        /// When it first failed.
        since: DateTime<Utc>,
        /// Why.
        error: &'a SourceError,
    },
}

/// State of one query of one panel.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum QueryStatus {
    /// Waiting for the first answer.
    #[default]
    Loading,
    /// Data arrived.
    Ok,
    /// The last fetch failed with this error.
    Failed(SourceError),
    /// Computed (a derived query), with gaps the user should know about.
    Noted(String),
}
