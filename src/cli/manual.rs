//! `fleetdeck manual --out DIR`: the man pages (one per subcommand) and the bash,
//! zsh and fish completions, written from the same argument definitions the
//! binary parses, so they cannot drift from it. The package script calls it.

use anyhow::{Context, Result};
use clap_complete::Shell;
use std::path::Path;
use std::process::ExitCode;

/// Writes `DIR/man/fleetdeck*.1` and `DIR/completions/{fleetdeck.bash, _fleetdeck,
/// fleetdeck.fish}`.
pub fn manual(command: clap::Command, out: &Path) -> Result<ExitCode> {
    let man = out.join("man");
    let completions = out.join("completions");
    for dir in [&man, &completions] {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    clap_mangen::generate_to(command.clone(), &man)
        .with_context(|| format!("cannot write man pages into {}", man.display()))?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let mut command = command.clone();
        clap_complete::generate_to(shell, &mut command, "fleetdeck", &completions)
            .with_context(|| format!("cannot write the {shell} completion"))?;
    }
    println!("wrote {} and {}", man.display(), completions.display());
    Ok(ExitCode::SUCCESS)
}
