//! `rwmi doctor`'s verdict and stage for every fault profile and built-in account of the emulator, over
//! real TCP on loopback.

mod support;

use std::time::Duration;

use rwmi::diagnosis::{Diagnosis, diagnose};
use rwmi::security::AuthLevel;
use rwmi::wmi::WmiStage;
use rwmi_core::status::hresult::E_ACCESSDENIED;
use rwmi_core::status::wbem::WBEM_E_ACCESS_DENIED;
use rwmi_sim::launch::{SimOptions, start};
use support::{sim_options, strings, target, timed_options, with_password};

struct Case<'a> {
    profiles: &'a [&'a str],
    user: &'a str,
    password: &'a str,
    level: AuthLevel,
    namespace: &'a str,
    timeout: Duration,
}

impl Default for Case<'_> {
    fn default() -> Self {
        Case {
            profiles: &[],
            user: "Administrator",
            password: "Passw0rd!",
            level: AuthLevel::Privacy,
            namespace: "root\\cimv2",
            timeout: Duration::from_secs(5),
        }
    }
}

async fn run(case: Case<'_>) -> Diagnosis {
    let options = SimOptions {
        profiles: strings(case.profiles),
        ..sim_options()
    };
    let emulator = start(&options).await.unwrap();
    let credentials = with_password(case.user, case.password);
    let mut o = timed_options(&target(&emulator), credentials, case.timeout)
        .with_namespace(case.namespace)
        .unwrap();
    o.auth_level = case.level;
    let d = diagnose(o).await;
    emulator.shutdown().await;
    d
}

fn check(d: &Diagnosis, verdict: &str, stage: Option<WmiStage>) {
    assert_eq!(d.verdict.id, verdict, "{}", d.to_text());
    assert_eq!(d.stage, stage, "{}", d.to_text());
}

#[tokio::test]
async fn administrator_is_ok() {
    let d = run(Case::default()).await;
    check(&d, "ok", None);
    assert!(
        d.notes.iter().any(|n| n.contains("sample query")),
        "{:?}",
        d.notes
    );
}

#[tokio::test]
async fn alice_is_refused_dcom_activation() {
    let d = run(Case {
        user: "alice",
        ..Case::default()
    })
    .await;
    check(&d, "dcom-access-denied", Some(WmiStage::Activation));
    assert_eq!(d.code, Some(E_ACCESSDENIED));
    assert_eq!(d.code_decimal(), Some(-2147024891));
}

#[tokio::test]
async fn bob_has_no_remote_enable_on_the_namespace() {
    check(
        &run(Case {
            user: "bob",
            ..Case::default()
        })
        .await,
        "namespace-access-denied",
        Some(WmiStage::Login),
    );
}

#[tokio::test]
async fn localadmin_is_filtered_by_remote_uac() {
    check(
        &run(Case {
            user: "localadmin",
            ..Case::default()
        })
        .await,
        "remote-uac-filtered",
        Some(WmiStage::Activation),
    );
}

#[tokio::test]
async fn uac_off_lets_localadmin_in() {
    check(
        &run(Case {
            user: "localadmin",
            profiles: &["uac-off"],
            ..Case::default()
        })
        .await,
        "ok",
        None,
    );
}

#[tokio::test]
async fn wrong_password_is_a_logon_failure() {
    check(
        &run(Case {
            password: "wrong",
            ..Case::default()
        })
        .await,
        "logon-failure",
        Some(WmiStage::Bind),
    );
}

#[tokio::test]
async fn home_edition_refuses_even_the_administrator() {
    check(
        &run(Case {
            profiles: &["home-edition"],
            ..Case::default()
        })
        .await,
        "unsupported-edition",
        Some(WmiStage::Activation),
    );
}

#[tokio::test]
async fn activation_below_integrity_is_refused_unless_legacy() {
    let d = run(Case {
        level: AuthLevel::Connect,
        ..Case::default()
    })
    .await;
    check(
        &d,
        "activation-auth-level-too-low",
        Some(WmiStage::Activation),
    );
    check(
        &run(Case {
            level: AuthLevel::Connect,
            profiles: &["legacy"],
            ..Case::default()
        })
        .await,
        "ok",
        None,
    );
}

