//! Finding and switching dashboards without the command line: the layouts in the
//! `layouts/` folder (and the current layout's folder), recently opened files,
//! the built-in demo, and a new empty layout. Listing and opening read the disk,
//! so both run on the runtime; the window picks up the answers.

use crate::background::{Slot, Wake, in_background, take};
use crate::dashboard::Dashboard;
use crate::layout::{LayoutErrors, load_layout, parse_layout};
use crate::variables::Selection;
use crate::variables::selection::{read_saved, saved_path};
use std::path::{Path, PathBuf};

/// The simulated fleet's layout, built in so `fleetdeck` runs anywhere.
pub const BUILTIN_DEMO_TEXT: &str = include_str!("../layouts/demo-fleet.toml");
/// What the built-in demo is called where a path would be.
pub const BUILTIN_DEMO_NAME: &str = "<built-in demo-fleet.toml>";
/// What a new layout is called until it is saved.
pub(crate) const NEW_LAYOUT_NAME: &str = "<new layout>";
/// A new layout: an empty grid on the simulated fleet, ready for "Add panel".
pub(crate) const NEW_LAYOUT_TEXT: &str = r#"# A new layout: add panels in edit mode (e), then Save as… to give it a file.
version = 1
title = "New layout"
refresh = "10s"
time = { from = "now-1h", to = "now" }

[sources.fleet]
kind = "demo"
seed = 42
"#;
/// Recent files kept.
pub(crate) const MAX_RECENT: usize = 10;

/// A layout the picker can open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A layout file.
    File(PathBuf),
    /// The built-in demo.
    BuiltinDemo,
    /// A new, empty layout.
    New,
    /// A Grafana dashboard (JSON), imported; it opens in edit mode, unsaved.
    Grafana(PathBuf),
    /// What a server or AWS account holds, discovered, written as a new layout
    /// file in the layouts folder and opened.
    Discover(crate::discover::Targets),
}

/// One line of the picker.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// The file.
    pub path: PathBuf,
    /// Its title, when it reads as a layout.
    pub title: Option<String>,
    /// Whether it was opened recently (listed first).
    pub recent: bool,
}

/// `recent.json` in the state directory.
pub(crate) fn recent_path() -> Option<PathBuf> {
    Some(crate::persist::state_dir()?.join("recent.json"))
}

/// The recently opened files, newest first.
pub(crate) fn read_recent(path: &Path) -> Vec<PathBuf> {
    crate::persist::read_json::<Vec<PathBuf>>(path, "recent layouts").unwrap_or_default()
}

/// `recent` with `opened` first, at most [`MAX_RECENT`], as bytes to save.
pub(crate) fn remember(recent: &[PathBuf], opened: &Path) -> (Vec<PathBuf>, Vec<u8>) {
    let opened = std::fs::canonicalize(opened).unwrap_or_else(|_| opened.to_owned());
    let mut list = vec![opened.clone()];
    list.extend(recent.iter().filter(|p| **p != opened).cloned());
    list.truncate(MAX_RECENT);
    let bytes = serde_json::to_vec_pretty(&list).unwrap_or_default();
    (list, bytes)
}

/// Every layout in `folders` (`*.toml`, not descending) and the `recent` files,
/// recent first, each with its title. Blocking.
pub(crate) fn list(folders: &[PathBuf], recent: &[PathBuf]) -> Vec<Entry> {
    let mut entries: Vec<Entry> = recent
        .iter()
        .filter(|path| path.is_file())
        .map(|path| Entry {
            path: path.clone(),
            title: title_of(path),
            recent: true,
        })
        .collect();
    let mut found: Vec<PathBuf> = folders
        .iter()
        .filter_map(|folder| std::fs::read_dir(folder).ok())
        .flatten()
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "toml") && path.is_file())
        .collect();
    found.sort();
    found.dedup();
    for path in found {
        let absolute = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if entries.iter().any(|e| e.path == absolute || e.path == path) {
            continue;
        }
        if let Some(title) = title_of(&path) {
            entries.push(Entry {
                path,
                title: Some(title),
                recent: false,
            });
        }
    }
    entries
}

