//! The Prometheus HTTP API's JSON, as Prometheus, VictoriaMetrics and Mimir send it.

use super::native::{self, HistogramPoint};
use crate::source::{SeriesData, SourceError};
use crate::store::Sample;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
struct Envelope {
    status: String,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default, rename = "errorType")]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(tag = "resultType", content = "result", rename_all = "lowercase")]
enum Data {
    Matrix(Vec<MatrixSeries>),
    Vector(Vec<VectorSample>),
    Scalar(serde::de::IgnoredAny),
    String(serde::de::IgnoredAny),
}

#[derive(Debug, Deserialize)]
struct MatrixSeries {
    metric: BTreeMap<String, String>,
    #[serde(default)]
    values: Vec<Point>,
    /// A native histogram's points (read as its `le` buckets).
    #[serde(default)]
    histograms: Vec<HistogramPoint>,
}

#[derive(Debug, Deserialize)]
struct VectorSample {
    metric: BTreeMap<String, String>,
    #[serde(default)]
    value: Option<Point>,
    /// A native histogram's point (read as its `le` buckets).
    #[serde(default)]
    histogram: Option<HistogramPoint>,
}

/// One `[time, "value"]` pair, read straight into a [`Sample`]: the value's text
/// is parsed where it lies in the body, never kept as a string (10,000 series of
/// 241 points were 2.4 million strings).
#[derive(Debug)]
struct Point(Sample);

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (t_s, ValueText(value)) = <(f64, ValueText)>::deserialize(deserializer)?;
        Ok(Point(Sample {
            t_ms: (t_s * 1000.0).round() as i64,
            value,
        }))
    }
}

/// A sample value as Prometheus writes it (`"0.25"`, `"NaN"`, `"+Inf"`), parsed.
struct ValueText(f64);

impl<'de> Deserialize<'de> for ValueText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl serde::de::Visitor<'_> for Text {
            type Value = f64;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a sample value as text")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<f64, E> {
                Ok(parse_value(text))
            }
        }
        deserializer.deserialize_str(Text).map(ValueText)
    }
}

/// Parses a sample value: numbers, and `NaN`, `+Inf`, `-Inf` as Prometheus writes them.
pub(crate) fn parse_value(text: &str) -> f64 {
    match text {
        "+Inf" | "Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        _ => text.parse().unwrap_or(f64::NAN),
    }
}

/// The series of a successful query answer (matrix, or vector as one sample each).
pub(crate) fn parse_series(body: &[u8]) -> Result<Vec<SeriesData>, SourceError> {
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|error| SourceError::Server(format!("unreadable answer: {error}")))?;
    series_of(envelope)
}

/// As [`parse_series`], reading the answer as it comes (a big range query).
pub(crate) fn parse_series_from(body: impl std::io::Read) -> Result<Vec<SeriesData>, SourceError> {
    let envelope: Envelope = serde_json::from_reader(body)
        .map_err(|error| SourceError::Server(format!("unreadable answer: {error}")))?;
    series_of(envelope)
}

/// The series an answer carries, or the error it reports.
fn series_of(envelope: Envelope) -> Result<Vec<SeriesData>, SourceError> {
    if envelope.status != "success" {
        return Err(SourceError::Server(
            envelope.error.unwrap_or_else(|| "unknown error".to_owned()),
        ));
    }
    match envelope.data {
        Some(Data::Matrix(series)) => Ok(series
            .into_iter()
            .flat_map(|s| {
                if s.histograms.is_empty() {
                    return vec![SeriesData {
                        labels: s.metric,
                        samples: s.values.into_iter().map(|p| p.0).collect(),
                        envelope: None,
                    }];
                }
                native::as_buckets(&s.metric, &s.histograms)
            })
            .collect()),
        Some(Data::Vector(samples)) => Ok(samples
            .into_iter()
            .flat_map(|s| {
                let buckets = match &s.histogram {
                    Some(point) => native::as_buckets(&s.metric, std::slice::from_ref(point)),
                    None => Vec::new(),
                };
                let floats = s.value.map(|value| SeriesData {
                    labels: s.metric,
                    samples: vec![value.0],
                    envelope: None,
                });
                floats.into_iter().chain(buckets)
            })
            .collect()),
        Some(Data::Scalar(_) | Data::String(_)) | None => Ok(Vec::new()),
    }
}

