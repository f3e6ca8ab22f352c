//! The emulator's local accounts: who may log on with NTLM, with which NT hash, and in which local groups.
//!
//! The built-in set covers the cases a client meets against a current Windows server (all with the
//! password `Passw0rd!`):
//! - `Administrator`: the built-in administrator (RID 500), whose remote token is never filtered by UAC;
//! - `alice`: a standard user, not allowed remote DCOM activation;
//! - `bob`: in Distributed COM Users (may activate) but without Remote Enable on `root\cimv2`;
//! - `localadmin`: a local member of Administrators whose remote token UAC filters, unless
//!   LocalAccountTokenFilterPolicy is set (profile `uac-off`).
//!
//! With a keytab the emulator is also a member of a Kerberos realm (an Active Directory domain): the
//! principals of that realm log on with tickets, and are in the local groups a domain member puts them
//! in by default (the domain's Administrator, a Domain Admin, in Administrators; every other domain user
//! in Users) unless a `domain-account` line says otherwise. Remote UAC filters local accounts only.

use std::borrow::Cow;

use std::fmt;

use rwmi::security::nlmp::nt_hash;
use rwmi::security::{AuthenticatedUser, NtlmAccounts};

/// The password of every built-in account.
pub const BUILTIN_PASSWORD: &str = "Passw0rd!";

/// The computer name the emulator answers to, and the NTLM domain of its local accounts.
pub const DEFAULT_COMPUTER_NAME: &str = "EMU";

/// RID of the built-in Administrator account (MS-DTYP 2.4.2.4, DOMAIN_USER_RID_ADMIN).
pub const ADMINISTRATOR_RID: u32 = 500;

/// The local groups that matter to DCOM and WMI security decisions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Group {
    /// BUILTIN\Administrators (S-1-5-32-544).
    Administrators,
    /// BUILTIN\Distributed COM Users (S-1-5-32-562).
    DistributedComUsers,
    /// BUILTIN\Users (S-1-5-32-545).
    Users,
    /// Any other local group a configuration names, compared without regard to case.
    Other(String),
}

impl Group {
    /// Reads a group name: `Administrators`, `Distributed COM Users` (also `DistributedComUsers` or
    /// `dcom-users`), `Users`, or any other name.
    pub fn parse(name: &str) -> Group {
        let squashed: String = name
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '_'))
            .collect::<String>()
            .to_ascii_lowercase();
        match squashed.as_str() {
            "administrators" => Group::Administrators,
            "distributedcomusers" | "dcomusers" => Group::DistributedComUsers,
            "users" => Group::Users,
            _ => Group::Other(name.trim().to_string()),
        }
    }

    /// Whether this group is the one `name` designates.
    pub fn is_named(&self, name: &str) -> bool {
        match (self, Group::parse(name)) {
            (Group::Other(mine), Group::Other(theirs)) => mine.eq_ignore_ascii_case(&theirs),
            (mine, theirs) => *mine == theirs,
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Group::Administrators => f.write_str("Administrators"),
            Group::DistributedComUsers => f.write_str("Distributed COM Users"),
            Group::Users => f.write_str("Users"),
            Group::Other(name) => f.write_str(name),
        }
    }
}

/// One local account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub nt_hash: [u8; 16],
    pub groups: Vec<Group>,
    /// The relative identifier; 500 marks the built-in Administrator.
    pub rid: u32,
    /// The realm of a domain account; `None` for a local account.
    pub domain: Option<String>,
}

impl Account {
    /// An account with a password (stored only as its NT hash).
    pub fn with_password(name: &str, password: &str, rid: u32, groups: Vec<Group>) -> Account {
        Account {
            name: name.to_string(),
            nt_hash: nt_hash(password),
            groups,
            rid,
            domain: None,
        }
    }

    /// An account of the realm the emulator is joined to. It has no NT hash here: NTLM for domain
    /// accounts would need the domain controller (pass-through authentication), which the emulator
    /// does not reach.
    pub fn domain_user(name: &str, realm: &str, rid: u32, groups: Vec<Group>) -> Account {
        Account {
            name: name.to_string(),
            nt_hash: [0; 16],
            groups,
            rid,
            domain: Some(realm.to_ascii_uppercase()),
        }
    }

    /// Whether remote UAC applies: only to local accounts (KB 951016).
    pub fn is_local(&self) -> bool {
        self.domain.is_none()
    }

    pub fn is_member_of(&self, group: &Group) -> bool {
        self.groups.contains(group)
    }

    /// Whether this is the built-in Administrator (RID 500), which remote UAC never filters.
    pub fn is_builtin_administrator(&self) -> bool {
        self.rid == ADMINISTRATOR_RID
    }
}

