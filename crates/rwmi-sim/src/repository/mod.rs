//! The emulator's CIM repository: namespaces with classes and static instances loaded from MOF, plus
//! instance providers (live host data, deterministic synthetic instances).
//!
//! Classes are `Arc<WmiClass>` built with `ClassBuilder`, so they encode exactly as MS-WMIO wants.
//! Instances are produced lazily by [`Repository::instances`]: static ones are cloned one at a time,
//! synthetic ones rendered one at a time, so enumerating 10,000+ instances never holds them all.

mod convert;
mod namespace;
mod object_path;
mod synthetic;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::SystemTime;

use rwmi_core::status::WbemStatus;
use rwmi_core::wmio::{Decoration, Value, WmiClass, WmiInstance, WmiObject};

use crate::mof::{self, Declaration};
use crate::policy::{AclEntry, EncryptionRefusal, NamespaceSecurity};

pub use convert::LoadError;
pub use namespace::{NAMESPACE_CLASS, Namespace, namespace_key};
pub use object_path::{KeyValue, MAX_PATH_LEN, ObjectPath, PathError, PathTarget};
pub use synthetic::{SyntheticInstances, has_host_generator, process_instance, schema_value};

/// Instances produced on demand; `Send` and owning what it needs, so a server can keep it across calls.
pub type InstanceStream = Box<dyn Iterator<Item = WmiInstance> + Send>;

/// Instances the repository does not hold, listed with its own: those of one virtual host (the
/// processes `Win32_Process.Create` recorded there), where the repository is shared by every host.
pub trait InstanceOverlay: Send + Sync {
    /// The extra instances of exactly `class` in `namespace`, decorated with `decoration`.
    fn instances(
        &self,
        namespace: &str,
        class: &Arc<WmiClass>,
        decoration: &Decoration,
    ) -> Vec<WmiInstance>;
}

/// No extra instances.
pub struct NoOverlay;

impl InstanceOverlay for NoOverlay {
    fn instances(&self, _: &str, _: &Arc<WmiClass>, _: &Decoration) -> Vec<WmiInstance> {
        Vec::new()
    }
}

/// A source of live instances: the MOF text of the current instances of a class, `None` when it has no
/// provider for the class. `host::live_instances` is the default.
pub type LiveProvider = fn(&str, SystemTime) -> Option<String>;

/// The shipped MOF files, as (file name, text).
pub const DEFAULT_MOF: [(&str, &str); 2] = [
    ("cimv2.mof", include_str!("../../repository/cimv2.mof")),
    (
        "security.mof",
        include_str!("../../repository/security.mof"),
    ),
];

/// The namespace that requires encryption by default, as on Windows.
pub const TPM_NAMESPACE: &str = r"root\cimv2\Security\MicrosoftTpm";

/// The Failover Clustering namespace of a cluster node, which `rwmi sim` serves
/// ([`Repository::add_cluster_role`]).
pub const CLUSTER_NAMESPACE: &str = r"root\MSCluster";

/// The MOF of [`CLUSTER_NAMESPACE`].
pub const CLUSTER_MOF: (&str, &str) = (
    "mscluster.mof",
    include_str!("../../repository/mscluster.mof"),
);

/// Namespaces that exist even when no MOF fills them.
const STANDARD_NAMESPACES: [&str; 4] = ["root", r"root\cimv2", r"root\default", TPM_NAMESPACE];

#[derive(Debug, Clone)]
pub struct Repository {
    computer_name: String,
    /// Keyed by [`namespace_key`].
    namespaces: BTreeMap<String, Namespace>,
    live: Option<LiveProvider>,
    /// Lower-cased class name to the number of synthetic instances it has instead of live ones.
    synthetic: HashMap<String, usize>,
}

impl Repository {
    /// A repository with the standard namespaces and no classes but the system ones. Only `root` carries
    /// an access-control entry, Windows' default (Administrators: Remote Enable); children inherit it.
    pub fn new(computer_name: &str) -> Repository {
        let mut repository = Repository {
            computer_name: computer_name.to_string(),
            namespaces: BTreeMap::new(),
            live: None,
            synthetic: HashMap::new(),
        };
        for name in STANDARD_NAMESPACES {
            repository.create_namespace(name);
        }
        if let Some(root) = repository.namespaces.get_mut("root") {
            root.acl = NamespaceSecurity::windows_default().acl;
        }
        repository
    }

