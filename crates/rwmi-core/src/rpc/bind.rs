//! Presentation context negotiation PDUs: bind / alter_context (C706 12.6.4.3, 12.6.4.1), bind_ack /
//! alter_context_resp (C706 12.6.4.4, 12.6.4.2) and bind_nak (C706 12.6.4.5, MS-RPCE 2.2.2.9), with the
//! bind time feature negotiation of MS-RPCE 3.3.1.5.3.

use crate::codec::{DecodeResult, Reader, Writer};
use crate::guid::Guid;

/// p_syntax_id_t / RPC_SYNTAX_IDENTIFIER (C706 12.6.3.1, MS-RPCE 2.2.2.7): an interface or transfer syntax
/// and its version. On the wire the version is one u32 whose low 16 bits are the major version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SyntaxId {
    pub uuid: Guid,
    pub version: u32,
}

impl SyntaxId {
    pub const WIRE_LEN: usize = 20;

    pub const fn new(uuid: Guid, major: u16, minor: u16) -> Self {
        Self {
            uuid,
            version: major as u32 | (minor as u32) << 16,
        }
    }

    pub fn major(&self) -> u16 {
        self.version as u16
    }

    pub fn minor(&self) -> u16 {
        (self.version >> 16) as u16
    }

    pub fn decode(r: &mut Reader<'_>, field: &'static str) -> DecodeResult<Self> {
        Ok(Self {
            uuid: Guid::decode(r, field)?,
            version: r.u32(field)?,
        })
    }

    pub fn encode(&self, w: &mut Writer) {
        self.uuid.encode(w);
        w.u32(self.version);
    }

    /// Whether this is a bind time feature negotiation pseudo transfer syntax (MS-RPCE 3.3.1.5.3).
    pub fn feature_negotiation_bits(&self) -> Option<BindTimeFeatures> {
        let prefix = BIND_TIME_FEATURE_PREFIX;
        (self.uuid.data1 == prefix.data1
            && self.uuid.data2 == prefix.data2
            && self.uuid.data3 == prefix.data3)
            .then(|| BindTimeFeatures(self.uuid.data4[0]))
    }
}

/// NDR 2.0, the transfer syntax every server supports (C706 14; MS-RPCE 3.3.1.5.6).
impl Default for SyntaxId {
    fn default() -> Self {
        SyntaxId::new(Guid::NIL, 0, 0)
    }
}

pub const NDR20: SyntaxId = SyntaxId::new(
    Guid::from_literal("8a885d04-1ceb-11c9-9fe8-08002b104860"),
    2,
    0,
);

/// NDR64 (MS-RPCE 2.2.5).
pub const NDR64: SyntaxId = SyntaxId::new(
    Guid::from_literal("71710533-beba-4937-8319-b5dbef9ccc36"),
    1,
    0,
);

/// The first three fields of every bind time feature negotiation UUID; its Data4 carries the bitmask
/// (MS-RPCE 3.3.1.5.3, 2.2.2.14).
pub const BIND_TIME_FEATURE_PREFIX: Guid =
    Guid::from_literal("6cb71c2c-9812-4540-0000-000000000000");

/// BindTimeFeatureNegotiationBitmask / ...ResponseBitmask first octet (MS-RPCE 2.2.2.14, 2.2.2.15).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct BindTimeFeatures(pub u8);

impl BindTimeFeatures {
    pub const SECURITY_CONTEXT_MULTIPLEXING: u8 = 0x01;
    pub const KEEP_CONNECTION_ON_ORPHAN: u8 = 0x02;
    /// The bits this crate knows; a server clears the others in its answer (MS-RPCE 3.3.1.5.3).
    pub const KNOWN: u8 = Self::SECURITY_CONTEXT_MULTIPLEXING | Self::KEEP_CONNECTION_ON_ORPHAN;

    /// The pseudo transfer syntax a client proposes to announce these features (version 1.0).
    pub fn transfer_syntax(self) -> SyntaxId {
        let mut uuid = BIND_TIME_FEATURE_PREFIX;
        uuid.data4[0] = self.0;
        SyntaxId::new(uuid, 1, 0)
    }
}

