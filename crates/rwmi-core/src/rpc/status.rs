//! Names of the status codes a fault carries: the nca_s_* codes of C706 Appendix E that MS-RPCE 2.2.2.8 /
//! 3.3.3.5 refer to, and the Win32 and HRESULT values servers commonly return (MS-ERREF 2.1, 2.2).

/// (code, name), sorted by code for binary search.
const STATUS_NAMES: &[(u32, &str)] = &[
    (0x0000_0005, "ERROR_ACCESS_DENIED"),
    (0x0000_0006, "ERROR_INVALID_HANDLE"),
    (0x0000_0008, "ERROR_NOT_ENOUGH_MEMORY"),
    (0x0000_0057, "ERROR_INVALID_PARAMETER"),
    (0x0000_06A6, "RPC_S_INVALID_BINDING"),
    (0x0000_06BA, "RPC_S_SERVER_UNAVAILABLE"),
    (0x0000_06BF, "RPC_S_CALL_FAILED_DNE"),
    (0x0000_06C0, "RPC_S_PROTOCOL_ERROR"),
    (0x0000_06C6, "RPC_S_INVALID_BOUND"),
    (0x0000_06D1, "RPC_S_PROCNUM_OUT_OF_RANGE"),
    (0x0000_06D3, "RPC_S_UNKNOWN_AUTHN_SERVICE"),
    (0x0000_06E4, "RPC_S_CANNOT_SUPPORT"),
    (0x0000_06F4, "RPC_X_NULL_REF_POINTER"),
    (0x0000_06F7, "RPC_X_BAD_STUB_DATA"),
    (0x0000_071A, "RPC_S_CALL_CANCELLED"),
    (0x0000_0721, "RPC_S_SEC_PKG_ERROR"),
    (0x1C00_0001, "nca_s_fault_int_div_by_zero"),
    (0x1C00_0002, "nca_s_fault_addr_error"),
    (0x1C00_0003, "nca_s_fault_fp_div_zero"),
    (0x1C00_0004, "nca_s_fault_fp_underflow"),
    (0x1C00_0005, "nca_s_fault_fp_overflow"),
    (0x1C00_0006, "nca_s_fault_invalid_tag"),
    (0x1C00_0007, "nca_s_fault_invalid_bound"),
    (0x1C00_0008, "nca_s_rpc_version_mismatch"),
    (0x1C00_0009, "nca_s_unspec_reject"),
    (0x1C00_000A, "nca_s_bad_actid"),
    (0x1C00_000B, "nca_s_who_are_you_failed"),
    (0x1C00_000C, "nca_s_manager_not_entered"),
    (0x1C00_000D, "nca_s_fault_cancel"),
    (0x1C00_000E, "nca_s_fault_ill_inst"),
    (0x1C00_000F, "nca_s_fault_fp_error"),
    (0x1C00_0010, "nca_s_fault_int_overflow"),
    (0x1C00_0012, "nca_s_fault_unspec"),
    (0x1C00_0013, "nca_s_fault_remote_comm_failure"),
    (0x1C00_0014, "nca_s_fault_pipe_empty"),
    (0x1C00_0015, "nca_s_fault_pipe_closed"),
    (0x1C00_0016, "nca_s_fault_pipe_order"),
    (0x1C00_0017, "nca_s_fault_pipe_discipline"),
    (0x1C00_0018, "nca_s_fault_pipe_comm_error"),
    (0x1C00_0019, "nca_s_fault_pipe_memory"),
    (0x1C00_001A, "nca_s_fault_context_mismatch"),
    (0x1C00_001B, "nca_s_fault_remote_no_memory"),
    (0x1C00_001C, "nca_s_invalid_pres_context_id"),
    (0x1C00_001D, "nca_s_unsupported_authn_level"),
    (0x1C00_001F, "nca_s_invalid_checksum"),
    (0x1C00_0020, "nca_s_invalid_crc"),
    (0x1C00_0021, "nca_s_fault_user_defined"),
    (0x1C00_0022, "nca_s_fault_tx_open_failed"),
    (0x1C00_0023, "nca_s_fault_codeset_conv_error"),
    (0x1C00_0024, "nca_s_fault_object_not_found"),
    (0x1C00_0025, "nca_s_fault_no_client_stub"),
    (0x1C01_0001, "nca_s_comm_failure"),
    (0x1C01_0002, "nca_s_op_rng_error"),
    (0x1C01_0003, "nca_s_unk_if"),
    (0x1C01_0006, "nca_s_wrong_boot_time"),
    (0x1C01_0009, "nca_s_you_crashed"),
    (0x1C01_000B, "nca_s_proto_error"),
    (0x1C01_0013, "nca_s_out_args_too_big"),
    (0x1C01_0014, "nca_s_server_too_busy"),
    (0x1C01_0015, "nca_s_fault_string_too_long"),
    (0x1C01_0017, "nca_s_unsupported_type"),
    (0x8000_4002, "E_NOINTERFACE"),
    (0x8000_4005, "E_FAIL"),
    (0x8001_0105, "RPC_E_SERVERFAULT"),
    (0x8001_0108, "RPC_E_DISCONNECTED"),
    (0x8001_011B, "RPC_E_ACCESS_DENIED"),
    (0x8007_0005, "E_ACCESSDENIED"),
    (0x8007_0057, "E_INVALIDARG"),
];

/// The symbolic name of a fault status, when it is one of the codes above.
pub fn status_name(code: u32) -> Option<&'static str> {
    STATUS_NAMES
        .binary_search_by_key(&code, |&(c, _)| c)
        .ok()
        .and_then(|i| STATUS_NAMES.get(i))
        .map(|&(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_without_duplicates() {
        assert!(STATUS_NAMES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn names_common_codes() {
        assert_eq!(status_name(0x5), Some("ERROR_ACCESS_DENIED"));
        assert_eq!(status_name(0x1C01_0002), Some("nca_s_op_rng_error"));
        assert_eq!(status_name(0x1C01_0003), Some("nca_s_unk_if"));
        assert_eq!(status_name(0x1C01_000B), Some("nca_s_proto_error"));
        assert_eq!(status_name(0x1234_5678), None);
    }
}
