//! What each verdict means and how to fix it, in our own words, structured like Microsoft's remote WMI
//! troubleshooting pages: symptom, cause, resolution (client side first, then the Windows side).

/// One verdict's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub id: &'static str,
    pub symptom: &'static str,
    pub cause: &'static str,
    pub resolution: &'static [&'static str],
}

macro_rules! verdicts {
    ($($name:ident = $id:literal { symptom: $symptom:literal, cause: $cause:literal, resolution: [$($fix:literal),* $(,)?] $(,)? })*) => {
        $(pub const $name: Verdict = Verdict { id: $id, symptom: $symptom, cause: $cause, resolution: &[$($fix),*] };)*
        /// Every verdict, for lookups by id.
        pub const ALL: &[Verdict] = &[$($name),*];
    };
}

verdicts! {
    OK = "ok" {
        symptom: "Everything worked: the namespace answered a query.",
        cause: "Nothing is wrong.",
        resolution: [],
    }
    NAME_RESOLUTION_FAILED = "name-resolution-failed" {
        symptom: "The host name does not resolve to an address.",
        cause: "The name is misspelt, not in DNS, or only known to a different resolver (NetBIOS, another DNS suffix).",
        resolution: [
            "Client: check the spelling, try the fully qualified name or the IP address (-H 10.0.0.5).",
            "Client: check /etc/resolv.conf search domains, or add the host to /etc/hosts.",
        ],
    }
    PORT_135_CLOSED = "port-135-closed" {
        symptom: "The host refused the TCP connection to port 135 (the RPC endpoint mapper).",
        cause: "Nothing listens on port 135: the RPC service is not reachable on this address, or the target is not Windows, or a host firewall answers with a reset.",
        resolution: [
            "Client: check the address (-H) and the port (-H host:135).",
            "Windows: make sure the RpcSs service runs and that the firewall rule group \"Windows Management Instrumentation (WMI)\" is enabled for this network profile.",
        ],
    }
    PORT_135_FILTERED = "port-135-filtered" {
        symptom: "TCP to port 135 got no answer at all within the time-out.",
        cause: "A firewall between here and the target (or on it) drops the packets, or the host is down.",
        resolution: [
            "Client: check that the host is up and routable from here; raise --timeout if the network is slow.",
            "Windows: enable the firewall rule group \"Windows Management Instrumentation (WMI)\" (it opens port 135 and the dynamic ports for WMI), and check network firewalls for TCP 135.",
        ],
    }
    DCOM_NOT_AVAILABLE = "dcom-not-available" {
        symptom: "Port 135 answers RPC, but offers no DCOM activation service.",
        cause: "The target is not a Windows machine with DCOM (for example a Samba server or another RPC endpoint mapper), or DCOM is turned off on it.",
        resolution: [
            "Client: check that -H names the Windows machine you mean.",
            "Windows: enable DCOM (DCOMCnfg > Component Services > Computers > My Computer > Properties > Default Properties > Enable Distributed COM; registry EnableDCOM = Y under HKLM\\SOFTWARE\\Microsoft\\Ole) and restart.",
        ],
    }
    LOGON_FAILURE = "logon-failure" {
        symptom: "The server refused the credentials during the RPC authentication.",
        cause: "Wrong password or hash, unknown or disabled account, an expired or locked password, or a domain the server does not know.",
        resolution: [
            "Client: check -u (DOMAIN\\user or user@domain), the password (RWMI_PASSWORD or --password-file) or --hashes; give the domain once, in the user or in --authority ntlmdomain:X.",
            "Windows: check the account is enabled and not locked out (Computer Management > Local Users and Groups, or Active Directory Users and Computers).",
        ],
    }
    KERBEROS_CLOCK_SKEW = "kerberos-clock-skew" {
        symptom: "Kerberos refused the logon because of the time (KRB_AP_ERR_SKEW, 37).",
        cause: "The clock of this machine and that of the KDC or the target differ by more than the allowed skew (five minutes in Active Directory by default), so the time stamps that protect against replay are not accepted.",
        resolution: [
            "Client: set this machine's clock right, ideally from the domain controllers (chrony or ntpdate against the DC); time zones do not matter, the absolute time does.",
            "Windows: check that the target and the DCs take their time from the domain hierarchy (w32tm /query /status, w32tm /resync).",
            "Falling back to NTLM (drop -k, connect by IP address) works if NTLM is allowed, as NTLM does not depend on the clock; fixing the time is the real cure.",
        ],
    }
    KERBEROS_UNKNOWN_SPN = "kerberos-unknown-spn" {
        symptom: "The KDC issued no ticket for the target: it knows no account with the service principal name asked for (KDC_ERR_S_PRINCIPAL_UNKNOWN, 7).",
        cause: "The SPN is built from the name the target was given (host/NAME): an alias (CNAME), a misspelt name or a name of another domain matches no computer account; or the SPN was never registered, or lives in another realm.",
        resolution: [
            "Client: name the target by its fully qualified DNS name as registered in Active Directory (-H server.domain), or give the SPN with --authority kerberos:host/server.domain (RPCSS/server.domain is also registered for DCOM).",
            "Windows: list the computer's SPNs with setspn -L COMPUTER and add a missing one with setspn -S host/server.domain COMPUTER (an alias needs its own SPN).",
            "Falling back to NTLM works here if NTLM is allowed: drop -k and connect to the IP address; Kerberos cannot work until the SPN matches.",
        ],
    }
    KERBEROS_WRONG_SERVICE_KEY = "kerberos-wrong-service-key" {
        symptom: "The target could not decrypt the Kerberos ticket the KDC issued for it (KRB_AP_ERR_MODIFIED 41, KRB_AP_ERR_BADKEYVER 44 or KRB_AP_ERR_NOT_US 35).",
        cause: "The ticket was encrypted for the account that owns the SPN, and the target is not that account or no longer has its key: the name leads to another machine (stale DNS, an alias), the SPN is registered on two accounts, the computer account was reset or re-created (a restored snapshot), or the service's keytab is older than its password.",
        resolution: [
            "Client: check that the name (or --authority kerberos:SPN) resolves to this very host, and give the target's own SPN.",
            "Windows: find who owns the SPN with setspn -Q host/server.domain (more than one owner is the classic cause; remove the duplicate), and repair a broken machine account with Test-ComputerSecureChannel -Repair.",
            "For a keytab service (such as rwmi sim --keytab): export a fresh keytab after every password change (samba-tool domain exportkeytab, ktpass).",
            "Falling back to NTLM works if NTLM is allowed, as it does not use the SPN's key; fix the SPN or the keys to keep Kerberos.",
        ],
    }
    KERBEROS_NO_COMMON_ENCTYPE = "kerberos-no-common-enctype" {
        symptom: "Kerberos found no encryption type both sides have a key for (KRB_AP_ERR_NOKEY 45 or KDC_ERR_ETYPE_NOSUPP 14).",
        cause: "The KDC encrypts a service ticket with the types the service account declares in msDS-SupportedEncryptionTypes, RC4 when it declares none; rwmi and an AES-only keytab can use AES (types 17 and 18) only.",
        resolution: [
            "Windows: enable AES for the service account (Active Directory Users and Computers > account > This account supports Kerberos AES 256 bit encryption, i.e. msDS-SupportedEncryptionTypes=24), then get a new ticket.",
            "For a keytab service: export the keytab again after enabling AES, so that it holds AES keys.",
            "Falling back to NTLM works if NTLM is allowed.",
        ],
    }
    KERBEROS_TICKET_EXPIRED = "kerberos-ticket-expired" {
        symptom: "The Kerberos ticket has expired (KRB_AP_ERR_TKT_EXPIRED, 32).",
        cause: "The TGT in the credential cache (KRB5CCNAME, --ccache) has passed its end time, usually ten hours after kinit.",
        resolution: [
            "Client: get a new ticket with kinit (or kinit -R while it can be renewed), or give a password, --aes-key or --keytab instead of the cache.",
        ],
    }
    KDC_UNREACHABLE = "kdc-unreachable" {
        symptom: "No answer from the Kerberos KDC: the connection to it was refused or timed out before any ticket was issued.",
        cause: "--kdc names the wrong address or port, the domain controller is down, or a firewall blocks TCP port 88 between here and the KDC.",
        resolution: [
            "Client: check --kdc (alias --dc-ip): it is a domain controller of the realm, port 88 unless told otherwise; check that TCP 88 is reachable from here (nc -vz DC 88).",
            "Windows: make sure the Kerberos Key Distribution Center service runs on the DC and that its firewall allows TCP 88.",
            "Falling back to NTLM (drop -k) helps if only the KDC is out of reach and the target allows NTLM.",
        ],
    }
    KERBEROS_PREAUTH_FAILED = "kerberos-preauth-failed" {
        symptom: "The KDC refused to issue a ticket to the user: pre-authentication failed (KDC_ERR_PREAUTH_FAILED, 24) or the user is unknown (KDC_ERR_C_PRINCIPAL_UNKNOWN, 6).",
        cause: "A wrong password or AES key, or a user name or realm the KDC does not know (a NetBIOS domain such as CORP given where the DNS realm CORP.EXAMPLE is meant, or a typo).",
        resolution: [
            "Client: check the password (RWMI_PASSWORD, --password-file) or --aes-key, the user name, and the realm (user@REALM or --realm, the DNS domain in upper case).",
            "Windows: check that the account exists in this domain, is enabled and not locked out (Active Directory Users and Computers); repeated failures may lock it.",
            "Falling back to NTLM does not help: the same account and password would be refused there too.",
        ],
    }
    DCOM_ACCESS_DENIED = "dcom-access-denied" {
        symptom: "DCOM refused to start WMI for this account: activation failed with access denied (0x80070005).",
        cause: "The account is not allowed remote launch and activation by the machine's DCOM security: it is neither an administrator nor a member of Distributed COM Users.",
        resolution: [
            "Client: use an account that is an administrator on the target, or one that has been given DCOM and WMI rights.",
            "Windows: DCOMCnfg (Component Services) > Computers > My Computer > Properties > COM Security > Launch and Activation Permissions > Edit Limits: give the account Remote Launch and Remote Activation, or add it to the Distributed COM Users group.",
            "Windows: then give it Remote Enable on the namespace (wmimgmt.msc > WMI Control > Properties > Security).",
        ],
    }
    REMOTE_UAC_FILTERED = "remote-uac-filtered" {
        symptom: "A local administrator account was refused DCOM activation with access denied (0x80070005).",
        cause: "Remote UAC gives local (non-domain) administrator accounts a filtered token over the network, so the account does not count as an administrator remotely.",
        resolution: [
            "Client: use a domain account that is a local administrator, or the built-in Administrator account.",
            "Windows: set LocalAccountTokenFilterPolicy = 1 (REG_DWORD) under HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System to give local administrators full tokens remotely (weigh the security cost first).",
            "Windows: or add the account to Distributed COM Users and give it Remote Enable on the namespace.",
        ],
    }
    ACTIVATION_AUTH_LEVEL_TOO_LOW = "activation-auth-level-too-low" {
        symptom: "DCOM activation failed with access denied (0x80070005) at an authentication level below packet integrity.",
        cause: "Since the DCOM hardening of KB5004442 (CVE-2021-26414, enforced from March 2023), Windows refuses activation below RPC_C_AUTHN_LEVEL_PKT_INTEGRITY and logs event 10036.",
        resolution: [
            "Client: use --auth-level privacy (the default) or --auth-level integrity.",
            "Windows: do not lower RequireIntegrityActivationAuthenticationLevel; fix the client instead.",
        ],
    }
    UNSUPPORTED_EDITION = "unsupported-edition" {
        symptom: "Even an administrator was refused DCOM activation with access denied (0x80070005).",
        cause: "The target's edition does not support remote WMI (Windows Home, Starter and Basic editions), or its machine-wide DCOM launch restrictions were tightened.",
        resolution: [
            "Client: nothing on this side makes remote WMI work against such an edition.",
            "Windows: upgrade to a Pro, Enterprise or Server edition, or collect the data locally on the machine; if the edition supports remote WMI, review DCOMCnfg > COM Security > Launch and Activation Permissions > Edit Limits.",
        ],
    }
    DYNAMIC_PORT_FILTERED = "dynamic-port-filtered" {
        symptom: "Port 135 answered and DCOM activation worked, but the dynamic port the WMI service advertised did not answer.",
        cause: "A firewall lets TCP 135 through but drops the dynamic RPC port range (49152-65535 on current Windows).",
        resolution: [
            "Client: nothing to change here; --max-wait bounds how long rwmi waits.",
            "Windows: enable the firewall rule group \"Windows Management Instrumentation (WMI)\" (it covers WMI's dynamic ports), or open the RPC dynamic port range on network firewalls; a fixed WMI port can be set with winmgmt /standalonehost.",
        ],
    }
    OXID_BINDING_UNREACHABLE = "oxid-binding-unreachable" {
        symptom: "The object exporter's advertised addresses (OXID string bindings) cannot be reached, and neither can the address that answered port 135.",
        cause: "The server advertises names or addresses that are not valid from this network (NAT, a NetBIOS name unknown to DNS, a private address).",
        resolution: [
            "Client: make the advertised name resolve to the right address (/etc/hosts), or connect through a path without NAT.",
            "Windows: make sure the machine's name is registered in DNS with the address clients use.",
        ],
    }
    NAMESPACE_ACCESS_DENIED = "namespace-access-denied" {
        symptom: "DCOM let the account in, but the WMI namespace refused it (WBEM_E_ACCESS_DENIED, 0x80041003).",
        cause: "The account lacks Remote Enable (or Enable Account) on the namespace's security descriptor.",
        resolution: [
            "Client: use an account with rights on this namespace, or check -n.",
            "Windows: wmimgmt.msc > WMI Control > Properties > Security > select the namespace > Security: give the account Enable Account and Remote Enable (and apply to subnamespaces if needed).",
        ],
    }
    NAMESPACE_REQUIRES_ENCRYPTION = "namespace-requires-encryption" {
        symptom: "The namespace refused the connection (WBEM_E_ACCESS_DENIED, 0x80041003) at an authentication level below packet privacy.",
        cause: "The namespace is marked RequiresEncryption: it accepts only packet privacy (encrypted) connections.",
        resolution: [
            "Client: use --auth-level privacy (the default).",
            "Windows: nothing to change; the namespace protects its data on purpose.",
        ],
    }
    INVALID_NAMESPACE = "invalid-namespace" {
        symptom: "The namespace does not exist on the target (WBEM_E_INVALID_NAMESPACE, 0x8004100E).",
        cause: "A typo in -n, or the namespace belongs to a feature or product that is not installed there.",
        resolution: [
            "Client: check -n (for example root\\cimv2); list what exists with rwmi namespaces -n root.",
            "Windows: install the feature that provides the namespace.",
        ],
    }
    CONNECTION_TIMEOUT = "connection-timeout" {
        symptom: "The server stopped answering within the time allowed.",
        cause: "Network lag or a slow, overloaded server; or a time-out set shorter than the round trips need.",
        resolution: [
            "Client: raise --timeout; use --max-wait to bound the whole connect to two minutes at most, as wbemConnectFlagUseMaxWait does.",
            "Windows: check the load of the target and of the WMI service (winmgmt, WmiPrvSE).",
        ],
    }
    COM_VERSION_MISMATCH = "com-version-mismatch" {
        symptom: "The server's DCOM version is not one rwmi speaks.",
        cause: "The target runs a DCOM implementation with another major version (or a very old one).",
        resolution: [
            "Client: rwmi speaks COM version 5.7; report the server's version with this output.",
            "Windows: update the target.",
        ],
    }
    SERVER_DROPPED_CONNECTION = "server-dropped-connection" {
        symptom: "The server closed the connection in the middle of the exchange.",
        cause: "The server or something in between reset the connection: a crash or restart of the service, a proxy or IPS cutting the session, or a connection limit.",
        resolution: [
            "Client: try again; if it repeats at the same stage, capture the traffic and check the stage shown.",
            "Windows: check the System and Application event logs for RPC, DCOM (10016, 10036) and WMI errors.",
        ],
    }
    QUERY_FAILED = "query-failed" {
        symptom: "The connection works, but the query was refused or failed.",
        cause: "The query names a class or property the namespace does not have, is not valid WQL, or a provider failed.",
        resolution: [
            "Client: check the WQL; list classes with rwmi classes; rwmi explain CODE says what the code means.",
            "Windows: for provider failures, check the WMI-Activity operational log.",
        ],
    }
    UNEXPECTED_STATUS = "unexpected-status" {
        symptom: "The server answered with an error that doctor has no specific diagnosis for.",
        cause: "See the code's meaning below; rwmi explain CODE lists its usual causes.",
        resolution: [
            "Client: run rwmi explain with the code shown, and check the stage at which it happened.",
            "Windows: check the System and Application event logs around the time of the attempt.",
        ],
    }
    PROTOCOL_ERROR = "protocol-error" {
        symptom: "The server sent something that does not follow the protocol.",
        cause: "An incompatible or broken implementation on the other side, or corruption in between.",
        resolution: [
            "Client: capture the traffic (tshark -i any port 135) and report it with this output.",
            "Windows: check what answers on this port.",
        ],
    }
}

