//! Headless export: one panel's series over a range, without a window.
//!
//! It runs the same step planner, sources and store as the dashboard, so what a
//! script gets is what the panel would draw — for incident reports, scripts and tests.

use crate::clock::Clock;
use crate::dashboard::Dashboard;
use crate::poll::FETCH_TIMEOUT;
use crate::session::{QueryStatus, Scope, Session, View};
use crate::source::SourceError;
use crate::store::{Band, Series};
use crate::time_range::TimeRange;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

/// Output formats of `fleetdeck export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// `series,timestamp,value`, one row per sample.
    Csv,
    /// An array of `{name, labels, points: [[ms, value], …]}`.
    Json,
}

/// Why an export produced nothing.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No panel has that title.
    #[error("no panel titled `{title}` in {layout}; panels: {known}")]
    NoSuchPanel {
        /// What was asked for.
        title: String,
        /// The layout file.
        layout: String,
        /// Titles that exist.
        known: String,
    },
    /// A query failed; the source's own message is kept.
    #[error("query {query} of panel `{panel}` (source `{source_name}`) failed: {error}")]
    Query {
        /// Panel title.
        panel: String,
        /// 1-based query number.
        query: usize,
        /// Source name.
        source_name: String,
        /// What the source said.
        error: SourceError,
    },
    /// The panel shows alarms, not series.
    #[error("panel `{0}` is an alarm panel; only chart and stat panels can be exported")]
    NotSeries(String),
    /// Some queries never answered.
    #[error("panel `{panel}`: {error}")]
    Unanswered {
        /// Panel title.
        panel: String,
        /// What the session said.
        error: crate::session::SettleError,
    },
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Io(#[from] std::io::Error),
}

/// One exported series.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportedSeries {
    /// Display name, as in the panel's legend.
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// `(ms since epoch, value)` pairs in time order.
    pub points: Vec<(i64, f64)>,
    /// With `--envelope`: per point, the least and greatest value inside its step
    /// (`None` where the step is no coarser than the data, so the value is all).
    pub band: Option<Vec<Option<(f64, f64)>>>,
}

