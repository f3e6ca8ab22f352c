//! Kerberos interop with the Samba AD DC that scripts/test.sh starts: rwmi gets a TGT and a service ticket
//! from Samba's KDC (TCP/88), binds to SAMR with RPC_C_AUTHN_GSS_KERBEROS at integrity and at privacy, and
//! enumerates the domains. The KDC's refusals come back typed, with their Kerberos error code.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use rwmi::rpc::epm::map_tcp;
use rwmi::rpc::{AssociationOptions, ClientAssociation, RpcError};
use rwmi::security::{
    AuthLevel, Authentication, KerberosCredentials, KerberosErrorCode, KerberosSecret,
    SecurityError,
};
use support::peers::{Samba, samba};
use support::samr::*;

/// The DC's host service: Samba registers host/<fqdn> for the DC account (dc1.test.local).
fn dc_spn(samba: &Samba) -> String {
    format!("host/dc1.{}", samba.realm.to_lowercase())
}

fn kerberos(samba: &Samba, password: &str, spn: &str) -> KerberosCredentials {
    KerberosCredentials::new(
        &samba.user,
        &samba.realm,
        password,
        SocketAddr::new(samba.host, 88),
        spn,
    )
}

fn options(credentials: impl Into<Authentication>, level: AuthLevel) -> AssociationOptions {
    let mut o = AssociationOptions::new(vec![SAMR]);
    o.connect_timeout = Duration::from_secs(15);
    o.call_timeout = Duration::from_secs(20);
    o.with_auth(credentials, level)
}

async fn samr_endpoint(samba: &Samba) -> SocketAddr {
    map_tcp(
        SocketAddr::new(samba.host, 135),
        SAMR,
        &AssociationOptions::new(vec![]),
    )
    .await
    .expect("ept_map SAMR")
}

async fn enumerate_domains(association: &mut ClientAssociation) -> Result<Vec<String>, RpcError> {
    let stub = association
        .call(&SAMR, SAMR_CONNECT, None, &connect_request())
        .await?;
    let (handle, status) = connect_response(&stub).expect("SamrConnect response");
    assert_eq!(status, 0, "SamrConnect NTSTATUS");
    let stub = association
        .call(
            &SAMR,
            SAMR_ENUMERATE_DOMAINS,
            None,
            &enumerate_domains_request(&handle),
        )
        .await?;
    let (names, status) = enumerate_domains_response(&stub).expect("enumerate response");
    assert_eq!(status, 0, "SamrEnumerateDomainsInSamServer NTSTATUS");
    Ok(names)
}

#[tokio::test]
async fn kerberos_samr_enumerates_domains_at_integrity_and_privacy() {
    let Some(samba) = samba() else { return };
    let endpoint = samr_endpoint(&samba).await;
    for level in [AuthLevel::Privacy, AuthLevel::Integrity] {
        let credentials = kerberos(&samba, &samba.password, &dc_spn(&samba));
        let mut association = ClientAssociation::connect(endpoint, &options(credentials, level))
            .await
            .unwrap_or_else(|e| panic!("Kerberos bind at {level}: {e}"));
        assert_eq!(association.auth_level(), Some(level));
        assert_eq!(
            association.auth_type(),
            Some(rwmi_core::rpc::AuthType::GSS_KERBEROS)
        );
        assert!(
            association.header_signing(),
            "Samba agrees to header signing at {level}"
        );
        let names = enumerate_domains(&mut association)
            .await
            .unwrap_or_else(|e| panic!("SAMR over Kerberos at {level}: {e}"));
        let upper: Vec<String> = names.iter().map(|n| n.to_uppercase()).collect();
        assert!(upper.contains(&"TEST".to_string()), "{names:?} at {level}");
        assert!(
            upper.contains(&"BUILTIN".to_string()),
            "{names:?} at {level}"
        );
        association.close().await;
    }
}

/// Negotiate (RPC_C_AUTHN_GSS_NEGOTIATE): the AP-REQ inside an SPNEGO NegTokenInit, the client's AP-REP
/// with its mechListMIC in an alter_context, Samba's accept-completed and mechListMIC in the
/// alter_context_resp (which rwmi verifies), then SAMR calls under the same Kerberos keys.
#[tokio::test]
async fn negotiate_samr_enumerates_domains_at_integrity_and_privacy() {
    let Some(samba) = samba() else { return };
    let endpoint = samr_endpoint(&samba).await;
    for level in [AuthLevel::Privacy, AuthLevel::Integrity] {
        let credentials = kerberos(&samba, &samba.password, &dc_spn(&samba));
        let mut association = ClientAssociation::connect(
            endpoint,
            &options(Authentication::Negotiate(credentials), level),
        )
        .await
        .unwrap_or_else(|e| panic!("Negotiate bind at {level}: {e}"));
        assert_eq!(
            association.auth_type(),
            Some(rwmi_core::rpc::AuthType::GSS_NEGOTIATE)
        );
        let names = enumerate_domains(&mut association)
            .await
            .unwrap_or_else(|e| panic!("SAMR over Negotiate at {level}: {e}"));
        assert!(
            names.iter().any(|n| n.eq_ignore_ascii_case("BUILTIN")),
            "{names:?} at {level}"
        );
        association.close().await;
    }
}

