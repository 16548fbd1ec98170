//! `fleetdeck manual --out DIR`: the man pages (one per subcommand) and the bash,
//! zsh and fish completions, written from the same argument definitions the
//! binary parses, so they cannot drift from it. The package script calls it.

use anyhow::{Context, Result};
use clap_complete::Shell;
use std::path::Path;
use std::process::ExitCode;

/// Writes `DIR/man/fleetdeck*.1` and `DIR/completions/{fleetdeck.bash, _fleetdeck,
/// fleetdeck.fish}`; `version` is the one `--version` prints.
pub fn manual(command: clap::Command, version: &'static str, out: &Path) -> Result<ExitCode> {
    let man = out.join("man");
    let completions = out.join("completions");
    for dir in [&man, &completions] {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    clap_mangen::generate_to(command.clone(), &man)
        .with_context(|| format!("cannot write man pages into {}", man.display()))?;
    let offered = without_hidden_subcommands(&command, version);
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let mut command = offered.clone();
        clap_complete::generate_to(shell, &mut command, "fleetdeck", &completions)
            .with_context(|| format!("cannot write the {shell} completion"))?;
    }
    println!("wrote {} and {}", man.display(), completions.display());
    Ok(ExitCode::SUCCESS)
}

/// `command` as a shell should complete it: clap_complete (4.6) offers hidden
/// subcommands too, such as this one, which only packaging runs. clap cannot
/// take a subcommand out, so the command is put together again without them.
fn without_hidden_subcommands(command: &clap::Command, version: &'static str) -> clap::Command {
    let mut offered = clap::Command::new("fleetdeck")
        .version(version)
        .args_conflicts_with_subcommands(command.is_args_conflicts_with_subcommands_set());
    for arg in command.get_arguments() {
        offered = offered.arg(arg.clone());
    }
    for subcommand in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        offered = offered.subcommand(subcommand.clone());
    }
    offered
}
