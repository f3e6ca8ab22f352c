//! Interop with a real DCE/RPC server we did not write: the Samba AD DC that scripts/test.sh starts.
//! Our client maps SAMR through Samba's endpoint mapper, binds with NTLM at integrity and at privacy,
//! and enumerates the domains.

mod support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rwmi::rpc::epm::map_tcp;
use rwmi::rpc::{AssociationOptions, ClientAssociation};
use rwmi::security::{AuthLevel, Credentials, Secret};
use support::peers::{Samba, samba};
use support::samr::*;

fn options(samba: &Samba, password: &str, level: AuthLevel) -> AssociationOptions {
    let mut o = AssociationOptions::new(vec![SAMR]);
    o.connect_timeout = Duration::from_secs(10);
    o.call_timeout = Duration::from_secs(20);
    o.with_auth(
        Credentials::new(
            &samba.user,
            &samba.domain,
            Secret::Password(password.into()),
        ),
        level,
    )
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

#[tokio::test]
async fn samr_enumerates_domains_at_integrity_and_privacy() {
    let Some(samba) = samba() else { return };
    let endpoint = samr_endpoint(&samba).await;
    assert_eq!(endpoint.ip(), samba.host);
    assert_ne!(endpoint.port(), 135);
    for level in [AuthLevel::Integrity, AuthLevel::Privacy] {
        let mut association =
            ClientAssociation::connect(endpoint, &options(&samba, &samba.password, level))
                .await
                .unwrap();
        let stub = association
            .call(&SAMR, SAMR_CONNECT, None, &connect_request())
            .await
            .unwrap();
        let (handle, status) = connect_response(&stub).unwrap();
        assert_eq!(status, 0, "SamrConnect NTSTATUS at {level}");
        let stub = association
            .call(
                &SAMR,
                SAMR_ENUMERATE_DOMAINS,
                None,
                &enumerate_domains_request(&handle),
            )
            .await
            .unwrap();
        let (names, status) = enumerate_domains_response(&stub).unwrap();
        assert_eq!(
            status, 0,
            "SamrEnumerateDomainsInSamServer NTSTATUS at {level}"
        );
        let upper: Vec<String> = names.iter().map(|n| n.to_uppercase()).collect();
        assert!(
            upper.contains(&samba.domain.to_uppercase()),
            "{names:?} at {level}"
        );
        assert!(
            upper.contains(&"BUILTIN".to_string()),
            "{names:?} at {level}"
        );
        association.close().await;
    }
}

/// Pass-the-hash: NTLM with only the NT hash of the password (MD4 of its UTF-16LE form).
#[tokio::test]
async fn samr_accepts_pass_the_hash() {
    let Some(samba) = samba() else { return };
    let endpoint = samr_endpoint(&samba).await;
    let hash = rwmi::security::nlmp::nt_hash(&samba.password);
    let mut o = AssociationOptions::new(vec![SAMR]);
    o.connect_timeout = Duration::from_secs(10);
    o.call_timeout = Duration::from_secs(20);
    let o = o.with_auth(
        Credentials::new(&samba.user, &samba.domain, Secret::NtHash(hash)),
        AuthLevel::Privacy,
    );
    let mut association = ClientAssociation::connect(endpoint, &o).await.unwrap();
    let stub = association
        .call(&SAMR, SAMR_CONNECT, None, &connect_request())
        .await
        .unwrap();
    let (handle, status) = connect_response(&stub).unwrap();
    assert_eq!(status, 0, "SamrConnect NTSTATUS with an NT hash");
    let stub = association
        .call(
            &SAMR,
            SAMR_ENUMERATE_DOMAINS,
            None,
            &enumerate_domains_request(&handle),
        )
        .await
        .unwrap();
    let (names, status) = enumerate_domains_response(&stub).unwrap();
    assert_eq!(status, 0);
    assert!(
        names.iter().any(|n| n.eq_ignore_ascii_case(&samba.domain)),
        "{names:?}"
    );
    association.close().await;
}

#[tokio::test]
async fn wrong_password_is_a_typed_logon_failure_not_a_hang() {
    let Some(samba) = samba() else { return };
    let endpoint = samr_endpoint(&samba).await;
    let started = Instant::now();
    let result = async {
        let mut association = ClientAssociation::connect(
            endpoint,
            &options(&samba, "not-the-password", AuthLevel::Privacy),
        )
        .await?;
        association
            .call(&SAMR, SAMR_CONNECT, None, &connect_request())
            .await
    }
    .await;
    let err = result.expect_err("a wrong password must not authenticate");
    assert!(
        err.is_logon_failure(),
        "expected a logon failure, got {err:?} ({err})"
    );
    assert!(!err.to_string().contains("not-the-password"));
    eprintln!("wrong password diagnosed in {:?}: {err}", started.elapsed());
}

#[tokio::test]
async fn doctor_says_samba_offers_no_dcom() {
    let Some(samba) = samba() else { return };
    let credentials = Credentials::new(
        &samba.user,
        &samba.domain,
        Secret::Password(samba.password.clone()),
    );
    let options = rwmi::wmi::ConnectOptions::new(&samba.host.to_string(), credentials).unwrap();
    let d = rwmi::diagnosis::diagnose(options).await;
    assert_eq!(d.verdict.id, "dcom-not-available", "{}", d.to_text());
    assert_eq!(d.stage, Some(rwmi::wmi::WmiStage::Bind));
}
