//! Reading and validating layout files.
//!
//! Validation collects every problem it can find in one pass, each with the file,
//! line and column, so fixing a layout is one round trip rather than one per error.

use super::model::{LAYOUT_VERSION, LayoutFile, Panel, SourceConfig, SourceKind};
use crate::time_range::{TimeRange, Window, parse_duration};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One problem in a layout file, pointing at where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayoutError {
    /// The file the problem is in.
    pub path: PathBuf,
    /// 1-based line and column, when the problem has a position.
    pub position: Option<(usize, usize)>,
    /// What is wrong and, where possible, what would be right.
    pub message: String,
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(
                f,
                "{}:{line}:{column}: {}",
                self.path.display(),
                self.message
            ),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// All problems found in one layout file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LayoutErrors(pub Vec<LayoutError>);

impl fmt::Display for LayoutErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// A layout that passed validation, with its durations and time range parsed.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Where it was read from (or a label for built-in text).
    pub path: PathBuf,
    /// The file as written.
    pub file: LayoutFile,
    /// Parsed `refresh`.
    pub refresh: Duration,
    /// Parsed `time`.
    pub time: TimeRange,
}

impl Layout {
    /// The panel with this exact title, if any.
    pub fn panel_by_title(&self, title: &str) -> Option<(usize, &Panel)> {
        self.file
            .panels
            .iter()
            .enumerate()
            .find(|(_, panel)| panel.title.get_ref() == title)
    }

    /// The sources of one kind, by name.
    pub fn sources_of_kind(
        &self,
        kind: SourceKind,
    ) -> impl Iterator<Item = (&String, &SourceConfig)> {
        self.file
            .sources
            .iter()
            .filter(move |(_, config)| *config.kind.get_ref() == kind)
    }

    /// The layout's own time range (`time`) at `now_ms`: what it shows when opened.
    pub fn default_window(&self, now_ms: i64) -> Window {
        let now = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
        self.time.resolve(now)
    }
}

/// Reads and validates a layout file.
pub fn load_layout(path: &Path) -> Result<Layout, LayoutErrors> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        LayoutErrors(vec![LayoutError {
            path: path.to_owned(),
            position: None,
            message: format!("cannot read layout: {error}"),
        }])
    })?;
    parse_layout(&text, path)
}

/// Parses and validates layout text; `path` is only used in messages.
pub fn parse_layout(text: &str, path: &Path) -> Result<Layout, LayoutErrors> {
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
    if *file.version.get_ref() != LAYOUT_VERSION {
        errors.push(at(
            Some(file.version.span()),
            format!(
                "unsupported layout version {}: this fleetdeck reads version {LAYOUT_VERSION}",
                file.version.get_ref()
            ),
        ));
    }
    let refresh = match parse_duration(file.refresh.get_ref()) {
        Ok(duration) if duration >= Duration::from_secs(1) => Some(duration),
        Ok(_) => {
            errors.push(at(
                Some(file.refresh.span()),
                "refresh must be at least 1s".to_owned(),
            ));
            None
        }
        Err(error) => {
            errors.push(at(Some(file.refresh.span()), format!("refresh: {error}")));
            None
        }
    };
    let time = match TimeRange::parse(file.time.from.get_ref(), file.time.to.get_ref()) {
        Ok(range) => Some(range),
        Err(error) => {
            errors.push(at(Some(file.time.from.span()), format!("time: {error}")));
            None
        }
    };
    for (name, source) in &file.sources {
        for problem in crate::source::validate_source(source) {
            errors.push(at(
                problem.span,
                format!("source `{name}`: {}", problem.message),
            ));
        }
    }
    validate_panels(&file, &mut |span, message| errors.push(at(span, message)));
    super::rules::validate_rules(&file, &mut |span, message| errors.push(at(span, message)));

    match (refresh, time) {
        (Some(refresh), Some(time)) if errors.is_empty() => Ok(Layout {
            path: path.to_owned(),
            file,
            refresh,
            time,
        }),
        _ => Err(LayoutErrors(errors)),
    }
}

