//! `wmic -k yes`: Kerberos instead of NTLM, as Samba's wmic took it: with the password when one is
//! given (`-U user%pass`, `-A`, `PASSWD`), else with the TGT in the credential cache `kinit` left
//! (`KRB5CCNAME`, FILE caches). wmic read the KDC from krb5.conf or DNS; here it is `RWMI_KDC`
//! (`HOST[:PORT]`), else the realm's DNS name, which in Active Directory leads to a domain controller.
//! The service principal is `host/<the //HOST name>`, or `RWMI_SPN` for a host reached by an address.

use rwmi::security::{CachedTgt, KerberosSecret};
use rwmi::wmi::{KerberosPackage, KerberosSettings};

/// The settings for `-k`; `cache` is whether the identity comes from the credential cache (no
/// password given). Returns them with the cache's principal (`user@REALM`), if it was read.
pub fn settings(domain: &str, cache: bool) -> Result<(KerberosSettings, Option<String>), String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    let (secret, principal, cache_realm) = if cache {
        let name = env("KRB5CCNAME").ok_or(
            "-k without a password needs a credential cache: run kinit (KRB5CCNAME), or give the password with -A FILE",
        )?;
        let realm =
            (!domain.is_empty() && domain.contains('.')).then(|| domain.to_ascii_uppercase());
        let tgt = CachedTgt::from_cache_name(&name, realm.as_deref())?;
        let principal = format!("{}@{}", tgt.client.join("/"), tgt.client_realm);
        let realm = tgt.client_realm.clone();
        (
            Some(KerberosSecret::CachedTgt(Box::new(tgt))),
            Some(principal),
            Some(realm),
        )
    } else {
        (None, None, None)
    };
    let realm = cache_realm.or_else(|| (!domain.is_empty()).then(|| domain.to_ascii_uppercase()));
    let kdc_text = match env("RWMI_KDC") {
        Some(kdc) => kdc,
        None => realm.as_deref().map(str::to_ascii_lowercase).ok_or(
            "-k needs the realm (-U REALM/user or -W REALM) or RWMI_KDC=HOST, a domain controller",
        )?,
    };
    let kdc = rwmi::security::kdc::resolve_kdc(&kdc_text)
        .map_err(|e| format!("the KDC: {e}; set RWMI_KDC=HOST to a domain controller"))?;
    Ok((
        KerberosSettings {
            realm,
            kdc,
            spn: env("RWMI_SPN"),
            secret,
            package: KerberosPackage::Kerberos,
        },
        principal,
    ))
}
