//! `kind = "fis"`: AWS Fault Injection Service experiments as bands on the
//! charts of the resources they targeted — `ListExperiments`, then
//! `GetExperiment` for each run in the window (targets, start, end, state) and
//! `GetExperimentTemplate` once per template for its description. A finished
//! experiment never changes, so it is asked about once.

use super::client::{AwsJson, timestamp_ms};
use crate::ops::{OpsEvent, OpsKind};
use crate::source::{FetchFuture, OpsFuture, RangeRequest, Source, SourceError, SourceLimits};
use crate::time_range::Window;
use std::collections::HashMap;
use std::sync::Mutex;

/// What a role needs for a fis source.
pub(crate) const PERMISSIONS: &str =
    "fis:ListExperiments, fis:GetExperiment and fis:GetExperimentTemplate";

/// Experiments of one account and region.
pub(crate) struct FisSource {
    client: AwsJson,
    /// Template descriptions by template id.
    templates: Mutex<HashMap<String, String>>,
    /// Finished experiments, as events, by experiment id.
    finished: Mutex<HashMap<String, OpsEvent>>,
}

impl FisSource {
    /// A source for `settings` (region, profile, endpoint).
    pub(crate) fn new(settings: &crate::source::aws_client::ClientSettings) -> FisSource {
        FisSource {
            client: AwsJson::new(settings, "fis", "fis"),
            templates: Mutex::default(),
            finished: Mutex::default(),
        }
    }

    async fn description(&self, template: &str) -> String {
        if let Some(known) = self
            .templates
            .lock()
            .ok()
            .and_then(|t| t.get(template).cloned())
        {
            return known;
        }
        let described = self
            .client
            .get(&format!("/experimentTemplates/{template}"))
            .await
            .ok()
            .and_then(|json| {
                json["experimentTemplate"]["description"]
                    .as_str()
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| format!("experiment template {template}"));
        if let Ok(mut templates) = self.templates.lock() {
            templates.insert(template.to_owned(), described.clone());
        }
        described
    }

    async fn event(&self, id: &str) -> Result<Option<OpsEvent>, SourceError> {
        if let Some(done) = self.finished.lock().ok().and_then(|f| f.get(id).cloned()) {
            return Ok(Some(done));
        }
        let json = self.client.get(&format!("/experiments/{id}")).await?;
        let experiment = &json["experiment"];
        let Some(start_ms) = timestamp_ms(&experiment["startTime"])
            .or_else(|| timestamp_ms(&experiment["creationTime"]))
        else {
            return Ok(None);
        };
        let state = experiment["state"]["status"]
            .as_str()
            .unwrap_or("unknown")
            .to_owned();
        let ended = matches!(
            state.as_str(),
            "completed" | "stopped" | "failed" | "cancelled"
        );
        let end_ms = timestamp_ms(&experiment["endTime"]).filter(|_| ended);
        let names = target_names(&experiment["targets"]);
        let Some((resource, aliases)) = names.split_first() else {
            return Ok(None);
        };
        let template = experiment["experimentTemplateId"]
            .as_str()
            .unwrap_or_default();
        let event = OpsEvent {
            resource: resource.clone(),
            aliases: aliases.to_vec(),
            start_ms,
            end_ms,
            kind: OpsKind::Experiment {
                id: id.to_owned(),
                description: self.description(template).await,
                state,
            },
        };
        if ended && let Ok(mut finished) = self.finished.lock() {
            finished.insert(id.to_owned(), event.clone());
        }
        Ok(Some(event))
    }
}

/// The names of what an experiment targeted: the last part of each resource
/// ARN (`i-0abc…`, an endpoint's name) and each resource tag's value.
pub(crate) fn target_names(targets: &serde_json::Value) -> Vec<String> {
    let mut names = Vec::new();
    for target in targets.as_object().into_iter().flat_map(|t| t.values()) {
        for arn in target["resourceArns"].as_array().into_iter().flatten() {
            if let Some(name) = arn.as_str().and_then(|a| a.rsplit(['/', ':']).next()) {
                names.push(name.to_owned());
            }
        }
        for value in target["resourceTags"]
            .as_object()
            .into_iter()
            .flat_map(|t| t.values())
        {
            if let Some(value) = value.as_str() {
                names.push(value.to_owned());
            }
        }
    }
    names.dedup();
    names
}

impl Source for FisSource {
    fn limits(&self) -> SourceLimits {
        super::NO_SERIES
    }

    fn fetch_range<'a>(&'a self, _request: &'a RangeRequest) -> FetchFuture<'a> {
        super::refuse_series("fis")
    }

    fn has_operations(&self) -> bool {
        true
    }

    fn fetch_operations(&self, window: Window) -> OpsFuture<'_> {
        Box::pin(async move {
            let listed = self.client.get("/experiments?maxResults=100").await?;
            let mut events = Vec::new();
            for summary in listed["experiments"].as_array().into_iter().flatten() {
                let Some(id) = summary["id"].as_str() else {
                    continue;
                };
                if let Some(event) = self.event(id).await?
                    && event.overlaps(window.start_ms, window.end_ms, window.end_ms)
                {
                    events.push(event);
                }
            }
            events.sort_by_key(|e| e.start_ms);
            Ok(events)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_their_resources_by_arn_and_by_tag() {
        let targets = serde_json::json!({
            "instances": {
                "resourceType": "aws:ec2:instance",
                "resourceArns": ["arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"],
            },
            "tagged": {
                "resourceType": "aws:ec2:instance",
                "resourceTags": { "EndpointName": "llm-prod-llama8b-inf2" },
            }
        });
        assert_eq!(target_names(&targets), ["i-0abc", "llm-prod-llama8b-inf2"]);
    }
}
