//! `kind = "sagemaker"`: the instance counts of SageMaker endpoints' production
//! variants, polled with `DescribeEndpoint` at every refresh. A change between
//! two polls is a scaling action, drawn on the endpoint's charts as "scaled from
//! 2 to 4 instances", with its cause from Application Auto Scaling when the
//! variant has a target-tracking policy (`DescribeScalingPolicies`,
//! `DescribeScalableTargets`). The account's own scaling history
//! (`DescribeScalingActivities`) is not asked: the changes are seen as they
//! happen while fleetdeck runs.

use super::client::AwsJson;
use crate::ops::{OpsEvent, OpsKind};
use crate::source::{FetchFuture, OpsFuture, RangeRequest, Source, SourceError, SourceLimits};
use crate::time_range::Window;
use std::collections::HashMap;
use std::sync::Mutex;

/// What a role needs for a sagemaker source.
pub const PERMISSIONS: &str = "sagemaker:DescribeEndpoint, application-autoscaling:DescribeScalableTargets and application-autoscaling:DescribeScalingPolicies";

/// The most scaling actions kept per source (a wall runs for weeks).
const KEPT_EVENTS: usize = 2_000;

/// Endpoints of one account and region.
pub struct SageMakerSource {
    sagemaker: AwsJson,
    autoscaling: AwsJson,
    endpoints: Vec<String>,
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    /// Each (endpoint, variant)'s instance count at the last poll.
    counts: HashMap<(String, String), u64>,
    /// The changes seen so far, oldest first.
    events: Vec<OpsEvent>,
}

/// One production variant as `DescribeEndpoint` reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// `VariantName`.
    pub name: String,
    /// `CurrentInstanceCount`.
    pub current: u64,
    /// `DesiredInstanceCount`.
    pub desired: u64,
    /// `CurrentWeight`.
    pub weight: f64,
}

impl SageMakerSource {
    /// A source for `endpoints` in `settings`' account and region.
    pub fn new(
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
            seen: Mutex::default(),
        }
    }

    /// The variants of `endpoint` now.
    pub async fn variants(&self, endpoint: &str) -> Result<Vec<Variant>, SourceError> {
        let json = self
            .sagemaker
            .call(
                "SageMaker.DescribeEndpoint",
                &serde_json::json!({ "EndpointName": endpoint }),
            )
            .await?;
        Ok(json["ProductionVariants"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| {
                Some(Variant {
                    name: v["VariantName"].as_str()?.to_owned(),
                    current: v["CurrentInstanceCount"].as_u64().unwrap_or_default(),
                    desired: v["DesiredInstanceCount"].as_u64().unwrap_or_default(),
                    weight: v["CurrentWeight"].as_f64().unwrap_or_default(),
                })
            })
            .collect())
    }

    /// Why a variant has the instances it has, as its scaling policy says.
    async fn cause(&self, endpoint: &str, variant: &Variant) -> String {
        let resource = format!("endpoint/{endpoint}/variant/{}", variant.name);
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
                Some(format!("target tracking {metric} = {target}"))
            });
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
                format!(
                    " (min {}, max {})",
                    t["MinCapacity"].as_u64().unwrap_or_default(),
                    t["MaxCapacity"].as_u64().unwrap_or_default()
                )
            });
        match tracking {
            Some(policy) => format!("{policy}{}", bounds.unwrap_or_default()),
            None => format!(
                "desired instance count {} on variant {} (no scaling policy)",
                variant.desired, variant.name
            ),
        }
    }
}

impl Source for SageMakerSource {
    fn limits(&self) -> SourceLimits {
        super::NO_SERIES
    }

    fn fetch_range<'a>(&'a self, _request: &'a RangeRequest) -> FetchFuture<'a> {
        super::refuse_series("sagemaker")
    }

    fn has_operations(&self) -> bool {
        true
    }

    fn fetch_operations(&self, window: Window) -> OpsFuture<'_> {
        Box::pin(async move {
            let now_ms = chrono::Utc::now().timestamp_millis();
            for endpoint in &self.endpoints {
                for variant in self.variants(endpoint).await? {
                    let key = (endpoint.clone(), variant.name.clone());
                    let before = self
                        .seen
                        .lock()
                        .ok()
                        .and_then(|mut seen| seen.counts.insert(key, variant.current));
                    let Some(before) = before.filter(|&b| b != variant.current) else {
                        continue;
                    };
                    let cause = self.cause(endpoint, &variant).await;
                    let event = OpsEvent {
                        resource: endpoint.clone(),
                        aliases: Vec::new(),
                        start_ms: now_ms,
                        end_ms: None,
                        kind: OpsKind::Scaling {
                            from: before as u32,
                            to: variant.current as u32,
                            cause: format!("{cause}; variant {}", variant.name),
                        },
                    };
                    if let Ok(mut seen) = self.seen.lock() {
                        seen.events.push(event);
                        let extra = seen.events.len().saturating_sub(KEPT_EVENTS);
                        seen.events.drain(..extra);
                    }
                }
            }
            let seen = self.seen.lock().map_err(|_| {
                SourceError::Config("the sagemaker source's memory is poisoned".to_owned())
            })?;
            Ok(seen
                .events
                .iter()
                .filter(|e| e.overlaps(window.start_ms, window.end_ms, window.end_ms))
                .cloned()
                .collect())
        })
    }
}
