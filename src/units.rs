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
    pub(crate) fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Formats `value` for a person, with a unit suffix and about three significant digits.
    pub fn format(self, value: f64) -> String {
        self.format_with_step(value, None)
    }

    /// Formats an axis tick: like [`Unit::format`], but with as many decimals as the
    /// distance `step` to the next tick needs. Three significant digits alone print
    /// every tick of a narrow range the same ("4.2 s, 4.2 s, 4.2 s" for a p99 that
    /// moves by milliseconds).
    pub(crate) fn format_tick(self, value: f64, step: f64) -> String {
        let step = (step.is_finite() && step > 0.0).then_some(step.abs());
        self.format_with_step(value, step)
    }

    fn format_with_step(self, value: f64, step: Option<f64>) -> String {
        if !value.is_finite() {
            return if value.is_nan() {
                "NaN".to_owned()
            } else if value > 0.0 {
                "+Inf".to_owned()
            } else {
                "-Inf".to_owned()
            };
        }
        // `step` travels in the same unit as `value`; each helper scales both alike.
        let scaled_step = |factor: f64| step.map(|s| s * factor);
        match self {
            Unit::Short => si(value, step, ""),
            Unit::Seconds => duration_from_seconds(value, step),
            Unit::Milliseconds => duration_from_seconds(value / 1e3, scaled_step(1e-3)),
            Unit::Microseconds => duration_from_seconds(value / 1e6, scaled_step(1e-6)),
            Unit::Percent => format!("{} %", number(value, step)),
            Unit::Ratio => format!("{} %", number(value * 100.0, scaled_step(100.0))),
            Unit::Bytes => binary(value, step),
            Unit::Mebibytes => binary(value * 1024.0 * 1024.0, scaled_step(1024.0 * 1024.0)),
            Unit::Usd => usd(value, step),
            Unit::UsdPerHour => format!("{}/h", usd(value, step)),
            Unit::TokensPerSecond => si(value, step, "tok/s"),
            Unit::RequestsPerSecond => si(value, step, "req/s"),
            Unit::Watts => si(value, step, "W"),
            Unit::Celsius => format!("{} °C", number(value, step)),
        }
    }
}

/// Three significant digits without scientific notation, trailing zeros trimmed —
/// or more decimals when `step` (in the same scale as `value`) needs them.
fn number(value: f64, step: Option<f64>) -> String {
    let decimals = significant_decimals(value).max(step.map_or(0, step_decimals));
    let text = format!("{value:.decimals$}");
    trim_zeros(text)
}

/// Decimals for three significant digits: 0.00123 → 5, 12.3 → 1, 123 → 0.
fn significant_decimals(value: f64) -> usize {
    let abs = value.abs();
    if abs == 0.0 || abs >= 100.0 {
        0
    } else if abs >= 10.0 {
        1
    } else if abs >= 1.0 {
        2
    } else {
        (2 - abs.log10().floor() as i32).clamp(2, 9) as usize
    }
}

/// Decimals that tell two values `step` apart: 0.05 → 2, 0.001 → 3, 5 → 0.
fn step_decimals(step: f64) -> usize {
    if step <= 0.0 || !step.is_finite() {
        return 0;
    }
    // The small tolerance keeps 0.1 (stored as 0.1000000000000000055…) at 1 decimal.
    (-(step.log10() + 1e-9).floor()).clamp(0.0, 9.0) as usize
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

fn si(value: f64, step: Option<f64>, suffix: &str) -> String {
    let abs = value.abs();
    let (factor, prefix) = if abs >= 1e12 {
        (1e12, "T")
    } else if abs >= 1e9 {
        (1e9, "G")
    } else if abs >= 1e6 {
        (1e6, "M")
    } else if abs >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let text = number(value / factor, step.map(|s| s / factor));
    if suffix.is_empty() {
        format!("{text}{prefix}")
    } else {
        format!("{text}{prefix} {suffix}")
    }
}

fn duration_from_seconds(seconds: f64, step: Option<f64>) -> String {
    let abs = seconds.abs();
    let (factor, suffix) = if abs == 0.0 {
        return "0 s".to_owned();
    } else if abs < 1e-3 {
        (1e-6, "µs")
    } else if abs < 1.0 {
        (1e-3, "ms")
    } else if abs < 120.0 {
        (1.0, "s")
    } else if abs < 7200.0 {
        (60.0, "min")
    } else {
        (3600.0, "h")
    };
    format!(
        "{} {suffix}",
        number(seconds / factor, step.map(|s| s / factor))
    )
}

fn binary(bytes: f64, step: Option<f64>) -> String {
    const PREFIXES: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut factor = 1.0;
    let mut index = 0;
    while (bytes / factor).abs() >= 1024.0 && index + 1 < PREFIXES.len() {
        factor *= 1024.0;
        index += 1;
    }
    let text = number(bytes / factor, step.map(|s| s / factor));
    format!("{text} {}", PREFIXES[index])
}

fn usd(value: f64, step: Option<f64>) -> String {
    let negative = value < 0.0;
    let abs = value.abs();
    let decimals = match step {
        // Axis ticks a dollar or more apart read best as whole dollars ("$90,000",
        // "$200/h"); closer ones show cents, or finer where the ticks need it.
        Some(step) if step >= 1.0 => 0,
        Some(step) => step_decimals(step).max(2),
        None if abs >= 100_000.0 => 0,
        None if abs >= 0.01 || abs == 0.0 => 2,
        None => 4,
    };
    let text = format!("{abs:.decimals$}");
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
pub(crate) fn group_thousands(digits: &str) -> String {
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
    fn ticks_of_a_narrow_range_are_told_apart() {
        // A p99 around 4.2 s moving by milliseconds: three significant digits alone
        // printed "4.2 s" on every tick.
        let ticks: Vec<String> = [4.201, 4.202, 4.203]
            .iter()
            .map(|&v| Unit::Seconds.format_tick(v, 0.001))
            .collect();
        assert_eq!(ticks, ["4.201 s", "4.202 s", "4.203 s"]);
        assert_eq!(
            Unit::Microseconds.format_tick(4_200_500.0, 100.0),
            "4.2005 s"
        );
        assert_eq!(Unit::Ratio.format_tick(0.4215, 0.0005), "42.15 %");
        assert_eq!(Unit::UsdPerHour.format_tick(248.935, 0.005), "$248.935/h");
        assert_eq!(Unit::Short.format_tick(1_500.5, 0.5), "1.5005k");
        assert_eq!(
            Unit::Bytes.format_tick(1_536.0 + 0.1 * 1024.0, 0.1 * 1024.0),
            "1.6 KiB"
        );
    }

    #[test]
    fn coarse_ticks_stay_short() {
        assert_eq!(Unit::Seconds.format_tick(2.0, 0.5), "2 s");
        assert_eq!(Unit::Percent.format_tick(40.0, 20.0), "40 %");
        assert_eq!(Unit::Usd.format_tick(90_000.0, 10_000.0), "$90,000");
        assert_eq!(Unit::UsdPerHour.format_tick(200.0, 50.0), "$200/h");
        assert_eq!(Unit::Usd.format_tick(1.5, 0.5), "$1.50");
        // A degenerate step (egui_plot never sends one) falls back to `format`.
        assert_eq!(Unit::Seconds.format_tick(2.5, f64::NAN), "2.5 s");
    }

    #[test]
    fn non_finite_values_are_named_not_hidden() {
        assert_eq!(Unit::Seconds.format(f64::NAN), "NaN");
        assert_eq!(Unit::Seconds.format(f64::INFINITY), "+Inf");
    }
}
