//! One virtual host: where it listens, what it advertises, its profiles and its object exporter.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use rwmi_core::Guid;
use rwmi_core::dcom::{ComVersion, DualStringArray, MInterfacePointer};

use super::backend::WmiBackend;
use super::exporter::Exporter;
use super::marshal::{self, UNREACHABLE_HOST, standard_pointer, std_objref};
use super::processes::CreatedProcesses;
use crate::profile::Profiles;

pub struct VirtualHost {
    /// The endpoint mapper and activation address (port 135 in production).
    pub scm_addr: SocketAddr,
    /// The port the object exporter really listens on.
    pub dynamic_port: u16,
    /// The port the endpoint mapper and the OXID bindings name: `dynamic_port`, or with
    /// `firewalled-dynamic-port` a port where nothing answers.
    pub advertised_port: u16,
    pub profiles: Profiles,
    /// The SPN the Kerberos and Negotiate security bindings name (`marshal::kerberos_spn`); `None` when
    /// the host has no keytab and accepts NTLM only.
    pub kerberos_spn: Option<String>,
    pub exporter: Exporter,
    pub backend: Arc<dyn WmiBackend>,
    /// What Win32_Process.Create recorded on this host.
    pub processes: CreatedProcesses,
}

impl std::fmt::Debug for VirtualHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualHost")
            .field("scm_addr", &self.scm_addr)
            .field("dynamic_port", &self.dynamic_port)
            .field("advertised_port", &self.advertised_port)
            .field("profiles", &self.profiles)
            .finish_non_exhaustive()
    }
}

impl VirtualHost {
    /// A host on 127.0.0.1 with the built-in accounts and an empty `EMU` repository, for unit tests of
    /// the port services.
    #[cfg(test)]
    pub(crate) fn for_tests() -> Arc<Self> {
        let accounts = Arc::new(crate::accounts::Accounts::builtin("EMU"));
        let repository = Arc::new(crate::repository::Repository::new("EMU"));
        Arc::new(Self {
            scm_addr: "127.0.0.1:135".parse().expect("a socket address"),
            dynamic_port: 49667,
            advertised_port: 49667,
            profiles: Profiles::default(),
            kerberos_spn: None,
            exporter: Exporter::default(),
            backend: Arc::new(super::RepositoryBackend::new(repository, accounts)),
            processes: CreatedProcesses::new(),
        })
    }

    pub fn ip(&self) -> IpAddr {
        self.scm_addr.ip()
    }

    /// The host names and addresses in string bindings: like Windows, the computer name first, then the
    /// address (clients such as Impacket pick the binding that matches the name they connected to). With
    /// `unreachable-binding`, only a name that never resolves: the situation of a server whose bindings
    /// carry only a name the client cannot resolve or an address on another network. A client must reach
    /// the exporter through one of these bindings (MS-DCOM 3.2.4.1.2.1), so it fails after a successful
    /// activation.
    fn binding_hosts(&self) -> Vec<String> {
        if self.profiles.unreachable_binding {
            vec![UNREACHABLE_HOST.to_owned()]
        } else {
            vec![self.backend.computer_name(), self.ip().to_string()]
        }
    }

    /// The OXID bindings (ScmReplyInfoData.pdsaOxidBindings, ResolveOxid): where the exporter listens,
    /// and the services it accepts with their principal names.
    pub fn oxid_bindings(&self) -> DualStringArray {
        let hosts = self.binding_hosts();
        let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
        marshal::oxid_bindings(&hosts, self.advertised_port, self.kerberos_spn.as_deref())
    }

    /// The resolver's own bindings, in OBJREFs and for ServerAlive2 (MS-DCOM 2.2.18.4, 3.1.2.5.1.6):
    /// addresses without ports, services without principal names.
    pub fn resolver_bindings(&self) -> DualStringArray {
        let hosts = self.binding_hosts();
        let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
        marshal::resolver_bindings(&hosts, self.kerberos_spn.is_some())
    }

    /// The COM version the host reports (MS-DCOM 2.2.11): 5.7 unless `com-version` says otherwise.
    pub fn com_version(&self) -> ComVersion {
        self.profiles
            .com_version
            .map_or(ComVersion::CURRENT, |v| ComVersion {
                major: v.major,
                minor: v.minor,
            })
    }

    /// An OBJREF_STANDARD for an interface this host exports, naming the resolver as Windows does: a
    /// client that does not know the OXID asks port 135 for its bindings (MS-DCOM 3.2.4.1.2.1).
    pub fn interface_pointer(&self, iid: Guid, oid: u64, ipid: Guid) -> MInterfacePointer {
        standard_pointer(
            iid,
            std_objref(self.exporter.oxid, oid, ipid),
            self.resolver_bindings(),
        )
    }
}