/// The `title` of a layout file; `None` for a file that is not a layout (a wall
/// playlist, say).
fn title_of(path: &Path) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Titled {
        version: u32,
        title: String,
    }
    let text = std::fs::read_to_string(path).ok()?;
    let titled: Titled = toml::from_str::<toml::Table>(&text)
        .ok()
        .and_then(|table| toml::Value::Table(table).try_into().ok())?;
    (titled.version == 1).then_some(titled.title)
}

/// A layout read for opening, with the variable selection kept for it.
pub(crate) struct Opened {
    /// The compiled layout, or why it was refused.
    pub dashboard: Result<Dashboard, LayoutErrors>,
    /// The variable selection kept for it.
    pub selection: Selection,
    /// Where its selection is kept.
    pub selection_path: Option<PathBuf>,
    /// For an import: the summary of what came through (the full report goes
    /// to the log).
    pub imported: Option<String>,
    /// A line to show above the dashboard (what discovery found and wrote).
    pub notice: Option<String>,
}

/// Reads and compiles `target` (blocking).
pub(crate) fn open(target: &Target) -> Opened {
    match target {
        Target::File(path) => {
            let selection_path = saved_path(path);
            Opened {
                dashboard: load_layout(path),
                selection: selection_path
                    .as_deref()
                    .map(read_saved)
                    .unwrap_or_default(),
                selection_path,
                imported: None,
                notice: None,
            }
        }
        Target::BuiltinDemo => unsaved(
            parse_layout(BUILTIN_DEMO_TEXT, Path::new(BUILTIN_DEMO_NAME)),
            None,
        ),
        Target::New => unsaved(
            parse_layout(NEW_LAYOUT_TEXT, Path::new(NEW_LAYOUT_NAME)),
            None,
        ),
        Target::Grafana(path) => import_grafana(path),
        Target::Discover(targets) => discover_into_folder(targets, &layouts_folder()),
    }
}

fn unsaved(dashboard: Result<Dashboard, LayoutErrors>, imported: Option<String>) -> Opened {
    Opened {
        dashboard,
        selection: Selection::new(),
        selection_path: None,
        imported,
        notice: None,
    }
}

/// What an imported layout is called until it is saved.
pub(crate) fn imported_name(path: &Path) -> String {
    format!(
        "<imported {}>",
        path.file_name().unwrap_or_default().to_string_lossy()
    )
}

/// Imports a Grafana dashboard file (blocking); the report goes to the log.
fn import_grafana(path: &Path) -> Opened {
    let refused = |message: String| {
        let error = crate::layout::LayoutError {
            path: path.to_owned(),
            position: None,
            message,
        };
        unsaved(Err(LayoutErrors(vec![error])), None)
    };
    let json = match std::fs::read_to_string(path) {
        Ok(json) => json,
        Err(error) => return refused(format!("cannot read: {error}")),
    };
    match crate::import::grafana::import(&json, &crate::import::grafana::SourceChoices::default()) {
        Ok(imported) => {
            tracing::info!("import of {}:\n{}", path.display(), imported.report);
            let report = &imported.report;
            let summary = format!(
                "imported {}: {} of {} panels converted ({} with approximations), {} placeholders, {} row headers; sources marked FILL IN need your server; Save as… to keep it",
                path.display(),
                report.converted(),
                report.panels.len(),
                report.approximated(),
                report.placeholders(),
                report.rows()
            );
            let name = imported_name(path);
            unsaved(
                parse_layout(&imported.text, Path::new(&name)),
                Some(summary),
            )
        }
        Err(error) => refused(error.to_string()),
    }
}

/// Where the window writes new layouts: `layouts/` where fleetdeck was started
/// when there is one (a checkout), else `$XDG_CONFIG_HOME/fleetdeck/layouts`.
pub(crate) fn layouts_folder() -> PathBuf {
    let here = PathBuf::from("layouts");
    if here.is_dir() {
        return here;
    }
    std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
        .map_or(here, |config| config.join("fleetdeck").join("layouts"))
}

