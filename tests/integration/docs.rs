//! The guide cannot drift from the code: every TOML example in `README.md` and
//! `docs/` is a whole file that `fleetdeck check` accepts, and `ARCHITECTURE.md`
//! names every module under `src/`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One fenced ```toml block: where it is, and its text.
struct Example {
    file: PathBuf,
    line: usize,
    text: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The guide's Markdown files: the README and everything in `docs/`.
fn guide_files() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// Every ```toml block of `file`.
fn toml_examples(file: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut examples = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let fence = line.trim_start();
        match &mut open {
            None if fence.starts_with("```toml") => open = Some((index + 2, String::new())),
            Some(_) if fence.starts_with("```") => {
                let (line, text) = open.take().unwrap();
                examples.push(Example {
                    file: file.to_owned(),
                    line,
                    text,
                });
            }
            Some((_, body)) => {
                // Examples inside list items are indented with the item.
                body.push_str(line.strip_prefix("  ").unwrap_or(line));
                body.push('\n');
            }
            None => {}
        }
    }
    assert!(
        open.is_none(),
        "{}: an unclosed ```toml block",
        file.display()
    );
    examples
}

#[test]
fn every_toml_example_in_the_guide_passes_check() {
    let examples: Vec<Example> = guide_files()
        .iter()
        .flat_map(|f| toml_examples(f))
        .collect();
    assert!(
        examples.len() >= 10,
        "only {} TOML examples found in the guide",
        examples.len()
    );
    // Playlists name layouts relative to themselves (`../demo-fleet.toml`), as
    // the shipped ones in `layouts/walls/` do: they are checked from a `walls/`
    // folder beside links to the shipped layouts.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("walls")).unwrap();
    for entry in std::fs::read_dir(root().join("layouts")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::os::unix::fs::symlink(&path, dir.path().join(path.file_name().unwrap())).unwrap();
        }
    }
    let mut failures = Vec::new();
    for (index, example) in examples.iter().enumerate() {
        let is_playlist = example.text.contains("[[pages]]");
        let folder = if is_playlist {
            dir.path().join("walls")
        } else {
            dir.path().to_owned()
        };
        let path = folder.join(format!("example-{index}.toml"));
        std::fs::write(&path, &example.text).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .arg("check")
            .arg(&path)
            .output()
            .unwrap();
        if !output.status.success() {
            failures.push(format!(
                "{}:{}: {}{}",
                example.file.strip_prefix(root()).unwrap().display(),
                example.line,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples fail `fleetdeck check`:\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
}

#[test]
fn a_broken_example_would_be_caught() {
    // The extraction and the check above must be able to fail: a block with an
    // unknown key is found and refused.
    let dir = tempfile::tempdir().unwrap();
    let guide = dir.path().join("guide.md");
    std::fs::write(
        &guide,
        "text\n\n```toml\nversion = 1\ntitle = \"x\"\nrefesh = \"5s\"\n```\n",
    )
    .unwrap();
    let examples = toml_examples(&guide);
    assert_eq!(examples.len(), 1);
    assert_eq!(examples[0].line, 4);
    let layout = dir.path().join("x.toml");
    std::fs::write(&layout, &examples[0].text).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
        .arg("check")
        .arg(&layout)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let words = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(words.contains("refesh"), "{words}");
}

#[test]
fn architecture_names_every_module() {
    let architecture = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    let src = root().join("src");
    let mut missing = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path.strip_prefix(&src).unwrap();
            // A folder's `mod.rs` is named by the folder (`poll/`); `lib.rs` is the crate.
            let name = match relative.file_name().unwrap().to_str().unwrap() {
                "lib.rs" => continue,
                "mod.rs" => format!("`{}/`", relative.parent().unwrap().display()),
                _ => format!("`{}`", relative.display()),
            };
            if !architecture.contains(&name) {
                missing.push(name);
            }
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md does not name: {}",
        missing.join(", ")
    );
}

/// The compiled model stays the bottom floor: no module imports one that imports
/// it back (a constant of the poller's once made `dashboard/` import `poll/`).
#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new("python3")
        .arg(root.join("scripts/architecture-report"))
        .current_dir(root)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{report}");
    for section in [
        "## Import circles between files (library)\nnone",
        "## Import circles between top-level modules\nnone",
    ] {
        assert!(report.contains(section), "{report}");
    }
}
