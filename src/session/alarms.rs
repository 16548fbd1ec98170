//! A session's alarms: the lists its alarm sources answered, its local rules'
//! verdicts, and the history of every state change — keyed by query and panel ids.

use crate::alarm::engine::{Engine, Transition};
use crate::alarm::{Alarm, AlarmState, link, observed};
use crate::dashboard::{Dashboard, PanelId, QueryKey};
use crate::session::QueryStatus;
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Everything a session knows about alarms.
#[derive(Debug, Default)]
pub struct SessionAlarms {
    engine: Engine,
    /// Every local rule's alarm, ok ones included.
    local: Vec<Alarm>,
    /// The latest list each alarm query returned.
    observed: BTreeMap<QueryKey, Vec<Alarm>>,
    /// The objectives' burn-rate alarms, ok ones included.
    slo: Vec<Alarm>,
}

impl SessionAlarms {
    /// Takes in an alarm query's answer: links each alarm to the panel that shows
    /// its metric and records what changed since the previous answer.
    pub(crate) fn observe(
        &mut self,
        dashboard: &Dashboard,
        key: &QueryKey,
        mut alarms: Vec<Alarm>,
        at: DateTime<Utc>,
    ) {
        // This layout's own alarms, shared through this Alertmanager, are listed
        // already as evaluated here: not twice.
        if let Some(shared_through) = &dashboard.alertmanager {
            alarms.retain(|alarm| {
                alarm.source != shared_through.as_str()
                    || alarm.labels.get("layout") != Some(&dashboard.title)
            });
        }
        for alarm in &mut alarms {
            alarm.panel = link::panel_showing(alarm, dashboard);
        }
        let before = self.observed.get(key).map_or(&[][..], Vec::as_slice);
        let changes = observed::transitions(before, &alarms, at.timestamp_millis());
        self.engine.record(&changes);
        self.observed.insert(key.clone(), alarms);
    }

    /// Takes in the objectives' latest reports: one alarm per burn-rate alarm of
    /// each objective, firing while both its windows burn too fast, and the
    /// changes since the last reports recorded in the history.
    pub(crate) fn observe_slos(
        &mut self,
        dashboard: &Dashboard,
        reports: &[crate::slo::SloReport],
        at: DateTime<Utc>,
    ) {
        let alarms = crate::slo::alarms::alarms(dashboard, reports, &self.slo, at);
        let changes = observed::transitions(&self.slo, &alarms, at.timestamp_millis());
        self.engine.record(&changes);
        self.slo = alarms;
    }

    /// Runs the local rules on the store at `now_ms`.
    pub(crate) fn evaluate(
        &mut self,
        dashboard: &Dashboard,
        store: &Store,
        statuses: &BTreeMap<QueryKey, QueryStatus>,
        now_ms: i64,
    ) {
        if dashboard.rules.is_empty() {
            return;
        }
        self.engine.evaluate(dashboard, store, now_ms);
        let answered = |key: &QueryKey| statuses.get(key) == Some(&QueryStatus::Ok);
        self.local = self.engine.alarms(dashboard, &answered);
    }

    /// The local rules' alarms, every one with its state (ok too).
    pub fn local(&self) -> &[Alarm] {
        &self.local
    }

    /// Every alarm evaluated here, with its state (ok too): the local rules',
    /// then the objectives' burn-rate alarms.
    pub fn evaluated_here(&self) -> Vec<&Alarm> {
        self.local.iter().chain(&self.slo).collect()
    }

    /// What one alarm query last returned.
    pub fn of_query(&self, key: &QueryKey) -> Option<&[Alarm]> {
        self.observed.get(key).map(Vec::as_slice)
    }

    /// Whether an alarm query has answered at all.
    pub(crate) fn has_answered(&self, key: &QueryKey) -> bool {
        self.observed.contains_key(key)
    }

    /// Every alarm known: the alarm queries' lists, then the local rules'. The same
    /// alarm listed by two alarm panels appears twice; see [`SessionAlarms::distinct`].
    pub fn all(&self) -> impl Iterator<Item = &Alarm> {
        self.observed
            .values()
            .flatten()
            .chain(&self.local)
            .chain(&self.slo)
    }

    /// Every alarm once: an alarm two panels list (same source, name and labels)
    /// counts once.
    pub(crate) fn distinct(&self) -> Vec<&Alarm> {
        let mut seen = BTreeSet::new();
        self.all()
            .filter(|a| seen.insert((&a.source, &a.name, &a.labels)))
            .collect()
    }

    /// Every state change so far, oldest first.
    pub fn history(&self) -> &VecDeque<Transition> {
        self.engine.history()
    }

    /// The engine, for saving and restoring its history.
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The engine, mutable, for restoring a saved history.
    pub(crate) fn engine_mut(&mut self) -> &mut Engine {
        &mut self.engine
    }

    /// Where alarms fired on each panel: (panel, start, end or `None` while firing).
    pub fn firing_spans(&self) -> Vec<(PanelId, i64, Option<i64>)> {
        self.engine.firing_spans()
    }

    /// Takes over an earlier session's history.
    pub(crate) fn adopt_history(&mut self, earlier: &mut SessionAlarms) {
        self.engine.adopt_history(&mut earlier.engine);
    }

    /// Once every alarm is known after a restored history: closes the alarms the
    /// earlier run left open that are not active any more.
    pub(crate) fn close_restored(&mut self, dashboard: &Dashboard) {
        if !self.engine.awaits_close() {
            return;
        }
        // Local rules are named in the history by rule and series; alarms raised
        // elsewhere by name and source.
        let mut active: BTreeSet<(String, String)> = self.engine.active_keys(dashboard);
        active.extend(
            self.observed
                .values()
                .flatten()
                .filter(|a| a.state != AlarmState::Ok)
                .map(observed::history_key),
        );
        self.engine.close_restored(&active);
    }
}
