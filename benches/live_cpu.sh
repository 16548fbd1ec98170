#!/usr/bin/env bash
# CPU of a live dashboard: 60 series (12 panels x 5) from a real Prometheus that
# scrapes the simulated fleet every second, refreshed every second, drawn on Xvfb
# (1920x1080, Composite off) by Mesa's software rasteriser. Reports, over a
# measured minute after a warm-up, the share of one core used by fleetdeck's own
# threads and by llvmpipe's rasteriser threads, from /proc/PID/task/*/stat.
#
#   benches/live_cpu.sh [BINARY] [SECONDS]
#
# Needs prometheus, Xvfb (Debian: prometheus, xvfb); BINARY defaults to
# target/release/fleetdeck (build it first), which also serves the simulated fleet
# (SIMULATOR=... to choose another), so older builds are measured on the same data.
set -euo pipefail
binary=${1:-target/release/fleetdeck}
seconds=${2:-60}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sim_port=$(port); prom_port=$(port)
"${SIMULATOR:-target/release/fleetdeck}" simulate --listen "127.0.0.1:$sim_port" >"$work/sim.log" 2>&1 & pids+=($!)
cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: fleet
    static_configs:
      - targets: ['127.0.0.1:$sim_port']
EOF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/data" \
  --web.listen-address="127.0.0.1:$prom_port" --log.level=warn >"$work/prom.log" 2>&1 & pids+=($!)
until curl -sf "127.0.0.1:$prom_port/api/v1/query?query=count(neuroncore_utilization_ratio)" | grep -q '"80"'; do sleep 0.5; done

# 60 NeuronCores of the fleet's 80, five to a panel, twelve panels.
curl -sf "127.0.0.1:$prom_port/api/v1/series" --data-urlencode 'match[]=neuroncore_utilization_ratio' |
  python3 -c '
import json, sys
port = sys.argv[1]
cores = sorted((s["instance_id"], int(s["neuroncore"])) for s in json.load(sys.stdin)["data"])[:60]
print(f"""version = 1
title = "live 1 Hz"
refresh = "1s"
time = {{ from = "now-5m", to = "now" }}

[sources.prom]
kind = "prometheus"
url = "http://127.0.0.1:{port}"
scrape_interval = "1s"
""")
for panel in range(12):
    chunk = cores[panel * 5:panel * 5 + 5]
    by_instance = {}
    for instance, core in chunk:
        by_instance.setdefault(instance, []).append(str(core))
    promql = " or ".join(
        f"neuroncore_utilization_ratio{{instance_id=\"{i}\",neuroncore=~\"{chr(124).join(c)}\"}}"
        for i, c in by_instance.items())
    print(f"""
[[panels]]
title = "NeuronCores {panel * 5}-{panel * 5 + 4}"
grid = {{ x = {(panel % 2) * 12}, y = {(panel // 2) * 4}, w = 12, h = 4 }}
unit = "ratio"
  [[panels.queries]]
  source = "prom"
  promql = \x27{promql}\x27
  legend = "{{{{instance_id}}}} core {{{{neuroncore}}}}"
""")
' "$prom_port" >"$work/live.toml"
"$binary" check "$work/live.toml" >/dev/null

display=:$((90 + RANDOM % 60))
Xvfb "$display" -screen 0 "${LIVE_SCREEN:-1920x1080}x24" -nolisten tcp -extension Composite >/dev/null 2>&1 & pids+=($!)
while [ ! -e "/tmp/.X11-unix/X${display#:}" ]; do sleep 0.1; done
DISPLAY=$display RUST_LOG=fleetdeck::app=trace "$binary" "$work/live.toml" >"$work/app.log" 2>&1 & app=$!; pids+=($app)
sleep 20 # warm-up: window, first fetches, caches

# utime + stime (clock ticks) per thread class: llvmpipe's rasteriser or our own.
ticks() {
  local own=0 raster=0
  for stat in /proc/"$app"/task/*/stat; do
    read -r line <"$stat" || continue
    local name=${line#*(}; name=${name%%)*}
    local rest=${line##*) }
    # shellcheck disable=SC2206
    local fields=($rest)
    local used=$((fields[11] + fields[12]))
    case $name in llvmpipe*) raster=$((raster + used)) ;; *) own=$((own + used)) ;; esac
  done
  echo "$own $raster"
}
# Per thread name, for the breakdown printed last.
by_thread() { for stat in /proc/"$app"/task/*/stat; do read -r line <"$stat" || continue; local name=${line#*(}; name=${name%%)*}; local rest=${line##*) }; local f=($rest); echo "$name $((f[11] + f[12]))"; done | awk '{t[$1]+=$2} END {for (n in t) print n, t[n]}' | sort; }
by_thread >"$work/threads0"
frames0=$(grep -c frame "$work/app.log" || true)
read -r own0 raster0 < <(ticks)
sleep "$seconds"
read -r own1 raster1 < <(ticks)
frames1=$(grep -c frame "$work/app.log" || true)
by_thread >"$work/threads1"
hz=$(getconf CLK_TCK)
awk -v o=$((own1 - own0)) -v r=$((raster1 - raster0)) -v hz="$hz" -v s="$seconds" 'BEGIN {
  printf "60 series at 1 Hz over %d s: fleetdeck threads %.1f %% of a core, llvmpipe rasteriser %.1f %%, total %.1f %%\n",
    s, 100 * o / hz / s, 100 * r / hz / s, 100 * (o + r) / hz / s }'
echo "  frames: $((frames1 - frames0)) in $seconds s"
join "$work/threads0" "$work/threads1" | awk -v hz="$hz" -v s="$seconds" '{ printf "  %-16s %5.2f %%\n", $1, 100 * ($3 - $2) / hz / s }'
