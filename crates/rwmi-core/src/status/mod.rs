//! The one table of status codes the whole product explains: typed errors, `rwmi explain <CODE>` and the
//! diagnoses of `rwmi doctor` all read from here.
//!
//! Every entry names a 32-bit value, the numbering space it belongs to ([`StatusKind`]), one plain sentence
//! saying what it means, and, for the codes a remote-WMI user actually meets, the likely causes and the
//! fixes. All text is our own wording. The values come from MS-WMI 2.2.11 (WBEMSTATUS), MS-ERREF 2.1
//! (HRESULT), 2.2 (Win32) and 2.3 (NTSTATUS), MS-RPCE 3.1.1.5.5 and C706 appendix N (nca_s_* fault
//! codes and the DCE rpc_s_* status values), and RFC 4120 7.5.9 (Kerberos error codes).
//!
//! The table is plain static data: nothing is built at run time, and a lookup is a scan over a few hundred
//! entries.

/// Declares one kind's table and its named constants from the same rows, so each value is written once:
/// `pub mod $module` gets one `pub const` per row (documented with the row's meaning), and `$table`
/// gets the [`StatusInfo`] entries built from those constants. A row is
/// `NAME = value [as "spelling"], "meaning" [.causes(..)] [.fixes(..)] [.aliases(..)]`; the entry's name
/// is the constant's unless the document spells it otherwise (`nca_s_proto_error`), then `as` gives it.
macro_rules! status_table {
    (
        $(#[$module_doc:meta])*
        pub mod $module:ident: $kind:ident => $table:ident;
        $(
            $name:ident = $code:literal $(as $spelling:literal)?, $meaning:literal
                $(.$builder:ident($arg:expr))*
        ),+ $(,)?
    ) => {
        $(#[$module_doc])*
        pub mod $module {
            $(
                #[doc = $meaning]
                pub const $name: u32 = $code;
            )+

            /// Every constant of this module with the name its table entry carries.
            #[cfg(test)]
            pub(crate) const NAMED: &[(&str, u32)] =
                &[$((status_table!(@spelling $name $($spelling)?), $name),)+];
        }

        pub(super) const $table: &[$crate::status::StatusInfo] = &[$(
            $crate::status::StatusInfo::new(
                $crate::status::StatusKind::$kind,
                $module::$name,
                status_table!(@spelling $name $($spelling)?),
                $meaning,
            )
            $(.$builder($arg))*,
        )+];
    };
    (@spelling $name:ident) => {
        stringify!($name)
    };
    (@spelling $name:ident $spelling:literal) => {
        $spelling
    };
}

mod lookup;
mod parse;
mod table_hresult;
mod table_kerberos;
mod table_ntstatus;
mod table_rpc;
mod table_wbem;
mod table_win32;
mod wbem_status;

pub use lookup::{
    Encoding, StatusMatch, all_entries, hresult_from_win32, lookup, lookup_matches, lookup_name,
};
pub use parse::{hex_and_decimal, parse_code};
pub use table_hresult::hresult;
pub use table_kerberos::kerberos;
pub use table_ntstatus::ntstatus;
pub use table_rpc::{nca, rpc, win32_for_fault};
pub use table_wbem::wbem;
pub use table_win32::win32;
pub use wbem_status::WbemStatus;

use std::fmt;

/// The numbering space a status value belongs to. The same 32-bit value can mean different things in
/// different spaces (5 is a Win32 error and a Kerberos error code), so every entry carries its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusKind {
    /// A WBEMSTATUS value returned by the WMI service (MS-WMI 2.2.11), facility ITF 0x8004_1xxx.
    Wbem,
    /// Any other HRESULT (MS-ERREF 2.1): COM, DCOM, security-package and generic errors.
    Hresult,
    /// A Win32 error code (MS-ERREF 2.2), 0..=0xFFFF; also the value Windows puts in most RPC faults.
    Win32,
    /// An NTSTATUS value (MS-ERREF 2.3), seen from logon and SMB/NTLM layers.
    NtStatus,
    /// A connection-level fault or reject status `nca_s_*` (C706 appendix N.2, MS-RPCE 3.1.1.5.5).
    NcaFault,
    /// A DCE runtime status `rpc_s_*` 0x16C9_Axxx (C706 appendix N), sent by non-Windows RPC servers.
    RpcStatus,
    /// A Kerberos KRB-ERROR error-code (RFC 4120 7.5.9), as reported by a KDC or a service.
    Kerberos,
}

impl StatusKind {
    /// Every kind, in the order [`lookup`] ranks exact matches: the spaces a WMI client most often meets
    /// first, small-integer spaces that collide with Win32 last.
    pub const ALL: [StatusKind; 7] = [
        StatusKind::Wbem,
        StatusKind::Hresult,
        StatusKind::Win32,
        StatusKind::NtStatus,
        StatusKind::NcaFault,
        StatusKind::RpcStatus,
        StatusKind::Kerberos,
    ];

    /// A short label for listings (`"WBEM"`, `"HRESULT"`, ...).
    pub fn label(self) -> &'static str {
        match self {
            StatusKind::Wbem => "WBEM",
            StatusKind::Hresult => "HRESULT",
            StatusKind::Win32 => "Win32",
            StatusKind::NtStatus => "NTSTATUS",
            StatusKind::NcaFault => "RPC fault (nca)",
            StatusKind::RpcStatus => "DCE RPC status",
            StatusKind::Kerberos => "Kerberos",
        }
    }
}

