//! NTSTATUS values (MS-ERREF 2.3.1) that NTLM/Kerberos logons and the transports report.

use super::{StatusInfo, StatusKind};

const fn nt(code: u32, name: &'static str, meaning: &'static str) -> StatusInfo {
    StatusInfo::new(StatusKind::NtStatus, code, name, meaning)
}

const CREDENTIAL_FIXES: &[&str] = &[
    "Check the user name, domain and password; give the domain as DOMAIN\\user or user@domain.",
    "For a local account on the target, use .\\user or TARGETNAME\\user.",
];
const ACCOUNT_STATE_FIXES: &[&str] = &[
    "Have the account's administrator fix the account (Active Directory Users and Computers, or \
     lusrmgr.msc on the target for local accounts), or use another account.",
];

pub(super) const ENTRIES: &[StatusInfo] = &[
    nt(0x0000_0000, "STATUS_SUCCESS", "The operation succeeded."),
    nt(
        0x0000_0102,
        "STATUS_TIMEOUT",
        "A wait ended because its time limit passed.",
    ),
    nt(
        0xC000_0001,
        "STATUS_UNSUCCESSFUL",
        "The operation failed without a more specific reason.",
    ),
    nt(
        0xC000_0002,
        "STATUS_NOT_IMPLEMENTED",
        "The requested operation is not implemented.",
    ),
    nt(
        0xC000_0008,
        "STATUS_INVALID_HANDLE",
        "A handle given to the call is not valid.",
    ),
    nt(
        0xC000_000D,
        "STATUS_INVALID_PARAMETER",
        "A parameter given to the call is not valid.",
    ),
    nt(
        0xC000_0016,
        "STATUS_MORE_PROCESSING_REQUIRED",
        "The exchange is not finished: more authentication messages must follow.",
    ),
    nt(
        0xC000_0017,
        "STATUS_NO_MEMORY",
        "Not enough memory was available for the operation.",
    ),
    nt(
        0xC000_0022,
        "STATUS_ACCESS_DENIED",
        "The account has no right to the object or operation asked for.",
    )
    .causes(&[
        "Remote UAC filtering of a local administrator account.",
        "Missing permissions on the target for the account.",
    ])
    .fixes(&[
        "For a local admin account set LocalAccountTokenFilterPolicy = 1 on the target, or use a \
         domain account.",
    ]),
    nt(
        0xC000_005E,
        "STATUS_NO_LOGON_SERVERS",
        "No domain controller is available to check the logon.",
    )
    .fixes(&["Check the target's connection to its domain, or use a local account of the target."]),
    nt(
        0xC000_0061,
        "STATUS_PRIVILEGE_NOT_HELD",
        "The caller does not hold a privilege the operation needs.",
    ),
    nt(
        0xC000_0064,
        "STATUS_NO_SUCH_USER",
        "The user account does not exist.",
    )
    .causes(&["A typo in the user name, or a local account given with the client's domain."])
    .fixes(CREDENTIAL_FIXES),
    nt(
        0xC000_006A,
        "STATUS_WRONG_PASSWORD",
        "The password given is wrong.",
    )
    .fixes(CREDENTIAL_FIXES),
    nt(
        0xC000_006C,
        "STATUS_PASSWORD_RESTRICTION",
        "The password does not meet the account's password policy.",
    ),
    nt(
        0xC000_006D,
        "STATUS_LOGON_FAILURE",
        "The logon failed: the user name or the password is wrong.",
    )
    .causes(&[
        "A wrong password or NT hash.",
        "The wrong domain for the account (a local account given with a domain name).",
        "NTLM restricted by policy on the target or the domain.",
    ])
    .fixes(CREDENTIAL_FIXES),
    nt(
        0xC000_006E,
        "STATUS_ACCOUNT_RESTRICTION",
        "An account restriction stops this logon, such as a blank password over the network.",
    )
    .fixes(ACCOUNT_STATE_FIXES),
    nt(
        0xC000_006F,
        "STATUS_INVALID_LOGON_HOURS",
        "The account may not log on at this time.",
    )
    .fixes(ACCOUNT_STATE_FIXES),
    nt(
        0xC000_0070,
        "STATUS_INVALID_WORKSTATION",
        "The account may not log on from this computer.",
    )
    .fixes(ACCOUNT_STATE_FIXES),
    nt(
        0xC000_0071,
        "STATUS_PASSWORD_EXPIRED",
        "The account's password has expired.",
    )
    .fixes(&["Change the password interactively, then retry."]),
    nt(
        0xC000_0072,
        "STATUS_ACCOUNT_DISABLED",
        "The account is disabled.",
    )
    .fixes(ACCOUNT_STATE_FIXES),
    nt(
        0xC000_0073,
        "STATUS_NONE_MAPPED",
        "No account name could be mapped to a security ID.",
    ),
    nt(
        0xC000_0078,
        "STATUS_INVALID_SID",
        "The security ID is not valid.",
    ),
    nt(
        0xC000_009A,
        "STATUS_INSUFFICIENT_RESOURCES",
        "The system lacks resources to complete the operation.",
    ),
    nt(
        0xC000_00A5,
        "STATUS_BAD_IMPERSONATION_LEVEL",
        "The impersonation level granted is too low for the operation.",
    )
    .fixes(&["Use impersonation level Impersonate."]),
    nt(
        0xC000_00B5,
        "STATUS_IO_TIMEOUT",
        "An I/O operation timed out.",
    ),
    nt(
        0xC000_00BB,
        "STATUS_NOT_SUPPORTED",
        "The request is not supported.",
    ),
    nt(
        0xC000_00CA,
        "STATUS_NETWORK_ACCESS_DENIED",
        "Network access to the resource is denied.",
    ),
    nt(
        0xC000_00DA,
        "STATUS_CANT_ACCESS_DOMAIN_INFO",
        "The domain information could not be read.",
    ),
    nt(
        0xC000_00DF,
        "STATUS_NO_SUCH_DOMAIN",
        "The domain named does not exist or cannot be contacted.",
    ),
    nt(
        0xC000_00E5,
        "STATUS_INTERNAL_ERROR",
        "An internal error occurred.",
    ),
    nt(
        0xC000_0133,
        "STATUS_TIME_DIFFERENCE_AT_DC",
        "The clocks of this computer and the domain controller differ too much.",
    )
    .causes(&["A clock skew above the Kerberos limit (five minutes by default)."])
    .fixes(&["Synchronise the client's clock with a domain controller (NTP)."]),
    nt(
        0xC000_015B,
        "STATUS_LOGON_TYPE_NOT_GRANTED",
        "The account lacks the right to log on to the target from the network.",
    )
    .fixes(&[
        "Grant \"Access this computer from the network\" on the target and remove any deny right.",
    ]),
    nt(
        0xC000_018B,
        "STATUS_NO_TRUST_SAM_ACCOUNT",
        "The target has no computer account in the domain.",
    ),
    nt(
        0xC000_018D,
        "STATUS_TRUSTED_RELATIONSHIP_FAILURE",
        "The trust between the target and its domain is broken.",
    )
    .fixes(&["Repair the target's domain membership (Test-ComputerSecureChannel -Repair)."]),
    nt(
        0xC000_0193,
        "STATUS_ACCOUNT_EXPIRED",
        "The account has expired.",
    )
    .fixes(ACCOUNT_STATE_FIXES),
    nt(
        0xC000_0199,
        "STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT",
        "A workstation trust account was used for a logon, which is not allowed.",
    ),
    nt(
        0xC000_0203,
        "STATUS_USER_SESSION_DELETED",
        "The remote user session was deleted.",
    ),
    nt(
        0xC000_020D,
        "STATUS_CONNECTION_RESET",
        "The connection was reset by the other side.",
    ),
    nt(
        0xC000_0224,
        "STATUS_PASSWORD_MUST_CHANGE",
        "The password must be changed before the account can log on.",
    )
    .fixes(&["Log on interactively once and set a new password."]),
    nt(
        0xC000_0234,
        "STATUS_ACCOUNT_LOCKED_OUT",
        "The account is locked out after too many failed logons.",
    )
    .causes(&[
        "Repeated attempts with a wrong password, often from a script or service with an old one.",
    ])
    .fixes(&["Wait for the lockout to end or have it unlocked, then fix the stored password."]),
    nt(
        0xC000_0236,
        "STATUS_CONNECTION_REFUSED",
        "The remote computer refused the connection.",
    ),
    nt(
        0xC000_023C,
        "STATUS_NETWORK_UNREACHABLE",
        "The network of the remote computer cannot be reached.",
    ),
    nt(
        0xC000_023D,
        "STATUS_HOST_UNREACHABLE",
        "The remote computer cannot be reached.",
    ),
    nt(
        0xC000_02FD,
        "STATUS_KDC_UNKNOWN_ETYPE",
        "The KDC does not support the encryption type asked for.",
    ),
    nt(
        0xC000_0388,
        "STATUS_DOWNGRADE_DETECTED",
        "A security downgrade was detected during negotiation.",
    ),
    nt(
        0xC000_0413,
        "STATUS_AUTHENTICATION_FIREWALL_FAILED",
        "Selective authentication of a trust forbids this account from logging on to the target.",
    ),
    nt(
        0xC000_0418,
        "STATUS_NTLM_BLOCKED",
        "NTLM authentication is blocked by policy.",
    )
    .causes(&["The domain or the target restricts NTLM (Network security: Restrict NTLM)."])
    .fixes(&["Use Kerberos: connect by FQDN with a domain account."]),
];
