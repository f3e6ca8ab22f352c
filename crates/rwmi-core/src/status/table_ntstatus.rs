//! NTSTATUS values (MS-ERREF 2.3.1) that NTLM/Kerberos logons and the transports report.

const CREDENTIAL_FIXES: &[&str] = &[
    "Check the user name, domain and password; give the domain as DOMAIN\\user or user@domain.",
    "For a local account on the target, use .\\user or TARGETNAME\\user.",
];
const ACCOUNT_STATE_FIXES: &[&str] = &[
    "Have the account's administrator fix the account (Active Directory Users and Computers, or \
     lusrmgr.msc on the target for local accounts), or use another account.",
];

status_table! {
    /// NTSTATUS values (MS-ERREF 2.3), by their MS-ERREF names.
    pub mod ntstatus: NtStatus => ENTRIES;

    STATUS_SUCCESS = 0x0000_0000, "The operation succeeded.",
    STATUS_TIMEOUT = 0x0000_0102, "A wait ended because its time limit passed.",
    STATUS_UNSUCCESSFUL = 0xC000_0001, "The operation failed without a more specific reason.",
    STATUS_NOT_IMPLEMENTED = 0xC000_0002, "The requested operation is not implemented.",
    STATUS_INVALID_HANDLE = 0xC000_0008, "A handle given to the call is not valid.",
    STATUS_INVALID_PARAMETER = 0xC000_000D, "A parameter given to the call is not valid.",
    STATUS_MORE_PROCESSING_REQUIRED = 0xC000_0016,
        "The exchange is not finished: more authentication messages must follow.",
    STATUS_NO_MEMORY = 0xC000_0017, "Not enough memory was available for the operation.",
    STATUS_ACCESS_DENIED = 0xC000_0022,
        "The account has no right to the object or operation asked for."
        .causes(&[
            "Remote UAC filtering of a local administrator account.",
            "Missing permissions on the target for the account.",
        ])
        .fixes(&[
            "For a local admin account set LocalAccountTokenFilterPolicy = 1 on the target, or use \
             a domain account.",
        ]),
    STATUS_NO_LOGON_SERVERS = 0xC000_005E, "No domain controller is available to check the logon."
        .fixes(&[
            "Check the target's connection to its domain, or use a local account of the target.",
        ]),
    STATUS_PRIVILEGE_NOT_HELD = 0xC000_0061,
        "The caller does not hold a privilege the operation needs.",
    STATUS_NO_SUCH_USER = 0xC000_0064, "The user account does not exist."
        .causes(&["A typo in the user name, or a local account given with the client's domain."])
        .fixes(CREDENTIAL_FIXES),
    STATUS_WRONG_PASSWORD = 0xC000_006A, "The password given is wrong."
        .fixes(CREDENTIAL_FIXES),
    STATUS_PASSWORD_RESTRICTION = 0xC000_006C,
        "The password does not meet the account's password policy.",
    STATUS_LOGON_FAILURE = 0xC000_006D, "The logon failed: the user name or the password is wrong."
        .causes(&[
            "A wrong password or NT hash.",
            "The wrong domain for the account (a local account given with a domain name).",
            "NTLM restricted by policy on the target or the domain.",
        ])
        .fixes(CREDENTIAL_FIXES),
    STATUS_ACCOUNT_RESTRICTION = 0xC000_006E,
        "An account restriction stops this logon, such as a blank password over the network."
        .fixes(ACCOUNT_STATE_FIXES),
    STATUS_INVALID_LOGON_HOURS = 0xC000_006F, "The account may not log on at this time."
        .fixes(ACCOUNT_STATE_FIXES),
    STATUS_INVALID_WORKSTATION = 0xC000_0070, "The account may not log on from this computer."
        .fixes(ACCOUNT_STATE_FIXES),
    STATUS_PASSWORD_EXPIRED = 0xC000_0071, "The account's password has expired."
        .fixes(&["Change the password interactively, then retry."]),
    STATUS_ACCOUNT_DISABLED = 0xC000_0072, "The account is disabled."
        .fixes(ACCOUNT_STATE_FIXES),
    STATUS_NONE_MAPPED = 0xC000_0073, "No account name could be mapped to a security ID.",
    STATUS_INVALID_SID = 0xC000_0078, "The security ID is not valid.",
    STATUS_INSUFFICIENT_RESOURCES = 0xC000_009A,
        "The system lacks resources to complete the operation.",
    STATUS_BAD_IMPERSONATION_LEVEL = 0xC000_00A5,
        "The impersonation level granted is too low for the operation."
        .fixes(&["Use impersonation level Impersonate."]),
    STATUS_IO_TIMEOUT = 0xC000_00B5, "An I/O operation timed out.",
    STATUS_NOT_SUPPORTED = 0xC000_00BB, "The request is not supported.",
    STATUS_NETWORK_ACCESS_DENIED = 0xC000_00CA, "Network access to the resource is denied.",
    STATUS_CANT_ACCESS_DOMAIN_INFO = 0xC000_00DA, "The domain information could not be read.",
    STATUS_NO_SUCH_DOMAIN = 0xC000_00DF, "The domain named does not exist or cannot be contacted.",
    STATUS_INTERNAL_ERROR = 0xC000_00E5, "An internal error occurred.",
    STATUS_TIME_DIFFERENCE_AT_DC = 0xC000_0133,
        "The clocks of this computer and the domain controller differ too much."
        .causes(&["A clock skew above the Kerberos limit (five minutes by default)."])
        .fixes(&["Synchronise the client's clock with a domain controller (NTP)."]),
    STATUS_LOGON_TYPE_NOT_GRANTED = 0xC000_015B,
        "The account lacks the right to log on to the target from the network."
        .fixes(&[
            "Grant \"Access this computer from the network\" on the target and remove any deny \
             right.",
        ]),
    STATUS_NO_TRUST_SAM_ACCOUNT = 0xC000_018B, "The target has no computer account in the domain.",
    STATUS_TRUSTED_RELATIONSHIP_FAILURE = 0xC000_018D,
        "The trust between the target and its domain is broken."
        .fixes(&["Repair the target's domain membership (Test-ComputerSecureChannel -Repair)."]),
    STATUS_ACCOUNT_EXPIRED = 0xC000_0193, "The account has expired."
        .fixes(ACCOUNT_STATE_FIXES),
    STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT = 0xC000_0199,
        "A workstation trust account was used for a logon, which is not allowed.",
    STATUS_USER_SESSION_DELETED = 0xC000_0203, "The remote user session was deleted.",
    STATUS_CONNECTION_RESET = 0xC000_020D, "The connection was reset by the other side.",
    STATUS_PASSWORD_MUST_CHANGE = 0xC000_0224,
        "The password must be changed before the account can log on."
        .fixes(&["Log on interactively once and set a new password."]),
    STATUS_ACCOUNT_LOCKED_OUT = 0xC000_0234,
        "The account is locked out after too many failed logons."
        .causes(&[
            "Repeated attempts with a wrong password, often from a script or service with an old \
             one.",
        ])
        .fixes(&["Wait for the lockout to end or have it unlocked, then fix the stored password."]),
    STATUS_CONNECTION_REFUSED = 0xC000_0236, "The remote computer refused the connection.",
    STATUS_NETWORK_UNREACHABLE = 0xC000_023C,
        "The network of the remote computer cannot be reached.",
    STATUS_HOST_UNREACHABLE = 0xC000_023D, "The remote computer cannot be reached.",
    STATUS_KDC_UNKNOWN_ETYPE = 0xC000_02FD,
        "The KDC does not support the encryption type asked for.",
    STATUS_DOWNGRADE_DETECTED = 0xC000_0388,
        "A security downgrade was detected during negotiation.",
    STATUS_AUTHENTICATION_FIREWALL_FAILED = 0xC000_0413,
        "Selective authentication of a trust forbids this account from logging on to the target.",
    STATUS_NTLM_BLOCKED = 0xC000_0418, "NTLM authentication is blocked by policy."
        .causes(&["The domain or the target restricts NTLM (Network security: Restrict NTLM)."])
        .fixes(&["Use Kerberos: connect by FQDN with a domain account."]),
}