impl fmt::Display for StatusKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One status value with its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusInfo {
    pub code: u32,
    /// The canonical symbolic name, as the defining document spells it.
    pub name: &'static str,
    pub kind: StatusKind,
    /// One plain sentence saying what the value means.
    pub meaning: &'static str,
    /// Why a remote-WMI user typically gets it, most common first. May be empty for rare codes.
    pub causes: &'static [&'static str],
    /// What to do about it, most effective first. May be empty for rare codes.
    pub fixes: &'static [&'static str],
    /// Other names the same value goes by (`rpc_s_access_denied` for ERROR_ACCESS_DENIED).
    pub aliases: &'static [&'static str],
}

impl StatusInfo {
    /// An entry with a meaning only; the tables add causes, fixes and aliases with the builders below.
    pub(crate) const fn new(
        kind: StatusKind,
        code: u32,
        name: &'static str,
        meaning: &'static str,
    ) -> Self {
        Self {
            code,
            name,
            kind,
            meaning,
            causes: &[],
            fixes: &[],
            aliases: &[],
        }
    }

    pub(crate) const fn causes(self, causes: &'static [&'static str]) -> Self {
        Self { causes, ..self }
    }

    pub(crate) const fn fixes(self, fixes: &'static [&'static str]) -> Self {
        Self { fixes, ..self }
    }

    pub(crate) const fn aliases(self, aliases: &'static [&'static str]) -> Self {
        Self { aliases, ..self }
    }

    /// True for values that report a failure: the severity bit for HRESULTs, NTSTATUS error severity,
    /// and anything nonzero in the spaces that have no success codes besides zero.
    pub fn is_error(&self) -> bool {
        match self.kind {
            StatusKind::Wbem | StatusKind::Hresult => self.code & 0x8000_0000 != 0,
            StatusKind::NtStatus => self.code >> 30 == 0b11,
            StatusKind::Win32
            | StatusKind::NcaFault
            | StatusKind::RpcStatus
            | StatusKind::Kerberos => self.code != 0,
        }
    }

    /// True if `name` is this entry's name or one of its aliases, ignoring ASCII case.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for StatusInfo {
    /// `WBEM_E_ACCESS_DENIED (0x80041003 / -2147217405)`: the form typed errors print.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, parse::hex_slash_decimal(self.code))
    }
}

#[cfg(test)]
mod tests;
