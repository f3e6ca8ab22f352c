//! The keytab file: principals' long-term keys, as `ktutil`, `kadmin ktadd`, Samba's
//! `samba-tool domain exportkeytab` and Impacket write them (MIT krb5 doc/formats/keytab_file_format).
//!
//! Layout of version 0x0502 (all integers big-endian):
//!
//! ```text
//! keytab  = 0x05 0x02, entry*                 (entries run to the end of the file)
//! entry   = size (i32), then `size` bytes:
//!             num_components (u16), realm (data), component (data) * num_components,
//!             name_type (u32), timestamp (u32), kvno (u8), enctype (u16), key (data),
//!             [kvno (u32)], [anything else, ignored]
//! data    = length (u16), bytes
//! ```
//!
//! A negative size is a hole that deleting an entry left: `-size` bytes to skip. A size of 0 ends the
//! keytab, as in MIT's reader. The 32-bit kvno, when at least 4 bytes are left in the entry and it is
//! not 0, replaces the 8-bit one. Version 0x0501 (native byte order, the realm counted among the
//! components) is refused.

use super::{
    KeyBlock, MAX_COMPONENTS, MAX_ENTRIES, Principal, at_file_offset, be_i32, be_u16, be_u32,
    check_cap, length_u16, put_i32, put_u16, put_u32, utf8_string,
};
use crate::codec::{DecodeResult, Reader, Writer};

pub const VERSION_1: u16 = 0x0501;
pub const VERSION_2: u16 = 0x0502;

/// A decoded keytab, entries in file order (holes dropped).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keytab {
    pub entries: Vec<KeytabEntry>,
}

/// One key of one principal. `Debug` redacts the key (see `KeyBlock`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeytabEntry {
    pub principal: Principal,
    /// When the key was written, seconds since 1970.
    pub timestamp: u32,
    /// Key version number; the 32-bit extension when present and non-zero, else the 8-bit field.
    pub kvno: u32,
    pub key: KeyBlock,
}

impl Keytab {
    pub fn decode(bytes: &[u8]) -> DecodeResult<Self> {
        let mut r = Reader::new("keytab header", bytes);
        match be_u16(&mut r, "version")? {
            VERSION_2 => {}
            VERSION_1 => {
                return Err(r.invalid(
                    "version",
                    "keytab version 0x0501 (native byte order, realm counted as a component) is not supported",
                ));
            }
            other => return Err(r.bad_value("version", other.into())),
        }
        r.set_context("keytab entry");
        let mut entries = Vec::new();
        while !r.is_empty() {
            let size = be_i32(&mut r, "size")?;
            if size == 0 {
                break;
            }
            if size < 0 {
                r.counted("hole", size.unsigned_abs().into())?;
                continue;
            }
            check_cap(
                &r,
                "size",
                "keytab entries",
                entries.len() as u64 + 1,
                MAX_ENTRIES,
            )?;
            let base = r.position();
            let mut body = r.sub("entry", size.unsigned_abs().into())?;
            let entry = KeytabEntry::decode(&mut body).map_err(|e| at_file_offset(e, base))?;
            entries.push(entry);
        }
        Ok(Keytab { entries })
    }

    /// Version 0x0502, entries in order, each with the 32-bit kvno extension (as MIT writes them).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        put_u16(&mut w, VERSION_2);
        for entry in &self.entries {
            let body = entry.encode();
            put_i32(&mut w, i32::try_from(body.len()).unwrap_or(i32::MAX));
            w.bytes(&body);
        }
        w.into_vec()
    }

    /// The entries of a principal, compared as `Principal::matches` does.
    pub fn keys_for<'a>(
        &'a self,
        principal: &'a Principal,
    ) -> impl Iterator<Item = &'a KeytabEntry> + 'a {
        self.entries
            .iter()
            .filter(move |e| e.principal.matches(principal))
    }

    /// The key to decrypt a ticket with: the principal's key of this enctype and kvno, or of the highest
    /// kvno when the ticket names none.
    pub fn key<'a>(
        &'a self,
        principal: &'a Principal,
        kvno: Option<u32>,
        enctype: u16,
    ) -> Option<&'a KeytabEntry> {
        let candidates = self
            .keys_for(principal)
            .filter(|e| e.key.enctype == enctype);
        match kvno {
            Some(kvno) => candidates.into_iter().find(|e| e.kvno == kvno),
            None => candidates.max_by_key(|e| e.kvno),
        }
    }

    /// Each principal once (the first spelling met), in file order.
    pub fn principals(&self) -> Vec<&Principal> {
        let mut out: Vec<&Principal> = Vec::new();
        for entry in &self.entries {
            if !out.iter().any(|p| p.matches(&entry.principal)) {
                out.push(&entry.principal);
            }
        }
        out
    }
}

