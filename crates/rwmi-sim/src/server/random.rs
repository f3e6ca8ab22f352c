//! Unpredictable identifiers. MS-DCOM 3.1.1.5.1 leaves OXIDs, OIDs and IPIDs implementation-specific
//! but they act as capabilities (an IPID is all a caller needs to name an object), so they are drawn
//! from the standard library's randomly keyed SipHash rather than a counter.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use rwmi_core::Guid;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A random 64-bit value (a fresh random key per call, mixed with a counter so two calls never repeat).
pub fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.finish()
}

/// A random GUID with the version 4 and variant bits set (RFC 4122 4.4).
pub fn random_guid() -> Guid {
    let high = u128::from(random_u64());
    let low = u128::from(random_u64());
    let v = (high << 64) | low;
    let v = (v & !(0xF000u128 << 64)) | (0x4000u128 << 64);
    let v = (v & !(0xC000u128 << 48)) | (0x8000u128 << 48);
    Guid::from_u128(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_differ() {
        let a: Vec<u64> = (0..64).map(|_| random_u64()).collect();
        let mut b = a.clone();
        b.sort_unstable();
        b.dedup();
        assert_eq!(a.len(), b.len());
        assert_ne!(random_guid(), random_guid());
    }
}