/// The verdict with this id.
pub fn by_id(id: &str) -> Option<&'static Verdict> {
    ALL.iter().find(|v| v.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_failure_says_how_to_fix_it() {
        for (i, v) in ALL.iter().enumerate() {
            assert!(
                ALL[i + 1..].iter().all(|w| w.id != v.id),
                "duplicate {}",
                v.id
            );
            if v.id != "ok" {
                assert!(!v.resolution.is_empty(), "{} has no resolution", v.id);
            }
        }
        for id in [
            "ok",
            "name-resolution-failed",
            "port-135-closed",
            "port-135-filtered",
            "logon-failure",
            "dcom-access-denied",
            "remote-uac-filtered",
            "activation-auth-level-too-low",
            "unsupported-edition",
            "dynamic-port-filtered",
            "oxid-binding-unreachable",
            "namespace-access-denied",
            "namespace-requires-encryption",
            "invalid-namespace",
            "connection-timeout",
            "com-version-mismatch",
            "server-dropped-connection",
            "kerberos-clock-skew",
            "kerberos-unknown-spn",
            "kerberos-wrong-service-key",
            "kerberos-no-common-enctype",
            "kerberos-ticket-expired",
            "kdc-unreachable",
            "kerberos-preauth-failed",
        ] {
            assert!(by_id(id).is_some(), "missing verdict {id}");
        }
    }
}
