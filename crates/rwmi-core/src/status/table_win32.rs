//! Win32 error codes (MS-ERREF 2.2) that the RPC runtime, DCOM and logon report. Windows RPC servers
//! put these values straight into fault PDUs, which is why tools that name faults in DCE style call
//! 5 `rpc_s_access_denied`: those spellings are kept as aliases.

use super::{StatusInfo, StatusKind};

const fn w32(code: u32, name: &'static str, meaning: &'static str) -> StatusInfo {
    StatusInfo::new(StatusKind::Win32, code, name, meaning)
}

const PEER_BUG: &[&str] = &[
    "A bug or version gap between the client's and the server's RPC implementation; with rwmi, \
     please report it with a packet capture of the exchange.",
];
const CREDENTIAL_FIXES: &[&str] = &[
    "Check the user name, domain and password; give the domain as DOMAIN\\user or user@domain.",
    "For a local account on the target, use .\\user or TARGETNAME\\user, not the client's domain.",
];
const ACCOUNT_STATE_FIXES: &[&str] = &[
    "Ask the account's administrator (Active Directory Users and Computers, or lusrmgr.msc on the \
     target for local accounts) to fix the account, or use another one.",
];
const NETWORK_CAUSES: &[&str] = &[
    "The target is down, the name resolves to the wrong address, or a firewall in the path drops \
     or rejects the connection.",
];
const NETWORK_FIXES: &[&str] = &[
    "Check that the name resolves to the right address and that TCP 135 answers (`rwmi doctor \
     <host>`).",
];

