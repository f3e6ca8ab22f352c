//! The activation properties (MS-DCOM 2.2.22.2), each serialized on its own with type serialization
//! version 1 (MS-RPCE 2.2.6).
//!
//! Every property is a top-level serialized type, so its NDR body is written in one pass: the inline
//! members (pointers as referent ids), then the referents in member order, each referent followed at
//! once by its own referents (C706 14.3.12.3). Reserved members that the spec says to ignore on receipt
//! are written as zero and not kept.

use super::super::ids::{
    CLSID_ACTIVATION_CONTEXT_INFO, CLSID_INSTANTIATION_INFO, CLSID_PROPS_OUT_INFO,
    CLSID_SCM_REPLY_INFO, CLSID_SCM_REQUEST_INFO, CLSID_SECURITY_INFO, CLSID_SERVER_LOCATION_INFO,
    CLSID_SPECIAL_SYSTEM_PROPERTIES,
};
use super::super::orpc::{ComVersion, MInterfacePointer};
use super::super::pickle;
use super::super::string_array::DualStringArray;
use crate::codec::DecodeResult;
use crate::guid::Guid;
use crate::ndr::array::wire_count;
use crate::ndr::array::{read_conformance, read_elements, write_conformance, write_elements};
use crate::ndr::string::{read_wide_string, write_wide_string};
use crate::ndr::{ConformantArray, Ndr, NdrReader, NdrWriter, Unique, decode_top, encode_top};

/// MAX_REQUESTED_INTERFACES and MAX_REQUESTED_PROTSEQS (MS-DCOM 2.2.28.1).
pub const MAX_REQUESTED_INTERFACES: u32 = 0x8000;
pub const MAX_REQUESTED_PROTSEQS: u16 = 0x8000;

/// One activation property: its CLSID in CustomHeader.pclsid and its NDR body.
pub trait ActivationProperty: Sized {
    const CLSID: Guid;
    /// The structure name, for errors.
    const NAME: &'static str;
    /// Writes the whole NDR body (inline part, then referents).
    fn write_body(&self, w: &mut NdrWriter);
    /// Reads the whole NDR body.
    fn read_body(r: &mut NdrReader<'_>) -> DecodeResult<Self>;

    /// The type-serialized bytes (MS-RPCE 2.2.6), a multiple of 8 long.
    fn serialize(&self) -> Vec<u8> {
        pickle::serialize_with(|w| self.write_body(w))
    }

    fn deserialize(bytes: &[u8]) -> DecodeResult<Self> {
        pickle::deserialize_with(Self::NAME, bytes, |r| Self::read_body(r))
    }
}

/// A pointer's referent id: a fresh one when present, 0 when null.
fn write_pointer(w: &mut NdrWriter, present: bool) {
    let id = if present { w.next_referent_id() } else { 0 };
    w.u32(id);
}

/// Reads a unique pointer's referent id; true when not null.
fn read_pointer(r: &mut NdrReader<'_>, field: &'static str) -> DecodeResult<bool> {
    Ok(r.u32(field)? != 0)
}

/// Reads the referent of a `DWORD*` that the spec says to send as NULL, when a peer sent one anyway.
fn skip_reserved_dword(
    r: &mut NdrReader<'_>,
    present: bool,
    field: &'static str,
) -> DecodeResult<()> {
    if present {
        r.u32(field)?;
    }
    Ok(())
}

/// Reads a conformant array referent and checks its size against the count member that sizes it.
fn read_sized_array<T: Ndr>(
    r: &mut NdrReader<'_>,
    field: &'static str,
    count: u32,
) -> DecodeResult<Vec<T>> {
    let max_count = read_conformance(r, field)?;
    r.expect_count(field, u64::from(count), u64::from(max_count))?;
    read_elements(r, field, max_count)
}

fn write_array<T: Ndr>(w: &mut NdrWriter, items: &[T]) {
    write_conformance(w, wire_count(items.len()));
    write_elements(w, items);
}

/// Reads an MInterfacePointer referent.
fn read_interface_pointer(r: &mut NdrReader<'_>) -> DecodeResult<MInterfacePointer> {
    r.nested("MInterfacePointer", decode_top::<MInterfacePointer>)
}

/// MS-DCOM 2.2.22.2.1: the class to create and the interfaces wanted from it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InstantiationInfoData {
    pub class_id: Guid,
    /// classCtx: implementation-specific, ignored by servers.
    pub class_ctx: u32,
    /// actvflags (ACTVFLAGS_*).
    pub actv_flags: u32,
    /// The requested interfaces (1 to MAX_REQUESTED_INTERFACES of them).
    pub iids: Vec<Guid>,
    pub client_version: ComVersion,
}

