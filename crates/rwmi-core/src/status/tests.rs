//! Table-wide checks: uniqueness, completeness against the documents, and lookups.

use super::*;
use std::collections::HashSet;

#[test]
fn no_duplicate_kind_and_code() {
    let mut seen = HashSet::new();
    for e in all_entries() {
        assert!(
            seen.insert((e.kind, e.code)),
            "duplicate {:?} 0x{:08X} ({})",
            e.kind,
            e.code,
            e.name
        );
    }
}

#[test]
fn names_are_unique_within_a_kind_and_exactly_across_kinds() {
    let mut exact = HashSet::new();
    let mut per_kind = HashSet::new();
    for e in all_entries() {
        for name in std::iter::once(&e.name).chain(e.aliases.iter()) {
            assert!(exact.insert(*name), "name {name} used twice");
            assert!(
                per_kind.insert((e.kind, name.to_ascii_lowercase())),
                "name {name} twice in {:?}",
                e.kind
            );
        }
    }
}

#[test]
fn every_entry_has_a_meaning_sentence_and_clean_text() {
    for e in all_entries() {
        assert!(!e.name.is_empty());
        assert!(e.meaning.len() > 10, "{} has no meaning", e.name);
        assert!(
            e.meaning.ends_with('.'),
            "{}: meaning is not a sentence",
            e.name
        );
        for line in e.causes.iter().chain(e.fixes.iter()) {
            assert!(
                line.ends_with('.'),
                "{}: {line:?} is not a sentence",
                e.name
            );
            assert!(
                !line.contains("  "),
                "{}: {line:?} has a line-continuation gap",
                e.name
            );
        }
        assert!(!e.meaning.contains("  "), "{}: meaning has a gap", e.name);
    }
}

#[test]
fn small_code_spaces_stay_in_range() {
    for e in all_entries() {
        match e.kind {
            StatusKind::Win32 => assert!(e.code <= 0xFFFF, "{}", e.name),
            StatusKind::Kerberos => assert!(e.code < 128, "{}", e.name),
            StatusKind::NcaFault => assert_eq!(e.code & 0xFFFE_0000, 0x1C00_0000, "{}", e.name),
            StatusKind::RpcStatus => assert_eq!(e.code & 0xFFFF_F000, 0x16C9_A000, "{}", e.name),
            StatusKind::Wbem => {
                assert!(e.code >> 16 == 0x8004 || e.code < 0x0005_0000, "{}", e.name)
            }
            StatusKind::Hresult | StatusKind::NtStatus => {}
        }
    }
}

/// Every code REFERENCES.md (MS-WMI 2.2.11 / MS-ERREF facts) names, with the value given there.
#[test]
fn codes_named_in_the_references_are_present() {
    let expected: &[(&str, u32)] = &[
        ("WBEM_S_FALSE", 0x1),
        ("WBEM_S_TIMEDOUT", 0x40004),
        ("WBEM_E_FAILED", 0x8004_1001),
        ("WBEM_E_NOT_FOUND", 0x8004_1002),
        ("WBEM_E_ACCESS_DENIED", 0x8004_1003),
        ("WBEM_E_INVALID_NAMESPACE", 0x8004_100E),
        ("WBEM_E_INVALID_CLASS", 0x8004_1010),
        ("WBEM_E_INVALID_QUERY", 0x8004_1017),
        ("WBEM_E_UNPARSABLE_QUERY", 0x8004_1058),
        ("WBEM_E_QUOTA_VIOLATION", 0x8004_106C),
        ("WBEM_E_ENCRYPTED_CONNECTION_REQUIRED", 0x8004_1087),
        ("WBEM_E_PROVIDER_TIMED_OUT", 0x8004_1088),
        ("E_ACCESSDENIED", 0x8007_0005),
        ("E_FAIL", 0x8000_4005),
        ("E_NOINTERFACE", 0x8000_4002),
        ("RPC_E_DISCONNECTED", 0x8001_0108),
        ("RPC_E_REMOTE_DISABLED", 0x8001_011C),
        ("CO_E_SERVER_EXEC_FAILURE", 0x8008_0005),
        ("REGDB_E_CLASSNOTREG", 0x8004_0154),
        ("RPC_E_VERSION_MISMATCH", 0x8001_0110),
        ("RPC_E_INVALID_HEADER", 0x8001_0111),
        ("RPC_S_SERVER_UNAVAILABLE", 0x6BA),
        ("RPC_S_CALL_FAILED", 0x6BE),
        ("RPC_S_SEC_PKG_ERROR", 0x721),
        ("RPC_S_COMM_FAILURE", 0x71C),
        ("EPT_S_NOT_REGISTERED", 0x6D9),
        ("RPC_X_BAD_STUB_DATA", 0x6F7),
        ("RPC_S_PROCNUM_OUT_OF_RANGE", 0x6D1),
        ("rpc_s_access_denied", 5),
    ];
    for &(name, code) in expected {
        let found = lookup_name(name);
        let first = found.first().unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(first.code, code, "{name}");
        assert!(
            lookup(code).iter().any(|e| e.answers_to(name)),
            "{name} not found by code"
        );
    }
    // The seed document's symptom: -2147024891 / 0x80070005.
    assert_eq!(
        lookup(parse_code("-2147024891").unwrap())[0].name,
        "E_ACCESSDENIED"
    );
}