/// The account database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accounts {
    computer_name: String,
    accounts: Vec<Account>,
    /// The Kerberos realms whose principals may log on (those of the keytab's keys).
    realms: Vec<String>,
    /// Domain accounts with local group memberships other than the default.
    domain_members: Vec<Account>,
}

impl Accounts {
    /// No accounts, for a computer called `computer_name`.
    pub fn empty(computer_name: &str) -> Accounts {
        Accounts {
            computer_name: computer_name.to_string(),
            accounts: Vec::new(),
            realms: Vec::new(),
            domain_members: Vec::new(),
        }
    }

    /// The four built-in accounts described in the module documentation.
    pub fn builtin(computer_name: &str) -> Accounts {
        let mut accounts = Accounts::empty(computer_name);
        let password = BUILTIN_PASSWORD;
        for account in [
            Account::with_password(
                "Administrator",
                password,
                ADMINISTRATOR_RID,
                vec![Group::Administrators, Group::Users],
            ),
            Account::with_password("alice", password, 1001, vec![Group::Users]),
            Account::with_password(
                "bob",
                password,
                1002,
                vec![Group::Users, Group::DistributedComUsers],
            ),
            Account::with_password(
                "localadmin",
                password,
                1003,
                vec![Group::Administrators, Group::Users],
            ),
        ] {
            accounts.insert(account);
        }
        accounts
    }

    pub fn computer_name(&self) -> &str {
        &self.computer_name
    }

    /// Adds an account, replacing one of the same name (names compare without regard to case).
    pub fn insert(&mut self, account: Account) {
        self.accounts
            .retain(|old| !old.name.eq_ignore_ascii_case(&account.name));
        self.accounts.push(account);
    }

    /// The next free RID for a new account, above those in use and above 1000 as Windows numbers them.
    pub fn next_rid(&self) -> u32 {
        self.accounts
            .iter()
            .map(|a| a.rid)
            .max()
            .unwrap_or(1000)
            .max(1000)
            .saturating_add(1)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Account> {
        self.accounts.iter()
    }

    /// Whether an NTLM domain names this computer's local accounts: its computer name, empty, or `.`.
    pub fn is_local_domain(&self, domain: &str) -> bool {
        domain.is_empty() || domain == "." || domain.eq_ignore_ascii_case(&self.computer_name)
    }

    /// The local account `user` in `domain`, names compared without regard to case.
    pub fn find(&self, domain: &str, user: &str) -> Option<&Account> {
        if !self.is_local_domain(domain) {
            return None;
        }
        self.accounts
            .iter()
            .find(|account| account.name.eq_ignore_ascii_case(user))
    }

    /// Joins a Kerberos realm: its principals may log on with tickets.
    pub fn trust_realm(&mut self, realm: &str) {
        if !self.realms.iter().any(|r| r.eq_ignore_ascii_case(realm)) {
            self.realms.push(realm.to_ascii_uppercase());
        }
    }

    pub fn realms(&self) -> &[String] {
        &self.realms
    }

    /// Sets the local groups of a domain account (`domain-account` in a configuration file).
    pub fn insert_domain_member(&mut self, name: &str, groups: Vec<Group>) {
        self.domain_members
            .retain(|old| !old.name.eq_ignore_ascii_case(name));
        let rid = if name.eq_ignore_ascii_case("Administrator") {
            ADMINISTRATOR_RID
        } else {
            1100 + u32::try_from(self.domain_members.len()).unwrap_or(0)
        };
        self.domain_members
            .push(Account::domain_user(name, "", rid, groups));
    }

    /// The domain account `user` of `realm`, if the emulator trusts the realm.
    fn find_domain(&self, realm: &str, user: &str) -> Option<Account> {
        let realm = self.realms.iter().find(|r| r.eq_ignore_ascii_case(realm))?;
        let mut account = match self
            .domain_members
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(user))
        {
            Some(member) => member.clone(),
            // A domain member's defaults: Domain Admins in Administrators, Domain Users in Users.
            None if user.eq_ignore_ascii_case("Administrator") => Account::domain_user(
                user,
                realm,
                ADMINISTRATOR_RID,
                vec![Group::Administrators, Group::Users],
            ),
            None => Account::domain_user(user, realm, 1100, vec![Group::Users]),
        };
        account.domain = Some(realm.clone());
        Some(account)
    }

    /// The account an authenticated caller logged on as: a local one (NTLM), or one of a trusted realm
    /// (Kerberos).
    pub fn find_user(&self, user: &AuthenticatedUser) -> Option<Cow<'_, Account>> {
        if let Some(local) = self.find(&user.domain, &user.user) {
            return Some(Cow::Borrowed(local));
        }
        self.find_domain(&user.domain, &user.user).map(Cow::Owned)
    }
}

