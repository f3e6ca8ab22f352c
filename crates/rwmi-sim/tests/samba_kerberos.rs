//! Kerberos end to end with a real KDC: the emulator runs as the service account `emu` that
//! scripts/samba-dc.sh creates in the Samba AD domain (`samba-tool user create`, `spn add`,
//! `domain exportkeytab`), keyed from the exported keytab; rwmi gets tickets for host/emu.test.local and
//! RPCSS/emu.test.local from Samba's KDC and runs queries. Also: the user's key from a keytab, a TGT from
//! a credential cache written by MIT kinit, and doctor's verdicts for a skewed clock, a ticket for another
//! account's SPN, and a domain user without DCOM rights.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use rwmi::diagnosis::{Diagnosis, diagnose};
use rwmi::security::{AuthLevel, CachedTgt, KerberosSecret};
use rwmi::wmi::{ConnectOptions, Connection, KerberosPackage, WmiStage};
use rwmi_core::krb5::ccache::CredentialCache;
use rwmi_core::krb5::keytab::Keytab;
use rwmi_core::status::hresult::E_ACCESSDENIED;
use rwmi_core::wmio::Value;
use rwmi_sim::emulator::EmulatorHandle;
use rwmi_sim::launch::COMPUTER_NAME;
use support::{
    AdvertisedBindings, KDC_TIMEOUT, SambaRealm, kerberos_options, rows, samba_realm, services,
};

const HOST_SPN: &str = "host/emu.test.local";

/// Options for `user@REALM` with `secret` (a password when `None`), asking tickets for `spn`.
fn options(
    realm: &SambaRealm,
    handle: &EmulatorHandle,
    user: &str,
    secret: Option<KerberosSecret>,
    spn: &str,
    level: AuthLevel,
) -> ConnectOptions {
    let password = match secret {
        None => realm.admin_password.clone(),
        Some(_) => String::new(),
    };
    let mut kerberos = realm.kerberos(spn);
    kerberos.secret = secret;
    let mut o = kerberos_options(handle, realm.user(user, &password), kerberos, level);
    o.call_timeout = KDC_TIMEOUT;
    o
}

/// The same options, binding with `package`.
fn with_package(o: ConnectOptions, package: KerberosPackage) -> ConnectOptions {
    let mut kerberos = o.kerberos().expect("Kerberos options").clone();
    kerberos.package = package;
    o.with_kerberos(kerberos).unwrap()
}

async fn operating_system_caption(options: ConnectOptions) -> String {
    let connection = Connection::connect(options)
        .await
        .expect("connect with Kerberos");
    let caption = caption_of(&connection).await;
    connection.close().await;
    caption
}

async fn caption_of(connection: &Connection) -> String {
    let rows = rows(connection, "SELECT Caption FROM Win32_OperatingSystem").await;
    assert_eq!(rows.len(), 1);
    match rows[0].get("Caption") {
        Some(Value::String(caption)) => caption.clone(),
        other => panic!("Caption is {other:?}"),
    }
}

fn key_of(keytab: &PathBuf, user: &str) -> KerberosSecret {
    let keytab = Keytab::decode(&std::fs::read(keytab).unwrap()).unwrap();
    let entry = keytab
        .entries
        .iter()
        .find(|e| e.principal.components == [user] && e.key.enctype == 18)
        .expect("an aes256 key in the keytab");
    KerberosSecret::AesKey(entry.key.value.clone())
}

#[tokio::test]
async fn a_ticket_from_samba_opens_the_emulator_at_privacy_and_integrity() {
    let Some(realm) = samba_realm() else { return };
    let handle = realm.emulator(&[]).await;
    for (spn, level) in [
        (HOST_SPN, AuthLevel::Privacy),
        ("RPCSS/emu.test.local", AuthLevel::Integrity),
    ] {
        let o = options(&realm, &handle, "Administrator", None, spn, level);
        let caption = operating_system_caption(o).await;
        assert!(caption.contains("Windows"), "{caption}");
    }
    handle.shutdown().await;
}

