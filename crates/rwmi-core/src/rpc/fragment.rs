//! Splitting a call's stub into fragments and putting received fragments back together (C706 12.6.3.7,
//! MS-RPCE 2.2.2.6 alloc_hint, 2.2.2.11: every fragment carries and is protected by its own verifier).

use super::auth::STUB_PAD_ALIGN;
use super::header::{
    HEADER_LEN, OFFSET_CALL_ID, OFFSET_PFC_FLAGS, OFFSET_PTYPE, PacketType, PfcFlags,
    SEC_TRAILER_LEN,
};
use super::security::{PduProtection, SecuritySettings, build_protected_fragment};
use super::{Packet, Pdu, PduError, Request, Response};
use crate::codec::{DecodeError, DecodeErrorKind};
use crate::guid::Guid;

/// Byte offsets of the request/response fields that must not change between fragments.
const OFFSET_P_CONT_ID: usize = HEADER_LEN + 4;
const OFFSET_OPNUM: usize = HEADER_LEN + 6;
const OFFSET_OBJECT: usize = HEADER_LEN + 8;

/// The fields of a call that every fragment repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallHeader {
    Request {
        context_id: u16,
        opnum: u16,
        object: Option<Guid>,
    },
    Response {
        context_id: u16,
        cancel_count: u8,
    },
}

impl CallHeader {
    pub fn ptype(&self) -> PacketType {
        match self {
            Self::Request { .. } => PacketType::Request,
            Self::Response { .. } => PacketType::Response,
        }
    }

    fn fields_len(&self) -> usize {
        match self {
            Self::Request { object, .. } => Request::fields_len(object.is_some()),
            Self::Response { .. } => Response::FIXED_LEN,
        }
    }

    fn pdu(&self, alloc_hint: u32, stub: Vec<u8>) -> Pdu {
        match *self {
            Self::Request {
                context_id,
                opnum,
                object,
            } => Pdu::Request(Request {
                alloc_hint,
                context_id,
                opnum,
                object,
                stub,
            }),
            Self::Response {
                context_id,
                cancel_count,
            } => Pdu::Response(Response {
                alloc_hint,
                context_id,
                cancel_count,
                stub,
            }),
        }
    }
}

/// Splits `stub` into encoded fragments of at most `max_xmit_frag` bytes each, header, request fields,
/// padding, sec_trailer and auth_value included. With `security`, every fragment is protected on its own and
/// carries a stub multiple of 16 bytes except the last, so only the last needs auth padding.
/// `flags` are added to FIRST_FRAG / LAST_FRAG (PFC_CONC_MPX, say).
pub fn fragment_call(
    call_id: u32,
    call: &CallHeader,
    stub: &[u8],
    flags: PfcFlags,
    max_xmit_frag: u16,
    mut security: Option<(&SecuritySettings, &mut dyn PduProtection)>,
) -> Result<Vec<Vec<u8>>, PduError> {
    let fixed = HEADER_LEN + call.fields_len();
    let room = usize::from(max_xmit_frag).saturating_sub(fixed);
    let verifier_len = security.as_ref().map_or(0, |(_, protection)| {
        SEC_TRAILER_LEN.saturating_add(protection.signature_len())
    });
    let room = room.saturating_sub(verifier_len);
    // Protected fragments other than the last carry a multiple of 16 so they need no auth padding.
    let chunk_len = if security.is_some() {
        room - room % STUB_PAD_ALIGN
    } else {
        room
    };
    if chunk_len == 0 {
        return Err(PduError::FragmentTooSmall {
            max_xmit_frag,
            overhead: fixed.saturating_add(verifier_len),
        });
    }
    let base_flags = flags.without(PfcFlags::FIRST_FRAG | PfcFlags::LAST_FRAG);
    let mut fragments = Vec::with_capacity(stub.len() / chunk_len + 1);
    let mut rest = stub;
    loop {
        let (chunk, after) = rest
            .split_at_checked(chunk_len.min(rest.len()))
            .unwrap_or((rest, &[]));
        let mut pfc_flags = base_flags;
        if rest.len() == stub.len() {
            pfc_flags = pfc_flags.with(PfcFlags::FIRST_FRAG);
        }
        if after.is_empty() {
            pfc_flags = pfc_flags.with(PfcFlags::LAST_FRAG);
        }
        // MS-RPCE 2.2.2.6: the stub bytes remaining from this fragment on.
        let alloc_hint = u32::try_from(rest.len()).unwrap_or(u32::MAX);
        let packet = Packet {
            call_id,
            pfc_flags,
            pdu: call.pdu(alloc_hint, chunk.to_vec()),
            auth: None,
        };
        let bytes = match security.as_mut() {
            Some((settings, protection)) => {
                build_protected_fragment(&packet, settings, &mut **protection)?
            }
            None => packet.to_bytes()?,
        };
        fragments.push(bytes);
        if after.is_empty() {
            return Ok(fragments);
        }
        rest = after;
    }
}

/// A reassembled request or response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub call_id: u32,
    pub call: CallHeader,
    /// The flags of the first fragment (FIRST_FRAG and LAST_FRAG aside, they describe the call).
    pub pfc_flags: PfcFlags,
    pub stub: Vec<u8>,
}

