//! `diagnose` against real sockets: failures a loopback machine can produce without the emulator.

use std::time::Duration;

use rwmi::diagnosis::{StageStatus, diagnose};
use rwmi::security::{Credentials, Secret};
use rwmi::wmi::{ConnectOptions, WmiStage};
use rwmi_core::status::{hresult_from_win32, win32};

fn options(target: &str) -> ConnectOptions {
    let mut o = ConnectOptions::new(
        target,
        Credentials::parse_user("EMU\\someone", Secret::Password("x".into())),
    )
    .unwrap();
    o.connect_timeout = Duration::from_millis(500);
    o.call_timeout = Duration::from_millis(500);
    o
}

#[tokio::test]
async fn unknown_host_name() {
    let d = diagnose(options("no-such-host.invalid")).await;
    assert_eq!(d.verdict.id, "name-resolution-failed");
    assert_eq!(d.stage, Some(WmiStage::Resolve));
    assert_eq!(d.stages[0].status, StageStatus::Failed);
    assert!(
        d.stages[1..]
            .iter()
            .all(|s| s.status == StageStatus::Skipped)
    );
}

#[tokio::test]
async fn closed_port() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let d = diagnose(options(&format!("127.0.0.1:{port}"))).await;
    assert_eq!(d.verdict.id, "port-135-closed");
    assert_eq!(d.stage, Some(WmiStage::Connect));
    assert_eq!(
        d.code,
        Some(hresult_from_win32(win32::RPC_S_SERVER_UNAVAILABLE))
    );
    let json = d.to_json();
    assert!(
        json.contains("\"code\": \"0x800706BA\", \"code_decimal\": -2147023174"),
        "{json}"
    );
}

#[tokio::test]
async fn port_that_accepts_but_never_answers() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let keep = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let d = diagnose(options(&addr.to_string())).await;
    assert_eq!(d.verdict.id, "connection-timeout", "{}", d.to_text());
    assert_eq!(d.stage, Some(WmiStage::Bind));
    keep.abort();
}

/// A port that accepts connections and holds them without a word, for as long as the test runs.
async fn silent_listener() -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let keep = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    (addr, keep)
}

/// With Kerberos the KDC is asked for tickets before the bind is sent, so a KDC that refuses or stays
/// silent is named as such, whatever listens on the target's port, and not taken for the target's time-out.
#[tokio::test]
async fn a_kdc_that_refuses_or_stays_silent_is_unreachable() {
    let (target, keep_target) = silent_listener().await;
    let (silent_kdc, keep_kdc) = silent_listener().await;
    let closed_kdc = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    for kdc in [closed_kdc, silent_kdc] {
        let o = options(&target.to_string())
            .with_authority("kerberos:host/server.emu.test")
            .unwrap()
            .with_kerberos(rwmi::wmi::KerberosSettings {
                realm: Some("EMU.TEST".into()),
                ..rwmi::wmi::KerberosSettings::new(kdc)
            })
            .unwrap();
        let d = diagnose(o).await;
        assert_eq!(d.verdict.id, "kdc-unreachable", "{}", d.to_text());
        assert_eq!(d.stage, Some(WmiStage::Bind));
        assert!(
            d.evidence.iter().any(|e| e.contains(&kdc.to_string())),
            "{:?}",
            d.evidence
        );
    }
    keep_target.abort();
    keep_kdc.abort();
}
