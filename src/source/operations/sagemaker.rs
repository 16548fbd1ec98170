//! `kind = "sagemaker"`: SageMaker endpoints' production variants, polled with
//! `DescribeEndpoint` at every refresh (and, per variant, Application Auto
//! Scaling's `DescribeScalableTargets` and `DescribeScalingPolicies`). What each
//! poll saw is kept in memory, so:
//! - queries read it back as series per `VariantName` — `metric` is one of
//!   [`FIELDS`] (weights, instance counts, the scalable target's bounds, the
//!   target-tracking target), over the time fleetdeck has been watching;
//! - a change of a variant's instance count between two polls is a scaling
//!   action, drawn on the endpoint's charts with its cause from the policy.
//!
//! The account's own scaling history (`DescribeScalingActivities`) is not asked:
//! what happened while fleetdeck was not running is not shown.

use super::client::AwsJson;
pub(crate) use crate::dashboard::sources::sagemaker::SageMakerQuery;
use crate::layout_file::Query;
use crate::ops::{OpsEvent, OpsKind};
use crate::source::{
    FetchFuture, OpsFuture, QueryProblem, RangeRequest, SeriesData, Source, SourceError,
    SourceLimits, SourceQuery,
};
use crate::store::Sample;
use crate::time_range::Window;
use std::collections::BTreeMap;

/// What a role needs for a sagemaker source.
pub(crate) const PERMISSIONS: &str = "sagemaker:DescribeEndpoint, application-autoscaling:DescribeScalableTargets and application-autoscaling:DescribeScalingPolicies";

/// What a sagemaker query may read, per variant.
pub(crate) const FIELDS: &[&str] = &[
    "CurrentWeight",
    "DesiredWeight",
    "CurrentInstanceCount",
    "DesiredInstanceCount",
    "MinCapacity",
    "MaxCapacity",
    "TargetValue",
];

/// Polls closer together than this share one answer (several queries of one
/// refresh).
const SAME_POLL_MS: i64 = 2_000;
/// Polls kept per variant (a day at a 15 s refresh).
const KEPT_POLLS: usize = 6_000;

/// Checks a query of a sagemaker source.
pub(crate) fn compile_query(query: &Query) -> Result<SageMakerQuery, QueryProblem> {
    let problem = |message: String| QueryProblem {
        message,
        span: Some(query.source.span()),
    };
    let Some(metric) = &query.metric else {
        return Err(problem(format!(
            "a sagemaker query takes `metric`, one of {}",
            FIELDS.join(", ")
        )));
    };
    let Some(field) = FIELDS.iter().find(|f| **f == metric.get_ref().as_str()) else {
        return Err(QueryProblem {
            message: format!(
                "`{}` is not something DescribeEndpoint tells: use {}",
                metric.get_ref(),
                FIELDS.join(", ")
            ),
            span: Some(metric.span()),
        });
    };
    if let Some(other) = query.labels.keys().find(|k| *k != "EndpointName") {
        return Err(problem(format!(
            "a sagemaker query filters by EndpointName only, not `{other}`"
        )));
    }
    Ok(SageMakerQuery {
        field,
        endpoints: query
            .labels
            .get("EndpointName")
            .filter(|e| *e != crate::source::cloudwatch::query::WILDCARD)
            .into_iter()
            .cloned()
            .collect(),
    })
}

/// One production variant as one poll saw it.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Variant {
    /// `VariantName`.
    pub name: String,
    /// `CurrentInstanceCount`.
    pub current: u64,
    /// `DesiredInstanceCount`.
    pub desired: u64,
    /// `CurrentWeight`.
    pub weight: f64,
    /// `DesiredWeight`.
    pub desired_weight: f64,
    /// The scalable target's `MinCapacity` and `MaxCapacity`, if registered.
    pub bounds: Option<(u64, u64)>,
    /// The target-tracking policy's metric and `TargetValue`, if any.
    pub tracking: Option<(String, f64)>,
}

