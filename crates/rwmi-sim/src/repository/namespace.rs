//! One CIM namespace: its classes in declaration order, its static instances, its qualifier declarations
//! and its security settings; plus the naming rules for namespace paths.

use std::collections::HashMap;
use std::sync::Arc;

use rwmi_core::wmio::{
    CimBase, CimType, ClassBuilder, Flavor, Qualifier, Value, WmiClass, WmiInstance,
};

use crate::mof::QualifierDecl;
use crate::policy::{AclEntry, EncryptionRefusal};

/// A namespace of the repository.
#[derive(Debug, Clone)]
pub struct Namespace {
    /// The full name as first written, `root\cimv2`.
    name: String,
    /// Lower-cased class name to class.
    classes: HashMap<String, Arc<WmiClass>>,
    /// Lower-cased class names in the order they were defined, for enumeration.
    order: Vec<String>,
    /// Lower-cased class name to the static instances of exactly that class.
    instances: HashMap<String, Arc<Vec<WmiInstance>>>,
    /// Lower-cased qualifier name to its declaration, which gives its type and default flavors.
    pub(super) qualifier_decls: HashMap<String, QualifierDecl>,
    /// MS-WMI 2.2.30.3: only RPC_C_AUTHN_LEVEL_PKT_PRIVACY is admitted.
    pub requires_encryption: bool,
    /// Where `requires_encryption` refuses a lower level.
    pub refused_at: EncryptionRefusal,
    /// Access-control entries set on this namespace; those of its parents apply too.
    pub acl: Vec<AclEntry>,
}

impl Namespace {
    pub(super) fn new(name: &str) -> Namespace {
        let mut namespace = Namespace {
            name: name.to_string(),
            classes: HashMap::new(),
            order: Vec::new(),
            instances: HashMap::new(),
            qualifier_decls: HashMap::new(),
            requires_encryption: false,
            refused_at: EncryptionRefusal::Login,
            acl: Vec::new(),
        };
        for class in system_classes() {
            namespace.insert_class(class);
        }
        namespace
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The last segment of the name: what its `__NAMESPACE` instance calls it in the parent.
    pub fn leaf_name(&self) -> &str {
        self.name.rsplit('\\').next().unwrap_or(&self.name)
    }

    pub fn class(&self, name: &str) -> Option<&Arc<WmiClass>> {
        self.classes.get(&name.to_ascii_lowercase())
    }

    /// Every class, in the order they were defined (system classes first).
    pub fn classes(&self) -> impl Iterator<Item = &Arc<WmiClass>> {
        self.order.iter().filter_map(|key| self.classes.get(key))
    }

    /// The classes that derive from `name`, directly or not, in definition order.
    pub fn subclasses(&self, name: &str) -> Vec<Arc<WmiClass>> {
        self.classes()
            .filter(|class| {
                class
                    .derivation()
                    .iter()
                    .any(|parent| parent.eq_ignore_ascii_case(name))
            })
            .cloned()
            .collect()
    }

    /// The static instances of exactly `class` (not of its subclasses).
    pub fn static_instances(&self, class: &str) -> Option<&Arc<Vec<WmiInstance>>> {
        self.instances.get(&class.to_ascii_lowercase())
    }

    pub(super) fn insert_class(&mut self, class: Arc<WmiClass>) {
        let key = class.name().to_ascii_lowercase();
        if self.classes.insert(key.clone(), class).is_none() {
            self.order.push(key);
        }
    }

    pub(super) fn insert_instance(&mut self, instance: WmiInstance) {
        let key = instance.class.name().to_ascii_lowercase();
        Arc::make_mut(self.instances.entry(key).or_default()).push(instance);
    }
}

/// The class every namespace has for its child namespaces (MS-WMI 3.1.4.18: `__NAMESPACE` instances
/// name the children), with its abstract parent `__SystemClass`.
fn system_classes() -> Vec<Arc<WmiClass>> {
    let abstract_qualifier =
        Qualifier::new("abstract", Flavor::NOT_OVERRIDABLE, Value::Boolean(true));
    let system = ClassBuilder::new("__SystemClass")
        .qualifier(abstract_qualifier)
        .build();
    let Ok(system) = system else {
        return Vec::new();
    };
    let key = Qualifier::new(
        "key",
        Flavor::PROPAGATE_TO_INSTANCE
            | Flavor::PROPAGATE_TO_DERIVED_CLASS
            | Flavor::NOT_OVERRIDABLE,
        Value::Boolean(true),
    );
    let namespace = ClassBuilder::new(NAMESPACE_CLASS)
        .superclass(system.clone())
        .property("Name", CimType::scalar(CimBase::String), vec![key], None)
        .build();
    match namespace {
        Ok(namespace) => vec![system, namespace],
        Err(_) => vec![system],
    }
}

/// The system class whose instances are the child namespaces.
pub const NAMESPACE_CLASS: &str = "__NAMESPACE";

/// Normalises a namespace path for lookup: `/` becomes `\`, a `\\server\` prefix is dropped, case is
/// folded. `None` for an empty or malformed path.
pub fn namespace_key(path: &str) -> Option<String> {
    let normalized = path.replace('/', "\\");
    let relative = match normalized.strip_prefix(r"\\") {
        Some(after_server) => after_server.split_once('\\')?.1.to_string(),
        None => normalized,
    };
    let trimmed = relative.trim_end_matches('\\');
    if trimmed.is_empty() || trimmed.split('\\').any(str::is_empty) {
        return None;
    }
    Some(trimmed.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_keys() {
        assert_eq!(namespace_key(r"ROOT\CIMV2").as_deref(), Some(r"root\cimv2"));
        assert_eq!(
            namespace_key(r"\\.\root\cimv2").as_deref(),
            Some(r"root\cimv2")
        );
        assert_eq!(
            namespace_key("//host/root/cimv2/").as_deref(),
            Some(r"root\cimv2")
        );
        for bad in ["", r"\\", r"\\.", r"root\\x", r"\root"] {
            assert_eq!(namespace_key(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn every_namespace_has_the_namespace_class() {
        let namespace = Namespace::new(r"root\x");
        let class = namespace.class("__namespace").unwrap();
        assert_eq!(class.superclass(), Some("__SystemClass"));
        assert!(class.property("Name").unwrap().1.is_key());
        assert_eq!(namespace.subclasses("__SystemClass").len(), 1);
        assert_eq!(namespace.leaf_name(), "x");
    }
}