    /// The shipped repository: `repository/*.mof`, live host data for the classes `host` provides, and
    /// RequiresEncryption on `root\cimv2\Security\MicrosoftTpm`.
    pub fn load_default(computer_name: &str) -> Result<Repository, LoadError> {
        let mut repository = Repository::new(computer_name);
        for (file, text) in DEFAULT_MOF {
            repository.load_mof(text, file)?;
        }
        repository.set_requires_encryption(TPM_NAMESPACE, true);
        repository.live = Some(crate::host::live_instances);
        Ok(repository)
    }

    /// Makes this repository a Failover Cluster node's: [`CLUSTER_NAMESPACE`] with its classes, marked
    /// RequiresEncryption and refusing at the query rather than at the login, as the Windows Server of
    /// github.com/cesbit/aiowmi issue 38 did (see [`EncryptionRefusal::Query`]). Not part of
    /// [`Repository::load_default`]: a server without the cluster role has no such namespace.
    pub fn add_cluster_role(&mut self) -> Result<(), LoadError> {
        let (file, text) = CLUSTER_MOF;
        self.load_mof(text, file)?;
        self.set_requires_encryption(CLUSTER_NAMESPACE, true);
        self.set_encryption_refusal(CLUSTER_NAMESPACE, EncryptionRefusal::Query);
        Ok(())
    }

    pub fn computer_name(&self) -> &str {
        &self.computer_name
    }

    /// Sets (or with `None` removes) the provider of live instances.
    pub fn set_live_provider(&mut self, provider: Option<LiveProvider>) {
        self.live = provider;
    }

    /// Gives `class` `count` deterministic synthetic instances instead of live ones
    /// (`--synthetic Win32_Process=10000`), in every namespace that has the class. Fails when no
    /// namespace has it.
    pub fn set_synthetic(&mut self, class: &str, count: usize) -> Result<(), String> {
        if !self.namespaces.values().any(|ns| ns.class(class).is_some()) {
            return Err(format!("no namespace has a class `{class}`"));
        }
        self.synthetic.insert(class.to_ascii_lowercase(), count);
        Ok(())
    }

    /// Creates a namespace and its missing parents; returns its key.
    pub fn create_namespace(&mut self, name: &str) -> Option<String> {
        let key = namespace_key(name)?;
        let written = name.replace('/', "\\");
        let written: Vec<&str> = written
            .trim_start_matches('\\')
            .split('\\')
            .filter(|s| !s.is_empty())
            .collect();
        let segments = key.split('\\').count();
        let written = written
            .get(written.len().saturating_sub(segments)..)
            .unwrap_or(&[]);
        let mut path_key = String::new();
        let mut path_name = String::new();
        for (index, segment) in key.split('\\').enumerate() {
            if index > 0 {
                path_key.push('\\');
                path_name.push('\\');
            }
            path_key.push_str(segment);
            path_name.push_str(written.get(index).copied().unwrap_or(segment));
            self.namespaces
                .entry(path_key.clone())
                .or_insert_with(|| Namespace::new(&path_name));
        }
        Some(key)
    }

    pub fn set_requires_encryption(&mut self, namespace: &str, required: bool) -> bool {
        match namespace_key(namespace).and_then(|key| self.namespaces.get_mut(&key)) {
            Some(ns) => {
                ns.requires_encryption = required;
                true
            }
            None => false,
        }
    }

    /// Where a RequiresEncryption namespace refuses a level below privacy: at the login (the default) or
    /// at the calls.
    pub fn set_encryption_refusal(
        &mut self,
        namespace: &str,
        refused_at: EncryptionRefusal,
    ) -> bool {
        match namespace_key(namespace).and_then(|key| self.namespaces.get_mut(&key)) {
            Some(ns) => {
                ns.refused_at = refused_at;
                true
            }
            None => false,
        }
    }

    /// Adds an access-control entry to a namespace (and so to its descendants).
    pub fn add_acl_entry(&mut self, namespace: &str, entry: AclEntry) -> bool {
        match namespace_key(namespace).and_then(|key| self.namespaces.get_mut(&key)) {
            Some(ns) => {
                ns.acl.push(entry);
                true
            }
            None => false,
        }
    }

