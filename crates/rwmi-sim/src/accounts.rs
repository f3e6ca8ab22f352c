//! The emulator's local accounts: who may log on with NTLM, with which NT hash, and in which local groups.
//!
//! The built-in set covers the cases a client meets against a current Windows server (all with the
//! password `Passw0rd!`):
//! - `Administrator`: the built-in administrator (RID 500), whose remote token is never filtered by UAC;
//! - `alice`: a standard user, not allowed remote DCOM activation;
//! - `bob`: in Distributed COM Users (may activate) but without Remote Enable on `root\cimv2`;
//! - `localadmin`: a local member of Administrators whose remote token UAC filters, unless
//!   LocalAccountTokenFilterPolicy is set (profile `uac-off`).

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
}

impl Account {
    /// An account with a password (stored only as its NT hash).
    pub fn with_password(name: &str, password: &str, rid: u32, groups: Vec<Group>) -> Account {
        Account {
            name: name.to_string(),
            nt_hash: nt_hash(password),
            groups,
            rid,
        }
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
}

impl Accounts {
    /// No accounts, for a computer called `computer_name`.
    pub fn empty(computer_name: &str) -> Accounts {
        Accounts {
            computer_name: computer_name.to_string(),
            accounts: Vec::new(),
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

    /// The account an authenticated caller logged on as.
    pub fn find_user(&self, user: &AuthenticatedUser) -> Option<&Account> {
        self.find(&user.domain, &user.user)
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
