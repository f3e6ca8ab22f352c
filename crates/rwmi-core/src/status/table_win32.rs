//! Win32 error codes (MS-ERREF 2.2) that the RPC runtime, DCOM and logon report. Windows RPC servers
//! put these values straight into fault PDUs, which is why tools that name faults in DCE style call
//! 5 `rpc_s_access_denied`: those spellings are kept as aliases.

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

status_table! {
    /// Win32 error codes (MS-ERREF 2.2), by their MS-ERREF names; the RPC runtime's RPC_S_*, EPT_S_*
    /// and RPC_X_* and the OXID resolver's OR_* are Win32 codes too.
    pub mod win32: Win32 => ENTRIES;

    ERROR_SUCCESS = 0, "The operation completed successfully."
        .aliases(&["RPC_S_OK"]),
    ERROR_INVALID_FUNCTION = 1, "The function asked for is not valid here.",
    ERROR_ACCESS_DENIED = 5, "The server refused the operation for this account."
        .aliases(&["RPC_S_ACCESS_DENIED"])
        .causes(&[
            "As an RPC fault during DCOM activation: the target's DCOM launch/activation \
             permissions refuse the account, or the call used an authentication level below packet \
             integrity (refused since the KB5004442 DCOM hardening, event 10036 on the target).",
            "Remote UAC filtering for a local administrator account (LocalAccountTokenFilterPolicy \
             not set).",
            "The account is not an administrator and not in Distributed COM Users on the target.",
        ])
        .fixes(&[
            "Use --auth-level integrity or --auth-level privacy.",
            "Grant Remote Launch/Activation/Access in DCOMCnfg > COM Security on the target, or \
             add the account to Distributed COM Users.",
            "For a local admin account set LocalAccountTokenFilterPolicy = 1 (DWORD) under \
             HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System, or use a domain \
             account.",
        ]),
    ERROR_INVALID_HANDLE = 6, "A handle given to the call is not valid."
        .aliases(&["RPC_X_SS_CONTEXT_MISMATCH"]),
    ERROR_NOT_ENOUGH_MEMORY = 8, "There is not enough memory to process the request.",
    ERROR_INVALID_DATA = 13, "The data given is not valid.",
    ERROR_OUTOFMEMORY = 14, "There is not enough memory to complete the operation."
        .aliases(&["RPC_S_OUT_OF_MEMORY"]),
    ERROR_NOT_SUPPORTED = 50, "The request is not supported.",
    ERROR_BAD_NETPATH = 53, "The network path could not be found."
        .causes(NETWORK_CAUSES)
        .fixes(NETWORK_FIXES),
    ERROR_NETNAME_DELETED = 64, "The network connection was closed by the other side.",
    ERROR_NETWORK_ACCESS_DENIED = 65, "Network access to the resource is denied.",
    ERROR_INVALID_PARAMETER = 87, "A parameter of the call is not valid."
        .aliases(&["RPC_S_INVALID_ARG"]),
    ERROR_SEM_TIMEOUT = 121, "A wait timed out, typically a network connection attempt."
        .causes(NETWORK_CAUSES)
        .fixes(NETWORK_FIXES),
    ERROR_MORE_DATA = 234, "More data is available than fit in the answer.",
    ERROR_SERVICE_DISABLED = 1058, "The service is disabled and cannot be started."
        .causes(&["The Windows Management Instrumentation service is disabled on the target."])
        .fixes(&["On the target: sc config winmgmt start= auto, then sc start winmgmt."]),
    ERROR_SERVICE_NOT_ACTIVE = 1062, "The service has not been started.",
    ERROR_SHUTDOWN_IN_PROGRESS = 1115, "The target is shutting down.",
    ERROR_CONNECTION_REFUSED = 1225, "The remote computer refused the network connection."
        .causes(&["Nothing listens on the port, or a host firewall rejects the connection."])
        .fixes(NETWORK_FIXES),
    ERROR_NETWORK_UNREACHABLE = 1231, "The network of the target cannot be reached."
        .causes(NETWORK_CAUSES)
        .fixes(NETWORK_FIXES),
    ERROR_HOST_UNREACHABLE = 1232, "The target host cannot be reached."
        .causes(NETWORK_CAUSES)
        .fixes(NETWORK_FIXES),
    ERROR_CONNECTION_ABORTED = 1236, "The local system aborted the network connection.",
    ERROR_DOWNGRADE_DETECTED = 1265, "A security downgrade was detected during negotiation.",
    ERROR_NO_LOGON_SERVERS = 1311,
        "No logon server (domain controller) is available to check the credentials."
        .causes(&["The target cannot reach a domain controller of the account's domain."])
        .fixes(&["Check the target's domain connectivity, or use a local account of the target."]),
    ERROR_PRIVILEGE_NOT_HELD = 1314, "The caller lacks a privilege the operation requires.",
    ERROR_NO_SUCH_USER = 1317, "The user account does not exist."
        .fixes(CREDENTIAL_FIXES),
    ERROR_WRONG_PASSWORD = 1323, "The current password given is not correct."
        .fixes(CREDENTIAL_FIXES),
    ERROR_LOGON_FAILURE = 1326, "The user name or password is wrong."
        .causes(&[
            "A wrong password or hash.",
            "A local account given with the wrong domain (the client's domain instead of the \
             target's computer name).",
            "NTLM refused by policy for this account or target.",
        ])
        .fixes(CREDENTIAL_FIXES),
    ERROR_ACCOUNT_RESTRICTION = 1327,
        "An account restriction prevents this logon, such as a blank password or a time limit."
        .causes(&["Blank passwords are refused for network logons."])
        .fixes(ACCOUNT_STATE_FIXES),
    ERROR_INVALID_LOGON_HOURS = 1328, "The account may not log on at this time of day."
        .fixes(ACCOUNT_STATE_FIXES),
    ERROR_INVALID_WORKSTATION = 1329, "The account may not log on from this computer."
        .fixes(ACCOUNT_STATE_FIXES),
    ERROR_PASSWORD_EXPIRED = 1330, "The account's password has expired."
        .fixes(&["Change the password interactively, then retry."]),
    ERROR_ACCOUNT_DISABLED = 1331, "The account is disabled."
        .fixes(ACCOUNT_STATE_FIXES),
    ERROR_BAD_IMPERSONATION_LEVEL = 1346,
        "The impersonation level granted is too low for the operation."
        .causes(&[
            "The client allowed only Identify (or Anonymous) impersonation; WMI needs Impersonate.",
        ])
        .fixes(&["Use impersonation level Impersonate (rwmi's default)."]),
    ERROR_CANT_OPEN_ANONYMOUS = 1347, "An anonymous token cannot be used for this operation."
        .fixes(&["Give credentials; WMI does not accept anonymous connections."]),
    ERROR_NO_SUCH_DOMAIN = 1355, "The domain named does not exist or cannot be contacted."
        .fixes(&[
            "Check the domain part of the user name; for local accounts use the target's computer \
             name.",
        ]),
    ERROR_INTERNAL_ERROR = 1359, "An internal error occurred.",
    ERROR_LOGON_TYPE_NOT_GRANTED = 1385,
        "The account does not have the right to log on to the target from the network."
        .causes(&[
            "\"Deny access to this computer from the network\" or a missing \"Access this computer \
             from the network\" right on the target.",
        ])
        .fixes(&["Adjust User Rights Assignment on the target (secpol.msc or Group Policy)."]),
    ERROR_WRONG_TARGET_NAME = 1396,
        "The target name (SPN) the client authenticated to is not the server's."
        .fixes(&["Connect by the target's real FQDN so Kerberos asks for the right SPN."]),
    ERROR_MUTUAL_AUTH_FAILED = 1397, "The server could not prove its identity to the client.",
    ERROR_TIME_SKEW = 1398, "The clocks of the client and the server differ too much."
        .fixes(&["Synchronise the client's clock with the domain."]),
    ERROR_TIMEOUT = 1460, "The operation returned because its time limit expired."
        .aliases(&["RPC_S_TIMEOUT"]),
    RPC_S_INVALID_BINDING = 0x06A6, "The binding handle is not valid.",
    RPC_S_PROTSEQ_NOT_SUPPORTED = 0x06A7, "The RPC protocol sequence is not supported.",
    RPC_S_INVALID_NET_ADDR = 0x06AB, "The network address is not valid.",
    RPC_S_UNKNOWN_IF = 0x06B5, "The server does not offer the interface the client bound to."
        .causes(&[
            "Binding an interface to the wrong endpoint or port.",
            "The service that registers the interface is not running on the target.",
        ])
        .fixes(&[
            "Check that the WMI and DCOM services run on the target; reconnect to refresh \
             endpoints.",
        ]),
    RPC_S_OUT_OF_RESOURCES = 0x06B9, "The RPC runtime ran out of resources.",
    RPC_S_SERVER_UNAVAILABLE = 0x06BA, "The RPC server could not be reached."
        .causes(&[
            "The target is down or the name resolves to the wrong address.",
            "A firewall blocks TCP 135 or the dynamic RPC port range (49152-65535 by default) that \
             WMI's server is reached on.",
            "The Windows firewall rule group \"Windows Management Instrumentation (WMI)\" is not \
             enabled on the target.",
            "The address the target advertises for itself (OXID bindings) is not reachable from \
             the client (NAT, multiple interfaces, a NetBIOS name without DNS).",
        ])
        .fixes(&[
            "Run `rwmi doctor <host>` to test name resolution, port 135 and the dynamic port.",
            "On the target, enable the firewall rule group: netsh advfirewall firewall set rule \
             group=\"Windows Management Instrumentation (WMI)\" new enable=yes.",
            "Allow the dynamic RPC port range through network firewalls, or pin WMI to a fixed \
             port.",
            "If the target advertises an address the client cannot reach (NAT, several \
             interfaces), connect through the address that answered on port 135.",
        ]),
    RPC_S_SERVER_TOO_BUSY = 0x06BB, "The RPC server is too busy to complete the operation."
        .fixes(&["Retry later, with fewer parallel connections."]),
    RPC_S_CALL_FAILED = 0x06BE,
        "The remote procedure call failed, and it may have run on the server."
        .causes(&[
            "The connection broke during the call (a firewall timing out an idle connection, the \
             service restarting).",
            "The server failed while running the call.",
        ])
        .fixes(&["Reconnect and retry; check idle timeouts of firewalls in the path."]),
    RPC_S_CALL_FAILED_DNE = 0x06BF,
        "The remote procedure call failed and did not run on the server.",
    RPC_S_PROTOCOL_ERROR = 0x06C0,
        "An RPC protocol error occurred: one side sent something the other did not expect."
        .causes(PEER_BUG),
    RPC_S_UNSUPPORTED_TRANS_SYN = 0x06C2,
        "The server does not support the transfer syntax (NDR or NDR64) proposed."
        .causes(PEER_BUG),
    RPC_S_UNSUPPORTED_TYPE = 0x06C4, "The type UUID is not supported.",
    RPC_S_INVALID_TAG = 0x06C5, "The union tag value is not valid.",
    RPC_S_INVALID_BOUND = 0x06C6, "An array bound in the marshalled data is not valid."
        .aliases(&["RPC_X_INVALID_BOUND"])
        .causes(PEER_BUG),
    RPC_S_UNKNOWN_AUTHN_TYPE = 0x06CD, "The authentication type is not recognised.",
    RPC_S_PROCNUM_OUT_OF_RANGE = 0x06D1,
        "The operation number called does not exist on the interface."
        .causes(&[
            "Calling a method that the server's version of the interface does not have (for \
             example an IWbemServices method on an emulator that lacks it).",
        ])
        .fixes(PEER_BUG),
    RPC_S_BINDING_HAS_NO_AUTH = 0x06D2, "The binding has no authentication information.",
    RPC_S_UNKNOWN_AUTHN_SERVICE = 0x06D3, "The authentication service asked for is unknown."
        .fixes(&["Use NTLM, Kerberos or Negotiate authentication."]),
    RPC_S_UNKNOWN_AUTHN_LEVEL = 0x06D4, "The authentication level asked for is unknown.",
    RPC_S_INVALID_AUTH_IDENTITY = 0x06D5, "The security context is not valid.",
    EPT_S_CANT_PERFORM_OP = 0x06D8, "The endpoint mapper could not perform the operation."
        .aliases(&["rpc_fault_cant_perform"]),
    EPT_S_NOT_REGISTERED = 0x06D9,
        "The endpoint mapper has no endpoint for the interface asked for."
        .causes(&[
            "The service that serves the interface is not running on the target.",
            "The interface UUID or version asked for is wrong.",
        ])
        .fixes(&[
            "Check that the Windows Management Instrumentation and DCOM Server Process Launcher \
             services run on the target.",
        ]),
    RPC_S_CANNOT_SUPPORT = 0x06E4, "The requested operation is not supported.",
    RPC_S_INTERNAL_ERROR = 0x06E6, "The RPC runtime hit an internal error.",
    RPC_S_ZERO_DIVIDE = 0x06E7, "The server divided an integer by zero.",
    RPC_S_ADDRESS_ERROR = 0x06E8, "The server hit an addressing error (an access violation).",
    RPC_S_FP_DIV_ZERO = 0x06E9, "The server divided a floating-point number by zero.",
    RPC_S_FP_UNDERFLOW = 0x06EA, "A floating-point underflow occurred at the server.",
    RPC_S_FP_OVERFLOW = 0x06EB, "A floating-point overflow occurred at the server.",
    RPC_X_SS_CONTEXT_DAMAGED = 0x06F1, "The context handle changed during the call.",
    RPC_X_SS_HANDLES_MISMATCH = 0x06F2, "The binding handles passed to the call do not match.",
    RPC_X_NULL_REF_POINTER = 0x06F4, "A null reference pointer was passed to the stub."
        .causes(PEER_BUG),
    RPC_X_ENUM_VALUE_OUT_OF_RANGE = 0x06F5, "An enumeration value is out of range."
        .causes(PEER_BUG),
    RPC_X_BYTE_COUNT_TOO_SMALL = 0x06F6, "The byte count is too small."
        .causes(PEER_BUG),
    RPC_X_BAD_STUB_DATA = 0x06F7, "The server could not unmarshal the arguments of the call."
        .causes(&[
            "The request's NDR encoding does not match what the server's IDL expects (a wrong \
             structure layout, alignment or interface version).",
            "A malformed encoded WMI object (MS-WMIO) sent with Put or ExecMethod.",
        ])
        .fixes(PEER_BUG),
    RPC_S_NO_INTERFACES = 0x0719, "No interfaces have been registered.",
    RPC_S_CALL_CANCELLED = 0x071A, "The remote procedure call was cancelled.",
    RPC_S_BINDING_INCOMPLETE = 0x071B, "The binding handle lacks required information.",
    RPC_S_COMM_FAILURE = 0x071C,
        "A communication failure occurred during the remote procedure call."
        .causes(&[
            "The connection was reset or timed out mid-call; a firewall or an unstable link.",
        ])
        .fixes(&["Retry; check firewalls and idle timeouts between client and target."]),
    RPC_S_UNSUPPORTED_AUTHN_LEVEL = 0x071D, "The authentication level asked for is not supported."
        .fixes(&["Use --auth-level integrity or privacy."]),
    RPC_S_NO_PRINC_NAME = 0x071E, "No principal name is registered for the server.",
    RPC_S_SEC_PKG_ERROR = 0x0721,
        "The security package reported an error it did not specify further."
        .causes(&[
            "Kerberos failures: no ticket for the SPN, a clock skew, or encryption types that do \
             not match.",
            "Authentication to an IP address where only Kerberos is accepted.",
            "Corrupted security trailers.",
        ])
        .fixes(&[
            "Try NTLM authentication to separate Kerberos problems from the rest.",
            "For Kerberos, connect by FQDN and check the clock.",
        ]),
    RPC_S_NOT_CANCELLED = 0x0722, "The thread was not cancelled.",
    OR_INVALID_OXID = 0x0776, "The object exporter (OXID) named is not known to the target."
        .causes(&["The server process exited, or the OXID came from another session or host."])
        .fixes(&["Reconnect to get fresh object references."]),
    OR_INVALID_OID = 0x0777, "The object ID named is not known to the object exporter.",
    OR_INVALID_SET = 0x0778, "The ping set ID named is not known to the object exporter.",
    RPC_X_PIPE_CLOSED = 0x077C, "The RPC pipe object was closed.",
    RPC_X_PIPE_DISCIPLINE_ERROR = 0x077D, "The RPC pipe calls were made in an invalid order.",
    RPC_X_PIPE_EMPTY = 0x077E, "The RPC pipe has no more data.",
    RPC_X_WRONG_PIPE_ORDER = 0x0727, "The RPC pipe was used out of order.",
    ERROR_NOT_ENOUGH_SERVER_MEMORY = 0x046A, "The server does not have enough memory for the call."
        .aliases(&["RPC_S_SERVER_OUT_OF_MEMORY"]),
    ERROR_ACCOUNT_EXPIRED = 0x0701, "The account has expired."
        .fixes(ACCOUNT_STATE_FIXES),
    ERROR_NO_TRUST_SAM_ACCOUNT = 0x06FB,
        "The target has no trust account in the domain it tried to reach.",
    ERROR_TRUSTED_RELATIONSHIP_FAILURE = 0x06FD,
        "The trust between the target and its domain is broken."
        .fixes(&["Repair the target's domain membership (Test-ComputerSecureChannel -Repair)."]),
    ERROR_NOLOGON_WORKSTATION_TRUST_ACCOUNT = 0x0710,
        "A workstation trust account was used for a logon, which is not allowed.",
    ERROR_PASSWORD_MUST_CHANGE = 0x0773, "The password must be changed before the first logon."
        .fixes(&["Log on interactively once and change the password."]),
    ERROR_ACCOUNT_LOCKED_OUT = 0x0775, "The account is locked out after too many failed logons."
        .fixes(&[
            "Wait for the lockout to expire or have it unlocked; check for scripts with an old \
             password.",
        ]),
    ERROR_CONTEXT_EXPIRED = 0x078B, "The security context has expired.",
}