    /// What the namespace check of `policy` needs: RequiresEncryption of the namespace, and the entries
    /// of the namespace and its ancestors (Windows' namespace ACEs are container-inherited).
    pub fn security(&self, namespace: &str) -> Option<NamespaceSecurity> {
        let key = namespace_key(namespace)?;
        let target = self.namespaces.get(&key)?;
        let mut acl = Vec::new();
        let mut prefix = String::new();
        for (index, segment) in key.split('\\').enumerate() {
            if index > 0 {
                prefix.push('\\');
            }
            prefix.push_str(segment);
            if let Some(ns) = self.namespaces.get(&prefix) {
                acl.extend(ns.acl.iter().cloned());
            }
        }
        Some(NamespaceSecurity {
            requires_encryption: target.requires_encryption,
            refused_at: target.refused_at,
            acl,
        })
    }

    /// Loads MOF text (`file_name` is for error messages). All or nothing: on error the repository is
    /// unchanged.
    pub fn load_mof(&mut self, text: &str, file_name: &str) -> Result<(), LoadError> {
        let parsed = mof::parse(text).map_err(|e| LoadError {
            file: file_name.to_string(),
            position: e.position,
            message: e.message,
        })?;
        let mut next = self.clone();
        let mut aliases: HashMap<String, HashMap<String, String>> = HashMap::new();
        for item in &parsed.items {
            let position = match &item.declaration {
                Declaration::Class(c) => c.position,
                Declaration::Instance(i) => i.position,
                Declaration::Qualifier(q) => q.position,
            };
            let key = next
                .create_namespace(&item.namespace)
                .ok_or_else(|| LoadError {
                    file: file_name.to_string(),
                    position,
                    message: format!("bad namespace `{}`", item.namespace),
                })?;
            let ns_aliases = aliases.entry(key.clone()).or_default();
            let Some(ns) = next.namespaces.get_mut(&key) else {
                continue;
            };
            match &item.declaration {
                Declaration::Qualifier(decl) => {
                    ns.qualifier_decls
                        .insert(decl.name.to_ascii_lowercase(), decl.clone());
                }
                Declaration::Class(decl) => {
                    if ns.class(&decl.name).is_some() {
                        return Err(LoadError {
                            file: file_name.to_string(),
                            position: decl.position,
                            message: format!(
                                "class `{}` is already defined in `{}`",
                                decl.name,
                                ns.name()
                            ),
                        });
                    }
                    let class = {
                        let lookup = |name: &str| ns.class(name).cloned();
                        let scope = convert::Scope {
                            file: file_name,
                            classes: &lookup,
                            qualifier_types: &ns.qualifier_decls,
                            aliases: ns_aliases,
                        };
                        convert::class(&scope, decl)?
                    };
                    ns.insert_class(class);
                }
                Declaration::Instance(decl) => {
                    let instance = {
                        let lookup = |name: &str| ns.class(name).cloned();
                        let scope = convert::Scope {
                            file: file_name,
                            classes: &lookup,
                            qualifier_types: &ns.qualifier_decls,
                            aliases: ns_aliases,
                        };
                        convert::instance(&scope, decl)?
                    };
                    if let (Some(alias), Some(path)) = (&decl.alias, instance.relpath()) {
                        ns_aliases.insert(alias.to_ascii_lowercase(), path);
                    }
                    if instance.class.name().eq_ignore_ascii_case(NAMESPACE_CLASS) {
                        // `instance of __NAMESPACE { Name = "x"; }` creates a child namespace, as
                        // mofcomp does; its instances are then computed from the namespace tree.
                        let child = match instance.get("Name").and_then(Value::as_str) {
                            Some(name) if !name.is_empty() && !name.contains(['\\', '/']) => {
                                format!("{}\\{name}", ns.name())
                            }
                            _ => {
                                return Err(LoadError {
                                    file: file_name.to_string(),
                                    position: decl.position,
                                    message: "a __NAMESPACE instance needs a Name of one segment"
                                        .to_string(),
                                });
                            }
                        };
                        next.create_namespace(&child);
                        continue;
                    }
                    ns.insert_instance(instance);
                }
            }
        }
        *self = next;
        Ok(())
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.get(&namespace_key(name)?)
    }

    /// IWbemServices::OpenNamespace (MS-WMI 3.1.4.3.1): `relative` (one or more segments) must name a
    /// descendant of `current`; otherwise WBEM_E_INVALID_NAMESPACE.
    pub fn open_namespace(&self, current: &str, relative: &str) -> Result<&Namespace, WbemStatus> {
        let relative = relative.replace('/', "\\");
        if relative.is_empty() || relative.starts_with('\\') || relative.contains(':') {
            return Err(WbemStatus::InvalidNamespace);
        }
        let current = self
            .namespace(current)
            .ok_or(WbemStatus::InvalidNamespace)?;
        self.namespace(&format!("{}\\{relative}", current.name()))
            .ok_or(WbemStatus::InvalidNamespace)
    }