/// Sans-I/O reassembly of one call at a time: feed it decoded fragments (already opened if protected) and
/// it yields the message once the LAST_FRAG fragment arrives. Any inconsistency is an error naming the PDU
/// and the field, after which the partial message is dropped.
#[derive(Clone, Debug)]
pub struct Reassembler {
    max_message_len: usize,
    expected_call_id: Option<u32>,
    current: Option<Message>,
}

impl Reassembler {
    /// Accepts any call; the stub of one message may not exceed `max_message_len` bytes.
    pub fn new(max_message_len: usize) -> Self {
        Self {
            max_message_len,
            expected_call_id: None,
            current: None,
        }
    }

    /// Accepts only fragments of `call_id` (a client awaiting the response to its request).
    pub fn for_call(call_id: u32, max_message_len: usize) -> Self {
        Self {
            expected_call_id: Some(call_id),
            ..Self::new(max_message_len)
        }
    }

    /// Whether no message is partly received.
    pub fn is_idle(&self) -> bool {
        self.current.is_none()
    }

    /// Adds one fragment; returns the whole message when this fragment was its last.
    pub fn push(&mut self, packet: Packet) -> Result<Option<Message>, DecodeError> {
        let result = self.accept(packet);
        if result.is_err() {
            self.current = None;
        }
        result
    }

    fn accept(&mut self, packet: Packet) -> Result<Option<Message>, DecodeError> {
        let ptype = packet.pdu.ptype();
        let context = ptype.name();
        let error = |field, offset, why| {
            DecodeError::new(context, field, offset, DecodeErrorKind::Invalid(why))
        };
        let (call, stub) = match packet.pdu {
            Pdu::Request(r) => (
                CallHeader::Request {
                    context_id: r.context_id,
                    opnum: r.opnum,
                    object: r.object,
                },
                r.stub,
            ),
            Pdu::Response(r) => (
                CallHeader::Response {
                    context_id: r.context_id,
                    cancel_count: r.cancel_count,
                },
                r.stub,
            ),
            _ => {
                return Err(error(
                    "ptype",
                    OFFSET_PTYPE,
                    "only request and response PDUs are reassembled",
                ));
            }
        };
        if self
            .expected_call_id
            .is_some_and(|expected| expected != packet.call_id)
        {
            return Err(error(
                "call_id",
                OFFSET_CALL_ID,
                "not the call being awaited",
            ));
        }
        let flags = packet.pfc_flags;
        let message = match self.current.as_mut() {
            None => {
                if !flags.is_first() {
                    return Err(error(
                        "pfc_flags",
                        OFFSET_PFC_FLAGS,
                        "a call must start with PFC_FIRST_FRAG",
                    ));
                }
                self.current.insert(Message {
                    call_id: packet.call_id,
                    call,
                    pfc_flags: flags,
                    stub: Vec::new(),
                })
            }
            Some(current) => {
                if packet.call_id != current.call_id {
                    return Err(error(
                        "call_id",
                        OFFSET_CALL_ID,
                        "differs from the call being reassembled",
                    ));
                }
                if flags.is_first() {
                    return Err(error(
                        "pfc_flags",
                        OFFSET_PFC_FLAGS,
                        "PFC_FIRST_FRAG in the middle of a call",
                    ));
                }
                check_same_call(&current.call, &call, context)?;
                current
            }
        };
        let total = message.stub.len().saturating_add(stub.len());
        if total > self.max_message_len {
            return Err(DecodeError::new(
                context,
                "stub",
                HEADER_LEN,
                DecodeErrorKind::Limit {
                    limit: "max_message_len",
                    value: total as u64,
                    max: self.max_message_len as u64,
                },
            ));
        }
        message.stub.extend_from_slice(&stub);
        if flags.is_last() {
            Ok(self.current.take())
        } else {
            Ok(None)
        }
    }
}

/// The fields every fragment of a call repeats must not change (C706 12.6.3.7).
fn check_same_call(
    first: &CallHeader,
    next: &CallHeader,
    context: &'static str,
) -> Result<(), DecodeError> {
    let error = |field, offset, why| {
        DecodeError::new(context, field, offset, DecodeErrorKind::Invalid(why))
    };
    match (first, next) {
        (
            CallHeader::Request {
                context_id: c1,
                opnum: o1,
                object: u1,
            },
            CallHeader::Request {
                context_id: c2,
                opnum: o2,
                object: u2,
            },
        ) => {
            if c1 != c2 {
                Err(error(
                    "p_cont_id",
                    OFFSET_P_CONT_ID,
                    "differs from the first fragment",
                ))
            } else if o1 != o2 {
                Err(error(
                    "opnum",
                    OFFSET_OPNUM,
                    "differs from the first fragment",
                ))
            } else if u1 != u2 {
                Err(error(
                    "object",
                    OFFSET_OBJECT,
                    "differs from the first fragment",
                ))
            } else {
                Ok(())
            }
        }
        (
            CallHeader::Response { context_id: c1, .. },
            CallHeader::Response { context_id: c2, .. },
        ) => {
            if c1 != c2 {
                Err(error(
                    "p_cont_id",
                    OFFSET_P_CONT_ID,
                    "differs from the first fragment",
                ))
            } else {
                Ok(())
            }
        }
        _ => Err(error(
            "ptype",
            OFFSET_PTYPE,
            "differs from the first fragment",
        )),
    }
}