impl KeytabEntry {
    /// Decodes one entry from a reader holding exactly its `size` bytes.
    fn decode(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let count = be_u16(r, "num_components")?;
        let count = check_cap(
            r,
            "num_components",
            "principal components",
            count.into(),
            MAX_COMPONENTS,
        )?;
        let realm_len = be_u16(r, "realm length")?;
        let realm = utf8_string(r, "realm", realm_len.into())?;
        let mut components = Vec::with_capacity(count);
        for _ in 0..count {
            let len = be_u16(r, "component length")?;
            components.push(utf8_string(r, "component", len.into())?);
        }
        let name_type = be_u32(r, "name_type")?;
        let timestamp = be_u32(r, "timestamp")?;
        let kvno8 = r.u8("kvno")?;
        let enctype = be_u16(r, "enctype")?;
        let key_len = be_u16(r, "key length")?;
        let value = r.counted("key", key_len.into())?.to_vec();
        let kvno = match r.remaining() {
            0..=3 => kvno8.into(),
            _ => match be_u32(r, "kvno32")? {
                0 => kvno8.into(),
                kvno32 => kvno32,
            },
        };
        Ok(KeytabEntry {
            principal: Principal {
                name_type,
                realm,
                components,
            },
            timestamp,
            kvno,
            key: KeyBlock { enctype, value },
        })
    }

    /// The entry's body, without its size.
    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        let p = &self.principal;
        put_u16(&mut w, length_u16(p.components.len()));
        for text in std::iter::once(&p.realm).chain(&p.components) {
            put_u16(&mut w, length_u16(text.len()));
            w.bytes(text.as_bytes());
        }
        put_u32(&mut w, p.name_type);
        put_u32(&mut w, self.timestamp);
        // The 8-bit field holds the low bits; readers that know the extension take the full value.
        w.u8((self.kvno & 0xff) as u8);
        put_u16(&mut w, self.key.enctype);
        put_u16(&mut w, length_u16(self.key.value.len()));
        w.bytes(&self.key.value);
        put_u32(&mut w, self.kvno);
        w.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeErrorKind;
    use crate::krb5::enctype;
    use proptest::prelude::*;

    /// Written by MIT ktutil 1.20: alice@TEST.LOCAL kvno 3 (aes256, aes128, password `Passw0rd!`) and
    /// host/emu.test.local@TEST.LOCAL kvno 2 (aes256, rc4-hmac, password `S3rvice!`).
    const MIT_KEYTAB: &[u8] = include_bytes!("testdata/mit-ktutil.keytab");

    /// Where each entry of MIT_KEYTAB ends: a truncation there is a shorter but valid keytab.
    fn entry_boundaries(bytes: &[u8]) -> Vec<usize> {
        let mut at = 2;
        let mut out = vec![at];
        while at + 4 <= bytes.len() {
            let size = i32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
            at += 4 + size.unsigned_abs() as usize;
            out.push(at);
        }
        out
    }

