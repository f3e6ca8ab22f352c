//! Status values of the DCE RPC layer itself: the `nca_s_*` fault and reject codes (C706 appendix N.2,
//! MS-RPCE 3.1.1.5.5) and the `rpc_s_*` runtime statuses of DCE implementations (C706 appendix N,
//! 0x16C9_Axxx) that non-Windows servers can return.

use super::{StatusInfo, StatusKind};

const fn nca(code: u32, name: &'static str, meaning: &'static str) -> StatusInfo {
    StatusInfo::new(StatusKind::NcaFault, code, name, meaning)
}

const fn dce(code: u32, name: &'static str, meaning: &'static str) -> StatusInfo {
    StatusInfo::new(StatusKind::RpcStatus, code, name, meaning)
}

const SERVER_EXCEPTION: &[&str] = &[
    "The server-side code raised a processor exception while running the call; the fault is on \
     the server.",
];
const PEER_BUG: &[&str] = &[
    "A bug or version gap between the two RPC implementations; with rwmi, please report it with a \
     packet capture of the exchange.",
];

pub(super) const NCA_FAULTS: &[StatusInfo] = &[
    nca(
        0x1C01_0001,
        "nca_s_comm_failure",
        "The server could not get an answer back to the client.",
    )
    .causes(&["The connection broke during the call."]),
    nca(
        0x1C01_0002,
        "nca_s_op_rng_error",
        "The operation number in the request is beyond the methods of the interface.",
    )
    .aliases(&["nca_op_rng_error"])
    .causes(&[
        "Calling a method the server's version of the interface does not have.",
        "A request sent on the wrong presentation context (interface).",
    ])
    .fixes(PEER_BUG),
    nca(
        0x1C01_0003,
        "nca_s_unk_if",
        "The server does not know the interface the request is addressed to.",
    )
    .aliases(&["nca_unk_if"])
    .causes(&[
        "The interface was never bound on this connection, or the IPID names an interface the \
         object does not export.",
        "The server process restarted and no longer has the object.",
    ])
    .fixes(&["Reconnect to get fresh bindings and object references."]),
    nca(
        0x1C01_0006,
        "nca_s_wrong_boot_time",
        "The server boot time the client sent does not match the server's (connectionless RPC).",
    )
    .aliases(&["nca_wrong_boot_time"]),
    nca(
        0x1C01_0009,
        "nca_s_you_crashed",
        "A restarted server was called back by the client (connectionless RPC).",
    ),
    nca(
        0x1C01_000B,
        "nca_s_proto_error",
        "The server found a protocol error in what the client sent.",
    )
    .aliases(&["nca_proto_error"])
    .causes(&[
        "A malformed PDU: wrong lengths, bad fragment flags, or an authentication trailer that \
         does not match the header.",
    ])
    .fixes(PEER_BUG),
    nca(
        0x1C01_0013,
        "nca_s_out_args_too_big",
        "The results are larger than the server can send.",
    )
    .aliases(&["nca_out_args_too_big"]),
    nca(
        0x1C01_0014,
        "nca_s_server_too_busy",
        "The server is too busy to take the call.",
    )
    .aliases(&["nca_server_too_busy"])
    .fixes(&["Retry later with fewer parallel calls."]),
    nca(
        0x1C01_0015,
        "nca_s_fault_string_too_long",
        "A string argument is longer than the maximum the interface declares.",
    ),
    nca(
        0x1C01_0017,
        "nca_s_unsupported_type",
        "The server has no implementation of the operation for this object type.",
    )
    .aliases(&["nca_unsupported_type"]),
    nca(
        0x1C00_0001,
        "nca_s_fault_int_div_by_zero",
        "The server divided an integer by zero while running the call.",
    )
    .causes(SERVER_EXCEPTION),
    nca(
        0x1C00_0002,
        "nca_s_fault_addr_error",
        "The server hit a memory access error while running the call.",
    )
    .causes(SERVER_EXCEPTION),
    nca(
        0x1C00_0003,
        "nca_s_fault_fp_div_zero",
        "The server divided a floating-point number by zero.",
    )
    .causes(SERVER_EXCEPTION),
    nca(
        0x1C00_0004,
        "nca_s_fault_fp_underflow",
        "A floating-point underflow happened at the server.",
    )
    .causes(SERVER_EXCEPTION),
    nca(
        0x1C00_0005,
        "nca_s_fault_fp_overflow",
        "A floating-point overflow happened at the server.",
    )
    .causes(SERVER_EXCEPTION),
    nca(
        0x1C00_0006,
        "nca_s_fault_invalid_tag",
        "A union discriminant in the request has a value the interface does not define.",
    )
    .causes(PEER_BUG),
    nca(
        0x1C00_0007,
        "nca_s_fault_invalid_bound",
        "An array bound in the request is not valid.",
    )
    .causes(PEER_BUG),
    nca(
        0x1C00_0008,
        "nca_s_rpc_version_mismatch",
        "The server does not support the RPC protocol version of the request.",
    )
    .aliases(&["nca_rpc_version_mismatch"]),
    nca(
        0x1C00_0009,
        "nca_s_unspec_reject",
        "The server rejected the request without giving a reason.",
    )
    .aliases(&["nca_unspec_reject"]),
    nca(
        0x1C00_000A,
        "nca_s_bad_actid",
        "The activity ID of the request is not valid (connectionless RPC).",
    ),
    nca(
        0x1C00_000B,
        "nca_s_who_are_you_failed",
        "The server could not verify the client's identity with a callback (connectionless RPC).",
    )
    .aliases(&["nca_who_are_you_failed"]),
    nca(
        0x1C00_000C,
        "nca_s_manager_not_entered",
        "The server rejected the call before the server routine was entered.",
    )
    .aliases(&["nca_manager_not_entered"]),
    nca(
        0x1C00_000D,
        "nca_s_fault_cancel",
        "The call was cancelled while the server was running it.",
    ),
    nca(
        0x1C00_000E,
        "nca_s_fault_ill_inst",
        "The server executed an illegal instruction.",
    )
    .causes(SERVER_EXCEPTION),
    nca(
        0x1C00_000F,
        "nca_s_fault_fp_error",
        "A floating-point error happened at the server.",
    )
    .causes(SERVER_EXCEPTION),
    nca(
        0x1C00_0010,
        "nca_s_fault_int_overflow",
        "An integer overflow happened at the server.",
    )
    .causes(SERVER_EXCEPTION),
    nca(
        0x1C00_0012,
        "nca_s_fault_unspec",
        "The call failed at the server for a reason it did not specify.",
    )
    .causes(&["An exception in the server that has no specific fault code."]),
    nca(
        0x1C00_0013,
        "nca_s_fault_remote_comm_failure",
        "The server could not reach a further remote server it depends on.",
    ),
    nca(
        0x1C00_0014,
        "nca_s_fault_pipe_empty",
        "An RPC pipe was read after it had no data left.",
    ),
    nca(
        0x1C00_0015,
        "nca_s_fault_pipe_closed",
        "An RPC pipe was used after it was closed.",
    ),
    nca(
        0x1C00_0016,
        "nca_s_fault_pipe_order",
        "RPC pipes were used in the wrong order.",
    ),
    nca(
        0x1C00_0017,
        "nca_s_fault_pipe_discipline",
        "An RPC pipe was used against its rules (for example read after the call returned).",
    ),
    nca(
        0x1C00_0018,
        "nca_s_fault_pipe_comm_error",
        "A communication error happened while transferring RPC pipe data.",
    ),
    nca(
        0x1C00_0019,
        "nca_s_fault_pipe_memory",
        "The server ran out of memory handling RPC pipe data.",
    ),
    nca(
        0x1C00_001A,
        "nca_s_fault_context_mismatch",
        "The context handle in the request is not known to the server.",
    )
    .causes(&[
        "The server released the context (restart or timeout) while the client still used it.",
    ])
    .fixes(&["Reconnect."]),
    nca(
        0x1C00_001B,
        "nca_s_fault_remote_no_memory",
        "The server ran out of memory while running the call.",
    ),
    nca(
        0x1C00_001C,
        "nca_s_invalid_pres_context_id",
        "The request names a presentation context (interface binding) that was never negotiated.",
    )
    .aliases(&["nca_invalid_pres_context_id"])
    .causes(PEER_BUG),
    nca(
        0x1C00_001D,
        "nca_s_unsupported_authn_level",
        "The server does not support the authentication level of the request.",
    )
    .aliases(&["nca_unsupported_authn_level"])
    .fixes(&["Use --auth-level integrity or privacy."]),
    nca(
        0x1C00_001F,
        "nca_s_invalid_checksum",
        "The signature or checksum of the request did not verify.",
    )
    .aliases(&["nca_invalid_checksum"])
    .causes(&[
        "Client and server derived different session keys (wrong password hash, mismatched NTLM \
         flags).",
        "The signed region of the PDU differs between the two ends (header signing, padding).",
    ])
    .fixes(PEER_BUG),
    nca(
        0x1C00_0020,
        "nca_s_invalid_crc",
        "The CRC of the request did not match its contents.",
    )
    .aliases(&["nca_invalid_crc"]),
    nca(
        0x1C00_0021,
        "nca_s_fault_user_defined",
        "The server raised an application-defined exception.",
    )
    .aliases(&["ncs_s_fault_user_defined"]),
    nca(
        0x1C00_0022,
        "nca_s_fault_tx_open_failed",
        "The server could not open the transaction the call belongs to.",
    ),
    nca(
        0x1C00_0023,
        "nca_s_fault_codeset_conv_error",
        "Converting character data between code sets failed at the server.",
    ),
    nca(
        0x1C00_0024,
        "nca_s_fault_object_not_found",
        "The object named in the request does not exist at the server.",
    ),
    nca(
        0x1C00_0025,
        "nca_s_fault_no_client_stub",
        "The server has no client stub for a callback it needed to make.",
    ),
];

