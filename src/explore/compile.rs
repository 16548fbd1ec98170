//! An Explore pane's queries made into a one-panel dashboard by the layout's own
//! compile step: the layout's sources, variables and prices, and one time series
//! panel holding the queries. So a query is checked exactly as a layout's is,
//! fetched by a [`crate::session::Session`] like any panel, and a secret stays
//! the environment variable or file the layout names.

use super::ExploreQuery;
use crate::dashboard::{Dashboard, PanelId};
use crate::layout::Choices;
use std::path::Path;

/// Keys of the layout kept for Explore: what its queries can refer to.
const KEPT_KEYS: [&str; 4] = ["version", "sources", "variables", "prices"];

/// The title of an Explore pane's panel.
pub(crate) const PANE_TITLE: &str = "Explore";

/// Why a pane's queries cannot run, said per query where the compile step gives
/// a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExploreError(pub String);

impl std::fmt::Display for ExploreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The dashboard that runs `queries` with `base`'s sources, as panel `pane`,
/// compiled for `choices` (the window's variables).
pub(crate) fn compile(
    base: &Dashboard,
    pane: &PanelId,
    queries: &[ExploreQuery],
    choices: &Choices,
) -> Result<Dashboard, ExploreError> {
    let (text, starts) = layout_text(base, pane, queries)?;
    crate::layout::compile_text(&text, Path::new("<explore>"), choices).map_err(|errors| {
        let lines: Vec<String> = errors
            .0
            .iter()
            .map(|error| match error.position {
                Some((line, column)) => match starts.iter().rposition(|&start| start <= line) {
                    Some(index) => format!(
                        "query {}, line {}, column {column}: {}",
                        index + 1,
                        line - starts[index] + 1,
                        error.message
                    ),
                    None => error.message.clone(),
                },
                None => error.message.clone(),
            })
            .collect();
        ExploreError(lines.join("\n"))
    })
}

/// The layout text, and the 1-based line each query's typed text starts on.
fn layout_text(
    base: &Dashboard,
    pane: &PanelId,
    queries: &[ExploreQuery],
) -> Result<(String, Vec<usize>), ExploreError> {
    let mut document: toml_edit::DocumentMut = base
        .source_text
        .parse()
        .map_err(|error| ExploreError(format!("the layout does not parse: {error}")))?;
    let dropped: Vec<String> = document
        .iter()
        .map(|(key, _)| key.to_owned())
        .filter(|key| !KEPT_KEYS.contains(&key.as_str()))
        .collect();
    for key in dropped {
        document.remove(&key);
    }
    document["title"] = toml_edit::value(PANE_TITLE);
    let mut text = document.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!(
        "\n[[panels]]\nid = {}\ntitle = {}\ngrid = {{ x = 0, y = 0, w = 24, h = 8 }}\n",
        super::query::quoted(pane.as_str()),
        super::query::quoted(PANE_TITLE)
    ));
    let mut starts = Vec::new();
    for query in queries.iter().filter(|q| !q.is_blank()) {
        let kind = base
            .sources
            .get(query.source.as_str())
            .map(crate::source::SourceSpec::kind)
            .ok_or_else(|| ExploreError(format!("no source `{}` in the layout", query.source)))?;
        text.push_str(&format!(
            "[[panels.queries]]\nsource = {}\n",
            super::query::quoted(&query.source)
        ));
        starts.push(text.lines().count() + 1);
        text.push_str(&query.body(kind));
    }
    if starts.is_empty() {
        return Err(ExploreError("type a query to run".to_owned()));
    }
    Ok((text, starts))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::explore::demo_layout as demo;

    #[test]
    fn a_query_compiles_to_one_panel_on_the_layouts_source() {
        let base = demo();
        let pane = PanelId::from("_explore-a");
        let queries = [ExploreQuery::new(
            "fleet",
            "metric = \"vllm:num_requests_waiting\"\nby = [\"model_name\"]",
        )];
        let dashboard = compile(&base, &pane, &queries, &Choices::default()).unwrap();
        assert_eq!(dashboard.panels.len(), 1);
        assert_eq!(dashboard.panels[0].id, pane);
        assert_eq!(dashboard.panels[0].queries.len(), 1);
        assert!(dashboard.rules.is_empty(), "the layout's rules stay out");
        assert_eq!(dashboard.sources, base.sources);
    }

    #[test]
    fn a_mistake_is_told_at_its_line_in_the_query() {
        let base = demo();
        let queries = [
            ExploreQuery::new("fleet", "metric = \"vllm:num_requests_waiting\""),
            ExploreQuery::new("fleet", "metric = \"x\"\nquantile = \"high\""),
        ];
        let error = compile(
            &base,
            &PanelId::from("_explore-a"),
            &queries,
            &Choices::default(),
        )
        .unwrap_err();
        assert!(error.0.starts_with("query 2, line 2, column"), "{error}");
    }

    #[test]
    fn an_unknown_source_and_nothing_typed_are_refused() {
        let base = demo();
        let pane = PanelId::from("_explore-a");
        let unknown = [ExploreQuery::new("nowhere", "up")];
        assert_eq!(
            compile(&base, &pane, &unknown, &Choices::default())
                .unwrap_err()
                .0,
            "no source `nowhere` in the layout"
        );
        let blank = [ExploreQuery::new("fleet", "  ")];
        assert_eq!(
            compile(&base, &pane, &blank, &Choices::default())
                .unwrap_err()
                .0,
            "type a query to run"
        );
    }
}
