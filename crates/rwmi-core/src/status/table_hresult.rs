//! HRESULTs other than WBEMSTATUS (MS-ERREF 2.1.1): generic COM results, DCOM (RPC_E_*, CO_E_*), class
//! registration and the security-package results (SEC_E_*) that authentication reports.

const PEER_BUG: &[&str] = &[
    "A bug or version gap in one of the two RPC/DCOM implementations; with rwmi, please report it \
     with a packet capture of the exchange.",
];

const BAD_CREDENTIALS_FIXES: &[&str] = &[
    "Check the user name, domain and password; give the domain as DOMAIN\\user or user@domain.",
    "Make sure the account is enabled, not locked out, and its password has not expired.",
];

status_table! {
    /// HRESULT values other than WBEMSTATUS (MS-ERREF 2.1), by their MS-ERREF names.
    pub mod hresult: Hresult => ENTRIES;

    S_OK = 0x0000_0000, "The call succeeded.",
    S_FALSE = 0x0000_0001, "The call succeeded but the answer is a negative or partial one.",
    E_NOTIMPL = 0x8000_4001,
        "The method exists in the interface but the server does not implement it."
        .causes(&[
            "Calling an IWbemServices method the target's WMI service or a provider does not offer \
             (for example asynchronous variants on some emulators).",
        ]),
    E_NOINTERFACE = 0x8000_4002, "The object does not support the interface the client asked for."
        .causes(&[
            "RemQueryInterface or activation asked for an interface ID the server object lacks.",
            "A mismatch of interface versions between client and server.",
        ])
        .fixes(PEER_BUG),
    E_POINTER = 0x8000_4003, "A required pointer argument was null or not valid."
        .causes(PEER_BUG),
    E_ABORT = 0x8000_4004, "The operation was aborted.",
    E_FAIL = 0x8000_4005, "The call failed without a more specific reason."
        .causes(&["A server-side error that was not mapped to a specific code."])
        .fixes(&[
            "Look at the target's System and Application event logs around the time of the call.",
        ]),
    E_UNEXPECTED = 0x8000_FFFF,
        "The server hit a failure it did not expect, often a call made in the wrong state."
        .causes(PEER_BUG),
    E_PENDING = 0x8000_000A, "The data needed to complete the call is not available yet.",
    E_ACCESSDENIED = 0x8007_0005,
        "The target refused the DCOM call or activation for this account (general access denied, \
         Win32 error 5 wrapped as an HRESULT)."
        .causes(&[
            "DCOM launch/activation or access permissions on the target (Component Services > \
             Computers > My Computer > COM Security, or the WMI application in DCOMCnfg) do not \
             allow this user remote activation or remote access.",
            "Remote UAC: a local (non-domain) administrator account gets a filtered token over the \
             network, so it is not treated as an administrator.",
            "DCOM hardening (KB5004442, CVE-2021-26414): since March 2023 the target refuses \
             activation below packet integrity, and logs event 10036.",
            "The account is not a member of Administrators or Distributed COM Users on the target.",
        ])
        .fixes(&[
            "Use --auth-level integrity or --auth-level privacy (rwmi's default is privacy).",
            "On the target, run DCOMCnfg > Component Services > Computers > My Computer > \
             Properties > COM Security and give the account Remote Launch, Remote Activation and \
             Remote Access (or add it to Distributed COM Users).",
            "For a local admin account, set LocalAccountTokenFilterPolicy = 1 (DWORD) under \
             HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System on the target, \
             or use a domain account.",
            "Then grant Remote Enable on the WMI namespace (wmimgmt.msc > WMI Control > Security).",
        ]),
    E_HANDLE = 0x8007_0006, "A handle passed to the call is not valid.",
    E_OUTOFMEMORY = 0x8007_000E, "The server could not allocate the memory the call needs."
        .causes(&["A very large result set, or a target low on memory."]),
    E_INVALIDARG = 0x8007_0057, "One or more arguments of the call are not valid."
        .causes(&[
            "A malformed argument: an object path, a flag value, or an encoded object the server \
             could not accept.",
        ]),
    CO_E_LAUNCH_PERMSSION_DENIED = 0x8000_401B,
        "The DCOM launch permissions of the target do not let this account start the server \
         object."
        .causes(&["Launch and activation permissions in DCOMCnfg do not include the account."])
        .fixes(&[
            "On the target, DCOMCnfg > COM Security > Launch and Activation Permissions: allow \
             Remote Launch and Remote Activation for the account, or add it to Distributed COM \
             Users.",
        ]),
    CO_E_BAD_SERVER_NAME = 0x8000_4014, "The server name given for remote activation is not valid.",
    CO_E_REMOTE_COMMUNICATION_FAILURE = 0x8000_401D,
        "The DCOM service on the target could not reach the server process it started.",
    CO_E_SERVER_START_TIMEOUT = 0x8000_401E,
        "The server process for the requested class did not start in time."
        .causes(&["The WMI service on the target is slow to start or hung."])
        .fixes(&["Retry; if it persists, restart the Windows Management Instrumentation service."]),
    CO_E_NO_SECCTX_IN_ACTIVATE = 0x8000_402B,
        "The activation request carried no security context although the server requires one."
        .causes(&["An unauthenticated (anonymous) activation attempt."])
        .fixes(&[
            "Authenticate the activation call: give credentials and an auth level of integrity or \
             higher.",
        ]),
    CO_E_MALFORMED_SPN = 0x8000_4033,
        "The service principal name given for the server is not well formed."
        .fixes(&["Pass an SPN of the form host/<fqdn> or leave it to rwmi to derive."]),
    CO_E_SERVER_EXEC_FAILURE = 0x8008_0005,
        "The target's DCOM service could not start the server process for the requested class."
        .causes(&[
            "The WMI service (winmgmt) on the target is disabled, failed to start, or crashed.",
            "The target is low on resources or shutting down.",
        ])
        .fixes(&[
            "On the target, check that the Windows Management Instrumentation service is running \
             (sc query winmgmt) and restart it.",
            "Look at the System event log for DCOM events 10010 or 10016.",
        ]),
    REGDB_E_CLASSNOTREG = 0x8004_0154, "The class ID asked for is not registered on the target."
        .causes(&[
            "Activating a COM class the target does not have, such as a WMI locator CLSID on a \
             system without WMI.",
            "The WMI component of the target is damaged.",
        ])
        .fixes(&[
            "Check that the target runs a Windows edition with remote WMI and that winmgmt is \
             installed.",
        ]),
    CLASS_E_CLASSNOTAVAILABLE = 0x8004_0111,
        "The class factory cannot create objects of the requested class.",
    RPC_E_CALL_REJECTED = 0x8001_0001,
        "The server refused the call, typically because it is busy with another one.",
    RPC_E_CALL_CANCELED = 0x8001_0002, "The call was cancelled before the server answered.",
    RPC_E_CONNECTION_TERMINATED = 0x8001_0006, "The connection to the server object was closed.",
    RPC_E_SERVER_DIED = 0x8001_0007, "The server process ended while the call was in progress."
        .causes(&["The WMI service or provider host on the target crashed or was restarted."])
        .fixes(&["Reconnect; look at the target's Application log for the crash."]),
    RPC_E_SERVER_DIED_DNE = 0x8001_0012, "The server process ended, and the call never ran.",
    RPC_E_INVALID_DATAPACKET = 0x8001_0009, "The data packet received was not valid."
        .causes(PEER_BUG),
    RPC_E_SYS_CALL_FAILED = 0x8001_0100, "A system call inside the COM runtime failed.",
    RPC_E_OUT_OF_RESOURCES = 0x8001_0101,
        "The COM runtime ran out of a resource such as memory or threads.",
    RPC_E_FAULT = 0x8001_0104, "The RPC layer returned a fault for the call.",
    RPC_E_SERVERFAULT = 0x8001_0105, "The server object raised an exception while running the call."
        .causes(&[
            "A crash inside the WMI service or a provider on the target.",
            "Arguments the server could not handle (a malformed encoded object).",
        ])
        .fixes(&["Retry once; check the target's Application log for a faulting module."]),
    RPC_E_INVALIDMETHOD = 0x8001_0107, "The method number called does not exist on the interface."
        .causes(PEER_BUG),
    RPC_E_DISCONNECTED = 0x8001_0108,
        "The server object the client held a reference to no longer exists."
        .causes(&[
            "The object's references were released by the server after the client stopped pinging \
             it (DCOM garbage collection after about six minutes without a ping).",
            "The WMI service restarted on the target.",
        ])
        .fixes(&["Reconnect and repeat the call; keep long sessions alive with regular calls."]),
    RPC_E_VERSION_MISMATCH = 0x8001_0110, "The two ends disagree on the DCOM protocol version."
        .causes(&[
            "The client announced a COM version the server does not accept (for example minor \
             version 1 where Windows now expects 7 or later).",
        ])
        .fixes(PEER_BUG),
    RPC_E_INVALID_HEADER = 0x8001_0111,
        "The DCOM header (ORPCTHIS/ORPCTHAT) of the call was not valid."
        .causes(&[
            "A COM version or ORPC extension the server rejects, as seen with old clients against \
             recent Windows.",
        ])
        .fixes(PEER_BUG),
    RPC_E_INVALID_EXTENSION = 0x8001_0112, "An ORPC extension in the call header was not valid."
        .causes(PEER_BUG),
    RPC_E_INVALID_IPID = 0x8001_0113,
        "The interface pointer ID used for the call is not known to the server."
        .causes(&[
            "The object was released on the server (for example after a restart of the WMI \
             service).",
        ])
        .fixes(&["Reconnect to obtain fresh interface pointers."]),
    RPC_E_INVALID_OBJECT = 0x8001_0114,
        "The object the call was addressed to is not known to the server.",
    RPC_E_UNSECURE_CALL = 0x8001_0118, "The call was refused because it was not secured enough."
        .fixes(&["Raise the authentication level (--auth-level integrity or privacy)."]),
    RPC_E_NO_GOOD_SECURITY_PACKAGES = 0x8001_011A,
        "Client and server share no authentication package."
        .causes(&["The target allows only Kerberos and the client offered NTLM, or the reverse."])
        .fixes(&[
            "Switch between Kerberos (with a host name, not an IP address) and NTLM \
             authentication.",
        ]),
    RPC_E_ACCESS_DENIED = 0x8001_011B, "The COM runtime denied access to the call."
        .causes(&["COM access permissions on the target do not include the account."])
        .fixes(&[
            "Grant Remote Access in DCOMCnfg > COM Security > Access Permissions on the target.",
        ]),
    RPC_E_REMOTE_DISABLED = 0x8001_011C, "Remote calls to COM objects are turned off on the target."
        .causes(&[
            "DCOM is disabled on the target (EnableDCOM = N under HKLM\\SOFTWARE\\Microsoft\\Ole).",
        ])
        .fixes(&[
            "On the target, enable DCOM: DCOMCnfg > My Computer > Properties > Default Properties \
             > Enable Distributed COM, then restart.",
        ]),
    RPC_E_INVALID_OBJREF = 0x8001_011D, "The object reference (OBJREF) received was not valid."
        .causes(PEER_BUG),
    RPC_E_TIMEOUT = 0x8001_011F, "The call did not complete within its time limit."
        .causes(&["A slow network or a target that stopped answering mid-call."])
        .fixes(&["Raise the call timeout; check the network path to the target."]),
    CO_E_FAILEDTOIMPERSONATE = 0x8001_0123, "The server could not impersonate the caller."
        .fixes(&[
            "Connect with impersonation level Impersonate (the default), not Identify or \
             Anonymous.",
        ]),
    RPC_E_UNEXPECTED = 0x8001_FFFF, "The COM runtime hit an internal error.",
    SEC_I_CONTINUE_NEEDED = 0x0009_0312,
        "Authentication is not finished: another token must be exchanged.",
    SEC_E_UNSUPPORTED_FUNCTION = 0x8009_0302,
        "The security package does not support the requested operation or option.",
    SEC_E_TARGET_UNKNOWN = 0x8009_0303,
        "The target service principal is unknown to the authentication authority."
        .causes(&[
            "Kerberos was asked for a ticket to an SPN that no account has (wrong host name).",
        ])
        .fixes(&[
            "Use the target's fully qualified DNS name; check its SPNs with `setspn -L \
             <computer>`.",
        ]),
    SEC_E_INTERNAL_ERROR = 0x8009_0304,
        "The security package failed internally; the service could not be contacted or the data \
         was unusable.",
    SEC_E_SECPKG_NOT_FOUND = 0x8009_0305, "The security package asked for is not available.",
    SEC_E_INVALID_TOKEN = 0x8009_0308, "The authentication token received was not valid."
        .causes(&[
            "A corrupted or mis-framed NTLM/Kerberos/SPNEGO token, or a mismatch of packages.",
        ])
        .fixes(PEER_BUG),
    SEC_E_LOGON_DENIED = 0x8009_030C, "The logon was refused: the credentials were rejected."
        .causes(&[
            "A wrong password, user name or domain.",
            "A disabled, expired or locked-out account.",
        ])
        .fixes(BAD_CREDENTIALS_FIXES),
    SEC_E_UNKNOWN_CREDENTIALS = 0x8009_030D,
        "The credentials given are not recognised by the security package.",
    SEC_E_NO_CREDENTIALS = 0x8009_030E, "No credentials were available for the security package."
        .causes(&["Kerberos without a ticket cache or key, or NTLM without a password or hash."])
        .fixes(&[
            "Give a password or hash, or run kinit (or set KRB5CCNAME) before using Kerberos.",
        ]),
    SEC_E_MESSAGE_ALTERED = 0x8009_030F, "A signed or sealed message failed its integrity check."
        .causes(&[
            "The two ends derived different session keys (wrong password hash, NTLM flags \
             mismatch).",
            "Something in the path rewrote the packet.",
        ])
        .fixes(PEER_BUG),
    SEC_E_OUT_OF_SEQUENCE = 0x8009_0310,
        "A signed message arrived with an unexpected sequence number."
        .causes(PEER_BUG),
    SEC_E_NO_AUTHENTICATING_AUTHORITY = 0x8009_0311,
        "No domain controller or KDC could be reached to check the credentials."
        .causes(&[
            "The domain name is wrong or the client cannot reach a KDC on port 88.",
            "The target's own link to its domain controller is down.",
        ])
        .fixes(&[
            "Check the domain name and DNS; for Kerberos, make sure the KDC is reachable on port \
             88.",
        ]),
    SEC_E_CONTEXT_EXPIRED = 0x8009_0317,
        "The security context has expired and must be renegotiated."
        .fixes(&["Reconnect; for Kerberos, renew the ticket."]),
    SEC_E_WRONG_PRINCIPAL = 0x8009_0322,
        "The server's Kerberos identity is not the one the client's ticket was issued for."
        .causes(&[
            "The name used to connect maps (through DNS or a CNAME) to a different computer than \
             the SPN names.",
            "Duplicate SPNs in the domain, or a stale DNS record.",
        ])
        .fixes(&[
            "Connect by the target's real FQDN; check with `setspn -Q host/<fqdn>` that exactly \
             one account holds the SPN.",
        ]),
    SEC_E_TIME_SKEW = 0x8009_0324,
        "The clocks of the client and the server (or KDC) differ too much for Kerberos."
        .causes(&["Clock difference above the allowed skew, five minutes by default."])
        .fixes(&["Synchronise the client's clock with the domain (NTP to a domain controller)."]),
    SEC_E_ALGORITHM_MISMATCH = 0x8009_0331,
        "Client and server support no common cryptographic algorithm."
        .causes(&["RC4 or DES disabled on one side while the other only offers it."])
        .fixes(&[
            "Enable AES for the account (msDS-SupportedEncryptionTypes) or use AES keys on the \
             client.",
        ]),
    SEC_E_KDC_UNKNOWN_ETYPE = 0x8009_0342, "The KDC does not support the encryption type asked for."
        .fixes(&["Ask for AES encryption types; check the account's supported encryption types."]),
    SEC_E_BAD_BINDINGS = 0x8009_0346, "The channel binding information did not match.",
    SEC_E_DOWNGRADE_DETECTED = 0x8009_0350,
        "The negotiation looks like it was tampered with to force a weaker mechanism."
        .causes(&["SPNEGO mechListMIC missing or wrong, or a man-in-the-middle."])
        .fixes(PEER_BUG),
}
