//! Alarms a whole team shares through Alertmanager (`alertmanager = "SOURCE"` in a
//! layout): the alarms fleetdeck evaluates (local rules, objectives' burn rates)
//! are posted to its v2 API and sent again every half minute while they fire, so
//! Alertmanager groups, routes and pages them; an acknowledgement is a silence,
//! and any silence that covers an alarm — made here, with `amtool` or in its UI —
//! shows it acknowledged in every window and wall on that Alertmanager.
//!
//! The link runs on the runtime; the session offers it the current alarms after
//! each evaluation and takes back what Alertmanager said. While Alertmanager
//! cannot be reached, alarms keep firing here, the status bar says so, and what
//! changed meanwhile (alerts that resolved, silences asked for) waits in an outbox
//! and is sent when it is back.

pub mod alerts;
pub mod silences;

use crate::alarm::Alarm;
use crate::dashboard::sources::prometheus::Settings;
use crate::source::http::HttpClient;
use alerts::Posted;
use chrono::{DateTime, Utc};
use silences::{NewSilence, Silence};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// How often firing alerts are sent again and silences read back at most: at
/// the layout's refresh when faster, so an acknowledgement made elsewhere shows
/// within one refresh.
pub const RESEND: Duration = Duration::from_secs(30);

/// What the link last heard from Alertmanager.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShareState {
    /// The silences it holds (active, pending and lately expired).
    pub silences: Vec<Silence>,
    /// Since when it cannot be reached, and why; `None` while it answers.
    pub unreachable: Option<(DateTime<Utc>, String)>,
    /// When alerts last reached it.
    pub delivered_at: Option<DateTime<Utc>>,
}

impl ShareState {
    /// Whether an active silence covers the alert with these labels.
    pub fn silenced(&self, labels: &BTreeMap<String, String>) -> bool {
        self.silences.iter().any(|s| s.covers(labels))
    }
}

/// The background link of one session to one Alertmanager; stops when dropped.
pub(crate) struct ShareLink {
    layout: String,
    alarms: watch::Sender<Vec<Alarm>>,
    silence: mpsc::Sender<NewSilence>,
    state: Arc<Mutex<ShareState>>,
    task: tokio::task::JoinHandle<()>,
}

impl ShareLink {
    /// Starts sharing the alarms of layout `layout` with the Alertmanager of
    /// `settings`; `wake` is called when it has news.
    pub(crate) fn start(
        runtime: &tokio::runtime::Handle,
        settings: Settings,
        layout: String,
        refresh: Duration,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> ShareLink {
        let (alarms, offered) = watch::channel(Vec::new());
        // A person acknowledges a few alarms at a time; past this many waiting,
        // a click is dropped (and can be made again) rather than held forever.
        let (silence, asked) = mpsc::channel(64);
        let state: Arc<Mutex<ShareState>> = Arc::default();
        let every = refresh.clamp(Duration::from_secs(1), RESEND);
        let task = runtime.spawn(run(
            settings,
            layout.clone(),
            every,
            offered,
            asked,
            state.clone(),
            wake,
        ));
        ShareLink {
            layout,
            alarms,
            silence,
            state,
            task,
        }
    }

    /// Offers the alarms evaluated here now (ok ones too, so a resolved alarm is
    /// sent as resolved); a list equal to the last one is not news.
    pub(crate) fn offer(&self, alarms: Vec<Alarm>) {
        self.alarms.send_if_modified(|held| {
            if *held == alarms {
                return false;
            }
            *held = alarms;
            true
        });
    }

    /// Acknowledges `alarm` for everyone: a silence of its labels.
    pub(crate) fn acknowledge(&self, alarm: &Alarm, comment: &str, expiry: Duration) {
        let labels = alerts::labels(alarm, &self.layout);
        let silence =
            NewSilence::acknowledging(&labels, &silences::author(), comment, Utc::now(), expiry);
        let _ = self.silence.try_send(silence);
    }

    /// The labels `alarm` is posted with.
    pub(crate) fn labels(&self, alarm: &Alarm) -> BTreeMap<String, String> {
        alerts::labels(alarm, &self.layout)
    }

    /// What Alertmanager last said.
    pub(crate) fn state(&self) -> ShareState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for ShareLink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The link's loop: send what changed at once, everything firing every `every`,
/// silences as they are asked for; read the silences back each time.
async fn run(
    settings: Settings,
    layout: String,
    every: Duration,
    mut offered: watch::Receiver<Vec<Alarm>>,
    mut asked: mpsc::Receiver<NewSilence>,
    state: Arc<Mutex<ShareState>>,
    wake: Arc<dyn Fn() + Send + Sync>,
) {
    let mut outbox = Outbox::default();
    let mut client: Option<HttpClient> = None;
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            changed = offered.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            Some(silence) = asked.recv() => outbox.silences.push(silence),
            _ = ticker.tick() => {}
        }
        let now = Utc::now();
        outbox.follow(&offered.borrow_and_update(), &layout, now);
        if client.is_none() {
            match HttpClient::connect(&settings.http, &settings.base_url).await {
                Ok(connected) => client = Some(connected),
                Err(error) => {
                    record(&state, Err(error), None, now);
                    wake();
                    continue;
                }
            }
        }
        let Some(http) = client.as_ref() else {
            continue;
        };
        let outcome = exchange(http, &settings.base_url, &mut outbox).await;
        let silences = match &outcome {
            Ok(silences) => Some(silences.clone()),
            Err(_) => None,
        };
        record(&state, outcome.map(|_| ()), silences, now);
        wake();
    }
}

