//! The security decisions a current, patched Windows server makes for a remote WMI client, as pure
//! functions over the caller's account, the authentication level and the fault profiles.
//!
//! Two gates, in the order a client meets them:
//! 1. DCOM activation of the WMI server object ([`check_activation`]): the machine-wide launch and
//!    activation limits, the minimum activation authentication level, and remote UAC filtering.
//! 2. Opening a namespace (NTLMLogin, OpenNamespace: [`check_namespace_at`] with [`NamespaceGate::Login`])
//!    and every IWbemServices call on it ([`check_namespace`]): Remote Enable in the namespace's security
//!    descriptor and the namespace's RequiresEncryption flag, which a namespace enforces either at the
//!    login or only at the calls ([`EncryptionRefusal`]).

use rwmi::rpc::CallerIdentity;
use rwmi::security::AuthLevel;
use rwmi_core::status::hresult::E_ACCESSDENIED;
use rwmi_core::status::wbem::WBEM_E_ACCESS_DENIED;

use crate::accounts::{Account, Accounts, Group};
use crate::profile::Profiles;

/// Who an access-control entry is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Group(Group),
    /// A local account, by name (compared without regard to case).
    User(String),
}

/// What an access-control entry grants or refuses, reduced to what remote WMI needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamespaceAccess {
    /// WBEM_REMOTE_ACCESS with WBEM_ENABLE (MS-WMI 3.1.4: every IWbemServices method requires both).
    RemoteEnable,
    /// An explicit deny of remote access; Windows orders deny entries first, so a deny always wins.
    Deny,
}

/// One access-control entry of a namespace security descriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclEntry {
    pub principal: Principal,
    pub access: NamespaceAccess,
}

impl AclEntry {
    pub fn new(principal: Principal, access: NamespaceAccess) -> AclEntry {
        AclEntry { principal, access }
    }

    fn applies_to(&self, account: &Account, token_groups: &[Group]) -> bool {
        match &self.principal {
            Principal::Group(group) => token_groups.contains(group),
            Principal::User(name) => account.name.eq_ignore_ascii_case(name),
        }
    }
}

/// Where a RequiresEncryption namespace refuses a caller below packet privacy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum EncryptionRefusal {
    /// At NTLMLogin (and OpenNamespace), as `root\cimv2\Security\MicrosoftTpm` does.
    #[default]
    Login,
    /// Only at the IWbemServices calls: the login succeeds and the first ExecQuery fails with
    /// WBEM_E_ACCESS_DENIED. A Windows Server did this for `root\MSCluster` in
    /// github.com/cesbit/aiowmi issue 38 (NTLMLogin accepted at packet integrity, ExecQuery refused).
    Query,
}

/// Which of the namespace checks a call makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamespaceGate {
    /// NTLMLogin or OpenNamespace: the namespace is opened.
    Login,
    /// An IWbemServices method on an opened namespace (MS-WMI 3.1.4: each one checks again).
    Call,
}

/// What the namespace check needs to know about a namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamespaceSecurity {
    /// MS-WMI 2.2.30.3: the namespace admits only RPC_C_AUTHN_LEVEL_PKT_PRIVACY.
    pub requires_encryption: bool,
    /// Where `requires_encryption` refuses a lower level.
    pub refused_at: EncryptionRefusal,
    /// The entries in force, inherited ones included.
    pub acl: Vec<AclEntry>,
}

impl NamespaceSecurity {
    /// The default WMI namespace security of Windows: only Administrators have Remote Enable
    /// (Authenticated Users, Local Service and Network Service get Enable, Execute Methods and Provider
    /// Write, but not Remote Enable; see "Securing a Remote WMI Connection", Microsoft Learn).
    pub fn windows_default() -> NamespaceSecurity {
        NamespaceSecurity {
            requires_encryption: false,
            refused_at: EncryptionRefusal::Login,
            acl: vec![AclEntry::new(
                Principal::Group(Group::Administrators),
                NamespaceAccess::RemoteEnable,
            )],
        }
    }
}

/// The groups enabled in the token a network logon of `account` produces.
///
/// Remote UAC: a network logon of a local account that belongs to Administrators gets a filtered token in
/// which Administrators is deny-only, unless the account is the built-in Administrator (RID 500, not
/// filtered while FilterAdministratorToken is off, the default) or LocalAccountTokenFilterPolicy is 1
/// (profile `uac-off`). Source: Microsoft KB 951016, "Description of User Account Control and remote
/// restrictions in Windows Vista", which still describes current Windows.
pub fn token_groups(account: &Account, profiles: &Profiles) -> Vec<Group> {
    let filtered = account.is_local()
        && account.is_member_of(&Group::Administrators)
        && !account.is_builtin_administrator()
        && !profiles.uac_off;
    account
        .groups
        .iter()
        .filter(|group| !(filtered && **group == Group::Administrators))
        .cloned()
        .collect()
}