impl Variant {
    fn field(&self, field: &str) -> Option<f64> {
        Some(match field {
            "CurrentWeight" => self.weight,
            "DesiredWeight" => self.desired_weight,
            "CurrentInstanceCount" => self.current as f64,
            "DesiredInstanceCount" => self.desired as f64,
            "MinCapacity" => self.bounds?.0 as f64,
            "MaxCapacity" => self.bounds?.1 as f64,
            "TargetValue" => self.tracking.as_ref()?.1,
            _ => return None,
        })
    }

    /// Why it has the instances it has, as its scaling policy says.
    fn cause(&self) -> String {
        let bounds = self
            .bounds
            .map(|(min, max)| format!(" (min {min}, max {max})"))
            .unwrap_or_default();
        match &self.tracking {
            Some((metric, target)) => format!("target tracking {metric} = {target}{bounds}"),
            None => format!(
                "desired instance count {} (no scaling policy){bounds}",
                self.desired
            ),
        }
    }
}

/// What the polls saw: per (endpoint, variant), each poll's time and state.
#[derive(Default)]
struct Watched {
    polls: BTreeMap<(String, String), Vec<(i64, Variant)>>,
    last_poll_ms: Option<i64>,
    events: Vec<OpsEvent>,
}

/// Endpoints of one account and region.
pub(crate) struct SageMakerSource {
    sagemaker: AwsJson,
    autoscaling: AwsJson,
    endpoints: Vec<String>,
    watched: tokio::sync::Mutex<Watched>,
}

impl SageMakerSource {
    /// A source for `endpoints` in `settings`' account and region.
    pub(crate) fn new(
        settings: &crate::source::aws_client::ClientSettings,
        endpoints: Vec<String>,
    ) -> Self {
        SageMakerSource {
            sagemaker: AwsJson::new(settings, "sagemaker", "api.sagemaker"),
            autoscaling: AwsJson::new(
                settings,
                "application-autoscaling",
                "application-autoscaling",
            ),
            endpoints,
            watched: tokio::sync::Mutex::default(),
        }
    }

    /// The variants of `endpoint` now, with their scaling bounds and policy.
    pub(crate) async fn variants(&self, endpoint: &str) -> Result<Vec<Variant>, SourceError> {
        let json = self
            .sagemaker
            .call(
                "SageMaker.DescribeEndpoint",
                &serde_json::json!({ "EndpointName": endpoint }),
            )
            .await?;
        let mut variants = Vec::new();
        for v in json["ProductionVariants"].as_array().into_iter().flatten() {
            let Some(name) = v["VariantName"].as_str() else {
                continue;
            };
            let (bounds, tracking) = self.scaling(endpoint, name).await;
            variants.push(Variant {
                name: name.to_owned(),
                current: v["CurrentInstanceCount"].as_u64().unwrap_or_default(),
                desired: v["DesiredInstanceCount"].as_u64().unwrap_or_default(),
                weight: v["CurrentWeight"].as_f64().unwrap_or_default(),
                desired_weight: v["DesiredWeight"].as_f64().unwrap_or_default(),
                bounds,
                tracking,
            });
        }
        Ok(variants)
    }

    /// The variant's scalable target bounds and target-tracking policy; none
    /// when it is not registered (or the role may not ask).
    async fn scaling(
        &self,
        endpoint: &str,
        variant: &str,
    ) -> (Option<(u64, u64)>, Option<(String, f64)>) {
        let resource = format!("endpoint/{endpoint}/variant/{variant}");
        let targets = self
            .autoscaling
            .call(
                "AnyScaleFrontendService.DescribeScalableTargets",
                &serde_json::json!({ "ServiceNamespace": "sagemaker", "ResourceIds": [resource] }),
            )
            .await
            .unwrap_or_default();
        let bounds = targets["ScalableTargets"]
            .as_array()
            .and_then(|t| t.first())
            .map(|t| {
                (
                    t["MinCapacity"].as_u64().unwrap_or_default(),
                    t["MaxCapacity"].as_u64().unwrap_or_default(),
                )
            });
        let policies = self
            .autoscaling
            .call(
                "AnyScaleFrontendService.DescribeScalingPolicies",
                &serde_json::json!({ "ServiceNamespace": "sagemaker", "ResourceId": resource }),
            )
            .await
            .unwrap_or_default();
        let tracking = policies["ScalingPolicies"]
            .as_array()
            .into_iter()
            .flatten()
            .find_map(|p| {
                let config = &p["TargetTrackingScalingPolicyConfiguration"];
                let target = config["TargetValue"].as_f64()?;
                let metric = config["PredefinedMetricSpecification"]["PredefinedMetricType"]
                    .as_str()
                    .unwrap_or("a custom metric");
                Some((metric.to_owned(), target))
            });
        (bounds, tracking)
    }

