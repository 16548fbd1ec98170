//! The `prometheus` source: any server with the Prometheus HTTP API — Prometheus,
//! VictoriaMetrics, Mimir/Cortex.
//!
//! Secrets (bearer token, basic-auth password) are read from environment variables
//! or files when the source is built; the layout only names where they live.

pub(crate) mod api;
mod native;
pub(crate) mod promql;
pub mod sigv4;
mod stream;

use super::{
    Extreme, FetchFuture, QueryProblem, RangeRequest, SeriesData, Source, SourceError,
    SourceLimits, SourceQuery,
};
use crate::dashboard::AlarmFilter;
pub(crate) use crate::dashboard::sources::prometheus::{PromQuery, Settings};
use crate::layout_file::PromFlavor;
use crate::layout_file::{Query, SourceConfig};
use crate::source::http::HttpClient;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Default per-request timeout.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default scrape interval assumed for `$__rate_interval`.
pub(crate) const DEFAULT_SCRAPE_INTERVAL: Duration = Duration::from_secs(15);
/// Largest answer read; a runaway query must not exhaust memory.
pub(crate) const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// How many times a refused step is doubled before giving up.
const MAX_STEP_RETRIES: u32 = 4;

/// A Prometheus-compatible server.
pub(crate) struct PrometheusSource {
    settings: Settings,
    /// Built on first use, on the runtime: it reads token and CA files. A
    /// configuration problem (an unset token variable, an unreadable CA file) is
    /// kept and reported on every fetch.
    client: tokio::sync::OnceCell<Result<HttpClient, String>>,
    limits: SourceLimits,
    bytes: AtomicU64,
    /// Amazon Managed Prometheus: signs every request.
    signer: Option<sigv4::Signer>,
    /// Range queries being answered now, by what is asked: a second panel asking
    /// the same (a fleet map and a spread over the same 10,000 GPUs, both at the
    /// step their point budget gives) waits for the first one's answer instead of
    /// making the server compute and send it twice.
    in_flight: std::sync::Mutex<HashMap<String, Arc<SharedAnswer>>>,
}

/// One answer shared by every fetch that asked the same while it was coming.
type SharedAnswer = tokio::sync::OnceCell<Result<Arc<Vec<SeriesData>>, SourceError>>;

impl PrometheusSource {
    /// A source for `settings`; nothing is read or connected until the first fetch.
    pub(crate) fn new(settings: Settings) -> PrometheusSource {
        let max_points = match settings.flavor {
            PromFlavor::Victoriametrics => 30_000,
            PromFlavor::Prometheus | PromFlavor::Mimir => 11_000,
        };
        PrometheusSource {
            limits: SourceLimits {
                // Finer than the scrape interval only repeats samples.
                min_step_ms: (settings.scrape_interval.as_millis() as i64).max(1_000),
                max_points_per_series: max_points,
            },
            signer: settings.sigv4.clone().map(sigv4::Signer::new),
            client: tokio::sync::OnceCell::new(),
            bytes: AtomicU64::new(0),
            in_flight: std::sync::Mutex::default(),
            settings,
        }
    }

    /// GETs an API path; returns the body of a 2xx answer or the server's error.
    pub(crate) async fn get(
        &self,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<Vec<u8>, SourceError> {
        let response = self.send(path, params).await?;
        let status = response.status();
        let body = self.read_body(response).await?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(api::parse_error(status.as_u16(), &body))
        }
    }