/// The account an authenticated RPC caller logged on as. NTLM already refused unknown accounts, so a
/// miss here (an account removed since) is an access denial like any other.
pub fn caller_account<'a>(
    accounts: &'a Accounts,
    caller: &CallerIdentity,
) -> Result<std::borrow::Cow<'a, Account>, u32> {
    accounts.find_user(&caller.user).ok_or(E_ACCESSDENIED)
}

/// The lowest authentication level the host accepts for activation and on its object exporter.
/// KB5004442 (CVE-2021-26414): patched servers raise the minimum activation authentication level to
/// RPC_C_AUTHN_LEVEL_PKT_INTEGRITY and reject lower levels with E_ACCESSDENIED. Profile `legacy` is a
/// server before that hardening, which accepts RPC_C_AUTHN_LEVEL_CONNECT.
pub fn minimum_level(profiles: &Profiles) -> AuthLevel {
    if profiles.legacy {
        AuthLevel::Connect
    } else {
        AuthLevel::Integrity
    }
}

/// Whether the caller may remotely activate the WMI server object (IRemoteSCMActivator), with the
/// HRESULT the activation fails with otherwise.
pub fn check_activation(
    account: &Account,
    level: AuthLevel,
    profiles: &Profiles,
) -> Result<(), u32> {
    // Home editions do not allow remote administration over DCOM: the WMI firewall rules and remote
    // activation rights are missing, and clients report "Access is denied" (see "Let's troubleshoot WMI,
    // part 1: remoting and security", the WMI team blog, 2009, which maps missing remote activation
    // rights to DCOM E_ACCESSDENIED). We answer E_ACCESSDENIED rather than RPC_S_SERVER_UNAVAILABLE
    // (0x800706BA), because the emulator has already accepted the connection and the bind: a client
    // that reached activation sees the access decision, not a missing endpoint.
    if profiles.home_edition {
        return Err(E_ACCESSDENIED);
    }
    if level < minimum_level(profiles) {
        return Err(E_ACCESSDENIED);
    }
    // The machine-wide launch and activation limits (MachineLaunchRestriction) grant Remote Launch and
    // Remote Activation only to Administrators, Distributed COM Users and Performance Log Users; Everyone
    // gets local rights only ("Securing a Remote WMI Connection", Microsoft Learn). Remote UAC decides
    // whether a local administrator's token still counts as Administrators.
    let groups = token_groups(account, profiles);
    if groups.contains(&Group::Administrators) || groups.contains(&Group::DistributedComUsers) {
        Ok(())
    } else {
        Err(E_ACCESSDENIED)
    }
}

/// Whether the caller may call an IWbemServices method on a namespace, with the HRESULT it fails with
/// otherwise: [`check_namespace_at`] with [`NamespaceGate::Call`].
pub fn check_namespace(
    account: &Account,
    namespace: &NamespaceSecurity,
    level: AuthLevel,
    profiles: &Profiles,
) -> Result<(), u32> {
    check_namespace_at(account, namespace, level, profiles, NamespaceGate::Call)
}

