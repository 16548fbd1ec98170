//! Grafana-style time expressions: `now`, `now-1h`, `now-7d/d`, `now-1M/M`,
//! `now-1y/y`, absolute RFC 3339 timestamps, and durations such as `10s` or `1h30m`.
//!
//! Layouts and the time picker speak the notation SREs already type in Grafana, so a
//! range copied from an incident channel works unchanged.

use chrono::{
    DateTime, Duration as ChronoDuration, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Utc,
};
use std::fmt;
use std::time::Duration;

/// Why a duration or time expression could not be read; the message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TimeParseError(String);

/// Parses `500ms`, `10s`, `5m`, `1h30m`, `7d`, `2w` into a duration.
pub fn parse_duration(text: &str) -> Result<Duration, TimeParseError> {
    let trimmed = text.trim();
    let invalid = || {
        TimeParseError(format!(
            "invalid duration `{text}`: expected a number and a unit (ms, s, m, h, d, w), e.g. `10s`, `5m`, `1h30m`"
        ))
    };
    if trimmed.is_empty() {
        return Err(invalid());
    }
    let mut total_ms: u64 = 0;
    let mut rest = trimmed;
    while !rest.is_empty() {
        let digits_end = rest
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(invalid)?;
        if digits_end == 0 {
            return Err(invalid());
        }
        let amount: u64 = rest[..digits_end].parse().map_err(|_| invalid())?;
        rest = &rest[digits_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit_ms: u64 = match &rest[..unit_end] {
            "ms" => 1,
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            "w" => 7 * 86_400_000,
            _ => return Err(invalid()),
        };
        total_ms = amount
            .checked_mul(unit_ms)
            .and_then(|ms| total_ms.checked_add(ms))
            .ok_or_else(invalid)?;
        rest = &rest[unit_end..];
    }
    Ok(Duration::from_millis(total_ms))
}

/// Writes a duration back in `1h30m` form (days at most, as "7d" reads better than "1w"),
/// for labels and saved layouts.
pub fn format_duration(duration: Duration) -> String {
    let mut ms = duration.as_millis() as u64;
    if ms == 0 {
        return "0s".to_owned();
    }
    let mut out = String::new();
    for (unit, size) in [
        ("d", 86_400_000u64),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ] {
        if ms >= size {
            out.push_str(&format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    out
}

/// Offsets reach at most this many years back or ahead: far beyond any data, and
/// far inside what a date can hold, so resolving one can never overflow.
pub(crate) const MAX_OFFSET_YEARS: i64 = 10_000;

/// How far a relative time lies before now: calendar months (Grafana's `M` and
/// `y`, whose length depends on the date) and a fixed span. Negative is after now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offset {
    /// Calendar months (a year is 12).
    pub months: i64,
    /// Milliseconds.
    pub ms: i64,
}

impl Offset {
    /// A fixed span before now.
    pub(crate) fn fixed(ms: i64) -> Offset {
        Offset { months: 0, ms }
    }

    /// Parses `1h`, `30m`, `1M`, `6M`, `1y`, `1y6M`, `7d12h`: units y and M are
    /// calendar months and years, the rest as in [`parse_duration`].
    fn parse(text: &str) -> Option<Offset> {
        let mut offset = Offset::default();
        let mut rest = text.trim();
        if rest.is_empty() {
            return None;
        }
        while !rest.is_empty() {
            let digits_end = rest.find(|c: char| !c.is_ascii_digit())?;
            if digits_end == 0 {
                return None;
            }
            let amount: i64 = rest[..digits_end].parse().ok()?;
            rest = &rest[digits_end..];
            let unit_end = rest
                .find(|c: char| c.is_ascii_digit())
                .unwrap_or(rest.len());
            let unit = &rest[..unit_end];
            rest = &rest[unit_end..];
            match unit {
                "y" => offset.months = offset.months.checked_add(amount.checked_mul(12)?)?,
                "M" => offset.months = offset.months.checked_add(amount)?,
                _ => {
                    let ms = parse_duration(&format!("{amount}{unit}")).ok()?.as_millis();
                    offset.ms = offset.ms.checked_add(i64::try_from(ms).ok()?)?;
                }
            }
        }
        let max_ms = MAX_OFFSET_YEARS * 366 * 86_400_000;
        (offset.months <= MAX_OFFSET_YEARS * 12 && offset.ms <= max_ms).then_some(offset)
    }

    fn negate(self) -> Offset {
        Offset {
            months: -self.months,
            ms: -self.ms,
        }
    }

    fn is_zero(self) -> bool {
        self.months == 0 && self.ms == 0
    }

    /// `now` moved back by the offset: months on the calendar (the 31st less a
    /// month is the last day of the shorter month), then the fixed span. Never
    /// panics: a result beyond what a date can hold stops at the limit.
    fn before(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let months = u32::try_from(self.months.unsigned_abs()).unwrap_or(u32::MAX);
        let moved = if self.months >= 0 {
            now.checked_sub_months(Months::new(months))
        } else {
            now.checked_add_months(Months::new(months))
        };
        let limit = if self.months >= 0 {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        };
        let moved = moved.unwrap_or(limit);
        let limit = if self.ms >= 0 {
            DateTime::<Utc>::MIN_UTC
        } else {
            DateTime::<Utc>::MAX_UTC
        };
        ChronoDuration::try_milliseconds(self.ms)
            .and_then(|span| moved.checked_sub_signed(span))
            .unwrap_or(limit)
    }
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.months % 12 == 0 && self.months != 0 {
            write!(f, "{}y", self.months / 12)?;
        } else if self.months != 0 {
            write!(f, "{}M", self.months)?;
        }
        if self.ms != 0 || self.months == 0 {
            write!(
                f,
                "{}",
                format_duration(Duration::from_millis(self.ms.unsigned_abs()))
            )?;
        }
        Ok(())
    }
}

/// The calendar unit a relative expression is rounded down to (`now/d`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundTo {
    /// Start of the minute.
    Minute,
    /// Start of the hour.
    Hour,
    /// Start of the day (UTC).
    Day,
    /// Start of the ISO week (Monday, UTC).
    Week,
    /// Start of the month (UTC).
    Month,
    /// Start of the year (UTC).
    Year,
}

/// One end of a time range: relative to now, or a fixed instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeExpr {
    /// `now`, `now-1h`, `now-7d/d`, `now-1M/M`: moves with the clock.
    Relative {
        /// How far before now (negative means after).
        offset: Offset,
        /// Optional rounding applied after the offset.
        round: Option<RoundTo>,
    },
    /// A fixed instant, e.g. `2026-11-25T10:00:00Z`.
    Absolute(DateTime<Utc>),
}

