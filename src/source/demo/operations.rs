//! What the simulated fleet's operators do, as pure functions of (seed, time):
//! target-tracking autoscaling that follows the daily load, a chaos experiment
//! about once a day (one instance stopped for ten minutes), and the two ways an
//! incident shows — a traffic surge that saturates the pool, or a replica that
//! fails — each with its own signature in utilisation, KV cache, queue, errors
//! and latency. The demo source reports the scaling actions and experiments as
//! [`OpsEvent`]s, so charts can say "because we scaled in".

use super::fleet::Fleet;
use super::noise;
use crate::ops::{OpsEvent, OpsKind};

/// The autoscaler's evaluation grid, seconds: it looks at the load once per
/// step and the new instance count is in service one step later.
pub(crate) const SCALING_STEP_S: f64 = 600.0;
/// How long a chaos experiment runs, seconds.
pub(crate) const EXPERIMENT_LENGTH_S: f64 = 600.0;
/// Chance that a day has a chaos experiment.
const EXPERIMENT_CHANCE: f64 = 0.85;

/// How an incident shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncidentKind {
    /// A traffic surge beyond what the pool serves: every replica pegged, the KV
    /// cache full, the queue growing, latency up; few errors.
    Saturation,
    /// One replica fails: its accelerators fall silent, the others carry its
    /// load, 5xx errors spike, the queue and latency climb.
    FailedReplica,
}

/// One chaos experiment of the demo fleet.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Experiment {
    /// Which endpoint it targets.
    pub endpoint: usize,
    /// When it starts, seconds since the epoch.
    pub start_s: f64,
    /// Its id, as FIS names them (`EXP…`).
    pub id: String,
}

impl Experiment {
    /// Whether it is running at `t_s`.
    pub(crate) fn covers(&self, t_s: f64) -> bool {
        (0.0..EXPERIMENT_LENGTH_S).contains(&(t_s - self.start_s))
    }
}

impl Fleet {
    /// The kind of the incident that may be running on `endpoint` in the hour
    /// holding `t_s` (drawn per hour, like the incident itself).
    pub(crate) fn incident_kind(&self, endpoint: usize, t_s: f64) -> IncidentKind {
        let hour = (t_s / 3600.0).floor() as i64;
        if noise::unit(
            self.seed,
            noise::key("incident-kind") ^ endpoint as u64,
            hour,
        ) < 0.5
        {
            IncidentKind::Saturation
        } else {
            IncidentKind::FailedReplica
        }
    }

    /// The load the autoscaler sees at `t_s`: the daily curve and the slow
    /// wobble, not the second-to-second noise.
    fn scaler_load(&self, endpoint: usize, t_s: f64) -> f64 {
        let e = &self.endpoints[endpoint];
        let stream = noise::key(e.endpoint_name);
        e.peak_rps
            * Self::daily_shape(t_s)
            * (1.0 + 0.10 * noise::smooth(self.seed, stream, t_s, 300.0))
    }

    /// Instances the scaler wants after its `step`-th evaluation. Target
    /// tracking as AWS does it: out as soon as the load per instance is above the
    /// target, in one instance at a time and only once the rest would stay well
    /// below it, so the pool does not flap. Each day starts from the load at
    /// midnight and is worked out once (see [`Fleet::scaler_day`]).
    fn desired(&self, endpoint: usize, step: i64) -> usize {
        let e = &self.endpoints[endpoint];
        if e.target_rps_per_instance.is_none() {
            return e.instances;
        }
        let per_day = (86_400.0 / SCALING_STEP_S) as i64;
        let day = step.div_euclid(per_day);
        self.scaler_day(endpoint, day, |counts| {
            counts[step.rem_euclid(per_day) as usize]
        })
    }

    /// The scaler's decisions over the `day`-th day, one per step.
    pub(crate) fn scaler_decisions(&self, endpoint: usize, day: i64) -> Vec<usize> {
        let e = &self.endpoints[endpoint];
        let target = e.target_rps_per_instance.unwrap_or(f64::INFINITY);
        let per_day = (86_400.0 / SCALING_STEP_S) as i64;
        let wanted =
            |load: f64| ((load / target).ceil() as usize).clamp(e.min_instances, e.instances);
        let first = day * per_day;
        let mut count = wanted(self.scaler_load(endpoint, first as f64 * SCALING_STEP_S));
        (first..first + per_day)
            .map(|step| {
                let load = self.scaler_load(endpoint, step as f64 * SCALING_STEP_S);
                if load > target * count as f64 {
                    count = wanted(load);
                } else if count > e.min_instances && load < 0.8 * target * (count - 1) as f64 {
                    count -= 1;
                }
                count
            })
            .collect()
    }