/// p_cont_elem_t (C706 12.6.3.1): one proposed presentation context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextElement {
    pub context_id: u16,
    pub abstract_syntax: SyntaxId,
    pub transfer_syntaxes: Vec<SyntaxId>,
}

impl ContextElement {
    fn decode(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let context_id = r.u16("p_cont_id")?;
        let n = r.u8("n_transfer_syn")?;
        r.skip("reserved", 1)?;
        let abstract_syntax = SyntaxId::decode(r, "abstract_syntax")?;
        let n = r.check_count("transfer_syntaxes", n.into(), SyntaxId::WIRE_LEN)?;
        let mut transfer_syntaxes = Vec::with_capacity(n);
        for _ in 0..n {
            transfer_syntaxes.push(SyntaxId::decode(r, "transfer_syntaxes")?);
        }
        Ok(Self {
            context_id,
            abstract_syntax,
            transfer_syntaxes,
        })
    }

    /// Writes the element; at most 255 transfer syntaxes fit the count, the rest are not sent.
    fn encode(&self, w: &mut Writer) {
        let n = self.transfer_syntaxes.len().min(usize::from(u8::MAX));
        w.u16(self.context_id);
        w.u8(n as u8);
        w.u8(0);
        self.abstract_syntax.encode(w);
        for ts in self.transfer_syntaxes.iter().take(n) {
            ts.encode(w);
        }
    }
}

/// The body of bind and alter_context (C706 12.6.4.3, 12.6.4.1): the same layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bind {
    pub max_xmit_frag: u16,
    pub max_recv_frag: u16,
    pub assoc_group_id: u32,
    pub contexts: Vec<ContextElement>,
}

impl Bind {
    /// Reads the body; `r` is positioned just after the common header.
    pub fn decode(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let max_xmit_frag = r.u16("max_xmit_frag")?;
        let max_recv_frag = r.u16("max_recv_frag")?;
        let assoc_group_id = r.u32("assoc_group_id")?;
        let n = r.u8("n_context_elem")?;
        r.skip("reserved", 3)?;
        // Each element is at least p_cont_id + counts + abstract syntax.
        let n = r.check_count("p_cont_elem", n.into(), 4 + SyntaxId::WIRE_LEN)?;
        let mut contexts = Vec::with_capacity(n);
        for _ in 0..n {
            contexts.push(ContextElement::decode(r)?);
        }
        Ok(Self {
            max_xmit_frag,
            max_recv_frag,
            assoc_group_id,
            contexts,
        })
    }

    /// Writes the body; at most 255 contexts fit the count, the rest are not sent.
    pub fn encode(&self, w: &mut Writer) {
        let n = self.contexts.len().min(usize::from(u8::MAX));
        w.u16(self.max_xmit_frag);
        w.u16(self.max_recv_frag);
        w.u32(self.assoc_group_id);
        w.u8(n as u8);
        w.zeros(3);
        for c in self.contexts.iter().take(n) {
            c.encode(w);
        }
    }

    /// The features a client announced through a feature negotiation context, if it did.
    pub fn requested_features(&self) -> Option<BindTimeFeatures> {
        self.contexts
            .iter()
            .find_map(|c| match c.transfer_syntaxes.as_slice() {
                [only] => only.feature_negotiation_bits(),
                _ => None,
            })
    }
}

/// p_provider_reason_t (C706 12.6.3.1): why a presentation context was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProviderReason(pub u16);

impl ProviderReason {
    pub const REASON_NOT_SPECIFIED: Self = Self(0);
    pub const ABSTRACT_SYNTAX_NOT_SUPPORTED: Self = Self(1);
    pub const PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED: Self = Self(2);
    pub const LOCAL_LIMIT_EXCEEDED: Self = Self(3);

    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "reason_not_specified",
            1 => "abstract_syntax_not_supported",
            2 => "proposed_transfer_syntaxes_not_supported",
            3 => "local_limit_exceeded",
            _ => return None,
        })
    }
}

/// p_cont_def_result_t with the reason field interpreted for each result (C706 12.6.3.1; negotiate_ack from
/// MS-RPCE 2.2.2.4, whose reason field is a BindTimeFeatureNegotiationResponseBitmask).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContextOutcome {
    Acceptance,
    UserRejection(ProviderReason),
    ProviderRejection(ProviderReason),
    NegotiateAck(BindTimeFeatures),
}

