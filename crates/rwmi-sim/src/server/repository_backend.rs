//! `WmiBackend` on top of the emulator's repository, its query engine, its accounts and the security
//! policy.

use std::sync::Arc;

use rwmi::rpc::server::CallerIdentity;
use rwmi_core::status::WbemStatus;
use rwmi_core::status::hresult::E_ACCESSDENIED;
use rwmi_core::status::wbem::{WBEM_E_ACCESS_DENIED, WBEM_E_INVALID_NAMESPACE};
use rwmi_core::wmio::WmiObject;

use super::backend::{ObjectStream, WmiBackend};
use crate::accounts::Group;
use crate::accounts::{Account, Accounts};
use crate::policy::{NamespaceGate, check_activation, check_namespace_at, token_groups};
use crate::profile::Profiles;
use crate::query;
use crate::repository::{InstanceOverlay, Repository};

pub struct RepositoryBackend {
    pub repository: Arc<Repository>,
    pub accounts: Arc<Accounts>,
}

impl RepositoryBackend {
    pub fn new(repository: Arc<Repository>, accounts: Arc<Accounts>) -> RepositoryBackend {
        RepositoryBackend {
            repository,
            accounts,
        }
    }

    /// The local account of an authenticated caller. NTLM only authenticates accounts we know, so a
    /// miss means a domain the emulator does not serve: no rights.
    fn account(&self, caller: &CallerIdentity) -> Option<std::borrow::Cow<'_, Account>> {
        self.accounts.find_user(&caller.user)
    }
}

fn code(status: WbemStatus) -> u32 {
    status.code()
}

impl WmiBackend for RepositoryBackend {
    fn computer_name(&self) -> String {
        self.repository.computer_name().to_owned()
    }

    fn check_activation(&self, caller: &CallerIdentity, profiles: &Profiles) -> Result<(), u32> {
        let account = self.account(caller).ok_or(E_ACCESSDENIED)?;
        check_activation(&account, caller.level, profiles)
    }

    fn check_namespace(
        &self,
        caller: &CallerIdentity,
        namespace: &str,
        profiles: &Profiles,
        gate: NamespaceGate,
    ) -> Result<(), u32> {
        // MS-WMI 3.1.4.1.4: an unknown namespace is WBEM_E_INVALID_NAMESPACE, whoever asks.
        let security = self
            .repository
            .security(namespace)
            .ok_or(WBEM_E_INVALID_NAMESPACE)?;
        let account = self.account(caller).ok_or(WBEM_E_ACCESS_DENIED)?;
        check_namespace_at(&account, &security, caller.level, profiles, gate)
    }

    fn is_administrator(&self, caller: &CallerIdentity, profiles: &Profiles) -> bool {
        self.account(caller).is_some_and(|account| {
            token_groups(&account, profiles).contains(&Group::Administrators)
        })
    }

    fn exec_query(
        &self,
        namespace: &str,
        wql: &str,
        host: &dyn InstanceOverlay,
    ) -> Result<ObjectStream, u32> {
        let result = query::execute_with(&self.repository, namespace, wql, host).map_err(code)?;
        Ok(Box::new(result))
    }

    fn instances_of(
        &self,
        namespace: &str,
        class: &str,
        host: &dyn InstanceOverlay,
    ) -> Result<ObjectStream, u32> {
        let instances = self
            .repository
            .instances_with(namespace, class, true, host)
            .map_err(code)?;
        Ok(Box::new(instances.map(WmiObject::Instance)))
    }

    fn get_object(
        &self,
        namespace: &str,
        path: &str,
        host: &dyn InstanceOverlay,
    ) -> Result<WmiObject, u32> {
        self.repository
            .get_object_with(namespace, path, host)
            .map_err(code)
    }
}