/// `discovered-HOST.toml` in `folder`, numbered past any file already there.
fn discovered_path(folder: &Path, targets: &crate::discover::Targets) -> PathBuf {
    let host = targets
        .prometheus
        .as_deref()
        .map(|url| {
            let rest = url.split("://").nth(1).unwrap_or(url);
            rest.split(['/', '?']).next().unwrap_or(rest).to_owned()
        })
        .or_else(|| targets.cloudwatch.as_ref().map(|c| c.region.clone()))
        .unwrap_or_default();
    let stem: String = format!("discovered-{host}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    (1..)
        .map(|n| match n {
            1 => folder.join(format!("{stem}.toml")),
            n => folder.join(format!("{stem}-{n}.toml")),
        })
        .find(|path| !path.exists())
        .unwrap_or_else(|| folder.join(format!("{stem}.toml")))
}

/// Discovers what `targets` hold on the runtime this blocking task belongs to,
/// writes the layout atomically as a new file in `folder`, and opens it; the
/// report goes to the log, its first lines to the notice.
fn discover_into_folder(targets: &crate::discover::Targets, folder: &Path) -> Opened {
    let refused = |message: String| {
        let error = crate::layout::LayoutError {
            path: PathBuf::from("<discover>"),
            position: None,
            message,
        };
        unsaved(Err(LayoutErrors(vec![error])), None)
    };
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return refused("discovery needs the window's runtime".to_owned());
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    let discovered = match runtime.block_on(crate::discover::discover(
        targets,
        "Discovered fleet",
        now_ms,
    )) {
        Ok(discovered) => discovered,
        Err(error) => return refused(format!("discovery: {error}")),
    };
    tracing::info!("discovery:\n{}", discovered.report);
    let path = discovered_path(folder, targets);
    if let Err(error) = std::fs::create_dir_all(folder)
        .and_then(|()| crate::persist::write_atomically(&path, discovered.text.as_bytes()))
    {
        return refused(format!("cannot write {}: {error}", path.display()));
    }
    let mut opened = open(&Target::File(path.clone()));
    opened.notice = Some(format!(
        "discovered {} with {} requests; wrote {} (edit it freely)",
        discovered.recognised.join(", "),
        discovered.requests,
        path.display()
    ));
    opened
}

/// How the window starts when no layout is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// A new user (no state directory yet): the simulated fleet, with the ways in.
    FirstRun,
    /// The layout opened last.
    Last(PathBuf),
    /// The default layout.
    Default,
}

/// The file in the state directory that says the first-run window was seen.
pub fn welcomed_path() -> Option<PathBuf> {
    Some(crate::persist::state_dir()?.join("welcomed"))
}

