//! Status values of the DCE RPC layer itself: the `nca_s_*` fault and reject codes (C706 appendix N.2,
//! MS-RPCE 3.1.1.5.5) and the `rpc_s_*` runtime statuses of DCE implementations (C706 appendix N,
//! 0x16C9_Axxx) that non-Windows servers can return.

const SERVER_EXCEPTION: &[&str] = &[
    "The server-side code raised a processor exception while running the call; the fault is on the \
     server.",
];
const PEER_BUG: &[&str] = &[
    "A bug or version gap between the two RPC implementations; with rwmi, please report it with a \
     packet capture of the exchange.",
];

status_table! {
    /// The `nca_s_*` fault and reject statuses (C706 appendix N.2), named in upper case.
    pub mod nca: NcaFault => NCA_FAULTS;

    NCA_S_COMM_FAILURE = 0x1C01_0001 as "nca_s_comm_failure",
        "The server could not get an answer back to the client."
        .causes(&["The connection broke during the call."]),
    NCA_S_OP_RNG_ERROR = 0x1C01_0002 as "nca_s_op_rng_error",
        "The operation number in the request is beyond the methods of the interface."
        .aliases(&["nca_op_rng_error"])
        .causes(&[
            "Calling a method the server's version of the interface does not have.",
            "A request sent on the wrong presentation context (interface).",
        ])
        .fixes(PEER_BUG),
    NCA_S_UNK_IF = 0x1C01_0003 as "nca_s_unk_if",
        "The server does not know the interface the request is addressed to."
        .aliases(&["nca_unk_if"])
        .causes(&[
            "The interface was never bound on this connection, or the IPID names an interface the \
             object does not export.",
            "The server process restarted and no longer has the object.",
        ])
        .fixes(&["Reconnect to get fresh bindings and object references."]),
    NCA_S_WRONG_BOOT_TIME = 0x1C01_0006 as "nca_s_wrong_boot_time",
        "The server boot time the client sent does not match the server's (connectionless RPC)."
        .aliases(&["nca_wrong_boot_time"]),
    NCA_S_YOU_CRASHED = 0x1C01_0009 as "nca_s_you_crashed",
        "A restarted server was called back by the client (connectionless RPC).",
    NCA_S_PROTO_ERROR = 0x1C01_000B as "nca_s_proto_error",
        "The server found a protocol error in what the client sent."
        .aliases(&["nca_proto_error"])
        .causes(&[
            "A malformed PDU: wrong lengths, bad fragment flags, or an authentication trailer that \
             does not match the header.",
        ])
        .fixes(PEER_BUG),
    NCA_S_OUT_ARGS_TOO_BIG = 0x1C01_0013 as "nca_s_out_args_too_big",
        "The results are larger than the server can send."
        .aliases(&["nca_out_args_too_big"]),
    NCA_S_SERVER_TOO_BUSY = 0x1C01_0014 as "nca_s_server_too_busy",
        "The server is too busy to take the call."
        .aliases(&["nca_server_too_busy"])
        .fixes(&["Retry later with fewer parallel calls."]),
    NCA_S_FAULT_STRING_TOO_LONG = 0x1C01_0015 as "nca_s_fault_string_too_long",
        "A string argument is longer than the maximum the interface declares.",
    NCA_S_UNSUPPORTED_TYPE = 0x1C01_0017 as "nca_s_unsupported_type",
        "The server has no implementation of the operation for this object type."
        .aliases(&["nca_unsupported_type"]),
    NCA_S_FAULT_INT_DIV_BY_ZERO = 0x1C00_0001 as "nca_s_fault_int_div_by_zero",
        "The server divided an integer by zero while running the call."
        .causes(SERVER_EXCEPTION),
    NCA_S_FAULT_ADDR_ERROR = 0x1C00_0002 as "nca_s_fault_addr_error",
        "The server hit a memory access error while running the call."
        .causes(SERVER_EXCEPTION),
    NCA_S_FAULT_FP_DIV_ZERO = 0x1C00_0003 as "nca_s_fault_fp_div_zero",
        "The server divided a floating-point number by zero."
        .causes(SERVER_EXCEPTION),
    NCA_S_FAULT_FP_UNDERFLOW = 0x1C00_0004 as "nca_s_fault_fp_underflow",
        "A floating-point underflow happened at the server."
        .causes(SERVER_EXCEPTION),
    NCA_S_FAULT_FP_OVERFLOW = 0x1C00_0005 as "nca_s_fault_fp_overflow",
        "A floating-point overflow happened at the server."
        .causes(SERVER_EXCEPTION),
    NCA_S_FAULT_INVALID_TAG = 0x1C00_0006 as "nca_s_fault_invalid_tag",
        "A union discriminant in the request has a value the interface does not define."
        .causes(PEER_BUG),
    NCA_S_FAULT_INVALID_BOUND = 0x1C00_0007 as "nca_s_fault_invalid_bound",
        "An array bound in the request is not valid."
        .causes(PEER_BUG),
    NCA_S_RPC_VERSION_MISMATCH = 0x1C00_0008 as "nca_s_rpc_version_mismatch",
        "The server does not support the RPC protocol version of the request."
        .aliases(&["nca_rpc_version_mismatch"]),
    NCA_S_UNSPEC_REJECT = 0x1C00_0009 as "nca_s_unspec_reject",
        "The server rejected the request without giving a reason."
        .aliases(&["nca_unspec_reject"]),
    NCA_S_BAD_ACTID = 0x1C00_000A as "nca_s_bad_actid",
        "The activity ID of the request is not valid (connectionless RPC).",
    NCA_S_WHO_ARE_YOU_FAILED = 0x1C00_000B as "nca_s_who_are_you_failed",
        "The server could not verify the client's identity with a callback (connectionless RPC)."
        .aliases(&["nca_who_are_you_failed"]),
    NCA_S_MANAGER_NOT_ENTERED = 0x1C00_000C as "nca_s_manager_not_entered",
        "The server rejected the call before the server routine was entered."
        .aliases(&["nca_manager_not_entered"]),
    NCA_S_FAULT_CANCEL = 0x1C00_000D as "nca_s_fault_cancel",
        "The call was cancelled while the server was running it.",
    NCA_S_FAULT_ILL_INST = 0x1C00_000E as "nca_s_fault_ill_inst",
        "The server executed an illegal instruction."
        .causes(SERVER_EXCEPTION),
    NCA_S_FAULT_FP_ERROR = 0x1C00_000F as "nca_s_fault_fp_error",
        "A floating-point error happened at the server."
        .causes(SERVER_EXCEPTION),
    NCA_S_FAULT_INT_OVERFLOW = 0x1C00_0010 as "nca_s_fault_int_overflow",
        "An integer overflow happened at the server."
        .causes(SERVER_EXCEPTION),
    NCA_S_FAULT_UNSPEC = 0x1C00_0012 as "nca_s_fault_unspec",
        "The call failed at the server for a reason it did not specify."
        .causes(&["An exception in the server that has no specific fault code."]),
    NCA_S_FAULT_REMOTE_COMM_FAILURE = 0x1C00_0013 as "nca_s_fault_remote_comm_failure",
        "The server could not reach a further remote server it depends on.",
    NCA_S_FAULT_PIPE_EMPTY = 0x1C00_0014 as "nca_s_fault_pipe_empty",
        "An RPC pipe was read after it had no data left.",
    NCA_S_FAULT_PIPE_CLOSED = 0x1C00_0015 as "nca_s_fault_pipe_closed",
        "An RPC pipe was used after it was closed.",
    NCA_S_FAULT_PIPE_ORDER = 0x1C00_0016 as "nca_s_fault_pipe_order",
        "RPC pipes were used in the wrong order.",
    NCA_S_FAULT_PIPE_DISCIPLINE = 0x1C00_0017 as "nca_s_fault_pipe_discipline",
        "An RPC pipe was used against its rules (for example read after the call returned).",
    NCA_S_FAULT_PIPE_COMM_ERROR = 0x1C00_0018 as "nca_s_fault_pipe_comm_error",
        "A communication error happened while transferring RPC pipe data.",
    NCA_S_FAULT_PIPE_MEMORY = 0x1C00_0019 as "nca_s_fault_pipe_memory",
        "The server ran out of memory handling RPC pipe data.",
    NCA_S_FAULT_CONTEXT_MISMATCH = 0x1C00_001A as "nca_s_fault_context_mismatch",
        "The context handle in the request is not known to the server."
        .causes(&[
            "The server released the context (restart or timeout) while the client still used it.",
        ])
        .fixes(&["Reconnect."]),
    NCA_S_FAULT_REMOTE_NO_MEMORY = 0x1C00_001B as "nca_s_fault_remote_no_memory",
        "The server ran out of memory while running the call.",
    NCA_S_INVALID_PRES_CONTEXT_ID = 0x1C00_001C as "nca_s_invalid_pres_context_id",
        "The request names a presentation context (interface binding) that was never negotiated."
        .aliases(&["nca_invalid_pres_context_id"])
        .causes(PEER_BUG),
    NCA_S_UNSUPPORTED_AUTHN_LEVEL = 0x1C00_001D as "nca_s_unsupported_authn_level",
        "The server does not support the authentication level of the request."
        .aliases(&["nca_unsupported_authn_level"])
        .fixes(&["Use --auth-level integrity or privacy."]),
    NCA_S_INVALID_CHECKSUM = 0x1C00_001F as "nca_s_invalid_checksum",
        "The signature or checksum of the request did not verify."
        .aliases(&["nca_invalid_checksum"])
        .causes(&[
            "Client and server derived different session keys (wrong password hash, mismatched \
             NTLM flags).",
            "The signed region of the PDU differs between the two ends (header signing, padding).",
        ])
        .fixes(PEER_BUG),
    NCA_S_INVALID_CRC = 0x1C00_0020 as "nca_s_invalid_crc",
        "The CRC of the request did not match its contents."
        .aliases(&["nca_invalid_crc"]),
    NCA_S_FAULT_USER_DEFINED = 0x1C00_0021 as "nca_s_fault_user_defined",
        "The server raised an application-defined exception."
        .aliases(&["ncs_s_fault_user_defined"]),
    NCA_S_FAULT_TX_OPEN_FAILED = 0x1C00_0022 as "nca_s_fault_tx_open_failed",
        "The server could not open the transaction the call belongs to.",
    NCA_S_FAULT_CODESET_CONV_ERROR = 0x1C00_0023 as "nca_s_fault_codeset_conv_error",
        "Converting character data between code sets failed at the server.",
    NCA_S_FAULT_OBJECT_NOT_FOUND = 0x1C00_0024 as "nca_s_fault_object_not_found",
        "The object named in the request does not exist at the server.",
    NCA_S_FAULT_NO_CLIENT_STUB = 0x1C00_0025 as "nca_s_fault_no_client_stub",
        "The server has no client stub for a callback it needed to make.",
}

