//! Value formatting for axes, tooltips and stat tiles.
//!
//! Fleet metrics arrive in the unit their exporter chose (CloudWatch `ModelLatency`
//! in µs, vLLM latency in s, DCGM utilisation in %, Neuron utilisation as a 0–1
//! ratio). Panels declare that unit once and every number the user reads is scaled
//! to the most readable prefix, so `0.0123` seconds reads `12.3 ms`.

use serde::{Deserialize, Serialize};

/// The unit a panel's values are expressed in, as written in a layout (`unit = "s"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Unit {
    /// Plain number with SI suffixes (k, M, G).
    #[default]
    #[serde(rename = "short", alias = "none")]
    Short,
    /// Seconds, scaled down to ms/µs or up to min/h.
    #[serde(rename = "s")]
    Seconds,
    /// Milliseconds (Bedrock `InvocationLatency`).
    #[serde(rename = "ms")]
    Milliseconds,
    /// Microseconds (SageMaker `ModelLatency`).
    #[serde(rename = "us", alias = "µs")]
    Microseconds,
    /// Percent where 100 means full (DCGM `DCGM_FI_DEV_GPU_UTIL`).
    #[serde(rename = "percent", alias = "%")]
    Percent,
    /// Ratio where 1.0 means full, shown as percent (`neuroncore_utilization_ratio`).
    #[serde(rename = "ratio", alias = "percentunit")]
    Ratio,
    /// Bytes, binary prefixes.
    #[serde(rename = "bytes")]
    Bytes,
    /// Mebibytes (DCGM `DCGM_FI_DEV_FB_USED`).
    #[serde(rename = "MiB")]
    Mebibytes,
    /// US dollars.
    #[serde(rename = "USD", alias = "usd")]
    Usd,
    /// US dollars per hour (burn rate).
    #[serde(rename = "USD/h")]
    UsdPerHour,
    /// Tokens per second.
    #[serde(rename = "tokens/s")]
    TokensPerSecond,
    /// Requests per second.
    #[serde(rename = "req/s")]
    RequestsPerSecond,
    /// Watts (DCGM power).
    #[serde(rename = "W")]
    Watts,
    /// Degrees Celsius.
    #[serde(rename = "celsius", alias = "°C")]
    Celsius,
}

impl Unit {
    /// The unit as a layout spells it (`USD`, `req/s`).
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Formats `value` for a person, with a unit suffix and about three significant digits.
    pub fn format(self, value: f64) -> String {
        if !value.is_finite() {
            return if value.is_nan() {
                "NaN".to_owned()
            } else if value > 0.0 {
                "+Inf".to_owned()
            } else {
                "-Inf".to_owned()
            };
        }
        match self {
            Unit::Short => si(value, ""),
            Unit::Seconds => duration_from_seconds(value),
            Unit::Milliseconds => duration_from_seconds(value / 1e3),
            Unit::Microseconds => duration_from_seconds(value / 1e6),
            Unit::Percent => format!("{} %", sig3(value)),
            Unit::Ratio => format!("{} %", sig3(value * 100.0)),
            Unit::Bytes => binary(value),
            Unit::Mebibytes => binary(value * 1024.0 * 1024.0),
            Unit::Usd => usd(value),
            Unit::UsdPerHour => format!("{}/h", usd(value)),
            Unit::TokensPerSecond => si(value, "tok/s"),
            Unit::RequestsPerSecond => si(value, "req/s"),
            Unit::Watts => si(value, "W"),
            Unit::Celsius => format!("{} °C", sig3(value)),
        }
    }
}

/// Three significant digits without scientific notation, trailing zeros trimmed.
fn sig3(value: f64) -> String {
    let abs = value.abs();
    let decimals = if abs == 0.0 || abs >= 100.0 {
        0
    } else if abs >= 10.0 {
        1
    } else if abs >= 1.0 {
        2
    } else {
        // Small values keep three significant digits: 0.00123 → "0.00123".
        (2 - abs.log10().floor() as i32).clamp(2, 9) as usize
    };
    let text = format!("{value:.decimals$}");
    trim_zeros(text)
}

fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        let trimmed = text.trim_end_matches('0').trim_end_matches('.');
        if trimmed == "-0" {
            "0".to_owned()
        } else {
            trimmed.to_owned()
        }
    } else {
        text
    }
}