impl InstantiationInfoData {
    fn write_with_size(&self, w: &mut NdrWriter, this_size: u32) {
        w.align(4);
        self.class_id.encode_inline(w);
        w.u32(self.class_ctx);
        w.u32(self.actv_flags);
        w.i32(0); // fIsSurrogate: FALSE
        w.u32(wire_count(self.iids.len()));
        w.u32(0); // instFlag
        write_pointer(w, true);
        w.u32(this_size);
        self.client_version.encode_inline(w);
        write_array(w, &self.iids);
    }
}

impl ActivationProperty for InstantiationInfoData {
    const CLSID: Guid = CLSID_INSTANTIATION_INFO;
    const NAME: &'static str = "InstantiationInfoData";

    /// thisSize is the size of the whole serialized property (MS-DCOM 2.2.22.2.1), which does not depend
    /// on thisSize itself, so the body is measured first.
    fn write_body(&self, w: &mut NdrWriter) {
        let measured = pickle::serialize_with(|m| self.write_with_size(m, 0)).len();
        self.write_with_size(w, wire_count(measured));
    }

    fn read_body(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        let class_id = Guid::decode_inline(r)?;
        let class_ctx = r.u32("InstantiationInfoData.classCtx")?;
        let actv_flags = r.u32("InstantiationInfoData.actvflags")?;
        let _is_surrogate = r.i32("InstantiationInfoData.fIsSurrogate")?;
        let count = r.u32("InstantiationInfoData.cIID")?;
        r.check_range(
            "InstantiationInfoData.cIID",
            u64::from(count),
            1,
            u64::from(MAX_REQUESTED_INTERFACES),
        )?;
        let _inst_flag = r.u32("InstantiationInfoData.instFlag")?;
        if !read_pointer(r, "InstantiationInfoData.pIID")? {
            return Err(r.invalid("InstantiationInfoData.pIID", "the IID array is NULL"));
        }
        let _this_size = r.u32("InstantiationInfoData.thisSize")?;
        let client_version = ComVersion::decode_inline(r)?;
        let iids = read_sized_array(r, "InstantiationInfoData.pIID", count)?;
        Ok(InstantiationInfoData {
            class_id,
            class_ctx,
            actv_flags,
            iids,
            client_version,
        })
    }
}

/// MS-DCOM 2.2.22.2.2: session and authentication details of an activation request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpecialPropertiesData {
    /// 0xFFFFFFFF: any logon session.
    pub session_id: u32,
    pub remote_this_session_id: i32,
    pub client_impersonating: i32,
    pub partition_id_present: i32,
    pub default_authn_level: u32,
    pub partition: Guid,
    pub prt_flags: u32,
    pub orig_clsctx: u32,
    /// SPD_FLAG_*.
    pub flags: u32,
}

/// The octets the first definition of SpecialPropertiesData has after `dwFlags` (Reserved1, padding to
/// the hyper, Reserved2, Reserved3[5]) when its buffer length leaves the final padding out.
const SPECIAL_PROPERTIES_TAIL: usize = 36;

impl ActivationProperty for SpecialPropertiesData {
    const CLSID: Guid = CLSID_SPECIAL_SYSTEM_PROPERTIES;
    const NAME: &'static str = "SpecialPropertiesData";