/// p_result_t: the answer to one proposed context, in the order of the proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ContextResult {
    pub outcome: ContextOutcome,
    /// The accepted transfer syntax; zero for rejections and negotiate_ack.
    pub transfer_syntax: SyntaxId,
}

impl ContextResult {
    pub const WIRE_LEN: usize = 24;

    pub fn accepted(transfer_syntax: SyntaxId) -> Self {
        Self {
            outcome: ContextOutcome::Acceptance,
            transfer_syntax,
        }
    }

    pub fn rejected(reason: ProviderReason) -> Self {
        Self {
            outcome: ContextOutcome::ProviderRejection(reason),
            transfer_syntax: SyntaxId::new(Guid::NIL, 0, 0),
        }
    }

    fn decode(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let result = r.u16("result")?;
        let reason = r.u16("reason")?;
        let outcome = match result {
            0 => ContextOutcome::Acceptance,
            1 => ContextOutcome::UserRejection(ProviderReason(reason)),
            2 => ContextOutcome::ProviderRejection(ProviderReason(reason)),
            // MS-RPCE 2.2.2.15: only the first octet of the response bitmask is defined.
            3 => ContextOutcome::NegotiateAck(BindTimeFeatures(reason as u8)),
            other => {
                return Err(r.error(
                    "result",
                    crate::codec::DecodeErrorKind::BadValue {
                        value: other.into(),
                    },
                ));
            }
        };
        Ok(Self {
            outcome,
            transfer_syntax: SyntaxId::decode(r, "transfer_syntax")?,
        })
    }

    fn encode(&self, w: &mut Writer) {
        let (result, reason) = match self.outcome {
            ContextOutcome::Acceptance => (0, 0),
            ContextOutcome::UserRejection(r) => (1, r.0),
            ContextOutcome::ProviderRejection(r) => (2, r.0),
            ContextOutcome::NegotiateAck(f) => (3, u16::from(f.0)),
        };
        w.u16(result);
        w.u16(reason);
        self.transfer_syntax.encode(w);
    }
}

/// The body of bind_ack and alter_context_resp (C706 12.6.4.4, 12.6.4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindAck {
    pub max_xmit_frag: u16,
    pub max_recv_frag: u16,
    pub assoc_group_id: u32,
    /// port_any_t: the secondary endpoint address without its terminating NUL ("135"); empty is sent as
    /// length 0, as alter_context_resp does. MS-RPCE 3.3.1.5.5: clients ignore it.
    pub secondary_address: String,
    pub results: Vec<ContextResult>,
}

impl BindAck {
    pub fn decode(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let max_xmit_frag = r.u16("max_xmit_frag")?;
        let max_recv_frag = r.u16("max_recv_frag")?;
        let assoc_group_id = r.u32("assoc_group_id")?;
        let len = r.u16("sec_addr.length")?;
        let port = r.counted("sec_addr.port_spec", len.into())?;
        let port = port.strip_suffix(&[0]).unwrap_or(port);
        if !port.iter().all(|b| b.is_ascii() && *b != 0) {
            return Err(r.invalid("sec_addr.port_spec", "not an ASCII string"));
        }
        let secondary_address = String::from_utf8_lossy(port).into_owned();
        // C706 12.6.4.4: the result list is 4-byte aligned after the variable-length address.
        r.align("pad", 4)?;
        let n = r.u8("n_results")?;
        r.skip("reserved", 3)?;
        let n = r.check_count("p_results", n.into(), ContextResult::WIRE_LEN)?;
        let mut results = Vec::with_capacity(n);
        for _ in 0..n {
            results.push(ContextResult::decode(r)?);
        }
        Ok(Self {
            max_xmit_frag,
            max_recv_frag,
            assoc_group_id,
            secondary_address,
            results,
        })
    }

