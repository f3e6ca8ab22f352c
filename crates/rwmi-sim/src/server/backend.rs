//! What the RPC services need from the WMI logic. The services hold an `Arc<dyn WmiBackend>`; the
//! emulator implements it on top of its repository, query engine, accounts and policy, and tests can
//! implement it with a few hand-built classes.

use rwmi::rpc::server::CallerIdentity;
use rwmi_core::wmio::WmiObject;

use crate::policy::NamespaceGate;
use crate::profile::Profiles;
use crate::repository::InstanceOverlay;

/// A lazy sequence of result objects (instances, or classes for a `meta_class` query): pulled only as a
/// client asks for the next batch.
pub type ObjectStream = Box<dyn Iterator<Item = WmiObject> + Send>;

/// The WMI logic behind one emulator. Errors are HRESULTs (WBEM_E_* or E_*), passed to the client as the
/// method's return value.
pub trait WmiBackend: Send + Sync + 'static {
    /// The computer name the host reports (`__SERVER`, the domain of local accounts).
    fn computer_name(&self) -> String;

    /// Whether `caller` may remotely activate CLSID_WbemLevel1Login (MS-DCOM 3.1.2.5.2.3.3).
    fn check_activation(&self, caller: &CallerIdentity, profiles: &Profiles) -> Result<(), u32>;

    /// Whether `caller` may open `namespace` or call a method on it (`gate`; the namespace already
    /// normalised to `root\cimv2` form): WBEM_E_INVALID_NAMESPACE when it does not exist,
    /// WBEM_E_ACCESS_DENIED when the policy refuses.
    fn check_namespace(
        &self,
        caller: &CallerIdentity,
        namespace: &str,
        profiles: &Profiles,
        gate: NamespaceGate,
    ) -> Result<(), u32>;

    /// Whether `caller`'s network token holds Administrators (remote UAC applied).
    fn is_administrator(&self, caller: &CallerIdentity, profiles: &Profiles) -> bool;

    /// Runs a WQL data query (MS-WMI 3.1.4.3.18). `host` holds the calling virtual host's own
    /// instances, listed with the backend's.
    fn exec_query(
        &self,
        namespace: &str,
        wql: &str,
        host: &dyn InstanceOverlay,
    ) -> Result<ObjectStream, u32>;

    /// The instances of `class` and its subclasses (MS-WMI 3.1.4.3.16).
    fn instances_of(
        &self,
        namespace: &str,
        class: &str,
        host: &dyn InstanceOverlay,
    ) -> Result<ObjectStream, u32>;

    /// A class or an instance by its object path (MS-WMI 3.1.4.3.4).
    fn get_object(
        &self,
        namespace: &str,
        path: &str,
        host: &dyn InstanceOverlay,
    ) -> Result<WmiObject, u32>;
}