/// rwmi binding with Negotiate (SPNEGO around the same Kerberos tokens) to the emulator: the
/// mechListMICs of both sides are exchanged in the alter_context and checked, on both associations
/// (port 135 and the object port), at both levels.
#[tokio::test]
async fn negotiate_with_a_ticket_from_samba_opens_the_emulator() {
    let Some(realm) = samba_realm() else { return };
    let handle = realm.emulator(&[]).await;
    for level in [AuthLevel::Privacy, AuthLevel::Integrity] {
        let mut o = options(&realm, &handle, "Administrator", None, HOST_SPN, level);
        o = with_package(o, KerberosPackage::Negotiate);
        assert!(matches!(
            o.authentication(),
            Ok(rwmi::security::Authentication::Negotiate(_))
        ));
        let caption = operating_system_caption(o).await;
        assert!(caption.contains("Windows"), "{caption} at {level}");
    }
    handle.shutdown().await;
}

/// Keyed from Samba's keytab, the emulator advertises Kerberos and Negotiate as Windows does
/// (zeek-kerberos135_auth.pcapng frame 11): named by the keytab's host SPN, or `host/EMU` when the keytab
/// holds only the account's own name, in the OXID bindings; unnamed in the resolver's.
#[tokio::test]
async fn the_bindings_name_the_kerberos_services_of_sambas_keytab() {
    let Some(realm) = samba_realm() else { return };
    let keytab = Keytab::decode(&std::fs::read(&realm.emu_keytab).unwrap()).unwrap();
    let with_host_spn = keytab
        .principals()
        .iter()
        .any(|p| p.components == ["host", "emu.test.local"]);
    let spn = if with_host_spn {
        HOST_SPN.to_owned()
    } else {
        format!("host/{COMPUTER_NAME}")
    };
    let handle = realm.emulator(&[]).await;
    let advertised = AdvertisedBindings::of(&handle).await;
    assert_eq!(
        services(&advertised.oxid),
        [
            (10, "NT AUTHORITY\\SYSTEM"),
            (16, spn.as_str()),
            (9, spn.as_str())
        ]
    );
    assert_eq!(
        services(&advertised.resolver),
        [(9, ""), (16, ""), (10, "")]
    );
    handle.shutdown().await;
}

