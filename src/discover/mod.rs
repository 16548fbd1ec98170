//! `fleetdeck discover`: ask a Prometheus-compatible server or an AWS account
//! what it holds, recognise the AI-fleet components it serves (by the metric
//! names their exporters publish), and write a layout for them — an overview
//! row, a section per component, variables from the labels found, default rules
//! — with a report of what was and was not recognised.
//!
//! The server is asked little whatever its size (`probe`): the names once, the
//! largest families where it keeps the count, then only for what was recognised.

mod catalog;
mod draft;
mod probe;
mod report;
mod sections;
mod write;

pub use catalog::{COMPONENTS, Component, Role};

use crate::import::toml_text::quoted;
use crate::layout::{LayoutErrors, parse_layout};
use crate::source::{SourceError, build_source};
use std::path::Path;

/// Where to look.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    /// A Prometheus-compatible server's URL.
    pub prometheus: Option<String>,
    /// An AWS account through CloudWatch.
    pub cloudwatch: Option<CloudWatchTarget>,
}

/// An AWS account and region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloudWatchTarget {
    /// Region (`us-east-1`: where billing metrics live).
    pub region: String,
    /// A profile of `~/.aws/config`, if not the default chain.
    pub profile: Option<String>,
    /// Another endpoint (an emulator).
    pub endpoint_url: Option<String>,
}

impl CloudWatchTarget {
    /// `REGION[:PROFILE]`, as `--cloudwatch` takes it.
    pub fn parse(text: &str) -> Result<CloudWatchTarget, DiscoverError> {
        let (region, profile) = match text.split_once(':') {
            Some((region, profile)) => (region, Some(profile.to_owned())),
            None => (text, None),
        };
        if region.is_empty()
            || !region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(DiscoverError::Target(format!(
                "--cloudwatch {text}: expected REGION[:PROFILE], e.g. us-east-1 or us-east-1:prod-readonly"
            )));
        }
        Ok(CloudWatchTarget {
            region: region.to_owned(),
            profile: profile.filter(|p| !p.is_empty()),
            endpoint_url: None,
        })
    }
}

/// What discovery produced.
#[derive(Debug, Clone)]
pub struct Discovered {
    /// The layout's text; it compiles (checked before it is returned).
    pub text: String,
    /// What was recognised and what was not, per server.
    pub report: String,
    /// The components recognised, by id.
    pub recognised: Vec<&'static str>,
    /// Requests made to all servers.
    pub requests: u32,
}

/// Why discovery could not write a layout.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// Nothing to look at, or a target that does not parse.
    #[error("{0}")]
    Target(String),
    /// A server could not be asked.
    #[error("{server}: {error}")]
    Server {
        /// Which.
        server: String,
        /// Why.
        error: SourceError,
    },
    /// Nothing fleetdeck knows was found.
    #[error("nothing fleetdeck knows was found\n{report}")]
    NothingFound {
        /// What was there instead.
        report: String,
    },
    /// The written layout does not compile: a defect of discovery.
    #[error("the discovered layout does not compile (a fleetdeck bug): {0}")]
    Invalid(LayoutErrors),
}

/// Asks `targets` what they hold and writes a layout titled `title` for it. Runs
/// on the current tokio runtime; `now_ms` is the clock's now.
pub async fn discover(
    targets: &Targets,
    title: &str,
    now_ms: i64,
) -> Result<Discovered, DiscoverError> {
    if targets.prometheus.is_none() && targets.cloudwatch.is_none() {
        return Err(DiscoverError::Target(
            "name a server: --prometheus URL and/or --cloudwatch REGION[:PROFILE]".to_owned(),
        ));
    }
    let sources = sources_text(targets);
    // The sources compiled as a layout would compile them: the same checks, clients
    // and limits the written layout will use.
    let header = write::layout(title, "", &sources, &[]);
    let dashboard =
        parse_layout(&header, Path::new("<discover>")).map_err(DiscoverError::Invalid)?;
    let mut sections = Vec::new();
    let mut report = String::new();
    let mut recognised = Vec::new();
    let mut requests = 0;
    let mut nothing = true;
    for (name, spec) in &dashboard.sources {
        let source = build_source(spec);
        let (address, probed) = if name.as_str() == draft::PROMETHEUS {
            let address = targets.prometheus.clone().unwrap_or_default();
            let probed = probe::prometheus(source.as_ref(), now_ms).await;
            (address, probed)
        } else {
            let target = targets.cloudwatch.clone().unwrap_or_default();
            let address = format!("CloudWatch in {}", target.region);
            let probed = probe::cloudwatch(source.as_ref(), &target.region, now_ms).await;
            (address, probed)
        };
        let probed = probed.map_err(|error| DiscoverError::Server {
            server: address.clone(),
            error,
        })?;
        let drafted: Vec<_> = probed.found.iter().map(sections::draft).collect();
        report.push_str(&report::server(&address, &probed, &drafted));
        requests += probed.requests;
        nothing &= probed.found.is_empty();
        recognised.extend(probed.found.iter().map(|f| f.component.id));
        sections.extend(drafted);
    }
    if nothing {
        return Err(DiscoverError::NothingFound { report });
    }
    let found_names: Vec<&str> = sections.iter().map(|s| s.title.as_str()).collect();
    let comment = format!(
        "Written by `fleetdeck discover` from what {} held: {}.\nEdit freely: the rules' thresholds are starting points.",
        [
            targets.prometheus.clone(),
            targets
                .cloudwatch
                .as_ref()
                .map(|c| format!("CloudWatch {}", c.region))
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and "),
        found_names.join(", ")
    );
    let text = write::layout(title, &comment, &sources, &sections);
    parse_layout(&text, Path::new("<discovered>")).map_err(DiscoverError::Invalid)?;
    Ok(Discovered {
        text,
        report,
        recognised,
        requests,
    })
}

/// The `[sources.*]` keys for the targets.
fn sources_text(targets: &Targets) -> write::SourcesText {
    write::SourcesText {
        prometheus: targets.prometheus.as_ref().map(|url| {
            vec![
                ("kind".to_owned(), quoted("prometheus")),
                ("url".to_owned(), quoted(url)),
            ]
        }),
        cloudwatch: targets.cloudwatch.as_ref().map(|target| {
            let mut keys = vec![
                ("kind".to_owned(), quoted("cloudwatch")),
                ("region".to_owned(), quoted(&target.region)),
            ];
            if let Some(profile) = &target.profile {
                keys.push(("profile".to_owned(), quoted(profile)));
            }
            if let Some(url) = &target.endpoint_url {
                keys.push(("endpoint_url".to_owned(), quoted(url)));
            }
            keys
        }),
    }
}
