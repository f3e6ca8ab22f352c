//! The exporter's HTTP side:
//! - `GET /probe?target=HOST[:PORT]&module=NAME[,NAME...][&auth=NAME]`: the modules' metrics for that
//!   host, then `rwmi_probe_success`, `rwmi_probe_duration_seconds` and, on a failure,
//!   `rwmi_probe_verdict{module, verdict, stage, code}`: the doctor's verdict and the HRESULT. The
//!   probe ends by its deadline: Prometheus' `X-Prometheus-Scrape-Timeout-Seconds` less half a
//!   second (10 s without it). Each distinct query of the modules is sent once.
//! - `GET /metrics`: the exporter's own metrics (probes, queries sent, durations, failures by
//!   verdict, connections, class cache hits).
//! - `GET /-/healthy`; `POST /-/reload` (or SIGHUP) reads the file again; the pool stays, so unchanged
//!   targets keep their connections.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus::{
    HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry, exponential_buckets,
};
use rwmi::diagnosis::diagnose_error;
use rwmi::pool::{Pool, PoolConfig};
use rwmi::wmi::{ConnectOptions, SharedClasses, WmiError};
use tokio::net::TcpListener;

use crate::config::{Auth, Config, ModuleSpec, QuerySpec};
use crate::families::{self, Families, FamilyKind, IntervalMemory, Labels};
use crate::render;

/// Without Prometheus' header, a probe ends after this.
const DEFAULT_DEADLINE: Duration = Duration::from_secs(10);
/// Kept back from Prometheus' timeout, so the answer arrives before it gives up.
const DEADLINE_MARGIN: Duration = Duration::from_millis(500);

/// The exporter's own counters.
struct OwnMetrics {
    registry: Registry,
    /// WQL queries sent (a probe sends each distinct query of its modules once).
    queries: IntCounter,
    probes: IntCounterVec,
    failures: IntCounterVec,
    durations: HistogramVec,
}

impl OwnMetrics {
    fn new() -> Self {
        let registry = Registry::new();
        let probes = IntCounterVec::new(
            Opts::new(
                "rwmi_exporter_probes_total",
                "Probes answered, by module and result.",
            ),
            &["module", "result"],
        )
        .expect("a valid metric definition");
        let failures = IntCounterVec::new(
            Opts::new(
                "rwmi_exporter_probe_failures_total",
                "Failed probes and queries, by the doctor's verdict.",
            ),
            &["verdict"],
        )
        .expect("a valid metric definition");
        let durations = HistogramVec::new(
            HistogramOpts::new(
                "rwmi_exporter_probe_duration_seconds",
                "How long probes took, by module.",
            )
            .buckets(exponential_buckets(0.005, 2.0, 14).expect("valid buckets")),
            &["module"],
        )
        .expect("a valid metric definition");
        let queries = IntCounter::new(
            "rwmi_exporter_queries_total",
            "WQL queries sent to targets (each distinct query of a probe's modules once).",
        )
        .expect("a valid metric definition");
        registry
            .register(Box::new(queries.clone()))
            .expect("distinct metric names");
        registry
            .register(Box::new(probes.clone()))
            .expect("distinct metric names");
        registry
            .register(Box::new(failures.clone()))
            .expect("distinct metric names");
        registry
            .register(Box::new(durations.clone()))
            .expect("distinct metric names");
        Self {
            registry,
            queries,
            probes,
            failures,
            durations,
        }
    }
}

/// The pool's and the class cache's figures as families, read at each scrape of /metrics.
fn pool_families(pool: &Pool, classes: &SharedClasses) -> Families {
    let s = pool.stats();
    let mut f = Families::default();
    for (name, help, v) in [
        (
            "rwmi_exporter_connections_open",
            "DCOM connections open now.",
            s.open as f64,
        ),
        (
            "rwmi_exporter_connections_idle",
            "Open connections no probe is using.",
            s.idle as f64,
        ),
        (
            "rwmi_exporter_class_cache_classes",
            "Classes in the shared class cache.",
            classes.len() as f64,
        ),
    ] {
        f.push(name, help, FamilyKind::Gauge, Vec::new(), v);
    }
    for (name, help, v) in [
        (
            "rwmi_exporter_connects",
            "Connections made (first ones and re-connects).",
            s.connects,
        ),
        (
            "rwmi_exporter_connection_reuses",
            "Probe queries served by a connection already open.",
            s.reuses,
        ),
        (
            "rwmi_exporter_connections_expired",
            "Connections closed after their idle time.",
            s.expired,
        ),
        (
            "rwmi_exporter_connections_unhealthy",
            "Connections found dead and replaced.",
            s.unhealthy,
        ),
        (
            "rwmi_exporter_class_cache_hits",
            "Classes taken from the cache instead of decoded.",
            classes.hits(),
        ),
    ] {
        f.push(name, help, FamilyKind::Counter, Vec::new(), v as f64);
    }
    f
}