#[tokio::test]
async fn encrypted_namespace_needs_privacy() {
    let tpm = "root\\cimv2\\Security\\MicrosoftTpm";
    let d = run(Case {
        level: AuthLevel::Integrity,
        namespace: tpm,
        ..Case::default()
    })
    .await;
    check(&d, "namespace-requires-encryption", Some(WmiStage::Login));
    assert_eq!(d.code, Some(WBEM_E_ACCESS_DENIED));
    check(
        &run(Case {
            namespace: tpm,
            ..Case::default()
        })
        .await,
        "ok",
        None,
    );
}

/// root\MSCluster lets NTLMLogin through at integrity and refuses the sample query (aiowmi issue 38).
#[tokio::test]
async fn cluster_namespace_refuses_at_the_sample_query() {
    let cluster = "root\\MSCluster";
    let d = run(Case {
        level: AuthLevel::Integrity,
        namespace: cluster,
        ..Case::default()
    })
    .await;
    check(&d, "namespace-requires-encryption", Some(WmiStage::Query));
    assert_eq!(d.code, Some(0x8004_1003));
    assert!(
        d.evidence
            .iter()
            .any(|line| line.contains("NTLMLogin accepted integrity")
                && line.contains("refused at the sample query")),
        "{}",
        d.to_text()
    );
    let login = d
        .stages
        .iter()
        .find(|s| s.stage == WmiStage::Login)
        .unwrap();
    assert_eq!(login.status.id(), "ok", "{}", d.to_text());
    check(
        &run(Case {
            namespace: cluster,
            ..Case::default()
        })
        .await,
        "ok",
        None,
    );
}

#[tokio::test]
async fn unknown_namespace() {
    check(
        &run(Case {
            namespace: "root\\nothing",
            ..Case::default()
        })
        .await,
        "invalid-namespace",
        Some(WmiStage::Login),
    );
}

#[tokio::test]
async fn lag_is_fine_with_enough_time_and_a_timeout_otherwise() {
    check(
        &run(Case {
            profiles: &["lag=20"],
            ..Case::default()
        })
        .await,
        "ok",
        None,
    );
    let d = run(Case {
        profiles: &["lag=400"],
        timeout: Duration::from_millis(150),
        ..Case::default()
    })
    .await;
    check(&d, "connection-timeout", Some(WmiStage::Bind));
}

#[tokio::test]
async fn firewalled_dynamic_port() {
    let d = run(Case {
        profiles: &["firewalled-dynamic-port"],
        timeout: Duration::from_millis(500),
        ..Case::default()
    })
    .await;
    assert_eq!(d.verdict.id, "dynamic-port-filtered", "{}", d.to_text());
    assert!(
        matches!(d.stage, Some(WmiStage::OxidBinding | WmiStage::DynamicPort)),
        "{}",
        d.to_text()
    );
}

#[tokio::test]
async fn unreachable_binding_falls_back_to_the_135_address() {
    let d = run(Case {
        profiles: &["unreachable-binding"],
        ..Case::default()
    })
    .await;
    check(&d, "ok", None);
    assert!(
        d.notes
            .iter()
            .any(|n| n.contains("used the address that answered port 135")),
        "{:?}",
        d.notes
    );
}

#[tokio::test]
async fn server_dropping_the_connection() {
    let d = run(Case {
        profiles: &["drop-after=1"],
        ..Case::default()
    })
    .await;
    assert_eq!(d.verdict.id, "server-dropped-connection", "{}", d.to_text());
}

#[tokio::test]
async fn server_stalling_is_a_timeout() {
    let d = run(Case {
        profiles: &["stall-after=1"],
        timeout: Duration::from_millis(400),
        ..Case::default()
    })
    .await;
    assert_eq!(d.verdict.id, "connection-timeout", "{}", d.to_text());
}

#[tokio::test]
async fn com_version_mismatch() {
    let d = run(Case {
        profiles: &["com-version=4.1"],
        ..Case::default()
    })
    .await;
    check(&d, "com-version-mismatch", Some(WmiStage::Activation));
}