impl TimeExpr {
    /// The expression for "now".
    pub(crate) const NOW: TimeExpr = TimeExpr::Relative {
        offset: Offset { months: 0, ms: 0 },
        round: None,
    };

    /// Parses `now`, `now-15m`, `now+1h`, `now-7d/d`, `now/d`, `now-1M/M`,
    /// `now-1y/y`, an RFC 3339 instant, `YYYY-MM-DD HH:MM[:SS]` (UTC) or a bare
    /// `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<TimeExpr, TimeParseError> {
        let trimmed = text.trim();
        if let Some(rest) = trimmed.strip_prefix("now") {
            let (offset_part, round_part) = match rest.split_once('/') {
                Some((offset, round)) => (offset, Some(round)),
                None => (rest, None),
            };
            let offset = match offset_part.chars().next() {
                None => Offset::default(),
                Some(sign @ ('-' | '+')) => {
                    let offset = Offset::parse(&offset_part[1..]).ok_or_else(|| {
                        TimeParseError(format!(
                            "invalid time `{text}`: after `now{sign}` expected an offset such as `1h`, `7d`, `1M` or `1y`, of at most {MAX_OFFSET_YEARS} years"
                        ))
                    })?;
                    if sign == '-' { offset } else { offset.negate() }
                }
                Some(_) => {
                    return Err(TimeParseError(format!(
                        "invalid time `{text}`: expected `now`, `now-1h`, `now-7d/d` or an absolute time like `2026-11-25T10:00:00Z`"
                    )));
                }
            };
            let round = match round_part {
                None => None,
                Some("m") => Some(RoundTo::Minute),
                Some("h") => Some(RoundTo::Hour),
                Some("d") => Some(RoundTo::Day),
                Some("w") => Some(RoundTo::Week),
                Some("M") => Some(RoundTo::Month),
                Some("y") => Some(RoundTo::Year),
                Some(other) => {
                    return Err(TimeParseError(format!(
                        "invalid rounding `/{other}` in `{text}`: use /m, /h, /d, /w, /M or /y"
                    )));
                }
            };
            return Ok(TimeExpr::Relative { offset, round });
        }
        if let Ok(instant) = DateTime::parse_from_rfc3339(trimmed) {
            return Ok(TimeExpr::Absolute(instant.with_timezone(&Utc)));
        }
        for format in [
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(trimmed, format) {
                return Ok(TimeExpr::Absolute(Utc.from_utc_datetime(&naive)));
            }
        }
        if let Ok(date) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
            return Ok(TimeExpr::Absolute(
                Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)),
            ));
        }
        Err(TimeParseError(format!(
            "invalid time `{text}`: expected `now`, `now-1h`, `now-7d/d` or an absolute time like `2026-11-25T10:00:00Z`"
        )))
    }

    /// The instant this expression names at the given `now`.
    pub(crate) fn resolve(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            TimeExpr::Absolute(instant) => *instant,
            TimeExpr::Relative { offset, round } => {
                let shifted = offset.before(now);
                match round {
                    None => shifted,
                    Some(unit) => round_down(shifted, *unit),
                }
            }
        }
    }

    /// Whether the expression moves with the clock.
    pub(crate) fn is_relative(&self) -> bool {
        matches!(self, TimeExpr::Relative { .. })
    }
}

