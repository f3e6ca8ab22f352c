//! Kerberos secrets never reach the logs: with tracing at TRACE, a Kerberos logon to the emulator (a
//! ticket from the Samba DC that scripts/test.sh starts, under both packages) leaves neither the password
//! nor anything of sspi's key material in what the subscriber received. sspi traces the sub-session key
//! and whole message buffers at that level; rwmi runs every call into it with tracing switched off.
//! (A file of its own: the TRACE subscriber is process-wide.)

mod support;

use rwmi::security::AuthLevel;
use rwmi::wmi::{Connection, KerberosPackage};
use support::{LogBuffer, kerberos_options, rows, samba_realm};

#[tokio::test]
async fn a_kerberos_logon_at_trace_level_logs_no_key_and_no_password() {
    let Some(realm) = samba_realm() else { return };
    let password = realm.admin_password.clone();
    let buffer = LogBuffer::capture_trace();

    let handle = realm.emulator(&[]).await;
    for package in [KerberosPackage::Kerberos, KerberosPackage::Negotiate] {
        let mut kerberos = realm.kerberos("host/emu.test.local");
        kerberos.package = package;
        let credentials = realm.user("Administrator", &password);
        let o = kerberos_options(&handle, credentials, kerberos, AuthLevel::Privacy);
        let connection = Connection::connect(o)
            .await
            .unwrap_or_else(|e| panic!("{package:?}: {e}"));
        let os = rows(&connection, "SELECT Caption FROM Win32_OperatingSystem").await;
        assert_eq!(os.len(), 1);
        connection.close().await;
    }
    handle.shutdown().await;

    let logs = buffer.text();
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
