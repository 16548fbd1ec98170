//! Hosts' and clusters' sections: node exporter (CPU, memory, load, network) and
//! kube-state-metrics (pods, restarts, nodes not ready).

use crate::discover::draft::{Found, PanelDraft, Section, listing};

/// Hosts through node exporter.
pub fn node(found: &Found) -> Section {
    let mut section = Section {
        title: found.component.name.to_owned(),
        about: listing("hosts", found.values("instance")),
        ..Section::default()
    };
    if let Some(cpu) = found.selector("node_cpu_seconds_total", "mode=\"idle\"") {
        section.panels.push(
            PanelDraft::lines("CPU busy by host")
                .unit("ratio")
                .key("min", "0.0".to_owned())
                .key("max", "1.0".to_owned())
                .prom(
                    &format!("1 - avg by (instance) (rate({cpu}[$__rate_interval]))"),
                    "{{instance}}",
                ),
        );
    }
    if let (Some(available), Some(total)) = (
        found.selector("node_memory_MemAvailable_bytes", ""),
        found.selector("node_memory_MemTotal_bytes", ""),
    ) {
        let title = "Memory used by host";
        section.panels.push(
            PanelDraft::lines(title)
                .unit("ratio")
                .key("min", "0.0".to_owned())
                .key("max", "1.0".to_owned())
                .prom(&format!("1 - {available} / {total}"), "{{instance}}"),
        );
        section.rule("host memory nearly full", title, 0.95, "10m", "warning");
    }
    if let Some(load) = found.selector("node_load1", "") {
        section
            .panels
            .push(PanelDraft::lines("Load (1m) by host").prom(&load, "{{instance}}"));
    }
    if let Some(received) = found.selector("node_network_receive_bytes_total", "device!=\"lo\"") {
        section.panels.push(
            PanelDraft::lines("Network received bytes/s by host")
                .unit("bytes")
                .prom(
                    &format!("sum by (instance) (rate({received}[$__rate_interval]))"),
                    "{{instance}}",
                ),
        );
    }
    section
}

/// Kubernetes through kube-state-metrics.
pub fn kube(found: &Found) -> Section {
    let mut section = Section {
        title: found.component.name.to_owned(),
        about: listing("namespaces", found.values("namespace")),
        ..Section::default()
    };
    if let Some(phase) = found.selector("kube_pod_status_phase", "") {
        section.panels.push(
            PanelDraft::lines("Pods by phase")
                .prom(&format!("sum by (phase) ({phase})"), "{{phase}}"),
        );
    }
    if let Some(restarts) = found.selector("kube_pod_container_status_restarts_total", "") {
        let title = "Container restarts in the last hour by namespace";
        section.panels.push(PanelDraft::lines(title).prom(
            &format!("sum by (namespace) (increase({restarts}[1h]))"),
            "{{namespace}}",
        ));
        section.rule("containers restarting", title, 10.0, "10m", "warning");
    }
    if let Some(condition) = found.selector(
        "kube_node_status_condition",
        "condition=\"Ready\", status!=\"true\"",
    ) {
        let title = "Nodes not ready";
        section
            .panels
            .push(PanelDraft::lines(title).prom(&format!("sum({condition})"), "nodes not ready"));
        section.rule("nodes not ready", title, 0.5, "5m", "critical");
    }
    section
}
