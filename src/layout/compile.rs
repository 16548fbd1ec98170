//! From the file as written to the typed [`Dashboard`]: every check the layout gets,
//! and every string in it parsed once. The messages name the key at fault so
//! `fleetdeck check` can print `file:line:col: message`.

use super::model::{LAYOUT_VERSION, LayoutFile, Panel, PanelKind, Query, QueryRef, SourceKind};
use crate::alarm::rules::Condition;
use crate::dashboard::ids::{
    PanelId, QueryId, SourceId, is_valid_panel_id, positional_query_id, slug,
};
use crate::dashboard::mapping::Mapping;
use crate::dashboard::{Dashboard, PanelSpec, QuerySpec, RuleSpec, Target, Threshold};
use crate::source::SourceSpec;
use crate::time_range::{TimeRange, parse_duration};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

/// Reports one problem: the span of the text at fault (if any) and the message.
pub(crate) type Report<'a> = dyn FnMut(Option<Range<usize>>, String) + 'a;

/// Rows a dashboard may have: far more than any screen, small enough that no
/// arithmetic on positions can overflow.
pub(crate) const MAX_ROWS: u32 = 10_000;
/// Missing data is declared after this long without a sample, unless a rule says.
pub(crate) const DEFAULT_MISSING_AFTER: Duration = Duration::from_secs(5 * 60);

/// Compiles a parsed layout file; every problem goes to `report`. Returns the
/// dashboard only when there was none.
pub(crate) fn compile(
    file: &LayoutFile,
    path: &Path,
    report: &mut Report<'_>,
) -> Option<Dashboard> {
    let mut failed = false;
    let mut report = |span: Option<Range<usize>>, message: String| {
        failed = true;
        report(span, message);
    };
    if *file.version.get_ref() != LAYOUT_VERSION {
        report(
            Some(file.version.span()),
            format!(
                "unsupported layout version {}: this fleetdeck reads version {LAYOUT_VERSION}",
                file.version.get_ref()
            ),
        );
    }
    let refresh = match parse_duration(file.refresh.get_ref()) {
        Ok(duration) if duration >= Duration::from_secs(1) => Some(duration),
        Ok(_) => {
            report(
                Some(file.refresh.span()),
                "refresh must be at least 1s".to_owned(),
            );
            None
        }
        Err(error) => {
            report(Some(file.refresh.span()), format!("refresh: {error}"));
            None
        }
    };
    let time = match TimeRange::parse(file.time.from.get_ref(), file.time.to.get_ref()) {
        Ok(range) => Some(range),
        Err(error) => {
            report(Some(file.time.from.span()), format!("time: {error}"));
            None
        }
    };
    let mut sources = BTreeMap::new();
    let mut concurrency = BTreeMap::new();
    for (name, config) in &file.sources {
        if let Some(limit) = &config.max_concurrency {
            match *limit.get_ref() {
                0 | 65.. => report(
                    Some(limit.span()),
                    format!("source `{name}`: max_concurrency must be between 1 and 64"),
                ),
                n => {
                    concurrency.insert(SourceId::from(name.as_str()), n as usize);
                }
            }
        }
        match crate::source::compile_source(config) {
            Ok(spec) => {
                sources.insert(SourceId::from(name.as_str()), spec);
            }
            Err(problems) => {
                for problem in problems {
                    report(
                        problem.span,
                        format!("source `{name}`: {}", problem.message),
                    );
                }
            }
        }
    }
    let mut operations = Vec::new();
    for name in &file.operations {
        match sources.get(name.get_ref().as_str()).map(SourceSpec::kind) {
            Some(SourceKind::Demo | SourceKind::Sagemaker | SourceKind::Fis) => {
                operations.push(SourceId::from(name.get_ref().as_str()));
            }
            Some(kind) => report(
                Some(name.span()),
                format!(
                    "operations: source `{}` is {}, which reports no operations (demo, sagemaker and fis sources do)",
                    name.get_ref(),
                    kind.name()
                ),
            ),
            None => report(
                Some(name.span()),
                format!("operations: no source `{}` under [sources]", name.get_ref()),
            ),
        }
    }
    let alertmanager = file.alertmanager.as_ref().and_then(|name| {
        match sources.get(name.get_ref().as_str()).map(SourceSpec::kind) {
            Some(SourceKind::Alertmanager) => Some(SourceId::from(name.get_ref().as_str())),
            Some(kind) => {
                report(
                    Some(name.span()),
                    format!(
                        "alertmanager: source `{}` is {}, not an alertmanager source",
                        name.get_ref(),
                        kind.name()
                    ),
                );
                None
            }
            None => {
                report(
                    Some(name.span()),
                    format!(
                        "alertmanager: no source `{}` under [sources]",
                        name.get_ref()
                    ),
                );
                None
            }
        }
    });
    let panels = compile_panels(file, &sources, &mut report);
    let rules = compile_rules(file, &panels, &mut report);
    let slos = crate::slo::compile::compile_slos(&file.slos, &file.sources, &mut report);
    let prices = match crate::derive::prices::Prices::with_overrides(&file.prices) {
        Ok(prices) => Some(prices),
        Err(message) => {
            report(None, message);
            None
        }
    };
    match (refresh, time, prices) {
        (Some(refresh), Some(time), Some(prices)) if !failed => Some(Dashboard {
            path: path.to_owned(),
            title: file.title.clone(),
            refresh,
            time,
            sources,
            concurrency,
            operations,
            alertmanager,
            panels,
            rules,
            slos,
            prices,
            variables: Vec::new(),
            selection: crate::variables::Selection::new(),
            offered: BTreeMap::new(),
            source_text: std::sync::Arc::from(""),
            warnings: Vec::new(),
        }),
        _ => None,
    }
}

