//! Accelerators' sections: NVIDIA GPUs (DCGM), AMD GPUs and AWS Neuron — a fleet
//! map where they are many, utilisation, memory, power and heat by node.

use crate::discover::draft::{Found, PanelDraft, Section, Slot, listing, thresholds};
use crate::import::toml_text::quoted;

/// From this many accelerators on, the section opens with a fleet map: one cell
/// each, grouped by node, reads better than lines.
pub const FLEET_MAP_FROM: usize = 32;

/// One exporter's names for the same readings.
struct Exporter {
    /// Title prefix.
    name: &'static str,
    /// The node label.
    node: &'static str,
    /// The device label within a node.
    device: &'static str,
    /// Utilisation and its unit (`percent` or `ratio`).
    utilisation: (&'static str, &'static str),
    memory: Option<(&'static str, &'static str)>,
    power: Option<&'static str>,
    temperature: Option<&'static str>,
    /// Temperature worth a warning, °C.
    hot: f64,
}

const DCGM: Exporter = Exporter {
    name: "GPU",
    node: "Hostname",
    device: "gpu",
    utilisation: ("DCGM_FI_DEV_GPU_UTIL", "percent"),
    memory: Some(("DCGM_FI_DEV_FB_USED", "MiB")),
    power: Some("DCGM_FI_DEV_POWER_USAGE"),
    temperature: Some("DCGM_FI_DEV_GPU_TEMP"),
    hot: 85.0,
};

const AMD: Exporter = Exporter {
    name: "AMD GPU",
    node: "hostname",
    device: "gpu_id",
    utilisation: ("gpu_gfx_activity", "percent"),
    memory: Some(("gpu_used_vram", "MiB")),
    power: Some("gpu_package_power"),
    temperature: Some("gpu_junction_temperature"),
    hot: 100.0,
};

const NEURON: Exporter = Exporter {
    name: "NeuronCore",
    node: "instance_id",
    device: "neuroncore",
    utilisation: ("neuroncore_utilization_ratio", "ratio"),
    memory: Some(("neuron_runtime_memory_used_bytes", "bytes")),
    power: None,
    temperature: None,
    hot: f64::INFINITY,
};

/// NVIDIA GPUs through the DCGM exporter.
pub fn dcgm(found: &Found) -> Section {
    let mut section = accelerator(found, &DCGM, "node");
    if let Some(tensor) = found.selector(
        "DCGM_FI_PROF_PIPE_TENSOR_ACTIVE",
        &node_filter(found, &DCGM, "node"),
    ) {
        section.panels.push(
            PanelDraft::lines("Tensor core activity by node")
                .unit("ratio")
                .prom(
                    &format!("avg by ({}) ({tensor})", node_label(found, &DCGM)),
                    &legend(found, &DCGM),
                ),
        );
    }
    if let Some(xid) = found.selector("DCGM_FI_DEV_XID_ERRORS", &node_filter(found, &DCGM, "node"))
    {
        section
            .panels
            .push(PanelDraft::lines("Last XID error by node").prom(
                &format!("max by ({}) ({xid})", node_label(found, &DCGM)),
                &legend(found, &DCGM),
            ));
    }
    section
}

/// AMD GPUs through the device metrics exporter (power under either name).
pub fn amd(found: &Found) -> Section {
    let mut exporter = AMD;
    if !found.has("gpu_package_power") && found.has("gpu_power_usage") {
        exporter.power = Some("gpu_power_usage");
    }
    accelerator(found, &exporter, "amd_node")
}

/// AWS Neuron through neuron-monitor: cores, and execution latency and errors.
pub fn neuron(found: &Found) -> Section {
    let mut section = accelerator(found, &NEURON, "neuron_instance");
    let by = node_label(found, &NEURON);
    let filter = node_filter(found, &NEURON, "neuron_instance");
    let p99_filter = if filter.is_empty() {
        "percentile=\"p99\"".to_owned()
    } else {
        format!("percentile=\"p99\", {filter}")
    };
    if let Some(latency) = found.selector("execution_latency_seconds", &p99_filter) {
        section.panels.push(
            PanelDraft::lines("Neuron p99 execution latency by instance")
                .unit("s")
                .prom(
                    &format!("max by ({by}) ({latency})"),
                    &format!("{{{{{by}}}}}"),
                ),
        );
    }
    if let Some(errors) = found.selector("execution_errors_total", &filter) {
        section.overview.push((
            Slot::Errors,
            PanelDraft::new("Neuron execution errors/s", "stat").prom(
                &format!("sum(rate({errors}[$__rate_interval]))"),
                "all instances",
            ),
        ));
        section.panels.push(
            PanelDraft::lines("Neuron execution errors/s by instance").prom(
                &format!("sum by ({by}) (rate({errors}[$__rate_interval]))"),
                &format!("{{{{{by}}}}}"),
            ),
        );
    }
    section
}

