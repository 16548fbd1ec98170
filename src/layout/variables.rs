//! The layout's side of template variables: compiling `[variables.NAME]`, and
//! checking that every `$name` is defined and every variable is used, each
//! problem with the file, line and column `fleetdeck check` prints.

use super::compile::Report;
use super::model::LayoutFile;
use crate::variables::VariableSpec;
use crate::variables::expand::{references_in, uses};
use crate::variables::spec::compile_variable;
use std::collections::BTreeSet;

/// The layout's variables, checked; problems go to `report`.
pub(crate) fn compile_variables(file: &LayoutFile, report: &mut Report<'_>) -> Vec<VariableSpec> {
    let mut specs = Vec::new();
    for (name, variable) in &file.variables {
        match compile_variable(name, variable.get_ref(), variable.span(), &file.sources) {
            Ok(spec) => specs.push(spec),
            Err(problems) => {
                for problem in problems {
                    report(Some(problem.span), problem.message);
                }
            }
        }
    }
    specs
}

/// Reports every reference to an undefined variable (an error) and returns a
/// warning for every variable nothing refers to.
pub(crate) fn check_references(
    file: &LayoutFile,
    report: &mut Report<'_>,
) -> Vec<(std::ops::Range<usize>, String)> {
    let defined: BTreeSet<&str> = file.variables.keys().map(String::as_str).collect();
    let mut used: BTreeSet<String> = crate::variables::substitute::names(&file.title)
        .map(str::to_owned)
        .collect();
    for panel in &file.panels {
        for (span, name) in references_in(panel) {
            if !defined.contains(name.as_str()) {
                report(
                    Some(span),
                    format!(
                        "panel `{}`: undefined variable `${name}`: define it under [variables.{name}]",
                        panel.title.get_ref()
                    ),
                );
            }
        }
        if let Some(repeat) = &panel.repeat
            && !defined.contains(repeat.get_ref().as_str())
        {
            report(
                Some(repeat.span()),
                format!(
                    "panel `{}`: repeat names the undefined variable `{}`",
                    panel.title.get_ref(),
                    repeat.get_ref()
                ),
            );
        }
        used.extend(uses(panel));
    }
    for name in crate::variables::substitute::names(&file.title) {
        if !defined.contains(name) {
            report(
                None,
                format!("title: undefined variable `${name}`: define it under [variables.{name}]"),
            );
        }
    }
    file.variables
        .iter()
        .filter(|(name, _)| !used.contains(*name))
        .map(|(name, variable)| {
            (
                variable.span(),
                format!("variable `{name}` is defined but no panel, legend or title uses it"),
            )
        })
        .collect()
}