fn compile_panels(
    file: &LayoutFile,
    sources: &BTreeMap<SourceId, SourceSpec>,
    report: &mut Report<'_>,
) -> Vec<PanelSpec> {
    let mut seen_titles: BTreeSet<&str> = BTreeSet::new();
    let mut seen_ids: BTreeMap<String, &str> = BTreeMap::new();
    let mut occupancy = super::occupancy::Occupancy::default();
    let mut panels = Vec::new();
    for (index, panel) in file.panels.iter().enumerate() {
        let title = panel.title.get_ref().as_str();
        if title.trim().is_empty() {
            report(
                Some(panel.title.span()),
                "panel title must not be empty".to_owned(),
            );
        } else if seen_titles.contains(title) {
            report(
                Some(panel.title.span()),
                format!(
                    "duplicate panel title `{title}`: titles name panels for export and must be unique"
                ),
            );
        }
        seen_titles.insert(title);
        let id = panel_id(panel, report);
        if let Some(id) = &id {
            if let Some(other) = seen_ids.get(id.as_str()) {
                report(
                    Some(id_span(panel)),
                    format!(
                        "panel `{title}` has the id `{id}` of panel `{other}`: set a distinct `id` on one of them"
                    ),
                );
            } else {
                seen_ids.insert(id.as_str().to_owned(), title);
            }
        }
        check_grid(file, index, panel, &mut occupancy, report);
        let thresholds = compile_thresholds(panel, report);
        if panel.kind == PanelKind::Text && !panel.queries.is_empty() {
            report(
                Some(panel.title.span()),
                format!("text panel `{title}` takes no queries"),
            );
        }
        check_slo_panel(file, panel, report);
        if panel.text.is_some() && panel.kind != PanelKind::Text {
            report(
                Some(panel.title.span()),
                format!("panel `{title}`: `text` needs kind = \"text\""),
            );
        }
        if panel.queries.is_empty()
            && !matches!(
                panel.kind,
                PanelKind::Alarms | PanelKind::Text | PanelKind::Experiments | PanelKind::Slo
            )
        {
            report(
                Some(panel.title.span()),
                format!("panel `{title}` has no queries"),
            );
        }
        if panel.queries.is_empty()
            && panel.kind == PanelKind::Alarms
            && file.rules.is_empty()
            && file.slos.is_empty()
        {
            report(
                Some(panel.title.span()),
                format!(
                    "alarm panel `{title}` has nothing to list: add a query on an alarm source, or [[rules]]"
                ),
            );
        }
        let fleet = super::fleet::compile(panel, report);
        let legend = super::legend::compile(panel, report);
        let queries = compile_queries(file, panel, sources, report);
        let table = super::table::compile(panel, queries.as_deref(), report);
        let mappings = compile_mappings(panel, report);
        let color_scale = match &panel.color_scale {
            Some(scale) if panel.kind != PanelKind::Heatmap => {
                report(
                    Some(scale.span()),
                    format!("panel `{title}`: `color_scale` needs kind = \"heatmap\""),
                );
                Default::default()
            }
            Some(scale) => *scale.get_ref(),
            None => Default::default(),
        };
        let stack = panel.stack.as_ref().is_some_and(|stack| {
            let on = *stack.get_ref();
            if on && panel.kind != PanelKind::Timeseries {
                report(
                    Some(stack.span()),
                    format!("panel `{title}`: `stack` needs kind = \"timeseries\""),
                );
            }
            on && panel.kind == PanelKind::Timeseries
        });
        if let (Some(id), Some(queries)) = (id, queries) {
            let reads = crate::alarm::link::PanelReads::of(panel.kind, &queries);
            panels.push(PanelSpec {
                id,
                title: title.to_owned(),
                kind: panel.kind,
                grid: *panel.grid.get_ref(),
                unit: panel.unit,
                thresholds,
                min: panel.min,
                max: panel.max,
                // A band around a stacked area would stand for the series alone,
                // not where it is drawn: stacked panels fetch none.
                envelope: panel.kind == PanelKind::Timeseries
                    && panel.envelope != Some(false)
                    && !stack,
                stack,
                queries,
                reads,
                waiting_for: panel.waiting_for.clone(),
                text: panel.text.clone(),
                slo: panel.slo.as_ref().map(|name| name.get_ref().clone()),
                fleet,
                legend,
                table,
                mappings,
                color_scale,
            });
        }
    }
    panels
}