/// The node label the exporter's series carry here (`instance` when not its own).
fn node_label(found: &Found, exporter: &Exporter) -> String {
    if found.values(exporter.node).is_some() {
        exporter.node.to_owned()
    } else {
        "instance".to_owned()
    }
}

/// `Hostname=~"$node"` when the node variable exists.
fn node_filter(found: &Found, exporter: &Exporter, variable: &str) -> String {
    if found.values(exporter.node).is_some() {
        format!("{}=~\"${variable}\"", exporter.node)
    } else {
        String::new()
    }
}

fn legend(found: &Found, exporter: &Exporter) -> String {
    format!("{{{{{}}}}}", node_label(found, exporter))
}

/// What every accelerator exporter gets: the overview's utilisation, a node
/// variable, a fleet map when many, utilisation, memory, power and heat by node.
fn accelerator(found: &Found, exporter: &Exporter, variable: &str) -> Section {
    let name = exporter.name;
    let nodes = found.values(exporter.node);
    let mut section = Section {
        title: found.component.name.to_owned(),
        about: match (found.devices, nodes) {
            (Some(devices), Some(nodes)) => {
                format!("{devices} {name}s on {}", listing("nodes", Some(nodes)))
            }
            (Some(devices), None) => format!("{devices} {name}s"),
            (None, nodes) => listing("nodes", nodes),
        },
        ..Section::default()
    };
    let by = node_label(found, exporter);
    let filter = node_filter(found, exporter, variable);
    let legend = legend(found, exporter);
    let (utilisation_name, unit) = exporter.utilisation;
    let Some(all) = found.selector(utilisation_name, "") else {
        return section;
    };
    if nodes.is_some() {
        section.label_variable(variable, &format!("{name} node"), &all, exporter.node);
    }
    let full = if unit == "percent" { 100.0 } else { 1.0 };
    let steps = thresholds(&[
        (0.0, "blue", Some("idle")),
        (0.1 * full, "green", Some("ok")),
        (0.95 * full, "red", Some("hot")),
    ]);
    section.overview.push((
        Slot::Utilisation,
        PanelDraft::new(format!("{name} utilisation"), "stat")
            .unit(unit)
            .key("thresholds", steps.clone())
            .prom(&format!("avg({all})"), &format!("average over all {name}s")),
    ));
    let utilisation = found.selector(utilisation_name, &filter).unwrap_or(all);
    if found
        .devices
        .is_some_and(|devices| devices >= FLEET_MAP_FROM)
    {
        let mut map = PanelDraft::new(format!("{name} utilisation, every {name} by node"), "fleet")
            .wide()
            .unit(unit)
            .key("thresholds", steps);
        if nodes.is_some() {
            map = map.key("group_by", format!("[{}]", quoted(exporter.node)));
        }
        section.panels.push(map.prom(
            &utilisation,
            &format!(
                "{{{{{by}}}}} {} {{{{{}}}}}",
                exporter.device, exporter.device
            ),
        ));
    }
    section.panels.push(
        PanelDraft::lines(format!("{name} utilisation by node"))
            .unit(unit)
            .key("min", "0.0".to_owned())
            .key("max", crate::import::toml_text::number(full))
            .prom(&format!("avg by ({by}) ({utilisation})"), &legend),
    );
    if let Some((memory, memory_unit)) = exporter.memory
        && let Some(memory) = found.selector(memory, &filter)
    {
        section.panels.push(
            PanelDraft::lines(format!("{name} memory used by node"))
                .unit(memory_unit)
                .prom(&format!("sum by ({by}) ({memory})"), &legend),
        );
    }
    if let Some(power) = exporter
        .power
        .and_then(|power| found.selector(power, &filter))
    {
        section.panels.push(
            PanelDraft::lines(format!("{name} power by node"))
                .unit("W")
                .prom(&format!("sum by ({by}) ({power})"), &legend),
        );
    }
    if let Some(temperature) = exporter
        .temperature
        .and_then(|t| found.selector(t, &filter))
    {
        let title = format!("Hottest {name} by node");
        section.panels.push(
            PanelDraft::lines(&title)
                .unit("celsius")
                .prom(&format!("max by ({by}) ({temperature})"), &legend),
        );
        section.rule(
            &format!("{name} running hot"),
            &title,
            exporter.hot,
            "5m",
            "warning",
        );
    }
    section
}