    /// Writes the first definition, which MS-DCOM 2.2.22.2.2 says clients SHOULD send.
    fn write_body(&self, w: &mut NdrWriter) {
        w.align(8);
        w.u32(self.session_id);
        w.i32(self.remote_this_session_id);
        w.i32(self.client_impersonating);
        w.i32(self.partition_id_present);
        w.u32(self.default_authn_level);
        self.partition.encode_inline(w);
        w.u32(self.prt_flags);
        w.u32(self.orig_clsctx);
        w.u32(self.flags);
        w.u32(0); // Reserved1
        w.u64(0); // Reserved2
        for _ in 0..5 {
            w.u32(0); // Reserved3
        }
    }

    /// Accepts both definitions (MS-DCOM 2.2.22.2.2: a server MUST): they share the first 48 octets
    /// and differ only in the reserved tail, which is told apart by its length.
    fn read_body(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(8)?;
        let value = SpecialPropertiesData {
            session_id: r.u32("SpecialPropertiesData.dwSessionId")?,
            remote_this_session_id: r.i32("SpecialPropertiesData.fRemoteThisSessionId")?,
            client_impersonating: r.i32("SpecialPropertiesData.fClientImpersonating")?,
            partition_id_present: r.i32("SpecialPropertiesData.fPartitionIDPresent")?,
            default_authn_level: r.u32("SpecialPropertiesData.dwDefaultAuthnLvl")?,
            partition: Guid::decode_inline(r)?,
            prt_flags: r.u32("SpecialPropertiesData.dwPRTFlags")?,
            orig_clsctx: r.u32("SpecialPropertiesData.dwOrigClsctx")?,
            flags: r.u32("SpecialPropertiesData.dwFlags")?,
        };
        if r.remaining() >= SPECIAL_PROPERTIES_TAIL {
            r.u32("SpecialPropertiesData.Reserved1")?;
            r.u64("SpecialPropertiesData.Reserved2")?;
            for _ in 0..5 {
                r.u32("SpecialPropertiesData.Reserved3")?;
            }
        } else {
            for _ in 0..8 {
                r.u32("SpecialPropertiesData_Alternate.Reserved3")?;
            }
        }
        Ok(value)
    }
}

/// MS-DCOM 2.2.22.2.5: the client and prototype contexts, as OBJREFs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ActivationContextInfoData {
    pub client_context: Option<MInterfacePointer>,
    pub prototype_context: Option<MInterfacePointer>,
}

impl ActivationProperty for ActivationContextInfoData {
    const CLSID: Guid = CLSID_ACTIVATION_CONTEXT_INFO;
    const NAME: &'static str = "ActivationContextInfoData";

    fn write_body(&self, w: &mut NdrWriter) {
        w.align(4);
        w.i32(0); // clientOK
        w.i32(0); // bReserved1
        w.u32(0); // dwReserved1
        w.u32(0); // dwReserved2
        write_pointer(w, self.client_context.is_some());
        write_pointer(w, self.prototype_context.is_some());
        for ctx in [&self.client_context, &self.prototype_context]
            .into_iter()
            .flatten()
        {
            encode_top(w, ctx);
        }
    }

    fn read_body(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        r.i32("ActivationContextInfoData.clientOK")?;
        r.i32("ActivationContextInfoData.bReserved1")?;
        r.u32("ActivationContextInfoData.dwReserved1")?;
        r.u32("ActivationContextInfoData.dwReserved2")?;
        let client = read_pointer(r, "ActivationContextInfoData.pIFDClientCtx")?;
        let prototype = read_pointer(r, "ActivationContextInfoData.pIFDPrototypeCtx")?;
        let client_context = client.then(|| read_interface_pointer(r)).transpose()?;
        let prototype_context = prototype.then(|| read_interface_pointer(r)).transpose()?;
        Ok(ActivationContextInfoData {
            client_context,
            prototype_context,
        })
    }
}

