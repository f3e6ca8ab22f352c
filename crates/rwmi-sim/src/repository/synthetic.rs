//! Streaming synthetic instances: one instance is made per `next()`, so a count of 100,000 costs no
//! more memory than a count of one.
//!
//! The classes `host::synthetic` knows (Win32_Process, Win32_Service, Win32_LogicalDisk) get its
//! realistic values, set straight into the instance with the types the MOF loader would give them
//! (`render::*_properties` describes them once for MOF text and for this). Every other class gets values
//! derived from its schema and the index ([`schema_value`]), so `--synthetic` works for any class.

use std::sync::Arc;

use rwmi_core::wmio::{CimBase, CimType, Decoration, Value, WmiClass, WmiInstance};

use std::time::SystemTime;

use crate::host::cim_datetime::format_cim_datetime;
use crate::host::facts::ProcessFact;
use crate::host::mof_text::PropertySink;
use crate::host::render;
use crate::host::synthetic::{
    SYNTHETIC_CLASSES, synthetic_disk, synthetic_process, synthetic_service,
};

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

/// Sets an instance's properties from a provider's description (`render::*_properties`), converting
/// each value to the property's declared type the way the MOF loader converts literals, without
/// writing and parsing MOF text. The first value that does not fit spoils the instance.
struct InstanceFiller {
    instance: WmiInstance,
    fits: bool,
}

impl InstanceFiller {
    fn new(class: Arc<WmiClass>) -> InstanceFiller {
        InstanceFiller {
            instance: WmiInstance::new(class),
            fits: true,
        }
    }

    fn declared(&self, property: &str) -> Option<CimType> {
        self.instance
            .class
            .property(property)
            .map(|(_, declared)| declared.cim_type)
    }

    fn put(&mut self, property: &str, value: Option<Value>) {
        let set = value.map(|value| self.instance.set(property, Some(value)));
        if !matches!(set, Some(Ok(()))) {
            self.fits = false;
        }
    }

    /// An integer literal as the declared integer type, if it is one and the value is in its range.
    fn integer(ty: CimType, value: i128) -> Option<Value> {
        if ty.array {
            return None;
        }
        Some(match ty.base {
            CimBase::SInt8 => Value::SInt8(i8::try_from(value).ok()?),
            CimBase::UInt8 => Value::UInt8(u8::try_from(value).ok()?),
            CimBase::SInt16 => Value::SInt16(i16::try_from(value).ok()?),
            CimBase::UInt16 => Value::UInt16(u16::try_from(value).ok()?),
            CimBase::SInt32 => Value::SInt32(i32::try_from(value).ok()?),
            CimBase::UInt32 => Value::UInt32(u32::try_from(value).ok()?),
            CimBase::SInt64 => Value::SInt64(i64::try_from(value).ok()?),
            CimBase::UInt64 => Value::UInt64(u64::try_from(value).ok()?),
            _ => return None,
        })
    }

    fn text(&mut self, property: &str, value: String) {
        let converted = match self.declared(property) {
            Some(ty) if !ty.array && ty.base == CimBase::String => Some(Value::String(value)),
            Some(ty) if !ty.array && ty.base == CimBase::DateTime => Some(Value::DateTime(value)),
            _ => None,
        };
        self.put(property, converted);
    }

    fn number(&mut self, property: &str, value: i128) {
        let converted = self
            .declared(property)
            .and_then(|ty| Self::integer(ty, value));
        self.put(property, converted);
    }
}

impl PropertySink for InstanceFiller {
    fn string(&mut self, property: &str, value: &str) -> &mut Self {
        self.text(property, value.to_owned());
        self
    }

    fn unsigned(&mut self, property: &str, value: u64) -> &mut Self {
        self.number(property, i128::from(value));
        self
    }

    fn signed(&mut self, property: &str, value: i64) -> &mut Self {
        self.number(property, i128::from(value));
        self
    }

    fn boolean(&mut self, property: &str, value: bool) -> &mut Self {
        let converted = self
            .declared(property)
            .filter(|ty| !ty.array && ty.base == CimBase::Boolean)
            .map(|_| Value::Boolean(value));
        self.put(property, converted);
        self
    }

    fn datetime(&mut self, property: &str, value: SystemTime) -> &mut Self {
        let converted = self
            .declared(property)
            .filter(|ty| !ty.array && ty.base == CimBase::DateTime)
            .map(|_| Value::DateTime(format_cim_datetime(value)));
        self.put(property, converted);
        self
    }
}

/// A Win32_Process instance of `class` describing `process`, set as the live and synthetic ones are;
/// `None` when the class does not fit (a class redefined by configuration).
pub fn process_instance(
    class: Arc<WmiClass>,
    process: &ProcessFact,
    decoration: &Decoration,
) -> Option<WmiInstance> {
    let mut filler = InstanceFiller::new(class);
    render::process_properties(&mut filler, process, &decoration.server);
    filler.fits.then(|| {
        let mut instance = filler.instance;
        instance.decoration = Some(decoration.clone());
        instance
    })
}