/// The error of a failed answer, kept as the server worded it: the message a person
/// needs (a PromQL parse error keeps its `1:30:` position).
pub(crate) fn parse_error(status: u16, body: &[u8]) -> SourceError {
    let parsed: Option<Envelope> = serde_json::from_slice(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|e| e.error.clone())
        .unwrap_or_else(|| {
            String::from_utf8_lossy(&body[..body.len().min(300)])
                .trim()
                .to_owned()
        });
    let kind = parsed.and_then(|e| e.error_type).unwrap_or_default();
    match status {
        400 => SourceError::BadQuery(message),
        422 => SourceError::Server(format!("cannot execute ({kind}): {message}")),
        503 => SourceError::Server(format!("unavailable ({kind}): {message}")),
        401 | 403 => {
            SourceError::Refused(format!("HTTP {status}, check the credentials: {message}"))
        }
        _ => SourceError::Server(format!("HTTP {status}: {message}")),
    }
}

#[derive(Debug, Deserialize)]
struct Listing<T> {
    data: T,
}

#[derive(Debug, Deserialize)]
struct Metadata {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    help: String,
}

/// The strings of a `/api/v1/label/<name>/values` answer, sorted.
pub(crate) fn parse_string_list(body: &[u8]) -> Result<Vec<String>, SourceError> {
    let listing: Listing<Vec<String>> = serde_json::from_slice(body)
        .map_err(|e| SourceError::Server(format!("unreadable answer: {e}")))?;
    let mut values = listing.data;
    values.sort();
    values.dedup();
    Ok(values)
}

/// `/api/v1/status/tsdb`'s series per metric name, largest first.
pub(crate) fn parse_series_per_name(body: &[u8]) -> Result<Vec<(String, u64)>, SourceError> {
    #[derive(Deserialize)]
    struct Stats {
        #[serde(rename = "seriesCountByMetricName", default)]
        by_name: Vec<NameCount>,
    }
    #[derive(Deserialize)]
    struct NameCount {
        name: String,
        value: u64,
    }
    let stats: Listing<Stats> = serde_json::from_slice(body)
        .map_err(|e| SourceError::Server(format!("unreadable answer: {e}")))?;
    let mut counts: Vec<(String, u64)> = stats
        .data
        .by_name
        .into_iter()
        .map(|c| (c.name, c.value))
        .collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(counts)
}

/// Merges `/api/v1/label/__name__/values` with `/api/v1/metadata`: every metric name,
/// with its type and help where the server knows them. Histogram and summary parts
/// (`_bucket`, `_sum`, `_count`) take their family's description.
pub(crate) fn parse_metrics(
    names: &[u8],
    metadata: &[u8],
) -> Result<Vec<crate::source::browse::MetricInfo>, SourceError> {
    let unreadable = |e: serde_json::Error| SourceError::Server(format!("unreadable answer: {e}"));
    let names: Listing<Vec<String>> = serde_json::from_slice(names).map_err(unreadable)?;
    let metadata: Listing<BTreeMap<String, Vec<Metadata>>> =
        serde_json::from_slice(metadata).map_err(unreadable)?;
    Ok(names
        .data
        .into_iter()
        .map(|name| {
            let family = ["_bucket", "_sum", "_count", "_total"]
                .iter()
                .find_map(|suffix| {
                    name.strip_suffix(suffix)
                        .filter(|f| metadata.data.contains_key(*f))
                })
                .unwrap_or(&name);
            let meta = metadata
                .data
                .get(&name)
                .or_else(|| metadata.data.get(family))
                .and_then(|m| m.first());
            crate::source::browse::MetricInfo {
                kind: meta.map_or_else(|| "unknown".to_owned(), |m| m.kind.clone()),
                help: meta.map(|m| m.help.clone()).unwrap_or_default(),
                name,
                namespace: None,
            }
        })
        .collect())
}

/// Label names and values from `/api/v1/series` (without `__name__`).
pub(crate) fn parse_label_values(
    body: &[u8],
) -> Result<crate::source::browse::LabelValues, SourceError> {
    let series: Listing<Vec<BTreeMap<String, String>>> = serde_json::from_slice(body)
        .map_err(|e| SourceError::Server(format!("unreadable answer: {e}")))?;
    let mut labels = crate::source::browse::LabelValues::new();
    for set in series.data {
        for (name, value) in set {
            if name != "__name__" {
                labels.entry(name).or_default().insert(value);
            }
        }
    }
    Ok(labels)
}

