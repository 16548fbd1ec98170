//! What an import did, panel by panel, for stderr: converted, approximated (and
//! how), dropped, or left as a placeholder (and why); then the counts.

use std::fmt;

/// How one panel came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Drawn by fleetdeck (perhaps with approximations, listed in `notes`).
    Converted,
    /// A text panel in its place saying what it was and why it is not drawn.
    Placeholder(String),
    /// A row header, kept as a one-row text panel.
    Row,
}

/// One panel's line in the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelReport {
    /// Its title in fleetdeck.
    pub title: String,
    /// Its type in the source dashboard.
    pub from_type: String,
    /// How it came through.
    pub outcome: Outcome,
    /// What was approximated (and how) or dropped.
    pub notes: Vec<String>,
}

/// The whole import's report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Panels, nested ones included, in the dashboard's order.
    pub panels: Vec<PanelReport>,
    /// About the dashboard as a whole: sources, variables, time.
    pub general: Vec<String>,
}

impl Report {
    /// Panels drawn by fleetdeck.
    pub fn converted(&self) -> usize {
        self.count(|o| *o == Outcome::Converted)
    }

    /// Panels left as placeholders.
    pub fn placeholders(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Placeholder(_)))
    }

    /// Row headers kept.
    pub fn rows(&self) -> usize {
        self.count(|o| *o == Outcome::Row)
    }

    /// Converted panels with at least one approximation or drop.
    pub(crate) fn approximated(&self) -> usize {
        self.panels
            .iter()
            .filter(|p| p.outcome == Outcome::Converted && !p.notes.is_empty())
            .count()
    }

    fn count(&self, keep: impl Fn(&Outcome) -> bool) -> usize {
        self.panels.iter().filter(|p| keep(&p.outcome)).count()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in &self.general {
            writeln!(f, "{line}")?;
        }
        for panel in &self.panels {
            let outcome = match &panel.outcome {
                Outcome::Converted if panel.notes.is_empty() => "converted".to_owned(),
                Outcome::Converted => "converted, with approximations".to_owned(),
                Outcome::Placeholder(why) => format!("placeholder: {why}"),
                Outcome::Row => "row header kept as a text panel".to_owned(),
            };
            writeln!(
                f,
                "panel `{}` ({}): {outcome}",
                panel.title, panel.from_type
            )?;
            for note in &panel.notes {
                writeln!(f, "  - {note}")?;
            }
        }
        write!(
            f,
            "{} panels: {} converted ({} with approximations), {} placeholders, {} row headers",
            self.panels.len(),
            self.converted(),
            self.approximated(),
            self.placeholders(),
            self.rows()
        )
    }
}
