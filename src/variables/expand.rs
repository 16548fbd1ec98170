//! A layout for one selection: every `$name` written in, escaped for where it
//! goes, and every `repeat` panel drawn once per value. The result is an ordinary
//! parsed layout, so the one compile step checks it; spans are kept, so a problem
//! in a substituted query still points at the line that wrote it.

use super::selection::Selected;
use super::spec::VariableSpec;
use super::substitute::{Bound, Context, names, references, render, substitute};
use crate::dashboard::ids::slug;
use crate::layout_file::{LayoutFile, Panel, Query};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use toml::Spanned;

/// Columns a repeated copy keeps at least, so a long list wraps instead of
/// squeezing every copy to a sliver.
pub(crate) const MIN_REPEAT_WIDTH: u32 = 4;

/// The variables a layout defines with what is chosen for each; a variable with
/// nothing chosen yet (its values are still being fetched) is absent from `bound`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bindings {
    /// Chosen values of each variable.
    pub bound: Bound,
    /// Every defined variable's name.
    pub defined: BTreeSet<String>,
    /// The values each variable offers, where known (to repeat a panel for All).
    pub options: BTreeMap<String, Vec<String>>,
}

impl Bindings {
    /// Binds `selected` to `spec`.
    pub(crate) fn bind(&mut self, spec: VariableSpec, selected: Selected) {
        self.bound.insert(spec.name.clone(), (spec, selected));
    }

    /// The values a repeat draws for `name`: the chosen ones, or every known one
    /// for All.
    fn repeat_values(&self, name: &str) -> Option<Vec<String>> {
        match self.bound.get(name)? {
            (_, Selected::Values(values)) => Some(values.clone()),
            (spec, Selected::All) => self
                .options
                .get(name)
                .cloned()
                .or_else(|| spec.fixed_options().map(<[String]>::to_vec)),
        }
    }
}

/// `file` with the bindings written in and repeats expanded.
pub(crate) fn expand(file: &LayoutFile, bindings: &Bindings) -> LayoutFile {
    let mut out = file.clone();
    out.title = substitute(&file.title, &bindings.bound, Context::Text);
    out.panels = Vec::with_capacity(file.panels.len());
    // Rows added by repeats so far: every panel below a repeat moves down.
    let mut shifts: Vec<(u32, u32)> = Vec::new();
    for panel in &file.panels {
        let copies = panel.repeat.as_ref().and_then(|name| {
            Some((
                name.get_ref().clone(),
                bindings.repeat_values(name.get_ref())?,
            ))
        });
        let shift: u32 = shifts
            .iter()
            .filter(|(bottom, _)| panel.grid.get_ref().y >= *bottom)
            .map(|(_, rows)| rows)
            .sum();
        match copies {
            Some((name, values)) if !values.is_empty() => {
                let grid = *panel.grid.get_ref();
                let width = (grid.w / values.len() as u32)
                    .max(MIN_REPEAT_WIDTH)
                    .min(grid.w);
                let per_row = (grid.w / width).max(1);
                let rows = (values.len() as u32).div_ceil(per_row);
                for (index, value) in values.iter().enumerate() {
                    let index = index as u32;
                    let mut bound = bindings.bound.clone();
                    if let Some((_, selected)) = bound.get_mut(&name) {
                        *selected = Selected::Values(vec![value.clone()]);
                    }
                    let mut copy = expand_panel(panel, &bound, bindings);
                    let mut at = grid;
                    at.x = grid.x + (index % per_row) * width;
                    at.y = grid.y + shift + (index / per_row) * grid.h;
                    at.w = width;
                    copy.grid = Spanned::new(panel.grid.span(), at);
                    let base = panel
                        .id
                        .as_ref()
                        .map_or_else(|| slug(panel.title.get_ref()), |id| id.get_ref().clone());
                    let id_span = panel.id.as_ref().map_or(panel.title.span(), Spanned::span);
                    copy.id = Some(Spanned::new(id_span, format!("{base}-{}", slug(value))));
                    if !names(panel.title.get_ref()).any(|n| n == name) {
                        copy.title = Spanned::new(
                            panel.title.span(),
                            format!("{} ({value})", copy.title.get_ref()),
                        );
                    }
                    out.panels.push(copy);
                }
                if rows > 1 {
                    shifts.push((grid.bottom(), (rows - 1) * grid.h));
                }
            }
            _ => {
                let mut copy = expand_panel(panel, &bindings.bound, bindings);
                let mut at = *panel.grid.get_ref();
                at.y = at.y.saturating_add(shift);
                copy.grid = Spanned::new(panel.grid.span(), at);
                out.panels.push(copy);
            }
        }
    }
    out
}