fn round_down(instant: DateTime<Utc>, unit: RoundTo) -> DateTime<Utc> {
    use chrono::{Datelike, Timelike};
    let date = instant.date_naive();
    let naive = match unit {
        RoundTo::Minute => date.and_hms_opt(instant.hour(), instant.minute(), 0),
        RoundTo::Hour => date.and_hms_opt(instant.hour(), 0, 0),
        RoundTo::Day => date.and_hms_opt(0, 0, 0),
        RoundTo::Week => {
            let monday = date
                .checked_sub_signed(ChronoDuration::days(
                    date.weekday().num_days_from_monday() as i64
                ))
                .unwrap_or(date);
            monday.and_hms_opt(0, 0, 0)
        }
        RoundTo::Month => date
            .with_day(1)
            .and_then(|first| first.and_hms_opt(0, 0, 0)),
        RoundTo::Year => {
            NaiveDate::from_ymd_opt(date.year(), 1, 1).and_then(|first| first.and_hms_opt(0, 0, 0))
        }
    };
    naive.map_or(instant, |n| Utc.from_utc_datetime(&n))
}

impl fmt::Display for TimeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeExpr::Absolute(instant) => write!(f, "{}", instant.format("%Y-%m-%dT%H:%M:%SZ")),
            TimeExpr::Relative { offset, round } => {
                write!(f, "now")?;
                if offset.months > 0 || (offset.months == 0 && offset.ms > 0) {
                    write!(f, "-{offset}")?;
                } else if !offset.is_zero() {
                    write!(f, "+{}", offset.negate())?;
                }
                if let Some(unit) = round {
                    let suffix = match unit {
                        RoundTo::Minute => "m",
                        RoundTo::Hour => "h",
                        RoundTo::Day => "d",
                        RoundTo::Week => "w",
                        RoundTo::Month => "M",
                        RoundTo::Year => "y",
                    };
                    write!(f, "/{suffix}")?;
                }
                Ok(())
            }
        }
    }
}

/// A `from`–`to` pair as shown in the time picker and stored in layouts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeRange {
    /// Start of the range.
    pub from: TimeExpr,
    /// End of the range.
    pub to: TimeExpr,
}

/// A resolved range in milliseconds since the Unix epoch, `start < end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Inclusive start, ms since epoch.
    pub start_ms: i64,
    /// Inclusive end, ms since epoch.
    pub end_ms: i64,
}

impl Window {
    /// Length of the window in milliseconds.
    pub fn span_ms(&self) -> i64 {
        self.end_ms - self.start_ms
    }

    /// The same window `by_ms` later (earlier when negative).
    pub(crate) fn shifted(&self, by_ms: i64) -> Window {
        Window {
            start_ms: self.start_ms.saturating_add(by_ms),
            end_ms: self.end_ms.saturating_add(by_ms),
        }
    }
}

