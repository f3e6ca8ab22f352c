//! `ClassBuilder`: new classes laid out the way the spec's examples are (MS-WMIO 3), inheriting from a
//! parent class the way WMI does.

use std::sync::Arc;

use super::cim::{CimBase, CimType, Value};
use super::class::{Property, WmiClass, compare_names, encode_class_part};
use super::method::{METHOD_INHERITED, Method, encode_methods_part};
use super::object::Decoration;
use super::qualifier::{self, Flavor, Qualifier};
use super::{EncodeError, EncodeResult, len_u32};

/// Builds a new class, inheriting from a parent the way WMI does: the parent's properties and methods are
/// copied and marked inherited, and qualifiers flavored to propagate to derived classes are carried over.
#[derive(Debug, Clone)]
pub struct ClassBuilder {
    name: String,
    parent: Option<Arc<WmiClass>>,
    qualifiers: Vec<Qualifier>,
    properties: Vec<(String, CimType, Vec<Qualifier>, Option<Value>)>,
    /// Declared here; `flags` and `origin` are set by `build`.
    methods: Vec<Method>,
    decoration: Option<Decoration>,
}

impl ClassBuilder {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            parent: None,
            qualifiers: Vec::new(),
            properties: Vec::new(),
            methods: Vec::new(),
            decoration: None,
        }
    }

    pub fn superclass(mut self, parent: Arc<WmiClass>) -> Self {
        self.parent = Some(parent);
        self
    }

    pub fn qualifier(mut self, q: Qualifier) -> Self {
        self.qualifiers.push(q);
        self
    }

    /// Declares a property. A `CIMTYPE` qualifier naming the type is put first unless one is given.
    pub fn property(
        mut self,
        name: &str,
        cim_type: CimType,
        qualifiers: Vec<Qualifier>,
        default: Option<Value>,
    ) -> Self {
        self.properties
            .push((name.to_owned(), cim_type, qualifiers, default));
        self
    }

    /// Declares a method with its `__PARAMETERS` classes for in and out parameters.
    pub fn method(
        mut self,
        name: &str,
        qualifiers: Vec<Qualifier>,
        input: Option<Arc<WmiClass>>,
        output: Option<Arc<WmiClass>>,
    ) -> Self {
        self.methods.push(Method {
            name: name.to_owned(),
            flags: 0,
            origin: 0,
            qualifiers,
            input,
            output,
        });
        self
    }

    pub fn decoration(mut self, server: &str, namespace: &str) -> Self {
        self.decoration = Some(Decoration {
            server: server.to_owned(),
            namespace: namespace.to_owned(),
        });
        self
    }

    pub fn build(self) -> EncodeResult<Arc<WmiClass>> {
        let propagate = |q: &Qualifier| {
            q.flavor.propagates_to_derived_class().then(|| Qualifier {
                flavor: Flavor(q.flavor.0 | Flavor::ORIGIN_PROPAGATED),
                ..q.clone()
            })
        };
        let (derivation, mut properties, mut methods, mut qualifiers) = match &self.parent {
            Some(parent) => {
                let mut derivation = vec![parent.name().to_owned()];
                derivation.extend(parent.derivation.iter().cloned());
                let properties: Vec<Property> = parent
                    .properties
                    .iter()
                    .map(|p| Property {
                        inherited: true,
                        qualifiers: p.qualifiers.iter().filter_map(propagate).collect(),
                        default_inherited: true,
                        ..p.clone()
                    })
                    .collect();
                let methods: Vec<Method> = parent
                    .methods
                    .iter()
                    .map(|m| Method {
                        flags: m.flags | METHOD_INHERITED,
                        ..m.clone()
                    })
                    .collect();
                let qualifiers: Vec<Qualifier> =
                    parent.qualifiers.iter().filter_map(propagate).collect();
                (derivation, properties, methods, qualifiers)
            }
            None => (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
        };
        let own_origin = len_u32("ClassOfOrigin", derivation.len())?;

        for q in self.qualifiers {
            qualifiers.retain(|old| !old.name.eq_ignore_ascii_case(&q.name));
            qualifiers.push(q);
        }

        let mut value_table_len: usize = properties
            .iter()
            .map(|p| p.value_table_offset as usize + p.cim_type.slot_size())
            .max()
            .unwrap_or(0);
        for (name, cim_type, mut prop_qualifiers, default) in self.properties {
            if properties
                .iter()
                .any(|p| p.name.eq_ignore_ascii_case(&name))
            {
                return Err(EncodeError::Duplicate { name });
            }
            if qualifier::find(&prop_qualifiers, "CIMTYPE").is_none() {
                prop_qualifiers.insert(
                    0,
                    Qualifier {
                        name: "CIMTYPE".to_owned(),
                        flavor: Flavor(
                            Flavor::PROPAGATE_TO_INSTANCE | Flavor::PROPAGATE_TO_DERIVED_CLASS,
                        ),
                        cim_type: CimType::scalar(CimBase::String),
                        value: Value::String(cim_type.base.name().to_owned()),
                    },
                );
            }
            let declaration_order =
                u16::try_from(properties.len()).map_err(|_| EncodeError::TooLarge {
                    what: "DeclarationOrder",
                })?;
            properties.push(Property {
                name,
                cim_type,
                inherited: false,
                declaration_order,
                value_table_offset: len_u32("ValueTableOffset", value_table_len)?,
                class_of_origin: own_origin,
                qualifiers: prop_qualifiers,
                default,
                default_inherited: false,
            });
            value_table_len += cim_type.slot_size();
        }

        for method in self.methods {
            if methods
                .iter()
                .any(|m| m.name.eq_ignore_ascii_case(&method.name))
            {
                return Err(EncodeError::Duplicate { name: method.name });
            }
            methods.push(Method {
                flags: 0,
                origin: own_origin,
                ..method
            });
        }

        // Indices fit u16: every property got a u16 DeclarationOrder above.
        let mut by_name: Vec<(u16, &Property)> = properties
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((u16::try_from(i).ok()?, p)))
            .collect();
        by_name.sort_by(|(_, a), (_, b)| compare_names(&a.name, &b.name));
        let lookup: Vec<u16> = by_name.iter().map(|&(i, _)| i).collect();
        let part_image = encode_class_part(
            Some(&self.name),
            &derivation,
            &qualifiers,
            &properties,
            &lookup,
            value_table_len,
        )?;
        let methods_image = encode_methods_part(&methods)?;
        Ok(Arc::new(WmiClass {
            name: Some(self.name),
            derivation,
            qualifiers,
            properties,
            lookup,
            methods,
            parent: self.parent,
            decoration: self.decoration,
            extra_flags: 0,
            part_image: Arc::from(part_image),
            methods_image: Some(Arc::from(methods_image)),
            value_table_len,
        }))
    }
}