    /// Every namespace, parents before children.
    pub fn namespaces(&self) -> impl Iterator<Item = &Namespace> {
        self.namespaces.values()
    }

    pub fn class(&self, namespace: &str, class: &str) -> Option<Arc<WmiClass>> {
        self.namespace(namespace)?.class(class).cloned()
    }

    /// The classes deriving from `class`, directly or not.
    pub fn subclasses(&self, namespace: &str, class: &str) -> Vec<Arc<WmiClass>> {
        self.namespace(namespace)
            .map(|ns| ns.subclasses(class))
            .unwrap_or_default()
    }

    fn decoration(&self, namespace: &Namespace) -> Decoration {
        Decoration {
            server: self.computer_name.clone(),
            namespace: namespace.name().to_string(),
        }
    }

    /// The `__NAMESPACE` instances of `namespace`: one per immediate child (MS-WMI 3.1.4.18).
    pub fn namespace_instances(&self, namespace: &str) -> Result<Vec<WmiInstance>, WbemStatus> {
        let key = namespace_key(namespace).ok_or(WbemStatus::InvalidNamespace)?;
        let ns = self
            .namespaces
            .get(&key)
            .ok_or(WbemStatus::InvalidNamespace)?;
        let class = ns.class(NAMESPACE_CLASS).ok_or(WbemStatus::InvalidClass)?;
        let prefix = format!("{key}\\");
        let mut out = Vec::new();
        for (child_key, child) in &self.namespaces {
            let is_child = child_key
                .strip_prefix(&prefix)
                .is_some_and(|rest| !rest.contains('\\'));
            if is_child {
                let mut instance = WmiInstance::new(class.clone());
                instance
                    .set("Name", Some(Value::String(child.leaf_name().to_string())))
                    .map_err(|_| WbemStatus::Failed)?;
                instance.decoration = Some(self.decoration(ns));
                out.push(instance);
            }
        }
        Ok(out)
    }

    /// The instances of `class` and, when `deep`, of its subclasses, produced lazily.
    pub fn instances(
        &self,
        namespace: &str,
        class: &str,
        deep: bool,
    ) -> Result<InstanceStream, WbemStatus> {
        self.instances_with(namespace, class, deep, &NoOverlay)
    }

    /// [`Repository::instances`] followed, class by class, by those of `overlay`.
    pub fn instances_with(
        &self,
        namespace: &str,
        class: &str,
        deep: bool,
        overlay: &dyn InstanceOverlay,
    ) -> Result<InstanceStream, WbemStatus> {
        let ns = self
            .namespace(namespace)
            .ok_or(WbemStatus::InvalidNamespace)?;
        let target = ns.class(class).ok_or(WbemStatus::InvalidClass)?.clone();
        let mut classes = vec![target];
        if deep {
            classes.extend(ns.subclasses(class));
        }
        let mut parts: Vec<InstanceStream> = Vec::new();
        for class in classes {
            parts.push(self.instances_of_exactly(ns, &class)?);
            let extra = overlay.instances(ns.name(), &class, &self.decoration(ns));
            if !extra.is_empty() {
                parts.push(Box::new(extra.into_iter()));
            }
        }
        Ok(Box::new(parts.into_iter().flatten()))
    }

    fn instances_of_exactly(
        &self,
        ns: &Namespace,
        class: &Arc<WmiClass>,
    ) -> Result<InstanceStream, WbemStatus> {
        let decoration = self.decoration(ns);
        if class.name().eq_ignore_ascii_case(NAMESPACE_CLASS) {
            return Ok(Box::new(self.namespace_instances(ns.name())?.into_iter()));
        }
        let statics = ns
            .static_instances(class.name())
            .cloned()
            .unwrap_or_default();
        let static_decoration = decoration.clone();
        let statics = (0..statics.len()).filter_map(move |index| {
            let mut instance = statics.get(index)?.clone();
            instance.decoration = Some(static_decoration.clone());
            Some(instance)
        });
        if let Some(&count) = self.synthetic.get(&class.name().to_ascii_lowercase()) {
            let generated = SyntheticInstances::new(class.clone(), count, decoration);
            return Ok(Box::new(statics.chain(generated)));
        }
        let live = match self
            .live
            .and_then(|provider| provider(class.name(), SystemTime::now()))
        {
            Some(text) => self.convert_live(ns, class, &text, &decoration)?,
            None => Vec::new(),
        };
        Ok(Box::new(statics.chain(live)))
    }

