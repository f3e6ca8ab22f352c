//! Per-PDU protection at packet integrity or privacy (MS-RPCE 3.3.1.5.2.2), abstracted from the security
//! provider: the async crate implements [`PduProtection`] over SSPI; this module lays out the fragment,
//! hands the provider the ranges to sign and seal, and refuses any fragment whose verification fails.

use std::fmt;
use std::ops::Range;

use super::auth::{self, AuthLevel, AuthType, AuthVerifier, FragmentLayout};
use super::{Packet, Pdu, PduError};
use crate::codec::{DecodeError, DecodeErrorKind};

/// Protection of one PDU at packet integrity or privacy (MS-RPCE 3.3.1.5.2).
pub trait PduProtection {
    /// Length of the auth_value this context appends to each request/response PDU (16 for NTLM).
    fn signature_len(&self) -> usize;
    /// `pdu` is the whole fragment laid out as header | body | auth padding | sec_trailer | auth_value (zeroed).
    /// `sealed` is the range to encrypt at privacy (the stub and its padding), `signature` the auth_value range.
    /// Sign (and at privacy encrypt in place); header signing means the checksum covers the whole PDU but the auth_value.
    fn protect(
        &mut self,
        pdu: &mut [u8],
        sealed: Range<usize>,
        signature: Range<usize>,
    ) -> Result<(), ProtectionError>;
    /// The reverse on a received fragment: verify the signature (and decrypt in place). A failure must be an error, never ignored.
    fn unprotect(
        &mut self,
        pdu: &mut [u8],
        sealed: Range<usize>,
        signature: Range<usize>,
    ) -> Result<(), ProtectionError>;
}

/// A security provider's refusal or failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtectionError {
    pub message: String,
    /// The fragment was tampered with or not protected by the peer's context: the connection cannot be
    /// trusted any further (MS-RPCE 2.2.2.5 invalid_checksum).
    pub bad_signature: bool,
}

impl ProtectionError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            bad_signature: false,
        }
    }

    pub fn bad_signature(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            bad_signature: true,
        }
    }
}

impl fmt::Display for ProtectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.bad_signature {
            write!(f, "bad signature: {}", self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

impl std::error::Error for ProtectionError {}

/// The security context a call uses, as written in each sec_trailer. All fragments of a call carry the same
/// values (MS-RPCE 2.2.2.11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SecuritySettings {
    pub auth_type: AuthType,
    pub auth_level: AuthLevel,
    pub auth_context_id: u32,
}

impl SecuritySettings {
    /// Only integrity and privacy protect request and response PDUs (MS-RPCE 3.3.1.5.2.2 tables); at lower
    /// levels those PDUs go without a verifier.
    fn check_level(&self) -> Result<(), ProtectionError> {
        if self.auth_level >= AuthLevel::PKT_INTEGRITY && self.auth_level <= AuthLevel::PKT_PRIVACY
        {
            Ok(())
        } else {
            Err(ProtectionError::new(format!(
                "authentication level {} does not protect PDUs; send them without a verifier",
                self.auth_level.0
            )))
        }
    }
}

/// Builds one protected request or response fragment: lays it out with a zeroed auth_value of the
/// provider's signature length, then lets the provider sign (and seal) it in place.
pub fn build_protected_fragment(
    packet: &Packet,
    settings: &SecuritySettings,
    protection: &mut dyn PduProtection,
) -> Result<Vec<u8>, PduError> {
    settings.check_level()?;
    if !matches!(packet.pdu, Pdu::Request(_) | Pdu::Response(_)) {
        return Err(ProtectionError::new(format!(
            "{} PDUs are not protected per packet",
            packet.pdu.ptype().name()
        ))
        .into());
    }
    let mut unsigned = packet.clone();
    unsigned.auth = Some(AuthVerifier {
        auth_type: settings.auth_type,
        auth_level: settings.auth_level,
        auth_context_id: settings.auth_context_id,
        auth_value: vec![0; protection.signature_len()],
    });
    let mut bytes = unsigned.to_bytes()?;
    let (sealed, signature) = protected_ranges(&bytes)?;
    protection.protect(&mut bytes, sealed, signature)?;
    Ok(bytes)
}

/// Verifies (and at privacy decrypts in place) a received request or response fragment, then decodes it.
/// The sec_trailer must name the expected context: a fragment without one, or with another, is refused.
pub fn open_protected_fragment(
    fragment: &mut [u8],
    settings: &SecuritySettings,
    protection: &mut dyn PduProtection,
) -> Result<Packet, PduError> {
    settings.check_level()?;
    let layout = FragmentLayout::locate(fragment)?;
    let context = layout.header.ptype.name();
    let Some((trailer, _)) = &layout.auth else {
        return Err(DecodeError::new(
            context,
            "auth_length",
            super::header::OFFSET_AUTH_LENGTH,
            DecodeErrorKind::Invalid("a protected call received a PDU without a verifier"),
        )
        .into());
    };
    let trailer_at = layout.trailer_start().unwrap_or_default();
    let mismatch =
        |field, why| DecodeError::new(context, field, trailer_at, DecodeErrorKind::Invalid(why));
    if trailer.auth_type != settings.auth_type {
        return Err(mismatch("auth_type", "not the call's authentication type").into());
    }
    if trailer.auth_level != settings.auth_level {
        return Err(mismatch("auth_level", "not the call's authentication level").into());
    }
    if trailer.auth_context_id != settings.auth_context_id {
        return Err(mismatch("auth_context_id", "not the call's security context").into());
    }
    let (sealed, signature) = protected_ranges(fragment)?;
    protection.unprotect(fragment, sealed, signature)?;
    Ok(Packet::decode(fragment)?)
}

/// The stub-and-padding range and the auth_value range of a request or response fragment.
fn protected_ranges(fragment: &[u8]) -> Result<(Range<usize>, Range<usize>), DecodeError> {
    let layout = FragmentLayout::locate(fragment)?;
    let header = layout.header;
    let context = header.ptype.name();
    let stub_start = auth::stub_offset(header.ptype, header.pfc_flags).ok_or_else(|| {
        DecodeError::new(
            context,
            "ptype",
            super::header::OFFSET_PTYPE,
            DecodeErrorKind::Invalid("only request and response PDUs are protected per packet"),
        )
    })?;
    let trailer_start = layout.trailer_start().unwrap_or_default();
    match layout.auth {
        Some((_, signature)) if layout.body.end >= stub_start => {
            Ok((stub_start..trailer_start, signature))
        }
        Some(_) => Err(DecodeError::new(
            context,
            "auth_pad_length",
            trailer_start.saturating_add(2),
            DecodeErrorKind::Invalid("the padding overlaps the fields before the stub"),
        )),
        None => Err(DecodeError::new(
            context,
            "auth_length",
            super::header::OFFSET_AUTH_LENGTH,
            DecodeErrorKind::Invalid("no verifier"),
        )),
    }
}