/// Whether the server refused because the step was too fine for its points limit.
pub(crate) fn is_too_many_points(error: &SourceError) -> bool {
    let text = error.to_string();
    text.contains("exceeded maximum resolution")
        || text.contains("maxPointsPerTimeseries")
        || text.contains("too many points")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matrix_answer_becomes_series_with_special_values() {
        let body = br#"{"status":"success","data":{"resultType":"matrix","result":[
            {"metric":{"model_name":"a"},"values":[[1764000000,"1.5"],[1764000015.5,"NaN"],[1764000030,"+Inf"],[1764000045,"-Inf"]]}]}}"#;
        let series = parse_series(body).unwrap();
        assert_eq!(series.len(), 1);
        assert_eq!(series[0].labels["model_name"], "a");
        let s = &series[0].samples;
        assert_eq!(
            s[0],
            Sample {
                t_ms: 1_764_000_000_000,
                value: 1.5
            }
        );
        assert_eq!(s[1].t_ms, 1_764_000_015_500);
        assert!(s[1].value.is_nan());
        assert_eq!(s[2].value, f64::INFINITY);
        assert_eq!(s[3].value, f64::NEG_INFINITY);
    }

    #[test]
    fn a_vector_answer_is_one_sample_per_series() {
        let body = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1764000000,"42"]}]}}"#;
        let series = parse_series(body).unwrap();
        assert_eq!(
            series[0].samples,
            vec![Sample {
                t_ms: 1_764_000_000_000,
                value: 42.0
            }]
        );
    }

    #[test]
    fn errors_keep_the_servers_words() {
        let body = br#"{"status":"error","errorType":"bad_data","error":"1:30: parse error: unexpected right parenthesis ')'"}"#;
        let error = parse_error(400, body);
        assert_eq!(
            error,
            SourceError::BadQuery("1:30: parse error: unexpected right parenthesis ')'".to_owned())
        );
        let vm = br#"{"status":"error","errorType":"422","error":"cannot parse query"}"#;
        assert_eq!(
            parse_error(422, vm).to_string(),
            "server error: cannot execute (422): cannot parse query"
        );
        assert!(
            parse_error(502, b"<html>bad gateway</html>")
                .to_string()
                .contains("HTTP 502: <html>bad gateway</html>")
        );
    }

    #[test]
    fn metric_listings_merge_names_with_type_and_help() {
        let names = br#"{"status":"success","data":["up","vllm:e2e_request_latency_seconds_bucket","vllm:num_requests_waiting"]}"#;
        let metadata = br#"{"status":"success","data":{
            "vllm:num_requests_waiting":[{"type":"gauge","help":"Requests waiting.","unit":""}],
            "vllm:e2e_request_latency_seconds":[{"type":"histogram","help":"End to end latency.","unit":""}]}}"#;
        let metrics = parse_metrics(names, metadata).unwrap();
        assert_eq!(metrics[0].kind, "unknown");
        assert_eq!(metrics[1].kind, "histogram");
        assert_eq!(metrics[1].help, "End to end latency.");
        assert_eq!(metrics[2].kind, "gauge");
        let series = br#"{"status":"success","data":[{"__name__":"x","model_name":"a","job":"fleet"},{"__name__":"x","model_name":"b","job":"fleet"}]}"#;
        let labels = parse_label_values(series).unwrap();
        assert_eq!(labels["model_name"].len(), 2);
        assert!(!labels.contains_key("__name__"));
    }

    #[test]
    fn the_points_limit_refusal_is_recognised_for_both_servers() {
        let prometheus = SourceError::BadQuery("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)".to_owned());
        let victoria = SourceError::Server("cannot execute (422): too many points for the given step=1s; cannot exceed -search.maxPointsPerTimeseries=30000".to_owned());
        assert!(is_too_many_points(&prometheus));
        assert!(is_too_many_points(&victoria));
        assert!(!is_too_many_points(&SourceError::BadQuery(
            "1:3: parse error".to_owned()
        )));
    }
}