/// The running exporter.
pub struct Exporter {
    config: RwLock<Arc<Config>>,
    path: Option<PathBuf>,
    pool: Pool,
    classes: Arc<SharedClasses>,
    memory: IntervalMemory,
    own: OwnMetrics,
}

impl Exporter {
    pub fn new(config: Config, path: Option<PathBuf>, pool: PoolConfig) -> Arc<Self> {
        let pool = Pool::new(pool);
        let classes = rwmi::wmi::shared_classes();
        Arc::new(Self {
            config: RwLock::new(Arc::new(config)),
            path,
            pool,
            classes,
            memory: IntervalMemory::default(),
            own: OwnMetrics::new(),
        })
    }

    fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Reads the file again; on an error the configuration in force stays.
    pub fn reload(&self) -> Result<(), String> {
        let Some(path) = &self.path else {
            return Err("the exporter was started without a file".into());
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let config = Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        *self.config.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(config);
        Ok(())
    }

    /// Serves HTTP on `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            };
            let _ = stream.set_nodelay(true);
            let exporter = self.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let exporter = exporter.clone();
                    async move { Ok::<_, Infallible>(exporter.respond(request).await) }
                });
                let _ = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(30))
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }

    async fn respond(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        match (request.method(), request.uri().path()) {
            (&Method::GET, "/probe") => {
                // A repeated parameter (Prometheus sends `params: {module: [a, b]}` as
                // `module=a&module=b`) counts as its values joined by commas.
                let mut params: HashMap<String, String> = HashMap::new();
                for (k, v) in form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes()) {
                    params
                        .entry(k.into_owned())
                        .and_modify(|old| {
                            old.push(',');
                            old.push_str(&v);
                        })
                        .or_insert_with(|| v.into_owned());
                }
                let deadline = request
                    .headers()
                    .get("x-prometheus-scrape-timeout-seconds")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<f64>().ok())
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .map(|s| Duration::from_secs_f64(s).saturating_sub(DEADLINE_MARGIN).max(Duration::from_millis(500)))
                    .unwrap_or(DEFAULT_DEADLINE);
                if let Some(target) = params.get("target")
                    && !self.config().target_allowed(target)
                {
                    return reply(
                        StatusCode::FORBIDDEN,
                        "text/plain; charset=utf-8",
                        format!(
                            "target `{}` is not in allowed_targets of the configuration\n",
                            target.chars().filter(|c| !c.is_control()).take(200).collect::<String>()
                        ),
                    );
                }
                match self.probe(&params, deadline).await {
                    Ok(text) => reply(StatusCode::OK, render::CONTENT_TYPE, text),
                    Err(message) => reply(StatusCode::BAD_REQUEST, "text/plain; charset=utf-8", message + "\n"),
                }
            }
            (&Method::GET, "/metrics") => {
                let mut families = self.own.registry.gather();
                families.extend(render::metric_families(pool_families(&self.pool, &self.classes)));
                reply(StatusCode::OK, render::CONTENT_TYPE, render::encode(&families))
            }
            (&Method::GET, "/-/healthy") => reply(StatusCode::OK, "text/plain", "OK\n".into()),
            (&Method::POST | &Method::PUT, "/-/reload") => match self.reload() {
                Ok(()) => reply(StatusCode::OK, "text/plain", "reloaded\n".into()),
                Err(e) => reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain", e + "\n"),
            },
            (_, "/") => reply(
                StatusCode::OK,
                "text/plain; charset=utf-8",
                "rwmi exporter: /probe?target=HOST&module=NAME[&auth=NAME], /metrics, /-/healthy, /-/reload\n".into(),
            ),
            _ => reply(StatusCode::NOT_FOUND, "text/plain", "not found\n".into()),
        }
    }

    /// One probe: every query of the named modules on `target`, within `deadline`.
    async fn probe(
        &self,
        params: &HashMap<String, String>,
        deadline: Duration,
    ) -> Result<String, String> {
        let target = params
            .get("target")
            .filter(|t| !t.is_empty())
            .ok_or("`target` is missing")?;
        let module_names = params.get("module").map_or("os", String::as_str);
        let config = self.config();
        let mut modules: Vec<(&str, &ModuleSpec)> = Vec::new();
        for name in module_names
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            let (name, module) = config.modules.get_key_value(name).ok_or_else(|| {
                format!(
                    "no module `{name}` (the configuration has: {})",
                    config
                        .modules
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
            // A module named twice is probed once: its series would be there twice.
            if !modules.iter().any(|&(listed, _)| listed == name.as_str()) {
                modules.push((name, module));
            }
        }
        let (auth_name, auth) = config.auth(params.get("auth").map(String::as_str))?;
        let deadline = auth.timeout.map_or(deadline, |t| t.min(deadline));
        let module_label = module_names.to_string();
        let begin = Instant::now();
        let mut out = Families::default();
        let series_key = format!("{target}|{auth_name}");
        // A query the host refuses (an unknown class, a namespace it lacks) fails that query only;
        // a failure to connect ends the probe.
        // (module, verdict, stage, code in hex): the series a dashboard shows as the reason.
        let mut failures: Vec<(String, &'static str, &'static str, String)> = Vec::new();
        let outcome = tokio::time::timeout(deadline, async {
            for planned in distinct_queries(&modules) {
                let options = self.options(target, auth, planned.namespace, deadline)?;
                self.own.queries.inc();
                let rows = async {
                    let lease = self.pool.connection(&options).await?;
                    lease.query(planned.wql).await?.collect().await
                }
                .await;
                match rows {
                    Ok(rows) => {
                        for (_, query) in &planned.readers {
                            for metric in &query.metrics {
                                families::evaluate(
                                    metric,
                                    &rows,
                                    &self.memory,
                                    &series_key,
                                    &mut out,
                                );
                            }
                        }
                    }
                    Err(e) if !e.stage.is_connect() => {
                        let d = diagnose_error(&options, &e);
                        for (module_name, _) in &planned.readers {
                            failures.push((
                                module_name.to_string(),
                                d.verdict.id,
                                d.stage.unwrap_or(e.stage).id(),
                                code_label(d.code.or(e.code)),
                            ));
                        }
                    }
                    Err(e) => return Err(Box::new((options.clone(), e))),
                }
            }
            Ok::<(), Box<(ConnectOptions, WmiError)>>(())
        })
        .await;
        let elapsed = begin.elapsed().as_secs_f64();
        match &outcome {
            Ok(Ok(())) => {}
            Ok(Err(failed)) => {
                let (options, error) = failed.as_ref();
                let d = diagnose_error(options, error);
                failures.push((
                    module_label.clone(),
                    d.verdict.id,
                    d.stage.unwrap_or(error.stage).id(),
                    code_label(d.code.or(error.code)),
                ));
            }
            Err(_) => failures.push((
                module_label.clone(),
                "connection-timeout",
                "deadline",
                String::new(),
            )),
        }
        let success = failures.is_empty();
        let labels = |pairs: &[(&str, &str)]| -> Labels {
            pairs
                .iter()
                .map(|(k, v)| families::label(k, v.to_string()))
                .collect()
        };
        let mut meta = Families::default();
        let push = |f: &mut Families, name: &str, help: &str, l: Labels, v: f64| {
            f.push(name, help, FamilyKind::Gauge, l, v)
        };
        push(
            &mut meta,
            "rwmi_probe_success",
            "Whether every query of the probe succeeded.",
            Vec::new(),
            if success { 1.0 } else { 0.0 },
        );
        push(
            &mut meta,
            "rwmi_probe_duration_seconds",
            "How long the probe took.",
            Vec::new(),
            elapsed,
        );
        for (module, verdict, stage, code) in &failures {
            push(
                &mut meta,
                "rwmi_probe_verdict",
                "Why the probe failed: the doctor's verdict (see `rwmi explain` and README).",
                labels(&[
                    ("module", module),
                    ("verdict", verdict),
                    ("stage", stage),
                    ("code", code),
                ]),
                1.0,
            );
            self.own.failures.with_label_values(&[*verdict]).inc();
        }
        let result = if success { "success" } else { "failure" };
        self.own
            .probes
            .with_label_values(&[module_label.as_str(), result])
            .inc();
        self.own
            .durations
            .with_label_values(&[module_label.as_str()])
            .observe(elapsed);
        out.families.extend(meta.families);
        Ok(render::text(out))
    }

    fn options(
        &self,
        target: &str,
        auth: &Auth,
        namespace: &str,
        deadline: Duration,
    ) -> Result<ConnectOptions, Box<(ConnectOptions, WmiError)>> {
        let build = || -> Result<ConnectOptions, String> {
            let mut o = ConnectOptions::new(target, auth.credentials.clone())
                .and_then(|o| o.with_namespace(namespace))
                .map_err(|e| e.to_string())?;
            if let Some(k) = &auth.kerberos {
                o = o.with_kerberos(k.clone()).map_err(|e| e.to_string())?;
            }
            o.auth_level = auth.auth_level;
            o.shared_classes = Some(self.classes.clone());
            o.max_wait = Some(deadline.min(Duration::from_secs(120)));
            o.call_timeout = deadline;
            o.connect_timeout = o.connect_timeout.min(deadline);
            Ok(o)
        };
        build().map_err(|message| {
            let placeholder = ConnectOptions::new("invalid.invalid", auth.credentials.clone())
                .expect("a constant host name parses");
            Box::new((
                placeholder,
                WmiError::new(rwmi::wmi::WmiStage::Resolve, None, None, message),
            ))
        })
    }
}

/// One query of a probe and the modules' query specs that read its rows.
struct PlannedQuery<'a> {
    namespace: &'a str,
    wql: &'a str,
    readers: Vec<(&'a str, &'a QuerySpec)>,
}

