//! Finding entries by value and by name.
//!
//! One 32-bit value can have several readings, so lookups return every match, the likeliest first:
//! 1. exact matches, ranked by kind in the order of [`StatusKind::ALL`];
//! 2. a Win32 code wrapped in an HRESULT (`HRESULT_FROM_WIN32`, MS-ERREF 2.1.2: `0x8007xxxx`, low 16
//!    bits = the Win32 code), so `0x800706BA` finds RPC_S_SERVER_UNAVAILABLE;
//! 3. an NTSTATUS wrapped in an HRESULT (`HRESULT_FROM_NT`: the N bit 0x1000_0000 set on the NTSTATUS,
//!    MS-ERREF 2.1), so `0xD000006D` finds STATUS_LOGON_FAILURE.

use super::{StatusInfo, StatusKind, table_hresult, table_kerberos, table_ntstatus, table_rpc};
use super::{table_wbem, table_win32};

/// HRESULT facility 7 with the severity bit: the prefix `HRESULT_FROM_WIN32` puts on a Win32 code.
const WIN32_HRESULT_PREFIX: u32 = 0x8007_0000;
/// The N bit of an HRESULT (MS-ERREF 2.1): set when the value is an NTSTATUS mapped into HRESULT space.
const HRESULT_NT_BIT: u32 = 0x1000_0000;

/// A Win32 error as the HRESULT a Windows client reports it as (`HRESULT_FROM_WIN32`, MS-ERREF 2.1.2).
/// Zero and values that are not Win32 codes (HRESULTs, nca_s_* statuses) stay as they are.
pub const fn hresult_from_win32(code: u32) -> u32 {
    if code != 0 && code <= 0xFFFF {
        WIN32_HRESULT_PREFIX | code
    } else {
        code
    }
}

/// How a value reached an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The value is the entry's own code.
    Exact,
    /// The value is `HRESULT_FROM_WIN32(entry.code)`.
    Win32AsHresult,
    /// The value is `HRESULT_FROM_NT(entry.code)`.
    NtStatusAsHresult,
}

/// One reading of a looked-up value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusMatch {
    pub info: &'static StatusInfo,
    pub encoding: Encoding,
}

/// Every table, in no particular order; ranking is done by kind.
const TABLES: [&[StatusInfo]; 7] = [
    table_wbem::ENTRIES,
    table_hresult::ENTRIES,
    table_win32::ENTRIES,
    table_ntstatus::ENTRIES,
    table_rpc::NCA_FAULTS,
    table_rpc::DCE_STATUS,
    table_kerberos::ENTRIES,
];

/// Every entry of every table.
pub fn all_entries() -> impl Iterator<Item = &'static StatusInfo> {
    TABLES.into_iter().flatten()
}

fn entries_of(kind: StatusKind) -> impl Iterator<Item = &'static StatusInfo> {
    all_entries().filter(move |e| e.kind == kind)
}

/// All readings of `code`, likeliest first, with how each was reached (see the module comment).
pub fn lookup_matches(code: u32) -> Vec<StatusMatch> {
    let mut found: Vec<StatusMatch> = StatusKind::ALL
        .into_iter()
        .flat_map(entries_of)
        .filter(|e| e.code == code)
        .map(|info| StatusMatch {
            info,
            encoding: Encoding::Exact,
        })
        .collect();
    if code & 0xFFFF_0000 == WIN32_HRESULT_PREFIX {
        let win32 = code & 0xFFFF;
        found.extend(
            entries_of(StatusKind::Win32)
                .filter(|e| e.code == win32)
                .map(|info| StatusMatch {
                    info,
                    encoding: Encoding::Win32AsHresult,
                }),
        );
    }
    if code & HRESULT_NT_BIT != 0 {
        let ntstatus = code & !HRESULT_NT_BIT;
        found.extend(
            entries_of(StatusKind::NtStatus)
                .filter(|e| e.code == ntstatus && e.is_error())
                .map(|info| StatusMatch {
                    info,
                    encoding: Encoding::NtStatusAsHresult,
                }),
        );
    }
    found
}

/// All entries `code` can stand for, likeliest first. A Win32 code given as an HRESULT (`0x800706BA`)
/// finds the Win32 entry, after any entry defined for the HRESULT value itself.
pub fn lookup(code: u32) -> Vec<&'static StatusInfo> {
    lookup_matches(code).into_iter().map(|m| m.info).collect()
}

/// All entries whose name or alias is `name`, ignoring ASCII case. Several spaces share names
/// (`RPC_S_CALL_FAILED` is Win32 0x6BE and `rpc_s_call_failed` a DCE status), so entries whose spelling
/// matches exactly come first, then the rest in kind order.
pub fn lookup_name(name: &str) -> Vec<&'static StatusInfo> {
    let wanted = name.trim();
    let mut found: Vec<&'static StatusInfo> = StatusKind::ALL
        .into_iter()
        .flat_map(entries_of)
        .filter(|e| e.answers_to(wanted))
        .collect();
    // A stable sort keeps the kind order among equally good spellings.
    found.sort_by_key(|e| !(e.name == wanted || e.aliases.contains(&wanted)));
    found
}
