//! `rwmi doctor`: connects in stages, times each, and turns the first failure into a verdict with its
//! symptom, cause, resolution and the evidence seen. Where the evidence fits more than one cause, the
//! causes are ranked and the reasons given.

pub mod verdicts;

use std::time::{Duration, Instant};

use rwmi_core::status;
use rwmi_core::status::hresult::{E_ACCESSDENIED, RPC_E_INVALID_HEADER, RPC_E_VERSION_MISMATCH};
use rwmi_core::status::wbem::{
    WBEM_E_ACCESS_DENIED, WBEM_E_ENCRYPTED_CONNECTION_REQUIRED, WBEM_E_INVALID_NAMESPACE,
};
use rwmi_core::wmio::json_string;

use crate::rpc::{ConnectFailure, RpcError};
use crate::security::{AuthLevel, KerberosErrorCode, SecurityError};
use crate::wmi::{ConnectOptions, Connection, WmiError, WmiStage};
pub use verdicts::Verdict;

/// The stages doctor reports, in order.
pub const STAGES: [(WmiStage, &str); 8] = [
    (WmiStage::Resolve, "name resolution"),
    (WmiStage::Connect, "TCP to port 135"),
    (WmiStage::Bind, "RPC bind and authentication"),
    (WmiStage::Activation, "DCOM activation"),
    (WmiStage::OxidBinding, "OXID binding"),
    (WmiStage::DynamicPort, "dynamic port bind"),
    (WmiStage::Login, "NTLMLogin into the namespace"),
    (WmiStage::Query, "sample query"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageStatus {
    Ok,
    Failed,
    Skipped,
}

impl StageStatus {
    pub fn id(self) -> &'static str {
        match self {
            StageStatus::Ok => "ok",
            StageStatus::Failed => "failed",
            StageStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageReport {
    pub stage: WmiStage,
    pub label: &'static str,
    pub status: StageStatus,
    pub elapsed: Option<Duration>,
}

/// The outcome of `diagnose` for one host.
#[derive(Debug, Clone)]
pub struct Diagnosis {
    pub host: String,
    pub verdict: &'static Verdict,
    /// The failing stage (`None` when everything worked).
    pub stage: Option<WmiStage>,
    pub code: Option<u32>,
    /// Other verdicts the evidence also fits, most likely first.
    pub other_causes: Vec<&'static str>,
    pub evidence: Vec<String>,
    pub stages: Vec<StageReport>,
    pub notes: Vec<String>,
}

/// The sample query: every namespace has `__NAMESPACE`, so it works whatever -n names.
const SAMPLE_QUERY: &str = "SELECT Name FROM __NAMESPACE";

/// Runs the connection in stages against `options.target` and diagnoses the first failure.
pub async fn diagnose(options: ConnectOptions) -> Diagnosis {
    let host = options.target.to_string();
    match Connection::connect(options.clone()).await {
        Ok(connection) => {
            let mut timings: Vec<(WmiStage, Duration)> = connection
                .report()
                .timings
                .iter()
                .map(|t| (t.stage, t.elapsed))
                .collect();
            let mut notes = connection.report().notes.clone();
            if let Some(version) = connection.report().dcom.server_com_version {
                notes.push(format!("server COM version {version}"));
            }
            if let Some(addr) = connection.report().dcom.object_exporter {
                notes.push(format!("object exporter at {addr}"));
            }
            let started = Instant::now();
            let result = async {
                let mut rows = connection.query(SAMPLE_QUERY).await?;
                let mut count = 0usize;
                while let Some(row) = rows.next().await {
                    row?;
                    count += 1;
                }
                Ok::<usize, WmiError>(count)
            }
            .await;
            timings.push((WmiStage::Query, started.elapsed()));
            connection.close().await;
            match result {
                Ok(count) => {
                    notes.push(format!(
                        "sample query `{SAMPLE_QUERY}` returned {count} rows"
                    ));
                    Diagnosis {
                        host,
                        verdict: &verdicts::OK,
                        stage: None,
                        code: None,
                        other_causes: Vec::new(),
                        evidence: Vec::new(),
                        stages: stage_reports(&timings, None),
                        notes,
                    }
                }
                Err(e) => {
                    let mut d = classify(&host, &e, &options);
                    d.stages = stage_reports(&timings, Some(WmiStage::Query));
                    d.notes = notes;
                    d
                }
            }
        }
        Err(e) => {
            let mut d = classify(&host, &e, &options);
            d.stages = stage_reports(&e.timings, Some(d.stage.unwrap_or(e.stage)));
            d
        }
    }
}

/// The verdict for a failure a caller already has (a query that failed on a connection, a connect made
/// through a pool), without connecting again: the same classification `diagnose` applies, over the
/// error's own evidence and timings. For front-ends that print their own error first (the wmic
/// drop-in) and then say why.
pub fn diagnose_error(options: &ConnectOptions, error: &WmiError) -> Diagnosis {
    let host = options.target.to_string();
    let mut d = classify(&host, error, options);
    d.stages = stage_reports(&error.timings, Some(d.stage.unwrap_or(error.stage)));
    d
}

/// Which doctor stage a failure belongs to: the query-side stages fold into the sample query.
fn report_stage(stage: WmiStage) -> WmiStage {
    match stage {
        WmiStage::Enumerate | WmiStage::GetObject | WmiStage::ExecMethod => WmiStage::Query,
        other => other,
    }
}

fn stage_reports(timings: &[(WmiStage, Duration)], failed: Option<WmiStage>) -> Vec<StageReport> {
    let failed = failed.map(report_stage);
    STAGES
        .iter()
        .map(|&(stage, label)| {
            let status = match failed {
                Some(f) if stage == f => StageStatus::Failed,
                Some(f) if stage > f => StageStatus::Skipped,
                _ => StageStatus::Ok,
            };
            let elapsed = timings
                .iter()
                .filter(|(s, _)| *s == stage)
                .map(|(_, d)| *d)
                .reduce(|a, b| a + b);
            StageReport {
                stage,
                label,
                status,
                elapsed,
            }
        })
        .collect()
}

/// Whether the account is a local (machine) account rather than a domain one, as far as the client can
/// tell from what the user typed.
fn looks_local(options: &ConnectOptions) -> bool {
    let d = &options.credentials.domain;
    d.is_empty() || d == "." || d.eq_ignore_ascii_case(&options.target.host)
}

/// The Kerberos failures doctor names: the KDC's refusals and its silence come before the RPC bind, a
/// skew may also come back from the server in place of the AP-REP.
fn kerberos_verdict(
    rpc: Option<&RpcError>,
    options: &ConnectOptions,
    evidence: &mut Vec<String>,
) -> Option<&'static Verdict> {
    let Some(RpcError::Security { error, .. }) = rpc else {
        return None;
    };
    let spn = || options.kerberos_spn().unwrap_or_default();
    match error {
        SecurityError::KdcUnreachable { kdc, .. } => {
            evidence.push(format!("the KDC was asked at {kdc}"));
            Some(&verdicts::KDC_UNREACHABLE)
        }
        SecurityError::Kerberos { code, .. } => match *code {
            KerberosErrorCode::KRB_AP_ERR_SKEW => Some(&verdicts::KERBEROS_CLOCK_SKEW),
            KerberosErrorCode::KDC_ERR_S_PRINCIPAL_UNKNOWN => {
                evidence.push(format!(
                    "the service principal asked for was {} in realm {}",
                    spn(),
                    options.kerberos_realm().unwrap_or_default()
                ));
                Some(&verdicts::KERBEROS_UNKNOWN_SPN)
            }
            KerberosErrorCode::KDC_ERR_PREAUTH_FAILED => {
                evidence.push("the KDC knows the user but the password or key is wrong".into());
                Some(&verdicts::KERBEROS_PREAUTH_FAILED)
            }
            KerberosErrorCode::KDC_ERR_C_PRINCIPAL_UNKNOWN => {
                evidence.push(format!(
                    "the KDC knows no user {}@{}: check the user name and the realm",
                    options.credentials.user,
                    options.kerberos_realm().unwrap_or_default()
                ));
                Some(&verdicts::KERBEROS_PREAUTH_FAILED)
            }
            KerberosErrorCode::KRB_AP_ERR_MODIFIED
            | KerberosErrorCode::KRB_AP_ERR_BADKEYVER
            | KerberosErrorCode::KRB_AP_ERR_NOT_US => {
                evidence.push(format!(
                    "the ticket was for {}, and the target refused it",
                    spn()
                ));
                Some(&verdicts::KERBEROS_WRONG_SERVICE_KEY)
            }
            KerberosErrorCode::KRB_AP_ERR_NOKEY | KerberosErrorCode::KDC_ERR_ETYPE_NOSUPP => {
                Some(&verdicts::KERBEROS_NO_COMMON_ENCTYPE)
            }
            KerberosErrorCode::KRB_AP_ERR_TKT_EXPIRED => Some(&verdicts::KERBEROS_TICKET_EXPIRED),
            _ => None,
        },
        _ => None,
    }
}

fn encryption_evidence(level: AuthLevel) -> String {
    format!(
        "the authentication level was {level}; namespaces marked RequiresEncryption accept only privacy"
    )
}

fn classify(host: &str, e: &WmiError, options: &ConnectOptions) -> Diagnosis {
    let mut evidence = vec![e.to_string()];
    evidence.extend(e.evidence.iter().cloned());
    let mut stage = report_stage(e.stage);
    let mut other = Vec::new();
    let rpc = e.rpc.as_deref();
    let user = &options.credentials.user;
    let verdict: &'static Verdict = if e.stage == WmiStage::Resolve {
        &verdicts::NAME_RESOLUTION_FAILED
    } else if let (WmiStage::Connect, Some(RpcError::Connect { failure, .. })) = (e.stage, rpc) {
        match failure {
            ConnectFailure::Refused => &verdicts::PORT_135_CLOSED,
            ConnectFailure::TimedOut(_) => &verdicts::PORT_135_FILTERED,
            _ => {
                other.push(verdicts::PORT_135_FILTERED.id);
                &verdicts::PORT_135_CLOSED
            }
        }
    } else if let (WmiStage::Bind, Some(RpcError::ContextRejected { .. })) = (e.stage, rpc) {
        &verdicts::DCOM_NOT_AVAILABLE
    } else if let Some(verdict) = kerberos_verdict(rpc, options, &mut evidence) {
        stage = WmiStage::Bind;
        verdict
    } else if e.is_logon_failure() {
        stage = WmiStage::Bind;
        &verdicts::LOGON_FAILURE
    } else if matches!(e.code, Some(RPC_E_VERSION_MISMATCH | RPC_E_INVALID_HEADER)) {
        &verdicts::COM_VERSION_MISMATCH
    } else if e.stage == WmiStage::Activation && e.code == Some(E_ACCESSDENIED) {
        // Windows answers E_ACCESSDENIED for all of these; rank them by what we know.
        if options.auth_level < AuthLevel::Integrity {
            evidence.push(format!(
                "the authentication level was {}; patched Windows refuses activation below packet integrity",
                options.auth_level
            ));
            other.extend([
                verdicts::DCOM_ACCESS_DENIED.id,
                verdicts::REMOTE_UAC_FILTERED.id,
            ]);
            &verdicts::ACTIVATION_AUTH_LEVEL_TOO_LOW
        } else if user.eq_ignore_ascii_case("Administrator") {
            evidence.push(
                "the built-in Administrator is allowed remote activation by default and remote UAC does not \
                 filter it, so a refusal points at the edition or at tightened DCOM limits"
                    .into(),
            );
            other.push(verdicts::DCOM_ACCESS_DENIED.id);
            &verdicts::UNSUPPORTED_EDITION
        } else if looks_local(options) && user.to_ascii_lowercase().contains("admin") {
            evidence.push(format!(
                "`{user}` is a local account whose name suggests an administrator; remote UAC filters such \
                 accounts' tokens over the network unless LocalAccountTokenFilterPolicy is 1"
            ));
            other.extend([
                verdicts::DCOM_ACCESS_DENIED.id,
                verdicts::UNSUPPORTED_EDITION.id,
            ]);
            &verdicts::REMOTE_UAC_FILTERED
        } else {
            evidence.push(format!(
                "`{user}` authenticated but may not activate WMI remotely: it lacks DCOM launch and activation rights"
            ));
            if looks_local(options) {
                other.push(verdicts::REMOTE_UAC_FILTERED.id);
            }
            other.push(verdicts::UNSUPPORTED_EDITION.id);
            &verdicts::DCOM_ACCESS_DENIED
        }
    } else if e.stage == WmiStage::Login
        && matches!(
            e.code,
            Some(WBEM_E_ACCESS_DENIED | WBEM_E_ENCRYPTED_CONNECTION_REQUIRED)
        )
    {
        if options.auth_level < AuthLevel::Privacy
            || e.code == Some(WBEM_E_ENCRYPTED_CONNECTION_REQUIRED)
        {
            evidence.push(encryption_evidence(options.auth_level));
            evidence.push("the namespace refused at NTLMLogin".into());
            other.push(verdicts::NAMESPACE_ACCESS_DENIED.id);
            &verdicts::NAMESPACE_REQUIRES_ENCRYPTION
        } else {
            &verdicts::NAMESPACE_ACCESS_DENIED
        }
    } else if report_stage(e.stage) == WmiStage::Query
        && e.code == Some(WBEM_E_ACCESS_DENIED)
        && options.auth_level < AuthLevel::Privacy
    {
        // MS-WMI 3.1.4: every IWbemServices method refuses a RequiresEncryption namespace below privacy,
        // and some servers refuse only there: a Windows Server accepted NTLMLogin into root\MSCluster
        // at integrity and refused the ExecQuery (github.com/cesbit/aiowmi issue 38).
        evidence.push(encryption_evidence(options.auth_level));
        evidence.push(format!(
            "NTLMLogin accepted {}, and the namespace refused at the sample query (IWbemServices {}) after it",
            options.auth_level,
            e.stage.name()
        ));
        other.push(verdicts::NAMESPACE_ACCESS_DENIED.id);
        &verdicts::NAMESPACE_REQUIRES_ENCRYPTION
    } else if e.stage == WmiStage::Login && e.code == Some(WBEM_E_INVALID_NAMESPACE) {
        &verdicts::INVALID_NAMESPACE
    } else if matches!(e.stage, WmiStage::OxidBinding | WmiStage::DynamicPort) {
        let unresolvable = e
            .evidence
            .iter()
            .any(|line| line.contains("does not resolve"));
        match rpc {
            Some(RpcError::Connect {
                failure: ConnectFailure::Refused,
                ..
            }) if unresolvable => &verdicts::OXID_BINDING_UNREACHABLE,
            Some(RpcError::Closed { .. }) => &verdicts::SERVER_DROPPED_CONNECTION,
            Some(other_error) if other_error.is_timeout() => {
                if unresolvable {
                    other.push(verdicts::OXID_BINDING_UNREACHABLE.id);
                }
                &verdicts::DYNAMIC_PORT_FILTERED
            }
            _ if unresolvable => &verdicts::OXID_BINDING_UNREACHABLE,
            _ => &verdicts::DYNAMIC_PORT_FILTERED,
        }
    } else if matches!(rpc, Some(RpcError::Closed { .. })) {
        &verdicts::SERVER_DROPPED_CONNECTION
    } else if e.is_timeout() {
        &verdicts::CONNECTION_TIMEOUT
    } else if matches!(
        rpc,
        Some(RpcError::Protocol { .. } | RpcError::BadSignature { .. })
    ) {
        &verdicts::PROTOCOL_ERROR
    } else if matches!(
        e.stage,
        WmiStage::Query | WmiStage::Enumerate | WmiStage::GetObject | WmiStage::ExecMethod
    ) {
        &verdicts::QUERY_FAILED
    } else {
        &verdicts::UNEXPECTED_STATUS
    };
    if let Some(info) = e.code.and_then(|c| status::lookup(c).into_iter().next())
        && !e.message.contains(info.meaning)
    {
        evidence.push(format!("{}: {}", info.name, info.meaning));
    }
    Diagnosis {
        host: host.to_string(),
        verdict,
        stage: Some(stage),
        code: e.code,
        other_causes: other,
        evidence,
        stages: Vec::new(),
        notes: Vec::new(),
    }
}

impl Diagnosis {
    /// The signed decimal form Windows tools print for an HRESULT.
    pub fn code_decimal(&self) -> Option<i32> {
        self.code.map(|c| c as i32)
    }

    /// `{"host": ..., "verdict": ID, "stage": ..., "code": "0x80070005", "code_decimal": -2147024891,
    /// "symptom": ..., "cause": ..., "resolution": [...], "other_causes": [...], "evidence": [...],
    /// "stages": [{"name": ..., "status": "ok|failed|skipped", "ms": ...}], "notes": [...]}`.
    pub fn to_json(&self) -> String {
        let list = |items: &mut dyn Iterator<Item = String>| {
            format!("[{}]", items.collect::<Vec<_>>().join(", "))
        };
        let stages = self
            .stages
            .iter()
            .map(|s| {
                format!(
                    "{{\"name\": {}, \"status\": \"{}\", \"ms\": {}}}",
                    json_string(s.stage.id()),
                    s.status.id(),
                    s.elapsed.map_or("null".into(), |d| format!(
                        "{:.1}",
                        d.as_secs_f64() * 1000.0
                    ))
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "{{\"host\": {}, \"verdict\": {}, \"stage\": {}, \"code\": {}, \"code_decimal\": {}, \"symptom\": {}, \
             \"cause\": {}, \"resolution\": {}, \"other_causes\": {}, \"evidence\": {}, \"stages\": [{stages}], \"notes\": {}}}",
            json_string(&self.host),
            json_string(self.verdict.id),
            self.stage.map_or("null".into(), |s| json_string(s.id())),
            self.code
                .map_or("null".into(), |c| format!("\"0x{c:08X}\"")),
            self.code_decimal().map_or("null".into(), |d| d.to_string()),
            json_string(self.verdict.symptom),
            json_string(self.verdict.cause),
            list(&mut self.verdict.resolution.iter().map(|r| json_string(r))),
            list(&mut self.other_causes.iter().map(|c| json_string(c))),
            list(&mut self.evidence.iter().map(|e| json_string(e))),
            list(&mut self.notes.iter().map(|n| json_string(n))),
        )
    }

    /// The report a person reads.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "rwmi doctor: {}", self.host);
        for s in &self.stages {
            let ms = s.elapsed.map_or(String::new(), |d| {
                format!("{:>8.1} ms", d.as_secs_f64() * 1000.0)
            });
            let _ = writeln!(out, "  {:<8} {:<30}{ms}", s.status.id(), s.label);
        }
        let _ = writeln!(out);
        let stage = self.stage.map_or(String::new(), |s| format!(" (at {s})"));
        let _ = writeln!(out, "Verdict:  {}{stage}", self.verdict.id);
        let _ = writeln!(out, "Symptom:  {}", self.verdict.symptom);
        let _ = writeln!(out, "Cause:    {}", self.verdict.cause);
        if let Some(code) = self.code {
            let name = status::lookup(code).first().map_or("", |i| i.name);
            let _ = writeln!(out, "Code:     {} {name}", status::hex_and_decimal(code));
        }
        if !self.verdict.resolution.is_empty() {
            let _ = writeln!(out, "Resolution:");
            for r in self.verdict.resolution {
                let _ = writeln!(out, "  - {r}");
            }
        }
        if !self.other_causes.is_empty() {
            let _ = writeln!(
                out,
                "Other possible causes, in order: {}",
                self.other_causes.join(", ")
            );
        }
        if !self.evidence.is_empty() {
            let _ = writeln!(out, "Evidence:");
            for e in &self.evidence {
                let _ = writeln!(out, "  - {e}");
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out, "Notes:");
            for n in &self.notes {
                let _ = writeln!(out, "  - {n}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::security::{Credentials, Secret};

    fn options(user: &str, level: AuthLevel) -> ConnectOptions {
        let mut o = ConnectOptions::new(
            "host",
            Credentials::parse_user(user, Secret::Password("x".into())),
        )
        .unwrap();
        o.auth_level = level;
        o
    }

    fn verdict(e: WmiError, o: &ConnectOptions) -> (&'static str, Vec<&'static str>) {
        let d = classify("host", &e, o);
        (d.verdict.id, d.other_causes)
    }

    fn activation_denied() -> WmiError {
        WmiError::status(
            WmiStage::Activation,
            "IRemoteSCMActivator::RemoteCreateInstance",
            E_ACCESSDENIED,
        )
    }

    #[test]
    fn diagnose_error_classifies_without_connecting() {
        let mut e = activation_denied();
        e.timings = vec![(WmiStage::Connect, Duration::from_millis(2))];
        let d = diagnose_error(&options("alice", AuthLevel::Privacy), &e);
        assert_eq!(d.verdict.id, "dcom-access-denied");
        assert_eq!(d.host, "host:135");
        assert_eq!(d.stage, Some(WmiStage::Activation));
        let failed: Vec<_> = d
            .stages
            .iter()
            .filter(|s| s.status == StageStatus::Failed)
            .map(|s| s.stage)
            .collect();
        assert_eq!(failed, [WmiStage::Activation]);
    }

    #[test]
    fn activation_denials_are_ranked_by_evidence() {
        let privacy = AuthLevel::Privacy;
        assert_eq!(
            verdict(activation_denied(), &options("alice", AuthLevel::Connect)).0,
            "activation-auth-level-too-low"
        );
        let (v, other) = verdict(activation_denied(), &options("alice", privacy));
        assert_eq!(v, "dcom-access-denied");
        assert_eq!(other, ["remote-uac-filtered", "unsupported-edition"]);
        assert_eq!(
            verdict(activation_denied(), &options("localadmin", privacy)).0,
            "remote-uac-filtered"
        );
        assert_eq!(
            verdict(activation_denied(), &options("CORP\\svc-admin", privacy)).0,
            "dcom-access-denied"
        );
        assert_eq!(
            verdict(activation_denied(), &options("Administrator", privacy)).0,
            "unsupported-edition"
        );
    }

    #[test]
    fn namespace_denials_depend_on_the_level() {
        let e = || {
            WmiError::status(
                WmiStage::Login,
                "IWbemLevel1Login::NTLMLogin",
                WBEM_E_ACCESS_DENIED,
            )
        };
        assert_eq!(
            verdict(e(), &options("bob", AuthLevel::Integrity)).0,
            "namespace-requires-encryption"
        );
        assert_eq!(
            verdict(e(), &options("bob", AuthLevel::Privacy)).0,
            "namespace-access-denied"
        );
        let e = WmiError::status(
            WmiStage::Login,
            "IWbemLevel1Login::NTLMLogin",
            WBEM_E_INVALID_NAMESPACE,
        );
        assert_eq!(
            verdict(e, &options("bob", AuthLevel::Privacy)).0,
            "invalid-namespace"
        );
    }

    #[test]
    fn a_refusal_at_the_query_below_privacy_is_the_encryption_requirement() {
        let e = || {
            WmiError::status(
                WmiStage::Query,
                "IWbemServices::ExecQuery",
                WBEM_E_ACCESS_DENIED,
            )
        };
        let d = classify("h", &e(), &options("Administrator", AuthLevel::Integrity));
        assert_eq!(d.verdict.id, "namespace-requires-encryption");
        assert_eq!(d.stage, Some(WmiStage::Query));
        assert!(
            d.evidence
                .iter()
                .any(|line| line.contains("refused at the sample query")),
            "{:?}",
            d.evidence
        );
        assert_eq!(
            verdict(e(), &options("Administrator", AuthLevel::Privacy)).0,
            "query-failed"
        );
        let login = WmiError::status(
            WmiStage::Login,
            "IWbemLevel1Login::NTLMLogin",
            WBEM_E_ACCESS_DENIED,
        );
        let d = classify("h", &login, &options("Administrator", AuthLevel::Integrity));
        assert!(
            d.evidence
                .iter()
                .any(|line| line == "the namespace refused at NTLMLogin")
        );
    }

    fn kerberos_options() -> ConnectOptions {
        ConnectOptions::new(
            "dc1.test.local",
            Credentials::parse_user("alice@test.local", Secret::Password("x".into())),
        )
        .unwrap()
        .with_kerberos(crate::wmi::KerberosSettings::new(
            "127.0.200.1:88".parse().unwrap(),
        ))
        .unwrap()
    }

    fn kerberos_failure(error: SecurityError) -> WmiError {
        WmiError::rpc(
            WmiStage::Bind,
            None,
            RpcError::Security {
                stage: crate::rpc::Stage::Authenticate,
                error,
            },
        )
    }

    fn krb_error(code: KerberosErrorCode) -> WmiError {
        kerberos_failure(SecurityError::Kerberos {
            code,
            message: "the KDC refused".into(),
        })
    }

    #[test]
    fn kerberos_failures_have_their_own_verdicts() {
        let o = kerberos_options();
        let d = classify(
            "dc1.test.local",
            &krb_error(KerberosErrorCode::KRB_AP_ERR_SKEW),
            &o,
        );
        assert_eq!(d.verdict.id, "kerberos-clock-skew");
        assert_eq!(d.stage, Some(WmiStage::Bind));
        let d = classify(
            "dc1.test.local",
            &krb_error(KerberosErrorCode::KDC_ERR_S_PRINCIPAL_UNKNOWN),
            &o,
        );
        assert_eq!(d.verdict.id, "kerberos-unknown-spn");
        assert!(
            d.evidence
                .iter()
                .any(|e| e.contains("host/dc1.test.local in realm TEST.LOCAL")),
            "{:?}",
            d.evidence
        );
        // Both a wrong password and an unknown user are the client's credentials, not the target.
        assert_eq!(
            verdict(krb_error(KerberosErrorCode::KDC_ERR_PREAUTH_FAILED), &o).0,
            "kerberos-preauth-failed"
        );
        let d = classify(
            "dc1.test.local",
            &krb_error(KerberosErrorCode::KDC_ERR_C_PRINCIPAL_UNKNOWN),
            &o,
        );
        assert_eq!(d.verdict.id, "kerberos-preauth-failed");
        assert!(
            d.evidence
                .iter()
                .any(|e| e.contains("no user alice@TEST.LOCAL")),
            "{:?}",
            d.evidence
        );
        let unreachable = kerberos_failure(SecurityError::KdcUnreachable {
            kdc: "127.0.200.1:88".parse().unwrap(),
            message: "connection refused".into(),
        });
        assert_eq!(verdict(unreachable, &o).0, "kdc-unreachable");
        // A timed-out KDC is still the KDC, not the target's time-out.
        let silent = kerberos_failure(SecurityError::KdcUnreachable {
            kdc: "10.0.0.1:88".parse().unwrap(),
            message: "timed out".into(),
        });
        assert_eq!(verdict(silent, &o).0, "kdc-unreachable");
        // Other refusals of the credentials stay logon failures; the rest are shown as they are.
        assert_eq!(
            verdict(krb_error(KerberosErrorCode::KDC_ERR_CLIENT_REVOKED), &o).0,
            "logon-failure"
        );
        assert_eq!(
            verdict(krb_error(KerberosErrorCode::KRB_ERR_GENERIC), &o).0,
            "unexpected-status"
        );
    }

    #[test]
    fn kerberos_resolutions_say_whether_ntlm_helps() {
        let says = |v: &Verdict, needle: &str| v.resolution.iter().any(|r| r.contains(needle));
        assert!(says(&verdicts::KERBEROS_UNKNOWN_SPN, "NTLM works"));
        assert!(says(&verdicts::KERBEROS_UNKNOWN_SPN, "setspn"));
        assert!(says(
            &verdicts::KERBEROS_PREAUTH_FAILED,
            "NTLM does not help"
        ));
        assert!(says(&verdicts::KDC_UNREACHABLE, "NTLM"));
        assert!(says(&verdicts::KERBEROS_CLOCK_SKEW, "NTLM"));
    }

    #[test]
    fn transport_failures() {
        let o = options("a", AuthLevel::Privacy);
        let addr = "127.0.0.1:135".parse().unwrap();
        let filtered = WmiError::rpc(
            WmiStage::Connect,
            None,
            RpcError::Connect {
                addr,
                failure: ConnectFailure::TimedOut(Duration::from_secs(1)),
            },
        );
        assert_eq!(verdict(filtered, &o).0, "port-135-filtered");
        let dynamic = WmiError::rpc(
            WmiStage::OxidBinding,
            None,
            RpcError::Connect {
                addr,
                failure: ConnectFailure::TimedOut(Duration::from_secs(1)),
            },
        );
        assert_eq!(verdict(dynamic, &o).0, "dynamic-port-filtered");
        let unreachable = WmiError::rpc(
            WmiStage::OxidBinding,
            None,
            RpcError::Connect {
                addr,
                failure: ConnectFailure::Refused,
            },
        )
        .with_evidence(vec![
            "advertised binding emu.invalid[49152] does not resolve".into(),
        ]);
        assert_eq!(verdict(unreachable, &o).0, "oxid-binding-unreachable");
        let dropped = WmiError::rpc(
            WmiStage::Login,
            None,
            RpcError::Closed {
                stage: crate::rpc::Stage::Call,
            },
        );
        assert_eq!(verdict(dropped, &o).0, "server-dropped-connection");
        let lag = WmiError::rpc(
            WmiStage::Activation,
            None,
            RpcError::Timeout {
                stage: crate::rpc::Stage::Call,
                after: Duration::from_millis(10),
            },
        );
        assert_eq!(verdict(lag, &o).0, "connection-timeout");
        let old = WmiError::new(
            WmiStage::Activation,
            None,
            Some(RPC_E_VERSION_MISMATCH),
            "x",
        );
        assert_eq!(verdict(old, &o).0, "com-version-mismatch");
        let bad_class = WmiError::status(
            WmiStage::Query,
            "IWbemServices::ExecQuery",
            status::wbem::WBEM_E_INVALID_CLASS,
        );
        assert_eq!(verdict(bad_class, &o).0, "query-failed");
    }
}