/// Fetches every query of the panel titled `title` over `range`, planned for a plot
/// `width_px` pixels wide, through a [`Session`] scoped to that panel: the same
/// planner, batching, merge, scaling and derived series as the window. With
/// `envelope`, each series also carries its min/max band (asked whatever the
/// panel's own `envelope` says); without, the band's queries are not made. Runs on
/// the current tokio runtime.
pub async fn export_panel(
    dashboard: Arc<Dashboard>,
    title: &str,
    range: &TimeRange,
    clock: Clock,
    width_px: u32,
    envelope: bool,
) -> Result<Vec<ExportedSeries>, ExportError> {
    let panel = dashboard
        .panel_by_title(title)
        .ok_or_else(|| ExportError::NoSuchPanel {
            title: title.to_owned(),
            layout: dashboard.path.display().to_string(),
            known: dashboard
                .panels
                .iter()
                .map(|p| format!("`{}`", p.title))
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    if !panel.shows_series() {
        return Err(ExportError::NotSeries(title.to_owned()));
    }
    let panel_id = panel.id.clone();
    let mut dashboard = (*dashboard).clone();
    if let Some(panel) = dashboard.panels.iter_mut().find(|p| p.id == panel_id) {
        panel.envelope = envelope;
    }
    let dashboard = Arc::new(dashboard);
    let Some(panel) = dashboard.panel(&panel_id) else {
        return Err(ExportError::NotSeries(title.to_owned()));
    };
    let mut session = Session::new(dashboard.clone(), clock)
        .with_scope(Scope::Panels([panel.id.clone()].into()))
        .keep_everything();
    session.set_uniform_width(width_px);
    session.set_view(View {
        range: range.clone(),
        refresh: dashboard.refresh,
        live: false,
    });
    session.start(&tokio::runtime::Handle::current(), Arc::new(|| {}));
    let patience = FETCH_TIMEOUT * (panel.queries.len() as u32 + 1);
    session
        .settle(patience)
        .await
        .map_err(|error| ExportError::Unanswered {
            panel: title.to_owned(),
            error,
        })?;
    for (index, query) in panel.queries.iter().enumerate() {
        if let Some(QueryStatus::Failed(error)) = session.statuses().get(&panel.key(&query.id)) {
            return Err(ExportError::Query {
                panel: title.to_owned(),
                query: index + 1,
                source_name: query
                    .source()
                    .map_or_else(|| "derive".to_owned(), ToString::to_string),
                error: error.clone(),
            });
        }
    }
    let mut exported = Vec::new();
    for query in panel.queries.iter().filter(|query| !query.hidden) {
        let key = panel.key(&query.id);
        exported.extend(
            session
                .store()
                .query_series(&key)
                .map(|(key, series)| ExportedSeries {
                    name: query.series_name(&key.labels),
                    labels: (*key.labels).clone(),
                    points: series.iter().map(|s| (s.t_ms, s.value)).collect(),
                    band: envelope.then(|| band_of(session.store().band(key), series)),
                }),
        );
    }
    Ok(exported)
}

/// Per sample of `series`, the band's bounds at the same time, if it has them.
fn band_of(band: Option<&Band>, series: &Series) -> Vec<Option<(f64, f64)>> {
    series
        .iter()
        .map(|sample| {
            let band = band?;
            Some((
                band.min.value_at(sample.t_ms)?,
                band.max.value_at(sample.t_ms)?,
            ))
        })
        .collect()
}

/// Writes series as CSV: `series,timestamp,value`, timestamps in RFC 3339 UTC;
/// with bands, `min,max` after the value (empty where a step has no band).
pub fn write_csv(series: &[ExportedSeries], out: &mut dyn Write) -> std::io::Result<()> {
    let banded = series.iter().any(|s| s.band.is_some());
    writeln!(
        out,
        "series,timestamp,value{}",
        if banded { ",min,max" } else { "" }
    )?;
    for s in series {
        let name = csv_field(&s.name);
        for (index, &(t_ms, value)) in s.points.iter().enumerate() {
            let time = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(t_ms).map_or_else(
                || t_ms.to_string(),
                |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            );
            write!(out, "{name},{time},{}", shortest(value))?;
            if banded {
                match s
                    .band
                    .as_ref()
                    .and_then(|band| band.get(index).copied().flatten())
                {
                    Some((low, high)) => write!(out, ",{},{}", shortest(low), shortest(high))?,
                    None => write!(out, ",,")?,
                }
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Writes series as JSON; non-finite values become `null`.
pub fn write_json(series: &[ExportedSeries], out: &mut dyn Write) -> std::io::Result<()> {
    let value: Vec<serde_json::Value> = series
        .iter()
        .map(|s| {
            let finite = |v: f64| v.is_finite().then_some(v);
            let points: Vec<serde_json::Value> = s
                .points
                .iter()
                .enumerate()
                .map(|(index, &(t, v))| match &s.band {
                    // With bands: [t, value, min, max], nulls where a step has none.
                    Some(band) => {
                        let (low, high) = band
                            .get(index)
                            .copied()
                            .flatten()
                            .map_or((None, None), |(l, h)| (finite(l), finite(h)));
                        serde_json::json!([t, finite(v), low, high])
                    }
                    None => serde_json::json!([t, finite(v)]),
                })
                .collect();
            serde_json::json!({
                "name": s.name,
                "labels": s.labels,
                "points": points,
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &value)?;
    writeln!(out)
}

/// The shortest text that reads back as exactly `value`, laid out as JavaScript's
/// `Number.prototype.toString` does: plain decimals for ordinary magnitudes (`10`,
/// `0.25`, `1234.5`), an exponent only below 1e-6 or from 1e21 on (`5e-7`,
/// `1e+308`). `NaN`, `+Inf` and `-Inf` as Prometheus writes them.
pub(crate) fn shortest(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.to_owned();
    }
    let sign = if value.is_sign_negative() { "-" } else { "" };
    if value == 0.0 {
        return format!("{sign}0"); // `-0` keeps the sign, so it reads back exactly
    }
    // `{:e}` is Rust's shortest round-trip form: its digits are all that is needed.
    let scientific = format!("{:e}", value.abs());
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let count = digits.len() as i32;
    // The value is 0.DIGITS × 10^point.
    let point = exponent + 1;
    let zeros = |n: i32| "0".repeat(n.max(0) as usize);
    let body = if count <= point && point <= 21 {
        format!("{digits}{}", zeros(point - count))
    } else if 0 < point && point <= 21 {
        let (whole, fraction) = digits.split_at(point as usize);
        format!("{whole}.{fraction}")
    } else if -6 < point && point <= 0 {
        format!("0.{}{digits}", zeros(-point))
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_owned()
        } else {
            format!("{first}.{rest}")
        };
        format!(
            "{mantissa}e{}{}",
            if exponent < 0 { '-' } else { '+' },
            exponent.abs()
        )
    };
    format!("{sign}{body}")
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_written_in_their_shortest_exact_form() {
        for (value, text) in [
            (1.5, "1.5"),
            (42.0, "42"),
            (10.0, "10"),
            (0.25, "0.25"),
            (1234.5, "1234.5"),
            (-100.0, "-100"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1e308, "1e+308"),
            (0.000001, "0.000001"),
            (5e-7, "5e-7"),
            (-2.5e-300, "-2.5e-300"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123_456_789.0, "123456789"),
            (0.0, "0"),
            (f64::INFINITY, "+Inf"),
        ] {
            assert_eq!(shortest(value), text, "{value:?}");
        }
        for value in [1e308, 1.0 / 3.0, 5e-324, f64::MAX, 1234.5678e10, -0.0] {
            let text = shortest(value);
            assert_eq!(
                text.parse::<f64>().unwrap().to_bits(),
                value.to_bits(),
                "{text}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn every_finite_value_reads_back_exactly(bits in proptest::num::u64::ANY) {
            let value = f64::from_bits(bits);
            proptest::prop_assume!(value.is_finite());
            let text = shortest(value);
            proptest::prop_assert_eq!(text.parse::<f64>().unwrap().to_bits(), bits, "{}", text);
        }
    }

    #[test]
    fn csv_quotes_names_with_commas() {
        let series = vec![ExportedSeries {
            name: "a=1, b=\"2\"".to_owned(),
            labels: BTreeMap::new(),
            points: vec![(1_764_000_000_000, 1.5)],
            band: None,
        }];
        let mut out = Vec::new();
        write_csv(&series, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "series,timestamp,value\n\"a=1, b=\"\"2\"\"\",2025-11-24T16:00:00Z,1.5\n"
        );
    }

    #[test]
    fn bands_add_min_and_max_columns_left_empty_where_a_step_has_none() {
        let series = vec![ExportedSeries {
            name: "p99".to_owned(),
            labels: BTreeMap::new(),
            points: vec![(1_764_000_000_000, 1.5), (1_764_000_300_000, 2.0)],
            band: Some(vec![Some((0.5, 15.0)), None]),
        }];
        let mut out = Vec::new();
        write_csv(&series, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "series,timestamp,value,min,max\n\
             p99,2025-11-24T16:00:00Z,1.5,0.5,15\n\
             p99,2025-11-24T16:05:00Z,2,,\n"
        );
        let mut out = Vec::new();
        write_json(&series, &mut out).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            json[0]["points"],
            serde_json::json!([
                [1_764_000_000_000i64, 1.5, 0.5, 15.0],
                [1_764_000_300_000i64, 2.0, null, null]
            ])
        );
    }
}