impl NtlmAccounts for Accounts {
    fn nt_hash(&self, domain: &str, user: &str) -> Option<[u8; 16]> {
        self.find(domain, user).map(|account| account.nt_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_accounts_log_on_with_the_shared_password() {
        let accounts = Accounts::builtin(DEFAULT_COMPUTER_NAME);
        let expected = nt_hash(BUILTIN_PASSWORD);
        for user in ["Administrator", "alice", "bob", "localadmin"] {
            assert_eq!(accounts.nt_hash("EMU", user), Some(expected), "{user}");
        }
        assert_ne!(accounts.nt_hash("EMU", "alice"), Some(nt_hash("wrong")));
    }

    #[test]
    fn domain_and_user_compare_without_case() {
        let accounts = Accounts::builtin("EMU");
        for domain in ["EMU", "emu", "", "."] {
            assert!(
                accounts.nt_hash(domain, "ADMINISTRATOR").is_some(),
                "{domain}"
            );
        }
        assert_eq!(accounts.nt_hash("OTHER", "Administrator"), None);
        assert_eq!(accounts.nt_hash("EMU", "mallory"), None);
        assert_eq!(accounts.nt_hash("EMU", ""), None);
    }

    #[test]
    fn builtin_memberships() {
        let accounts = Accounts::builtin("EMU");
        let admin = accounts.find("", "administrator").unwrap();
        assert!(admin.is_builtin_administrator());
        assert!(admin.is_member_of(&Group::Administrators));
        let localadmin = accounts.find("", "localadmin").unwrap();
        assert!(!localadmin.is_builtin_administrator());
        assert!(localadmin.is_member_of(&Group::Administrators));
        let bob = accounts.find("", "bob").unwrap();
        assert!(bob.is_member_of(&Group::DistributedComUsers));
        assert!(!bob.is_member_of(&Group::Administrators));
        let alice = accounts.find("", "alice").unwrap();
        assert_eq!(alice.groups, vec![Group::Users]);
    }

    #[test]
    fn domain_principals_log_on_only_from_a_trusted_realm_with_default_groups() {
        let caller = |user: &str, domain: &str| AuthenticatedUser {
            user: user.into(),
            domain: domain.into(),
            workstation: String::new(),
        };
        let mut accounts = Accounts::builtin("EMU");
        assert!(accounts.find_user(&caller("carol", "TEST.LOCAL")).is_none());
        accounts.trust_realm("test.local");
        assert_eq!(accounts.realms(), ["TEST.LOCAL"]);
        let admin = accounts
            .find_user(&caller("Administrator", "TEST.LOCAL"))
            .unwrap();
        assert!(admin.is_member_of(&Group::Administrators));
        assert!(
            !admin.is_local(),
            "the domain's Administrator, not the local one"
        );
        let carol = accounts.find_user(&caller("carol", "test.local")).unwrap();
        assert_eq!(carol.groups, vec![Group::Users]);
        accounts.insert_domain_member("carol", vec![Group::DistributedComUsers]);
        let carol = accounts.find_user(&caller("CAROL", "TEST.LOCAL")).unwrap();
        assert_eq!(carol.groups, vec![Group::DistributedComUsers]);
        assert_eq!(carol.domain.as_deref(), Some("TEST.LOCAL"));
        // NTLM never sees domain accounts: the emulator cannot check their passwords.
        assert_eq!(accounts.nt_hash("TEST.LOCAL", "carol"), None);
        assert!(
            accounts
                .find_user(&caller("carol", "OTHER.REALM"))
                .is_none()
        );
    }

    #[test]
    fn insert_replaces_by_name_and_rids_grow() {
        let mut accounts = Accounts::builtin("EMU");
        assert_eq!(accounts.next_rid(), 1004);
        accounts.insert(Account::with_password("ALICE", "new", 1001, vec![]));
        assert_eq!(accounts.iter().count(), 4);
        assert_eq!(accounts.nt_hash("", "alice"), Some(nt_hash("new")));
        assert_eq!(Accounts::empty("X").next_rid(), 1001);
    }

    #[test]
    fn group_names() {
        assert_eq!(
            Group::parse("Distributed COM Users"),
            Group::DistributedComUsers
        );
        assert_eq!(Group::parse("dcom-users"), Group::DistributedComUsers);
        assert_eq!(Group::parse("ADMINISTRATORS"), Group::Administrators);
        assert_eq!(
            Group::parse("Backup Operators"),
            Group::Other("Backup Operators".into())
        );
        assert!(Group::Other("Backup Operators".into()).is_named("backup operators"));
        assert!(Group::Users.is_named("users"));
        assert!(!Group::Users.is_named("administrators"));
        assert_eq!(
            Group::DistributedComUsers.to_string(),
            "Distributed COM Users"
        );
    }
}