    #[test]
    fn decodes_a_keytab_written_by_mit_ktutil() {
        let keytab = Keytab::decode(MIT_KEYTAB).unwrap();
        let summary: Vec<_> = keytab
            .entries
            .iter()
            .map(|e| {
                (
                    e.principal.to_string(),
                    e.principal.name_type,
                    e.kvno,
                    e.key.enctype,
                    e.key.value.len(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("alice@TEST.LOCAL".to_owned(), 1, 3, 18, 32),
                ("alice@TEST.LOCAL".to_owned(), 1, 3, 17, 16),
                ("host/emu.test.local@TEST.LOCAL".to_owned(), 1, 2, 18, 32),
                ("host/emu.test.local@TEST.LOCAL".to_owned(), 1, 2, 23, 16),
            ]
        );
        assert!(keytab.entries.iter().all(|e| e.timestamp == 0x6b06_00fc));
        assert_eq!(keytab.encode(), MIT_KEYTAB);

        let principals: Vec<String> = keytab.principals().iter().map(|p| p.to_string()).collect();
        assert_eq!(
            principals,
            ["alice@TEST.LOCAL", "host/emu.test.local@TEST.LOCAL"]
        );
        let host = Principal::parse("host/EMU.test.local@test.local", 3).unwrap();
        assert_eq!(keytab.keys_for(&host).count(), 2);
        let rc4 = keytab.key(&host, Some(2), enctype::RC4_HMAC).unwrap();
        assert_eq!(rc4.key.value.len(), 16);
        assert!(keytab.key(&host, Some(3), enctype::RC4_HMAC).is_none());
        let alice = Principal::parse("alice@TEST.LOCAL", 1).unwrap();
        assert_eq!(
            keytab
                .key(&alice, None, enctype::AES128_CTS_HMAC_SHA1_96)
                .map(|e| e.kvno),
            Some(3)
        );
    }

    #[test]
    fn every_truncation_is_refused_or_a_prefix() {
        let boundaries = entry_boundaries(MIT_KEYTAB);
        assert_eq!(boundaries.len(), 5);
        for len in 0..MIT_KEYTAB.len() {
            let result = Keytab::decode(&MIT_KEYTAB[..len]);
            match boundaries.iter().position(|&b| b == len) {
                Some(entries) => assert_eq!(result.unwrap().entries.len(), entries, "{len}"),
                None => assert!(result.is_err(), "truncated to {len} bytes decoded"),
            }
        }
    }

    #[test]
    fn lying_lengths_are_refused() {
        let mut huge_entry = vec![5, 2];
        huge_entry.extend_from_slice(&i32::MAX.to_be_bytes());
        huge_entry.extend_from_slice(&[0; 16]);
        let e = Keytab::decode(&huge_entry).unwrap_err();
        assert_eq!((e.context, e.field, e.offset), ("keytab entry", "entry", 6));

        let mut hole = vec![5, 2];
        hole.extend_from_slice(&i32::MIN.to_be_bytes());
        assert_eq!(Keytab::decode(&hole).unwrap_err().field, "hole");

        // An entry claiming 0xffff components.
        let mut body = MIT_KEYTAB[6..6 + 0x46].to_vec();
        body[0..2].copy_from_slice(&[0xff, 0xff]);
        let mut file = MIT_KEYTAB[..6].to_vec();
        file.extend_from_slice(&body);
        let e = Keytab::decode(&file).unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::Limit { .. }), "{e}");
        assert_eq!((e.field, e.offset), ("num_components", 8));

        // A key length past the entry's end (at 0x20 in the first entry's body).
        let mut file = MIT_KEYTAB.to_vec();
        file[6 + 0x20..6 + 0x22].copy_from_slice(&[0xff, 0xff]);
        let e = Keytab::decode(&file).unwrap_err();
        assert_eq!(e.field, "key", "{e}");
        assert!(
            matches!(e.kind, DecodeErrorKind::LengthPastEnd { .. }),
            "{e}"
        );
    }

