//! Grafana's value mappings (`fieldConfig.defaults.mappings`) as a state
//! timeline's `mappings`: exact values and ranges to a state's name and colour.
//! Special-value and regex mappings have no counterpart and are dropped (said).

use super::units;
use crate::import::toml_text::{number, quoted};
use serde_json::Value;

/// The `mappings = [ … ]` value as TOML text, or `None` when there are none.
pub(crate) fn mappings(panel: &Value, notes: &mut Vec<String>) -> Option<String> {
    let mut written = Vec::new();
    for mapping in panel
        .pointer("/fieldConfig/defaults/mappings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match mapping.get("type").and_then(Value::as_str) {
            Some("value") => {
                for (value, result) in mapping
                    .get("options")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    let Ok(value) = value.trim().parse::<f64>() else {
                        notes.push(format!("the mapping of `{value}` dropped: not a number"));
                        continue;
                    };
                    written.push(entry(
                        &format!("value = {}", number(value)),
                        result,
                        &value.to_string(),
                        notes,
                    ));
                }
            }
            Some("range") => {
                let options = mapping.get("options");
                let end = |key: &str| {
                    options
                        .and_then(|o| o.get(key))
                        .and_then(Value::as_f64)
                        .map(|v| format!("{key} = {}", number(v)))
                };
                let bounds: Vec<String> = [end("from"), end("to")].into_iter().flatten().collect();
                if bounds.is_empty() {
                    continue;
                }
                let result = options
                    .and_then(|o| o.get("result"))
                    .unwrap_or(&Value::Null);
                written.push(entry(&bounds.join(", "), result, "range", notes));
            }
            Some(other) => notes.push(format!("a `{other}` value mapping dropped")),
            None => {}
        }
    }
    (!written.is_empty()).then(|| format!("[\n  {},\n]", written.join(",\n  ")))
}

/// `{ value = 1.0, text = "down", color = "red" }`: Grafana's text (else the
/// value) and colour (else grey).
fn entry(matches: &str, result: &Value, fallback: &str, notes: &mut Vec<String>) -> String {
    let text = result
        .get("text")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .unwrap_or(fallback);
    let colour = match result.get("color").and_then(Value::as_str) {
        Some(grafana) => {
            let (colour, exact) = units::colour(grafana);
            if !exact {
                notes.push(format!("colour `{grafana}` drawn as {colour}"));
            }
            colour
        }
        None => "grey".to_owned(),
    };
    format!(
        "{{ {matches}, text = {}, color = {} }}",
        quoted(text),
        quoted(&colour)
    )
}
