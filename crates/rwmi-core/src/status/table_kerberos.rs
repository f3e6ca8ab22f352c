//! Kerberos KRB-ERROR error codes (RFC 4120 7.5.9, plus KDC_ERR_WRONG_REALM of RFC 6806), as a KDC or a
//! service reports them when Kerberos authentication for DCOM fails. MS-KILE describes when a Windows
//! KDC returns each one (3.3.5).

const SPN_FIXES: &[&str] = &[
    "Connect by the target's fully qualified DNS name, not an IP address or a short or aliased \
     name.",
    "Check that the target's computer account holds HOST/<fqdn> (`setspn -L <computer>`).",
    "Or fall back to NTLM authentication.",
];
const CLOCK_FIXES: &[&str] = &[
    "Synchronise the client's clock with a domain controller (NTP); Kerberos allows five minutes \
     of difference by default.",
];
const ETYPE_FIXES: &[&str] = &[
    "Use AES keys (give the password, or an AES key, rather than only an NT hash, which is RC4).",
    "Check msDS-SupportedEncryptionTypes of the accounts and the domain's allowed encryption \
     types.",
];

status_table! {
    /// Kerberos KRB-ERROR error codes (RFC 4120 7.5.9), by their RFC names.
    pub mod kerberos: Kerberos => ENTRIES;

    KDC_ERR_NONE = 0, "No error occurred.",
    KDC_ERR_NAME_EXP = 1, "The client's entry in the KDC database has expired.",
    KDC_ERR_SERVICE_EXP = 2, "The server's entry in the KDC database has expired.",
    KDC_ERR_BAD_PVNO = 3, "The requested Kerberos protocol version is not supported.",
    KDC_ERR_C_OLD_MAST_KVNO = 4, "The client's key is encrypted in an old master key.",
    KDC_ERR_S_OLD_MAST_KVNO = 5, "The server's key is encrypted in an old master key.",
    KDC_ERR_C_PRINCIPAL_UNKNOWN = 6, "The KDC does not know the client account."
        .causes(&[
            "A typo in the user name, or the wrong realm (the realm is the upper-case DNS domain).",
            "A local account of the target: local accounts cannot use Kerberos.",
        ])
        .fixes(&[
            "Check the user name and give the realm in upper case (user@CORP.EXAMPLE.COM).",
            "Use NTLM for local accounts.",
        ]),
    KDC_ERR_S_PRINCIPAL_UNKNOWN = 7,
        "The KDC knows no account holding the service principal name asked for."
        .causes(&[
            "Connecting by IP address or by a name (alias, CNAME, short name) that is not \
             registered as an SPN of the target.",
            "The target is not joined to this domain, or its SPNs are missing.",
        ])
        .fixes(SPN_FIXES),
    KDC_ERR_PRINCIPAL_NOT_UNIQUE = 8, "More than one account holds the principal name asked for."
        .causes(&["Duplicate SPNs in the domain."])
        .fixes(&["Find the duplicates with `setspn -X` and remove the wrong one."]),
    KDC_ERR_NULL_KEY = 9, "The client or server account has no key.",
    KDC_ERR_CANNOT_POSTDATE = 10, "The ticket may not be postdated.",
    KDC_ERR_NEVER_VALID = 11, "The requested start time is later than the end time.",
    KDC_ERR_POLICY = 12, "A KDC policy refuses the request."
        .causes(&[
            "Authentication policies or silos, logon restrictions, or a ticket from a read-only \
             domain controller.",
        ]),
    KDC_ERR_BADOPTION = 13, "The KDC cannot grant an option the request asked for."
        .causes(&["Delegation requested for an account that is not allowed to delegate."]),
    KDC_ERR_ETYPE_NOSUPP = 14, "The KDC supports none of the encryption types the client offered."
        .aliases(&["KDC_ERR_ETYPE_NOTSUPP"])
        .causes(&[
            "The client offered only RC4 or DES (for example only an NT hash) and the domain or \
             account allows only AES.",
        ])
        .fixes(ETYPE_FIXES),
    KDC_ERR_SUMTYPE_NOSUPP = 15, "The KDC does not support the checksum type.",
    KDC_ERR_PADATA_TYPE_NOSUPP = 16, "The KDC does not support the pre-authentication type.",
    KDC_ERR_TRTYPE_NOSUPP = 17, "The KDC does not support the transited-realms type.",
    KDC_ERR_CLIENT_REVOKED = 18,
        "The client's credentials have been revoked: the account is disabled, expired, locked out \
         or outside its logon hours."
        .fixes(&["Have the account enabled or unlocked, or use another account."]),
    KDC_ERR_SERVICE_REVOKED = 19, "The server's credentials have been revoked.",
    KDC_ERR_TGT_REVOKED = 20, "The ticket-granting ticket has been revoked."
        .fixes(&["Get a new TGT (kinit) and retry."]),
    KDC_ERR_CLIENT_NOTYET = 21, "The client account is not yet valid.",
    KDC_ERR_SERVICE_NOTYET = 22, "The server account is not yet valid.",
    KDC_ERR_KEY_EXPIRED = 23, "The account's password has expired or must be changed."
        .fixes(&["Change the password, then retry."]),
    KDC_ERR_PREAUTH_FAILED = 24, "Pre-authentication failed: the password or key is wrong."
        .causes(&[
            "A wrong password, or a key derived with the wrong salt (realm or user name case).",
        ])
        .fixes(&["Check the password and the exact spelling of user name and realm."]),
    KDC_ERR_PREAUTH_REQUIRED = 25,
        "The KDC requires pre-authentication; a normal first step of the exchange.",
    KDC_ERR_SERVER_NOMATCH = 26, "The requested server and the ticket do not match.",
    KDC_ERR_MUST_USE_USER2USER = 27,
        "The service account has no SPN, so only user-to-user authentication is possible."
        .fixes(SPN_FIXES),
    KDC_ERR_PATH_NOT_ACCEPTED = 28, "The KDC policy rejects the transited path.",
    KDC_ERR_SVC_UNAVAILABLE = 29, "The KDC service is not available.",
    KRB_AP_ERR_BAD_INTEGRITY = 31, "The ticket or authenticator failed its integrity check."
        .causes(&[
            "The service's key differs from the one the KDC used (a reset computer password, \
             duplicate SPN).",
        ]),
    KRB_AP_ERR_TKT_EXPIRED = 32, "The ticket has expired."
        .fixes(&["Renew the ticket (kinit) and retry."]),
    KRB_AP_ERR_TKT_NYV = 33, "The ticket is not yet valid."
        .fixes(CLOCK_FIXES),
    KRB_AP_ERR_REPEAT = 34, "The server saw this authenticator before (a replay).",
    KRB_AP_ERR_NOT_US = 35, "The ticket is not meant for this server."
        .fixes(SPN_FIXES),
    KRB_AP_ERR_BADMATCH = 36, "The ticket and the authenticator do not match.",
    KRB_AP_ERR_SKEW = 37, "The clocks of the client and the server differ too much."
        .causes(&["A clock difference above the allowed skew (five minutes by default)."])
        .fixes(CLOCK_FIXES),
    KRB_AP_ERR_BADADDR = 38, "The network address in the ticket does not match.",
    KRB_AP_ERR_BADVERSION = 39, "The protocol version numbers do not match.",
    KRB_AP_ERR_MSG_TYPE = 40, "The message type is not valid here.",
    KRB_AP_ERR_MODIFIED = 41,
        "The message was modified, or the service could not decrypt the ticket with its key."
        .causes(&[
            "The SPN belongs to another account than the one running the service (duplicate SPN, \
             or the name resolves to a different computer).",
            "The target's computer password changed and the client used an old ticket.",
        ])
        .fixes(&[
            "Connect by the target's real FQDN; check for duplicate SPNs with `setspn -X`.",
            "Purge cached tickets (klist purge / kdestroy) and retry.",
        ]),
    KRB_AP_ERR_BADORDER = 42, "A message arrived out of order.",
    KRB_AP_ERR_BADKEYVER = 44, "The key version is not available.",
    KRB_AP_ERR_NOKEY = 45, "The service key is not available.",
    KRB_AP_ERR_MUT_FAIL = 46, "Mutual authentication failed.",
    KRB_AP_ERR_BADDIRECTION = 47, "The message direction is wrong.",
    KRB_AP_ERR_METHOD = 48, "An alternative authentication method is required.",
    KRB_AP_ERR_BADSEQ = 49, "A message has an incorrect sequence number.",
    KRB_AP_ERR_INAPP_CKSUM = 50, "The checksum type is not appropriate for the message.",
    KRB_AP_PATH_NOT_ACCEPTED = 51, "The desired transited path is not accepted.",
    KRB_ERR_RESPONSE_TOO_BIG = 52,
        "The response is too big for UDP; the client should retry over TCP.",
    KRB_ERR_GENERIC = 60, "A Kerberos error without a more specific code.",
    KRB_ERR_FIELD_TOOLONG = 61, "A field is too long for this implementation.",
    KDC_ERR_WRONG_REALM = 68, "The request went to the wrong realm; the answer names the right one."
        .fixes(&["Give the user's realm explicitly (user@REALM)."]),
}
