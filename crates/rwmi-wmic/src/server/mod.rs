//! `rwmi wmic-server`: the HTTP service of aiowmi's `contrib/wmic_server`, which check_wmi_plus,
//! check_wmi_os_security and `wmic_client.sh` send their WQL to instead of forking wmic.
//!
//! The protocol, as the original serves it:
//! - `GET /wmic?id=..&token=..&host=..&query=..&namespace=..` or `POST /wmic` with a JSON object of
//!   the same fields (`namespace` defaults to `root/cimv2`, the others to the empty string);
//! - each field must match one of its `validation` patterns, else it counts as empty;
//! - the token rule of [`config::ServerConfig::check_token`];
//! - the id names the Windows account (`user`, `pass`, `domain`) the server connects with;
//! - the answer is `200` with `Content-Type: text/html; charset=utf-8` and a `Content-Length`
//!   (check_wmi_os_security reads it): the rows as `json.dumps` wrote them ([`answer`]), or one of the
//!   original's plain-text errors: `ERROR: Invalid token`, `Problem with connection to target host. `
//!   (the TCP connection to port 135 failed) or `Problem with the wmi query on the target host. `
//!   (anything after it: activation, login, the query), each followed by the reason. Here the reason
//!   is rwmi's diagnosis in one line: verdict, stage, code in hex and decimal, the first fix.
//!
//! What this server adds: connections stay open between requests in an [`rwmi::pool::Pool`] (keyed by
//! host, namespace and account, bounded, closed after an idle time), so a poller pays the DCOM connect
//! once per host instead of per request; requests for different hosts run at the same time; an
//! unknown id is answered `ERROR: Invalid id` (the original answered a 500 page); the request body
//! is bounded and a slow client is cut off.

pub mod answer;
pub mod config;
pub mod launch;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rwmi::diagnosis::diagnose_error;
use rwmi::pool::{Pool, PoolConfig, PoolStats};
use rwmi::security::{Credentials, Secret};
use rwmi::wmi::{ConnectOptions, WmiError, WmiStage};
use tokio::net::TcpListener;

use config::{ServerConfig, TokenCheck};

/// The original's defaults: `WMIC_SERVER_ADDRESS` and `WMIC_SERVER_PORT`.
pub const DEFAULT_ADDRESS: &str = "127.0.0.1";
pub const DEFAULT_PORT: u16 = 2313;
/// A request body larger than this is refused (a WQL query is a line).
const MAX_BODY: usize = 1 << 20;
/// A client that has not sent its request head within this is disconnected.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);

/// What the original answered, word for word; consumers match these.
pub const INVALID_TOKEN: &str = "ERROR: Invalid token";
pub const CONNECTION_PROBLEM: &str = "Problem with connection to target host. ";
pub const QUERY_PROBLEM: &str = "Problem with the wmi query on the target host. ";
/// Ours: the original failed with a 500 page.
pub const INVALID_ID: &str = "ERROR: Invalid id";
/// Ours: what the connection pool holds and has done, as JSON (no host names, no accounts).
pub const POOL_PATH: &str = "/-/pool";

/// The service: its configuration, its connections, and how it logs.
pub struct WmicServer {
    config: ServerConfig,
    pool: Pool,
    shared_classes: Arc<rwmi::wmi::SharedClasses>,
    debug: bool,
}

/// A request's fields, before validation.
#[derive(Default)]
struct Fields(HashMap<String, String>);

impl Fields {
    fn get(&self, name: &str, default: &str) -> String {
        self.0
            .get(name)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }
}

impl WmicServer {
    pub fn new(config: ServerConfig, pool: PoolConfig, debug: bool) -> Self {
        Self {
            config,
            pool: Pool::new(pool),
            shared_classes: rwmi::wmi::shared_classes(),
            debug,
        }
    }

    pub fn pool_stats(&self) -> PoolStats {
        self.pool.stats()
    }

    /// Closes the connections no request is using, releasing their objects on the servers.
    pub async fn close_connections(&self) -> usize {
        self.pool.close_idle().await
    }

