//! A bounded cache of classes, for instances sent without their class (MS-WMI 2.2.14.4 and MS-WMIO 2.2.3:
//! a WBEMOBJECT_INSTANCE_NOCLASS names, by classID, the CurrentClass an earlier WBEMOBJECT_INSTANCE carried)
//! and so that a run of full instances of one class shares one parsed `WmiClass`.

use std::sync::Arc;

use crate::codec::{DecodeError, DecodeErrorKind, DecodeResult};

use super::class::WmiClass;
use super::instance::WmiInstance;
use super::{Limits, object};

struct Entry {
    class: Arc<WmiClass>,
    /// The classID of MS-WMI 2.2.14.3 the class arrived with, if any.
    class_id: Option<[u8; 16]>,
    last_used: u64,
}

/// Classes by name (case-insensitive), by classID, and by ClassPart octets; the least recently used entry
/// is dropped when `capacity` is reached.
pub struct ClassCache {
    entries: Vec<Entry>,
    capacity: usize,
    clock: u64,
}

impl ClassCache {
    pub const DEFAULT_CAPACITY: usize = 256;

    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Vec::new(),
            capacity: capacity.max(1),
            clock: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Adds or replaces the class of that name.
    pub fn insert(&mut self, class: Arc<WmiClass>) {
        self.insert_entry(class, None);
    }

    /// Adds or replaces the class of that name, remembering the classID it came with.
    pub fn insert_with_id(&mut self, class_id: [u8; 16], class: Arc<WmiClass>) {
        self.insert_entry(class, Some(class_id));
    }

    fn insert_entry(&mut self, class: Arc<WmiClass>, class_id: Option<[u8; 16]>) {
        let now = self.tick();
        let same = |e: &Entry| {
            e.class.name().eq_ignore_ascii_case(class.name())
                || (class_id.is_some() && e.class_id == class_id)
        };
        self.entries.retain(|e| !same(e));
        if self.entries.len() >= self.capacity
            && let Some(oldest) = self
                .entries
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(i, _)| i)
        {
            self.entries.swap_remove(oldest);
        }
        self.entries.push(Entry {
            class,
            class_id,
            last_used: now,
        });
    }

    fn touch(&mut self, index: usize) -> Option<Arc<WmiClass>> {
        let now = self.tick();
        let e = self.entries.get_mut(index)?;
        e.last_used = now;
        Some(e.class.clone())
    }

    pub fn get(&mut self, name: &str) -> Option<Arc<WmiClass>> {
        let i = self
            .entries
            .iter()
            .position(|e| e.class.name().eq_ignore_ascii_case(name))?;
        self.touch(i)
    }

    pub fn get_by_id(&mut self, class_id: &[u8; 16]) -> Option<Arc<WmiClass>> {
        let i = self
            .entries
            .iter()
            .position(|e| e.class_id.as_ref() == Some(class_id))?;
        self.touch(i)
    }

    /// Decodes the ObjectData of a WBEMOBJECT_INSTANCE_NOCLASS against the class an earlier
    /// WBEMOBJECT_INSTANCE with the same classID carried; an unknown classID is an error (MS-WMI 2.2.14.4).
    pub fn decode_instance_no_class(
        &mut self,
        class_id: &[u8; 16],
        bytes: &[u8],
        limits: &Limits,
    ) -> DecodeResult<WmiInstance> {
        let class = self.get_by_id(class_id).ok_or_else(|| {
            DecodeError::new(
                "EncodingUnitInstanceNoClass",
                "classID",
                0,
                DecodeErrorKind::Invalid("no instance with this classID has carried its class"),
            )
        })?;
        object::decode_instance_no_class(bytes, &class, limits)
    }

    /// The cached class whose ClassPart is exactly `image`, so a decoder can skip parsing it again.
    pub fn find_image(&mut self, image: &[u8]) -> Option<Arc<WmiClass>> {
        let i = self
            .entries
            .iter()
            .position(|e| e.class.part_image() == image)?;
        self.touch(i)
    }
}

impl Default for ClassCache {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wmio::{
        CimBase, CimType, Value, WmiObject, decode_object_block, encode_instance_no_class,
    };

    fn class(name: &str) -> Arc<WmiClass> {
        WmiClass::builder(name)
            .property("P", CimType::scalar(CimBase::UInt8), vec![], None)
            .build()
            .unwrap()
    }

    #[test]
    fn lookups_are_case_insensitive_and_bounded() {
        let mut cache = ClassCache::new(2);
        cache.insert(class("Win32_A"));
        cache.insert_with_id([7; 16], class("Win32_B"));
        assert!(cache.get("win32_a").is_some());
        cache.insert(class("Win32_C"));
        assert_eq!(cache.len(), 2);
        assert!(
            cache.get("WIN32_B").is_none(),
            "least recently used is dropped"
        );
        assert!(cache.get_by_id(&[7; 16]).is_none());
        let a = cache.get("Win32_A").unwrap();
        assert!(Arc::ptr_eq(&cache.find_image(a.part_image()).unwrap(), &a));
        cache.insert(class("WIN32_A"));
        assert_eq!(cache.len(), 2);
        assert!(!Arc::ptr_eq(&cache.get("win32_a").unwrap(), &a), "replaced");
    }

    #[test]
    fn no_class_rows_need_the_class_id_of_an_earlier_row() {
        let class = WmiClass::builder("Row")
            .property("N", CimType::scalar(CimBase::UInt16), vec![], None)
            .build()
            .unwrap();
        let mut row = WmiInstance::new(class);
        row.set("N", Some(Value::UInt16(9))).unwrap();
        let limits = Limits::default();
        let mut cache = ClassCache::default();
        let full = WmiObject::Instance(row.clone()).encode_block().unwrap();
        let first = decode_object_block(&full, &limits, Some(&mut cache)).unwrap();
        let id = [0x5A; 16];
        cache.insert_with_id(id, first.class().clone());
        let no_class = encode_instance_no_class(&row).unwrap();
        let second = cache
            .decode_instance_no_class(&id, &no_class, &limits)
            .unwrap();
        assert!(Arc::ptr_eq(&second.class, first.class()));
        assert_eq!(second.values, row.values);
        let err = cache
            .decode_instance_no_class(&[0; 16], &no_class, &limits)
            .unwrap_err();
        assert_eq!(err.field, "classID");
    }
}
