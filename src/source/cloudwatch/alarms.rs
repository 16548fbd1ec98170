//! CloudWatch alarms (metric and composite) into the one alarm model.

use super::CloudWatchSource;
use crate::alarm::{Alarm, AlarmState};
use crate::source::SourceError;
use aws_sdk_cloudwatch::types::{AlarmType, StateValue};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// `DescribeAlarms` returns at most this many alarms a page.
const MAX_RECORDS: i32 = 100;
/// Pages read at most (10,000 alarms), so a huge account cannot stall a refresh.
const MAX_PAGES: usize = 100;

/// Every alarm of the account (or those whose name starts with `prefix`), all pages.
pub(crate) async fn describe(
    source: &CloudWatchSource,
    name: &str,
    prefix: Option<&str>,
) -> Result<Vec<Alarm>, SourceError> {
    let mut alarms = Vec::new();
    let mut next_token = None;
    for _ in 0..MAX_PAGES {
        let response = source
            .client()
            .await
            .describe_alarms()
            // Without both types CloudWatch leaves composite alarms out.
            .alarm_types(AlarmType::MetricAlarm)
            .alarm_types(AlarmType::CompositeAlarm)
            .set_alarm_name_prefix(prefix.map(str::to_owned))
            .max_records(MAX_RECORDS)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|e| super::client::describe_error(&e, source.settings()))?;
        for alarm in response.metric_alarms() {
            let mut labels = BTreeMap::new();
            labels.insert("type".to_owned(), "metric".to_owned());
            if let Some(namespace) = alarm.namespace() {
                labels.insert("namespace".to_owned(), namespace.to_owned());
            }
            if let Some(metric) = alarm.metric_name() {
                labels.insert("metric".to_owned(), metric.to_owned());
            }
            for dimension in alarm.dimensions() {
                if let (Some(k), Some(v)) = (dimension.name(), dimension.value()) {
                    labels.insert(k.to_owned(), v.to_owned());
                }
            }
            if let Some(threshold) = alarm.threshold() {
                labels.insert("threshold".to_owned(), threshold.to_string());
            }
            alarms.push(to_alarm(
                name,
                alarm.alarm_name(),
                alarm.state_value(),
                alarm.state_updated_timestamp(),
                alarm.state_reason(),
                labels,
            ));
        }
        for alarm in response.composite_alarms() {
            let mut labels = BTreeMap::new();
            labels.insert("type".to_owned(), "composite".to_owned());
            if let Some(rule) = alarm.alarm_rule() {
                labels.insert("rule".to_owned(), rule.to_owned());
            }
            alarms.push(to_alarm(
                name,
                alarm.alarm_name(),
                alarm.state_value(),
                alarm.state_updated_timestamp(),
                alarm.state_reason(),
                labels,
            ));
        }
        next_token = response.next_token().map(str::to_owned);
        if next_token.is_none() {
            break;
        }
    }
    alarms.sort_by(Alarm::display_order);
    Ok(alarms)
}

/// The fields metric and composite alarms share, in the alarm model.
fn to_alarm(
    source: &str,
    name: Option<&str>,
    state: Option<&StateValue>,
    updated: Option<&aws_smithy_types::DateTime>,
    reason: Option<&str>,
    labels: BTreeMap<String, String>,
) -> Alarm {
    Alarm {
        name: name.unwrap_or_default().to_owned(),
        source: source.to_owned(),
        severity: None,
        state: state_of(state),
        since: updated.and_then(to_utc),
        summary: reason.unwrap_or_default().to_owned(),
        labels,
        expression: None,
        panel: None,
    }
}

fn state_of(state: Option<&StateValue>) -> AlarmState {
    match state {
        Some(StateValue::Alarm) => AlarmState::Firing,
        Some(StateValue::Ok) => AlarmState::Ok,
        _ => AlarmState::NoData,
    }
}

fn to_utc(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(t.to_millis().ok()?)
}