    /// Instances in service at `t_s` (the scaler's last decision but one: new
    /// instances take a step to come in service).
    pub fn instances_at(&self, endpoint: usize, t_s: f64) -> usize {
        self.desired(endpoint, (t_s / SCALING_STEP_S).floor() as i64 - 1)
    }

    /// The scaling actions of `endpoint` in `[from_s, to_s)`: when, from, to.
    pub(crate) fn scaling_between(
        &self,
        endpoint: usize,
        from_s: f64,
        to_s: f64,
    ) -> Vec<(f64, usize, usize)> {
        let first = (from_s / SCALING_STEP_S).floor() as i64;
        let last = (to_s / SCALING_STEP_S).ceil() as i64;
        let mut actions = Vec::new();
        for step in first..=last {
            let at = step as f64 * SCALING_STEP_S;
            let (before, after) = (
                self.instances_at(endpoint, at - 1.0),
                self.instances_at(endpoint, at),
            );
            if before != after && (from_s..to_s).contains(&at) {
                actions.push((at, before, after));
            }
        }
        actions
    }

    /// The chaos experiment of the `day`-th day since the epoch, if it has one:
    /// in working hours (UTC), on an endpoint with more than one instance.
    pub(crate) fn experiment(&self, day: i64) -> Option<Experiment> {
        if noise::unit(self.seed, noise::key("chaos"), day) >= EXPERIMENT_CHANCE {
            return None;
        }
        let candidates: Vec<usize> = (0..self.endpoints.len())
            .filter(|&i| self.endpoints[i].min_instances > 1)
            .collect();
        let pick = noise::unit(self.seed, noise::key("chaos-endpoint"), day);
        let endpoint = *candidates.get((pick * candidates.len() as f64) as usize)?;
        let hour = 9.0 + 8.0 * noise::unit(self.seed, noise::key("chaos-start"), day);
        // On the minute, as a person starts an experiment.
        let start_s = day as f64 * 86_400.0 + (hour * 60.0).floor() * 60.0;
        Some(Experiment {
            endpoint,
            start_s,
            id: format!("EXP{:017X}", noise::key("chaos-id") ^ day as u64)
                .chars()
                .take(20)
                .collect(),
        })
    }

    /// The experiment running on `endpoint` at `t_s`, if one is.
    pub(crate) fn experiment_at(&self, endpoint: usize, t_s: f64) -> Option<Experiment> {
        let day = (t_s / 86_400.0).floor() as i64;
        self.experiment(day)
            .filter(|x| x.endpoint == endpoint && x.covers(t_s))
    }

    /// [`Fleet::failed_instance`], from what the caller already worked out.
    pub(crate) fn failed_instance_of(
        &self,
        endpoint: usize,
        t_s: f64,
        instances: usize,
        incident: f64,
        kind: IncidentKind,
    ) -> Option<usize> {
        let failing = (incident > 0.2 && kind == IncidentKind::FailedReplica)
            || self.experiment_at(endpoint, t_s).is_some();
        (failing && instances > 1).then(|| instances - 1)
    }