/// One panel with `bound` written in; marks it waiting when it uses a variable
/// that has no value yet.
fn expand_panel(panel: &Panel, bound: &Bound, bindings: &Bindings) -> Panel {
    let mut copy = panel.clone();
    copy.waiting_for = uses(panel)
        .into_iter()
        .find(|name| bindings.defined.contains(name) && !bound.contains_key(name))
        .or_else(|| {
            let name = panel.repeat.as_ref()?.get_ref();
            bindings
                .repeat_values(name)
                .is_none_or(|v| v.is_empty())
                .then(|| name.clone())
        });
    copy.title = text(&panel.title, bound);
    // Its id comes from the title as written, so choosing a value keeps the
    // panel's identity (its history, acknowledgements and data).
    if panel.id.is_none() && copy.title.get_ref() != panel.title.get_ref() {
        copy.id = Some(Spanned::new(
            panel.title.span(),
            slug(panel.title.get_ref()),
        ));
    }
    copy.queries = panel
        .queries
        .iter()
        .map(|q| expand_query(q, bound))
        .collect();
    copy
}

fn text(value: &Spanned<String>, bound: &Bound) -> Spanned<String> {
    Spanned::new(
        value.span(),
        substitute(value.get_ref(), bound, Context::Text),
    )
}

fn expand_query(query: &Query, bound: &Bound) -> Query {
    let mut copy = query.clone();
    let spanned = |value: &Option<Spanned<String>>| value.as_ref().map(|v| text(v, bound));
    copy.promql = query
        .promql
        .as_ref()
        .map(|p| Spanned::new(p.span(), substitute(p.get_ref(), bound, Context::PromQl)));
    copy.metric = spanned(&query.metric);
    copy.namespace = spanned(&query.namespace);
    copy.stat = spanned(&query.stat);
    copy.period = spanned(&query.period);
    copy.expression = spanned(&query.expression);
    copy.sql = spanned(&query.sql);
    copy.legend = query
        .legend
        .as_ref()
        .map(|l| substitute(l, bound, Context::Text));
    copy.alarm_prefix = query
        .alarm_prefix
        .as_ref()
        .map(|p| substitute(p, bound, Context::Text));
    copy.labels = matchers(&query.labels, bound, &mut copy.choices);
    copy.dimensions = matchers(&query.dimensions, bound, &mut copy.choices);
    copy
}

/// Demo labels and CloudWatch dimensions: a value that is exactly one variable
/// set to All becomes `*`; set to several values, `*` with those values as the
/// only ones allowed; anything else is text.
fn matchers(
    written: &BTreeMap<String, String>,
    bound: &Bound,
    choices: &mut BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, String> {
    written
        .iter()
        .map(|(key, value)| {
            let whole = match references(value).as_slice() {
                [(range, name)] if *range == (0..value.len()) => bound.get(*name),
                _ => None,
            };
            let value = match whole {
                Some((_, Selected::All)) => crate::source::cloudwatch::query::WILDCARD.to_owned(),
                Some((_, Selected::Values(values))) if values.len() > 1 => {
                    choices.insert(key.clone(), values.clone());
                    crate::source::cloudwatch::query::WILDCARD.to_owned()
                }
                Some((spec, selected)) => render(spec, selected, Context::Text),
                None => substitute(value, bound, Context::Text),
            };
            (key.clone(), value)
        })
        .collect()
}

/// Every variable a panel's text refers to (title, queries, repeat).
pub(crate) fn uses(panel: &Panel) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = references_in(panel).into_iter().map(|(_, n)| n).collect();
    names.extend(panel.repeat.as_ref().map(|r| r.get_ref().clone()));
    names
}

