//! A bounded cache of classes, for instances sent without their class (MS-WMI 2.2.14.4 and MS-WMIO 2.2.3:
//! a WBEMOBJECT_INSTANCE_NOCLASS names, by classID, the CurrentClass an earlier WBEMOBJECT_INSTANCE carried)
//! and so that a run of full instances of one class shares one parsed `WmiClass`; and `SharedClasses`, a
//! second level that several associations (a fleet polling the same classes) share.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};

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
    shared: Option<Arc<SharedClasses>>,
}

impl ClassCache {
    pub const DEFAULT_CAPACITY: usize = 256;

    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Vec::new(),
            capacity: capacity.max(1),
            clock: 0,
            shared: None,
        }
    }

    /// A cache that also looks classes up in, and adds the classes it decodes to, `shared`.
    pub fn with_shared(capacity: usize, shared: Arc<SharedClasses>) -> Self {
        Self {
            shared: Some(shared),
            ..Self::new(capacity)
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

    /// The cached class whose ClassPart is exactly `image`, so a decoder can skip parsing it again: from
    /// this cache, else from the shared store when it was filled under the same `limits` (the class is
    /// then kept here too).
    pub fn find_image(&mut self, image: &[u8], limits: &Limits) -> Option<Arc<WmiClass>> {
        if let Some(i) = self
            .entries
            .iter()
            .position(|e| e.class.part_image() == image)
        {
            return self.touch(i);
        }
        let found = self.shared.as_ref()?.find(image, limits)?;
        self.insert(found.clone());
        Some(found)
    }

    /// Keeps a class just decoded from its ClassPart alone (an instance's CurrentClass), here and in the
    /// shared store, where other associations will find it by the same octets.
    pub fn insert_decoded_part(&mut self, class: Arc<WmiClass>, limits: &Limits) {
        if let Some(shared) = &self.shared {
            shared.publish(&class, limits);
        }
        self.insert(class);
    }
}

/// Classes decoded by any of several associations, found only by their exact ClassPart octets. A class
/// decoded from a ClassPart is a function of those octets and the decoder's limits, so the class one host
/// sent can serve another host's instances without trusting either: a host can only add classes, never
/// change what another host's octets mean. Names and classIDs, which are per association, stay in each
/// [`ClassCache`]. Bounded: when a class would exceed `max_classes` or `max_octets` of ClassParts, the
/// store starts again empty (hosts that flood it cost themselves the sharing, nothing else).
pub struct SharedClasses {
    limits: Limits,
    max_classes: usize,
    max_octets: usize,
    store: Mutex<Store>,
}

#[derive(Default)]
struct Store {
    by_digest: HashMap<u64, Vec<Arc<WmiClass>>>,
    classes: usize,
    octets: usize,
    hits: u64,
}

impl SharedClasses {
    pub const DEFAULT_MAX_CLASSES: usize = 4096;
    pub const DEFAULT_MAX_OCTETS: usize = 64 << 20;

    /// A store for classes decoded under `limits`; decodes under other limits neither use nor fill it.
    pub fn new(limits: Limits) -> Self {
        Self::bounded(limits, Self::DEFAULT_MAX_CLASSES, Self::DEFAULT_MAX_OCTETS)
    }

    pub fn bounded(limits: Limits, max_classes: usize, max_octets: usize) -> Self {
        Self {
            limits,
            max_classes,
            max_octets,
            store: Mutex::new(Store::default()),
        }
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        // The store holds no invariant a panicking holder could break halfway.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Classes held now.
    pub fn len(&self) -> usize {
        self.store().classes
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lookups answered from the store so far.
    pub fn hits(&self) -> u64 {
        self.store().hits
    }

    fn find(&self, image: &[u8], limits: &Limits) -> Option<Arc<WmiClass>> {
        if *limits != self.limits {
            return None;
        }
        let mut store = self.store();
        let found = store
            .by_digest
            .get(&digest(image))?
            .iter()
            .find(|c| c.part_image() == image)
            .cloned()?;
        store.hits += 1;
        Some(found)
    }

    fn publish(&self, class: &Arc<WmiClass>, limits: &Limits) {
        let image = class.part_image();
        if *limits != self.limits || image.len() > self.max_octets {
            return;
        }
        let key = digest(image);
        let mut store = self.store();
        let known = store
            .by_digest
            .get(&key)
            .is_some_and(|bucket| bucket.iter().any(|c| c.part_image() == image));
        if known {
            return;
        }
        if store.classes >= self.max_classes || store.octets + image.len() > self.max_octets {
            let hits = store.hits;
            *store = Store {
                hits,
                ..Store::default()
            };
        }
        store.by_digest.entry(key).or_default().push(class.clone());
        store.classes += 1;
        store.octets += image.len();
    }
}

impl std::fmt::Debug for SharedClasses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let store = self.store();
        f.debug_struct("SharedClasses")
            .field("classes", &store.classes)
            .field("octets", &store.octets)
            .field("hits", &store.hits)
            .finish_non_exhaustive()
    }
}

/// A fixed-key hash of a ClassPart (no randomness in the core); equal digests are confirmed by comparing
/// the octets, so a collision costs a comparison, never a wrong class.
fn digest(image: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    image.hash(&mut h);
    h.finish()
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
        assert!(Arc::ptr_eq(
            &cache
                .find_image(a.part_image(), &Limits::default())
                .unwrap(),
            &a
        ));
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

    fn row_block(class: &str, value: u16) -> Vec<u8> {
        let class = WmiClass::builder(class)
            .property("N", CimType::scalar(CimBase::UInt16), vec![], None)
            .build()
            .unwrap();
        let mut row = WmiInstance::new(class);
        row.set("N", Some(Value::UInt16(value))).unwrap();
        WmiObject::Instance(row).encode_block().unwrap()
    }

    #[test]
    fn associations_share_classes_by_their_octets_only() {
        let limits = Limits::default();
        let shared = Arc::new(SharedClasses::new(limits.clone()));
        let mut first = ClassCache::with_shared(8, shared.clone());
        let mut second = ClassCache::with_shared(8, shared.clone());
        let a = decode_object_block(&row_block("Row", 1), &limits, Some(&mut first)).unwrap();
        assert_eq!(shared.len(), 1);
        let b = decode_object_block(&row_block("Row", 2), &limits, Some(&mut second)).unwrap();
        assert!(
            Arc::ptr_eq(a.class(), b.class()),
            "the second association reuses the class"
        );
        assert_eq!(shared.hits(), 1);
        assert!(
            second.get("row").is_some(),
            "and now knows it by name itself"
        );
        // Names and classIDs stay per association.
        first.insert_with_id([1; 16], a.class().clone());
        assert!(second.get_by_id(&[1; 16]).is_none());
        // Other octets are another class, even under the same name.
        let other = WmiClass::builder("Row")
            .property("M", CimType::scalar(CimBase::UInt16), vec![], None)
            .build()
            .unwrap();
        let other = WmiObject::Instance(WmiInstance::new(other))
            .encode_block()
            .unwrap();
        let c = decode_object_block(&other, &limits, Some(&mut second)).unwrap();
        assert!(!Arc::ptr_eq(a.class(), c.class()));
        assert_eq!(shared.len(), 2);
    }

    #[test]
    fn other_limits_neither_use_nor_fill_the_shared_store() {
        let shared = Arc::new(SharedClasses::new(Limits::default()));
        let strict = Limits {
            max_properties: 1,
            ..Limits::default()
        };
        let mut cache = ClassCache::with_shared(8, shared.clone());
        decode_object_block(&row_block("Row", 1), &strict, Some(&mut cache)).unwrap();
        assert!(shared.is_empty());
        let mut filler = ClassCache::with_shared(8, shared.clone());
        decode_object_block(&row_block("Row", 1), &Limits::default(), Some(&mut filler)).unwrap();
        let mut strict_cache = ClassCache::with_shared(8, shared.clone());
        decode_object_block(&row_block("Row", 1), &strict, Some(&mut strict_cache)).unwrap();
        assert_eq!(
            shared.hits(),
            0,
            "a decode under other limits parses for itself"
        );
    }

    #[test]
    fn the_shared_store_is_bounded() {
        let limits = Limits::default();
        let shared = Arc::new(SharedClasses::bounded(limits.clone(), 2, 1 << 20));
        let mut cache = ClassCache::with_shared(8, shared.clone());
        for name in ["A", "B", "C"] {
            decode_object_block(&row_block(name, 1), &limits, Some(&mut cache)).unwrap();
        }
        assert_eq!(
            shared.len(),
            1,
            "full at the third class: started again with it alone"
        );
        let tiny = Arc::new(SharedClasses::bounded(limits.clone(), 100, 16));
        let mut cache = ClassCache::with_shared(8, tiny.clone());
        decode_object_block(&row_block("A", 1), &limits, Some(&mut cache)).unwrap();
        assert!(
            tiny.is_empty(),
            "a ClassPart larger than the whole store is not kept"
        );
    }
}
