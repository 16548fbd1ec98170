//! Series names from legend templates: `{{model_name}} p99` → `Llama-3.1-70B p99`.
//!
//! Shared by the plots, the stat tiles and `fleetdeck export`, so a series has the
//! same name on screen and in an exported CSV.

use std::collections::BTreeMap;

/// The display name of a series: the template with `{{label}}` replaced, or, without
/// a template, its labels as `k=v, …` (or `fallback` when it has none).
pub(crate) fn series_name(
    template: Option<&str>,
    labels: &BTreeMap<String, String>,
    fallback: &str,
) -> String {
    match template {
        Some(template) => {
            let mut out = String::with_capacity(template.len());
            let mut rest = template;
            while let Some(open) = rest.find("{{") {
                out.push_str(&rest[..open]);
                let after = &rest[open + 2..];
                match after.find("}}") {
                    Some(close) => {
                        let name = after[..close].trim();
                        out.push_str(labels.get(name).map_or("", String::as_str));
                        rest = &after[close + 2..];
                    }
                    None => {
                        out.push_str(&rest[open..]);
                        rest = "";
                    }
                }
            }
            out.push_str(rest);
            out
        }
        None if labels.is_empty() => fallback.to_owned(),
        None => labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn templates_substitute_labels() {
        let l = labels(&[("model_name", "llama"), ("gpu", "3")]);
        assert_eq!(
            series_name(Some("{{model_name}} p99"), &l, "x"),
            "llama p99"
        );
        assert_eq!(series_name(Some("{{ gpu }}/{{missing}}"), &l, "x"), "3/");
        assert_eq!(series_name(Some("broken {{gpu"), &l, "x"), "broken {{gpu");
    }

    #[test]
    fn without_a_template_labels_or_the_fallback_name_the_series() {
        assert_eq!(
            series_name(None, &labels(&[("a", "1"), ("b", "2")]), "m"),
            "a=1, b=2"
        );
        assert_eq!(series_name(None, &BTreeMap::new(), "metric"), "metric");
    }
}
