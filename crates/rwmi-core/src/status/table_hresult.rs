//! HRESULTs other than WBEMSTATUS (MS-ERREF 2.1.1): generic COM results, DCOM (RPC_E_*, CO_E_*), class
//! registration and the security-package results (SEC_E_*) that authentication reports.

use super::{StatusInfo, StatusKind};

const fn hr(code: u32, name: &'static str, meaning: &'static str) -> StatusInfo {
    StatusInfo::new(StatusKind::Hresult, code, name, meaning)
}

const PEER_BUG: &[&str] = &[
    "A bug or version gap in one of the two RPC/DCOM implementations; with rwmi, please report it \
     with a packet capture of the exchange.",
];

const BAD_CREDENTIALS_FIXES: &[&str] = &[
    "Check the user name, domain and password; give the domain as DOMAIN\\user or user@domain.",
    "Make sure the account is enabled, not locked out, and its password has not expired.",
];

pub(super) const ENTRIES: &[StatusInfo] = &[
    hr(0x0000_0000, "S_OK", "The call succeeded."),
    hr(
        0x0000_0001,
        "S_FALSE",
        "The call succeeded but the answer is a negative or partial one.",
    ),
    hr(
        0x8000_4001,
        "E_NOTIMPL",
        "The method exists in the interface but the server does not implement it.",
    )
    .causes(&[
        "Calling an IWbemServices method the target's WMI service or a provider does not offer \
         (for example asynchronous variants on some emulators).",
    ]),
    hr(
        0x8000_4002,
        "E_NOINTERFACE",
        "The object does not support the interface the client asked for.",
    )
    .causes(&[
        "RemQueryInterface or activation asked for an interface ID the server object lacks.",
        "A mismatch of interface versions between client and server.",
    ])
    .fixes(PEER_BUG),
    hr(
        0x8000_4003,
        "E_POINTER",
        "A required pointer argument was null or not valid.",
    )
    .causes(PEER_BUG),
    hr(0x8000_4004, "E_ABORT", "The operation was aborted."),
    hr(
        0x8000_4005,
        "E_FAIL",
        "The call failed without a more specific reason.",
    )
    .causes(&["A server-side error that was not mapped to a specific code."])
    .fixes(&["Look at the target's System and Application event logs around the time of the call."]),
    hr(
        0x8000_FFFF,
        "E_UNEXPECTED",
        "The server hit a failure it did not expect, often a call made in the wrong state.",
    )
    .causes(PEER_BUG),
    hr(
        0x8000_000A,
        "E_PENDING",
        "The data needed to complete the call is not available yet.",
    ),
    hr(
        0x8007_0005,
        "E_ACCESSDENIED",
        "The target refused the DCOM call or activation for this account (general access denied, \
         Win32 error 5 wrapped as an HRESULT).",
    )
    .causes(&[
        "DCOM launch/activation or access permissions on the target (Component Services > \
         Computers > My Computer > COM Security, or the WMI application in DCOMCnfg) do not allow \
         this user remote activation or remote access.",
        "Remote UAC: a local (non-domain) administrator account gets a filtered token over the \
         network, so it is not treated as an administrator.",
        "DCOM hardening (KB5004442, CVE-2021-26414): since March 2023 the target refuses \
         activation below packet integrity, and logs event 10036.",
        "The account is not a member of Administrators or Distributed COM Users on the target.",
    ])
    .fixes(&[
        "Use --auth-level integrity or --auth-level privacy (rwmi's default is privacy).",
        "On the target, run DCOMCnfg > Component Services > Computers > My Computer > Properties \
         > COM Security and give the account Remote Launch, Remote Activation and Remote Access \
         (or add it to Distributed COM Users).",
        "For a local admin account, set LocalAccountTokenFilterPolicy = 1 (DWORD) under \
         HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System on the target, or \
         use a domain account.",
        "Then grant Remote Enable on the WMI namespace (wmimgmt.msc > WMI Control > Security).",
    ]),
    hr(
        0x8007_0006,
        "E_HANDLE",
        "A handle passed to the call is not valid.",
    ),
    hr(
        0x8007_000E,
        "E_OUTOFMEMORY",
        "The server could not allocate the memory the call needs.",
    )
    .causes(&["A very large result set, or a target low on memory."]),
    hr(
        0x8007_0057,
        "E_INVALIDARG",
        "One or more arguments of the call are not valid.",
    )
    .causes(&[
        "A malformed argument: an object path, a flag value, or an encoded object the server could \
         not accept.",
    ]),
    hr(
        0x8000_401B,
        "CO_E_LAUNCH_PERMSSION_DENIED",
        "The DCOM launch permissions of the target do not let this account start the server \
         object.",
    )
    .causes(&["Launch and activation permissions in DCOMCnfg do not include the account."])
    .fixes(&[
        "On the target, DCOMCnfg > COM Security > Launch and Activation Permissions: allow Remote \
         Launch and Remote Activation for the account, or add it to Distributed COM Users.",
    ]),
    hr(
        0x8000_4014,
        "CO_E_BAD_SERVER_NAME",
        "The server name given for remote activation is not valid.",
    ),
    hr(
        0x8000_401D,
        "CO_E_REMOTE_COMMUNICATION_FAILURE",
        "The DCOM service on the target could not reach the server process it started.",
    ),
    hr(
        0x8000_401E,
        "CO_E_SERVER_START_TIMEOUT",
        "The server process for the requested class did not start in time.",
    )
    .causes(&["The WMI service on the target is slow to start or hung."])
    .fixes(&["Retry; if it persists, restart the Windows Management Instrumentation service."]),
    hr(
        0x8000_402B,
        "CO_E_NO_SECCTX_IN_ACTIVATE",
        "The activation request carried no security context although the server requires one.",
    )
    .causes(&["An unauthenticated (anonymous) activation attempt."])
    .fixes(&["Authenticate the activation call: give credentials and an auth level of integrity or higher."]),
    hr(
        0x8000_4033,
        "CO_E_MALFORMED_SPN",
        "The service principal name given for the server is not well formed.",
    )
    .fixes(&["Pass an SPN of the form host/<fqdn> or leave it to rwmi to derive."]),
    hr(
        0x8008_0005,
        "CO_E_SERVER_EXEC_FAILURE",
        "The target's DCOM service could not start the server process for the requested class.",
    )
    .causes(&[
        "The WMI service (winmgmt) on the target is disabled, failed to start, or crashed.",
        "The target is low on resources or shutting down.",
    ])
    .fixes(&[
        "On the target, check that the Windows Management Instrumentation service is running \
         (sc query winmgmt) and restart it.",
        "Look at the System event log for DCOM events 10010 or 10016.",
    ]),
    hr(
        0x8004_0154,
        "REGDB_E_CLASSNOTREG",
        "The class ID asked for is not registered on the target.",
    )
    .causes(&[
        "Activating a COM class the target does not have, such as a WMI locator CLSID on a system \
         without WMI.",
        "The WMI component of the target is damaged.",
    ])
    .fixes(&["Check that the target runs a Windows edition with remote WMI and that winmgmt is installed."]),
    hr(
        0x8004_0111,
        "CLASS_E_CLASSNOTAVAILABLE",
        "The class factory cannot create objects of the requested class.",
    ),
    hr(
        0x8001_0001,
        "RPC_E_CALL_REJECTED",
        "The server refused the call, typically because it is busy with another one.",
    ),
    hr(
        0x8001_0002,
        "RPC_E_CALL_CANCELED",
        "The call was cancelled before the server answered.",
    ),
    hr(
        0x8001_0006,
        "RPC_E_CONNECTION_TERMINATED",
        "The connection to the server object was closed.",
    ),
    hr(
        0x8001_0007,
        "RPC_E_SERVER_DIED",
        "The server process ended while the call was in progress.",
    )
    .causes(&["The WMI service or provider host on the target crashed or was restarted."])
    .fixes(&["Reconnect; look at the target's Application log for the crash."]),
    hr(
        0x8001_0012,
        "RPC_E_SERVER_DIED_DNE",
        "The server process ended, and the call never ran.",
    ),
    hr(
        0x8001_0009,
        "RPC_E_INVALID_DATAPACKET",
        "The data packet received was not valid.",
    )
    .causes(PEER_BUG),
    hr(
        0x8001_0100,
        "RPC_E_SYS_CALL_FAILED",
        "A system call inside the COM runtime failed.",
    ),
    hr(
        0x8001_0101,
        "RPC_E_OUT_OF_RESOURCES",
        "The COM runtime ran out of a resource such as memory or threads.",
    ),
    hr(
        0x8001_0104,
        "RPC_E_FAULT",
        "The RPC layer returned a fault for the call.",
    ),
    hr(
        0x8001_0105,
        "RPC_E_SERVERFAULT",
        "The server object raised an exception while running the call.",
    )
    .causes(&[
        "A crash inside the WMI service or a provider on the target.",
        "Arguments the server could not handle (a malformed encoded object).",
    ])
    .fixes(&["Retry once; check the target's Application log for a faulting module."]),
    hr(
        0x8001_0107,
        "RPC_E_INVALIDMETHOD",
        "The method number called does not exist on the interface.",
    )
    .causes(PEER_BUG),
    hr(
        0x8001_0108,
        "RPC_E_DISCONNECTED",
        "The server object the client held a reference to no longer exists.",
    )
    .causes(&[
        "The object's references were released by the server after the client stopped pinging \
         it (DCOM garbage collection after about six minutes without a ping).",
        "The WMI service restarted on the target.",
    ])
    .fixes(&["Reconnect and repeat the call; keep long sessions alive with regular calls."]),
    hr(
        0x8001_0110,
        "RPC_E_VERSION_MISMATCH",
        "The two ends disagree on the DCOM protocol version.",
    )
    .causes(&[
        "The client announced a COM version the server does not accept (for example minor \
         version 1 where Windows now expects 7 or later).",
    ])
    .fixes(PEER_BUG),
    hr(
        0x8001_0111,
        "RPC_E_INVALID_HEADER",
        "The DCOM header (ORPCTHIS/ORPCTHAT) of the call was not valid.",
    )
    .causes(&[
        "A COM version or ORPC extension the server rejects, as seen with old clients against \
         recent Windows.",
    ])
    .fixes(PEER_BUG),
    hr(
        0x8001_0112,
        "RPC_E_INVALID_EXTENSION",
        "An ORPC extension in the call header was not valid.",
    )
    .causes(PEER_BUG),
    hr(
        0x8001_0113,
        "RPC_E_INVALID_IPID",
        "The interface pointer ID used for the call is not known to the server.",
    )
    .causes(&[
        "The object was released on the server (for example after a restart of the WMI service).",
    ])
    .fixes(&["Reconnect to obtain fresh interface pointers."]),
    hr(
        0x8001_0114,
        "RPC_E_INVALID_OBJECT",
        "The object the call was addressed to is not known to the server.",
    ),
    hr(
        0x8001_0118,
        "RPC_E_UNSECURE_CALL",
        "The call was refused because it was not secured enough.",
    )
    .fixes(&["Raise the authentication level (--auth-level integrity or privacy)."]),
    hr(
        0x8001_011A,
        "RPC_E_NO_GOOD_SECURITY_PACKAGES",
        "Client and server share no authentication package.",
    )
    .causes(&["The target allows only Kerberos and the client offered NTLM, or the reverse."])
    .fixes(&["Switch between Kerberos (with a host name, not an IP address) and NTLM authentication."]),
    hr(
        0x8001_011B,
        "RPC_E_ACCESS_DENIED",
        "The COM runtime denied access to the call.",
    )
    .causes(&["COM access permissions on the target do not include the account."])
    .fixes(&["Grant Remote Access in DCOMCnfg > COM Security > Access Permissions on the target."]),
    hr(
        0x8001_011C,
        "RPC_E_REMOTE_DISABLED",
        "Remote calls to COM objects are turned off on the target.",
    )
    .causes(&[
        "DCOM is disabled on the target (EnableDCOM = N under HKLM\\SOFTWARE\\Microsoft\\Ole).",
    ])
    .fixes(&[
        "On the target, enable DCOM: DCOMCnfg > My Computer > Properties > Default Properties > \
         Enable Distributed COM, then restart.",
    ]),
    hr(
        0x8001_011D,
        "RPC_E_INVALID_OBJREF",
        "The object reference (OBJREF) received was not valid.",
    )
    .causes(PEER_BUG),
    hr(
        0x8001_011F,
        "RPC_E_TIMEOUT",
        "The call did not complete within its time limit.",
    )
    .causes(&["A slow network or a target that stopped answering mid-call."])
    .fixes(&["Raise the call timeout; check the network path to the target."]),
    hr(
        0x8001_0123,
        "CO_E_FAILEDTOIMPERSONATE",
        "The server could not impersonate the caller.",
    )
    .fixes(&["Connect with impersonation level Impersonate (the default), not Identify or Anonymous."]),
    hr(
        0x8001_FFFF,
        "RPC_E_UNEXPECTED",
        "The COM runtime hit an internal error.",
    ),
    hr(
        0x0009_0312,
        "SEC_I_CONTINUE_NEEDED",
        "Authentication is not finished: another token must be exchanged.",
    ),
    hr(
        0x8009_0302,
        "SEC_E_UNSUPPORTED_FUNCTION",
        "The security package does not support the requested operation or option.",
    ),
    hr(
        0x8009_0303,
        "SEC_E_TARGET_UNKNOWN",
        "The target service principal is unknown to the authentication authority.",
    )
    .causes(&["Kerberos was asked for a ticket to an SPN that no account has (wrong host name)."])
    .fixes(&["Use the target's fully qualified DNS name; check its SPNs with `setspn -L <computer>`."]),
    hr(
        0x8009_0304,
        "SEC_E_INTERNAL_ERROR",
        "The security package failed internally; the service could not be contacted or the data \
         was unusable.",
    ),
    hr(
        0x8009_0305,
        "SEC_E_SECPKG_NOT_FOUND",
        "The security package asked for is not available.",
    ),
    hr(
        0x8009_0308,
        "SEC_E_INVALID_TOKEN",
        "The authentication token received was not valid.",
    )
    .causes(&["A corrupted or mis-framed NTLM/Kerberos/SPNEGO token, or a mismatch of packages."])
    .fixes(PEER_BUG),
    hr(
        0x8009_030C,
        "SEC_E_LOGON_DENIED",
        "The logon was refused: the credentials were rejected.",
    )
    .causes(&["A wrong password, user name or domain.", "A disabled, expired or locked-out account."])
    .fixes(BAD_CREDENTIALS_FIXES),
    hr(
        0x8009_030D,
        "SEC_E_UNKNOWN_CREDENTIALS",
        "The credentials given are not recognised by the security package.",
    ),
    hr(
        0x8009_030E,
        "SEC_E_NO_CREDENTIALS",
        "No credentials were available for the security package.",
    )
    .causes(&["Kerberos without a ticket cache or key, or NTLM without a password or hash."])
    .fixes(&["Give a password or hash, or run kinit (or set KRB5CCNAME) before using Kerberos."]),
    hr(
        0x8009_030F,
        "SEC_E_MESSAGE_ALTERED",
        "A signed or sealed message failed its integrity check.",
    )
    .causes(&[
        "The two ends derived different session keys (wrong password hash, NTLM flags mismatch).",
        "Something in the path rewrote the packet.",
    ])
    .fixes(PEER_BUG),
    hr(
        0x8009_0310,
        "SEC_E_OUT_OF_SEQUENCE",
        "A signed message arrived with an unexpected sequence number.",
    )
    .causes(PEER_BUG),
    hr(
        0x8009_0311,
        "SEC_E_NO_AUTHENTICATING_AUTHORITY",
        "No domain controller or KDC could be reached to check the credentials.",
    )
    .causes(&[
        "The domain name is wrong or the client cannot reach a KDC on port 88.",
        "The target's own link to its domain controller is down.",
    ])
    .fixes(&["Check the domain name and DNS; for Kerberos, make sure the KDC is reachable on port 88."]),
    hr(
        0x8009_0317,
        "SEC_E_CONTEXT_EXPIRED",
        "The security context has expired and must be renegotiated.",
    )
    .fixes(&["Reconnect; for Kerberos, renew the ticket."]),
    hr(
        0x8009_0322,
        "SEC_E_WRONG_PRINCIPAL",
        "The server's Kerberos identity is not the one the client's ticket was issued for.",
    )
    .causes(&[
        "The name used to connect maps (through DNS or a CNAME) to a different computer than the \
         SPN names.",
        "Duplicate SPNs in the domain, or a stale DNS record.",
    ])
    .fixes(&[
        "Connect by the target's real FQDN; check with `setspn -Q host/<fqdn>` that exactly one \
         account holds the SPN.",
    ]),
    hr(
        0x8009_0324,
        "SEC_E_TIME_SKEW",
        "The clocks of the client and the server (or KDC) differ too much for Kerberos.",
    )
    .causes(&["Clock difference above the allowed skew, five minutes by default."])
    .fixes(&["Synchronise the client's clock with the domain (NTP to a domain controller)."]),
    hr(
        0x8009_0331,
        "SEC_E_ALGORITHM_MISMATCH",
        "Client and server support no common cryptographic algorithm.",
    )
    .causes(&["RC4 or DES disabled on one side while the other only offers it."])
    .fixes(&["Enable AES for the account (msDS-SupportedEncryptionTypes) or use AES keys on the client."]),
    hr(
        0x8009_0342,
        "SEC_E_KDC_UNKNOWN_ETYPE",
        "The KDC does not support the encryption type asked for.",
    )
    .fixes(&["Ask for AES encryption types; check the account's supported encryption types."]),
    hr(
        0x8009_0346,
        "SEC_E_BAD_BINDINGS",
        "The channel binding information did not match.",
    ),
    hr(
        0x8009_0350,
        "SEC_E_DOWNGRADE_DETECTED",
        "The negotiation looks like it was tampered with to force a weaker mechanism.",
    )
    .causes(&["SPNEGO mechListMIC missing or wrong, or a man-in-the-middle."])
    .fixes(PEER_BUG),
];