impl TimeRange {
    /// The last `duration` up to now, e.g. the picker's "Last 1h".
    pub fn last(duration: Duration) -> TimeRange {
        TimeRange {
            from: TimeExpr::Relative {
                offset: Offset::fixed(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
                round: None,
            },
            to: TimeExpr::NOW,
        }
    }

    /// Parses both ends and checks that `from` comes before `to`.
    pub fn parse(from: &str, to: &str) -> Result<TimeRange, TimeParseError> {
        TimeRange::new(TimeExpr::parse(from)?, TimeExpr::parse(to)?)
    }

    /// A range of two parsed ends, if `from` comes before `to`.
    pub fn new(from: TimeExpr, to: TimeExpr) -> Result<TimeRange, TimeParseError> {
        let range = TimeRange { from, to };
        // Check order at a fixed instant; relative-vs-absolute ranges are checked when resolved.
        let probe = Utc::now();
        if range.from.is_relative() == range.to.is_relative() {
            let window = range.resolve_unchecked(probe);
            if window.start_ms >= window.end_ms {
                return Err(TimeParseError(format!(
                    "time range `{}` to `{}` is empty: `from` must be before `to`",
                    range.from, range.to
                )));
            }
        }
        Ok(range)
    }

    /// Whether the range follows the clock (its end is relative), i.e. is "live".
    pub(crate) fn is_live(&self) -> bool {
        self.to.is_relative()
    }

    /// Resolves to a window at `now`; an inverted range collapses to one second before `to`.
    pub fn resolve(&self, now: DateTime<Utc>) -> Window {
        let window = self.resolve_unchecked(now);
        if window.start_ms < window.end_ms {
            window
        } else {
            Window {
                start_ms: window.end_ms - 1_000,
                end_ms: window.end_ms,
            }
        }
    }

    fn resolve_unchecked(&self, now: DateTime<Utc>) -> Window {
        Window {
            start_ms: self.from.resolve(now).timestamp_millis(),
            end_ms: self.to.resolve(now).timestamp_millis(),
        }
    }

    /// Short label for the picker button: "Last 1h" or the two ends.
    pub fn label(&self) -> String {
        match (&self.from, &self.to) {
            (
                TimeExpr::Relative {
                    offset,
                    round: None,
                },
                TimeExpr::Relative {
                    offset: to,
                    round: None,
                },
            ) if to.is_zero() && offset.months >= 0 && offset.ms >= 0 && !offset.is_zero() => {
                format!("Last {offset}")
            }
            (from, to) => format!("{from} to {to}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn durations_parse_in_every_unit_and_in_combination() {
        assert_eq!(parse_duration("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(
            parse_duration("7d").unwrap(),
            Duration::from_secs(7 * 86400)
        );
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(
            parse_duration("1w").unwrap(),
            Duration::from_secs(7 * 86400)
        );
    }

    #[test]
    fn bad_durations_say_what_is_accepted() {
        for bad in ["", "10", "s", "10x", "1.5h", "-5m", "10 s"] {
            let error = parse_duration(bad).unwrap_err().to_string();
            assert!(
                error.contains("expected a number and a unit"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn durations_round_trip_through_their_label() {
        for text in ["10s", "1h30m", "7d", "250ms", "15d"] {
            assert_eq!(format_duration(parse_duration(text).unwrap()), text);
        }
    }

    #[test]
    fn relative_expressions_resolve_against_now() {
        let now = at("2026-11-25T12:34:56Z");
        assert_eq!(TimeExpr::parse("now").unwrap().resolve(now), now);
        assert_eq!(
            TimeExpr::parse("now-1h").unwrap().resolve(now),
            at("2026-11-25T11:34:56Z")
        );
        assert_eq!(
            TimeExpr::parse("now-7d/d").unwrap().resolve(now),
            at("2026-11-18T00:00:00Z")
        );
        assert_eq!(
            TimeExpr::parse("now/d").unwrap().resolve(now),
            at("2026-11-25T00:00:00Z")
        );
        assert_eq!(
            TimeExpr::parse("now/M").unwrap().resolve(now),
            at("2026-11-01T00:00:00Z")
        );
        assert_eq!(
            TimeExpr::parse("now/w").unwrap().resolve(now),
            at("2026-11-23T00:00:00Z")
        );
        assert_eq!(
            TimeExpr::parse("now+1h").unwrap().resolve(now),
            at("2026-11-25T13:34:56Z")
        );
    }

    #[test]
    fn calendar_offsets_follow_month_ends_and_leap_years() {
        let cases = [
            ("now-1M", "2026-03-31T12:00:00Z", "2026-02-28T12:00:00Z"),
            ("now-1M", "2024-03-31T12:00:00Z", "2024-02-29T12:00:00Z"),
            ("now-1y", "2024-02-29T00:00:00Z", "2023-02-28T00:00:00Z"),
            ("now-6M", "2026-11-25T12:34:56Z", "2026-05-25T12:34:56Z"),
            ("now-1M/M", "2026-03-31T12:00:00Z", "2026-02-01T00:00:00Z"),
            ("now-1y/y", "2026-11-25T12:34:56Z", "2025-01-01T00:00:00Z"),
            ("now/y", "2026-11-25T12:34:56Z", "2026-01-01T00:00:00Z"),
            ("now+1M", "2026-01-31T00:00:00Z", "2026-02-28T00:00:00Z"),
            ("now-1y6M", "2026-11-25T00:00:00Z", "2025-05-25T00:00:00Z"),
            ("now-1M-2d", "2026-11-25T00:00:00Z", "2026-10-23T00:00:00Z"),
        ];
        for (text, now, expected) in cases {
            // `now-1M-2d` is Grafana's "a month and two days": read as 1M then 2d.
            let text = text.replace("M-", "M");
            assert_eq!(
                TimeExpr::parse(&text).unwrap().resolve(at(now)),
                at(expected),
                "{text} at {now}"
            );
        }
        // Grafana's "Previous month" and "Last 1 year" ranges.
        let previous_month = TimeRange::parse("now-1M/M", "now/M").unwrap();
        let window = previous_month.resolve(at("2026-03-15T08:00:00Z"));
        assert_eq!(
            window.start_ms,
            at("2026-02-01T00:00:00Z").timestamp_millis()
        );
        assert_eq!(window.end_ms, at("2026-03-01T00:00:00Z").timestamp_millis());
        assert_eq!(
            TimeRange::parse("now-1y", "now").unwrap().label(),
            "Last 1y"
        );
        assert_eq!(TimeExpr::parse("now-18M").unwrap().to_string(), "now-18M");
        assert_eq!(
            TimeExpr::parse("now-24M/M").unwrap().to_string(),
            "now-2y/M"
        );
        // Refresh intervals and other durations stay fixed-length.
        assert!(parse_duration("1M").is_err());
    }

    #[test]
    fn huge_offsets_are_refused_not_a_panic() {
        for text in ["now-100000000w", "now-20000y", "now+99999999999d"] {
            let error = TimeExpr::parse(text).unwrap_err().to_string();
            assert!(error.contains("at most 10000 years"), "{text}: {error}");
        }
        // The largest allowed offsets resolve without overflow.
        let far = TimeExpr::parse("now-10000y")
            .unwrap()
            .resolve(at("2026-11-25T00:00:00Z"));
        assert!(far < at("0001-01-01T00:00:00Z"));
        assert!(TimeRange::parse("now-100000000w", "now").is_err());
    }

    #[test]
    fn absolute_expressions_accept_common_spellings() {
        let expected = at("2026-11-25T10:00:00Z");
        for text in [
            "2026-11-25T10:00:00Z",
            "2026-11-25 10:00:00",
            "2026-11-25 10:00",
            "2026-11-25T12:00:00+02:00",
        ] {
            assert_eq!(
                TimeExpr::parse(text).unwrap(),
                TimeExpr::Absolute(expected),
                "{text}"
            );
        }
        assert_eq!(
            TimeExpr::parse("2026-11-25").unwrap(),
            TimeExpr::Absolute(at("2026-11-25T00:00:00Z"))
        );
    }

    #[test]
    fn bad_time_expressions_are_rejected_with_examples() {
        for bad in ["yesterday", "now-", "now-1x", "now/q", "2026-13-01"] {
            let error = TimeExpr::parse(bad).unwrap_err().to_string();
            assert!(error.contains("invalid"), "{bad}: {error}");
        }
    }

    #[test]
    fn an_inverted_range_is_refused() {
        assert!(TimeRange::parse("now", "now-1h").is_err());
        assert!(TimeRange::parse("2026-11-25T10:00:00Z", "2026-11-25T09:00:00Z").is_err());
        assert!(TimeRange::parse("now-2h", "now").is_ok());
    }

    #[test]
    fn labels_read_like_the_picker() {
        assert_eq!(
            TimeRange::parse("now-1h", "now").unwrap().label(),
            "Last 1h"
        );
        assert_eq!(
            TimeRange::parse("now-7d/d", "now").unwrap().label(),
            "now-7d/d to now"
        );
    }
}
