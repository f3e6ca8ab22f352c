//! IRemoteSCMActivator::RemoteCreateInstance (MS-DCOM 3.1.2.5.2.3.3, opnum 4).
//!
//! ```text
//! HRESULT RemoteCreateInstance([in] handle_t rpc, [in] ORPCTHIS* orpcthis, [out] ORPCTHAT* orpcthat,
//!     [in, unique] MInterfacePointer* pUnkOuter, [in, unique] MInterfacePointer* pActProperties,
//!     [out] MInterfacePointer** ppActProperties);
//! ```

use crate::codec::{DecodeError, DecodeErrorKind, DecodeResult};
use crate::dcom::activation::{ActivationReply, ActivationRequest};
use crate::dcom::ids::{
    CLSID_ACTIVATION_PROPERTIES_IN, CLSID_ACTIVATION_PROPERTIES_OUT, IID_IACTIVATION_PROPERTIES_IN,
    IID_IACTIVATION_PROPERTIES_OUT, IREMOTE_SCM_ACTIVATOR_SYNTAX,
};
use crate::dcom::objref::{ObjRef, ObjRefBody, ObjRefCustom};
use crate::dcom::orpc::{MInterfacePointer, OrpcThat, OrpcThis};
use crate::guid::Guid;
use crate::ndr::{NdrReader, NdrWriter, Unique, decode_top, encode_top};
use crate::rpc::stub::{Stub, call};

/// ORPCTHIS.flags value Impacket sends in activation calls (ORPCF_LOCAL); MS-DCOM 2.2.13.3 lets an
/// activation request carry any value and the server ignore it.
pub const ORPCF_LOCAL: u32 = 0x0000_0001;

/// Wraps an activation BLOB in the OBJREF_CUSTOM that carries it (MS-DCOM 3.1.2.5.2.3.3).
fn wrap(iid: Guid, clsid: Guid, blob: Vec<u8>) -> MInterfacePointer {
    ObjRef {
        iid,
        body: ObjRefBody::Custom(ObjRefCustom::new(clsid, blob)),
    }
    .to_interface_pointer()
}