/// The Win32 error a client reports for a fault or reject status, per MS-RPCE 3.1.1.5.5. `None` for
/// the statuses that table leaves unmapped (the client reports the status itself).
pub fn win32_for_fault(status: u32) -> Option<u32> {
    use super::win32::*;
    use nca::*;
    let win32 = match status {
        NCA_S_COMM_FAILURE => RPC_S_COMM_FAILURE,
        NCA_S_OP_RNG_ERROR => RPC_S_PROCNUM_OUT_OF_RANGE,
        NCA_S_UNK_IF => RPC_S_UNKNOWN_IF,
        NCA_S_YOU_CRASHED => RPC_S_CALL_FAILED,
        NCA_S_PROTO_ERROR => RPC_S_PROTOCOL_ERROR,
        // RPC_S_SERVER_OUT_OF_MEMORY is this value's RPC name.
        NCA_S_OUT_ARGS_TOO_BIG => ERROR_NOT_ENOUGH_SERVER_MEMORY,
        NCA_S_SERVER_TOO_BUSY => RPC_S_SERVER_TOO_BUSY,
        NCA_S_UNSUPPORTED_TYPE => RPC_S_UNSUPPORTED_TYPE,
        NCA_S_FAULT_INT_DIV_BY_ZERO => RPC_S_ZERO_DIVIDE,
        NCA_S_FAULT_ADDR_ERROR => RPC_S_ADDRESS_ERROR,
        NCA_S_FAULT_FP_DIV_ZERO => RPC_S_FP_DIV_ZERO,
        NCA_S_FAULT_FP_UNDERFLOW => RPC_S_FP_UNDERFLOW,
        NCA_S_FAULT_FP_OVERFLOW => RPC_S_FP_OVERFLOW,
        NCA_S_FAULT_INVALID_TAG => RPC_S_INVALID_TAG,
        NCA_S_FAULT_INVALID_BOUND => RPC_S_INVALID_BOUND,
        NCA_S_RPC_VERSION_MISMATCH => RPC_S_PROTOCOL_ERROR,
        NCA_S_UNSPEC_REJECT => RPC_S_CALL_FAILED,
        NCA_S_BAD_ACTID => RPC_S_CALL_FAILED_DNE,
        NCA_S_WHO_ARE_YOU_FAILED => RPC_S_CALL_FAILED,
        NCA_S_MANAGER_NOT_ENTERED => RPC_S_CALL_FAILED_DNE,
        NCA_S_FAULT_CANCEL => RPC_S_CALL_CANCELLED,
        NCA_S_FAULT_ILL_INST => RPC_S_ADDRESS_ERROR,
        NCA_S_FAULT_FP_ERROR => RPC_S_FP_OVERFLOW,
        NCA_S_FAULT_INT_OVERFLOW => RPC_S_ADDRESS_ERROR,
        NCA_S_FAULT_UNSPEC => RPC_S_CALL_FAILED,
        NCA_S_FAULT_PIPE_EMPTY => RPC_X_PIPE_EMPTY,
        NCA_S_FAULT_PIPE_CLOSED => RPC_X_PIPE_CLOSED,
        NCA_S_FAULT_PIPE_ORDER => RPC_X_WRONG_PIPE_ORDER,
        NCA_S_FAULT_PIPE_DISCIPLINE => RPC_X_PIPE_DISCIPLINE_ERROR,
        NCA_S_FAULT_PIPE_COMM_ERROR => RPC_S_COMM_FAILURE,
        // RPC_S_OUT_OF_MEMORY and RPC_X_SS_CONTEXT_MISMATCH are these two values' RPC names.
        NCA_S_FAULT_PIPE_MEMORY => ERROR_OUTOFMEMORY,
        NCA_S_FAULT_CONTEXT_MISMATCH => ERROR_INVALID_HANDLE,
        NCA_S_FAULT_REMOTE_NO_MEMORY => ERROR_NOT_ENOUGH_SERVER_MEMORY,
        NCA_S_INVALID_PRES_CONTEXT_ID => RPC_S_PROTOCOL_ERROR,
        NCA_S_UNSUPPORTED_AUTHN_LEVEL => RPC_S_UNSUPPORTED_AUTHN_LEVEL,
        NCA_S_INVALID_CHECKSUM | NCA_S_INVALID_CRC => RPC_S_CALL_FAILED_DNE,
        _ => return None,
    };
    Some(win32)
}