#[tokio::test]
async fn the_users_key_from_a_keytab_and_a_tgt_from_kinits_cache_work() {
    let Some(realm) = samba_realm() else { return };
    let handle = realm.emulator(&[]).await;

    // Pass-the-key with the key samba-tool exported for Administrator.
    let key = key_of(&realm.admin_keytab, "Administrator");
    let o = options(
        &realm,
        &handle,
        "Administrator",
        Some(key),
        HOST_SPN,
        AuthLevel::Privacy,
    );
    assert!(operating_system_caption(o).await.contains("Windows"));

    // MIT kinit writes a FILE cache from the same keytab (no password anywhere); rwmi takes the TGT
    // from it and asks Samba's KDC for the service ticket only.
    let dir = std::env::temp_dir().join(format!("rwmi-ccache-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cache_path = dir.join("krb5cc");
    let status = std::process::Command::new("kinit")
        .arg("-k")
        .arg("-t")
        .arg(&realm.admin_keytab)
        .arg("-c")
        .arg(format!("FILE:{}", cache_path.display()))
        .arg(format!("Administrator@{}", realm.realm))
        .env("KRB5_CONFIG", &realm.krb5_config)
        .status()
        .expect("kinit (Debian package krb5-user) runs");
    assert!(status.success(), "kinit failed: {status}");
    let cache = CredentialCache::decode(&std::fs::read(&cache_path).unwrap()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let tgt = CachedTgt::from_credential_cache(&cache, None).unwrap();
    assert_eq!(tgt.client, ["Administrator"]);
    let o = options(
        &realm,
        &handle,
        "Administrator",
        Some(KerberosSecret::CachedTgt(Box::new(tgt))),
        HOST_SPN,
        AuthLevel::Privacy,
    );
    assert!(operating_system_caption(o).await.contains("Windows"));
    handle.shutdown().await;
}

async fn doctor(options: ConnectOptions) -> Diagnosis {
    diagnose(options).await
}

#[tokio::test]
async fn doctor_names_a_skewed_server_clock() {
    let Some(realm) = samba_realm() else { return };
    let handle = realm.emulator(&["clock-skew=10"]).await;
    // Under Negotiate the KRB-ERROR comes inside a NegTokenResp (reject): the same verdict.
    for package in [KerberosPackage::Kerberos, KerberosPackage::Negotiate] {
        let mut o = options(
            &realm,
            &handle,
            "Administrator",
            None,
            HOST_SPN,
            AuthLevel::Privacy,
        );
        o = with_package(o, package);
        let d = doctor(o).await;
        let text = d.to_text();
        assert_eq!(d.verdict.id, "kerberos-clock-skew", "{package:?}: {text}");
        assert_eq!(d.stage, Some(WmiStage::Bind), "{package:?}: {text}");
        // The KRB-ERROR carries the server's time; the client says by how much the clocks differ.
        let seconds = text
            .split("the server's clock is ")
            .nth(1)
            .and_then(|rest| rest.split(" s ahead").next())
            .and_then(|n| n.parse::<i64>().ok())
            .unwrap_or_else(|| panic!("no measured skew in: {text}"));
        assert!((590..=610).contains(&seconds), "{seconds} s in {text}");
    }
    handle.shutdown().await;
}

#[tokio::test]
async fn doctor_names_a_ticket_for_another_accounts_spn() {
    let Some(realm) = samba_realm() else { return };
    let handle = realm.emulator(&[]).await;
    // The DC's own SPN: the KDC issues a ticket, sealed with the DC account's key, which the emulator
    // (the account emu) cannot open: what a stale DNS record or a duplicate SPN does.
    let o = options(
        &realm,
        &handle,
        "Administrator",
        None,
        "host/dc1.test.local",
        AuthLevel::Privacy,
    );
    let d = doctor(o).await;
    handle.shutdown().await;
    assert_eq!(
        d.verdict.id,
        "kerberos-wrong-service-key",
        "{}",
        d.to_text()
    );
    assert!(
        d.to_text().contains("KRB_AP_ERR_MODIFIED"),
        "{}",
        d.to_text()
    );
}

#[tokio::test]
async fn a_domain_user_outside_administrators_is_refused_activation() {
    let Some(realm) = samba_realm() else { return };
    let handle = realm.emulator(&[]).await;
    // The service account itself logs on with its key: a plain domain user, in Users only.
    let key = key_of(&realm.emu_keytab, "emu");
    let o = options(
        &realm,
        &handle,
        "emu",
        Some(key),
        HOST_SPN,
        AuthLevel::Privacy,
    );
    let d = doctor(o).await;
    handle.shutdown().await;
    assert_eq!(d.verdict.id, "dcom-access-denied", "{}", d.to_text());
    assert_eq!(d.code, Some(E_ACCESSDENIED));
}

/// A long-lived Kerberos connection stays alive: the pinger's association to the object resolver
/// authenticates as the connection does (here with the user's AES key, so no password exists for an
/// NTLM fallback to use), every ping of several periods succeeds, the server's ping set holds our
/// objects, and the namespace still answers a query afterwards (MS-DCOM 3.2.6).
#[tokio::test]
async fn a_kerberos_connection_keeps_its_objects_alive_across_ping_periods() {
    let Some(realm) = samba_realm() else { return };
    let handle = realm.emulator(&[]).await;
    let exporter = &handle.hosts()[0].host.exporter;
    for package in [KerberosPackage::Kerberos, KerberosPackage::Negotiate] {
        let key = key_of(&realm.admin_keytab, "Administrator");
        let mut o = options(
            &realm,
            &handle,
            "Administrator",
            Some(key),
            HOST_SPN,
            AuthLevel::Privacy,
        );
        o = with_package(o, package);
        o.dcom.ping_interval = Some(Duration::from_millis(100));
        let connection = Connection::connect(o).await.expect("connect with Kerberos");
        let mut status = connection.keep_alive();
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            status = connection.keep_alive();
            if status.simple_pings >= 3 || status.last_error.is_some() {
                break;
            }
        }
        assert_eq!(status.last_error, None, "{package:?}: {status:?}");
        assert!(
            status.complex_pings >= 1 && status.simple_pings >= 3,
            "{package:?}: {status:?}"
        );
        let set = exporter
            .ping_sets()
            .remove(&status.set_id)
            .expect("the server knows the set");
        assert_eq!(set.oids, status.oids.iter().copied().collect());
        let caption = caption_of(&connection).await;
        assert!(caption.contains("Windows"), "{package:?}: {caption}");
        connection.close().await;
    }
    handle.shutdown().await;
}
