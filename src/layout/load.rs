//! Reading layout files and reporting their problems with file, line and column.
//!
//! Validation collects every problem it can find in one pass, each with the file,
//! line and column, so fixing a layout is one round trip rather than one per error.

use super::model::LayoutFile;
use crate::dashboard::Dashboard;
pub use crate::dashboard::problems::{LayoutError, LayoutErrors};
pub use crate::dashboard::variables::Choices;
use crate::variables::Selection;
use crate::variables::expand::{Bindings, expand};
use crate::variables::selection::resolve;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

/// Reads and compiles a layout file.
pub fn load_layout(path: &Path) -> Result<Dashboard, LayoutErrors> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        LayoutErrors(vec![LayoutError {
            path: path.to_owned(),
            position: None,
            message: format!("cannot read layout: {error}"),
        }])
    })?;
    parse_layout(&text, path)
}

/// Parses and compiles layout text for its variables' defaults; `path` is only
/// used in messages (and kept as the dashboard's path).
pub fn parse_layout(text: &str, path: &Path) -> Result<Dashboard, LayoutErrors> {
    compile_text(text, path, &Choices::default())
}

/// `dashboard`'s layout compiled again for `choices` (other values of its
/// variables), from the text it was compiled from: no file is read.
pub fn recompile(dashboard: &Dashboard, choices: &Choices) -> Result<Dashboard, LayoutErrors> {
    compile_text(&dashboard.source_text, &dashboard.path, choices)
}

/// Parses and compiles layout text for `choices`: the variables are written in
/// and repeated panels drawn once per value before the one compile step.
pub fn compile_text(text: &str, path: &Path, choices: &Choices) -> Result<Dashboard, LayoutErrors> {
    let at = |span: Option<Range<usize>>, message: String| LayoutError {
        path: path.to_owned(),
        position: span.map(|s| line_column(text, s.start)),
        message,
    };
    let file: LayoutFile = toml::from_str(text).map_err(|error| {
        LayoutErrors(vec![at(
            error.span(),
            error.message().trim_end().to_owned(),
        )])
    })?;
    let mut errors = Vec::new();
    let mut report = |span: Option<Range<usize>>, message: String| {
        errors.push(at(span, message));
    };
    let variables = super::variables::compile_variables(&file, &mut report);
    let unused = super::variables::check_references(&file, &mut report);
    let mut bindings = Bindings {
        defined: file.variables.keys().cloned().collect(),
        options: choices.options.clone(),
        ..Bindings::default()
    };
    let mut selection = Selection::new();
    for spec in &variables {
        let chosen = choices.selection.get(&spec.name);
        let options = choices.options.get(&spec.name).map(Vec::as_slice);
        if let Some(selected) = resolve(spec, chosen, options) {
            selection.insert(spec.name.clone(), selected.clone());
            bindings.bind(spec.clone(), selected);
        }
    }
    let expanded = expand(&file, &bindings);
    let dashboard = super::compile::compile(&expanded, path, &mut report);
    match dashboard {
        Some(mut dashboard) if errors.is_empty() => {
            dashboard.variables = variables;
            dashboard.selection = selection;
            dashboard.offered = choices.options.clone();
            dashboard.source_text = Arc::from(text);
            dashboard.warnings = unused
                .into_iter()
                .chain(unverified_sources(&file))
                .chain(heatmaps_without_buckets(&file))
                .map(|(span, message)| at(Some(span), message))
                .collect();
            Ok(dashboard)
        }
        _ => Err(LayoutErrors(errors)),
    }
}

/// A warning for each CloudWatch query of a heatmap: CloudWatch keeps no
/// histogram buckets, so what the panel can draw is the distribution of the
/// query's series (a `*` over instances), never a latency histogram.
fn heatmaps_without_buckets(file: &LayoutFile) -> Vec<(Range<usize>, String)> {
    file.panels
        .iter()
        .filter(|panel| panel.kind == crate::dashboard::PanelKind::Heatmap)
        .flat_map(|panel| {
            panel.queries.iter().filter_map(move |query| {
                let source = file.sources.get(query.source.get_ref())?;
                (*source.kind.get_ref() == crate::dashboard::SourceKind::Cloudwatch).then(|| {
                    (
                        query.source.span(),
                        format!(
                            "heatmap `{}`: CloudWatch has no histogram buckets; the panel draws how many of the query's series sit in each value bin at each step (a `*` over instances), and one series draws nothing",
                            panel.title.get_ref()
                        ),
                    )
                })
            })
        })
        .collect()
}

/// A warning for each source that accepts any server certificate: allowed, for
/// a lab, but never quietly.
fn unverified_sources(file: &LayoutFile) -> Vec<(Range<usize>, String)> {
    file.sources
        .iter()
        .filter_map(|(name, source)| {
            let tls = source.tls.as_ref()?;
            tls.get_ref().insecure_skip_verify.then(|| {
                (
                    tls.span(),
                    format!(
                        "source `{name}` does not check the server's certificate (tls.insecure_skip_verify): whoever sits between here and the server can read and change what its panels show; its panels are marked"
                    ),
                )
            })
        })
        .collect()
}

/// RGB of a threshold colour name or `#rrggbb`; `None` if unknown.
pub fn threshold_rgb(name: &str) -> Option<[u8; 3]> {
    let rgb = match name {
        "green" => [0x56, 0xa6, 0x4b],
        "yellow" => [0xf2, 0xcc, 0x0c],
        "orange" => [0xff, 0x78, 0x0a],
        "red" => [0xe0, 0x2f, 0x44],
        "blue" => [0x32, 0x74, 0xd9],
        "purple" => [0xa3, 0x52, 0xcc],
        "grey" | "gray" => [0x8e, 0x8e, 0x8e],
        hex => {
            let digits = hex.strip_prefix('#')?;
            if digits.len() != 6 {
                return None;
            }
            let byte = |i: usize| u8::from_str_radix(digits.get(i..i + 2)?, 16).ok();
            [byte(0)?, byte(2)?, byte(4)?]
        }
    };
    Some(rgb)
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_from_one() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 8), (2, 3));
    }

    #[test]
    fn colours_accept_names_and_hex() {
        assert_eq!(threshold_rgb("#ff0000"), Some([255, 0, 0]));
        assert!(threshold_rgb("red").is_some());
        assert!(threshold_rgb("#ff00").is_none());
        assert!(threshold_rgb("crimson").is_none());
    }
}