    /// Polls every watched endpoint, unless a poll just happened; records what
    /// changed as scaling actions.
    async fn poll(&self) -> Result<(), SourceError> {
        let mut watched = self.watched.lock().await;
        let now_ms = chrono::Utc::now().timestamp_millis();
        if watched
            .last_poll_ms
            .is_some_and(|last| now_ms - last < SAME_POLL_MS)
        {
            return Ok(());
        }
        for endpoint in &self.endpoints {
            for variant in self.variants(endpoint).await? {
                let key = (endpoint.clone(), variant.name.clone());
                let before = watched
                    .polls
                    .get(&key)
                    .and_then(|polls| polls.last())
                    .map(|(_, v)| v.current);
                if let Some(before) = before.filter(|&b| b != variant.current) {
                    let event = OpsEvent {
                        resource: endpoint.clone(),
                        aliases: Vec::new(),
                        start_ms: now_ms,
                        end_ms: None,
                        kind: OpsKind::Scaling {
                            from: before as u32,
                            to: variant.current as u32,
                            cause: format!("{}; variant {}", variant.cause(), variant.name),
                        },
                    };
                    watched.events.push(event);
                }
                let polls = watched.polls.entry(key).or_default();
                polls.push((now_ms, variant));
                let extra = polls.len().saturating_sub(KEPT_POLLS);
                polls.drain(..extra);
            }
        }
        let extra = watched.events.len().saturating_sub(KEPT_POLLS);
        watched.events.drain(..extra);
        watched.last_poll_ms = Some(now_ms);
        Ok(())
    }
}

impl Source for SageMakerSource {
    fn limits(&self) -> SourceLimits {
        super::NO_SERIES
    }

    /// What the polls saw of one field over the window, one series per variant.
    fn fetch_range<'a>(&'a self, request: &'a RangeRequest) -> FetchFuture<'a> {
        Box::pin(async move {
            let SourceQuery::SageMaker(query) = &request.query else {
                return Err(SourceError::BadQuery("not a sagemaker query".to_owned()));
            };
            self.poll().await?;
            let watched = self.watched.lock().await;
            let window = request.window;
            Ok(watched
                .polls
                .iter()
                .filter(|((endpoint, _), _)| {
                    query.endpoints.is_empty() || query.endpoints.contains(endpoint)
                })
                .filter_map(|((endpoint, variant), polls)| {
                    let samples: Vec<Sample> = polls
                        .iter()
                        .filter(|(t, _)| (window.start_ms..=window.end_ms).contains(t))
                        .filter_map(|(t, v)| {
                            Some(Sample {
                                t_ms: *t,
                                value: v.field(query.field)?,
                            })
                        })
                        .collect();
                    let labels = BTreeMap::from([
                        ("EndpointName".to_owned(), endpoint.clone()),
                        ("VariantName".to_owned(), variant.clone()),
                    ]);
                    (!samples.is_empty()).then(|| SeriesData::new(labels, samples))
                })
                .collect())
        })
    }

    fn has_operations(&self) -> bool {
        true
    }

    fn fetch_operations(&self, window: Window) -> OpsFuture<'_> {
        Box::pin(async move {
            self.poll().await?;
            let watched = self.watched.lock().await;
            Ok(watched
                .events
                .iter()
                .filter(|e| e.overlaps(window.start_ms, window.end_ms, window.end_ms))
                .cloned()
                .collect())
        })
    }
}