    /// GETs a query path whose answer is series, decoded as it downloads.
    async fn get_series(
        &self,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<Vec<SeriesData>, SourceError> {
        let response = self.send(path, params).await?;
        let status = response.status();
        if !status.is_success() {
            let body = self.read_body(response).await?;
            return Err(api::parse_error(status.as_u16(), &body));
        }
        let (series, received) =
            stream::decode_series(response, MAX_RESPONSE_BYTES, |e| self.transport_error(e)).await;
        self.bytes.fetch_add(received as u64, Ordering::Relaxed);
        series
    }

    /// As [`Self::get_series`], shared with any fetch of exactly the same that
    /// is under way: one request to the server, an answer for each.
    async fn get_series_shared(
        &self,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<Vec<SeriesData>, SourceError> {
        let asked: String = params
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("\u{0}");
        let cell = match self.in_flight.lock() {
            Ok(mut in_flight) => in_flight.entry(asked.clone()).or_default().clone(),
            Err(_) => Arc::default(),
        };
        let answer = cell
            .get_or_init(|| async { self.get_series(path, params).await.map(Arc::new) })
            .await
            .clone();
        // Answered: the next refresh asks the server again.
        if let Ok(mut in_flight) = self.in_flight.lock()
            && in_flight.get(&asked).is_some_and(|c| Arc::ptr_eq(c, &cell))
        {
            in_flight.remove(&asked);
        }
        drop(cell);
        // Alone, the answer is taken as it is; shared, each fetch gets a copy.
        answer.map(|series| Arc::try_unwrap(series).unwrap_or_else(|shared| (*shared).clone()))
    }

    /// The connected client: secrets and certificates are read on first use.
    async fn http(&self) -> Result<&HttpClient, SourceError> {
        self.client
            .get_or_init(|| HttpClient::connect(&self.settings.http, &self.settings.base_url))
            .await
            .as_ref()
            .map_err(|e| SourceError::Config(e.clone()))
    }

    /// Sends a GET of an API path (signed for SigV4 sources).
    async fn send(
        &self,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<reqwest::Response, SourceError> {
        let http = self.http().await?;
        let url = request_url(&self.settings.base_url, path, params);
        let Some(signer) = &self.signer else {
            return http.send(http.get(&url)).await;
        };
        let mut request = http
            .get(&url)
            .build()
            .map_err(|e| SourceError::Config(format!("bad URL {url}: {e}")))?;
        signer.sign(&mut request).await?;
        http.execute(request).await
    }

    /// The whole body of an answer (at most [`MAX_RESPONSE_BYTES`]).
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, SourceError> {
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.transport_error(&e))?
        {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(SourceError::Server(format!(
                    "answer larger than {} MiB; narrow the query or the range",
                    MAX_RESPONSE_BYTES / (1024 * 1024)
                )));
            }
            body.extend_from_slice(&chunk);
        }
        self.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
        Ok(body)
    }

    async fn query_range(&self, request: &RangeRequest) -> Result<Vec<SeriesData>, SourceError> {
        let SourceQuery::Prometheus(query) = &request.query else {
            return Err(super::wrong_kind("prometheus"));
        };
        let mut step = request.step_ms.max(1);
        let mut attempt = 0;
        loop {
            // Align to the step so refreshes land on the same timestamps and merge cleanly.
            let start = request.window.start_ms.div_euclid(step) * step;
            let scrape_ms = self.settings.scrape_interval.as_millis() as i64;
            // VictoriaMetrics caps even a subquery's points per series.
            let subquery_points = (self.settings.flavor == PromFlavor::Victoriametrics)
                .then_some(self.limits.max_points_per_series);
            let query = promql::fill_band_resolution(
                &query.promql,
                scrape_ms,
                request.window.span_ms(),
                step,
                subquery_points,
            );
            let query = promql::substitute(
                &query,
                step,
                request.window.span_ms(),
                self.settings.scrape_interval.as_millis() as i64,
            );
            let params = [
                ("query", query),
                ("start", seconds(start)),
                ("end", seconds(request.window.end_ms)),
                ("step", seconds(step)),
            ];
            let asked = std::time::Instant::now();
            match self.get_series_shared("/api/v1/query_range", &params).await {
                Ok(series) => {
                    // What a slow panel costs: the server and the decode overlap.
                    tracing::debug!(
                        query = %params[0].1,
                        step_ms = step,
                        series = series.len(),
                        ms = asked.elapsed().as_millis() as u64,
                        "query_range"
                    );
                    return Ok(series);
                }
                Err(error) if api::is_too_many_points(&error) && attempt < MAX_STEP_RETRIES => {
                    attempt += 1;
                    step *= 2;
                    tracing::debug!("server refused the step; retrying with {step} ms");
                }
                Err(error) => return Err(error),
            }
        }
    }
}

impl Source for PrometheusSource {
    fn limits(&self) -> SourceLimits {
        self.limits
    }

    fn fetch_range<'a>(&'a self, request: &'a RangeRequest) -> FetchFuture<'a> {
        Box::pin(self.query_range(request))
    }

