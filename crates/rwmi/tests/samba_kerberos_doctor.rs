//! `diagnose` with Kerberos against the Samba AD DC that scripts/test.sh starts. With Kerberos the KDC is
//! asked for tickets before the RPC bind, so its refusals reach doctor first; a logon that passes reaches
//! Samba's endpoint mapper, which offers no DCOM activation: `dcom-not-available` proves authentication
//! passed. Clock skew is not tested here: it would need this machine's or the DC's clock moved by more than
//! five minutes, which a test must not do to a shared machine (the unit tests in diagnosis cover it).

mod support;

use support::peers::{Samba, samba};

use std::net::SocketAddr;
use std::time::Duration;

use rwmi::diagnosis::{Diagnosis, StageStatus, diagnose};
use rwmi::security::{Credentials, Secret};
use rwmi::wmi::{ConnectOptions, KerberosSettings, WmiStage};

/// The DC's host service: Samba registers host/<fqdn> for the DC account (dc1.test.local).
fn dc_spn(samba: &Samba) -> String {
    format!("host/dc1.{}", samba.realm.to_lowercase())
}

/// A WMI connect to the DC's address with Kerberos for `spn` (the target is an address, so the SPN is
/// given as ConnectServer's `kerberos:` authority).
fn options(
    samba: &Samba,
    user: &str,
    password: &str,
    spn: &str,
    kdc: SocketAddr,
) -> ConnectOptions {
    let mut o = ConnectOptions::new(
        &samba.host.to_string(),
        Credentials::parse_user(
            &format!("{user}@{}", samba.realm),
            Secret::Password(password.into()),
        ),
    )
    .unwrap()
    .with_authority(&format!("kerberos:{spn}"))
    .unwrap()
    .with_kerberos(KerberosSettings::new(kdc))
    .unwrap();
    o.connect_timeout = Duration::from_secs(10);
    o.call_timeout = Duration::from_secs(15);
    o
}

fn kdc(samba: &Samba) -> SocketAddr {
    SocketAddr::new(samba.host, 88)
}

fn failed_at_bind(d: &Diagnosis) {
    assert_eq!(d.stage, Some(WmiStage::Bind), "{}", d.to_text());
    let bind = d
        .stages
        .iter()
        .find(|s| s.stage == WmiStage::Bind)
        .expect("a bind stage");
    assert_eq!(bind.status, StageStatus::Failed, "{}", d.to_text());
}

#[tokio::test]
async fn a_correct_kerberos_logon_reaches_the_endpoint_mapper_which_has_no_dcom() {
    let Some(samba) = samba() else { return };
    let d = diagnose(options(
        &samba,
        &samba.user,
        &samba.password,
        &dc_spn(&samba),
        kdc(&samba),
    ))
    .await;
    assert_eq!(d.verdict.id, "dcom-not-available", "{}", d.to_text());
    failed_at_bind(&d);
}

#[tokio::test]
async fn an_unknown_spn_is_named() {
    let Some(samba) = samba() else { return };
    let spn = format!("host/no-such-host.{}", samba.realm.to_lowercase());
    let d = diagnose(options(
        &samba,
        &samba.user,
        &samba.password,
        &spn,
        kdc(&samba),
    ))
    .await;
    assert_eq!(d.verdict.id, "kerberos-unknown-spn", "{}", d.to_text());
    failed_at_bind(&d);
    assert!(
        d.evidence.iter().any(|e| e.contains(&spn)),
        "{:?}",
        d.evidence
    );
    assert!(
        d.evidence
            .iter()
            .any(|e| e.contains("KDC_ERR_S_PRINCIPAL_UNKNOWN (7)")),
        "{:?}",
        d.evidence
    );
}

#[tokio::test]
async fn a_wrong_password_or_an_unknown_user_fails_pre_authentication() {
    let Some(samba) = samba() else { return };
    let spn = dc_spn(&samba);
    let d = diagnose(options(
        &samba,
        &samba.user,
        "not-the-password",
        &spn,
        kdc(&samba),
    ))
    .await;
    assert_eq!(d.verdict.id, "kerberos-preauth-failed", "{}", d.to_text());
    failed_at_bind(&d);
    assert!(
        d.evidence
            .iter()
            .any(|e| e.contains("KDC_ERR_PREAUTH_FAILED (24)")),
        "{:?}",
        d.evidence
    );
    let d = diagnose(options(
        &samba,
        "no-such-user",
        &samba.password,
        &spn,
        kdc(&samba),
    ))
    .await;
    assert_eq!(d.verdict.id, "kerberos-preauth-failed", "{}", d.to_text());
    assert!(
        d.evidence
            .iter()
            .any(|e| e.contains("KDC_ERR_C_PRINCIPAL_UNKNOWN (6)")),
        "{:?}",
        d.evidence
    );
}

#[tokio::test]
async fn a_closed_kdc_port_is_an_unreachable_kdc() {
    let Some(samba) = samba() else { return };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let d = diagnose(options(
        &samba,
        &samba.user,
        &samba.password,
        &dc_spn(&samba),
        closed,
    ))
    .await;
    assert_eq!(d.verdict.id, "kdc-unreachable", "{}", d.to_text());
    failed_at_bind(&d);
    assert!(
        d.evidence.iter().any(|e| e.contains(&closed.to_string())),
        "{:?}",
        d.evidence
    );
}