/// The Win32 error a client reports for a fault or reject status, per MS-RPCE 3.1.1.5.5. `None` for
/// the statuses that table leaves unmapped (the client reports the status itself).
pub fn win32_for_fault(status: u32) -> Option<u32> {
    const RPC_S_COMM_FAILURE: u32 = 0x071C;
    const RPC_S_CALL_FAILED: u32 = 0x06BE;
    const RPC_S_CALL_FAILED_DNE: u32 = 0x06BF;
    const RPC_S_PROTOCOL_ERROR: u32 = 0x06C0;
    const RPC_S_SERVER_OUT_OF_MEMORY: u32 = 0x046A;
    const RPC_S_ADDRESS_ERROR: u32 = 0x06E8;
    const RPC_S_FP_OVERFLOW: u32 = 0x06EB;
    let win32 = match status {
        0x1C01_0001 => RPC_S_COMM_FAILURE,
        0x1C01_0002 => 0x06D1, // RPC_S_PROCNUM_OUT_OF_RANGE
        0x1C01_0003 => 0x06B5, // RPC_S_UNKNOWN_IF
        0x1C01_0009 => RPC_S_CALL_FAILED,
        0x1C01_000B => RPC_S_PROTOCOL_ERROR,
        0x1C01_0013 => RPC_S_SERVER_OUT_OF_MEMORY,
        0x1C01_0014 => 0x06BB, // RPC_S_SERVER_TOO_BUSY
        0x1C01_0017 => 0x06C4, // RPC_S_UNSUPPORTED_TYPE
        0x1C00_0001 => 0x06E7, // RPC_S_ZERO_DIVIDE
        0x1C00_0002 => RPC_S_ADDRESS_ERROR,
        0x1C00_0003 => 0x06E9, // RPC_S_FP_DIV_ZERO
        0x1C00_0004 => 0x06EA, // RPC_S_FP_UNDERFLOW
        0x1C00_0005 => RPC_S_FP_OVERFLOW,
        0x1C00_0006 => 0x06C5, // RPC_S_INVALID_TAG
        0x1C00_0007 => 0x06C6, // RPC_S_INVALID_BOUND
        0x1C00_0008 => RPC_S_PROTOCOL_ERROR,
        0x1C00_0009 => RPC_S_CALL_FAILED,
        0x1C00_000A => RPC_S_CALL_FAILED_DNE,
        0x1C00_000B => RPC_S_CALL_FAILED,
        0x1C00_000C => RPC_S_CALL_FAILED_DNE,
        0x1C00_000D => 0x071A, // RPC_S_CALL_CANCELLED
        0x1C00_000E => RPC_S_ADDRESS_ERROR,
        0x1C00_000F => RPC_S_FP_OVERFLOW,
        0x1C00_0010 => RPC_S_ADDRESS_ERROR,
        0x1C00_0012 => RPC_S_CALL_FAILED,
        0x1C00_0014 => 0x077E, // RPC_X_PIPE_EMPTY
        0x1C00_0015 => 0x077C, // RPC_X_PIPE_CLOSED
        0x1C00_0016 => 0x0727, // RPC_X_WRONG_PIPE_ORDER
        0x1C00_0017 => 0x077D, // RPC_X_PIPE_DISCIPLINE_ERROR
        0x1C00_0018 => RPC_S_COMM_FAILURE,
        0x1C00_0019 => 0x000E, // RPC_S_OUT_OF_MEMORY (= ERROR_OUTOFMEMORY)
        0x1C00_001A => 0x0006, // RPC_X_SS_CONTEXT_MISMATCH (= ERROR_INVALID_HANDLE)
        0x1C00_001B => RPC_S_SERVER_OUT_OF_MEMORY,
        0x1C00_001C => RPC_S_PROTOCOL_ERROR,
        0x1C00_001D => 0x071D, // RPC_S_UNSUPPORTED_AUTHN_LEVEL
        0x1C00_001F | 0x1C00_0020 => RPC_S_CALL_FAILED_DNE,
        _ => return None,
    };
    Some(win32)
}