/// Extracts the activation BLOB from an OBJREF_CUSTOM, checking the unmarshaler CLSID.
fn unwrap(
    pointer: Option<&MInterfacePointer>,
    clsid: Guid,
    field: &'static str,
) -> DecodeResult<Vec<u8>> {
    let refused = |why| DecodeError::new("OBJREF", field, 0, DecodeErrorKind::Invalid(why));
    let pointer = pointer.ok_or_else(|| refused("the activation properties pointer is NULL"))?;
    match ObjRef::from_interface_pointer(pointer)?.body {
        ObjRefBody::Custom(custom) if custom.clsid == clsid => Ok(custom.object_data),
        ObjRefBody::Custom(_) => Err(refused("OBJREF_CUSTOM has the wrong unmarshaler CLSID")),
        _ => Err(refused("activation properties are not an OBJREF_CUSTOM")),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemoteCreateInstanceRequest {
    pub orpc_this: OrpcThis,
    /// pUnkOuter: MUST be NULL.
    pub unk_outer: Option<MInterfacePointer>,
    /// pActProperties: an OBJREF_CUSTOM (CLSID_ActivationPropertiesIn) around the activation BLOB.
    pub act_properties: Option<MInterfacePointer>,
}

impl RemoteCreateInstanceRequest {
    /// A request for `activation`, with causality id `cid`, COM version 5.7 and ORPCF_LOCAL.
    pub fn new(cid: Guid, activation: &ActivationRequest) -> Self {
        let mut orpc_this = OrpcThis::new(cid);
        orpc_this.flags = ORPCF_LOCAL;
        RemoteCreateInstanceRequest {
            orpc_this,
            unk_outer: None,
            act_properties: Some(wrap(
                IID_IACTIVATION_PROPERTIES_IN,
                CLSID_ACTIVATION_PROPERTIES_IN,
                activation.to_blob(),
            )),
        }
    }

    /// The activation properties the client sent (the emulator's side).
    pub fn activation_request(&self) -> DecodeResult<ActivationRequest> {
        let blob = unwrap(
            self.act_properties.as_ref(),
            CLSID_ACTIVATION_PROPERTIES_IN,
            "pActProperties",
        )?;
        ActivationRequest::from_blob(&blob)
    }
}

impl Stub for RemoteCreateInstanceRequest {
    const CONTEXT: &'static str = "RemoteCreateInstance request";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &self.orpc_this);
        encode_top(w, &Unique(self.unk_outer.clone()));
        encode_top(w, &Unique(self.act_properties.clone()));
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(RemoteCreateInstanceRequest {
            orpc_this: decode_top(r)?,
            unk_outer: decode_top::<Unique<MInterfacePointer>>(r)?.into_inner(),
            act_properties: decode_top::<Unique<MInterfacePointer>>(r)?.into_inner(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RemoteCreateInstanceResponse {
    pub orpc_that: OrpcThat,
    /// ppActProperties: an OBJREF_CUSTOM (CLSID_ActivationPropertiesOut) around the reply BLOB; NULL
    /// when the activation failed.
    pub act_properties: Option<MInterfacePointer>,
    pub hresult: u32,
}

impl RemoteCreateInstanceResponse {
    /// A successful response carrying `reply`.
    pub fn new(reply: &ActivationReply) -> Self {
        RemoteCreateInstanceResponse {
            orpc_that: OrpcThat::default(),
            act_properties: Some(wrap(
                IID_IACTIVATION_PROPERTIES_OUT,
                CLSID_ACTIVATION_PROPERTIES_OUT,
                reply.to_blob(),
            )),
            hresult: 0,
        }
    }

    /// A failed activation: no properties, the error in the return value.
    pub fn failure(hresult: u32) -> Self {
        RemoteCreateInstanceResponse {
            orpc_that: OrpcThat::default(),
            act_properties: None,
            hresult,
        }
    }

    /// The activation reply (the client's side). Check `hresult` first.
    pub fn activation_reply(&self) -> DecodeResult<ActivationReply> {
        let blob = unwrap(
            self.act_properties.as_ref(),
            CLSID_ACTIVATION_PROPERTIES_OUT,
            "ppActProperties",
        )?;
        ActivationReply::from_blob(&blob)
    }
}

impl Stub for RemoteCreateInstanceResponse {
    const CONTEXT: &'static str = "RemoteCreateInstance response";

    fn encode(&self, w: &mut NdrWriter) {
        encode_top(w, &self.orpc_that);
        encode_top(w, &Unique(self.act_properties.clone()));
        w.u32(self.hresult);
    }

    fn decode(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        Ok(RemoteCreateInstanceResponse {
            orpc_that: decode_top(r)?,
            act_properties: decode_top::<Unique<MInterfacePointer>>(r)?.into_inner(),
            hresult: r.u32("HRESULT")?,
        })
    }
}

call!(
    RemoteCreateInstanceRequest => RemoteCreateInstanceResponse,
    IREMOTE_SCM_ACTIVATOR_SYNTAX,
    4
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dcom::activation::InterfaceResult;
    use crate::dcom::orpc::ComVersion;
    use crate::dcom::string_array::{DualStringArray, StringBinding};
    use crate::rpc::stub::Call;
    use crate::status::hresult;
    use proptest::prelude::*;

    const CLSID_WBEM_LEVEL1_LOGIN: Guid =
        Guid::from_literal("8bc3f05e-d86b-11d0-a075-00c04fb68820");
    const IID_IWBEM_LEVEL1_LOGIN: Guid = Guid::from_literal("f309ad18-d86a-11d0-a075-00c04fb68820");

    fn le32(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    #[test]
    fn wbem_login_request_layout() {
        let cid = Guid::from_u128(0x0102);
        let activation =
            ActivationRequest::new(CLSID_WBEM_LEVEL1_LOGIN, vec![IID_IWBEM_LEVEL1_LOGIN]);
        let request = RemoteCreateInstanceRequest::new(cid, &activation);
        let stub = request.to_stub();
        // ORPCTHIS: version 5.7, flags ORPCF_LOCAL, reserved, cid, NULL extensions.
        assert_eq!(&stub[..8], &[5, 0, 7, 0, 1, 0, 0, 0]);
        assert_eq!(&stub[12..28], &cid.to_bytes_le());
        assert_eq!(le32(&stub, 28), 0, "extensions");
        assert_eq!(le32(&stub, 32), 0, "pUnkOuter is NULL");
        assert_eq!(le32(&stub, 36), 0x0002_0000, "pActProperties referent id");
        // MInterfacePointer: 24-octet OBJREF header, 24-octet OBJREF_CUSTOM header, 368-octet BLOB.
        let objref_len = 24 + 24 + 8 + 360;
        assert_eq!(le32(&stub, 40), objref_len, "max_count");
        assert_eq!(le32(&stub, 44), objref_len, "ulCntData");
        assert_eq!(&stub[48..52], b"MEOW");
        assert_eq!(le32(&stub, 52), 4, "OBJREF_CUSTOM");
        assert_eq!(&stub[56..72], &IID_IACTIVATION_PROPERTIES_IN.to_bytes_le());
        assert_eq!(&stub[72..88], &CLSID_ACTIVATION_PROPERTIES_IN.to_bytes_le());
        assert_eq!(le32(&stub, 88), 0, "cbExtension");
        assert_eq!(
            le32(&stub, 92),
            368 + 8,
            "reserved size, as Impacket sends it"
        );
        assert_eq!(le32(&stub, 96), 360, "dwSize");
        assert_eq!(stub.len(), 48 + objref_len as usize);
        let decoded = RemoteCreateInstanceRequest::from_stub(&stub).unwrap();
        assert_eq!(decoded, request);
        assert_eq!(decoded.activation_request().unwrap(), activation);
    }

    #[test]
    fn response_round_trips_and_unwraps() {
        let reply = ActivationReply {
            oxid: 7,
            oxid_bindings: DualStringArray {
                string_bindings: vec![StringBinding::tcp("h[1]")],
                security_bindings: vec![],
            },
            ipid_rem_unknown: Guid::from_u128(3),
            authn_hint: 2,
            server_version: ComVersion::CURRENT,
            interfaces: vec![InterfaceResult {
                iid: IID_IWBEM_LEVEL1_LOGIN,
                hresult: 0,
                pointer: Some(MInterfacePointer { data: vec![1; 9] }),
            }],
        };
        let response = RemoteCreateInstanceResponse::new(&reply);
        let stub = response.to_stub();
        let decoded = RemoteCreateInstanceResponse::from_stub(&stub).unwrap();
        assert_eq!(decoded, response);
        assert_eq!(decoded.activation_reply().unwrap(), reply);

        let failed = RemoteCreateInstanceResponse::failure(hresult::E_ACCESSDENIED);
        let stub = failed.to_stub();
        assert_eq!(
            stub,
            [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05, 0, 0x07, 0x80]
        );
        let decoded = RemoteCreateInstanceResponse::from_stub(&stub).unwrap();
        assert_eq!(decoded, failed);
        assert!(decoded.activation_reply().is_err());
    }

    #[test]
    fn wrong_unmarshaler_is_refused() {
        let activation = ActivationRequest::new(Guid::from_u128(1), vec![Guid::from_u128(2)]);
        let mut request = RemoteCreateInstanceRequest::new(Guid::NIL, &activation);
        request.act_properties = Some(wrap(
            IID_IACTIVATION_PROPERTIES_IN,
            CLSID_ACTIVATION_PROPERTIES_OUT,
            activation.to_blob(),
        ));
        assert_eq!(
            request.activation_request().unwrap_err().field,
            "pActProperties"
        );
        let stub = RemoteCreateInstanceRequest::new(Guid::NIL, &activation).to_stub();
        for n in 0..stub.len() {
            assert!(RemoteCreateInstanceRequest::from_stub(&stub[..n]).is_err());
        }
        let mut trailing = stub.clone();
        trailing.extend_from_slice(&[1; 8]);
        assert!(RemoteCreateInstanceRequest::from_stub(&trailing).is_err());
    }

    #[test]
    fn remote_create_instance_is_opnum_4_of_the_activator() {
        // MS-DCOM 3.1.2.5.2.3.3.
        assert_eq!(
            <RemoteCreateInstanceRequest as Call>::INTERFACE,
            IREMOTE_SCM_ACTIVATOR_SYNTAX
        );
        assert_eq!(<RemoteCreateInstanceRequest as Call>::OPNUM, 4);
    }

    proptest! {
        #[test]
        fn hostile_stubs_never_panic(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(request) = RemoteCreateInstanceRequest::from_stub(&data) {
                let _ = request.activation_request();
            }
            if let Ok(response) = RemoteCreateInstanceResponse::from_stub(&data) {
                let _ = response.activation_reply();
            }
        }
    }
}
