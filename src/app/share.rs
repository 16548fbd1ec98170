//! "Copy link": the command line that reopens what is on screen — the layout,
//! the absolute range, the variables' values and, from a panel's menu, that panel —
//! for a ticket or a chat: `fleetdeck layouts/x.toml --from … --to … --panel …`.

use crate::time_range::Window;
use crate::variables::Selection;
use chrono::{DateTime, SecondsFormat, Utc};
use std::path::Path;

/// The command line for `layout` showing `window`, with `selection` and `panel`.
pub(crate) fn command_line(
    layout: &Path,
    window: Window,
    selection: &Selection,
    panel: Option<&str>,
) -> String {
    let time = |ms: i64| {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .unwrap_or_default()
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    let mut words = vec!["fleetdeck".to_owned(), quote(&layout.display().to_string())];
    words.extend(["--from".to_owned(), time(window.start_ms)]);
    words.extend(["--to".to_owned(), time(window.end_ms)]);
    for (name, selected) in selection {
        for value in selected.to_values() {
            words.extend(["--var".to_owned(), quote(&format!("{name}={value}"))]);
        }
    }
    if let Some(panel) = panel {
        words.extend(["--panel".to_owned(), quote(panel)]);
    }
    words.join(" ")
}

/// A word a POSIX shell reads back as it is.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::variables::Selected;

    #[test]
    fn the_link_names_the_layout_range_variables_and_panel_quoted_for_a_shell() {
        let mut selection = Selection::new();
        selection.insert(
            "model".into(),
            Selected::Values(vec![
                "meta-llama/Llama-3.1-70B-Instruct".into(),
                "it's".into(),
            ]),
        );
        let line = command_line(
            Path::new("layouts/my dash.toml"),
            Window {
                start_ms: 1_764_500_000_000,
                end_ms: 1_764_503_600_000,
            },
            &selection,
            Some("p99 · Llama 70B"),
        );
        assert_eq!(
            line,
            "fleetdeck 'layouts/my dash.toml' --from 2025-11-30T10:53:20Z --to 2025-11-30T11:53:20Z \
             --var model=meta-llama/Llama-3.1-70B-Instruct --var 'model=it'\\''s' --panel 'p99 · Llama 70B'"
        );
    }
}
