//! Each recognised component's section of the layout, one module per kind of
//! component, and what discovery must ask the server about each before drafting.

mod accelerators;
mod aws;
mod hosts;
mod servers;

use super::draft::{Found, Section};

/// What to ask about a component beyond its names: labels whose values name its
/// models, nodes or endpoints (each asked on the family's `marker` metric), and
/// the metric whose series count its accelerators.
pub struct Asks {
    /// `(label, marker)` pairs.
    pub labels: &'static [(&'static str, &'static str)],
    /// Its per-device utilisation metric, counted.
    pub devices: Option<&'static str>,
}

/// What discovery asks a Prometheus server about component `id`.
pub fn asks(id: &str) -> Asks {
    let (labels, devices): (&'static [(&'static str, &'static str)], _) = match id {
        "vllm" => (&[("model_name", "num_requests_running")], None),
        "sglang" => (&[("model_name", "num_running_reqs")], None),
        "tgi" => (&[("instance", "tgi_queue_size")], None),
        "triton" => (&[("model", "nv_inference_request_success")], None),
        "dcgm" => (
            &[("Hostname", "DCGM_FI_DEV_GPU_UTIL")],
            Some("DCGM_FI_DEV_GPU_UTIL"),
        ),
        "amd" => (
            &[("hostname", "gpu_gfx_activity")],
            Some("gpu_gfx_activity"),
        ),
        "neuron" => (
            &[("instance_id", "neuroncore_utilization_ratio")],
            Some("neuroncore_utilization_ratio"),
        ),
        "node" => (&[("instance", "node_load1")], None),
        "kube" => (&[("namespace", "kube_pod_status_phase")], None),
        _ => (&[], None),
    };
    Asks { labels, devices }
}

/// The section drafted for what was found of a component.
pub fn draft(found: &Found) -> Section {
    match found.component.id {
        "vllm" => servers::vllm(found),
        "sglang" => servers::sglang(found),
        "tgi" => servers::tgi(found),
        "triton" => servers::triton(found),
        "dcgm" => accelerators::dcgm(found),
        "amd" => accelerators::amd(found),
        "neuron" => accelerators::neuron(found),
        "node" => hosts::node(found),
        "kube" => hosts::kube(found),
        "sagemaker" => aws::sagemaker(found),
        "sagemaker-instances" => aws::sagemaker_instances(found),
        "bedrock" => aws::bedrock(found),
        "cwagent-gpu" => aws::cloudwatch_agent_gpus(found),
        "billing" => aws::billing(found),
        _ => Section::default(),
    }
}