/// MS-DCOM 2.2.22.2.6: required in a request, ignored by the server; every member is NULL or zero.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocationInfoData {
    pub machine_name: Option<String>,
    pub process_id: u32,
    pub apartment_id: u32,
    pub context_id: u32,
}

impl ActivationProperty for LocationInfoData {
    const CLSID: Guid = CLSID_SERVER_LOCATION_INFO;
    const NAME: &'static str = "LocationInfoData";

    fn write_body(&self, w: &mut NdrWriter) {
        w.align(4);
        write_pointer(w, self.machine_name.is_some());
        w.u32(self.process_id);
        w.u32(self.apartment_id);
        w.u32(self.context_id);
        if let Some(name) = &self.machine_name {
            write_wide_string(w, name);
        }
    }

    fn read_body(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        let has_name = read_pointer(r, "LocationInfoData.machineName")?;
        let process_id = r.u32("LocationInfoData.processId")?;
        let apartment_id = r.u32("LocationInfoData.apartmentId")?;
        let context_id = r.u32("LocationInfoData.contextId")?;
        let machine_name = has_name
            .then(|| read_wide_string(r, "LocationInfoData.machineName"))
            .transpose()?;
        Ok(LocationInfoData {
            machine_name,
            process_id,
            apartment_id,
            context_id,
        })
    }
}

/// MS-DCOM 2.2.22.2.7 with the COSERVERINFO of 2.2.22.2.7.1: the server name the client asked for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityInfoData {
    pub authn_flags: u32,
    /// None: pServerInfo is NULL. Some(None): a COSERVERINFO whose pwszName is NULL.
    pub server_info: Option<Option<String>>,
}

impl ActivationProperty for SecurityInfoData {
    const CLSID: Guid = CLSID_SECURITY_INFO;
    const NAME: &'static str = "SecurityInfoData";

    fn write_body(&self, w: &mut NdrWriter) {
        w.align(4);
        w.u32(self.authn_flags);
        write_pointer(w, self.server_info.is_some());
        write_pointer(w, false); // pdwReserved
        if let Some(name) = &self.server_info {
            // COSERVERINFO
            w.u32(0); // dwReserved1
            write_pointer(w, name.is_some());
            write_pointer(w, false); // pdwReserved
            w.u32(0); // dwReserved2
            if let Some(name) = name {
                write_wide_string(w, name);
            }
        }
    }

    fn read_body(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        let authn_flags = r.u32("SecurityInfoData.dwAuthnFlags")?;
        let has_server_info = read_pointer(r, "SecurityInfoData.pServerInfo")?;
        let has_reserved = read_pointer(r, "SecurityInfoData.pdwReserved")?;
        let server_info = if has_server_info {
            r.u32("COSERVERINFO.dwReserved1")?;
            let has_name = read_pointer(r, "COSERVERINFO.pwszName")?;
            let has_inner_reserved = read_pointer(r, "COSERVERINFO.pdwReserved")?;
            r.u32("COSERVERINFO.dwReserved2")?;
            let name = has_name
                .then(|| read_wide_string(r, "COSERVERINFO.pwszName"))
                .transpose()?;
            skip_reserved_dword(r, has_inner_reserved, "COSERVERINFO.pdwReserved")?;
            Some(name)
        } else {
            None
        };
        skip_reserved_dword(r, has_reserved, "SecurityInfoData.pdwReserved")?;
        Ok(SecurityInfoData {
            authn_flags,
            server_info,
        })
    }
}

/// MS-DCOM 2.2.22.2.4 with the customREMOTE_REQUEST_SCM_INFO of 2.2.22.2.4.1.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScmRequestInfoData {
    /// ClientImpLevel: implementation-specific, ignored by servers.
    pub client_imp_level: u32,
    /// Protocol sequence identifiers the client supports (7 = ncacn_ip_tcp).
    pub requested_protseqs: Vec<u16>,
}