#[test]
fn every_wbem_status_value_has_an_entry() {
    for &status in WbemStatus::ALL {
        let info = status
            .info()
            .unwrap_or_else(|| panic!("{} missing", status.name()));
        assert_eq!(info.code, status.code());
        assert_eq!(WbemStatus::from_u32(status.code()), Some(status));
    }
    let wbem_entries = all_entries().filter(|e| e.kind == StatusKind::Wbem).count();
    // Every Wbem-kind entry is a WBEMSTATUS value; E_NOTIMPL is the one filed as a plain HRESULT.
    assert_eq!(wbem_entries + 1, WbemStatus::ALL.len());
    assert_eq!(WbemStatus::ALL.len(), 69);
    assert_eq!(WbemStatus::from_u32(0x8004_1000), None);
}

#[test]
fn wbem_status_is_error_follows_severity() {
    assert!(!WbemStatus::False.is_error());
    assert!(!WbemStatus::Timedout.is_error());
    assert!(WbemStatus::AccessDenied.is_error());
    assert!(WbemStatus::NotImplemented.is_error());
    assert_eq!(
        WbemStatus::AccessDenied.to_string(),
        "WBEM_E_ACCESS_DENIED (0x80041003 / -2147217405)"
    );
}

#[test]
fn win32_in_hresult_reaches_the_win32_entry() {
    let matches = lookup_matches(0x8007_06BA);
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0].info.name, "RPC_S_SERVER_UNAVAILABLE");
    assert_eq!(matches[0].encoding, Encoding::Win32AsHresult);

    let names: Vec<_> = lookup(0x8007_0005).iter().map(|e| e.name).collect();
    assert_eq!(names, ["E_ACCESSDENIED", "ERROR_ACCESS_DENIED"]);
    assert_eq!(lookup(2_147_942_405)[1].name, "ERROR_ACCESS_DENIED");
}

#[test]
fn ntstatus_in_hresult_reaches_the_ntstatus_entry() {
    let matches = lookup_matches(0xD000_006D);
    assert_eq!(matches.len(), 1);
    assert_eq!(matches[0].info.name, "STATUS_LOGON_FAILURE");
    assert_eq!(matches[0].encoding, Encoding::NtStatusAsHresult);
}

#[test]
fn one_value_several_meanings_ranked() {
    let names: Vec<_> = lookup(5).iter().map(|e| e.name).collect();
    assert_eq!(names, ["ERROR_ACCESS_DENIED", "KDC_ERR_S_OLD_MAST_KVNO"]);
    let zero: Vec<_> = lookup(0).iter().map(|e| e.kind).collect();
    assert_eq!(zero[0], StatusKind::Wbem);
    assert!(zero.contains(&StatusKind::Kerberos));
    assert_eq!(lookup(1326)[0].name, "ERROR_LOGON_FAILURE");
    assert_eq!(lookup(37)[0].name, "KRB_AP_ERR_SKEW");
    assert_eq!(lookup(0x1C01_0002)[0].name, "nca_s_op_rng_error");
    assert_eq!(lookup(0xC000_0133)[0].name, "STATUS_TIME_DIFFERENCE_AT_DC");
    assert!(lookup(0x1234_5678).is_empty());
}

#[test]
fn names_are_found_case_insensitively_with_exact_spelling_first() {
    assert_eq!(lookup_name("wbem_e_access_denied")[0].code, 0x8004_1003);
    assert_eq!(lookup_name("E_ACCESSDENIED")[0].code, 0x8007_0005);
    assert_eq!(lookup_name("nca_s_op_rng_error")[0].code, 0x1C01_0002);
    assert_eq!(lookup_name("nca_op_rng_error")[0].code, 0x1C01_0002);
    assert_eq!(lookup_name("rpc_s_access_denied")[0].code, 5);
    assert_eq!(lookup_name(" KDC_ERR_ETYPE_NOTSUPP ")[0].code, 14);

    let upper = lookup_name("RPC_S_CALL_FAILED");
    assert_eq!(upper.len(), 2);
    assert_eq!((upper[0].kind, upper[0].code), (StatusKind::Win32, 0x6BE));
    let lower = lookup_name("rpc_s_call_failed");
    assert_eq!(
        (lower[0].kind, lower[0].code),
        (StatusKind::RpcStatus, 0x16C9_A015)
    );
    assert!(lookup_name("NO_SUCH_THING").is_empty());
    assert!(lookup_name("").is_empty());
}

