//! Writing a layout as a person would: keys in a fixed order, values quoted by
//! `toml_edit` (so every string is escaped right).

use toml_edit::Value;

/// A TOML string literal.
pub(crate) fn quoted(text: &str) -> String {
    Value::from(text).to_string()
}

/// `key = value` for a key that may need quotes.
pub(crate) fn key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        name.to_owned()
    } else {
        quoted(name)
    }
}

/// A TOML number that reads back as the same f64.
pub(crate) fn number(value: f64) -> String {
    if value.is_finite() {
        let text = format!("{value:?}");
        if text.contains('.') || text.contains('e') || text.contains("inf") {
            text
        } else {
            format!("{text}.0")
        }
    } else {
        "0.0".to_owned()
    }
}