/// The service classes a client may name for the DC: Samba's KDC maps RPCSS and cifs to the DC's host
/// account (the AD sPNMappings), so each gets a ticket the DC's RPC server accepts.
#[tokio::test]
async fn kerberos_samr_accepts_host_rpcss_and_cifs_spns() {
    let Some(samba) = samba() else { return };
    let endpoint = samr_endpoint(&samba).await;
    let fqdn = format!("dc1.{}", samba.realm.to_lowercase());
    for class in ["host", "RPCSS", "cifs"] {
        let spn = format!("{class}/{fqdn}");
        let credentials = kerberos(&samba, &samba.password, &spn);
        let mut association =
            ClientAssociation::connect(endpoint, &options(credentials, AuthLevel::Privacy))
                .await
                .unwrap_or_else(|e| panic!("Kerberos bind with {spn}: {e}"));
        let names = enumerate_domains(&mut association)
            .await
            .unwrap_or_else(|e| panic!("SAMR with {spn}: {e}"));
        assert!(
            names.iter().any(|n| n.eq_ignore_ascii_case("BUILTIN")),
            "{names:?} with {spn}"
        );
        association.close().await;
    }
}

/// Pass-the-key: the user's aes256 long-term key instead of the password (AD's salt: the realm followed by
/// the account name).
#[tokio::test]
async fn kerberos_samr_with_an_aes256_key() {
    let Some(samba) = samba() else { return };
    let endpoint = samr_endpoint(&samba).await;
    let salt = format!("{}{}", samba.realm.to_uppercase(), samba.user);
    let mut credentials = kerberos(&samba, "", &dc_spn(&samba));
    credentials.secret = KerberosSecret::aes256_key_from_password(&samba.password, &salt).unwrap();
    let mut association =
        ClientAssociation::connect(endpoint, &options(credentials, AuthLevel::Integrity))
            .await
            .unwrap_or_else(|e| panic!("Kerberos bind with an AES key: {e}"));
    let names = enumerate_domains(&mut association).await.unwrap();
    assert!(
        names.iter().any(|n| n.eq_ignore_ascii_case("BUILTIN")),
        "{names:?}"
    );
    association.close().await;
}

#[tokio::test]
async fn kerberos_wrong_password_is_preauth_failed() {
    let Some(samba) = samba() else { return };
    let endpoint = samr_endpoint(&samba).await;
    let credentials = kerberos(&samba, "not-the-password", &dc_spn(&samba));
    let err = ClientAssociation::connect(endpoint, &options(credentials, AuthLevel::Privacy))
        .await
        .expect_err("a wrong password must not get a ticket");
    match &err {
        RpcError::Security { error, .. } => {
            assert_eq!(
                error.kerberos_code(),
                Some(KerberosErrorCode::KDC_ERR_PREAUTH_FAILED),
                "{err}"
            );
        }
        other => panic!("expected a Kerberos error, got {other:?}"),
    }
    assert!(err.is_logon_failure(), "{err}");
    assert!(!err.to_string().contains("not-the-password"));
    eprintln!("{err}");
}

#[tokio::test]
async fn kerberos_unknown_spn_is_s_principal_unknown() {
    let Some(samba) = samba() else { return };
    let endpoint = samr_endpoint(&samba).await;
    let credentials = kerberos(&samba, &samba.password, "host/no-such-host.test.local");
    let err = ClientAssociation::connect(endpoint, &options(credentials, AuthLevel::Privacy))
        .await
        .expect_err("no ticket for an unknown service");
    match &err {
        RpcError::Security { error, .. } => assert_eq!(
            error.kerberos_code(),
            Some(KerberosErrorCode::KDC_ERR_S_PRINCIPAL_UNKNOWN),
            "{err}"
        ),
        other => panic!("expected a Kerberos error, got {other:?}"),
    }
    assert!(!err.is_logon_failure(), "{err}");
    eprintln!("{err}");
}

#[tokio::test]
async fn kerberos_kdc_unreachable_is_typed() {
    let Some(samba) = samba() else { return };
    let endpoint = samr_endpoint(&samba).await;
    // A closed port on the DC's address: a refusal, answered at once.
    let mut credentials = kerberos(&samba, &samba.password, &dc_spn(&samba));
    credentials.kdc = SocketAddr::new(samba.host, 1);
    let err = ClientAssociation::connect(endpoint, &options(credentials, AuthLevel::Privacy))
        .await
        .expect_err("no KDC, no ticket");
    assert!(
        matches!(
            err,
            RpcError::Security {
                error: SecurityError::KdcUnreachable { .. },
                ..
            }
        ),
        "{err:?}"
    );
}
