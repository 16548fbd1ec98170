//! AWS sections through CloudWatch: SageMaker endpoints and their instances,
//! Bedrock models, GPU instances through the CloudWatch agent, and spend. Every
//! `*` is billed per metric it matches: `fleetdeck check` prints what a refresh
//! of the written layout costs.

use crate::discover::draft::{CLOUDWATCH, Found, PanelDraft, Section, Slot, listing};
use crate::import::toml_text::quoted;

/// A variable offering one dimension's values, as `ListMetrics` lists them.
fn dimension_variable(
    section: &mut Section,
    found: &Found,
    name: &str,
    label: &str,
    metric: &str,
    dimension: &str,
) {
    let Some((namespace, _)) = found.component.cloudwatch else {
        return;
    };
    section.variables.push((
        name.to_owned(),
        vec![
            ("label".to_owned(), quoted(label)),
            ("source".to_owned(), quoted(CLOUDWATCH)),
            ("namespace".to_owned(), quoted(namespace)),
            ("metric".to_owned(), quoted(metric)),
            ("dimension".to_owned(), quoted(dimension)),
            ("multi".to_owned(), "true".to_owned()),
            ("include_all".to_owned(), "true".to_owned()),
            ("default".to_owned(), quoted("All")),
        ],
    ));
}

/// SageMaker real-time endpoints: latency, invocations and errors per endpoint.
pub fn sagemaker(found: &Found) -> Section {
    let mut section = Section {
        title: found.component.name.to_owned(),
        about: listing("endpoints", found.values("EndpointName")),
        ..Section::default()
    };
    let pinned = [("EndpointName", "$endpoint")];
    let marker = ["ModelLatency", "Invocations"]
        .into_iter()
        .find(|metric| found.names.contains(*metric))
        .unwrap_or("Invocations");
    dimension_variable(
        &mut section,
        found,
        "endpoint",
        "Endpoint",
        marker,
        "EndpointName",
    );
    let legend = "{{EndpointName}} {{VariantName}}";
    if let Some(latency) = found.cloudwatch_metric("ModelLatency", &pinned) {
        let title = "SageMaker p99 model latency by endpoint";
        section.panels.push(
            PanelDraft::lines(title)
                .unit("us")
                .cloudwatch(&latency, "p99", None, legend),
        );
        // 30 s in µs, the ModelLatency unit.
        section.rule(
            "SageMaker p99 latency high",
            title,
            30_000_000.0,
            "5m",
            "warning",
        );
    }
    if let Some(overhead) = found.cloudwatch_metric("OverheadLatency", &pinned) {
        section.panels.push(
            PanelDraft::lines("SageMaker p99 overhead latency by endpoint")
                .unit("us")
                .cloudwatch(&overhead, "p99", None, legend),
        );
    }
    if let Some(invocations) = found.cloudwatch_metric("Invocations", &pinned) {
        section.panels.push(
            PanelDraft::lines("SageMaker invocations per minute by endpoint").cloudwatch(
                &invocations,
                "Sum",
                Some("1m"),
                legend,
            ),
        );
    }
    let errors: Vec<_> = [
        "Invocation5XXErrors",
        "Invocation4XXErrors",
        "InvocationModelErrors",
    ]
    .into_iter()
    .filter_map(|metric| Some((metric, found.cloudwatch_metric(metric, &pinned)?)))
    .collect();
    if !errors.is_empty() {
        let mut panel = PanelDraft::lines("SageMaker errors per minute by endpoint");
        for (metric, errors) in &errors {
            let kind = metric
                .trim_start_matches("Invocation")
                .trim_end_matches("Errors");
            panel = panel.cloudwatch(
                errors,
                "Sum",
                Some("1m"),
                &format!("{{{{EndpointName}}}} {kind}"),
            );
        }
        section.panels.push(panel);
    }
    section
}

/// SageMaker endpoint instances: GPU and memory use (summed over a host's
/// devices, so 4 GPUs read up to 400 %).
pub fn sagemaker_instances(found: &Found) -> Section {
    let mut section = Section {
        title: found.component.name.to_owned(),
        about: listing("endpoints", found.values("EndpointName")),
        ..Section::default()
    };
    let legend = "{{EndpointName}}";
    for (metric, title) in [
        ("GPUUtilization", "SageMaker GPU utilisation by endpoint"),
        (
            "GPUMemoryUtilization",
            "SageMaker GPU memory use by endpoint",
        ),
        ("CPUUtilization", "SageMaker CPU utilisation by endpoint"),
    ] {
        if let Some(metric) = found.cloudwatch_metric(metric, &[]) {
            section.panels.push(
                PanelDraft::lines(title)
                    .unit("percent")
                    .cloudwatch(&metric, "Average", None, legend),
            );
        }
    }
    section
}