/// The probe's queries, each distinct one (namespace and text) once, in the order the modules name
/// them: modules that share a query (`os` and `memory` read the same Win32_OperatingSystem query)
/// cost one round trip pair for it, not one each.
fn distinct_queries<'a>(modules: &[(&'a str, &'a ModuleSpec)]) -> Vec<PlannedQuery<'a>> {
    let mut plan: Vec<PlannedQuery<'a>> = Vec::new();
    for &(module_name, module) in modules {
        for query in &module.queries {
            // Namespaces come normalised from the configuration; WMI compares them regardless of case.
            let same = |p: &&mut PlannedQuery<'a>| {
                p.wql == query.query.as_str() && p.namespace.eq_ignore_ascii_case(&query.namespace)
            };
            match plan.iter_mut().find(same) {
                Some(planned) => planned.readers.push((module_name, query)),
                None => plan.push(PlannedQuery {
                    namespace: &query.namespace,
                    wql: &query.query,
                    readers: vec![(module_name, query)],
                }),
            }
        }
    }
    plan
}

/// An HRESULT as the `code` label: `0x80070005`, empty when the failure has none.
fn code_label(code: Option<u32>) -> String {
    code.map_or_else(String::new, |c| format!("0x{c:08X}"))
}

fn reply(status: StatusCode, content_type: &'static str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Runs the exporter on `listen` with the file at `path` until Ctrl-C or SIGTERM; SIGHUP reloads.
pub async fn run(path: PathBuf, listen: &str, pool: PoolConfig) -> Result<(), String> {
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let config = Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let (auths, modules) = (config.auths.len(), config.modules.len());
    if config.allowed_targets.is_empty() {
        eprintln!(
            "rwmi exporter: warning: no allowed_targets in {}: whoever reaches {listen} can make the \
             exporter log in with its credentials to any host; list the hosts it may probe",
            path.display()
        );
    }
    let exporter = Exporter::new(config, Some(path.clone()), pool);
    println!(
        "rwmi exporter: listening on http://{local}/ ({auths} auths, {modules} modules from {}); Ctrl-C stops",
        path.display()
    );
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    let serving = tokio::spawn(exporter.clone().serve(listener));
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut hup), Ok(mut term)) = (
            signal(SignalKind::hangup()),
            signal(SignalKind::terminate()),
        ) else {
            return Err("cannot install the signal handlers".into());
        };
        loop {
            tokio::select! {
                _ = hup.recv() => match exporter.reload() {
                    Ok(()) => eprintln!("rwmi exporter: configuration reloaded"),
                    Err(e) => eprintln!("rwmi exporter: reload failed, the previous configuration stays: {e}"),
                },
                _ = term.recv() => break,
                _ = tokio::signal::ctrl_c() => break,
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    serving.abort();
    let _ = tokio::time::timeout(Duration::from_secs(10), exporter.pool.close_idle()).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(queries: &[(&str, &str)]) -> ModuleSpec {
        ModuleSpec {
            queries: queries
                .iter()
                .map(|&(namespace, query)| QuerySpec {
                    namespace: namespace.into(),
                    query: query.into(),
                    metrics: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn a_query_two_modules_share_is_planned_once() {
        let os = module(&[
            ("root\\cimv2", "SELECT A FROM X"),
            ("root\\cimv2", "SELECT B FROM Y"),
        ]);
        let memory = module(&[
            ("ROOT\\CIMV2", "SELECT A FROM X"),
            ("root\\cimv2", "SELECT C FROM Z"),
        ]);
        let other = module(&[("root\\other", "SELECT A FROM X")]);
        let plan = distinct_queries(&[("os", &os), ("memory", &memory), ("other", &other)]);
        let shape: Vec<(&str, &str, Vec<&str>)> = plan
            .iter()
            .map(|p| (p.namespace, p.wql, p.readers.iter().map(|r| r.0).collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("root\\cimv2", "SELECT A FROM X", vec!["os", "memory"]),
                ("root\\cimv2", "SELECT B FROM Y", vec!["os"]),
                ("root\\cimv2", "SELECT C FROM Z", vec!["memory"]),
                ("root\\other", "SELECT A FROM X", vec!["other"]),
            ]
        );
    }
}