/// An SLO panel names one of the layout's objectives and takes no queries; no
/// other panel names one.
fn check_slo_panel(file: &LayoutFile, panel: &Panel, report: &mut Report<'_>) {
    let title = panel.title.get_ref();
    match (&panel.slo, panel.kind == PanelKind::Slo) {
        (None, true) => report(
            Some(panel.title.span()),
            format!("slo panel `{title}`: name the objective it shows with slo = \"…\""),
        ),
        (Some(name), true) if !file.slos.iter().any(|s| s.name.get_ref() == name.get_ref()) => {
            let known: Vec<&str> = file
                .slos
                .iter()
                .map(|s| s.name.get_ref().as_str())
                .collect();
            report(
                Some(name.span()),
                format!(
                    "slo panel `{title}`: no [[slos]] named `{}` (defined: {})",
                    name.get_ref(),
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            );
        }
        (Some(name), false) => report(
            Some(name.span()),
            format!("panel `{title}`: `slo` needs kind = \"slo\""),
        ),
        _ => {}
    }
    if panel.kind == PanelKind::Slo && !panel.queries.is_empty() {
        report(
            Some(panel.title.span()),
            format!("slo panel `{title}` takes no queries: its [[slos]] has them"),
        );
    }
}

/// The span an id problem points at: the `id` key, else the title it came from.
fn id_span(panel: &Panel) -> Range<usize> {
    panel
        .id
        .as_ref()
        .map_or_else(|| panel.title.span(), toml::Spanned::span)
}

/// The panel's explicit `id`, checked, or its title's slug.
fn panel_id(panel: &Panel, report: &mut Report<'_>) -> Option<PanelId> {
    let title = panel.title.get_ref();
    if let Some(id) = &panel.id {
        if !is_valid_panel_id(id.get_ref()) {
            report(
                Some(id.span()),
                format!(
                    "panel id `{}`: use letters, digits, `-`, `_` and `.`",
                    id.get_ref()
                ),
            );
            return None;
        }
        return Some(PanelId::from(id.get_ref().as_str()));
    }
    let derived = slug(title);
    if derived.is_empty() {
        if !title.trim().is_empty() {
            report(
                Some(panel.title.span()),
                format!(
                    "panel `{title}`: its title has no letters or digits to make an id from; set id = \"…\""
                ),
            );
        }
        return None;
    }
    Some(PanelId::from(derived))
}

fn check_grid(
    file: &LayoutFile,
    index: usize,
    panel: &Panel,
    occupancy: &mut super::occupancy::Occupancy,
    report: &mut Report<'_>,
) {
    let title = panel.title.get_ref();
    let grid = panel.grid.get_ref();
    let right = grid.x.checked_add(grid.w);
    let bottom = grid.y.checked_add(grid.h);
    if grid.w == 0 || grid.h == 0 {
        report(
            Some(panel.grid.span()),
            format!("panel `{title}`: grid w and h must be at least 1"),
        );
        return;
    }
    match right {
        Some(right) if right <= 24 => {}
        _ => {
            report(
                Some(panel.grid.span()),
                format!(
                    "panel `{title}`: grid x + w = {} exceeds the 24 columns of the grid",
                    u64::from(grid.x) + u64::from(grid.w)
                ),
            );
            return;
        }
    }
    match bottom {
        Some(bottom) if bottom <= MAX_ROWS => {}
        _ => {
            report(
                Some(panel.grid.span()),
                format!(
                    "panel `{title}`: grid y + h = {} exceeds the {MAX_ROWS} rows a dashboard may have",
                    u64::from(grid.y) + u64::from(grid.h)
                ),
            );
            return;
        }
    }
    // A panel that overlaps is reported against each panel it covers and is not
    // placed itself, so the next one is judged against the panels that fit.
    let overlapped = occupancy.overlapping(grid);
    for &(earlier, _) in &overlapped {
        report(
            Some(panel.grid.span()),
            format!(
                "panel `{title}` overlaps panel `{}` on the grid",
                file.panels[earlier].title.get_ref()
            ),
        );
    }
    if overlapped.is_empty() {
        occupancy.insert(grid, index);
    }
}

fn compile_thresholds(panel: &Panel, report: &mut Report<'_>) -> Vec<Threshold> {
    compile_threshold_list(&panel.thresholds, report)
}

/// A state timeline's mappings: each an exact `value` or a `from`/`to` range
/// (not both), a known colour; only a state timeline takes them.
fn compile_mappings(panel: &Panel, report: &mut Report<'_>) -> Vec<Mapping> {
    use crate::dashboard::mapping::Match;
    let title = panel.title.get_ref();
    if panel.kind != PanelKind::State {
        if let Some(first) = panel.mappings.first() {
            report(
                Some(first.text.span()),
                format!("panel `{title}`: `mappings` needs kind = \"state\""),
            );
        }
        return Vec::new();
    }
    let mut mappings = Vec::new();
    for mapping in &panel.mappings {
        let matches = match (mapping.value, mapping.from, mapping.to) {
            (Some(value), None, None) => Match::Value(value),
            (None, from, to) if from.is_some() || to.is_some() => {
                if let (Some(from), Some(to)) = (from, to)
                    && to <= from
                {
                    report(
                        Some(mapping.text.span()),
                        format!(
                            "panel `{title}`: mapping `{}`: `to` ({to}) must be above `from` ({from})",
                            mapping.text.get_ref()
                        ),
                    );
                }
                Match::Range { from, to }
            }
            _ => {
                report(
                    Some(mapping.text.span()),
                    format!(
                        "panel `{title}`: mapping `{}` takes a `value`, or a range with `from` and/or `to`, not both",
                        mapping.text.get_ref()
                    ),
                );
                continue;
            }
        };
        let Some(rgb) = super::threshold_rgb(mapping.color.get_ref()) else {
            report(
                Some(mapping.color.span()),
                format!(
                    "unknown colour `{}`: use green, yellow, orange, red, blue, purple, grey or #rrggbb",
                    mapping.color.get_ref()
                ),
            );
            continue;
        };
        mappings.push(Mapping {
            matches,
            text: mapping.text.get_ref().clone(),
            rgb,
        });
    }
    mappings
}

/// Threshold colours checked and sorted ascending.
pub(super) fn compile_threshold_list(
    written: &[crate::layout_file::Threshold],
    report: &mut Report<'_>,
) -> Vec<Threshold> {
    let mut thresholds = Vec::new();
    for threshold in written {
        match super::threshold_rgb(threshold.color.get_ref()) {
            Some(rgb) => thresholds.push(Threshold {
                value: threshold.value,
                rgb,
                name: threshold.name.clone(),
            }),
            None => report(
                Some(threshold.color.span()),
                format!(
                    "unknown colour `{}`: use green, yellow, orange, red, blue, purple, grey or #rrggbb",
                    threshold.color.get_ref()
                ),
            ),
        }
    }
    thresholds.sort_by(|a, b| a.value.total_cmp(&b.value));
    thresholds
}

/// A panel's queries, typed; `None` if any failed (each failure reported).
fn compile_queries(
    file: &LayoutFile,
    panel: &Panel,
    sources: &BTreeMap<SourceId, SourceSpec>,
    report: &mut Report<'_>,
) -> Option<Vec<QuerySpec>> {
    let title = panel.title.get_ref();
    let mut ok = true;
    let kind_of = |query: &Query| {
        file.sources
            .get(query.source.get_ref())
            .map(|s| *s.kind.get_ref())
    };
    let is_cloudwatch = |query: &Query| kind_of(query) == Some(SourceKind::Cloudwatch);
    if panel.kind != PanelKind::Alarms {
        for problem in crate::source::cloudwatch::validate_panel(panel, &is_cloudwatch) {
            ok = false;
            report(
                problem.span,
                format!("panel `{title}`: {}", problem.message),
            );
        }
    }
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut queries = Vec::new();
    for (index, query) in panel.queries.iter().enumerate() {
        let id = query
            .id
            .as_ref()
            .map_or_else(|| positional_query_id(index), |id| id.get_ref().clone());
        if !ids.insert(id.clone()) {
            // CloudWatch ids are checked with their own message above.
            if !is_cloudwatch(query) {
                ok = false;
                report(
                    Some(
                        query
                            .id
                            .as_ref()
                            .map_or_else(|| query.source.span(), toml::Spanned::span),
                    ),
                    format!(
                        "panel `{title}`: query id `{id}` is used twice (queries without an id are q1, q2, … by position)"
                    ),
                );
            }
            continue;
        }
        let Some(target) = compile_target(file, panel, query, sources, report) else {
            ok = false;
            continue;
        };
        let fallback_name = match &target {
            Target::Fetch { query, .. } => query.metric_name().map(str::to_owned),
            Target::Derive(_) | Target::Alarms { .. } => None,
        };
        queries.push(QuerySpec {
            id: QueryId::from(id),
            legend: query.legend.clone(),
            unit: query.unit,
            scale: query.scale,
            hidden: query.hidden,
            target,
            fallback_name,
        });
    }
    ok.then_some(queries)
}

fn compile_target(
    file: &LayoutFile,
    panel: &Panel,
    query: &Query,
    sources: &BTreeMap<SourceId, SourceSpec>,
    report: &mut Report<'_>,
) -> Option<Target> {
    let title = panel.title.get_ref();
    if query.derive.is_some() || query.source.get_ref().is_empty() {
        return match crate::derive::compile(query, panel) {
            Ok(expr) => Some(Target::Derive(expr)),
            Err((span, message)) => {
                report(
                    span.or_else(|| Some(panel.title.span())),
                    format!("panel `{title}`: {message}"),
                );
                None
            }
        };
    }
    let source_name = query.source.get_ref();
    let Some(config) = file.sources.get(source_name) else {
        let known: Vec<&str> = file.sources.keys().map(String::as_str).collect();
        report(
            Some(query.source.span()),
            format!(
                "panel `{title}` refers to undefined source `{source_name}` (defined: {})",
                if known.is_empty() {
                    "none".to_owned()
                } else {
                    known.join(", ")
                }
            ),
        );
        return None;
    };
    let source = SourceId::from(source_name.as_str());
    let kind = *config.kind.get_ref();
    let compiled = if panel.kind == PanelKind::Alarms {
        crate::source::compile_alarm_query(kind, query).map(|filter| Target::Alarms {
            source: source.clone(),
            filter,
        })
    } else {
        let same_kind = |q: &Query| {
            file.sources
                .get(q.source.get_ref())
                .map(|s| *s.kind.get_ref())
                == Some(kind)
        };
        crate::source::compile_query(kind, query, panel, &same_kind).map(|compiled| Target::Fetch {
            source: source.clone(),
            query: compiled,
        })
    };
    match compiled {
        // A source whose table failed to compile was reported already.
        Ok(target) if sources.contains_key(&source) => Some(target),
        Ok(_) => None,
        Err(problem) => {
            report(
                problem.span.or_else(|| Some(query.source.span())),
                format!("panel `{title}`: {}", problem.message),
            );
            None
        }
    }
}

fn compile_rules(
    file: &LayoutFile,
    panels: &[PanelSpec],
    report: &mut Report<'_>,
) -> Vec<RuleSpec> {
    super::rules::validate_rules(file, report);
    let mut names = BTreeSet::new();
    let mut rules = Vec::new();
    for rule in &file.rules {
        let name = rule.name.get_ref();
        if !names.insert(name.as_str()) {
            report(
                Some(rule.name.span()),
                format!("rule `{name}` is defined twice: rule names must be unique"),
            );
            continue;
        }
        let Some(panel) = panels.iter().find(|p| &p.title == rule.panel.get_ref()) else {
            continue; // reported by validate_rules, or the panel itself failed
        };
        let query = match rule.query.get_ref() {
            QueryRef::Index(index) => panel.queries.get(*index).map(|q| q.id.clone()),
            QueryRef::Id(id) => panel
                .query(&QueryId::from(id.as_str()))
                .map(|q| q.id.clone()),
        };
        let Some(query) = query else {
            continue; // reported by validate_rules
        };
        let (above, threshold) = match (rule.above, rule.below) {
            (Some(value), None) => (true, value),
            (None, Some(value)) => (false, value),
            _ => continue, // reported by validate_rules
        };
        let duration = |d: &Option<toml::Spanned<String>>| {
            d.as_ref().and_then(|d| parse_duration(d.get_ref()).ok())
        };
        rules.push(RuleSpec {
            name: name.clone(),
            panel: panel.id.clone(),
            query,
            condition: Condition {
                above,
                threshold,
                clear: rule.clear.unwrap_or(threshold),
                for_ms: duration(&rule.for_duration).map_or(0, |d| d.as_millis() as i64),
                missing: rule.missing,
                missing_after_ms: duration(&rule.missing_after)
                    .unwrap_or(DEFAULT_MISSING_AFTER)
                    .as_millis() as i64,
            },
            severity: rule.severity.clone(),
            summary: rule.summary.clone(),
        });
    }
    rules
}
