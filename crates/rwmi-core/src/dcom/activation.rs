//! Activation (MS-DCOM 2.2.22, 3.1.2.5.2.3): the properties BLOB a client sends to
//! IRemoteSCMActivator::RemoteCreateInstance and the one it gets back, with builders for both.
//!
//! [`ActivationRequest`] and [`ActivationReply`] are what the client and the emulator work with;
//! [`ActivationBlob`] is the container with its size bookkeeping and [`properties`] the individual
//! structures.

mod blob;
pub mod properties;

pub use blob::{
    ActivationBlob, MAX_ACTPROP_LIMIT, MIN_ACTPROP_LIMIT, MSHCTX_DIFFERENTMACHINE,
    SerializedProperty,
};
pub use properties::{
    ActivationContextInfoData, ActivationProperty, InstantiationInfoData, InterfaceResult,
    LocationInfoData, PropsOutInfo, ScmReplyInfoData, ScmRequestInfoData, SecurityInfoData,
    SpecialPropertiesData,
};

use super::orpc::{ComVersion, MInterfacePointer};
use super::string_array::{DualStringArray, TOWER_ID_NCACN_IP_TCP};
use crate::codec::{DecodeError, DecodeErrorKind, DecodeResult};
use crate::guid::Guid;

/// InstantiationInfoData.actvflags bits (MS-DCOM 2.2.22.2.1).
pub const ACTVFLAGS_DISABLE_AAA: u32 = 0x0000_0002;
pub const ACTVFLAGS_ACTIVATE_32_BIT_SERVER: u32 = 0x0000_0004;
pub const ACTVFLAGS_ACTIVATE_64_BIT_SERVER: u32 = 0x0000_0008;
pub const ACTVFLAGS_NO_FAILURE_LOG: u32 = 0x0000_0020;

/// SpecialPropertiesData.dwFlags (MS-DCOM 2.2.22.2.2).
pub const SPD_FLAG_USE_CONSOLE_SESSION: u32 = 0x0000_0001;

/// RPC_C_IMP_LEVEL_IMPERSONATE (MS-RPCE 2.2.1.1.9), for callers that set ClientImpLevel.
pub const RPC_C_IMP_LEVEL_IMPERSONATE: u32 = 3;

/// Looks up a property by CLSID and deserializes it, if present.
fn optional<P: ActivationProperty>(blob: &ActivationBlob) -> DecodeResult<Option<P>> {
    blob.property(P::CLSID).map(P::deserialize).transpose()
}

/// Looks up a property the spec requires.
fn required<P: ActivationProperty>(blob: &ActivationBlob) -> DecodeResult<P> {
    optional::<P>(blob)?.ok_or_else(|| {
        DecodeError::new(
            "activation properties BLOB",
            P::NAME,
            0,
            DecodeErrorKind::Invalid("a required activation property is missing"),
        )
    })
}

fn property<P: ActivationProperty>(value: &P) -> SerializedProperty {
    SerializedProperty {
        clsid: P::CLSID,
        bytes: value.serialize(),
    }
}

/// What a client asks RemoteCreateInstance for (the pActProperties BLOB, MS-DCOM 3.1.2.5.2.3.3).
///
/// [`ActivationRequest::new`] gives the property set and values that Impacket sends and Windows accepts:
/// InstantiationInfoData, ActivationContextInfoData (no contexts), LocationInfoData (all NULL/zero) and
/// ScmRequestInfoData (ncacn_ip_tcp only), with destCtx 2, classCtx 0, actvflags 0 and ClientImpLevel 0.
/// SecurityInfoData and SpecialPropertiesData are added only when asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationRequest {
    pub clsid: Guid,
    pub iids: Vec<Guid>,
    /// InstantiationInfoData.clientCOMVersion.
    pub client_version: ComVersion,
    /// When set, a SecurityInfoData whose COSERVERINFO names this server is sent.
    pub server_name: Option<String>,
    pub class_ctx: u32,
    pub actv_flags: u32,
    pub client_imp_level: u32,
    pub requested_protseqs: Vec<u16>,
    /// CustomHeader.destCtx.
    pub dest_ctx: u32,
    pub special_properties: Option<SpecialPropertiesData>,
}

impl ActivationRequest {
    pub fn new(clsid: Guid, iids: Vec<Guid>) -> Self {
        ActivationRequest {
            clsid,
            iids,
            client_version: ComVersion::CURRENT,
            server_name: None,
            class_ctx: 0,
            actv_flags: 0,
            client_imp_level: 0,
            requested_protseqs: vec![TOWER_ID_NCACN_IP_TCP],
            dest_ctx: MSHCTX_DIFFERENTMACHINE,
            special_properties: None,
        }
    }