#[test]
fn display_shows_name_hex_and_signed_decimal() {
    let info = lookup_name("WBEM_E_ACCESS_DENIED")[0];
    assert_eq!(
        info.to_string(),
        "WBEM_E_ACCESS_DENIED (0x80041003 / -2147217405)"
    );
    assert!(info.is_error());
    assert!(!lookup(0x0004_0004)[0].is_error());
}

#[test]
fn key_remote_wmi_errors_carry_causes_and_fixes() {
    for name in [
        "E_ACCESSDENIED",
        "WBEM_E_ACCESS_DENIED",
        "RPC_S_SERVER_UNAVAILABLE",
        "ERROR_LOGON_FAILURE",
        "STATUS_LOGON_FAILURE",
        "KRB_AP_ERR_SKEW",
        "KDC_ERR_S_PRINCIPAL_UNKNOWN",
        "RPC_E_VERSION_MISMATCH",
        "RPC_X_BAD_STUB_DATA",
        "WBEM_E_INVALID_NAMESPACE",
    ] {
        let info = lookup_name(name)[0];
        assert!(!info.causes.is_empty(), "{name} has no causes");
        assert!(!info.fixes.is_empty(), "{name} has no fixes");
    }
    let access = lookup_name("E_ACCESSDENIED")[0];
    let text = access.causes.join(" ") + &access.fixes.join(" ");
    for needle in [
        "LocalAccountTokenFilterPolicy",
        "KB5004442",
        "DCOMCnfg",
        "integrity",
    ] {
        assert!(
            text.contains(needle),
            "E_ACCESSDENIED advice lacks {needle}"
        );
    }
}

#[test]
fn fault_statuses_map_to_win32_entries() {
    for e in all_entries().filter(|e| e.kind == StatusKind::NcaFault) {
        if let Some(win32) = win32_for_fault(e.code) {
            assert!(
                lookup(win32).iter().any(|w| w.kind == StatusKind::Win32),
                "{} maps to 0x{win32:X} which has no Win32 entry",
                e.name
            );
        }
    }
    assert_eq!(win32_for_fault(0x1C01_0003), Some(0x6B5));
    assert_eq!(win32_for_fault(0x1C00_0021), None);
    assert_eq!(win32_for_fault(5), None);
}
/// The named constants and the table come from the same rows; this checks that each constant finds its
/// own entry by value and by name, in its own kind, and that no entry lacks a constant.
#[test]
fn every_named_constant_looks_up_to_its_own_name() {
    let modules: [(StatusKind, &[(&str, u32)]); 7] = [
        (StatusKind::Wbem, wbem::NAMED),
        (StatusKind::Hresult, hresult::NAMED),
        (StatusKind::Win32, win32::NAMED),
        (StatusKind::NtStatus, ntstatus::NAMED),
        (StatusKind::NcaFault, nca::NAMED),
        (StatusKind::RpcStatus, rpc::NAMED),
        (StatusKind::Kerberos, kerberos::NAMED),
    ];
    for (kind, named) in modules {
        for &(name, code) in named {
            assert!(
                lookup(code)
                    .iter()
                    .any(|e| e.kind == kind && e.name == name),
                "{name} = 0x{code:08X} is not found by its value"
            );
            assert!(
                lookup_name(name)
                    .iter()
                    .any(|e| e.kind == kind && e.code == code),
                "{name} is not found by its name"
            );
        }
        assert_eq!(
            named.len(),
            all_entries().filter(|e| e.kind == kind).count(),
            "{kind:?}: an entry without a constant"
        );
    }
    assert_eq!(wbem::WBEM_E_ACCESS_DENIED, 0x8004_1003);
    assert_eq!(hresult::E_ACCESSDENIED, 0x8007_0005);
    assert_eq!(win32::RPC_S_SERVER_UNAVAILABLE, 0x06BA);
    assert_eq!(nca::NCA_S_PROTO_ERROR, 0x1C01_000B);
    assert_eq!(rpc::EPT_S_NOT_REGISTERED, 0x16C9_A0D6);
    assert_eq!(win32::OR_INVALID_SET, 0x0778);
}

#[test]
fn hresult_from_win32_wraps_win32_codes_only() {
    assert_eq!(
        hresult_from_win32(win32::ERROR_ACCESS_DENIED),
        hresult::E_ACCESSDENIED
    );
    assert_eq!(hresult_from_win32(win32::ERROR_SUCCESS), 0);
    assert_eq!(
        hresult_from_win32(nca::NCA_S_OP_RNG_ERROR),
        nca::NCA_S_OP_RNG_ERROR
    );
    assert_eq!(hresult_from_win32(wbem::WBEM_E_FAILED), wbem::WBEM_E_FAILED);
}
