//! Sources of operations on AWS: what was done to the fleet, for the charts —
//! SageMaker endpoints' instance counts as they change (`sagemaker`), and AWS
//! Fault Injection Service experiments (`fis`). They have no time series of
//! their own: a layout lists them in `operations = [...]`, and their events are
//! drawn on the charts of the resources they touched.
//!
//! Both speak AWS's JSON protocols through [`client::AwsJson`], signed with
//! SigV4 from the AWS credential chain (never the layout).

pub mod client;
pub mod fis;
pub mod sagemaker;

use crate::layout::SourceConfig;
use crate::source::QueryProblem;
use crate::source::aws_client::ClientSettings;

/// The region, profile, endpoint and timeout of an operations source; the
/// other kinds' keys are refused.
pub fn compile_settings(
    config: &SourceConfig,
    service: &'static str,
    permissions: &'static str,
) -> Result<ClientSettings, Vec<QueryProblem>> {
    let mut problems = Vec::new();
    let kind = config.kind.get_ref().name();
    let at_kind = |message: String| QueryProblem {
        message,
        span: Some(config.kind.span()),
    };
    match &config.region {
        None => problems.push(at_kind(format!(
            "a {kind} source needs `region`, e.g. region = \"us-east-1\""
        ))),
        Some(region) if !crate::source::cloudwatch::query::is_region(region.get_ref()) => {
            problems.push(QueryProblem {
                message: format!(
                    "`{}` is not an AWS region name like us-east-1",
                    region.get_ref()
                ),
                span: Some(region.span()),
            });
        }
        Some(_) => {}
    }
    if let Some(url) = &config.endpoint_url
        && !(url.get_ref().starts_with("http://") || url.get_ref().starts_with("https://"))
    {
        problems.push(QueryProblem {
            message: format!(
                "endpoint_url `{}` must start with http:// or https://",
                url.get_ref()
            ),
            span: Some(url.span()),
        });
    }
    if crate::source::has_prometheus_keys(config) || config.seed.is_some() {
        problems.push(at_kind(format!(
            "a {kind} source takes region, profile, endpoint_url and timeout{}; credentials come from the AWS credential chain, never the layout",
            if kind == "sagemaker" { ", endpoints" } else { "" }
        )));
    }
    problems.extend(crate::source::duration_problems(&[&config.timeout]));
    let Some(region) = config.region.as_ref().filter(|_| problems.is_empty()) else {
        return Err(problems);
    };
    Ok(ClientSettings {
        service,
        permissions,
        region: region.get_ref().clone(),
        profile: config.profile.clone(),
        endpoint_url: config.endpoint_url.as_ref().map(|u| u.get_ref().clone()),
        timeout: crate::source::duration_or(&config.timeout, std::time::Duration::from_secs(10)),
    })
}
