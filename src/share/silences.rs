//! Silences, Alertmanager's shared acknowledgement: the ones it holds (made here,
//! with `amtool` or in its UI), whether one covers an alarm, and the one an
//! acknowledgement makes — the alarm's labels, who, why, until when.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long an acknowledgement silences an alarm unless the user says.
pub const DEFAULT_EXPIRY: Duration = Duration::from_secs(3600);

/// One matcher of a silence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matcher {
    /// The label.
    pub name: String,
    /// Its value, or a regular expression.
    pub value: String,
    /// Whether `value` is a regular expression (anchored, as Alertmanager reads it).
    #[serde(rename = "isRegex")]
    pub is_regex: bool,
    /// `=`/`=~` (true) or `!=`/`!~` (false).
    #[serde(rename = "isEqual", default = "yes")]
    pub is_equal: bool,
}

fn yes() -> bool {
    true
}

impl Matcher {
    /// Whether `labels` satisfy it (a missing label is the empty string).
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.name).map_or("", String::as_str);
        let hit = if self.is_regex {
            regex::Regex::new(&format!("^(?:{})$", self.value)).is_ok_and(|r| r.is_match(value))
        } else {
            value == self.value
        };
        hit == self.is_equal
    }
}

/// A silence Alertmanager holds.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Silence {
    /// Its id.
    pub id: String,
    /// What it covers.
    pub matchers: Vec<Matcher>,
    /// Who made it.
    #[serde(rename = "createdBy", default)]
    pub created_by: String,
    /// Why.
    #[serde(default)]
    pub comment: String,
    /// Until when.
    #[serde(rename = "endsAt")]
    pub ends_at: DateTime<Utc>,
    /// `active`, `pending` or `expired`.
    pub status: SilenceStatus,
}

/// Where a silence stands.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SilenceStatus {
    /// `active`, `pending` or `expired`.
    pub state: String,
}

impl Silence {
    /// Whether it silences an alert with these labels now.
    pub fn covers(&self, labels: &BTreeMap<String, String>) -> bool {
        self.status.state == "active" && self.matchers.iter().all(|m| m.matches(labels))
    }
}

/// The silences of a `GET /api/v2/silences` answer.
pub fn parse(body: &[u8]) -> Result<Vec<Silence>, String> {
    serde_json::from_slice(body).map_err(|e| format!("unreadable silences: {e}"))
}

/// A silence to make: an acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewSilence {
    /// Exactly the alarm's labels.
    pub matchers: Vec<Matcher>,
    /// Now.
    #[serde(rename = "startsAt")]
    pub starts_at: String,
    /// When the acknowledgement ends.
    #[serde(rename = "endsAt")]
    pub ends_at: String,
    /// Who acknowledged.
    #[serde(rename = "createdBy")]
    pub created_by: String,
    /// Why.
    pub comment: String,
}

impl NewSilence {
    /// Silences the alert with `labels` from `now` for `expiry`.
    pub fn acknowledging(
        labels: &BTreeMap<String, String>,
        author: &str,
        comment: &str,
        now: DateTime<Utc>,
        expiry: Duration,
    ) -> NewSilence {
        let time = |at: DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::Millis, true);
        NewSilence {
            matchers: labels
                .iter()
                .map(|(name, value)| Matcher {
                    name: name.clone(),
                    value: value.clone(),
                    is_regex: false,
                    is_equal: true,
                })
                .collect(),
            starts_at: time(now),
            ends_at: time(now + chrono::Duration::from_std(expiry).unwrap_or_default()),
            created_by: author.to_owned(),
            comment: comment.to_owned(),
        }
    }
}

/// Who acknowledges: `FLEETDECK_USER`, else `USER`, else "fleetdeck".
pub fn author() -> String {
    std::env::var("FLEETDECK_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "fleetdeck".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silence_made_elsewhere_covers_the_alerts_its_matchers_select_while_active() {
        let body = br#"[{"id":"a","status":{"state":"active"},"updatedAt":"2026-01-01T00:00:00Z",
            "comment":"deploying","createdBy":"amtool","startsAt":"2026-01-01T00:00:00Z",
            "endsAt":"2026-01-01T01:00:00Z","matchers":[
              {"name":"alertname","value":"p99 latency high","isRegex":false,"isEqual":true},
              {"name":"model_name","value":"llama.*","isRegex":true}]},
            {"id":"b","status":{"state":"expired"},"comment":"","createdBy":"x",
            "startsAt":"2026-01-01T00:00:00Z","endsAt":"2026-01-01T00:10:00Z",
            "matchers":[{"name":"alertname","value":"queue","isRegex":false,"isEqual":true}]}]"#;
        let silences = parse(body).unwrap();
        let alert = |name: &str, model: &str| {
            BTreeMap::from([
                ("alertname".to_owned(), name.to_owned()),
                ("model_name".to_owned(), model.to_owned()),
            ])
        };
        assert!(silences[0].covers(&alert("p99 latency high", "llama-70b")));
        assert!(!silences[0].covers(&alert("p99 latency high", "mistral")));
        assert!(!silences[1].covers(&alert("queue", "llama")), "expired");
    }

    #[test]
    fn an_acknowledgement_silences_exactly_the_alarms_labels() {
        let labels = BTreeMap::from([("alertname".to_owned(), "x".to_owned())]);
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let new = NewSilence::acknowledging(&labels, "ana", "on it", now, DEFAULT_EXPIRY);
        let json = serde_json::to_value(&new).unwrap();
        assert_eq!(json["matchers"][0]["isEqual"], true);
        assert_eq!(json["endsAt"], "2027-01-15T09:00:00.000Z");
        assert_eq!(json["createdBy"], "ana");
    }
}