/// Decides how to start without a layout named: first run when the state
/// directory does not exist (closing the first-run window creates it, with the
/// [`welcomed_path`] mark), else the most recently opened layout that still
/// exists. Reads the disk: call it before the window opens.
pub fn start() -> Start {
    let Some(state) = crate::persist::state_dir() else {
        return Start::Default;
    };
    if !state.exists() {
        return Start::FirstRun;
    }
    let recent = recent_path().map(|p| read_recent(&p)).unwrap_or_default();
    match recent.into_iter().find(|path| path.is_file()) {
        Some(path) => Start::Last(path),
        None => Start::Default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovered_files_are_named_after_the_server_and_never_replace_one() {
        let dir = tempfile::tempdir().unwrap();
        let targets = crate::discover::Targets {
            prometheus: Some("http://prom.internal:9090/prometheus".to_owned()),
            cloudwatch: None,
        };
        let first = discovered_path(dir.path(), &targets);
        assert_eq!(first, dir.path().join("discovered-prom-internal-9090.toml"));
        std::fs::write(&first, "kept").unwrap();
        let second = discovered_path(dir.path(), &targets);
        assert_eq!(
            second,
            dir.path().join("discovered-prom-internal-9090-2.toml")
        );
    }

    #[test]
    fn the_folder_lists_layouts_with_titles_recent_first_and_skips_other_toml() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.toml"), "version = 1\ntitle = \"Bee\"\n").unwrap();
        std::fs::write(dir.path().join("a.toml"), "version = 1\ntitle = \"Ay\"\n").unwrap();
        std::fs::write(
            dir.path().join("wall.toml"),
            "[[pages]]\nlayout = \"a.toml\"\n",
        )
        .unwrap();
        let recent = std::fs::canonicalize(dir.path().join("b.toml")).unwrap();
        let entries = list(&[dir.path().to_owned()], std::slice::from_ref(&recent));
        let shown: Vec<(Option<&str>, bool)> = entries
            .iter()
            .map(|e| (e.title.as_deref(), e.recent))
            .collect();
        assert_eq!(shown, [(Some("Bee"), true), (Some("Ay"), false)]);
    }

    #[test]
    fn remembering_puts_the_file_first_once() {
        let a = PathBuf::from("/x/a.toml");
        let b = PathBuf::from("/x/b.toml");
        let (list, _) = remember(&[a.clone(), b.clone()], &b);
        assert_eq!(list, [b, a]);
    }

    #[test]
    fn the_new_layout_and_the_builtin_demo_compile() {
        assert!(open(&Target::New).dashboard.unwrap().panels.is_empty());
        assert!(
            !open(&Target::BuiltinDemo)
                .dashboard
                .unwrap()
                .panels
                .is_empty()
        );
    }
}

/// The picker's side of the window: the listing, a layout being opened, and a
/// switch waiting for the user to say what happens to unsaved edits.
#[derive(Default)]
pub(crate) struct PickerState {
    listing: Option<Slot<(Vec<PathBuf>, Vec<Entry>)>>,
    /// What the folder and the recent list hold, once listed.
    pub entries: Option<Vec<Entry>>,
    recent: Vec<PathBuf>,
    opening: Option<Slot<Opened>>,
    /// A layout to open once the user decided about the unsaved edits.
    pub pending: Option<Target>,
    /// Where discovered layouts are written; empty: [`layouts_folder`].
    pub layouts_folder: PathBuf,
}

impl PickerState {
    /// Lists `folders` and the recent files on the runtime.
    pub(crate) fn refresh(
        &mut self,
        runtime: &tokio::runtime::Handle,
        wake: Wake,
        folders: Vec<PathBuf>,
    ) {
        self.entries = None;
        self.listing = Some(in_background(runtime, wake, move || {
            let recent = recent_path().map(|p| read_recent(&p)).unwrap_or_default();
            let entries = list(&folders, &recent);
            (recent, entries)
        }));
    }

    /// Reads `target` on the runtime, to show it when read.
    pub(crate) fn start_open(
        &mut self,
        runtime: &tokio::runtime::Handle,
        wake: Wake,
        target: Target,
    ) {
        let folder = if self.layouts_folder.as_os_str().is_empty() {
            None
        } else {
            Some(self.layouts_folder.clone())
        };
        self.opening = Some(in_background(runtime, wake, move || {
            match (&target, folder) {
                (Target::Discover(targets), Some(folder)) => discover_into_folder(targets, &folder),
                _ => open(&target),
            }
        }));
    }

    /// Picks up a finished listing; returns a layout that finished opening.
    pub(crate) fn take_answers(&mut self) -> Option<Opened> {
        if let Some((recent, entries)) = self.listing.as_ref().and_then(take) {
            self.listing = None;
            self.recent = recent;
            self.entries = Some(entries);
        }
        let opened = self.opening.as_ref().and_then(take)?;
        self.opening = None;
        Some(opened)
    }

    /// Notes that `path` was opened; returns the recent list's new bytes and path.
    pub(crate) fn opened(&mut self, path: &Path) -> Option<(PathBuf, Vec<u8>)> {
        let (list, bytes) = remember(&self.recent, path);
        self.recent = list;
        Some((recent_path()?, bytes))
    }
}
