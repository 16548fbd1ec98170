//! `mappings` of a state timeline as written: an exact value, or a range, to a
//! state's name and colour (Grafana's value mappings).

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// One mapping: `value`, or `from`/`to` (either end may be open).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MappingConfig {
    /// The exact value mapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The lowest value mapped (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<f64>,
    /// The highest value mapped (exclusive, so ranges can meet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<f64>,
    /// The state's name.
    pub text: Spanned<String>,
    /// Its colour (a name or `#rrggbb`).
    pub color: Spanned<String>,
}
