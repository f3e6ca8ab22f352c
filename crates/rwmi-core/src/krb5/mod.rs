//! The files Kerberos implementations keep credentials in: the FILE credential cache (`KRB5CCNAME`, a TGT
//! and service tickets with their session keys) and the keytab (long-term keys of principals). MIT krb5,
//! Heimdal, Samba (`samba-tool domain exportkeytab`) and Impacket all write the MIT layouts decoded here.
//!
//! Both formats are big-endian (the versions accepted here: ccache 0x0503/0x0504, keytab 0x0502), unlike
//! the rest of the core, so the helpers below read and write through `codec::Reader`/`Writer` with
//! explicit byte order. Everything is sans-I/O: the caller reads the file and hands over its bytes.
//!
//! Both files come from disk, which another user or a stolen backup may have written: the decoders
//! treat them as hostile input (caps on counts, lengths checked before allocating, no panics).

pub mod ccache;
pub mod keytab;
pub mod principal;

use std::fmt;

use crate::codec::{DecodeError, DecodeErrorKind, DecodeResult, Reader, Writer};

pub use ccache::{CachedCredential, CredentialCache};
pub use keytab::{Keytab, KeytabEntry};
pub use principal::Principal;

/// Encryption type numbers (RFC 3961 8, RFC 3962, RFC 4757) and their names as MIT spells them.
pub mod enctype {
    pub const DES_CBC_CRC: u16 = 1;
    pub const DES_CBC_MD5: u16 = 3;
    pub const DES3_CBC_SHA1: u16 = 16;
    pub const AES128_CTS_HMAC_SHA1_96: u16 = 17;
    pub const AES256_CTS_HMAC_SHA1_96: u16 = 18;
    pub const AES128_CTS_HMAC_SHA256_128: u16 = 19;
    pub const AES256_CTS_HMAC_SHA384_192: u16 = 20;
    pub const RC4_HMAC: u16 = 23;

    /// The name `klist -e` prints for an enctype, or `"unknown"`.
    pub fn name(enctype: u16) -> &'static str {
        match enctype {
            DES_CBC_CRC => "des-cbc-crc",
            DES_CBC_MD5 => "des-cbc-md5",
            DES3_CBC_SHA1 => "des3-cbc-sha1",
            AES128_CTS_HMAC_SHA1_96 => "aes128-cts-hmac-sha1-96",
            AES256_CTS_HMAC_SHA1_96 => "aes256-cts-hmac-sha1-96",
            AES128_CTS_HMAC_SHA256_128 => "aes128-cts-hmac-sha256-128",
            AES256_CTS_HMAC_SHA384_192 => "aes256-cts-hmac-sha384-192",
            RC4_HMAC => "arcfour-hmac",
            _ => "unknown",
        }
    }
}

/// A key with its encryption type. `Debug` shows the type and the length, never the key.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct KeyBlock {
    pub enctype: u16,
    pub value: Vec<u8>,
}

impl KeyBlock {
    /// An aes256- or aes128-cts-hmac-sha1-96 key of the right length (RFC 3962): the types rwmi's
    /// Kerberos contexts use.
    pub fn is_aes_sha1(&self) -> bool {
        matches!(
            (self.enctype, self.value.len()),
            (enctype::AES256_CTS_HMAC_SHA1_96, 32) | (enctype::AES128_CTS_HMAC_SHA1_96, 16)
        )
    }
}

impl fmt::Debug for KeyBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyBlock")
            .field(
                "enctype",
                &format_args!("{} ({})", self.enctype, enctype::name(self.enctype)),
            )
            .field(
                "value",
                &format_args!("<{} bytes redacted>", self.value.len()),
            )
            .finish()
    }
}

/// Components a principal may have. Real names have one to three; more is taken as hostile.
pub const MAX_COMPONENTS: usize = 16;
/// Credentials in a cache, entries in a keytab. Real files hold tens.
pub const MAX_ENTRIES: usize = 4096;