/// Every reference in a panel's text, with the span of the key it is in (the
/// title's where the key keeps none).
pub(crate) fn references_in(panel: &Panel) -> Vec<(Range<usize>, String)> {
    let title_span = panel.title.span();
    let mut texts: Vec<(Range<usize>, &str)> = vec![(title_span.clone(), panel.title.get_ref())];
    for query in &panel.queries {
        let spanned = [
            &query.promql,
            &query.metric,
            &query.namespace,
            &query.stat,
            &query.period,
            &query.expression,
            &query.sql,
        ];
        texts.extend(
            spanned
                .into_iter()
                .flatten()
                .map(|value| (value.span(), value.get_ref().as_str())),
        );
        let plain = query
            .legend
            .iter()
            .chain(&query.alarm_prefix)
            .chain(query.labels.values())
            .chain(query.dimensions.values());
        texts.extend(plain.map(|value| (title_span.clone(), value.as_str())));
    }
    texts
        .into_iter()
        .flat_map(|(span, text)| names(text).map(move |name| (span.clone(), name.to_owned())))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::layout::{Choices, GridPos, compile_text};
    use crate::variables::{Selected, Selection};
    use std::path::Path;

    const LAYOUT: &str = r#"version = 1
title = "Serving"

[sources.fleet]
kind = "demo"

[variables.model]
source = "fleet"
query = "label_values(vllm:num_requests_running, model_name)"
multi = true
include_all = true

[[panels]]
title = "Running $model"
grid = { x = 0, y = 0, w = 24, h = 8 }
repeat = "model"
  [[panels.queries]]
  source = "fleet"
  metric = "vllm:num_requests_running"
  labels = { model_name = "$model" }

[[panels]]
title = "Waiting"
grid = { x = 0, y = 8, w = 24, h = 6 }
  [[panels.queries]]
  source = "fleet"
  metric = "vllm:num_requests_waiting"
  labels = { model_name = "$model" }
"#;

    fn compile(selection: &[(&str, Selected)], options: &[&str]) -> crate::dashboard::Dashboard {
        let choices = Choices {
            selection: selection
                .iter()
                .map(|(n, s)| (n.to_string(), s.clone()))
                .collect::<Selection>(),
            options: [(
                "model".to_owned(),
                options.iter().map(|s| s.to_string()).collect(),
            )]
            .into(),
        };
        compile_text(LAYOUT, Path::new("t.toml"), &choices).unwrap_or_else(|e| panic!("{e}"))
    }

    fn models(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("model-{i}")).collect()
    }

    #[test]
    fn a_repeat_shares_the_row_and_wraps_pushing_the_panels_below_down() {
        let names = models(8);
        let options: Vec<&str> = names.iter().map(String::as_str).collect();
        let dashboard = compile(&[], &options);
        let repeated: Vec<(&str, GridPos)> = dashboard
            .panels
            .iter()
            .map(|p| (p.id.as_str(), p.grid))
            .collect();
        assert_eq!(repeated.len(), 9);
        // 8 copies of at least 4 columns: 6 on the first row, 2 on the second.
        assert_eq!(
            repeated[0],
            (
                "running-model-model-0",
                GridPos {
                    x: 0,
                    y: 0,
                    w: 4,
                    h: 8
                }
            )
        );
        assert_eq!(
            repeated[5].1,
            GridPos {
                x: 20,
                y: 0,
                w: 4,
                h: 8
            }
        );
        assert_eq!(
            repeated[6].1,
            GridPos {
                x: 0,
                y: 8,
                w: 4,
                h: 8
            }
        );
        assert_eq!(dashboard.panels[0].title, "Running model-0");
        assert_eq!(
            repeated[8],
            (
                "waiting",
                GridPos {
                    x: 0,
                    y: 16,
                    w: 24,
                    h: 6
                }
            )
        );
    }

    #[test]
    fn two_chosen_values_draw_two_half_width_copies() {
        let chosen = Selected::Values(vec!["model-1".into(), "model-3".into()]);
        let dashboard = compile(&[("model", chosen)], &["model-1", "model-2", "model-3"]);
        let grids: Vec<GridPos> = dashboard.panels.iter().map(|p| p.grid).collect();
        assert_eq!(
            grids,
            [
                GridPos {
                    x: 0,
                    y: 0,
                    w: 12,
                    h: 8
                },
                GridPos {
                    x: 12,
                    y: 0,
                    w: 12,
                    h: 8
                },
                GridPos {
                    x: 0,
                    y: 8,
                    w: 24,
                    h: 6
                },
            ]
        );
    }

    #[test]
    fn panels_wait_until_a_query_variable_has_values() {
        let mut text = LAYOUT.replace("include_all = true", "");
        text = text.replace("multi = true", "");
        let dashboard = compile_text(&text, Path::new("t.toml"), &Choices::default()).unwrap();
        assert!(
            dashboard
                .panels
                .iter()
                .all(|p| p.waiting_for.as_deref() == Some("model"))
        );
        assert!(dashboard.selection.is_empty());
    }
}