/// What waits to be sent.
#[derive(Default)]
struct Outbox {
    /// Every alert firing now, by labels.
    firing: BTreeMap<BTreeMap<String, String>, Posted>,
    /// Alerts that stopped firing and were not yet delivered as resolved.
    resolved: Vec<Posted>,
    /// Acknowledgements not yet delivered.
    silences: Vec<NewSilence>,
}

impl Outbox {
    /// Follows the alarms now: new firings join, firings that stopped become
    /// resolved alerts, those still firing are refreshed.
    fn follow(&mut self, alarms: &[Alarm], layout: &str, now: DateTime<Utc>) {
        let now_firing: BTreeMap<BTreeMap<String, String>, Posted> = alerts::firing_of(alarms)
            .map(|alarm| {
                let posted = alerts::firing(alarm, layout, now);
                (posted.labels.clone(), posted)
            })
            .collect();
        for (labels, posted) in std::mem::take(&mut self.firing) {
            if !now_firing.contains_key(&labels) {
                self.resolved.push(alerts::resolved(posted, now));
            }
        }
        self.firing = now_firing;
    }
}

/// One round with Alertmanager: every firing and resolved alert, the asked
/// silences, then the silences it holds. What failed stays in the outbox.
async fn exchange(
    http: &HttpClient,
    base_url: &str,
    outbox: &mut Outbox,
) -> Result<Vec<Silence>, String> {
    let alerts: Vec<&Posted> = outbox.firing.values().chain(&outbox.resolved).collect();
    if !alerts.is_empty() {
        post(http, &format!("{base_url}/api/v2/alerts"), &alerts).await?;
        outbox.resolved.clear();
    }
    while let Some(silence) = outbox.silences.first() {
        post(http, &format!("{base_url}/api/v2/silences"), silence).await?;
        outbox.silences.remove(0);
    }
    let response = http
        .send(http.get(&format!("{base_url}/api/v2/silences")))
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("silences: HTTP {status}"));
    }
    silences::parse(&body)
}

async fn post<T: serde::Serialize + ?Sized>(
    http: &HttpClient,
    url: &str,
    body: &T,
) -> Result<(), String> {
    let response = http
        .send(http.post(url).json(body))
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let said = response.text().await.unwrap_or_default();
    Err(format!("{url}: HTTP {status}: {}", said.trim()))
}

/// Keeps what a round found out.
fn record(
    state: &Mutex<ShareState>,
    outcome: Result<(), String>,
    silences: Option<Vec<Silence>>,
    now: DateTime<Utc>,
) {
    let Ok(mut state) = state.lock() else {
        return;
    };
    match outcome {
        Ok(()) => {
            state.unreachable = None;
            state.delivered_at = Some(now);
        }
        Err(why) => {
            let since = state.unreachable.as_ref().map_or(now, |(since, _)| *since);
            state.unreachable = Some((since, why));
        }
    }
    if let Some(silences) = silences {
        state.silences = silences;
    }
}