fn be_u16(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<u16> {
    Ok(u16::from_be_bytes(r.array(field)?))
}

fn be_u32(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<u32> {
    Ok(u32::from_be_bytes(r.array(field)?))
}

fn be_i32(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<i32> {
    Ok(i32::from_be_bytes(r.array(field)?))
}

fn put_u16(w: &mut Writer, v: u16) {
    w.bytes(&v.to_be_bytes());
}

fn put_u32(w: &mut Writer, v: u32) {
    w.bytes(&v.to_be_bytes());
}

fn put_i32(w: &mut Writer, v: i32) {
    w.bytes(&v.to_be_bytes());
}

/// A length for a format's length field. Values this crate decoded always fit; a longer value built by a
/// caller saturates, and the decoder then refuses the encoding rather than misreading it as shorter.
fn length_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

fn length_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Refuses a count above `max` before anything is allocated for it.
fn check_cap(
    r: &Reader<'_>,
    field: &'static str,
    limit: &'static str,
    value: u64,
    max: usize,
) -> DecodeResult<usize> {
    if value > max as u64 {
        return Err(r.error(
            field,
            DecodeErrorKind::Limit {
                limit,
                value,
                max: max as u64,
            },
        ));
    }
    Ok(value as usize)
}

/// A counted string that must be UTF-8 (principal names and realms). The error points at its first byte.
fn utf8_string(r: &mut Reader<'_>, field: &'static str, len: u64) -> DecodeResult<String> {
    let start = r.position();
    let bytes = r.counted(field, len)?;
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        DecodeError::new(
            r.context(),
            field,
            start,
            DecodeErrorKind::Invalid("not valid UTF-8"),
        )
    })
}

/// Moves an error from a sub-reader (whose offsets start at 0) to offsets in the whole file.
fn at_file_offset(mut e: DecodeError, base: usize) -> DecodeError {
    e.offset = e.offset.saturating_add(base);
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aes_sha1_keys_need_their_type_and_length() {
        let key = |enctype, len| KeyBlock {
            enctype,
            value: vec![1; len],
        };
        assert!(key(enctype::AES256_CTS_HMAC_SHA1_96, 32).is_aes_sha1());
        assert!(key(enctype::AES128_CTS_HMAC_SHA1_96, 16).is_aes_sha1());
        assert!(!key(enctype::AES256_CTS_HMAC_SHA1_96, 16).is_aes_sha1());
        assert!(!key(enctype::RC4_HMAC, 16).is_aes_sha1());
        assert!(!key(enctype::AES256_CTS_HMAC_SHA384_192, 32).is_aes_sha1());
    }

    #[test]
    fn key_debug_hides_the_key() {
        let key = KeyBlock {
            enctype: enctype::AES256_CTS_HMAC_SHA1_96,
            value: vec![0xab; 32],
        };
        let shown = format!("{key:?}");
        assert!(shown.contains("aes256-cts-hmac-sha1-96"), "{shown}");
        assert!(shown.contains("32 bytes"), "{shown}");
        assert!(!shown.contains("171") && !shown.to_lowercase().contains("ab,"));
    }

    #[test]
    fn enctype_names() {
        assert_eq!(enctype::name(enctype::RC4_HMAC), "arcfour-hmac");
        assert_eq!(enctype::name(17), "aes128-cts-hmac-sha1-96");
        assert_eq!(enctype::name(999), "unknown");
    }

    #[test]
    fn utf8_errors_name_the_field_and_its_offset() {
        let data = [0, 0xff, 0xfe];
        let mut r = Reader::new("keytab entry", &data);
        r.skip("pad", 1).unwrap();
        let e = utf8_string(&mut r, "realm", 2).unwrap_err();
        assert_eq!((e.context, e.field, e.offset), ("keytab entry", "realm", 1));
    }
}