    /// Writes the body. The writer must hold the PDU from its first byte, since the alignment after the
    /// address is counted from there. An address longer than u16 allows, or more than 255 results, is cut.
    pub fn encode(&self, w: &mut Writer) {
        w.u16(self.max_xmit_frag);
        w.u16(self.max_recv_frag);
        w.u32(self.assoc_group_id);
        let port = self.secondary_address.as_bytes();
        let port = port.get(..usize::from(u16::MAX) - 1).unwrap_or(port);
        if port.is_empty() {
            w.u16(0);
        } else {
            w.u16(port.len() as u16 + 1);
            w.bytes(port);
            w.u8(0);
        }
        w.align(4);
        let n = self.results.len().min(usize::from(u8::MAX));
        w.u8(n as u8);
        w.zeros(3);
        for result in self.results.iter().take(n) {
            result.encode(w);
        }
    }
}

/// The reject reasons of bind_nak (C706 12.6.3.1; MS-RPCE 2.2.2.5 adds 8 and 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BindNakReason(pub u16);

impl BindNakReason {
    pub const REASON_NOT_SPECIFIED: Self = Self(0);
    pub const TEMPORARY_CONGESTION: Self = Self(1);
    pub const LOCAL_LIMIT_EXCEEDED: Self = Self(2);
    pub const CALLED_PADDR_UNKNOWN: Self = Self(3);
    pub const PROTOCOL_VERSION_NOT_SUPPORTED: Self = Self(4);
    pub const DEFAULT_CONTEXT_NOT_SUPPORTED: Self = Self(5);
    pub const USER_DATA_NOT_READABLE: Self = Self(6);
    pub const NO_PSAP_AVAILABLE: Self = Self(7);
    pub const AUTHENTICATION_TYPE_NOT_RECOGNIZED: Self = Self(8);
    pub const INVALID_CHECKSUM: Self = Self(9);

    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            0 => "reason_not_specified",
            1 => "temporary_congestion",
            2 => "local_limit_exceeded",
            3 => "called_paddr_unknown",
            4 => "protocol_version_not_supported",
            5 => "default_context_not_supported",
            6 => "user_data_not_readable",
            7 => "no_psap_available",
            8 => "authentication_type_not_recognized",
            9 => "invalid_checksum",
            _ => return None,
        })
    }
}

/// p_rt_versions_supported_t element: a protocol version the server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ProtocolVersion {
    pub major: u8,
    pub minor: u8,
}

/// The Signature that announces extended error information after a bind_nak (MS-RPCE 2.2.1.1.2).
pub const EXTENDED_ERROR_SIGNATURE: Guid =
    Guid::from_literal("90740320-fad0-11d3-82d7-009027b130ab");

/// The body of bind_nak (C706 12.6.4.5 with MS-RPCE 2.2.2.9's optional Signature).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindNak {
    pub reason: BindNakReason,
    pub versions: Vec<ProtocolVersion>,
    /// Present when the PDU is long enough to hold it (MS-RPCE 2.2.2.9).
    pub signature: Option<Guid>,
    /// Everything after the Signature: MS-EERR extended error information when the Signature is
    /// [`EXTENDED_ERROR_SIGNATURE`], to be ignored otherwise.
    pub extended_error: Vec<u8>,
}

impl BindNak {
    pub fn decode(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let reason = BindNakReason(r.u16("provider_reject_reason")?);
        let n = r.u8("n_protocols")?;
        let n = r.check_count("p_protocols", n.into(), 2)?;
        let mut versions = Vec::with_capacity(n);
        for _ in 0..n {
            versions.push(ProtocolVersion {
                major: r.u8("p_protocols.major")?,
                minor: r.u8("p_protocols.minor")?,
            });
        }
        let (signature, extended_error) = if r.remaining() >= Guid::WIRE_LEN {
            let sig = Guid::decode(r, "signature")?;
            (Some(sig), r.rest().to_vec())
        } else {
            (None, Vec::new())
        };
        Ok(Self {
            reason,
            versions,
            signature,
            extended_error,
        })
    }

    /// Writes the body; extended error bytes are written only after a Signature.
    pub fn encode(&self, w: &mut Writer) {
        let n = self.versions.len().min(usize::from(u8::MAX));
        w.u16(self.reason.0);
        w.u8(n as u8);
        for v in self.versions.iter().take(n) {
            w.u8(v.major);
            w.u8(v.minor);
        }
        if let Some(sig) = &self.signature {
            sig.encode(w);
            w.bytes(&self.extended_error);
        }
    }
}