    /// `count(expr)` at the window's end (an instant query: one number back),
    /// so a query of 10,000 series is planned under the panel's point budget
    /// before its first answer; an aggregation over the whole fleet is one series
    /// without asking.
    fn count_series<'a>(
        &'a self,
        query: &'a SourceQuery,
        window: crate::time_range::Window,
        now_ms: i64,
    ) -> super::CountFuture<'a> {
        Box::pin(async move {
            let SourceQuery::Prometheus(query) = query else {
                return None;
            };
            if crate::promql::is_one_series(&query.promql) {
                return Some(1);
            }
            let scrape_ms = self.settings.scrape_interval.as_millis() as i64;
            let step = crate::source::step::plan_step(window, 1_000, self.limits);
            let promql = promql::substitute(&query.promql, step, window.span_ms(), scrape_ms);
            let params = [
                ("query", format!("count({promql})")),
                ("time", seconds(window.end_ms.min(now_ms))),
            ];
            let body = self.get("/api/v1/query", &params).await.ok()?;
            let counted = api::parse_series(&body).ok()?;
            let value = counted.first()?.samples.first()?.value;
            (value.is_finite() && value >= 0.0).then_some(value as usize)
        })
    }

    /// A subquery at the scrape interval over each step: the expression's every
    /// evaluation inside the step, reduced to its least or greatest value.
    /// `$__interval` is the step of each attempt, so a refused step that is
    /// doubled doubles the subquery's range with it.
    fn envelope_query(
        &self,
        query: &SourceQuery,
        extreme: Extreme,
        step_ms: i64,
    ) -> Option<SourceQuery> {
        let SourceQuery::Prometheus(query) = query else {
            return None;
        };
        if step_ms <= self.limits.min_step_ms {
            return None;
        }
        Some(SourceQuery::Prometheus(PromQuery {
            promql: promql::envelope(&query.promql, extreme),
        }))
    }

    fn bytes_received(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    fn list_metrics(&self) -> super::MetricsFuture<'_> {
        Box::pin(async move {
            let names = self.get("/api/v1/label/__name__/values", &[]).await?;
            let metadata = self.get("/api/v1/metadata", &[]).await?;
            api::parse_metrics(&names, &metadata)
        })
    }

    /// Two requests whatever the server's size: the names with samples since
    /// `since_ms` (strings only, no series), and the head block's statistics for
    /// the largest families. A server without the statistics (Mimir, Thanos)
    /// still answers the names.
    fn inventory<'a>(
        &'a self,
        _namespaces: &'a [&'a str],
        since_ms: i64,
    ) -> super::InventoryFuture<'a> {
        Box::pin(async move {
            let names = self
                .get(
                    "/api/v1/label/__name__/values",
                    &[("start", seconds(since_ms))],
                )
                .await?;
            let metrics = api::parse_string_list(&names)?
                .into_iter()
                .map(|name| super::browse::InventoryMetric {
                    name,
                    namespace: None,
                    labels: Default::default(),
                })
                .collect();
            // `limit` is Prometheus's (2.47+), `topN` VictoriaMetrics's; older
            // servers answer their default ten.
            let largest = match self
                .get(
                    "/api/v1/status/tsdb",
                    &[("limit", "50".to_owned()), ("topN", "50".to_owned())],
                )
                .await
            {
                Ok(body) => api::parse_series_per_name(&body).unwrap_or_default(),
                Err(error) => {
                    tracing::info!("no series counts from the server: {error}");
                    Vec::new()
                }
            };
            Ok(super::browse::Inventory {
                metrics,
                largest,
                requests: 2,
            })
        })
    }

    fn variable_options<'a>(
        &'a self,
        query: &'a crate::dashboard::variables::OptionsQuery,
    ) -> super::OptionsFuture<'a> {
        Box::pin(async move {
            let crate::dashboard::variables::OptionsQuery::LabelValues { selector, label } = query
            else {
                return Err(SourceError::BadQuery(
                    "a prometheus variable takes `query = \"label_values(…)\"`".to_owned(),
                ));
            };
            let params: Vec<(&str, String)> = selector
                .iter()
                .map(|selector| ("match[]", selector.clone()))
                .collect();
            let body = self
                .get(&format!("/api/v1/label/{label}/values"), &params)
                .await?;
            api::parse_string_list(&body)
        })
    }

    fn label_values<'a>(
        &'a self,
        metric: &'a super::browse::MetricInfo,
    ) -> super::LabelsFuture<'a> {
        let metric = metric.name.as_str();
        Box::pin(async move {
            // No time bounds: the server's default covers the recent series.
            let params = [(
                "match[]",
                format!("{{__name__=\"{}\"}}", metric.replace('"', "\\\"")),
            )];
            let body = self.get("/api/v1/series", &params).await?;
            api::parse_label_values(&body)
        })
    }

    fn fetch_alarms<'a>(
        &'a self,
        source: &'a str,
        _filter: &'a AlarmFilter,
    ) -> super::AlarmFuture<'a> {
        Box::pin(async move {
            let alertmanager = self.settings.alertmanager;
            // Prometheus' rules API rather than `/api/v1/alerts`: the same alerts,
            // plus the PromQL of each rule, which links the alert to its panel.
            let (path, params): (&str, &[(&str, String)]) = if alertmanager {
                ("/api/v2/alerts", &[])
            } else {
                ("/api/v1/rules", &[("type", "alert".to_owned())])
            };
            let body = self.get(path, params).await?;
            let parsed = if alertmanager {
                crate::alarm::from_alertmanager(source, &body)
            } else {
                crate::alarm::from_prometheus(source, &body)
            };
            parsed.map_err(SourceError::Server)
        })
    }
}

