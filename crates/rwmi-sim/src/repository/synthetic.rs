//! Streaming synthetic instances: one instance is made per `next()`, so a count of 100,000 costs no
//! more memory than a count of one.
//!
//! The classes `host::synthetic` knows (Win32_Process, Win32_Service, Win32_LogicalDisk) get its
//! realistic values, rendered as MOF and converted like any MOF instance. Every other class gets values
//! derived from its schema and the index ([`schema_value`]), so `--synthetic` works for any class.

use std::sync::Arc;

use rwmi_core::wmio::{CimBase, CimType, Decoration, Value, WmiClass, WmiInstance};

use crate::host::render;
use crate::host::synthetic::{
    SYNTHETIC_CLASSES, synthetic_disk, synthetic_process, synthetic_service,
};
use crate::mof;

use super::convert::{self, Scope};

/// Whether `host::synthetic` has realistic values for `class`; other classes get schema values.
pub fn has_host_generator(class: &str) -> bool {
    SYNTHETIC_CLASSES
        .iter()
        .any(|known| known.eq_ignore_ascii_case(class))
}

/// The value synthetic instance `index` has for a property of type `ty` named `name`: distinct per
/// index for strings and integers (wrapping in narrow types), so that string keys are unique. References
/// and embedded objects stay NULL: there is nothing meaningful to point at.
pub fn schema_value(name: &str, ty: CimType, index: usize) -> Option<Value> {
    if ty.array {
        return schema_value(name, CimType::scalar(ty.base), index).map(|v| Value::Array(vec![v]));
    }
    let wide = index as u64;
    Some(match ty.base {
        CimBase::SInt8 => Value::SInt8(wide as i8),
        CimBase::UInt8 => Value::UInt8(wide as u8),
        CimBase::SInt16 => Value::SInt16(wide as i16),
        CimBase::UInt16 => Value::UInt16(wide as u16),
        CimBase::SInt32 => Value::SInt32(wide as i32),
        CimBase::UInt32 => Value::UInt32(wide as u32),
        CimBase::SInt64 => Value::SInt64(wide as i64),
        CimBase::UInt64 => Value::UInt64(wide),
        CimBase::Real32 => Value::Real32(index as f32),
        CimBase::Real64 => Value::Real64(index as f64),
        CimBase::Boolean => Value::Boolean(index.is_multiple_of(2)),
        CimBase::Char16 => Value::Char16(u16::from(b'A') + (index % 26) as u16),
        CimBase::String => Value::String(format!("{name}-{index}")),
        // 2026-01-01 plus `index` seconds, wrapping within the day.
        CimBase::DateTime => Value::DateTime(format!(
            "20260101{:02}{:02}{:02}.000000+000",
            (index / 3600) % 24,
            (index / 60) % 60,
            index % 60
        )),
        CimBase::Reference | CimBase::Object => return None,
    })
}

/// The deterministic instances `0..count` of one class (see `host::synthetic`).
pub struct SyntheticInstances {
    class: Arc<WmiClass>,
    computer: String,
    decoration: Decoration,
    next_index: usize,
    count: usize,
    /// Reused for every instance's MOF text.
    text: String,
}

impl SyntheticInstances {
    pub fn new(class: Arc<WmiClass>, count: usize, decoration: Decoration) -> SyntheticInstances {
        SyntheticInstances {
            class,
            computer: decoration.server.clone(),
            decoration,
            next_index: 0,
            count,
            text: String::new(),
        }
    }

    fn render(&mut self, index: usize) -> bool {
        self.text.clear();
        let name = self.class.name();
        if name.eq_ignore_ascii_case("Win32_Process") {
            render::write_process(&mut self.text, &synthetic_process(index), &self.computer);
        } else if name.eq_ignore_ascii_case("Win32_Service") {
            render::write_service(&mut self.text, &synthetic_service(index), &self.computer);
        } else if name.eq_ignore_ascii_case("Win32_LogicalDisk") {
            render::write_logical_disk(&mut self.text, &synthetic_disk(index), &self.computer);
        } else {
            return false;
        }
        true
    }

    fn schema_instance(&self, index: usize) -> Option<WmiInstance> {
        let mut instance = WmiInstance::new(self.class.clone());
        for property in self.class.properties() {
            let value = schema_value(&property.name, property.cim_type, index);
            instance.set(&property.name, value).ok()?;
        }
        instance.decoration = Some(self.decoration.clone());
        Some(instance)
    }

    fn convert(&self) -> Option<WmiInstance> {
        let file = mof::parse(&self.text).ok()?;
        let (_, declaration) = file.instances().next()?;
        let class = self.class.clone();
        let lookup = move |name: &str| {
            name.eq_ignore_ascii_case(class.name())
                .then(|| class.clone())
        };
        let no_qualifiers = Default::default();
        let no_aliases = Default::default();
        let scope = Scope {
            file: "synthetic",
            classes: &lookup,
            qualifier_types: &no_qualifiers,
            aliases: &no_aliases,
        };
        let mut instance = convert::instance(&scope, declaration).ok()?;
        instance.decoration = Some(self.decoration.clone());
        Some(instance)
    }
}

impl Iterator for SyntheticInstances {
    type Item = WmiInstance;

    fn next(&mut self) -> Option<WmiInstance> {
        // An instance the schema refuses (a class redefined by configuration) ends the stream rather than
        // looping over every remaining index.
        while self.next_index < self.count {
            let index = self.next_index;
            self.next_index += 1;
            let made = if self.render(index) {
                self.convert()
            } else {
                self.schema_instance(index)
            };
            match made {
                Some(instance) => return Some(instance),
                None => {
                    tracing::warn!(
                        class = self.class.name(),
                        index,
                        "synthetic instance does not fit its class"
                    );
                    self.next_index = self.count;
                }
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.count.saturating_sub(self.next_index)))
    }
}
