//! What goes into the Debian package, checked on every run (the package itself is
//! built by `scripts/package`, a release build too slow for CI): every file the
//! package metadata names exists, the man pages and completions come out of the
//! binary for every subcommand, the desktop entry, icon and metainfo agree on one
//! id, and `--version` names the commit.

use std::path::Path;
use std::process::Command;

fn fleetdeck(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn deb_metadata() -> toml::Table {
    let manifest: toml::Table = std::fs::read_to_string("Cargo.toml")
        .unwrap()
        .parse()
        .unwrap();
    manifest["package"]["metadata"]["deb"]
        .as_table()
        .unwrap()
        .clone()
}

#[test]
fn every_file_the_package_names_is_in_the_tree_or_made_by_the_package_script() {
    let deb = deb_metadata();
    let script = std::fs::read_to_string("scripts/package").unwrap();
    for asset in deb["assets"].as_array().unwrap() {
        let source = asset[0].as_str().unwrap();
        if source.starts_with("target/release/") {
            assert!(script.contains("cargo build --release"), "{source}");
        } else if let Some(made) = source.strip_prefix("target/package/") {
            // Made by `fleetdeck manual` or the script's own steps.
            let first = made.split('/').next().unwrap();
            assert!(
                ["man", "completions", "fleetdeck-wall.service"].contains(&first),
                "{source} is made by nothing"
            );
        } else if source.contains('*') {
            let (dir, pattern) = source.rsplit_once('/').unwrap();
            let suffix = pattern.trim_start_matches('*');
            let matches = std::fs::read_dir(dir)
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .ends_with(suffix)
                })
                .count();
            assert!(matches > 0, "{source} matches nothing");
        } else {
            assert!(Path::new(source).is_file(), "{source} is missing");
        }
    }
    let changelog = deb["changelog"].as_str().unwrap();
    let first = std::fs::read_to_string(changelog).unwrap();
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        first.starts_with(&format!("fleetdeck ({version}-1)")),
        "the changelog's first entry is not this version {version}: {first}"
    );
}

#[test]
fn man_pages_and_completions_cover_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = fleetdeck(&["manual", "--out", dir.path().to_str().unwrap()]);
    assert!(ok, "{stderr}");
    let (_, help, _) = fleetdeck(&["--help"]);
    let subcommands: Vec<&str> = help
        .lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert!(subcommands.contains(&"discover"), "{help}");
    for name in &subcommands {
        let page = dir.path().join(format!("man/fleetdeck-{name}.1"));
        let text =
            std::fs::read_to_string(&page).unwrap_or_else(|_| panic!("no man page for {name}"));
        assert!(text.contains(".TH"), "{} is no man page", page.display());
    }
    let main_page = std::fs::read_to_string(dir.path().join("man/fleetdeck.1")).unwrap();
    assert!(main_page.contains("discover"));
    let bash = std::fs::read_to_string(dir.path().join("completions/fleetdeck.bash")).unwrap();
    let zsh = std::fs::read_to_string(dir.path().join("completions/_fleetdeck")).unwrap();
    let fish = std::fs::read_to_string(dir.path().join("completions/fleetdeck.fish")).unwrap();
    for (shell, text) in [("bash", &bash), ("zsh", &zsh), ("fish", &fish)] {
        for name in &subcommands {
            assert!(text.contains(name), "the {shell} completion lacks {name}");
        }
        assert!(
            text.contains("prometheus"),
            "the {shell} completion lacks discover's flags"
        );
        // The hidden packaging step is not offered to a user.
        assert!(
            !text.contains("manual"),
            "the {shell} completion offers the hidden `manual`"
        );
        assert!(
            text.contains("fullscreen"),
            "the {shell} completion lacks the window's own flags"
        );
    }
}

#[test]
fn the_desktop_entry_icon_and_metainfo_name_one_application() {
    let id = "io.github.fleetdeck.fleetdeck";
    let desktop = std::fs::read_to_string(format!("assets/{id}.desktop")).unwrap();
    assert!(desktop.contains("\nExec=fleetdeck %f\n"));
    assert!(desktop.contains(&format!("\nIcon={id}\n")));
    assert!(Path::new(&format!("assets/{id}.svg")).is_file());
    let metainfo = std::fs::read_to_string(format!("assets/{id}.metainfo.xml")).unwrap();
    assert!(metainfo.contains(&format!("<id>{id}</id>")));
    assert!(metainfo.contains(&format!(
        "<launchable type=\"desktop-id\">{id}.desktop</launchable>"
    )));
    assert!(metainfo.contains(&format!(
        "<release version=\"{}\"",
        env!("CARGO_PKG_VERSION")
    )));
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let (ok, stdout, _) = fleetdeck(&["--version"]);
    assert!(ok);
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .unwrap();
    let head = String::from_utf8_lossy(&head.stdout).trim().to_owned();
    assert_eq!(
        stdout.trim(),
        format!("fleetdeck {} ({head})", env!("CARGO_PKG_VERSION"))
    );
}