    /// The scaling actions and experiments in `[from_ms, to_ms]`, as events: an
    /// experiment that has not ended by `to_ms` is `running`.
    pub(crate) fn operations(&self, from_ms: i64, to_ms: i64) -> Vec<OpsEvent> {
        let (from_s, to_s) = (from_ms as f64 / 1000.0, to_ms as f64 / 1000.0);
        let mut events = Vec::new();
        for (index, e) in self.endpoints.iter().enumerate() {
            let aliases = vec![e.model_name.to_owned()];
            for (at, before, after) in self.scaling_between(index, from_s, to_s) {
                let direction = if after > before { "above" } else { "below" };
                let target = e.target_rps_per_instance.unwrap_or_default() * 60.0;
                events.push(OpsEvent {
                    resource: e.endpoint_name.to_owned(),
                    aliases: aliases.clone(),
                    start_ms: (at * 1000.0) as i64,
                    end_ms: None,
                    kind: OpsKind::Scaling {
                        from: before as u32,
                        to: after as u32,
                        cause: format!(
                            "SageMakerVariantInvocationsPerInstance {direction} target {target:.0}/min"
                        ),
                    },
                });
            }
        }
        let first_day = (from_s / 86_400.0).floor() as i64 - 1;
        let last_day = (to_s / 86_400.0).floor() as i64;
        for day in first_day..=last_day {
            let Some(experiment) = self.experiment(day) else {
                continue;
            };
            let end_s = experiment.start_s + EXPERIMENT_LENGTH_S;
            if end_s < from_s || experiment.start_s > to_s {
                continue;
            }
            let e = &self.endpoints[experiment.endpoint];
            let ended = end_s <= to_s;
            events.push(OpsEvent {
                resource: e.endpoint_name.to_owned(),
                aliases: vec![e.model_name.to_owned()],
                start_ms: (experiment.start_s * 1000.0) as i64,
                end_ms: ended.then_some((end_s * 1000.0) as i64),
                kind: OpsKind::Experiment {
                    id: experiment.id.clone(),
                    description: format!(
                        "stop one instance of {} for 10 minutes (aws:ec2:stop-instances)",
                        e.endpoint_name
                    ),
                    state: if ended { "completed" } else { "running" }.to_owned(),
                },
            });
        }
        events.sort_by_key(|e| e.start_ms);
        events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: f64 = 86_400.0;
    /// 2026-11-25T00:00:00Z.
    const NOV_25: f64 = 1_795_564_800.0;

    #[test]
    fn the_autoscaled_pool_follows_the_daily_load_within_its_bounds() {
        let fleet = Fleet::new(42);
        let mistral = 1;
        let counts: Vec<usize> = (0..144)
            .map(|step| fleet.instances_at(mistral, NOV_25 + step as f64 * SCALING_STEP_S))
            .collect();
        let (low, high) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        let e = &fleet.endpoints[mistral];
        assert!(*low >= e.min_instances && *high <= e.instances);
        assert!(
            high - low >= 2,
            "the pool moved only {low}–{high} over a day"
        );
        // Busy mid-afternoon, quiet at night.
        assert!(
            fleet.instances_at(mistral, NOV_25 + 16.0 * 3600.0)
                > fleet.instances_at(mistral, NOV_25 + 4.0 * 3600.0)
        );
        let actions = fleet.scaling_between(mistral, NOV_25, NOV_25 + DAY);
        assert!(actions.len() >= 2, "{actions:?}");
        for (at, before, after) in actions {
            assert_eq!(fleet.instances_at(mistral, at - 1.0), before);
            assert_eq!(fleet.instances_at(mistral, at), after);
        }
    }

    #[test]
    fn most_days_have_one_experiment_in_working_hours_and_it_stops_an_instance() {
        let fleet = Fleet::new(42);
        let days = (NOV_25 / DAY) as i64;
        let experiments: Vec<Experiment> = (days..days + 14)
            .filter_map(|d| fleet.experiment(d))
            .collect();
        assert!(experiments.len() >= 9, "{} in two weeks", experiments.len());
        for x in &experiments {
            let hour = (x.start_s / 3600.0).rem_euclid(24.0);
            assert!((9.0..17.0).contains(&hour), "{hour}");
            let during = x.start_s + 60.0;
            let instances = fleet.instances_at(x.endpoint, during);
            let incident = fleet.incident(x.endpoint, during);
            let kind = fleet.incident_kind(x.endpoint, during);
            assert!(
                fleet
                    .failed_instance_of(x.endpoint, during, instances, incident, kind)
                    .is_some()
            );
            assert!(
                fleet
                    .experiment_at(x.endpoint, x.start_s + EXPERIMENT_LENGTH_S)
                    .is_none()
            );
        }
    }

    #[test]
    fn operations_are_events_with_their_words() {
        let fleet = Fleet::new(42);
        let from = (NOV_25 * 1000.0) as i64;
        let events = fleet.operations(from, from + 86_400_000);
        let scaling = events.iter().filter(|e| !e.is_band()).count();
        let chaos = events.iter().filter(|e| e.is_band()).count();
        assert!(scaling >= 2 && chaos <= 1, "{events:?}");
        let label = events.iter().find(|e| !e.is_band()).unwrap().label();
        assert!(
            label.contains("scaled") && label.contains("target"),
            "{label}"
        );
    }
}