    /// Accepts connections on `listener` until the task is dropped; each HTTP connection is served in
    /// its own task.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) -> std::io::Result<()> {
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(e) => {
                    eprintln!("rwmi wmic-server: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let server = self.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let server = server.clone();
                    async move { Ok::<_, Infallible>(server.respond(request, peer).await) }
                });
                let _ = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }

    async fn respond(&self, request: Request<Incoming>, peer: SocketAddr) -> Response<Full<Bytes>> {
        match request.uri().path() {
            "/wmic" => {}
            POOL_PATH if request.method() == Method::GET => {
                let mut r = reply(StatusCode::OK, &pool_json(&self.pool.stats()));
                r.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                return r;
            }
            _ => {
                return reply(
                    StatusCode::NOT_FOUND,
                    "Not Found: the wmic server answers on /wmic",
                );
            }
        }
        let fields = match *request.method() {
            Method::GET => Fields(query_fields(request.uri().query().unwrap_or(""))),
            Method::POST => match body_fields(request).await {
                Ok(fields) => fields,
                Err(message) => return reply(StatusCode::BAD_REQUEST, &message),
            },
            _ => {
                let mut r = reply(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "Method Not Allowed: use GET or POST",
                );
                r.headers_mut()
                    .insert("allow", HeaderValue::from_static("GET, POST"));
                return r;
            }
        };
        let body = self.wmic(&fields, peer).await;
        reply(StatusCode::OK, &body)
    }

    /// The original's `wmic_core`: validation, the token, the id, then the query.
    async fn wmic(&self, fields: &Fields, peer: SocketAddr) -> String {
        let validation = &self.config.validation;
        // A field that matches none of its patterns counts as empty, as in the original.
        let checked = |name: &str, default: &str| {
            let value = fields.get(name, default);
            let ok = validation.allows(name, &value);
            (if ok { value.clone() } else { String::new() }, ok, value)
        };
        let (id, id_ok, _) = checked("id", "");
        let (token, _, _) = checked("token", "");
        let (host, host_ok, raw_host) = checked("host", "");
        let (query, query_ok, _) = checked("query", "");
        let (namespace, namespace_ok, raw_namespace) = checked("namespace", "root/cimv2");

        if self.config.check_token(&id, &token) == TokenCheck::Invalid {
            self.log(peer, &id, &host, "refused: invalid token");
            return INVALID_TOKEN.to_string();
        }
        let Some(identity) = self.config.identities.get(&id) else {
            let why = if id_ok {
                "no such id"
            } else {
                "does not match validation.id"
            };
            self.log(peer, &id, &host, &format!("refused: id {why}"));
            return format!("{INVALID_ID}: {why} in the server's configuration");
        };
        if !host_ok {
            return format!(
                "{CONNECTION_PROBLEM}rwmi: the host `{}` does not match validation.host",
                printable(&raw_host)
            );
        }
        if !namespace_ok {
            return format!(
                "{QUERY_PROBLEM}rwmi: the namespace `{}` does not match validation.namespace",
                printable(&raw_namespace)
            );
        }
        if !query_ok {
            return format!("{QUERY_PROBLEM}rwmi: the query does not match validation.query");
        }

        let credentials = Credentials::new(
            identity.user.clone(),
            identity.domain.clone(),
            Secret::Password(identity.password.clone()),
        );
        let options = match ConnectOptions::new(&host, credentials)
            .and_then(|o| o.with_namespace(&namespace))
        {
            Ok(mut o) => {
                o.shared_classes = Some(self.shared_classes.clone());
                o
            }
            Err(e) => return format!("{CONNECTION_PROBLEM}rwmi: {e}"),
        };
        match self.run_query(&options, &query).await {
            Ok(json) => {
                self.log(peer, &id, &host, "answered");
                json
            }
            Err(error) => {
                let text = failure_text(&options, &error);
                self.log(peer, &id, &host, &text);
                text
            }
        }
    }

    async fn run_query(&self, options: &ConnectOptions, wql: &str) -> Result<String, WmiError> {
        let lease = self.pool.connection(options).await?;
        let mut stream = lease.query(wql).await?;
        let mut rows = Vec::new();
        while let Some(row) = stream.next().await {
            rows.push(row?);
        }
        Ok(answer::rows_json(&rows))
    }

    /// One line per request on stderr with `WMIC_SERVER_DEBUG=1`: who, which id and host, what
    /// happened. Never a password, a token or the query's results.
    fn log(&self, peer: SocketAddr, id: &str, host: &str, what: &str) {
        if self.debug {
            eprintln!(
                "rwmi wmic-server: {peer} id={} host={}: {what}",
                printable(id),
                printable(host)
            );
        }
    }
}