fn si(value: f64, suffix: &str) -> String {
    let abs = value.abs();
    let (scaled, prefix) = if abs >= 1e12 {
        (value / 1e12, "T")
    } else if abs >= 1e9 {
        (value / 1e9, "G")
    } else if abs >= 1e6 {
        (value / 1e6, "M")
    } else if abs >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    if suffix.is_empty() {
        format!("{}{prefix}", sig3(scaled))
    } else {
        format!("{}{prefix} {suffix}", sig3(scaled))
    }
}

fn duration_from_seconds(seconds: f64) -> String {
    let abs = seconds.abs();
    if abs == 0.0 {
        "0 s".to_owned()
    } else if abs < 1e-3 {
        format!("{} µs", sig3(seconds * 1e6))
    } else if abs < 1.0 {
        format!("{} ms", sig3(seconds * 1e3))
    } else if abs < 120.0 {
        format!("{} s", sig3(seconds))
    } else if abs < 7200.0 {
        format!("{} min", sig3(seconds / 60.0))
    } else {
        format!("{} h", sig3(seconds / 3600.0))
    }
}

fn binary(bytes: f64) -> String {
    const PREFIXES: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut scaled = bytes;
    let mut index = 0;
    while scaled.abs() >= 1024.0 && index + 1 < PREFIXES.len() {
        scaled /= 1024.0;
        index += 1;
    }
    format!("{} {}", sig3(scaled), PREFIXES[index])
}

fn usd(value: f64) -> String {
    let negative = value < 0.0;
    let abs = value.abs();
    let text = if abs >= 100_000.0 {
        format!("{:.0}", abs)
    } else if abs >= 0.01 || abs == 0.0 {
        format!("{abs:.2}")
    } else {
        format!("{abs:.4}")
    };
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i.to_owned(), Some(f.to_owned())),
        None => (text.clone(), None),
    };
    let grouped = group_thousands(&int_part);
    let sign = if negative { "-" } else { "" };
    match frac_part {
        Some(frac) => format!("{sign}${grouped}.{frac}"),
        None => format!("{sign}${grouped}"),
    }
}

/// Inserts thousands separators into a string of digits: `1234567` → `1,234,567`.
pub fn group_thousands(digits: &str) -> String {
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::Unit;

    #[test]
    fn latency_is_scaled_to_a_readable_prefix() {
        assert_eq!(Unit::Seconds.format(0.0123), "12.3 ms");
        assert_eq!(Unit::Seconds.format(2.5), "2.5 s");
        assert_eq!(Unit::Microseconds.format(1500.0), "1.5 ms");
        assert_eq!(Unit::Microseconds.format(250.0), "250 µs");
        assert_eq!(Unit::Milliseconds.format(950.0), "950 ms");
        assert_eq!(Unit::Seconds.format(600.0), "10 min");
    }

    #[test]
    fn ratios_and_percents_read_as_percent() {
        assert_eq!(Unit::Ratio.format(0.423), "42.3 %");
        assert_eq!(Unit::Percent.format(87.0), "87 %");
    }

    #[test]
    fn money_has_cents_and_thousands_separators() {
        assert_eq!(Unit::Usd.format(1234.5), "$1,234.50");
        assert_eq!(Unit::Usd.format(98.32), "$98.32");
        assert_eq!(Unit::UsdPerHour.format(12.98), "$12.98/h");
        assert_eq!(Unit::Usd.format(-5.0), "-$5.00");
    }

    #[test]
    fn sizes_use_binary_prefixes() {
        assert_eq!(Unit::Bytes.format(1536.0), "1.5 KiB");
        assert_eq!(Unit::Mebibytes.format(40_960.0), "40 GiB");
    }

    #[test]
    fn plain_numbers_get_si_suffixes() {
        assert_eq!(Unit::Short.format(1500.0), "1.5k");
        assert_eq!(Unit::TokensPerSecond.format(12_300.0), "12.3k tok/s");
        assert_eq!(Unit::Short.format(0.0), "0");
    }

    #[test]
    fn non_finite_values_are_named_not_hidden() {
        assert_eq!(Unit::Seconds.format(f64::NAN), "NaN");
        assert_eq!(Unit::Seconds.format(f64::INFINITY), "+Inf");
    }
}