/// The deterministic instances `0..count` of one class (see `host::synthetic`).
pub struct SyntheticInstances {
    class: Arc<WmiClass>,
    computer: String,
    decoration: Decoration,
    next_index: usize,
    count: usize,
}

impl SyntheticInstances {
    pub fn new(class: Arc<WmiClass>, count: usize, decoration: Decoration) -> SyntheticInstances {
        SyntheticInstances {
            class,
            computer: decoration.server.clone(),
            decoration,
            next_index: 0,
            count,
        }
    }

    /// Instance `index` of a class `host::synthetic` knows, built straight from its facts (an
    /// earlier version rendered MOF and parsed it again per instance, which made the emulator the
    /// bottleneck of a 10,000-row query); `None` for other classes.
    fn host_instance(&self, index: usize) -> Option<Option<WmiInstance>> {
        let mut filler = InstanceFiller::new(self.class.clone());
        let name = self.class.name();
        if name.eq_ignore_ascii_case("Win32_Process") {
            render::process_properties(&mut filler, &synthetic_process(index), &self.computer);
        } else if name.eq_ignore_ascii_case("Win32_Service") {
            render::service_properties(&mut filler, &synthetic_service(index), &self.computer);
        } else if name.eq_ignore_ascii_case("Win32_LogicalDisk") {
            render::logical_disk_properties(&mut filler, &synthetic_disk(index), &self.computer);
        } else {
            return None;
        }
        Some(filler.fits.then(|| {
            let mut instance = filler.instance;
            instance.decoration = Some(self.decoration.clone());
            instance
        }))
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
}

impl Iterator for SyntheticInstances {
    type Item = WmiInstance;

    fn next(&mut self) -> Option<WmiInstance> {
        // An instance the schema refuses (a class redefined by configuration) ends the stream rather than
        // looping over every remaining index.
        while self.next_index < self.count {
            let index = self.next_index;
            self.next_index += 1;
            let made = self
                .host_instance(index)
                .unwrap_or_else(|| self.schema_instance(index));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::render::{write_logical_disk, write_process, write_service};
    use crate::mof;
    use crate::repository::Repository;
    use crate::repository::convert::{self, Scope};

    /// The instance the MOF path makes: the provider's text, parsed and converted like any MOF.
    fn through_mof(class: &Arc<WmiClass>, text: &str, decoration: &Decoration) -> WmiInstance {
        let file = mof::parse(text).expect("rendered MOF parses");
        let (_, declaration) = file.instances().next().expect("one instance");
        let lookup = |name: &str| {
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
        let mut instance = convert::instance(&scope, declaration).expect("rendered MOF converts");
        instance.decoration = Some(decoration.clone());
        instance
    }

    #[test]
    fn direct_instances_equal_the_mof_rendering() {
        let repository = Repository::load_default("EMU").expect("default repository");
        let decoration = Decoration {
            server: "EMU".to_owned(),
            namespace: "ROOT\\CIMV2".to_owned(),
        };
        for class_name in SYNTHETIC_CLASSES {
            let class = repository
                .class("root/cimv2", class_name)
                .unwrap_or_else(|| panic!("{class_name} in the default repository"));
            let made: Vec<WmiInstance> =
                SyntheticInstances::new(class.clone(), 40, decoration.clone()).collect();
            assert_eq!(made.len(), 40, "{class_name}");
            for (index, instance) in made.iter().enumerate() {
                let mut text = String::new();
                if class_name.eq_ignore_ascii_case("Win32_Process") {
                    write_process(&mut text, &synthetic_process(index), "EMU");
                } else if class_name.eq_ignore_ascii_case("Win32_Service") {
                    write_service(&mut text, &synthetic_service(index), "EMU");
                } else {
                    write_logical_disk(&mut text, &synthetic_disk(index), "EMU");
                }
                assert_eq!(
                    instance,
                    &through_mof(&class, &text, &decoration),
                    "{class_name} {index}"
                );
            }
        }
    }

    #[test]
    fn a_value_of_the_wrong_type_spoils_the_instance() {
        let class = rwmi_core::wmio::ClassBuilder::new("Test_Typed")
            .property("Count", CimType::scalar(CimBase::UInt8), Vec::new(), None)
            .property("Flag", CimType::scalar(CimBase::Boolean), Vec::new(), None)
            .build()
            .unwrap();
        let mut filler = InstanceFiller::new(class.clone());
        filler.unsigned("Count", 255).boolean("Flag", true);
        assert!(filler.fits);
        assert_eq!(filler.instance.get("Count"), Some(&Value::UInt8(255)));
        let mut filler = InstanceFiller::new(class.clone());
        filler.unsigned("Count", 256);
        assert!(!filler.fits, "out of range");
        let mut filler = InstanceFiller::new(class.clone());
        filler.string("Flag", "yes");
        assert!(!filler.fits, "a string for a boolean");
        let mut filler = InstanceFiller::new(class);
        filler.signed("Missing", 1);
        assert!(!filler.fits, "no such property");
    }
}