/// Whether the caller may open a namespace (IWbemLevel1Login::NTLMLogin, OpenNamespace) or call an
/// IWbemServices method on it, with the HRESULT it fails with otherwise.
pub fn check_namespace_at(
    account: &Account,
    namespace: &NamespaceSecurity,
    level: AuthLevel,
    profiles: &Profiles,
    gate: NamespaceGate,
) -> Result<(), u32> {
    // MS-WMI 3.1.4: "The server SHOULD fail the operation and return WBEM_E_ACCESS_DENIED if the namespace
    // has the RequiresEncryption flag set and if the DCOM security level is lower than
    // RPC_C_AUTHN_LEVEL_PKT_PRIVACY" (2.2.30.3 says MUST reject). WBEM_E_ENCRYPTED_CONNECTION_REQUIRED
    // (0x80041087) also exists, but MS-WMI 2.2.11 documents it only as "an implementation-specific error"
    // and no method section names it, so the emulator follows the normative text. Public reports are
    // consistent with access denied: github.com/cesbit/aiowmi issue 38 (root\MSCluster, which needs
    // packet privacy, answered WBEM_E_ACCESS_DENIED 0x80041003) and github.com/nicoriff/ORMi issue 25
    // (root\CIMV2\TerminalServices: System.Management "Access denied", WBEM_E_ACCESS_DENIED).
    // A namespace that refuses at the query lets the login through and refuses every call made on it.
    let enforced_here =
        gate == NamespaceGate::Call || namespace.refused_at == EncryptionRefusal::Login;
    if namespace.requires_encryption && enforced_here && level < AuthLevel::Privacy {
        return Err(WBEM_E_ACCESS_DENIED);
    }
    // MS-WMI 3.1.4.1.4 and 3.1.4.3.x: the principal MUST have WBEM_REMOTE_ENABLE and WBEM_ENABLE on the
    // namespace, otherwise WBEM_E_ACCESS_DENIED. Deny entries come first in a canonical ACL, so they win.
    let groups = token_groups(account, profiles);
    let matching = namespace
        .acl
        .iter()
        .filter(|entry| entry.applies_to(account, &groups));
    let mut allowed = false;
    for entry in matching {
        match entry.access {
            NamespaceAccess::Deny => return Err(WBEM_E_ACCESS_DENIED),
            NamespaceAccess::RemoteEnable => allowed = true,
        }
    }
    if allowed {
        Ok(())
    } else {
        Err(WBEM_E_ACCESS_DENIED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(name: &str) -> Account {
        Accounts::builtin("EMU").find("", name).unwrap().clone()
    }

    fn profiles(list: &str) -> Profiles {
        Profiles::parse(list).unwrap()
    }

    #[test]
    fn callers_map_to_accounts() {
        use rwmi::security::AuthenticatedUser;
        let accounts = Accounts::builtin("EMU");
        let caller = |domain: &str, user: &str| CallerIdentity {
            user: AuthenticatedUser {
                user: user.into(),
                domain: domain.into(),
                workstation: "WS".into(),
            },
            level: AuthLevel::Privacy,
        };
        assert_eq!(
            caller_account(&accounts, &caller("emu", "BOB"))
                .unwrap()
                .name,
            "bob"
        );
        assert_eq!(
            caller_account(&accounts, &caller("OTHER", "bob")),
            Err(E_ACCESSDENIED)
        );
        assert_eq!(
            caller_account(&accounts, &caller("", "nobody")),
            Err(E_ACCESSDENIED)
        );
    }

    #[test]
    fn remote_uac_spares_domain_administrators() {
        let admin = Account::domain_user(
            "helpdesk",
            "TEST.LOCAL",
            1105,
            vec![Group::Administrators, Group::Users],
        );
        assert!(token_groups(&admin, &profiles("")).contains(&Group::Administrators));
        assert_eq!(
            check_activation(&admin, AuthLevel::Privacy, &profiles("")),
            Ok(())
        );
        assert!(
            !token_groups(&account("localadmin"), &profiles("")).contains(&Group::Administrators)
        );
    }

    #[test]
    fn activation_by_account_on_a_patched_server() {
        let healthy = profiles("");
        let level = AuthLevel::Integrity;
        assert_eq!(
            check_activation(&account("Administrator"), level, &healthy),
            Ok(())
        );
        assert_eq!(check_activation(&account("bob"), level, &healthy), Ok(()));
        assert_eq!(
            check_activation(&account("alice"), level, &healthy),
            Err(E_ACCESSDENIED)
        );
        assert_eq!(
            check_activation(&account("localadmin"), level, &healthy),
            Err(E_ACCESSDENIED)
        );
    }

    #[test]
    fn uac_off_restores_the_local_administrator() {
        assert_eq!(
            check_activation(
                &account("localadmin"),
                AuthLevel::Privacy,
                &profiles("uac-off")
            ),
            Ok(())
        );
        assert!(
            token_groups(&account("localadmin"), &profiles("uac-off"))
                .contains(&Group::Administrators)
        );
        assert!(
            !token_groups(&account("localadmin"), &profiles("")).contains(&Group::Administrators)
        );
        assert!(
            token_groups(&account("Administrator"), &profiles("")).contains(&Group::Administrators)
        );
    }

    #[test]
    fn filtered_local_admin_in_dcom_users_may_activate() {
        let mut admin = account("localadmin");
        admin.groups.push(Group::DistributedComUsers);
        assert_eq!(
            check_activation(&admin, AuthLevel::Integrity, &profiles("")),
            Ok(())
        );
    }

    #[test]
    fn activation_level_hardening() {
        let admin = account("Administrator");
        assert_eq!(
            check_activation(&admin, AuthLevel::Connect, &profiles("")),
            Err(E_ACCESSDENIED)
        );
        assert_eq!(
            check_activation(&admin, AuthLevel::Connect, &profiles("legacy")),
            Ok(())
        );
        assert_eq!(
            check_activation(&admin, AuthLevel::Integrity, &profiles("")),
            Ok(())
        );
    }

    #[test]
    fn home_edition_refuses_everyone() {
        for name in ["Administrator", "bob"] {
            assert_eq!(
                check_activation(
                    &account(name),
                    AuthLevel::Privacy,
                    &profiles("home-edition")
                ),
                Err(E_ACCESSDENIED)
            );
        }
    }

    #[test]
    fn namespace_remote_enable() {
        let cimv2 = NamespaceSecurity::windows_default();
        let level = AuthLevel::Integrity;
        let healthy = profiles("");
        assert_eq!(
            check_namespace(&account("Administrator"), &cimv2, level, &healthy),
            Ok(())
        );
        for name in ["bob", "alice", "localadmin"] {
            assert_eq!(
                check_namespace(&account(name), &cimv2, level, &healthy),
                Err(WBEM_E_ACCESS_DENIED),
                "{name}"
            );
        }
        assert_eq!(
            check_namespace(&account("localadmin"), &cimv2, level, &profiles("uac-off")),
            Ok(())
        );
    }

    #[test]
    fn acl_entries_for_users_and_denies() {
        let mut security = NamespaceSecurity::windows_default();
        security.acl.push(AclEntry::new(
            Principal::User("BOB".into()),
            NamespaceAccess::RemoteEnable,
        ));
        let healthy = profiles("");
        assert_eq!(
            check_namespace(&account("bob"), &security, AuthLevel::Integrity, &healthy),
            Ok(())
        );
        security.acl.push(AclEntry::new(
            Principal::Group(Group::Users),
            NamespaceAccess::Deny,
        ));
        for name in ["bob", "Administrator"] {
            assert_eq!(
                check_namespace(&account(name), &security, AuthLevel::Integrity, &healthy),
                Err(WBEM_E_ACCESS_DENIED)
            );
        }
    }

    #[test]
    fn requires_encryption_needs_privacy() {
        let security = NamespaceSecurity {
            requires_encryption: true,
            ..NamespaceSecurity::windows_default()
        };
        let admin = account("Administrator");
        let healthy = profiles("");
        assert_eq!(
            check_namespace(&admin, &security, AuthLevel::Integrity, &healthy),
            Err(WBEM_E_ACCESS_DENIED)
        );
        assert_eq!(
            check_namespace(&admin, &security, AuthLevel::Privacy, &healthy),
            Ok(())
        );
    }

    #[test]
    fn encryption_refused_at_login_or_at_query() {
        let admin = account("Administrator");
        let healthy = profiles("");
        let at = |refused_at, gate, level| {
            let security = NamespaceSecurity {
                requires_encryption: true,
                refused_at,
                ..NamespaceSecurity::windows_default()
            };
            check_namespace_at(&admin, &security, level, &healthy, gate)
        };
        let denied = Err(WBEM_E_ACCESS_DENIED);
        use EncryptionRefusal as R;
        use NamespaceGate as G;
        assert_eq!(at(R::Login, G::Login, AuthLevel::Integrity), denied);
        assert_eq!(at(R::Login, G::Call, AuthLevel::Integrity), denied);
        assert_eq!(at(R::Query, G::Login, AuthLevel::Integrity), Ok(()));
        assert_eq!(at(R::Query, G::Call, AuthLevel::Integrity), denied);
        for (refused_at, gate) in [
            (R::Login, G::Login),
            (R::Query, G::Login),
            (R::Query, G::Call),
        ] {
            assert_eq!(at(refused_at, gate, AuthLevel::Privacy), Ok(()));
        }
        // The access check still applies at the login of a namespace that refuses at the query.
        let security = NamespaceSecurity {
            requires_encryption: true,
            refused_at: R::Query,
            ..NamespaceSecurity::windows_default()
        };
        assert_eq!(
            check_namespace_at(
                &account("bob"),
                &security,
                AuthLevel::Privacy,
                &healthy,
                G::Login
            ),
            denied
        );
    }
}