/// Bedrock: latency, invocations, tokens and throttles per model.
pub fn bedrock(found: &Found) -> Section {
    let mut section = Section {
        title: found.component.name.to_owned(),
        about: listing("models", found.values("ModelId")),
        ..Section::default()
    };
    let legend = "{{ModelId}}";
    if let Some(latency) = found.cloudwatch_metric("InvocationLatency", &[]) {
        section.panels.push(
            PanelDraft::lines("Bedrock p99 invocation latency by model")
                .unit("ms")
                .cloudwatch(&latency, "p99", None, legend),
        );
    }
    if let Some(invocations) = found.cloudwatch_metric("Invocations", &[]) {
        section.panels.push(
            PanelDraft::lines("Bedrock invocations per minute by model").cloudwatch(
                &invocations,
                "Sum",
                Some("1m"),
                legend,
            ),
        );
    }
    if let Some(tokens) = found.cloudwatch_metric("OutputTokenCount", &[]) {
        section.panels.push(
            PanelDraft::lines("Bedrock output tokens per minute by model").cloudwatch(
                &tokens,
                "Sum",
                Some("1m"),
                legend,
            ),
        );
    }
    let trouble: Vec<_> = [
        "InvocationThrottles",
        "InvocationServerErrors",
        "InvocationClientErrors",
    ]
    .into_iter()
    .filter_map(|metric| Some((metric, found.cloudwatch_metric(metric, &[])?)))
    .collect();
    if !trouble.is_empty() {
        let mut panel = PanelDraft::lines("Bedrock throttles and errors per minute by model");
        for (metric, series) in &trouble {
            let kind = metric.trim_start_matches("Invocation");
            panel = panel.cloudwatch(
                series,
                "Sum",
                Some("1m"),
                &format!("{{{{ModelId}}}} {kind}"),
            );
        }
        section.panels.push(panel);
    }
    section
}

/// GPU instances through the CloudWatch agent's `nvidia_smi` metrics.
pub fn cloudwatch_agent_gpus(found: &Found) -> Section {
    let mut section = Section {
        title: found.component.name.to_owned(),
        about: listing("hosts", found.values("host")),
        ..Section::default()
    };
    for (metric, title, unit) in [
        (
            "nvidia_smi_utilization_gpu",
            "GPU utilisation by instance (CloudWatch agent)",
            "percent",
        ),
        (
            "nvidia_smi_temperature_gpu",
            "GPU temperature by instance (CloudWatch agent)",
            "celsius",
        ),
        (
            "nvidia_smi_power_draw",
            "GPU power by instance (CloudWatch agent)",
            "W",
        ),
    ] {
        if let Some(metric) = found.cloudwatch_metric(metric, &[]) {
            section
                .panels
                .push(PanelDraft::lines(title).unit(unit).cloudwatch(
                    &metric,
                    "Average",
                    None,
                    "{{host}} gpu {{index}}",
                ));
        }
    }
    section
}

/// The account's estimated charges for the month (us-east-1 only).
pub fn billing(found: &Found) -> Section {
    let mut section = Section {
        title: found.component.name.to_owned(),
        about: listing("services", found.values("ServiceName")),
        ..Section::default()
    };
    let total = crate::discover::draft::CloudWatchMetric {
        namespace: "AWS/Billing".to_owned(),
        name: "EstimatedCharges".to_owned(),
        dimensions: vec![("Currency".to_owned(), "USD".to_owned())],
    };
    section.overview.push((
        Slot::Spend,
        PanelDraft::new("Spend this month", "stat")
            .unit("USD")
            .cloudwatch(&total, "Maximum", None, "estimated charges"),
    ));
    if found.values("ServiceName").is_some() {
        let by_service = crate::discover::draft::CloudWatchMetric {
            dimensions: vec![
                ("Currency".to_owned(), "USD".to_owned()),
                ("ServiceName".to_owned(), "*".to_owned()),
            ],
            ..total
        };
        section.panels.push(
            PanelDraft::lines("Spend this month by service")
                .unit("USD")
                .cloudwatch(&by_service, "Maximum", None, "{{ServiceName}}"),
        );
    }
    section
}