impl ActivationProperty for ScmRequestInfoData {
    const CLSID: Guid = CLSID_SCM_REQUEST_INFO;
    const NAME: &'static str = "ScmRequestInfoData";

    fn write_body(&self, w: &mut NdrWriter) {
        w.align(4);
        write_pointer(w, false); // pdwReserved
        write_pointer(w, true); // remoteRequest
        w.u32(self.client_imp_level);
        w.u16(u16::try_from(self.requested_protseqs.len()).unwrap_or(u16::MAX));
        write_pointer(w, !self.requested_protseqs.is_empty());
        if !self.requested_protseqs.is_empty() {
            write_array(w, &self.requested_protseqs);
        }
    }

    fn read_body(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        let has_reserved = read_pointer(r, "ScmRequestInfoData.pdwReserved")?;
        if !read_pointer(r, "ScmRequestInfoData.remoteRequest")? {
            return Err(r.invalid("ScmRequestInfoData.remoteRequest", "remoteRequest is NULL"));
        }
        skip_reserved_dword(r, has_reserved, "ScmRequestInfoData.pdwReserved")?;
        let client_imp_level = r.u32("customREMOTE_REQUEST_SCM_INFO.ClientImpLevel")?;
        let count = r.u16("customREMOTE_REQUEST_SCM_INFO.cRequestedProtseqs")?;
        r.check_range(
            "customREMOTE_REQUEST_SCM_INFO.cRequestedProtseqs",
            u64::from(count),
            0,
            u64::from(MAX_REQUESTED_PROTSEQS),
        )?;
        let has_protseqs = read_pointer(r, "customREMOTE_REQUEST_SCM_INFO.pRequestedProtseqs")?;
        let requested_protseqs = if has_protseqs {
            read_sized_array(
                r,
                "customREMOTE_REQUEST_SCM_INFO.pRequestedProtseqs",
                u32::from(count),
            )?
        } else if count == 0 {
            Vec::new()
        } else {
            return Err(r.invalid(
                "customREMOTE_REQUEST_SCM_INFO.pRequestedProtseqs",
                "protocol sequences are counted but the array is NULL",
            ));
        };
        Ok(ScmRequestInfoData {
            client_imp_level,
            requested_protseqs,
        })
    }
}

/// MS-DCOM 2.2.22.2.8 with the customREMOTE_REPLY_SCM_INFO of 2.2.22.2.8.1: where the object exporter is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ScmReplyInfoData {
    pub oxid: u64,
    /// The object exporter's bindings (IDL DUALSTRINGARRAY), endpoints included.
    pub oxid_bindings: DualStringArray,
    pub ipid_rem_unknown: Guid,
    /// The minimum authentication level the exporter accepts (MS-RPCE 2.2.1.1.8).
    pub authn_hint: u32,
    pub server_version: ComVersion,
}

impl ActivationProperty for ScmReplyInfoData {
    const CLSID: Guid = CLSID_SCM_REPLY_INFO;
    const NAME: &'static str = "ScmReplyInfoData";

    fn write_body(&self, w: &mut NdrWriter) {
        w.align(4);
        write_pointer(w, false); // pdwReserved
        write_pointer(w, true); // remoteReply
        w.u64(self.oxid);
        write_pointer(w, true); // pdsaOxidBindings
        self.ipid_rem_unknown.encode_inline(w);
        w.u32(self.authn_hint);
        self.server_version.encode_inline(w);
        encode_top(w, &self.oxid_bindings);
    }

