//! Kerberos KRB-ERROR error codes (RFC 4120 7.5.9, plus KDC_ERR_WRONG_REALM of RFC 6806), as a KDC or a
//! service reports them when Kerberos authentication for DCOM fails. MS-KILE describes when a Windows
//! KDC returns each one (3.3.5).

use super::{StatusInfo, StatusKind};

const fn krb(code: u32, name: &'static str, meaning: &'static str) -> StatusInfo {
    StatusInfo::new(StatusKind::Kerberos, code, name, meaning)
}

const SPN_FIXES: &[&str] = &[
    "Connect by the target's fully qualified DNS name, not an IP address or a short or aliased name.",
    "Check that the target's computer account holds HOST/<fqdn> (`setspn -L <computer>`).",
    "Or fall back to NTLM authentication.",
];
const CLOCK_FIXES: &[&str] = &[
    "Synchronise the client's clock with a domain controller (NTP); Kerberos allows five minutes \
     of difference by default.",
];
const ETYPE_FIXES: &[&str] = &[
    "Use AES keys (give the password, or an AES key, rather than only an NT hash, which is RC4).",
    "Check msDS-SupportedEncryptionTypes of the accounts and the domain's allowed encryption types.",
];

pub(super) const ENTRIES: &[StatusInfo] = &[
    krb(0, "KDC_ERR_NONE", "No error occurred."),
    krb(1, "KDC_ERR_NAME_EXP", "The client's entry in the KDC database has expired."),
    krb(2, "KDC_ERR_SERVICE_EXP", "The server's entry in the KDC database has expired."),
    krb(3, "KDC_ERR_BAD_PVNO", "The requested Kerberos protocol version is not supported."),
    krb(4, "KDC_ERR_C_OLD_MAST_KVNO", "The client's key is encrypted in an old master key."),
    krb(5, "KDC_ERR_S_OLD_MAST_KVNO", "The server's key is encrypted in an old master key."),
    krb(
        6,
        "KDC_ERR_C_PRINCIPAL_UNKNOWN",
        "The KDC does not know the client account.",
    )
    .causes(&[
        "A typo in the user name, or the wrong realm (the realm is the upper-case DNS domain).",
        "A local account of the target: local accounts cannot use Kerberos.",
    ])
    .fixes(&[
        "Check the user name and give the realm in upper case (user@CORP.EXAMPLE.COM).",
        "Use NTLM for local accounts.",
    ]),
    krb(
        7,
        "KDC_ERR_S_PRINCIPAL_UNKNOWN",
        "The KDC knows no account holding the service principal name asked for.",
    )
    .causes(&[
        "Connecting by IP address or by a name (alias, CNAME, short name) that is not registered \
         as an SPN of the target.",
        "The target is not joined to this domain, or its SPNs are missing.",
    ])
    .fixes(SPN_FIXES),
    krb(
        8,
        "KDC_ERR_PRINCIPAL_NOT_UNIQUE",
        "More than one account holds the principal name asked for.",
    )
    .causes(&["Duplicate SPNs in the domain."])
    .fixes(&["Find the duplicates with `setspn -X` and remove the wrong one."]),
    krb(9, "KDC_ERR_NULL_KEY", "The client or server account has no key."),
    krb(10, "KDC_ERR_CANNOT_POSTDATE", "The ticket may not be postdated."),
    krb(11, "KDC_ERR_NEVER_VALID", "The requested start time is later than the end time."),
    krb(
        12,
        "KDC_ERR_POLICY",
        "A KDC policy refuses the request.",
    )
    .causes(&[
        "Authentication policies or silos, logon restrictions, or a ticket from a read-only \
         domain controller.",
    ]),
    krb(
        13,
        "KDC_ERR_BADOPTION",
        "The KDC cannot grant an option the request asked for.",
    )
    .causes(&["Delegation requested for an account that is not allowed to delegate."]),
    krb(
        14,
        "KDC_ERR_ETYPE_NOSUPP",
        "The KDC supports none of the encryption types the client offered.",
    )
    .aliases(&["KDC_ERR_ETYPE_NOTSUPP"])
    .causes(&[
        "The client offered only RC4 or DES (for example only an NT hash) and the domain or account \
         allows only AES.",
    ])
    .fixes(ETYPE_FIXES),
    krb(15, "KDC_ERR_SUMTYPE_NOSUPP", "The KDC does not support the checksum type."),
    krb(16, "KDC_ERR_PADATA_TYPE_NOSUPP", "The KDC does not support the pre-authentication type."),
    krb(17, "KDC_ERR_TRTYPE_NOSUPP", "The KDC does not support the transited-realms type."),
    krb(
        18,
        "KDC_ERR_CLIENT_REVOKED",
        "The client's credentials have been revoked: the account is disabled, expired, locked out \
         or outside its logon hours.",
    )
    .fixes(&["Have the account enabled or unlocked, or use another account."]),
    krb(19, "KDC_ERR_SERVICE_REVOKED", "The server's credentials have been revoked."),
    krb(20, "KDC_ERR_TGT_REVOKED", "The ticket-granting ticket has been revoked.")
        .fixes(&["Get a new TGT (kinit) and retry."]),
    krb(21, "KDC_ERR_CLIENT_NOTYET", "The client account is not yet valid."),
    krb(22, "KDC_ERR_SERVICE_NOTYET", "The server account is not yet valid."),
    krb(
        23,
        "KDC_ERR_KEY_EXPIRED",
        "The account's password has expired or must be changed.",
    )
    .fixes(&["Change the password, then retry."]),
    krb(
        24,
        "KDC_ERR_PREAUTH_FAILED",
        "Pre-authentication failed: the password or key is wrong.",
    )
    .causes(&["A wrong password, or a key derived with the wrong salt (realm or user name case)."])
    .fixes(&["Check the password and the exact spelling of user name and realm."]),
    krb(
        25,
        "KDC_ERR_PREAUTH_REQUIRED",
        "The KDC requires pre-authentication; a normal first step of the exchange.",
    ),
    krb(26, "KDC_ERR_SERVER_NOMATCH", "The requested server and the ticket do not match."),
    krb(
        27,
        "KDC_ERR_MUST_USE_USER2USER",
        "The service account has no SPN, so only user-to-user authentication is possible.",
    )
    .fixes(SPN_FIXES),
    krb(28, "KDC_ERR_PATH_NOT_ACCEPTED", "The KDC policy rejects the transited path."),
    krb(29, "KDC_ERR_SVC_UNAVAILABLE", "The KDC service is not available."),
    krb(
        31,
        "KRB_AP_ERR_BAD_INTEGRITY",
        "The ticket or authenticator failed its integrity check.",
    )
    .causes(&["The service's key differs from the one the KDC used (a reset computer password, \
               duplicate SPN)."]),
    krb(32, "KRB_AP_ERR_TKT_EXPIRED", "The ticket has expired.")
        .fixes(&["Renew the ticket (kinit) and retry."]),
    krb(33, "KRB_AP_ERR_TKT_NYV", "The ticket is not yet valid.").fixes(CLOCK_FIXES),
    krb(34, "KRB_AP_ERR_REPEAT", "The server saw this authenticator before (a replay)."),
    krb(
        35,
        "KRB_AP_ERR_NOT_US",
        "The ticket is not meant for this server.",
    )
    .fixes(SPN_FIXES),
    krb(36, "KRB_AP_ERR_BADMATCH", "The ticket and the authenticator do not match."),
    krb(
        37,
        "KRB_AP_ERR_SKEW",
        "The clocks of the client and the server differ too much.",
    )
    .causes(&["A clock difference above the allowed skew (five minutes by default)."])
    .fixes(CLOCK_FIXES),
    krb(38, "KRB_AP_ERR_BADADDR", "The network address in the ticket does not match."),
    krb(39, "KRB_AP_ERR_BADVERSION", "The protocol version numbers do not match."),
    krb(40, "KRB_AP_ERR_MSG_TYPE", "The message type is not valid here."),
    krb(
        41,
        "KRB_AP_ERR_MODIFIED",
        "The message was modified, or the service could not decrypt the ticket with its key.",
    )
    .causes(&[
        "The SPN belongs to another account than the one running the service (duplicate SPN, or \
         the name resolves to a different computer).",
        "The target's computer password changed and the client used an old ticket.",
    ])
    .fixes(&[
        "Connect by the target's real FQDN; check for duplicate SPNs with `setspn -X`.",
        "Purge cached tickets (klist purge / kdestroy) and retry.",
    ]),
    krb(42, "KRB_AP_ERR_BADORDER", "A message arrived out of order."),
    krb(44, "KRB_AP_ERR_BADKEYVER", "The key version is not available."),
    krb(45, "KRB_AP_ERR_NOKEY", "The service key is not available."),
    krb(46, "KRB_AP_ERR_MUT_FAIL", "Mutual authentication failed."),
    krb(47, "KRB_AP_ERR_BADDIRECTION", "The message direction is wrong."),
    krb(48, "KRB_AP_ERR_METHOD", "An alternative authentication method is required."),
    krb(49, "KRB_AP_ERR_BADSEQ", "A message has an incorrect sequence number."),
    krb(50, "KRB_AP_ERR_INAPP_CKSUM", "The checksum type is not appropriate for the message."),
    krb(51, "KRB_AP_PATH_NOT_ACCEPTED", "The desired transited path is not accepted."),
    krb(
        52,
        "KRB_ERR_RESPONSE_TOO_BIG",
        "The response is too big for UDP; the client should retry over TCP.",
    ),
    krb(60, "KRB_ERR_GENERIC", "A Kerberos error without a more specific code."),
    krb(61, "KRB_ERR_FIELD_TOOLONG", "A field is too long for this implementation."),
    krb(
        68,
        "KDC_ERR_WRONG_REALM",
        "The request went to the wrong realm; the answer names the right one.",
    )
    .fixes(&["Give the user's realm explicitly (user@REALM)."]),
];