pub(super) const ENTRIES: &[StatusInfo] = &[
    w32(0, "ERROR_SUCCESS", "The operation completed successfully.").aliases(&["RPC_S_OK"]),
    w32(1, "ERROR_INVALID_FUNCTION", "The function asked for is not valid here."),
    w32(
        5,
        "ERROR_ACCESS_DENIED",
        "The server refused the operation for this account.",
    )
    .aliases(&["RPC_S_ACCESS_DENIED"])
    .causes(&[
        "As an RPC fault during DCOM activation: the target's DCOM launch/activation permissions \
         refuse the account, or the call used an authentication level below packet integrity \
         (refused since the KB5004442 DCOM hardening, event 10036 on the target).",
        "Remote UAC filtering for a local administrator account (LocalAccountTokenFilterPolicy not \
         set).",
        "The account is not an administrator and not in Distributed COM Users on the target.",
    ])
    .fixes(&[
        "Use --auth-level integrity or --auth-level privacy.",
        "Grant Remote Launch/Activation/Access in DCOMCnfg > COM Security on the target, or add \
         the account to Distributed COM Users.",
        "For a local admin account set LocalAccountTokenFilterPolicy = 1 (DWORD) under \
         HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System, or use a domain \
         account.",
    ]),
    w32(6, "ERROR_INVALID_HANDLE", "A handle given to the call is not valid.")
        .aliases(&["RPC_X_SS_CONTEXT_MISMATCH"]),
    w32(
        8,
        "ERROR_NOT_ENOUGH_MEMORY",
        "There is not enough memory to process the request.",
    ),
    w32(13, "ERROR_INVALID_DATA", "The data given is not valid."),
    w32(
        14,
        "ERROR_OUTOFMEMORY",
        "There is not enough memory to complete the operation.",
    )
    .aliases(&["RPC_S_OUT_OF_MEMORY"]),
    w32(50, "ERROR_NOT_SUPPORTED", "The request is not supported."),
    w32(
        53,
        "ERROR_BAD_NETPATH",
        "The network path could not be found.",
    )
    .causes(NETWORK_CAUSES)
    .fixes(NETWORK_FIXES),
    w32(
        64,
        "ERROR_NETNAME_DELETED",
        "The network connection was closed by the other side.",
    ),
    w32(
        65,
        "ERROR_NETWORK_ACCESS_DENIED",
        "Network access to the resource is denied.",
    ),
    w32(
        87,
        "ERROR_INVALID_PARAMETER",
        "A parameter of the call is not valid.",
    )
    .aliases(&["RPC_S_INVALID_ARG"]),
    w32(
        121,
        "ERROR_SEM_TIMEOUT",
        "A wait timed out, typically a network connection attempt.",
    )
    .causes(NETWORK_CAUSES)
    .fixes(NETWORK_FIXES),
    w32(234, "ERROR_MORE_DATA", "More data is available than fit in the answer."),
    w32(
        1058,
        "ERROR_SERVICE_DISABLED",
        "The service is disabled and cannot be started.",
    )
    .causes(&["The Windows Management Instrumentation service is disabled on the target."])
    .fixes(&["On the target: sc config winmgmt start= auto, then sc start winmgmt."]),
    w32(
        1062,
        "ERROR_SERVICE_NOT_ACTIVE",
        "The service has not been started.",
    ),
    w32(
        1115,
        "ERROR_SHUTDOWN_IN_PROGRESS",
        "The target is shutting down.",
    ),
    w32(
        1225,
        "ERROR_CONNECTION_REFUSED",
        "The remote computer refused the network connection.",
    )
    .causes(&["Nothing listens on the port, or a host firewall rejects the connection."])
    .fixes(NETWORK_FIXES),
    w32(
        1231,
        "ERROR_NETWORK_UNREACHABLE",
        "The network of the target cannot be reached.",
    )
    .causes(NETWORK_CAUSES)
    .fixes(NETWORK_FIXES),
    w32(
        1232,
        "ERROR_HOST_UNREACHABLE",
        "The target host cannot be reached.",
    )
    .causes(NETWORK_CAUSES)
    .fixes(NETWORK_FIXES),
    w32(
        1236,
        "ERROR_CONNECTION_ABORTED",
        "The local system aborted the network connection.",
    ),
    w32(
        1265,
        "ERROR_DOWNGRADE_DETECTED",
        "A security downgrade was detected during negotiation.",
    ),
    w32(
        1311,
        "ERROR_NO_LOGON_SERVERS",
        "No logon server (domain controller) is available to check the credentials.",
    )
    .causes(&["The target cannot reach a domain controller of the account's domain."])
    .fixes(&["Check the target's domain connectivity, or use a local account of the target."]),
    w32(
        1314,
        "ERROR_PRIVILEGE_NOT_HELD",
        "The caller lacks a privilege the operation requires.",
    ),
    w32(
        1317,
        "ERROR_NO_SUCH_USER",
        "The user account does not exist.",
    )
    .fixes(CREDENTIAL_FIXES),
    w32(
        1323,
        "ERROR_WRONG_PASSWORD",
        "The current password given is not correct.",
    )
    .fixes(CREDENTIAL_FIXES),
    w32(
        1326,
        "ERROR_LOGON_FAILURE",
        "The user name or password is wrong.",
    )
    .causes(&[
        "A wrong password or hash.",
        "A local account given with the wrong domain (the client's domain instead of the target's \
         computer name).",
        "NTLM refused by policy for this account or target.",
    ])
    .fixes(CREDENTIAL_FIXES),
    w32(
        1327,
        "ERROR_ACCOUNT_RESTRICTION",
        "An account restriction prevents this logon, such as a blank password or a time limit.",
    )
    .causes(&["Blank passwords are refused for network logons."])
    .fixes(ACCOUNT_STATE_FIXES),
    w32(
        1328,
        "ERROR_INVALID_LOGON_HOURS",
        "The account may not log on at this time of day.",
    )
    .fixes(ACCOUNT_STATE_FIXES),
    w32(
        1329,
        "ERROR_INVALID_WORKSTATION",
        "The account may not log on from this computer.",
    )
    .fixes(ACCOUNT_STATE_FIXES),
    w32(
        1330,
        "ERROR_PASSWORD_EXPIRED",
        "The account's password has expired.",
    )
    .fixes(&["Change the password interactively, then retry."]),
    w32(
        1331,
        "ERROR_ACCOUNT_DISABLED",
        "The account is disabled.",
    )
    .fixes(ACCOUNT_STATE_FIXES),
    w32(
        1346,
        "ERROR_BAD_IMPERSONATION_LEVEL",
        "The impersonation level granted is too low for the operation.",
    )
    .causes(&["The client allowed only Identify (or Anonymous) impersonation; WMI needs Impersonate."])
    .fixes(&["Use impersonation level Impersonate (rwmi's default)."]),
    w32(
        1347,
        "ERROR_CANT_OPEN_ANONYMOUS",
        "An anonymous token cannot be used for this operation.",
    )
    .fixes(&["Give credentials; WMI does not accept anonymous connections."]),
    w32(
        1355,
        "ERROR_NO_SUCH_DOMAIN",
        "The domain named does not exist or cannot be contacted.",
    )
    .fixes(&["Check the domain part of the user name; for local accounts use the target's computer name."]),
    w32(1359, "ERROR_INTERNAL_ERROR", "An internal error occurred."),
    w32(
        1385,
        "ERROR_LOGON_TYPE_NOT_GRANTED",
        "The account does not have the right to log on to the target from the network.",
    )
    .causes(&["\"Deny access to this computer from the network\" or a missing \"Access this computer \
               from the network\" right on the target."])
    .fixes(&["Adjust User Rights Assignment on the target (secpol.msc or Group Policy)."]),
    w32(
        1396,
        "ERROR_WRONG_TARGET_NAME",
        "The target name (SPN) the client authenticated to is not the server's.",
    )
    .fixes(&["Connect by the target's real FQDN so Kerberos asks for the right SPN."]),
    w32(
        1397,
        "ERROR_MUTUAL_AUTH_FAILED",
        "The server could not prove its identity to the client.",
    ),
    w32(
        1398,
        "ERROR_TIME_SKEW",
        "The clocks of the client and the server differ too much.",
    )
    .fixes(&["Synchronise the client's clock with the domain."]),
    w32(
        1460,
        "ERROR_TIMEOUT",
        "The operation returned because its time limit expired.",
    )
    .aliases(&["RPC_S_TIMEOUT"]),
    w32(
        0x06A6,
        "RPC_S_INVALID_BINDING",
        "The binding handle is not valid.",
    ),
    w32(
        0x06A7,
        "RPC_S_PROTSEQ_NOT_SUPPORTED",
        "The RPC protocol sequence is not supported.",
    ),
    w32(
        0x06AB,
        "RPC_S_INVALID_NET_ADDR",
        "The network address is not valid.",
    ),
    w32(
        0x06B5,
        "RPC_S_UNKNOWN_IF",
        "The server does not offer the interface the client bound to.",
    )
    .causes(&[
        "Binding an interface to the wrong endpoint or port.",
        "The service that registers the interface is not running on the target.",
    ])
    .fixes(&["Check that the WMI and DCOM services run on the target; reconnect to refresh endpoints."]),
    w32(
        0x06B9,
        "RPC_S_OUT_OF_RESOURCES",
        "The RPC runtime ran out of resources.",
    ),
    w32(
        0x06BA,
        "RPC_S_SERVER_UNAVAILABLE",
        "The RPC server could not be reached.",
    )
    .causes(&[
        "The target is down or the name resolves to the wrong address.",
        "A firewall blocks TCP 135 or the dynamic RPC port range (49152-65535 by default) that \
         WMI's server is reached on.",
        "The Windows firewall rule group \"Windows Management Instrumentation (WMI)\" is not enabled \
         on the target.",
        "The address the target advertises for itself (OXID bindings) is not reachable from the \
         client (NAT, multiple interfaces, a NetBIOS name without DNS).",
    ])
    .fixes(&[
        "Run `rwmi doctor <host>` to test name resolution, port 135 and the dynamic port.",
        "On the target, enable the firewall rule group: netsh advfirewall firewall set rule \
         group=\"Windows Management Instrumentation (WMI)\" new enable=yes.",
        "Allow the dynamic RPC port range through network firewalls, or pin WMI to a fixed port.",
        "If the target advertises an address the client cannot reach (NAT, several interfaces), connect through the address that answered on port 135.",
    ]),
    w32(
        0x06BB,
        "RPC_S_SERVER_TOO_BUSY",
        "The RPC server is too busy to complete the operation.",
    )
    .fixes(&["Retry later, with fewer parallel connections."]),
    w32(
        0x06BE,
        "RPC_S_CALL_FAILED",
        "The remote procedure call failed, and it may have run on the server.",
    )
    .causes(&[
        "The connection broke during the call (a firewall timing out an idle connection, the \
         service restarting).",
        "The server failed while running the call.",
    ])
    .fixes(&["Reconnect and retry; check idle timeouts of firewalls in the path."]),
    w32(
        0x06BF,
        "RPC_S_CALL_FAILED_DNE",
        "The remote procedure call failed and did not run on the server.",
    ),
    w32(
        0x06C0,
        "RPC_S_PROTOCOL_ERROR",
        "An RPC protocol error occurred: one side sent something the other did not expect.",
    )
    .causes(PEER_BUG),
    w32(
        0x06C2,
        "RPC_S_UNSUPPORTED_TRANS_SYN",
        "The server does not support the transfer syntax (NDR or NDR64) proposed.",
    )
    .causes(PEER_BUG),
    w32(
        0x06C4,
        "RPC_S_UNSUPPORTED_TYPE",
        "The type UUID is not supported.",
    ),
    w32(0x06C5, "RPC_S_INVALID_TAG", "The union tag value is not valid."),
    w32(
        0x06C6,
        "RPC_S_INVALID_BOUND",
        "An array bound in the marshalled data is not valid.",
    )
    .aliases(&["RPC_X_INVALID_BOUND"])
    .causes(PEER_BUG),
    w32(
        0x06CD,
        "RPC_S_UNKNOWN_AUTHN_TYPE",
        "The authentication type is not recognised.",
    ),
    w32(
        0x06D1,
        "RPC_S_PROCNUM_OUT_OF_RANGE",
        "The operation number called does not exist on the interface.",
    )
    .causes(&[
        "Calling a method that the server's version of the interface does not have (for example \
         an IWbemServices method on an emulator that lacks it).",
    ])
    .fixes(PEER_BUG),
    w32(
        0x06D2,
        "RPC_S_BINDING_HAS_NO_AUTH",
        "The binding has no authentication information.",
    ),
    w32(
        0x06D3,
        "RPC_S_UNKNOWN_AUTHN_SERVICE",
        "The authentication service asked for is unknown.",
    )
    .fixes(&["Use NTLM, Kerberos or Negotiate authentication."]),
    w32(
        0x06D4,
        "RPC_S_UNKNOWN_AUTHN_LEVEL",
        "The authentication level asked for is unknown.",
    ),
    w32(
        0x06D5,
        "RPC_S_INVALID_AUTH_IDENTITY",
        "The security context is not valid.",
    ),
    w32(
        0x06D8,
        "EPT_S_CANT_PERFORM_OP",
        "The endpoint mapper could not perform the operation.",
    )
    .aliases(&["rpc_fault_cant_perform"]),
    w32(
        0x06D9,
        "EPT_S_NOT_REGISTERED",
        "The endpoint mapper has no endpoint for the interface asked for.",
    )
    .causes(&[
        "The service that serves the interface is not running on the target.",
        "The interface UUID or version asked for is wrong.",
    ])
    .fixes(&["Check that the Windows Management Instrumentation and DCOM Server Process Launcher \
              services run on the target."]),
    w32(
        0x06E4,
        "RPC_S_CANNOT_SUPPORT",
        "The requested operation is not supported.",
    ),
    w32(
        0x06E6,
        "RPC_S_INTERNAL_ERROR",
        "The RPC runtime hit an internal error.",
    ),
    w32(0x06E7, "RPC_S_ZERO_DIVIDE", "The server divided an integer by zero."),
    w32(
        0x06E8,
        "RPC_S_ADDRESS_ERROR",
        "The server hit an addressing error (an access violation).",
    ),
    w32(0x06E9, "RPC_S_FP_DIV_ZERO", "The server divided a floating-point number by zero."),
    w32(0x06EA, "RPC_S_FP_UNDERFLOW", "A floating-point underflow occurred at the server."),
    w32(0x06EB, "RPC_S_FP_OVERFLOW", "A floating-point overflow occurred at the server."),
    w32(
        0x06F1,
        "RPC_X_SS_CONTEXT_DAMAGED",
        "The context handle changed during the call.",
    ),
    w32(
        0x06F2,
        "RPC_X_SS_HANDLES_MISMATCH",
        "The binding handles passed to the call do not match.",
    ),
    w32(
        0x06F4,
        "RPC_X_NULL_REF_POINTER",
        "A null reference pointer was passed to the stub.",
    )
    .causes(PEER_BUG),
    w32(
        0x06F5,
        "RPC_X_ENUM_VALUE_OUT_OF_RANGE",
        "An enumeration value is out of range.",
    )
    .causes(PEER_BUG),
    w32(
        0x06F6,
        "RPC_X_BYTE_COUNT_TOO_SMALL",
        "The byte count is too small.",
    )
    .causes(PEER_BUG),
    w32(
        0x06F7,
        "RPC_X_BAD_STUB_DATA",
        "The server could not unmarshal the arguments of the call.",
    )
    .causes(&[
        "The request's NDR encoding does not match what the server's IDL expects (a wrong \
         structure layout, alignment or interface version).",
        "A malformed encoded WMI object (MS-WMIO) sent with Put or ExecMethod.",
    ])
    .fixes(PEER_BUG),
    w32(
        0x0719,
        "RPC_S_NO_INTERFACES",
        "No interfaces have been registered.",
    ),
    w32(
        0x071A,
        "RPC_S_CALL_CANCELLED",
        "The remote procedure call was cancelled.",
    ),
    w32(
        0x071B,
        "RPC_S_BINDING_INCOMPLETE",
        "The binding handle lacks required information.",
    ),
    w32(
        0x071C,
        "RPC_S_COMM_FAILURE",
        "A communication failure occurred during the remote procedure call.",
    )
    .causes(&["The connection was reset or timed out mid-call; a firewall or an unstable link."])
    .fixes(&["Retry; check firewalls and idle timeouts between client and target."]),
    w32(
        0x071D,
        "RPC_S_UNSUPPORTED_AUTHN_LEVEL",
        "The authentication level asked for is not supported.",
    )
    .fixes(&["Use --auth-level integrity or privacy."]),
    w32(
        0x071E,
        "RPC_S_NO_PRINC_NAME",
        "No principal name is registered for the server.",
    ),
    w32(
        0x0721,
        "RPC_S_SEC_PKG_ERROR",
        "The security package reported an error it did not specify further.",
    )
    .causes(&[
        "Kerberos failures: no ticket for the SPN, a clock skew, or encryption types that do not \
         match.",
        "Authentication to an IP address where only Kerberos is accepted.",
        "Corrupted security trailers.",
    ])
    .fixes(&[
        "Try NTLM authentication to separate Kerberos problems from the rest.",
        "For Kerberos, connect by FQDN and check the clock.",
    ]),
    w32(
        0x0722,
        "RPC_S_NOT_CANCELLED",
        "The thread was not cancelled.",
    ),
    w32(
        0x0776,
        "OR_INVALID_OXID",
        "The object exporter (OXID) named is not known to the target.",
    )
    .causes(&["The server process exited, or the OXID came from another session or host."])
    .fixes(&["Reconnect to get fresh object references."]),
    w32(
        0x0777,
        "OR_INVALID_OID",
        "The object ID named is not known to the object exporter.",
    ),
    w32(
        0x0778,
        "OR_INVALID_SET",
        "The ping set ID named is not known to the object exporter.",
    ),
    w32(
        0x077C,
        "RPC_X_PIPE_CLOSED",
        "The RPC pipe object was closed.",
    ),
    w32(
        0x077D,
        "RPC_X_PIPE_DISCIPLINE_ERROR",
        "The RPC pipe calls were made in an invalid order.",
    ),
    w32(0x077E, "RPC_X_PIPE_EMPTY", "The RPC pipe has no more data."),
    w32(
        0x0727,
        "RPC_X_WRONG_PIPE_ORDER",
        "The RPC pipe was used out of order.",
    ),
    w32(
        0x046A,
        "ERROR_NOT_ENOUGH_SERVER_MEMORY",
        "The server does not have enough memory for the call.",
    )
    .aliases(&["RPC_S_SERVER_OUT_OF_MEMORY"]),
    w32(
        0x0701,
        "ERROR_ACCOUNT_EXPIRED",
        "The account has expired.",
    )
    .fixes(ACCOUNT_STATE_FIXES),
    w32(
        0x06FB,
        "ERROR_NO_TRUST_SAM_ACCOUNT",
        "The target has no trust account in the domain it tried to reach.",
    ),
    w32(
        0x06FD,
        "ERROR_TRUSTED_RELATIONSHIP_FAILURE",
        "The trust between the target and its domain is broken.",
    )
    .fixes(&["Repair the target's domain membership (Test-ComputerSecureChannel -Repair)."]),
    w32(
        0x0710,
        "ERROR_NOLOGON_WORKSTATION_TRUST_ACCOUNT",
        "A workstation trust account was used for a logon, which is not allowed.",
    ),
    w32(
        0x0773,
        "ERROR_PASSWORD_MUST_CHANGE",
        "The password must be changed before the first logon.",
    )
    .fixes(&["Log on interactively once and change the password."]),
    w32(
        0x0775,
        "ERROR_ACCOUNT_LOCKED_OUT",
        "The account is locked out after too many failed logons.",
    )
    .fixes(&["Wait for the lockout to expire or have it unlocked; check for scripts with an old password."]),
    w32(
        0x078B,
        "ERROR_CONTEXT_EXPIRED",
        "The security context has expired.",
    ),
];