    #[test]
    fn holes_are_skipped_and_size_zero_ends_the_keytab() {
        let mut file = vec![5, 2];
        file.extend_from_slice(&(-10i32).to_be_bytes());
        file.extend_from_slice(&[0xee; 10]);
        file.extend_from_slice(&MIT_KEYTAB[2..2 + 4 + 0x46]);
        let keytab = Keytab::decode(&file).unwrap();
        assert_eq!(keytab.entries.len(), 1);
        assert_eq!(keytab.entries[0].principal.to_string(), "alice@TEST.LOCAL");

        file.extend_from_slice(&0i32.to_be_bytes());
        file.extend_from_slice(b"not an entry");
        assert_eq!(Keytab::decode(&file).unwrap().entries.len(), 1);
    }

    #[test]
    fn the_32_bit_kvno_replaces_the_8_bit_one_when_present_and_not_zero() {
        let entry = KeytabEntry {
            principal: Principal::new(1, "TEST.LOCAL", &["alice"]),
            timestamp: 1,
            kvno: 300,
            key: KeyBlock {
                enctype: enctype::AES128_CTS_HMAC_SHA1_96,
                value: vec![7; 16],
            },
        };
        let body = entry.encode();
        let kvno8_at = body.len() - 4 - 16 - 2 - 2 - 1;
        assert_eq!(body[kvno8_at], 44, "300 mod 256");
        let with_body = |body: &[u8]| {
            let mut file = vec![5, 2];
            file.extend_from_slice(&(body.len() as i32).to_be_bytes());
            file.extend_from_slice(body);
            Keytab::decode(&file).unwrap().entries[0].kvno
        };
        assert_eq!(with_body(&body), 300);
        // Without the extension (older writers), the 8-bit field.
        assert_eq!(with_body(&body[..body.len() - 4]), 44);
        // An extension of 0 means "use the 8-bit field".
        let mut zero = body.clone();
        let end = zero.len();
        zero[end - 4..].copy_from_slice(&[0; 4]);
        assert_eq!(with_body(&zero), 44);
        // Fewer than 4 bytes left over are ignored, as are bytes after the extension.
        assert_eq!(
            with_body(&[&body[..body.len() - 4], &[9, 9, 9]].concat()),
            44
        );
        assert_eq!(with_body(&[&body[..], &[9, 9]].concat()), 300);
    }

    #[test]
    fn other_versions_are_refused_with_their_name() {
        let e = Keytab::decode(&[5, 1, 0, 0, 0, 0]).unwrap_err();
        assert!(e.to_string().contains("0x0501"), "{e}");
        let e = Keytab::decode(&[5, 3]).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::BadValue { value: 0x0503 });
    }

    #[test]
    fn a_realm_that_is_not_utf8_is_refused_at_its_offset() {
        let mut file = MIT_KEYTAB.to_vec();
        file[10] = 0xff; // first byte of the first entry's realm
        let e = Keytab::decode(&file).unwrap_err();
        assert_eq!(
            (e.context, e.field, e.offset),
            ("keytab entry", "realm", 10)
        );
    }

    fn principal() -> impl Strategy<Value = Principal> {
        (
            any::<u32>(),
            "[A-Z.]{0,12}",
            proptest::collection::vec("[a-z0-9./@-]{0,12}", 0..4),
        )
            .prop_map(|(name_type, realm, components)| Principal {
                name_type,
                realm,
                components,
            })
    }

    fn entry() -> impl Strategy<Value = KeytabEntry> {
        (
            principal(),
            any::<u32>(),
            any::<u32>(),
            any::<u16>(),
            proptest::collection::vec(any::<u8>(), 0..40),
        )
            .prop_map(|(principal, timestamp, kvno, enctype, value)| KeytabEntry {
                principal,
                timestamp,
                kvno,
                key: KeyBlock { enctype, value },
            })
    }

    proptest! {
        #[test]
        fn round_trips(entries in proptest::collection::vec(entry(), 0..5)) {
            let keytab = Keytab { entries };
            prop_assert_eq!(Keytab::decode(&keytab.encode()).unwrap(), keytab);
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let mut file = vec![5, 2];
            file.extend_from_slice(&bytes);
            let _ = Keytab::decode(&file);
        }
    }
}
