//! Deserialising instances into user structs with serde: a field takes the property of the same name
//! (case-insensitively, as WMI names are), `Option<T>` takes a null, `Vec<T>` an array, and an embedded
//! object deserialises like an instance. Code written against the `wmi` crate on Windows moves over with
//! the same structs.

use std::fmt;

use rwmi_core::wmio::{Value, WmiInstance, WmiObject};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

/// Why an instance did not fit the struct.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError(pub String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }
}

/// Deserialises `instance` into `T`.
pub fn from_instance<T: DeserializeOwned>(instance: &WmiInstance) -> Result<T, DeError> {
    T::deserialize(InstanceDeserializer { instance }).map_err(|e| {
        DeError(format!(
            "{} into {}: {e}",
            instance.class.name(),
            std::any::type_name::<T>()
        ))
    })
}

struct InstanceDeserializer<'a> {
    instance: &'a WmiInstance,
}

impl<'de, 'a> de::Deserializer<'de> for InstanceDeserializer<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let names: Vec<&'a str> = self
            .instance
            .class
            .properties()
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        visitor.visit_map(PropertyMap {
            instance: self.instance,
            names,
            next: 0,
            value: None,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        // Only the struct's fields are visited, each matched to a property case-insensitively, so a struct
        // may name `processid` for `ProcessId` and ignore every other property.
        let names: Vec<&'a str> = fields.to_vec();
        visitor.visit_map(PropertyMap {
            instance: self.instance,
            names,
            next: 0,
            value: None,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

struct PropertyMap<'a> {
    instance: &'a WmiInstance,
    names: Vec<&'a str>,
    next: usize,
    value: Option<Option<&'a Value>>,
}

impl<'de, 'a> MapAccess<'de> for PropertyMap<'a> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some(&name) = self.names.get(self.next) else {
            return Ok(None);
        };
        self.next += 1;
        let value = self
            .instance
            .class
            .properties()
            .iter()
            .position(|p| p.name.eq_ignore_ascii_case(name))
            .and_then(|i| self.instance.values.get(i))
            .map(Option::as_ref)
            .unwrap_or(None);
        self.value = Some(value);
        seed.deserialize(name.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let value = self
            .value
            .take()
            .ok_or_else(|| DeError("a value was asked for before its key".into()))?;
        seed.deserialize(ValueDeserializer { value })
    }
}

struct ValueDeserializer<'a> {
    value: Option<&'a Value>,
}

impl<'de, 'a> de::Deserializer<'de> for ValueDeserializer<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let Some(value) = self.value else {
            return visitor.visit_none();
        };
        match value {
            Value::SInt8(v) => visitor.visit_i8(*v),
            Value::UInt8(v) => visitor.visit_u8(*v),
            Value::SInt16(v) => visitor.visit_i16(*v),
            Value::UInt16(v) => visitor.visit_u16(*v),
            Value::SInt32(v) => visitor.visit_i32(*v),
            Value::UInt32(v) => visitor.visit_u32(*v),
            Value::SInt64(v) => visitor.visit_i64(*v),
            Value::UInt64(v) => visitor.visit_u64(*v),
            Value::Real32(v) => visitor.visit_f32(*v),
            Value::Real64(v) => visitor.visit_f64(*v),
            Value::Boolean(v) => visitor.visit_bool(*v),
            Value::String(s) | Value::DateTime(s) | Value::Reference(s) => visitor.visit_str(s),
            Value::Char16(c) => match char::from_u32(u32::from(*c)) {
                Some(ch) => visitor.visit_char(ch),
                None => visitor.visit_u16(*c),
            },
            Value::Object(object) => match object.as_ref() {
                WmiObject::Instance(instance) => {
                    InstanceDeserializer { instance }.deserialize_any(visitor)
                }
                WmiObject::Class(class) => visitor.visit_str(class.name()),
            },
            Value::Array(items) => visitor.visit_seq(Items {
                items: items.iter(),
            }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.value {
            None => visitor.visit_none(),
            Some(_) => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.value {
            Some(Value::Object(object)) => match object.as_ref() {
                WmiObject::Instance(instance) => {
                    InstanceDeserializer { instance }.deserialize_struct(name, fields, visitor)
                }
                WmiObject::Class(_) => {
                    Err(DeError("a class where an instance was expected".into()))
                }
            },
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

struct Items<'a> {
    items: std::slice::Iter<'a, Value>,
}

impl<'de, 'a> SeqAccess<'de> for Items<'a> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.items.next() {
            Some(value) => seed
                .deserialize(ValueDeserializer { value: Some(value) })
                .map(Some),
            None => Ok(None),
        }
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use rwmi_core::wmio::{CimBase, CimType, ClassBuilder};
    use serde::Deserialize;

    use super::*;

    fn process() -> WmiInstance {
        let embedded_class = ClassBuilder::new("Owner")
            .property("User", CimType::scalar(CimBase::String), vec![], None)
            .build()
            .unwrap();
        let mut owner = WmiInstance::new(embedded_class);
        owner
            .set("User", Some(Value::String("alice".into())))
            .unwrap();
        let class = ClassBuilder::new("Win32_Process")
            .property("Name", CimType::scalar(CimBase::String), vec![], None)
            .property("ProcessId", CimType::scalar(CimBase::UInt32), vec![], None)
            .property(
                "WorkingSetSize",
                CimType::scalar(CimBase::UInt64),
                vec![],
                None,
            )
            .property(
                "CreationDate",
                CimType::scalar(CimBase::DateTime),
                vec![],
                None,
            )
            .property(
                "ExecutablePath",
                CimType::scalar(CimBase::String),
                vec![],
                None,
            )
            .property("Flags", CimType::array_of(CimBase::Boolean), vec![], None)
            .property("Owner", CimType::scalar(CimBase::Object), vec![], None)
            .build()
            .unwrap();
        let mut p = WmiInstance::new(class);
        p.set("Name", Some(Value::String("svchost.exe".into())))
            .unwrap();
        p.set("ProcessId", Some(Value::UInt32(884))).unwrap();
        p.set("WorkingSetSize", Some(Value::UInt64(1 << 33)))
            .unwrap();
        p.set(
            "CreationDate",
            Some(Value::DateTime("20261124180000.000000+000".into())),
        )
        .unwrap();
        p.set(
            "Flags",
            Some(Value::Array(vec![
                Value::Boolean(true),
                Value::Boolean(false),
            ])),
        )
        .unwrap();
        p.set(
            "Owner",
            Some(Value::Object(Box::new(WmiObject::Instance(owner)))),
        )
        .unwrap();
        p
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Owner {
        user: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[allow(non_snake_case)]
    struct Win32Process {
        Name: String,
        ProcessId: u32,
        WorkingSetSize: u64,
        CreationDate: String,
        ExecutablePath: Option<String>,
        Flags: Vec<bool>,
        Owner: Owner,
    }

    #[test]
    fn instances_fill_structs_like_the_wmi_crate() {
        let p: Win32Process = from_instance(&process()).unwrap();
        assert_eq!(p.Name, "svchost.exe");
        assert_eq!(p.ProcessId, 884);
        assert_eq!(p.WorkingSetSize, 1 << 33);
        assert_eq!(p.ExecutablePath, None);
        assert_eq!(p.Flags, vec![true, false]);
        assert_eq!(
            p.Owner,
            Owner {
                user: "alice".into()
            }
        );
    }

    #[test]
    fn field_names_match_case_insensitively_and_extra_properties_are_ignored() {
        #[derive(Deserialize)]
        struct Small {
            processid: u32,
        }
        let s: Small = from_instance(&process()).unwrap();
        assert_eq!(s.processid, 884);
    }

    #[test]
    fn maps_take_every_property_and_mismatches_are_errors() {
        let all: HashMap<String, Option<serde_json_free::Any>> = from_instance(&process()).unwrap();
        assert_eq!(all.len(), 7);
        #[derive(Debug, Deserialize)]
        #[allow(dead_code, non_snake_case)]
        struct Wrong {
            Name: u32,
        }
        let e = from_instance::<Wrong>(&process()).unwrap_err();
        assert!(e.0.contains("Win32_Process"), "{e}");
    }

    /// A value of any shape, to count properties without a JSON library.
    mod serde_json_free {
        use serde::de::{Deserialize, Deserializer, IgnoredAny};

        pub struct Any;

        impl<'de> Deserialize<'de> for Any {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                IgnoredAny::deserialize(d).map(|_| Any)
            }
        }
    }
}
