//! What every MS-WMI stub has in common: a request or response is a list of top-level parameters, each
//! encoded as a whole (inline part, then its deferred referents) in IDL order (C706 14.3.12.3), starting
//! with the implicit ORPCTHIS or ORPCTHAT (MS-DCOM 2.2.13.3, 2.2.13.4) and, for a response, ending with the
//! HRESULT return value.
//!
//! The client encodes requests and decodes responses; the emulator decodes requests and encodes responses,
//! with the same code.

use crate::codec::DecodeResult;
use crate::dcom::MInterfacePointer;
use crate::ndr::{NdrReader, NdrWriter, Unique};
use crate::rpc::bind::SyntaxId;

/// `[in] IFoo*` and `[out] IFoo**`: an interface pointer, which NDR carries like a unique pointer to an
/// `MInterfacePointer` (MS-DCOM 2.2.14): a referent id, 0 for NULL, then the blob.
pub type InterfacePtr = Unique<MInterfacePointer>;

/// `[in, out, unique] IFoo**` (MS-WMI 3.1.4.3): a unique pointer to an interface pointer. A caller that
/// wants the result passes a non-null outer pointer to a NULL interface pointer; one that does not want it
/// passes a NULL outer pointer, and the server must then not return one.
pub type InOutInterfacePtr = Unique<InterfacePtr>;

/// The stub data of one request or response.
pub trait WmiStub: Sized {
    /// Names the stub in decode errors (`"IWbemServices::ExecQuery request"`).
    const CONTEXT: &'static str;

    /// Writes every parameter, in IDL order, into a writer that holds only this stub.
    fn encode(&self, w: &mut NdrWriter);

    /// Reads every parameter, in IDL order.
    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self>;

    /// The stub data as it goes into a request or response PDU.
    fn to_stub(&self) -> Vec<u8> {
        let mut w = NdrWriter::new();
        self.encode(&mut w);
        w.into_vec()
    }

    /// Decodes a whole stub, refusing anything after the last parameter but alignment padding (the PDU
    /// layer may leave up to 7 zero octets when the sender padded the stub for the verifier).
    fn from_stub(stub: &[u8]) -> DecodeResult<Self> {
        let mut r = NdrReader::new(Self::CONTEXT, stub);
        let value = Self::decode(&mut r)?;
        if r.remaining() >= 8 || r.raw().rest().iter().any(|b| *b != 0) {
            return Err(r.invalid("trailing data", "octets left over after the last parameter"));
        }
        Ok(value)
    }
}

/// A request stub, tied to the method it calls and the stub that answers it.
pub trait WmiCall: WmiStub {
    /// The interface the method belongs to; a request goes over a presentation context bound to it.
    const INTERFACE: SyntaxId;
    /// The method's operation number (MS-WMI 3.1.4; 0–2 are IUnknown's).
    const OPNUM: u16;
    type Response: WmiStub;
}

/// Declares a stub whose parameters are all encoded as top-level parameters in field order, with its
/// [`WmiStub`] implementation (and, in tests, a proptest strategy built from the fields' strategies).
macro_rules! wmi_stub {
    (
        $(#[$meta:meta])*
        pub struct $name:ident($context:literal) {
            $( $(#[$fmeta:meta])* pub $field:ident: $ty:ty, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )+
        }

        impl $crate::wmi::stub::WmiStub for $name {
            const CONTEXT: &'static str = $context;
            fn encode(&self, w: &mut $crate::ndr::NdrWriter) {
                $( $crate::ndr::encode_top(w, &self.$field); )+
            }
            fn decode(
                r: &mut $crate::ndr::NdrReader<'_>,
            ) -> $crate::codec::DecodeResult<Self> {
                Ok($name {
                    $( $field: $crate::ndr::decode_top(r)?, )+
                })
            }
        }

        #[cfg(test)]
        impl $crate::wmi::test_support::Arb for $name {
            fn arb() -> proptest::strategy::BoxedStrategy<Self> {
                use proptest::strategy::Strategy;
                ( $( <$ty as $crate::wmi::test_support::Arb>::arb(), )+ )
                    .prop_map(|( $($field,)+ )| $name { $($field),+ })
                    .boxed()
            }
        }
    };
}

/// Ties a request stub to its interface, opnum and response stub.
macro_rules! wmi_call {
    ($request:ident => $response:ident, $interface:expr, $opnum:literal) => {
        impl $crate::wmi::stub::WmiCall for $request {
            const INTERFACE: $crate::rpc::bind::SyntaxId = $interface;
            const OPNUM: u16 = $opnum;
            type Response = $response;
        }
    };
}

pub(crate) use {wmi_call, wmi_stub};