pub(super) const DCE_STATUS: &[StatusInfo] = &[
    dce(
        0x16C9_A001,
        "rpc_s_op_rng_error",
        "The operation number is outside the interface (DCE runtime status).",
    )
    .causes(PEER_BUG),
    dce(
        0x16C9_A010,
        "rpc_s_binding_has_no_auth",
        "The binding carries no authentication information.",
    ),
    dce(
        0x16C9_A011,
        "rpc_s_unknown_authn_service",
        "The server does not know the authentication service asked for.",
    )
    .fixes(&["Use NTLM or Kerberos authentication."]),
    dce(
        0x16C9_A012,
        "rpc_s_no_memory",
        "The DCE runtime ran out of memory.",
    ),
    dce(
        0x16C9_A014,
        "rpc_s_call_faulted",
        "The call ended with a fault.",
    ),
    dce(
        0x16C9_A015,
        "rpc_s_call_failed",
        "The call failed (DCE runtime status).",
    ),
    dce(
        0x16C9_A016,
        "rpc_s_comm_failure",
        "Communication with the server failed (DCE runtime status).",
    ),
    dce(
        0x16C9_A01D,
        "rpc_s_invalid_binding",
        "The binding handle is not valid (DCE runtime status).",
    ),
    dce(
        0x16C9_A02C,
        "rpc_s_unknown_if",
        "The server does not offer the interface (DCE runtime status).",
    ),
    dce(
        0x16C9_A031,
        "rpc_s_call_cancelled",
        "The call was cancelled (DCE runtime status).",
    ),
    dce(
        0x16C9_A034,
        "rpc_s_cannot_connect",
        "The client could not open a connection to the server.",
    ),
    dce(
        0x16C9_A036,
        "rpc_s_connection_closed",
        "The connection was closed during the call.",
    ),
    dce(
        0x16C9_A03E,
        "rpc_s_protocol_error",
        "An RPC protocol error occurred (DCE runtime status).",
    )
    .causes(PEER_BUG),
    dce(
        0x16C9_A041,
        "rpc_s_connect_timed_out",
        "Opening the connection timed out.",
    ),
    dce(
        0x16C9_A042,
        "rpc_s_connect_rejected",
        "The server host rejected the connection.",
    ),
    dce(
        0x16C9_A048,
        "rpc_s_rem_host_down",
        "The server host is down.",
    ),
    dce(
        0x16C9_A049,
        "rpc_s_host_unreachable",
        "The server host cannot be reached.",
    ),
    dce(
        0x16C9_A04C,
        "rpc_s_connect_closed_by_rem",
        "The server closed the connection.",
    ),
    dce(
        0x16C9_A057,
        "rpc_s_tsyntaxes_unsupported",
        "The server supports none of the transfer syntaxes offered.",
    ),
    dce(
        0x16C9_A066,
        "rpc_s_authn_authz_mismatch",
        "The requested authorisation service does not fit the authentication service.",
    ),
    dce(
        0x16C9_A06C,
        "rpc_s_call_timeout",
        "The call timed out (DCE runtime status).",
    ),
    dce(
        0x16C9_A070,
        "rpc_s_server_too_busy",
        "The server is too busy (DCE runtime status).",
    ),
    dce(
        0x16C9_A087,
        "rpc_s_fault_unspec",
        "The call faulted for an unspecified reason (DCE runtime status).",
    ),
    dce(
        0x16C9_A0D6,
        "ept_s_not_registered",
        "The endpoint mapper has no entry for the interface (DCE runtime status).",
    ),
    dce(
        0x16C9_A0E0,
        "rpc_s_unsupported_protect_level",
        "The server does not support the protection level asked for.",
    )
    .fixes(&["Use --auth-level integrity or privacy."]),
    dce(
        0x16C9_A0E1,
        "rpc_s_invalid_checksum",
        "A packet's checksum or signature did not verify.",
    ),
    dce(
        0x16C9_A0E2,
        "rpc_s_invalid_credentials",
        "The credentials were rejected.",
    ),
    dce(
        0x16C9_A0E6,
        "rpc_s_auth_bad_integrity",
        "A Kerberos message failed its integrity check.",
    ),
    dce(
        0x16C9_A0E7,
        "rpc_s_auth_tkt_expired",
        "The Kerberos ticket has expired.",
    )
    .fixes(&["Renew the ticket (kinit) and reconnect."]),
    dce(
        0x16C9_A0EC,
        "rpc_s_auth_skew",
        "The clocks of client and server differ too much for Kerberos.",
    )
    .fixes(&["Synchronise the client's clock with the domain."]),
    dce(
        0x16C9_A101,
        "rpc_s_protect_level_mismatch",
        "The protection level of a message differs from the one negotiated.",
    ),
];