    pub fn to_activation_blob(&self) -> ActivationBlob {
        let mut properties = vec![
            property(&InstantiationInfoData {
                class_id: self.clsid,
                class_ctx: self.class_ctx,
                actv_flags: self.actv_flags,
                iids: self.iids.clone(),
                client_version: self.client_version,
            }),
            property(&ActivationContextInfoData::default()),
            property(&LocationInfoData::default()),
            property(&ScmRequestInfoData {
                client_imp_level: self.client_imp_level,
                requested_protseqs: self.requested_protseqs.clone(),
            }),
        ];
        if let Some(name) = &self.server_name {
            properties.push(property(&SecurityInfoData {
                authn_flags: 0,
                server_info: Some(Some(name.clone())),
            }));
        }
        if let Some(special) = &self.special_properties {
            properties.push(property(special));
        }
        ActivationBlob {
            dest_ctx: self.dest_ctx,
            properties,
        }
    }

    /// The BLOB bytes that go into the OBJREF_CUSTOM's pObjectData.
    pub fn to_blob(&self) -> Vec<u8> {
        self.to_activation_blob().encode()
    }

    /// Decodes a request BLOB (the emulator's side). Properties it does not know are ignored, as
    /// MS-DCOM 3.1.2.5.2.3.3 says servers should; InstantiationInfoData and ScmRequestInfoData are
    /// required.
    pub fn from_blob(bytes: &[u8]) -> DecodeResult<Self> {
        let blob = ActivationBlob::decode(bytes)?;
        let instantiation: InstantiationInfoData = required(&blob)?;
        let scm: ScmRequestInfoData = required(&blob)?;
        let security: Option<SecurityInfoData> = optional(&blob)?;
        Ok(ActivationRequest {
            clsid: instantiation.class_id,
            iids: instantiation.iids,
            client_version: instantiation.client_version,
            server_name: security.and_then(|s| s.server_info.flatten()),
            class_ctx: instantiation.class_ctx,
            actv_flags: instantiation.actv_flags,
            client_imp_level: scm.client_imp_level,
            requested_protseqs: scm.requested_protseqs,
            dest_ctx: blob.dest_ctx,
            special_properties: optional(&blob)?,
        })
    }
}

/// What RemoteCreateInstance returns (the ppActProperties BLOB): where the object exporter is and the
/// interfaces asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActivationReply {
    pub oxid: u64,
    pub oxid_bindings: DualStringArray,
    pub ipid_rem_unknown: Guid,
    pub authn_hint: u32,
    pub server_version: ComVersion,
    pub interfaces: Vec<InterfaceResult>,
}

impl ActivationReply {
    /// PropsOutInfo first, then ScmReplyInfoData: the order Windows answers in.
    pub fn to_activation_blob(&self) -> ActivationBlob {
        ActivationBlob {
            dest_ctx: MSHCTX_DIFFERENTMACHINE,
            properties: vec![
                property(&PropsOutInfo {
                    interfaces: self.interfaces.clone(),
                }),
                property(&ScmReplyInfoData {
                    oxid: self.oxid,
                    oxid_bindings: self.oxid_bindings.clone(),
                    ipid_rem_unknown: self.ipid_rem_unknown,
                    authn_hint: self.authn_hint,
                    server_version: self.server_version,
                }),
            ],
        }
    }

    pub fn to_blob(&self) -> Vec<u8> {
        self.to_activation_blob().encode()
    }

    /// Decodes a reply BLOB in any property order; both properties are required (MS-DCOM
    /// 3.1.2.5.2.3.3) and others are ignored.
    pub fn from_blob(bytes: &[u8]) -> DecodeResult<Self> {
        let blob = ActivationBlob::decode(bytes)?;
        let props: PropsOutInfo = required(&blob)?;
        let scm: ScmReplyInfoData = required(&blob)?;
        Ok(ActivationReply {
            oxid: scm.oxid,
            oxid_bindings: scm.oxid_bindings,
            ipid_rem_unknown: scm.ipid_rem_unknown,
            authn_hint: scm.authn_hint,
            server_version: scm.server_version,
            interfaces: props.interfaces,
        })
    }

    /// The OBJREF of the interface `iid`, when the server returned one.
    pub fn interface(&self, iid: Guid) -> Option<&MInterfacePointer> {
        self.interfaces
            .iter()
            .find(|i| i.iid == iid)
            .and_then(|i| i.pointer.as_ref())
    }
}

#[cfg(test)]
mod tests;