fn pool_json(s: &PoolStats) -> String {
    format!(
        "{{\"open\": {}, \"idle\": {}, \"connects\": {}, \"reuses\": {}, \"unhealthy\": {}, \"expired\": {}, \"evicted\": {}}}",
        s.open, s.idle, s.connects, s.reuses, s.unhealthy, s.expired, s.evicted
    )
}

/// The original's error text for a failure, then rwmi's verdict in one line.
pub fn failure_text(options: &ConnectOptions, error: &WmiError) -> String {
    // aiowmi's `conn.connect()` is the TCP connection to port 135 (and the name lookup before it);
    // the activation, the logins and the query run in the second `try`.
    let prefix = match error.stage {
        WmiStage::Resolve | WmiStage::Connect => CONNECTION_PROBLEM,
        _ => QUERY_PROBLEM,
    };
    let d = diagnose_error(options, error);
    let sentence = |t: &str| t.trim_end_matches('.').to_string();
    let mut text = format!(
        "{prefix}rwmi: {} ({}",
        d.verdict.id,
        sentence(d.verdict.symptom)
    );
    if let Some(stage) = d.stage {
        text.push_str(&format!(", stage {stage}"));
    }
    if let Some(code) = d.code.or(error.code) {
        text.push_str(&format!(", code 0x{code:08X} = {}", code as i32));
    }
    text.push(')');
    if let Some(fix) = d.verdict.resolution.first() {
        text.push_str(&format!("; fix: {}", sentence(fix)));
    }
    text.push_str(&format!("; detail: {error}"));
    text
}

/// A value from the request, safe to echo into an answer or a log line: control characters and
/// anything past 200 characters are cut.
fn printable(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(200)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > 200 {
        out.push('…');
    }
    out
}

fn reply(status: StatusCode, body: &str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::copy_from_slice(body.as_bytes())));
    *response.status_mut() = status;
    // Flask's type for a view that returns a string; hyper adds Content-Length for a full body.
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn query_fields(query: &str) -> HashMap<String, String> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A POST's fields: a JSON object (what wmic_client.sh and check_wmi_os_security send), or a form.
async fn body_fields(request: Request<Incoming>) -> Result<Fields, String> {
    let form = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let body = Limited::new(request.into_body(), MAX_BODY)
        .collect()
        .await
        .map_err(|e| format!("Bad Request: cannot read the body ({e}; at most {MAX_BODY} octets)"))?
        .to_bytes();
    if form && serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        let text = std::str::from_utf8(&body).map_err(|_| "Bad Request: the form is not UTF-8")?;
        return Ok(Fields(query_fields(text)));
    }
    let value: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| format!("Bad Request: the body is not JSON: {e}"))?;
    let serde_json::Value::Object(object) = value else {
        return Err(
            "Bad Request: the body is not a JSON object of id, token, host, query and namespace"
                .into(),
        );
    };
    let mut fields = HashMap::new();
    for (key, value) in object {
        match value {
            serde_json::Value::String(s) => {
                fields.insert(key, s);
            }
            serde_json::Value::Null => {}
            _ => {
                return Err(format!(
                    "Bad Request: `{}` is not a string",
                    printable(&key)
                ));
            }
        }
    }
    Ok(Fields(fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_cuts_control_characters_and_length() {
        assert_eq!(printable("a\nb\u{1b}[31m"), "a?b?[31m");
        let long = "x".repeat(300);
        assert_eq!(printable(&long).chars().count(), 201);
    }

    #[test]
    fn get_fields_decode_as_a_form() {
        let f = query_fields("id=user1&query=SELECT+*+FROM+Win32_Service&namespace=root%2Fcimv2");
        assert_eq!(f["query"], "SELECT * FROM Win32_Service");
        assert_eq!(f["namespace"], "root/cimv2");
    }
}
