//! One Explore query as the user types it, and the queries of a dashboard panel
//! in that form ("Explore" on a panel opens with them).

use crate::dashboard::{Dashboard, PanelId};
use crate::edit::document::{Entry, LayoutDocument};
use crate::layout::SourceKind;

/// A query typed into Explore.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExploreQuery {
    /// The source's name in the layout.
    pub source: String,
    /// For a Prometheus source, the PromQL expression; for any other, the query's
    /// keys as a layout writes them (`metric = "…"`, one per line).
    pub text: String,
}

impl ExploreQuery {
    /// A query of `source` with `text`.
    pub(crate) fn new(source: impl Into<String>, text: impl Into<String>) -> ExploreQuery {
        ExploreQuery {
            source: source.into(),
            text: text.into(),
        }
    }

    /// The body of its `[[panels.queries]]` table (after `source = …`), for a
    /// source of `kind`.
    pub(crate) fn body(&self, kind: SourceKind) -> String {
        match kind {
            SourceKind::Prometheus => format!("promql = {}\n", quoted(self.text.trim())),
            _ => {
                let mut body = self.text.trim().to_owned();
                body.push('\n');
                body
            }
        }
    }

    /// The query as edit mode adds it to a layout ("Add to layout").
    pub(crate) fn as_new_query(&self, kind: SourceKind) -> crate::edit::new_panel::NewQuery {
        use crate::edit::new_panel::NewQuery;
        match kind {
            SourceKind::Prometheus => NewQuery::PromQl(self.text.trim().to_owned()),
            _ => NewQuery::Keys(self.text.clone()),
        }
    }

    /// Whether there is nothing to run.
    pub(crate) fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// A TOML basic string holding `text`.
pub(crate) fn quoted(text: &str) -> String {
    toml_edit::Value::from(text).to_string()
}

/// Whether sources of `kind` answer queries for series (not alarms or
/// operations only).
pub(crate) fn can_query(kind: SourceKind) -> bool {
    !matches!(
        kind,
        SourceKind::Alertmanager | SourceKind::Sagemaker | SourceKind::Fis
    )
}

/// What a query of a source of `kind` starts as when Explore opens empty.
pub(crate) fn starter_text(kind: SourceKind) -> String {
    match kind {
        SourceKind::Prometheus => "up".to_owned(),
        SourceKind::Demo => "metric = \"vllm:num_requests_running\"".to_owned(),
        SourceKind::Cloudwatch => "namespace = \"AWS/SageMaker\"\nmetric = \"Invocations\"\n\
             dimensions = { EndpointName = \"*\" }\nstat = \"Sum\""
            .to_owned(),
        SourceKind::Costexplorer => "granularity = \"DAILY\"".to_owned(),
        SourceKind::Alertmanager | SourceKind::Sagemaker | SourceKind::Fis => String::new(),
    }
}

/// The fetched queries of panel `panel` as Explore shows them, from the layout's
/// text (so `$variables` stay as written): derived and alarm queries are left
/// out, and so are keys that only style a Prometheus series (its legend).
pub(crate) fn from_panel(dashboard: &Dashboard, panel: &PanelId) -> Vec<ExploreQuery> {
    let Ok(document) = LayoutDocument::parse(&dashboard.source_text) else {
        return Vec::new();
    };
    let id = panel.as_str();
    (0..document.query_count(id))
        .filter_map(|index| {
            let entries = document.query_entries(id, index);
            let text_of = |key: &str| {
                entries.iter().find_map(|(k, entry)| match entry {
                    Entry::Text(text) if k == key => Some(text.clone()),
                    _ => None,
                })
            };
            let source = text_of("source")?;
            let kind = dashboard.sources.get(source.as_str())?.kind();
            if !can_query(kind) {
                return None;
            }
            let text = match kind {
                SourceKind::Prometheus => text_of("promql")?,
                _ => entries
                    .iter()
                    .filter(|(key, _)| !matches!(key.as_str(), "source" | "id" | "hidden"))
                    .map(|(key, entry)| match entry {
                        Entry::Text(text) => format!("{key} = {}", quoted(text)),
                        Entry::Toml(toml) => format!("{key} = {toml}"),
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            };
            Some(ExploreQuery { source, text })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::demo_layout as demo;

    #[test]
    fn a_panel_opens_in_explore_with_its_queries_as_written() {
        let dashboard = demo();
        let panel = dashboard
            .panel_by_title("p99 end-to-end latency by model")
            .unwrap();
        let queries = from_panel(&dashboard, &panel.id);
        assert_eq!(queries.len(), 1);
        assert_eq!(queries[0].source, "fleet");
        assert!(
            queries[0]
                .text
                .contains("metric = \"vllm:e2e_request_latency_seconds\""),
            "{}",
            queries[0].text
        );
        assert!(
            queries[0].text.contains("quantile = 0.99"),
            "{}",
            queries[0].text
        );
    }

    #[test]
    fn promql_is_written_as_a_toml_string_whatever_it_holds() {
        let query = ExploreQuery::new("prom", "sum by (model) (rate(x{a=\"b\\\\c\"}[5m]))\n");
        let body = query.body(SourceKind::Prometheus);
        let parsed: toml::Table = toml::from_str(&body).unwrap();
        assert_eq!(
            parsed["promql"].as_str().unwrap(),
            "sum by (model) (rate(x{a=\"b\\\\c\"}[5m]))"
        );
    }
}