status_table! {
    /// The DCE runtime statuses `rpc_s_*` and `ept_s_*` (C706 appendix N), named in upper case.
    pub mod rpc: RpcStatus => DCE_STATUS;

    RPC_S_OP_RNG_ERROR = 0x16C9_A001 as "rpc_s_op_rng_error",
        "The operation number is outside the interface (DCE runtime status)."
        .causes(PEER_BUG),
    RPC_S_BINDING_HAS_NO_AUTH = 0x16C9_A010 as "rpc_s_binding_has_no_auth",
        "The binding carries no authentication information.",
    RPC_S_UNKNOWN_AUTHN_SERVICE = 0x16C9_A011 as "rpc_s_unknown_authn_service",
        "The server does not know the authentication service asked for."
        .fixes(&["Use NTLM or Kerberos authentication."]),
    RPC_S_NO_MEMORY = 0x16C9_A012 as "rpc_s_no_memory", "The DCE runtime ran out of memory.",
    RPC_S_CALL_FAULTED = 0x16C9_A014 as "rpc_s_call_faulted", "The call ended with a fault.",
    RPC_S_CALL_FAILED = 0x16C9_A015 as "rpc_s_call_failed", "The call failed (DCE runtime status).",
    RPC_S_COMM_FAILURE = 0x16C9_A016 as "rpc_s_comm_failure",
        "Communication with the server failed (DCE runtime status).",
    RPC_S_INVALID_BINDING = 0x16C9_A01D as "rpc_s_invalid_binding",
        "The binding handle is not valid (DCE runtime status).",
    RPC_S_UNKNOWN_IF = 0x16C9_A02C as "rpc_s_unknown_if",
        "The server does not offer the interface (DCE runtime status).",
    RPC_S_CALL_CANCELLED = 0x16C9_A031 as "rpc_s_call_cancelled",
        "The call was cancelled (DCE runtime status).",
    RPC_S_CANNOT_CONNECT = 0x16C9_A034 as "rpc_s_cannot_connect",
        "The client could not open a connection to the server.",
    RPC_S_CONNECTION_CLOSED = 0x16C9_A036 as "rpc_s_connection_closed",
        "The connection was closed during the call.",
    RPC_S_PROTOCOL_ERROR = 0x16C9_A03E as "rpc_s_protocol_error",
        "An RPC protocol error occurred (DCE runtime status)."
        .causes(PEER_BUG),
    RPC_S_CONNECT_TIMED_OUT = 0x16C9_A041 as "rpc_s_connect_timed_out",
        "Opening the connection timed out.",
    RPC_S_CONNECT_REJECTED = 0x16C9_A042 as "rpc_s_connect_rejected",
        "The server host rejected the connection.",
    RPC_S_REM_HOST_DOWN = 0x16C9_A048 as "rpc_s_rem_host_down", "The server host is down.",
    RPC_S_HOST_UNREACHABLE = 0x16C9_A049 as "rpc_s_host_unreachable",
        "The server host cannot be reached.",
    RPC_S_CONNECT_CLOSED_BY_REM = 0x16C9_A04C as "rpc_s_connect_closed_by_rem",
        "The server closed the connection.",
    RPC_S_TSYNTAXES_UNSUPPORTED = 0x16C9_A057 as "rpc_s_tsyntaxes_unsupported",
        "The server supports none of the transfer syntaxes offered.",
    RPC_S_AUTHN_AUTHZ_MISMATCH = 0x16C9_A066 as "rpc_s_authn_authz_mismatch",
        "The requested authorisation service does not fit the authentication service.",
    RPC_S_CALL_TIMEOUT = 0x16C9_A06C as "rpc_s_call_timeout",
        "The call timed out (DCE runtime status).",
    RPC_S_SERVER_TOO_BUSY = 0x16C9_A070 as "rpc_s_server_too_busy",
        "The server is too busy (DCE runtime status).",
    RPC_S_FAULT_UNSPEC = 0x16C9_A087 as "rpc_s_fault_unspec",
        "The call faulted for an unspecified reason (DCE runtime status).",
    EPT_S_NOT_REGISTERED = 0x16C9_A0D6 as "ept_s_not_registered",
        "The endpoint mapper has no entry for the interface (DCE runtime status).",
    RPC_S_UNSUPPORTED_PROTECT_LEVEL = 0x16C9_A0E0 as "rpc_s_unsupported_protect_level",
        "The server does not support the protection level asked for."
        .fixes(&["Use --auth-level integrity or privacy."]),
    RPC_S_INVALID_CHECKSUM = 0x16C9_A0E1 as "rpc_s_invalid_checksum",
        "A packet's checksum or signature did not verify.",
    RPC_S_INVALID_CREDENTIALS = 0x16C9_A0E2 as "rpc_s_invalid_credentials",
        "The credentials were rejected.",
    RPC_S_AUTH_BAD_INTEGRITY = 0x16C9_A0E6 as "rpc_s_auth_bad_integrity",
        "A Kerberos message failed its integrity check.",
    RPC_S_AUTH_TKT_EXPIRED = 0x16C9_A0E7 as "rpc_s_auth_tkt_expired",
        "The Kerberos ticket has expired."
        .fixes(&["Renew the ticket (kinit) and reconnect."]),
    RPC_S_AUTH_SKEW = 0x16C9_A0EC as "rpc_s_auth_skew",
        "The clocks of client and server differ too much for Kerberos."
        .fixes(&["Synchronise the client's clock with the domain."]),
    RPC_S_PROTECT_LEVEL_MISMATCH = 0x16C9_A101 as "rpc_s_protect_level_mismatch",
        "The protection level of a message differs from the one negotiated.",
}