fn validate_panels(file: &LayoutFile, report: &mut dyn FnMut(Option<Range<usize>>, String)) {
    let mut seen_titles: Vec<&str> = Vec::new();
    for (index, panel) in file.panels.iter().enumerate() {
        let title = panel.title.get_ref().as_str();
        if title.trim().is_empty() {
            report(
                Some(panel.title.span()),
                "panel title must not be empty".to_owned(),
            );
        } else if seen_titles.contains(&title) {
            report(
                Some(panel.title.span()),
                format!(
                    "duplicate panel title `{title}`: titles name panels for export and must be unique"
                ),
            );
        }
        seen_titles.push(title);

        let grid = panel.grid.get_ref();
        if grid.w == 0 || grid.h == 0 {
            report(
                Some(panel.grid.span()),
                format!("panel `{title}`: grid w and h must be at least 1"),
            );
        } else if grid.x + grid.w > 24 {
            report(
                Some(panel.grid.span()),
                format!(
                    "panel `{title}`: grid x + w = {} exceeds the 24 columns of the grid",
                    grid.x + grid.w
                ),
            );
        }
        for earlier in &file.panels[..index] {
            if earlier.grid.get_ref().overlaps(grid) {
                report(
                    Some(panel.grid.span()),
                    format!(
                        "panel `{title}` overlaps panel `{}` on the grid",
                        earlier.title.get_ref()
                    ),
                );
            }
        }
        for threshold in &panel.thresholds {
            if threshold_rgb(threshold.color.get_ref()).is_none() {
                report(
                    Some(threshold.color.span()),
                    format!(
                        "unknown colour `{}`: use green, yellow, orange, red, blue, purple, grey or #rrggbb",
                        threshold.color.get_ref()
                    ),
                );
            }
        }
        if panel.queries.is_empty() && panel.kind != super::PanelKind::Alarms {
            report(
                Some(panel.title.span()),
                format!("panel `{title}` has no queries"),
            );
        }
        if panel.queries.is_empty()
            && panel.kind == super::PanelKind::Alarms
            && file.rules.is_empty()
        {
            report(
                Some(panel.title.span()),
                format!(
                    "alarm panel `{title}` has nothing to list: add a query on an alarm source, or [[rules]]"
                ),
            );
        }
        let is_cloudwatch = |query: &super::Query| {
            file.sources
                .get(query.source.get_ref())
                .is_some_and(|s| *s.kind.get_ref() == super::SourceKind::Cloudwatch)
        };
        if panel.kind != super::PanelKind::Alarms {
            for problem in crate::source::cloudwatch::validate_panel(panel, &is_cloudwatch) {
                report(
                    problem.span,
                    format!("panel `{title}`: {}", problem.message),
                );
            }
        }
        for query in &panel.queries {
            if query.derive.is_some() || query.source.get_ref().is_empty() {
                if let Err((span, message)) = crate::derive::validate(query, panel) {
                    report(
                        span.or_else(|| Some(panel.title.span())),
                        format!("panel `{title}`: {message}"),
                    );
                }
                continue;
            }
            let source_name = query.source.get_ref();
            match file.sources.get(source_name) {
                None => {
                    let known: Vec<&str> = file.sources.keys().map(String::as_str).collect();
                    report(
                        Some(query.source.span()),
                        format!(
                            "panel `{title}` refers to undefined source `{source_name}` (defined: {})",
                            if known.is_empty() {
                                "none".to_owned()
                            } else {
                                known.join(", ")
                            }
                        ),
                    );
                }
                Some(source) if panel.kind == super::PanelKind::Alarms => {
                    if let Err(problem) =
                        crate::source::validate_alarm_query(*source.kind.get_ref(), query)
                    {
                        report(
                            problem.span.or_else(|| Some(query.source.span())),
                            format!("panel `{title}`: {}", problem.message),
                        );
                    }
                }
                Some(source) => {
                    if let Err(problem) =
                        crate::source::validate_query(*source.kind.get_ref(), query)
                    {
                        report(
                            problem.span.or_else(|| Some(query.source.span())),
                            format!("panel `{title}`: {}", problem.message),
                        );
                    }
                }
            }
        }
    }
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
fn line_column(text: &str, offset: usize) -> (usize, usize) {
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
