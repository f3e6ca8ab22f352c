//! Kerberos secrets never reach the logs: with tracing at TRACE, a Kerberos logon to the emulator (a
//! ticket from the Samba DC that scripts/test.sh starts, under both packages) leaves neither the password
//! nor anything of sspi's key material in what the subscriber received. sspi traces the sub-session key
//! and whole message buffers at that level; rwmi runs every call into it with tracing switched off.
//! (A file of its own: the TRACE subscriber is process-wide.)

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rwmi::security::{AuthLevel, Credentials, Secret};
use rwmi::wmi::{ConnectOptions, Connection, KerberosPackage, KerberosSettings};
use rwmi_sim::launch::{SimOptions, start};

#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_kerberos_logon_at_trace_level_logs_no_key_and_no_password() {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(host), Some(password), Some(keytab)) = (
        var("RWMI_SAMBA_HOST"),
        var("RWMI_SAMBA_PASSWORD"),
        var("RWMI_SAMBA_EMU_KEYTAB"),
    ) else {
        assert!(
            var("RWMI_REQUIRE_PEERS").is_none(),
            "RWMI_REQUIRE_PEERS is set but the Samba DC is not configured"
        );
        eprintln!("skipped: no Samba DC (run ./scripts/test.sh)");
        return;
    };
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let handle = start(&SimOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        keytabs: vec![keytab.into()],
        ..SimOptions::default()
    })
    .await
    .expect("the emulator starts with Samba's keytab");
    let kdc = SocketAddr::new(host.parse().unwrap(), 88);
    for package in [KerberosPackage::Kerberos, KerberosPackage::Negotiate] {
        let credentials = Credentials::parse_user(
            "Administrator@TEST.LOCAL",
            Secret::Password(password.clone()),
        );
        let target = handle.hosts()[0].scm_addr.to_string();
        let mut o = ConnectOptions::new(&target, credentials).unwrap();
        let mut kerberos = KerberosSettings::new(kdc);
        kerberos.spn = Some("host/emu.test.local".into());
        kerberos.package = package;
        o = o.with_kerberos(kerberos).unwrap();
        o.auth_level = AuthLevel::Privacy;
        o.connect_timeout = Duration::from_secs(15);
        let connection = Connection::connect(o)
            .await
            .unwrap_or_else(|e| panic!("{package:?}: {e}"));
        let rows = connection
            .query("SELECT Caption FROM Win32_OperatingSystem")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        assert_eq!(rows.len(), 1);
        connection.close().await;
    }
    handle.shutdown().await;

    let logs = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
    // The subscriber did receive rwmi's own lines, so silence below is not an empty log.
    assert!(logs.contains("authenticated"), "{logs}");
    for secret in [
        password.as_str(),
        // Any line of sspi's own (its targets are its module paths).
        " sspi::",
        "sub-session key",
        "sub_session_key",
        "session_key",
        "EncryptionParams",
    ] {
        assert!(
            !logs.contains(secret),
            "the logs carry {secret:?}:\n{}",
            logs.lines()
                .filter(|l| l.contains(secret))
                .take(3)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
