//! WBEMSTATUS values (MS-WMI 2.2.11), except E_NOTIMPL which lives with the other HRESULTs.

const PROVIDER_SIDE: &[&str] = &[
    "The WMI provider behind the class (a DLL hosted in WmiPrvSE.exe on the target) failed or is \
     missing; this is a problem on the target, not in the connection.",
];
const PROVIDER_FIXES: &[&str] = &[
    "Look at the target's event log Microsoft-Windows-WMI-Activity/Operational for the provider \
     and the failing call.",
    "Re-register the provider on the target (mofcomp on its .mof file) or repair the product that \
     installed it.",
];

status_table! {
    /// WBEMSTATUS values (MS-WMI 2.2.11), by their MS-WMI names; E_NOTIMPL is in
    /// [`super::hresult`].
    pub mod wbem: Wbem => ENTRIES;

    WBEM_S_NO_ERROR = 0x0000_0000, "The WMI call succeeded.",
    WBEM_S_FALSE = 0x0000_0001,
        "The call succeeded but returned fewer objects than asked for, which usually means an \
         enumeration has reached its end.",
    WBEM_S_TIMEDOUT = 0x0004_0004,
        "The call gave up waiting before any (or all) results were ready; it is a warning, not a \
         failure, and the call can be repeated."
        .causes(&[
            "The timeout passed to IEnumWbemClassObject::Next was shorter than the query needs.",
            "A slow provider on the target.",
        ])
        .fixes(&[
            "Call Next again or raise the per-call timeout.",
            "Use a narrower query (a WHERE clause, fewer properties) so the provider answers \
             faster.",
        ]),
    WBEM_S_NEW_STYLE = 0x0004_00FF,
        "The server says it can send results in the compact ObjectArray encoding (MS-WMI \
         3.1.4.2.1).",
    WBEM_S_PARTIAL_RESULTS = 0x0004_0010,
        "The server returned only part of the objects or properties asked for."
        .causes(&[
            "A provider could not fill every requested property, or some objects were skipped.",
        ]),
    WBEM_E_FAILED = 0x8004_1001, "The WMI service hit an error it did not classify further."
        .causes(&[
            "A provider failed in an unexpected way.",
            "A damaged WMI repository on the target.",
        ])
        .fixes(&[
            "Check the WMI-Activity event log on the target.",
            "On the target, `winmgmt /verifyrepository` reports whether the repository is \
             consistent.",
        ]),
    WBEM_E_NOT_FOUND = 0x8004_1002, "The object named by the path does not exist."
        .causes(&[
            "A key value in the object path names no instance (a service, process or file that is \
             not there).",
            "A typo in the object path.",
        ])
        .fixes(&["Query the class first (SELECT * FROM <class>) to see which keys exist."]),
    WBEM_E_ACCESS_DENIED = 0x8004_1003,
        "The WMI service authenticated you but your account lacks the permission this namespace or \
         operation requires."
        .causes(&[
            "Namespace security (WMI Control, Security tab) does not give the account Enable \
             Account and Remote Enable on this namespace.",
            "The namespace requires an encrypted connection (the RequiresEncryption qualifier, \
             e.g. root\\MSCluster) and the call came in below packet privacy.",
            "The account is a local administrator reached over the network with a filtered \
             (non-admin) token because of remote UAC.",
            "The operation needs a privilege (e.g. SeShutdownPrivilege) that was not enabled.",
        ])
        .fixes(&[
            "On the target, open wmimgmt.msc > WMI Control > Properties > Security, select the \
             namespace and grant the account (or a group it is in) Enable Account and Remote \
             Enable.",
            "Connect with packet privacy (--auth-level privacy), which also satisfies namespaces \
             that require encryption.",
            "For a local (non-domain) admin account, set \
             HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System\\LocalAccountTokenFilterPolicy \
             = 1 (DWORD) on the target, or use a domain account.",
        ]),
    WBEM_E_PROVIDER_FAILURE = 0x8004_1004,
        "The provider that serves the class failed while handling the request."
        .causes(PROVIDER_SIDE)
        .fixes(PROVIDER_FIXES),
    WBEM_E_TYPE_MISMATCH = 0x8004_1005,
        "A property or method argument was given a value of the wrong CIM type."
        .causes(&[
            "A value sent with Put or ExecMethod whose type differs from the class definition.",
        ])
        .fixes(&[
            "Check the property's CIM type with a GetObject on the class and convert the value.",
        ]),
    WBEM_E_OUT_OF_MEMORY = 0x8004_1006,
        "The WMI service ran out of memory before it could finish the operation."
        .causes(&[
            "A query returning a very large result set at once.",
            "The target is low on memory, or WMI has hit its memory quota.",
        ])
        .fixes(&["Use a semi-synchronous query with a narrower WHERE clause or fewer properties."]),
    WBEM_E_INVALID_CONTEXT = 0x8004_1007,
        "The context object sent with the call lacks values the provider needs.",
    WBEM_E_INVALID_PARAMETER = 0x8004_1008,
        "An argument of the call was not acceptable, such as a null value where one is required or \
         a flag the method does not allow."
        .causes(&["A flag combination the method rejects, or an empty required argument."]),
    WBEM_E_NOT_AVAILABLE = 0x8004_1009,
        "The resource behind the request is not available right now.",
    WBEM_E_CRITICAL_ERROR = 0x8004_100A,
        "The WMI service is in a state where it cannot serve any request."
        .causes(&[
            "The WMI service (winmgmt) on the target is broken or its repository is damaged.",
        ])
        .fixes(&[
            "Restart the Windows Management Instrumentation service on the target.",
            "Check the repository with `winmgmt /verifyrepository` on the target.",
        ]),
    WBEM_E_NOT_SUPPORTED = 0x8004_100C, "The operation is not supported by this class or provider."
        .causes(&[
            "Asking a read-only provider to write, delete or run a method it does not offer.",
        ]),
    WBEM_E_INVALID_SUPERCLASS = 0x8004_100D,
        "The parent class named in a new class definition does not exist.",
    WBEM_E_INVALID_NAMESPACE = 0x8004_100E,
        "The namespace named in the connection does not exist on the target."
        .causes(&[
            "A typo in the namespace path (the usual one is root\\cimv2).",
            "The namespace belongs to a role or product not installed on the target \
             (root\\MSCluster, root\\virtualization\\v2, root\\SecurityCenter2 on servers).",
        ])
        .fixes(&[
            "List the namespaces that exist by running SELECT Name FROM __NAMESPACE in the root \
             namespace (and in its children).",
        ]),
    WBEM_E_INVALID_OBJECT = 0x8004_100F,
        "An instance sent to the server lacks information the server needs.",
    WBEM_E_INVALID_CLASS = 0x8004_1010,
        "The class named in the request does not exist in this namespace."
        .causes(&[
            "A typo in the class name.",
            "The class lives in another namespace (e.g. StdRegProv is in root\\default on old \
             systems, MSFT_* classes in root\\Microsoft\\Windows\\...).",
            "The provider that defines it is not installed on the target.",
        ])
        .fixes(&[
            "List the classes of the namespace (SELECT * FROM meta_class) and check the spelling.",
        ]),
    WBEM_E_PROVIDER_NOT_FOUND = 0x8004_1011,
        "The provider registered for the class could not be found."
        .causes(PROVIDER_SIDE)
        .fixes(PROVIDER_FIXES),
    WBEM_E_INVALID_PROVIDER_REGISTRATION = 0x8004_1012,
        "The registration of the provider for the class is incomplete or wrong."
        .causes(PROVIDER_SIDE)
        .fixes(PROVIDER_FIXES),
    WBEM_E_PROVIDER_LOAD_FAILURE = 0x8004_1013,
        "The WMI service could not load the provider for the class."
        .causes(PROVIDER_SIDE)
        .fixes(PROVIDER_FIXES),
    WBEM_E_INITIALIZATION_FAILURE = 0x8004_1014, "A component of the WMI service failed to start.",
    WBEM_E_TRANSPORT_FAILURE = 0x8004_1015,
        "A network problem stopped the request from reaching the WMI service."
        .causes(&["The connection dropped or a firewall cut it during the call."])
        .fixes(&["Check connectivity to the target and retry; run `rwmi doctor <host>`."]),
    WBEM_E_INVALID_OPERATION = 0x8004_1016,
        "The operation is not valid here, such as deleting a class that the system owns.",
    WBEM_E_INVALID_QUERY = 0x8004_1017, "The query text is not valid WQL."
        .causes(&[
            "A syntax error: unquoted strings, double quotes where the provider wants single ones, \
             or backslashes not doubled inside string literals.",
            "A property in the WHERE clause that the class does not have.",
        ])
        .fixes(&[
            "Double every backslash inside WQL strings and quote strings with single quotes.",
        ]),
    WBEM_E_INVALID_QUERY_TYPE = 0x8004_1018,
        "The query language is not supported; WMI only accepts \"WQL\"."
        .fixes(&["Pass \"WQL\" as the query language."]),
    WBEM_E_ALREADY_EXISTS = 0x8004_1019,
        "An object was to be created only if absent, and it already exists.",
    WBEM_E_UNEXPECTED = 0x8004_101D, "The WMI service hit an error it did not expect.",
    WBEM_E_INCOMPLETE_CLASS = 0x8004_1020,
        "The object sent does not match any class known to the WMI service.",
    WBEM_E_PROVIDER_NOT_CAPABLE = 0x8004_1024,
        "The provider cannot carry out this kind of request (for example, it cannot enumerate or \
         cannot evaluate this query)."
        .causes(&[
            "Enumerating a class whose provider only answers queries with a key in the WHERE \
             clause.",
        ])
        .fixes(&["Name the key in the query, or ask for a single object by path."]),
    WBEM_E_CLASS_HAS_CHILDREN = 0x8004_1025,
        "The class cannot be changed because other classes derive from it.",
    WBEM_E_CLASS_HAS_INSTANCES = 0x8004_1026,
        "The class cannot be changed because instances of it exist.",
    WBEM_E_ILLEGAL_NULL = 0x8004_1028, "A property that may not be null was left null.",
    WBEM_E_INVALID_CIM_TYPE = 0x8004_102D, "The CIM type given for a property is not valid.",
    WBEM_E_INVALID_METHOD = 0x8004_102E, "The class has no method of the requested name."
        .causes(&[
            "A typo in the method name, or calling a static method on an instance path (or the \
             reverse).",
        ]),
    WBEM_E_INVALID_METHOD_PARAMETERS = 0x8004_102F,
        "The arguments given to a method do not match its signature."
        .fixes(&[
            "Read the method's In-parameters class (GetObject on the class) and send exactly \
             those.",
        ]),
    WBEM_E_INVALID_PROPERTY = 0x8004_1031,
        "The property named in the request does not exist in the class.",
    WBEM_E_CALL_CANCELLED = 0x8004_1032, "The call was cancelled before it finished.",
    WBEM_E_SHUTTING_DOWN = 0x8004_1033, "The WMI service is stopping and accepts no more requests."
        .fixes(&["Wait for the service (or the target) to come back up and reconnect."]),
    WBEM_E_INVALID_OBJECT_PATH = 0x8004_103A, "The object path is not well formed."
        .causes(&["Bad quoting of key values, or a missing class name before the dot."])
        .fixes(&["Write paths as Class.Key=\"value\" with backslashes doubled inside values."]),
    WBEM_E_OUT_OF_DISK_SPACE = 0x8004_103B,
        "The target ran out of disk space during the operation.",
    WBEM_E_UNSUPPORTED_PUT_EXTENSION = 0x8004_103D,
        "The provider does not support the partial-update extensions requested with Put.",
    WBEM_E_SERVER_TOO_BUSY = 0x8004_1045, "The WMI service is too busy to take the request now."
        .fixes(&["Retry later with fewer parallel requests to the same target."]),
    WBEM_E_METHOD_NOT_IMPLEMENTED = 0x8004_1055,
        "The method is declared by the class but the provider does not implement it.",
    WBEM_E_METHOD_DISABLED = 0x8004_1056, "The method exists but is disabled.",
    WBEM_E_UNPARSABLE_QUERY = 0x8004_1058, "The WMI service could not parse the query text."
        .causes(&[
            "A WQL syntax error, often a keyword WQL lacks (JOIN, ORDER BY) or a bad literal.",
        ])
        .fixes(&[
            "Simplify the query to SELECT ... FROM ... WHERE ... and quote strings with single \
             quotes.",
        ]),
    WBEM_E_NOT_EVENT_CLASS = 0x8004_1059, "An event query named a class that is not an event class."
        .fixes(&[
            "Use WITHIN and __InstanceCreationEvent (or similar) for changes of ordinary classes.",
        ]),
    WBEM_E_MISSING_GROUP_WITHIN = 0x8004_105A,
        "An event query used GROUP BY without the GROUP WITHIN clause it requires.",
    WBEM_E_MISSING_AGGREGATION_LIST = 0x8004_105B,
        "An event query used GROUP without saying what to aggregate by.",
    WBEM_E_PROPERTY_NOT_AN_OBJECT = 0x8004_105C,
        "A query dereferenced a property that does not hold an embedded object.",
    WBEM_E_AGGREGATING_BY_OBJECT = 0x8004_105D,
        "An event query tried to aggregate by an embedded object property, which is not allowed.",
    WBEM_E_BACKUP_RESTORE_WINMGMT_RUNNING = 0x8004_1060,
        "A repository restore was refused because the WMI service was still using it.",
    WBEM_E_QUEUE_OVERFLOW = 0x8004_1061,
        "Events were dropped because the client did not take them fast enough."
        .fixes(&["Consume events faster or narrow the event query."]),
    WBEM_E_PRIVILEGE_NOT_HELD = 0x8004_1062,
        "The operation needs a Windows privilege that the caller does not hold or did not enable."
        .causes(&[
            "Methods such as Win32_OperatingSystem.Reboot need SeShutdownPrivilege or \
             SeRemoteShutdownPrivilege enabled for the call.",
            "Reading the Security event log needs SeSecurityPrivilege.",
        ])
        .fixes(&[
            "Enable the privilege for the call and use an account that holds it.",
            "Connect with impersonation level Impersonate, not Identify.",
        ]),
    WBEM_E_INVALID_OPERATOR = 0x8004_1063,
        "The query uses an operator that is not valid for the property it is applied to.",
    WBEM_E_CANNOT_BE_ABSTRACT = 0x8004_1065, "A class was marked abstract although it may not be.",
    WBEM_E_AMENDED_OBJECT = 0x8004_1066,
        "An object holding localised (amended) qualifiers was written back without the flag that \
         allows it.",
    WBEM_E_QUOTA_VIOLATION = 0x8004_106C,
        "The request would exceed a WMI resource quota on the target."
        .causes(&[
            "Too many objects requested at once, too many concurrent connections, or a provider \
             host over its memory quota.",
        ])
        .fixes(&[
            "Fetch results in batches (semi-synchronous enumeration) and narrow the query.",
            "On the target, the __ProviderHostQuotaConfiguration object in root holds the limits.",
        ]),
    WBEM_E_VETO_PUT = 0x8004_107A, "The provider refused to store the object.",
    WBEM_E_PROVIDER_SUSPENDED = 0x8004_1081,
        "The provider has been suspended and is not taking requests.",
    WBEM_E_ENCRYPTED_CONNECTION_REQUIRED = 0x8004_1087,
        "This namespace only accepts encrypted connections and the call was not encrypted."
        .causes(&[
            "The namespace carries the RequiresEncryption qualifier and the connection used an \
             authentication level below packet privacy.",
        ])
        .fixes(&["Connect with packet privacy: --auth-level privacy."]),
    WBEM_E_PROVIDER_TIMED_OUT = 0x8004_1088,
        "The provider took too long to answer and the WMI service gave up on it."
        .causes(&[
            "A slow provider, often one that reaches out to disks, the network or a hung service.",
        ])
        .fixes(&["Narrow the query, then retry; check the provider's own service on the target."]),
    WBEM_E_NO_KEY = 0x8004_1089,
        "The object has no key property set, so it cannot be stored or addressed.",
    WBEM_E_PROVIDER_DISABLED = 0x8004_108A,
        "The provider for the class has been disabled on the target.",
    WBEM_E_REGISTRATION_TOO_BROAD = 0x8004_2001,
        "A provider registration covers more objects than the provider can serve.",
    WBEM_E_REGISTRATION_TOO_PRECISE = 0x8004_2002,
        "A provider registration is narrower than the requests it is asked to serve.",
}
