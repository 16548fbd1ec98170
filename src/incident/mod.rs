//! Incident files: what a dashboard showed over a range, kept as evidence for the
//! postmortem — the layout, the absolute range, every panel's series as fetched
//! plus coarser context around the range, the alarm history, the notes, and the
//! sources by name and kind (never a secret). [`format`] is the byte layout.

pub mod format;

use crate::alarm::engine::Transition;
use crate::notes::Note;
use crate::source::SourceError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One incident, as written (CBOR inside the file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// When it was taken, ms since the epoch.
    pub taken_at_ms: i64,
    /// The layout's text, with header values and URL credentials blanked.
    pub layout_text: String,
    /// The layout file it came from (for the banner).
    pub layout_name: String,
    /// The range inspected, ms.
    pub start_ms: i64,
    /// The end of the range, ms.
    pub end_ms: i64,
    /// Each source's name and kind (`prometheus`, `cloudwatch`, …).
    pub sources: Vec<(String, String)>,
    /// Every series of every panel over the range, as fetched.
    pub series: Vec<StoredSeries>,
    /// The same, coarser, over the range's span before and after it.
    pub context: Vec<StoredSeries>,
    /// The alarm history (rules and alarms raised elsewhere).
    pub alarm_history: Vec<Transition>,
    /// Notes pinned on the timeline.
    pub notes: Vec<Note>,
    /// What became of each query over the range: answered, failed and why, or
    /// never answered. (Format 2 on; a version 1 file has none.)
    #[serde(default)]
    pub outcomes: Vec<QueryOutcome>,
    /// The variables' values the layout was compiled for, so it opens the same
    /// (format 2 on; a version 1 file opens with each variable's default).
    #[serde(default)]
    pub choices: crate::dashboard::variables::Choices,
}

/// What became of one query when the incident was taken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryOutcome {
    /// The panel's id.
    pub panel: String,
    /// The query's id in it.
    pub query: String,
    /// The source asked.
    pub source: String,
    /// When it answered or failed, ms; when it gave up waiting, for a query that
    /// never answered.
    pub at_ms: i64,
    /// Why it has no data: `None` when it answered.
    pub error: Option<SourceError>,
}

impl Incident {
    /// The queries that failed or never answered.
    pub fn failures(&self) -> impl Iterator<Item = &QueryOutcome> {
        self.outcomes.iter().filter(|o| o.error.is_some())
    }
}

/// One series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSeries {
    /// The panel's id.
    pub panel: String,
    /// The query's id in it.
    pub query: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// `(ms, value)` in time order.
    pub samples: Vec<(i64, f64)>,
}

/// The layout's text with what may be secret blanked: header values (a tenant id
/// or, in a hand-edited file, a token) and credentials in URLs (`user:pass@`),
/// a proxy's among them.
pub(crate) fn redact_layout(text: &str) -> String {
    let Ok(mut doc) = text.parse::<toml_edit::DocumentMut>() else {
        return String::new();
    };
    if let Some(sources) = doc
        .get_mut("sources")
        .and_then(toml_edit::Item::as_table_like_mut)
    {
        for (_, source) in sources.iter_mut() {
            let Some(source) = source.as_table_like_mut() else {
                continue;
            };
            if let Some(headers) = source
                .get_mut("headers")
                .and_then(toml_edit::Item::as_table_like_mut)
            {
                for (_, value) in headers.iter_mut() {
                    *value = toml_edit::value("<redacted>");
                }
            }
            for key in ["url", "endpoint_url", "proxy_url"] {
                let url = source
                    .get(key)
                    .and_then(toml_edit::Item::as_str)
                    .map(str::to_owned);
                if let Some(url) = url.filter(|u| u.contains('@')) {
                    source.insert(
                        key,
                        toml_edit::value(crate::source::url_without_credentials(&url)),
                    );
                }
            }
        }
    }
    doc.to_string()
}
