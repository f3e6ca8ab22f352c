//! Where the peers the test command starts are, from its environment (scripts/README.md). A missing peer
//! fails the test when RWMI_REQUIRE_PEERS is set (CI) and skips it otherwise (a quick local `cargo test`).

use std::net::IpAddr;

pub struct Samba {
    pub host: IpAddr,
    pub domain: String,
    pub realm: String,
    pub user: String,
    pub password: String,
}

pub fn samba() -> Option<Samba> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("RWMI_SAMBA_HOST"), var("RWMI_SAMBA_PASSWORD")) {
        (Some(host), Some(password)) => Some(Samba {
            host: host.parse().expect("RWMI_SAMBA_HOST is an IP address"),
            domain: var("RWMI_SAMBA_DOMAIN").unwrap_or_else(|| "TEST".into()),
            realm: var("RWMI_SAMBA_REALM").unwrap_or_else(|| "TEST.LOCAL".into()),
            user: var("RWMI_SAMBA_USER").unwrap_or_else(|| "Administrator".into()),
            password,
        }),
        _ => {
            assert!(
                var("RWMI_REQUIRE_PEERS").is_none(),
                "RWMI_REQUIRE_PEERS is set but no Samba DC is configured"
            );
            eprintln!("skipped: no Samba DC (run ./scripts/test.sh)");
            None
        }
    }
}