    fn read_body(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        let has_reserved = read_pointer(r, "ScmReplyInfoData.pdwReserved")?;
        if !read_pointer(r, "ScmReplyInfoData.remoteReply")? {
            return Err(r.invalid("ScmReplyInfoData.remoteReply", "remoteReply is NULL"));
        }
        skip_reserved_dword(r, has_reserved, "ScmReplyInfoData.pdwReserved")?;
        let oxid = r.u64("customREMOTE_REPLY_SCM_INFO.Oxid")?;
        if !read_pointer(r, "customREMOTE_REPLY_SCM_INFO.pdsaOxidBindings")? {
            return Err(r.invalid(
                "customREMOTE_REPLY_SCM_INFO.pdsaOxidBindings",
                "the exporter bindings are NULL",
            ));
        }
        let ipid_rem_unknown = Guid::decode_inline(r)?;
        let authn_hint = r.u32("customREMOTE_REPLY_SCM_INFO.authnHint")?;
        let server_version = ComVersion::decode_inline(r)?;
        let oxid_bindings = r.nested("DUALSTRINGARRAY", decode_top::<DualStringArray>)?;
        Ok(ScmReplyInfoData {
            oxid,
            oxid_bindings,
            ipid_rem_unknown,
            authn_hint,
            server_version,
        })
    }
}

/// One entry of PropsOutInfo: an interface asked for, whether the object has it, and its OBJREF.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InterfaceResult {
    pub iid: Guid,
    /// 0 on success, a negative HRESULT otherwise (MS-DCOM 2.2.22.2.9).
    pub hresult: u32,
    /// Present exactly when `hresult` is 0.
    pub pointer: Option<MInterfacePointer>,
}

/// MS-DCOM 2.2.22.2.9: the interfaces returned by an activation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PropsOutInfo {
    pub interfaces: Vec<InterfaceResult>,
}

impl ActivationProperty for PropsOutInfo {
    const CLSID: Guid = CLSID_PROPS_OUT_INFO;
    const NAME: &'static str = "PropsOutInfo";

    fn write_body(&self, w: &mut NdrWriter) {
        w.align(4);
        w.u32(wire_count(self.interfaces.len()));
        for _ in 0..3 {
            write_pointer(w, true); // piid, phresults, ppIntfData
        }
        let iids: Vec<Guid> = self.interfaces.iter().map(|i| i.iid).collect();
        write_array(w, &iids);
        let hresults: Vec<u32> = self.interfaces.iter().map(|i| i.hresult).collect();
        write_array(w, &hresults);
        let pointers: Vec<Unique<MInterfacePointer>> = self
            .interfaces
            .iter()
            .map(|i| Unique(i.pointer.clone()))
            .collect();
        encode_top(w, &ConformantArray(pointers));
    }

    fn read_body(r: &mut NdrReader<'_>) -> DecodeResult<Self> {
        r.align(4)?;
        let count = r.u32("PropsOutInfo.cIfs")?;
        r.check_range(
            "PropsOutInfo.cIfs",
            u64::from(count),
            1,
            u64::from(MAX_REQUESTED_INTERFACES),
        )?;
        for field in [
            "PropsOutInfo.piid",
            "PropsOutInfo.phresults",
            "PropsOutInfo.ppIntfData",
        ] {
            if !read_pointer(r, field)? {
                return Err(r.invalid(field, "a PropsOutInfo array is NULL"));
            }
        }
        let iids: Vec<Guid> = read_sized_array(r, "PropsOutInfo.piid", count)?;
        let hresults: Vec<u32> = read_sized_array(r, "PropsOutInfo.phresults", count)?;
        let pointers = r.nested("PropsOutInfo.ppIntfData", |r| {
            let max_count = read_conformance(r, "PropsOutInfo.ppIntfData")?;
            r.expect_count(
                "PropsOutInfo.ppIntfData",
                u64::from(count),
                u64::from(max_count),
            )?;
            let mut pointers: Vec<Unique<MInterfacePointer>> =
                read_elements(r, "PropsOutInfo.ppIntfData", max_count)?;
            for p in &mut pointers {
                p.decode_deferred(r)?;
            }
            Ok(pointers)
        })?;
        let interfaces = iids
            .into_iter()
            .zip(hresults)
            .zip(pointers)
            .map(|((iid, hresult), pointer)| InterfaceResult {
                iid,
                hresult,
                pointer: pointer.into_inner(),
            })
            .collect();
        Ok(PropsOutInfo { interfaces })
    }
}
