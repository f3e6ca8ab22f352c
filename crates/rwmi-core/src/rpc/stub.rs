//! What every call stub has in common, whatever its interface: a request or response is a list of
//! top-level parameters, each encoded as a whole (inline part, then its deferred referents) in IDL order
//! (C706 14.3.12.3); a response ends with the method's return value (an HRESULT or error_status_t).
//!
//! A request knows its interface, its opnum and the stub that answers it ([`Call`]), so the client has
//! one typed call path and the emulator dispatches on the same constants. The client encodes requests
//! and decodes responses; the emulator decodes requests and encodes responses, with the same code.
//!
//! Which parameters come first is the interface's matter: an ORPC method (DCOM) starts with the implicit
//! ORPCTHIS or ORPCTHAT (MS-DCOM 2.2.13.3, 2.2.13.4, see `dcom::orpc`); a native RPC interface such as
//! IObjectExporter or the endpoint mapper has none.

use crate::codec::DecodeResult;
use crate::ndr::{NdrReader, NdrWriter, end_of_stub};
use crate::rpc::bind::SyntaxId;

/// The stub data of one request or response.
pub trait Stub: Sized {
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
        end_of_stub(&mut r)?;
        Ok(value)
    }
}

/// A request stub, tied to the method it calls and the stub that answers it.
pub trait Call: Stub {
    /// The interface the request goes over: the presentation context it is sent on is bound to it.
    const INTERFACE: SyntaxId;
    /// The method's operation number (for an ORPC interface, 0–2 are IUnknown's).
    const OPNUM: u16;
    type Response: Stub;
}

/// Declares a stub whose parameters are all encoded as top-level parameters in field order, with its
/// [`Stub`] implementation (and, in tests, a proptest strategy built from the fields' strategies).
macro_rules! stub {
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

        impl $crate::rpc::stub::Stub for $name {
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
        impl $crate::test_support::Arb for $name {
            fn arb() -> proptest::strategy::BoxedStrategy<Self> {
                use proptest::strategy::Strategy;
                ( $( <$ty as $crate::test_support::Arb>::arb(), )+ )
                    .prop_map(|( $($field,)+ )| $name { $($field),+ })
                    .boxed()
            }
        }
    };
}

/// Ties a request stub to its interface, opnum and response stub.
macro_rules! call {
    ($request:ident => $response:ident, $interface:expr, $opnum:literal) => {
        impl $crate::rpc::stub::Call for $request {
            const INTERFACE: $crate::rpc::bind::SyntaxId = $interface;
            const OPNUM: u16 = $opnum;
            type Response = $response;
        }
    };
}

pub(crate) use {call, stub};
