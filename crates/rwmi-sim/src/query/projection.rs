//! `SELECT a, b FROM C`: results carry a projected class holding only the selected properties plus the
//! key properties, under the same class name and derivation.
//!
//! Why keys are added: Windows returns the key properties of a projected instance even when they are
//! not selected, so that `__RELPATH` and `__PATH` stay valid (a client can GetObject the result); the
//! emulator does the same. The projected class keeps the class name and the inheritance chain (each
//! ancestor projected the same way), so `__CLASS`, `__DERIVATION` and ISA answer as for the full class.
//! Methods are not carried: a query result is data, and clients call methods on the class.

use std::collections::HashMap;
use std::sync::Arc;

use rwmi_core::status::WbemStatus;
use rwmi_core::wmio::{ClassBuilder, WmiClass, WmiInstance};

/// Builds projected classes, once per source class, and projects instances onto them.
pub struct Projector {
    /// The selected property names, as written.
    selected: Vec<String>,
    /// Source class name (lower-cased) to its projection.
    projected: HashMap<String, Arc<WmiClass>>,
}

impl Projector {
    pub fn new(selected: Vec<String>) -> Projector {
        Projector {
            selected,
            projected: HashMap::new(),
        }
    }

    fn keeps(&self, property: &rwmi_core::wmio::Property) -> bool {
        property.is_key()
            || self
                .selected
                .iter()
                .any(|name| name.eq_ignore_ascii_case(&property.name))
    }

    /// The projection of `class`: its own qualifiers, the kept properties it declares, on top of the
    /// projection of its parent.
    pub fn class(&mut self, class: &Arc<WmiClass>) -> Result<Arc<WmiClass>, WbemStatus> {
        let key = class.name().to_ascii_lowercase();
        if let Some(done) = self.projected.get(&key) {
            return Ok(done.clone());
        }
        let mut builder = ClassBuilder::new(class.name());
        if let Some(parent) = class.parent() {
            builder = builder.superclass(self.class(parent)?);
        }
        for qualifier in class.qualifiers() {
            if !qualifier.flavor.propagated() {
                builder = builder.qualifier(qualifier.clone());
            }
        }
        for property in class.properties() {
            if !property.inherited && self.keeps(property) {
                builder = builder.property(
                    &property.name,
                    property.cim_type,
                    property.qualifiers.clone(),
                    property.default.clone(),
                );
            }
        }
        let projected = builder.build().map_err(|_| WbemStatus::Failed)?;
        self.projected.insert(key, projected.clone());
        Ok(projected)
    }

    /// The instance with only the kept properties.
    pub fn instance(&mut self, instance: &WmiInstance) -> Result<WmiInstance, WbemStatus> {
        let class = self.class(&instance.class)?;
        let mut projected = WmiInstance::new(class.clone());
        for (index, property) in class.properties().iter().enumerate() {
            let Some((source, _)) = instance.class.property(&property.name) else {
                continue;
            };
            let value = instance.values.get(source).cloned().flatten();
            let defaulted = instance.defaulted.get(source).copied().unwrap_or(false);
            if let (Some(slot), Some(flag)) = (
                projected.values.get_mut(index),
                projected.defaulted.get_mut(index),
            ) {
                *slot = value;
                *flag = defaulted;
            }
        }
        projected.qualifiers = instance.qualifiers.clone();
        projected.decoration = instance.decoration.clone();
        Ok(projected)
    }
}
