//! What is chosen for each variable, and where a choice comes from: the command
//! line (`--var endpoint=a`), the file that keeps it per layout across restarts, a
//! click in the top bar, or the layout's `default`.

use super::spec::VariableSpec;
pub use crate::dashboard::variables::{Selected, Selection};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The value that stands for every value.
pub(crate) const ALL: &str = "All";

impl Selected {
    /// `["All"]` is All; anything else the values themselves.
    pub(crate) fn from_values(values: Vec<String>) -> Selected {
        if values.iter().any(|v| v == ALL) {
            Selected::All
        } else {
            Selected::Values(values)
        }
    }

    /// As written to a file or a command line.
    pub(crate) fn to_values(&self) -> Vec<String> {
        match self {
            Selected::All => vec![ALL.to_owned()],
            Selected::Values(values) => values.clone(),
        }
    }

    /// Shown in the top bar and in titles: `All`, or the values joined.
    pub(crate) fn display(&self) -> String {
        match self {
            Selected::All => ALL.to_owned(),
            Selected::Values(values) => values.join(", "),
        }
    }
}

/// What a variable's value is for a compile: chosen, or not known yet (its values
/// come from a server that has not answered, and nothing was chosen before).
pub(crate) fn resolve(
    spec: &VariableSpec,
    chosen: Option<&Selected>,
    options: Option<&[String]>,
) -> Option<Selected> {
    let options = options.or(spec.fixed_options());
    let fits = |selected: &Selected| -> Option<Selected> {
        match selected {
            Selected::All if spec.include_all => Some(Selected::All),
            Selected::All => None,
            Selected::Values(values) => {
                let mut kept: Vec<String> = values
                    .iter()
                    .filter(|v| options.is_none_or(|known| known.contains(v)))
                    .cloned()
                    .collect();
                if !spec.multi {
                    kept.truncate(1);
                }
                (!kept.is_empty()).then_some(Selected::Values(kept))
            }
        }
    };
    let default = (!spec.default.is_empty()).then(|| Selected::from_values(spec.default.clone()));
    chosen
        .and_then(fits)
        .or_else(|| default.as_ref().and_then(fits))
        .or_else(|| spec.include_all.then_some(Selected::All))
        .or_else(|| {
            let first = options?.first()?;
            Some(Selected::Values(vec![first.clone()]))
        })
}

/// `name=value` from the command line; a name given twice collects both values.
pub fn parse_assignments(assignments: &[String]) -> Result<Selection, String> {
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for assignment in assignments {
        let Some((name, value)) = assignment.split_once('=') else {
            return Err(format!(
                "--var `{assignment}`: write name=value (repeat it for several values)"
            ));
        };
        values
            .entry(name.trim().to_owned())
            .or_default()
            .push(value.to_owned());
    }
    Ok(values
        .into_iter()
        .map(|(name, values)| (name, Selected::from_values(values)))
        .collect())
}

/// `variables/<layout path with / as _>.json` in the state directory: the
/// selection of each layout, kept across restarts.
pub fn saved_path(layout_path: &Path) -> Option<PathBuf> {
    let name = crate::persist::file_name_for(layout_path);
    Some(
        crate::persist::state_dir()?
            .join("variables")
            .join(format!("{name}.json")),
    )
}

/// The saved file's contents.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct SavedSelection {
    version: u32,
    selection: BTreeMap<String, Vec<String>>,
}

/// Reads a saved selection; none when the file is missing (an unreadable one is
/// set aside, see [`crate::persist::read_json`]).
pub fn read_saved(path: &Path) -> Selection {
    crate::persist::read_json::<SavedSelection>(path, "variable selection")
        .filter(|saved| saved.version == 1)
        .map(|saved| {
            saved
                .selection
                .into_iter()
                .map(|(name, values)| (name, Selected::from_values(values)))
                .collect()
        })
        .unwrap_or_default()
}

/// The bytes of a saved selection.
pub(crate) fn to_saved_bytes(selection: &Selection) -> Vec<u8> {
    let saved = SavedSelection {
        version: 1,
        selection: selection
            .iter()
            .map(|(name, selected)| (name.clone(), selected.to_values()))
            .collect(),
    };
    serde_json::to_vec_pretty(&saved).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::variables::spec::VariableKind;

    fn spec(multi: bool, include_all: bool, default: &[&str]) -> VariableSpec {
        VariableSpec {
            name: "endpoint".to_owned(),
            label: "endpoint".to_owned(),
            kind: VariableKind::Fixed(vec!["a".into(), "b".into(), "c".into()]),
            multi,
            include_all,
            default: default.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn values(v: &[&str]) -> Selected {
        Selected::Values(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn a_choice_wins_over_the_default_and_unknown_values_are_dropped() {
        let s = spec(true, false, &["a"]);
        assert_eq!(
            resolve(&s, Some(&values(&["b", "x"])), None),
            Some(values(&["b"]))
        );
        assert_eq!(
            resolve(&s, Some(&values(&["x"])), None),
            Some(values(&["a"]))
        );
        assert_eq!(resolve(&s, None, None), Some(values(&["a"])));
    }

    #[test]
    fn single_select_keeps_one_value_and_all_needs_include_all() {
        let s = spec(false, false, &[]);
        assert_eq!(
            resolve(&s, Some(&values(&["c", "b"])), None),
            Some(values(&["c"]))
        );
        assert_eq!(
            resolve(&s, Some(&Selected::All), None),
            Some(values(&["a"]))
        );
        let with_all = spec(false, true, &[]);
        assert_eq!(resolve(&with_all, None, None), Some(Selected::All));
    }

    #[test]
    fn a_query_variable_waits_for_its_values_unless_something_was_chosen() {
        let mut s = spec(false, false, &[]);
        s.kind = VariableKind::Query {
            source: "prom".into(),
            query: crate::variables::OptionsQuery::LabelValues {
                selector: None,
                label: "model".into(),
            },
        };
        assert_eq!(resolve(&s, None, None), None);
        assert_eq!(
            resolve(&s, Some(&values(&["m"])), None),
            Some(values(&["m"]))
        );
        let known = ["n".to_owned()];
        assert_eq!(resolve(&s, None, Some(&known)), Some(values(&["n"])));
    }

    #[test]
    fn command_line_assignments_collect_repeated_names() {
        let parsed = parse_assignments(&["e=a".into(), "e=b".into(), "m=All".into()]).unwrap();
        assert_eq!(parsed["e"], values(&["a", "b"]));
        assert_eq!(parsed["m"], Selected::All);
        assert!(parse_assignments(&["novalue".into()]).is_err());
    }

    #[test]
    fn a_saved_selection_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.json");
        let mut selection = Selection::new();
        selection.insert("e".into(), values(&["a|b", "c"]));
        selection.insert("m".into(), Selected::All);
        std::fs::write(&path, to_saved_bytes(&selection)).unwrap();
        assert_eq!(read_saved(&path), selection);
    }
}
