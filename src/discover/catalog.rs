//! What discovery recognises: the AI-fleet components by the metric names their
//! exporters publish (the names of `REFERENCE.md`), so a name on the server says
//! which component runs there.

/// What part of a fleet a component is; the layout's sections follow this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Model servers: vLLM, TGI, SGLang, Triton.
    Server,
    /// Accelerators: NVIDIA (DCGM), AMD, AWS Neuron.
    Accelerator,
    /// Hosts and clusters: node exporter, kube-state-metrics.
    Host,
    /// AWS services through CloudWatch.
    Aws,
}

/// One recognisable component.
#[derive(Debug)]
pub struct Component {
    /// Short id (`vllm`), used in the report.
    pub id: &'static str,
    /// What a person calls it.
    pub name: &'static str,
    /// Where it goes in the layout.
    pub role: Role,
    /// Prometheus: a metric whose name starts with one of these belongs to it.
    pub prefixes: &'static [&'static str],
    /// Prometheus: names that belong to it though no prefix says so (AMD's and
    /// Neuron's names are too generic to claim by prefix).
    pub names: &'static [&'static str],
    /// CloudWatch: the namespace and the metric names that mark it (any of them).
    pub cloudwatch: Option<(&'static str, &'static [&'static str])>,
}

/// Every component discovery knows, in the order their sections appear.
pub const COMPONENTS: &[Component] = &[
    Component {
        id: "vllm",
        name: "vLLM",
        role: Role::Server,
        prefixes: &["vllm:", "vllm_"],
        names: &[],
        cloudwatch: None,
    },
    Component {
        id: "sglang",
        name: "SGLang",
        role: Role::Server,
        prefixes: &["sglang:", "sglang_"],
        names: &[],
        cloudwatch: None,
    },
    Component {
        id: "tgi",
        name: "Text Generation Inference",
        role: Role::Server,
        prefixes: &["tgi_"],
        names: &[],
        cloudwatch: None,
    },
    Component {
        id: "triton",
        name: "Triton Inference Server",
        role: Role::Server,
        prefixes: &[
            "nv_inference_",
            "nv_gpu_",
            "nv_energy_",
            "nv_cpu_",
            "nv_cache_",
        ],
        names: &[],
        cloudwatch: None,
    },
    Component {
        id: "dcgm",
        name: "NVIDIA GPUs (DCGM exporter)",
        role: Role::Accelerator,
        prefixes: &["DCGM_FI_"],
        names: &[],
        cloudwatch: None,
    },
    Component {
        id: "amd",
        name: "AMD GPUs (device metrics exporter)",
        role: Role::Accelerator,
        prefixes: &[],
        names: &[
            "gpu_gfx_activity",
            "gpu_umc_activity",
            "gpu_package_power",
            "gpu_power_usage",
            "gpu_used_vram",
            "gpu_total_vram",
            "gpu_edge_temperature",
            "gpu_junction_temperature",
            "gpu_memory_temperature",
            "gpu_ecc_uncorrect_total",
        ],
        cloudwatch: None,
    },
    Component {
        id: "neuron",
        name: "AWS Neuron (neuron-monitor)",
        role: Role::Accelerator,
        prefixes: &["neuroncore_", "neuron_runtime_", "neurondevice_"],
        names: &[
            "execution_latency_seconds",
            "execution_errors_total",
            "execution_status_total",
            "hardware_ecc_events_total",
            "instance_info",
        ],
        cloudwatch: None,
    },
    Component {
        id: "node",
        name: "Hosts (node exporter)",
        role: Role::Host,
        prefixes: &["node_"],
        names: &[],
        cloudwatch: None,
    },
    Component {
        id: "kube",
        name: "Kubernetes (kube-state-metrics)",
        role: Role::Host,
        prefixes: &["kube_"],
        names: &[],
        cloudwatch: None,
    },
    Component {
        id: "sagemaker",
        name: "SageMaker endpoints",
        role: Role::Aws,
        prefixes: &[],
        names: &[],
        cloudwatch: Some(("AWS/SageMaker", &["ModelLatency", "Invocations"])),
    },
    Component {
        id: "sagemaker-instances",
        name: "SageMaker endpoint instances",
        role: Role::Aws,
        prefixes: &[],
        names: &[],
        cloudwatch: Some((
            "/aws/sagemaker/Endpoints",
            &["GPUUtilization", "CPUUtilization"],
        )),
    },
    Component {
        id: "bedrock",
        name: "Bedrock models",
        role: Role::Aws,
        prefixes: &[],
        names: &[],
        cloudwatch: Some(("AWS/Bedrock", &["Invocations", "InvocationLatency"])),
    },
    Component {
        id: "cwagent-gpu",
        name: "GPU instances (CloudWatch agent nvidia_smi)",
        role: Role::Aws,
        prefixes: &[],
        names: &[],
        cloudwatch: Some(("CWAgent", &["nvidia_smi_utilization_gpu"])),
    },
    Component {
        id: "billing",
        name: "Spend (AWS/Billing)",
        role: Role::Aws,
        prefixes: &[],
        names: &[],
        cloudwatch: Some(("AWS/Billing", &["EstimatedCharges"])),
    },
];

impl Component {
    /// Whether a Prometheus metric name belongs to this component.
    pub fn claims(&self, name: &str) -> bool {
        self.prefixes.iter().any(|prefix| name.starts_with(prefix)) || self.names.contains(&name)
    }
}

/// The CloudWatch namespaces discovery lists; `AWS/Billing` only where it exists.
pub fn cloudwatch_namespaces(region: &str) -> Vec<&'static str> {
    COMPONENTS
        .iter()
        .filter_map(|c| c.cloudwatch.map(|(namespace, _)| namespace))
        .filter(|namespace| *namespace != "AWS/Billing" || region == "us-east-1")
        .collect()
}

/// The component a Prometheus metric name belongs to, if any.
pub fn owner(name: &str) -> Option<&'static Component> {
    COMPONENTS.iter().find(|c| c.claims(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_go_to_their_exporter_and_generic_ones_to_none() {
        let owned = |name| owner(name).map(|c| c.id);
        assert_eq!(
            owned("vllm:e2e_request_latency_seconds_bucket"),
            Some("vllm")
        );
        assert_eq!(owned("vllm_num_requests_running"), Some("vllm"));
        assert_eq!(owned("sglang:num_queue_reqs"), Some("sglang"));
        assert_eq!(owned("DCGM_FI_DEV_GPU_UTIL"), Some("dcgm"));
        assert_eq!(owned("gpu_gfx_activity"), Some("amd"));
        assert_eq!(owned("execution_latency_seconds"), Some("neuron"));
        assert_eq!(owned("node_load1"), Some("node"));
        // A fluent-bit AMD name or any `gpu_` name is not claimed by AMD's exporter.
        assert_eq!(owned("gpu_utilization_percent"), None);
        assert_eq!(owned("http_requests_total"), None);
    }

    #[test]
    fn billing_is_listed_only_where_it_exists() {
        assert!(cloudwatch_namespaces("us-east-1").contains(&"AWS/Billing"));
        assert!(!cloudwatch_namespaces("eu-west-1").contains(&"AWS/Billing"));
    }
}