/// Milliseconds as the API's decimal seconds.
fn seconds(ms: i64) -> String {
    if ms % 1000 == 0 {
        (ms / 1000).to_string()
    } else {
        format!("{:.3}", ms as f64 / 1000.0)
    }
}

impl PrometheusSource {
    /// A failure while an answer was coming, said as the client says it.
    fn transport_error(&self, error: &reqwest::Error) -> SourceError {
        match self.client.get() {
            Some(Ok(http)) => http.transport_error(error),
            _ => SourceError::Unreachable(format!(
                "{}: {error}",
                crate::source::url_without_credentials(&self.settings.base_url)
            )),
        }
    }
}

/// The URL of an API call. The query string is encoded strictly (RFC 3986, `%20`
/// for spaces) so a SigV4 signature covers exactly the bytes the server sees.
pub fn request_url(base_url: &str, path: &str, params: &[(&str, String)]) -> String {
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", uri_encode(k), uri_encode(v)))
        .collect();
    if query.is_empty() {
        format!("{base_url}{path}")
    } else {
        format!("{base_url}{path}?{}", query.join("&"))
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn uri_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Checks a prometheus (or alertmanager) source's keys and compiles them.
pub(crate) fn compile_source(config: &SourceConfig) -> Result<Settings, Vec<QueryProblem>> {
    let problems = check_source(config);
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Settings {
        alertmanager: *config.kind.get_ref() == crate::layout_file::SourceKind::Alertmanager,
        base_url: config
            .url
            .as_ref()
            .map(|u| u.get_ref().trim_end_matches('/').to_owned())
            .unwrap_or_default(),
        flavor: config.flavor.unwrap_or_default(),
        scrape_interval: super::duration_or(&config.scrape_interval, DEFAULT_SCRAPE_INTERVAL),
        http: Box::new(super::http::settings::compile(
            config,
            super::duration_or(&config.timeout, DEFAULT_TIMEOUT),
        )),
        sigv4: config.sigv4.as_ref().map(|sigv4| sigv4::SigV4Settings {
            region: sigv4.region.get_ref().clone(),
            profile: sigv4.profile.clone(),
            service: sigv4
                .service
                .clone()
                .unwrap_or_else(|| sigv4::AMP_SERVICE.to_owned()),
        }),
    })
}

/// Every problem with a prometheus source's keys, each at its key.
fn check_source(config: &SourceConfig) -> Vec<QueryProblem> {
    let mut problems = Vec::new();
    let at_kind = |message: String| QueryProblem {
        message,
        span: Some(config.kind.span()),
    };
    match &config.url {
        None => problems.push(at_kind(
            "a prometheus source needs `url`, e.g. url = \"http://127.0.0.1:9090\"".to_owned(),
        )),
        Some(url)
            if !(url.get_ref().starts_with("http://") || url.get_ref().starts_with("https://")) =>
        {
            problems.push(QueryProblem {
                message: format!(
                    "url `{}` must start with http:// or https://",
                    url.get_ref()
                ),
                span: Some(url.span()),
            });
        }
        Some(_) => {}
    }
    if config.seed.is_some() || config.nodes.is_some() {
        problems.push(at_kind(
            "`seed` and `nodes` are for demo sources".to_owned(),
        ));
    }
    if config.region.is_some()
        || crate::source::aws_client::has_reach_keys(config)
        || config.profile.is_some()
        || config.endpoint_url.is_some()
    {
        problems.push(at_kind(
            "region, regions, accounts, profile and endpoint_url belong to cloudwatch sources; for Amazon Managed Prometheus use sigv4 = { region = \"…\", profile = \"…\" }".to_owned(),
        ));
    }
    problems.extend(super::http::settings::problems(config));
    if let Some(sigv4) = &config.sigv4 {
        if config.basic_auth.is_some()
            || config.bearer_token_env.is_some()
            || config.bearer_token_file.is_some()
            || config.bearer_token_keyring.is_some()
            || config.oauth2.is_some()
        {
            problems.push(QueryProblem {
                message:
                    "sigv4 signs every request itself: remove basic_auth, oauth2 and bearer tokens"
                        .to_owned(),
                span: Some(sigv4.region.span()),
            });
        }
        if !crate::source::aws_client::is_region(sigv4.region.get_ref()) {
            problems.push(QueryProblem {
                message: format!(
                    "`{}` is not an AWS region name like us-west-2",
                    sigv4.region.get_ref()
                ),
                span: Some(sigv4.region.span()),
            });
        }
    }
    problems.extend(super::duration_problems(&[
        &config.timeout,
        &config.scrape_interval,
    ]));
    problems
}

/// Checks a prometheus query — `promql` present, demo-only keys absent — and
/// compiles it.
pub(crate) fn compile_query(query: &Query) -> Result<PromQuery, QueryProblem> {
    if let Some(metric) = &query.metric {
        return Err(QueryProblem {
            message: "`metric` is for demo sources; a prometheus query uses `promql`".to_owned(),
            span: Some(metric.span()),
        });
    }
    if query.quantile.is_some()
        || query.rate
        || !query.labels.is_empty()
        || query.by.is_some()
        || query.aggregate.is_some()
    {
        return Err(QueryProblem {
            message: "quantile, rate, labels, by and aggregate are for demo sources; write them in `promql`".to_owned(),
            span: Some(query.source.span()),
        });
    }
    match &query.promql {
        Some(expression) if !expression.get_ref().trim().is_empty() => Ok(PromQuery {
            promql: expression.get_ref().clone(),
        }),
        Some(expression) => Err(QueryProblem {
            message: "`promql` is empty".to_owned(),
            span: Some(expression.span()),
        }),
        None => Err(QueryProblem {
            message: "a prometheus query needs `promql`".to_owned(),
            span: Some(query.source.span()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_finest_step_is_the_sources_scrape_interval() {
        let source_of = |scrape: &str| {
            let text = format!(
                "version = 1\ntitle = \"t\"\n[sources.prom]\nkind = \"prometheus\"\nurl = \"http://127.0.0.1:9\"\n{scrape}\n[[panels]]\ntitle = \"p\"\ngrid = {{ x = 0, y = 0, w = 24, h = 8 }}\n  [[panels.queries]]\n  source = \"prom\"\n  promql = \"up\"\n"
            );
            let dashboard =
                crate::layout::parse_layout(&text, std::path::Path::new("t.toml")).unwrap();
            crate::source::build_source(&dashboard.sources["prom"])
        };
        let query = SourceQuery::Prometheus(PromQuery {
            promql: "up".to_owned(),
        });
        // An hour on a 4,000 px panel would want a point every second.
        let hour = crate::time_range::Window {
            start_ms: 0,
            end_ms: 3_600_000,
        };
        let thirty = source_of("scrape_interval = \"30s\"");
        assert_eq!(thirty.limits().min_step_ms, 30_000);
        assert_eq!(thirty.plan_step(hour, 4_000, &query, 0), 30_000);
        // Unset: Prometheus' default of 15 s, as `$__rate_interval` assumes.
        assert_eq!(source_of("").plan_step(hour, 4_000, &query, 0), 15_000);
    }

    #[test]
    fn timestamps_are_sent_as_decimal_seconds() {
        assert_eq!(seconds(1_764_000_000_000), "1764000000");
        assert_eq!(seconds(1_764_000_000_500), "1764000000.500");
    }
}
