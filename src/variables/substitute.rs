//! Finding `$name` / `${name}` in a string and writing a variable's values in,
//! escaped for where the string goes. Names starting with `__` are the query
//! built-ins (`$__interval`, `$__rate_interval`) and are left alone, and so is a
//! `$` followed by a digit: `$1` / `${1}` is a regex group in PromQL's
//! `label_replace` and in CloudWatch expressions, never a variable.

use super::selection::Selected;
use super::spec::VariableSpec;
pub(crate) use crate::dashboard::variables::Bound;
use std::ops::Range;

/// Where a substituted string goes, which decides the escaping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    /// PromQL: a value inside a double-quoted string; a variable that can stand for
    /// several values becomes a regex alternation of the values, each escaped.
    PromQl,
    /// A title, legend or other text: the values joined with `, `.
    Text,
}

/// Every reference in `text`: its byte range and the name it names.
pub(crate) fn references(text: &str) -> Vec<(Range<usize>, &str)> {
    let bytes = text.as_bytes();
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut found = Vec::new();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] != b'$' {
            index += 1;
            continue;
        }
        let start = index;
        if bytes.get(index + 1) == Some(&b'{') {
            let name_start = index + 2;
            let mut end = name_start;
            while end < bytes.len() && is_name(bytes[end]) {
                end += 1;
            }
            if end > name_start && bytes.get(end) == Some(&b'}') {
                found.push((start..end + 1, &text[name_start..end]));
                index = end + 1;
                continue;
            }
        } else {
            let mut end = index + 1;
            while end < bytes.len() && is_name(bytes[end]) {
                end += 1;
            }
            if end > index + 1 {
                found.push((start..end, &text[index + 1..end]));
                index = end;
                continue;
            }
        }
        index += 1;
    }
    found.retain(|(_, name)| {
        !name.starts_with("__") && !name.starts_with(|c: char| c.is_ascii_digit())
    });
    found
}

/// The names `text` refers to.
pub(crate) fn names(text: &str) -> impl Iterator<Item = &str> {
    references(text).into_iter().map(|(_, name)| name)
}

/// `text` with every bound variable written in; unbound references stay as written.
pub(crate) fn substitute(text: &str, bound: &Bound, context: Context) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (range, name) in references(text) {
        let Some((spec, selected)) = bound.get(name) else {
            continue;
        };
        out.push_str(&text[last..range.start]);
        out.push_str(&render(spec, selected, context));
        last = range.end;
    }
    out.push_str(&text[last..]);
    out
}

/// One variable's values as they go into a string of `context`.
pub(crate) fn render(spec: &VariableSpec, selected: &Selected, context: Context) -> String {
    match (context, selected) {
        (Context::Text, selected) => selected.display(),
        (Context::PromQl, Selected::All) => ".*".to_owned(),
        (Context::PromQl, Selected::Values(values)) if !spec.is_regex() => {
            promql_string_escape(values.first().map_or("", String::as_str))
        }
        (Context::PromQl, Selected::Values(values)) => {
            let escaped: Vec<String> = values
                .iter()
                .map(|v| promql_string_escape(&regex_escape(v)))
                .collect();
            match escaped.as_slice() {
                [one] => one.clone(),
                many => format!("({})", many.join("|")),
            }
        }
    }
}

/// A value as the inside of a PromQL double-quoted string.
pub(crate) fn promql_string_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// A value matched literally by a RE2 regex.
pub(crate) fn regex_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::variables::spec::VariableKind;
    use std::collections::BTreeMap;

    fn bound(name: &str, multi: bool, selected: Selected) -> Bound {
        let spec = VariableSpec {
            name: name.to_owned(),
            label: name.to_owned(),
            kind: VariableKind::Fixed(vec![]),
            multi,
            include_all: false,
            default: vec![],
        };
        BTreeMap::from([(name.to_owned(), (spec, selected))])
    }

    fn values(v: &[&str]) -> Selected {
        Selected::Values(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn both_forms_are_found_and_builtins_are_not() {
        let text = "rate(x{m=\"$model\",e=\"${endpoint}\"}[$__rate_interval]) $ ${} $m2";
        let names: Vec<&str> = names(text).collect();
        assert_eq!(names, ["model", "endpoint", "m2"]);
    }

    #[test]
    fn a_dollar_and_a_digit_is_a_regex_group_not_a_variable() {
        let text = r#"label_replace(up{job="$job"}, "host", "$1-${2}", "instance", "(.*):(.*)")"#;
        let names: Vec<&str> = names(text).collect();
        assert_eq!(names, ["job"]);
    }

    #[test]
    fn a_multi_value_becomes_an_escaped_alternation() {
        let b = bound("m", true, values(&["llama-3.1", "a|b", "q\"x"]));
        assert_eq!(
            substitute("x{m=~\"$m\"}", &b, Context::PromQl),
            r#"x{m=~"(llama-3\\.1|a\\|b|q\"x)"}"#
        );
    }

    #[test]
    fn a_single_value_is_only_string_escaped_and_text_joins() {
        let b = bound("m", false, values(&["a.b\"c"]));
        assert_eq!(
            substitute("{m=\"$m\"}", &b, Context::PromQl),
            r#"{m="a.b\"c"}"#
        );
        let many = bound("m", true, values(&["a", "b"]));
        assert_eq!(substitute("p99 ${m}", &many, Context::Text), "p99 a, b");
        assert_eq!(
            substitute("$other stays", &many, Context::Text),
            "$other stays"
        );
    }
}
