//! A problem with a layout file, pointing at where it is: what `check` prints,
//! what a compile refuses a layout with, and what a dashboard warns about.

use std::fmt;
use std::path::PathBuf;

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