    /// Converts a live provider's MOF; an instance that does not fit the schema is a provider failure.
    fn convert_live(
        &self,
        ns: &Namespace,
        class: &Arc<WmiClass>,
        text: &str,
        decoration: &Decoration,
    ) -> Result<Vec<WmiInstance>, WbemStatus> {
        let file_name = format!("live {}", class.name());
        let parsed = mof::parse_in_namespace(text, ns.name()).map_err(|e| {
            tracing::warn!(class = class.name(), error = %e, "live provider wrote bad MOF");
            WbemStatus::ProviderFailure
        })?;
        let lookup = |name: &str| ns.class(name).cloned();
        let aliases = HashMap::new();
        let scope = convert::Scope {
            file: &file_name,
            classes: &lookup,
            qualifier_types: &ns.qualifier_decls,
            aliases: &aliases,
        };
        parsed
            .instances()
            .map(|(_, decl)| {
                let mut instance = convert::instance(&scope, decl).map_err(|e| {
                    tracing::warn!(error = %e, "live instance does not fit its class");
                    WbemStatus::ProviderFailure
                })?;
                instance.decoration = Some(decoration.clone());
                Ok(instance)
            })
            .collect()
    }

    /// IWbemServices::GetObject (MS-WMI 3.1.4.3.4): a class for `Class`, an instance for a path with keys
    /// or `=@`. A `namespace:` prefix in the path overrides `namespace`.
    pub fn get_object(&self, namespace: &str, path: &str) -> Result<WmiObject, WbemStatus> {
        self.get_object_with(namespace, path, &NoOverlay)
    }

    /// [`Repository::get_object`], finding instances of `overlay` too.
    pub fn get_object_with(
        &self,
        namespace: &str,
        path: &str,
        overlay: &dyn InstanceOverlay,
    ) -> Result<WmiObject, WbemStatus> {
        let parsed = ObjectPath::parse(path).map_err(|_| WbemStatus::InvalidObjectPath)?;
        let namespace = parsed.namespace.as_deref().unwrap_or(namespace);
        let ns = self
            .namespace(namespace)
            .ok_or(WbemStatus::InvalidNamespace)?;
        let class = ns.class(&parsed.class).ok_or(WbemStatus::NotFound)?;
        match &parsed.target {
            PathTarget::Class => Ok(WmiObject::Class(Arc::new(
                class.with_decoration(Some(self.decoration(ns))),
            ))),
            PathTarget::Singleton => self
                .instances_with(namespace, &parsed.class, true, overlay)?
                .next()
                .map(WmiObject::Instance)
                .ok_or(WbemStatus::NotFound),
            PathTarget::Keys(keys) => {
                let key_names: Vec<&str> = class
                    .properties()
                    .iter()
                    .filter(|p| p.is_key())
                    .map(|p| p.name.as_str())
                    .collect();
                let resolved = resolve_keys(&key_names, keys)?;
                self.instances_with(namespace, &parsed.class, true, overlay)?
                    .find(|instance| {
                        resolved.iter().all(|(name, wanted)| {
                            instance
                                .get(name)
                                .is_some_and(|value| wanted.matches(value))
                        })
                    })
                    .map(WmiObject::Instance)
                    .ok_or(WbemStatus::NotFound)
            }
        }
    }
}

/// Pairs path keys with the class's key properties: every key given once, none missing.
fn resolve_keys<'k>(
    key_names: &[&'k str],
    keys: &'k [(Option<String>, KeyValue)],
) -> Result<Vec<(&'k str, &'k KeyValue)>, WbemStatus> {
    if keys.len() != key_names.len() {
        return Err(WbemStatus::InvalidObjectPath);
    }
    let mut resolved = Vec::with_capacity(keys.len());
    for (name, value) in keys {
        let property = match name {
            Some(name) => key_names
                .iter()
                .find(|key| key.eq_ignore_ascii_case(name))
                .copied()
                .ok_or(WbemStatus::InvalidObjectPath)?,
            None if key_names.len() == 1 => key_names
                .first()
                .copied()
                .ok_or(WbemStatus::InvalidObjectPath)?,
            None => return Err(WbemStatus::InvalidObjectPath),
        };
        if resolved
            .iter()
            .any(|(seen, _): &(&str, &KeyValue)| seen.eq_ignore_ascii_case(property))
        {
            return Err(WbemStatus::InvalidObjectPath);
        }
        resolved.push((property, value));
    }
    Ok(resolved)
}
