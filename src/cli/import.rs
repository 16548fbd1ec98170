//! `fleetdeck import grafana DASHBOARD.json [--source …] [-o layout.toml]`: the
//! layout to stdout (or a file, written atomically), the report to stderr.

use anyhow::{Context, Result};
use fleetdeck::import::grafana::{SourceChoices, import};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn grafana(file: &Path, sources: &[String], output: Option<&PathBuf>) -> Result<ExitCode> {
    let mut choices = SourceChoices::default();
    for source in sources {
        choices.add(source)?;
    }
    let json =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let imported = import(&json, &choices).with_context(|| file.display().to_string())?;
    eprintln!("{}", imported.report);
    match output {
        Some(path) => {
            fleetdeck::persist::write_atomically(path, imported.text.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{}", imported.text),
    }
    Ok(ExitCode::SUCCESS)
}
