//! The WBEMSTATUS enumeration of MS-WMI 2.2.11 as a Rust type, for the WMI client and the emulator.
//! Explanations live in the status table; [`WbemStatus::info`] reaches them.

use super::{StatusInfo, StatusKind, lookup};

macro_rules! wbem_status {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal => $name:literal, )+) => {
        /// A WBEMSTATUS value (MS-WMI 2.2.11). Values outside this list are kept as plain `u32`
        /// HRESULTs by callers: the server may return any HRESULT (MS-WMI 2.2.11, first paragraph).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum WbemStatus {
            $( $(#[$doc])* $variant = $code, )+
        }

        impl WbemStatus {
            /// Every value, in the order MS-WMI 2.2.11 lists them.
            pub const ALL: &'static [WbemStatus] = &[ $( WbemStatus::$variant, )+ ];

            /// The symbolic name as MS-WMI spells it (`"WBEM_E_ACCESS_DENIED"`).
            pub fn name(self) -> &'static str {
                match self {
                    $( WbemStatus::$variant => $name, )+
                }
            }

            /// The value for `code`, if WBEMSTATUS defines one.
            pub fn from_u32(code: u32) -> Option<WbemStatus> {
                match code {
                    $( $code => Some(WbemStatus::$variant), )+
                    _ => None,
                }
            }
        }
    };
}

wbem_status! {
    NoError = 0x0000_0000 => "WBEM_S_NO_ERROR",
    /// End of an enumeration, or fewer objects than asked for.
    False = 0x0000_0001 => "WBEM_S_FALSE",
    Timedout = 0x0004_0004 => "WBEM_S_TIMEDOUT",
    /// The server supports the ObjectArray encoding (MS-WMI 3.1.4.2.1).
    NewStyle = 0x0004_00FF => "WBEM_S_NEW_STYLE",
    PartialResults = 0x0004_0010 => "WBEM_S_PARTIAL_RESULTS",
    Failed = 0x8004_1001 => "WBEM_E_FAILED",
    NotFound = 0x8004_1002 => "WBEM_E_NOT_FOUND",
    AccessDenied = 0x8004_1003 => "WBEM_E_ACCESS_DENIED",
    ProviderFailure = 0x8004_1004 => "WBEM_E_PROVIDER_FAILURE",
    TypeMismatch = 0x8004_1005 => "WBEM_E_TYPE_MISMATCH",
    OutOfMemory = 0x8004_1006 => "WBEM_E_OUT_OF_MEMORY",
    InvalidContext = 0x8004_1007 => "WBEM_E_INVALID_CONTEXT",
    InvalidParameter = 0x8004_1008 => "WBEM_E_INVALID_PARAMETER",
    NotAvailable = 0x8004_1009 => "WBEM_E_NOT_AVAILABLE",
    CriticalError = 0x8004_100A => "WBEM_E_CRITICAL_ERROR",
    NotSupported = 0x8004_100C => "WBEM_E_NOT_SUPPORTED",
    ProviderNotFound = 0x8004_1011 => "WBEM_E_PROVIDER_NOT_FOUND",
    InvalidProviderRegistration = 0x8004_1012 => "WBEM_E_INVALID_PROVIDER_REGISTRATION",
    ProviderLoadFailure = 0x8004_1013 => "WBEM_E_PROVIDER_LOAD_FAILURE",
    InitializationFailure = 0x8004_1014 => "WBEM_E_INITIALIZATION_FAILURE",
    TransportFailure = 0x8004_1015 => "WBEM_E_TRANSPORT_FAILURE",
    InvalidOperation = 0x8004_1016 => "WBEM_E_INVALID_OPERATION",
    AlreadyExists = 0x8004_1019 => "WBEM_E_ALREADY_EXISTS",
    Unexpected = 0x8004_101D => "WBEM_E_UNEXPECTED",
    IncompleteClass = 0x8004_1020 => "WBEM_E_INCOMPLETE_CLASS",
    ShuttingDown = 0x8004_1033 => "WBEM_E_SHUTTING_DOWN",
    /// MS-WMI lists the generic COM E_NOTIMPL (MS-ERREF 2.1) among the WBEMSTATUS values.
    NotImplemented = 0x8000_4001 => "E_NOTIMPL",
    InvalidSuperclass = 0x8004_100D => "WBEM_E_INVALID_SUPERCLASS",
    InvalidNamespace = 0x8004_100E => "WBEM_E_INVALID_NAMESPACE",
    InvalidObject = 0x8004_100F => "WBEM_E_INVALID_OBJECT",
    InvalidClass = 0x8004_1010 => "WBEM_E_INVALID_CLASS",
    InvalidQuery = 0x8004_1017 => "WBEM_E_INVALID_QUERY",
    InvalidQueryType = 0x8004_1018 => "WBEM_E_INVALID_QUERY_TYPE",
    ProviderNotCapable = 0x8004_1024 => "WBEM_E_PROVIDER_NOT_CAPABLE",
    ClassHasChildren = 0x8004_1025 => "WBEM_E_CLASS_HAS_CHILDREN",
    ClassHasInstances = 0x8004_1026 => "WBEM_E_CLASS_HAS_INSTANCES",
    IllegalNull = 0x8004_1028 => "WBEM_E_ILLEGAL_NULL",
    InvalidCimType = 0x8004_102D => "WBEM_E_INVALID_CIM_TYPE",
    InvalidMethod = 0x8004_102E => "WBEM_E_INVALID_METHOD",
    InvalidMethodParameters = 0x8004_102F => "WBEM_E_INVALID_METHOD_PARAMETERS",
    InvalidProperty = 0x8004_1031 => "WBEM_E_INVALID_PROPERTY",
    CallCancelled = 0x8004_1032 => "WBEM_E_CALL_CANCELLED",
    InvalidObjectPath = 0x8004_103A => "WBEM_E_INVALID_OBJECT_PATH",
    OutOfDiskSpace = 0x8004_103B => "WBEM_E_OUT_OF_DISK_SPACE",
    UnsupportedPutExtension = 0x8004_103D => "WBEM_E_UNSUPPORTED_PUT_EXTENSION",
    QuotaViolation = 0x8004_106C => "WBEM_E_QUOTA_VIOLATION",
    ServerTooBusy = 0x8004_1045 => "WBEM_E_SERVER_TOO_BUSY",
    MethodNotImplemented = 0x8004_1055 => "WBEM_E_METHOD_NOT_IMPLEMENTED",
    MethodDisabled = 0x8004_1056 => "WBEM_E_METHOD_DISABLED",
    UnparsableQuery = 0x8004_1058 => "WBEM_E_UNPARSABLE_QUERY",
    NotEventClass = 0x8004_1059 => "WBEM_E_NOT_EVENT_CLASS",
    MissingGroupWithin = 0x8004_105A => "WBEM_E_MISSING_GROUP_WITHIN",
    MissingAggregationList = 0x8004_105B => "WBEM_E_MISSING_AGGREGATION_LIST",
    PropertyNotAnObject = 0x8004_105C => "WBEM_E_PROPERTY_NOT_AN_OBJECT",
    AggregatingByObject = 0x8004_105D => "WBEM_E_AGGREGATING_BY_OBJECT",
    BackupRestoreWinmgmtRunning = 0x8004_1060 => "WBEM_E_BACKUP_RESTORE_WINMGMT_RUNNING",
    QueueOverflow = 0x8004_1061 => "WBEM_E_QUEUE_OVERFLOW",
    PrivilegeNotHeld = 0x8004_1062 => "WBEM_E_PRIVILEGE_NOT_HELD",
    InvalidOperator = 0x8004_1063 => "WBEM_E_INVALID_OPERATOR",
    CannotBeAbstract = 0x8004_1065 => "WBEM_E_CANNOT_BE_ABSTRACT",
    AmendedObject = 0x8004_1066 => "WBEM_E_AMENDED_OBJECT",
    VetoPut = 0x8004_107A => "WBEM_E_VETO_PUT",
    ProviderSuspended = 0x8004_1081 => "WBEM_E_PROVIDER_SUSPENDED",
    EncryptedConnectionRequired = 0x8004_1087 => "WBEM_E_ENCRYPTED_CONNECTION_REQUIRED",
    ProviderTimedOut = 0x8004_1088 => "WBEM_E_PROVIDER_TIMED_OUT",
    NoKey = 0x8004_1089 => "WBEM_E_NO_KEY",
    ProviderDisabled = 0x8004_108A => "WBEM_E_PROVIDER_DISABLED",
    RegistrationTooBroad = 0x8004_2001 => "WBEM_E_REGISTRATION_TOO_BROAD",
    RegistrationTooPrecise = 0x8004_2002 => "WBEM_E_REGISTRATION_TOO_PRECISE",
}

impl WbemStatus {
    pub fn code(self) -> u32 {
        self as u32
    }

    /// True for WBEM_E_* values and E_NOTIMPL (severity bit set).
    pub fn is_error(self) -> bool {
        self.code() & 0x8000_0000 != 0
    }

    /// The table entry explaining this value. Every WBEMSTATUS value has one (checked by a test);
    /// E_NOTIMPL is filed under [`StatusKind::Hresult`].
    pub fn info(self) -> Option<&'static StatusInfo> {
        lookup(self.code()).into_iter().find(|e| {
            e.name == self.name() && matches!(e.kind, StatusKind::Wbem | StatusKind::Hresult)
        })
    }
}

impl From<WbemStatus> for u32 {
    fn from(status: WbemStatus) -> u32 {
        status.code()
    }
}

impl std::fmt::Display for WbemStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({})",
            self.name(),
            super::parse::hex_slash_decimal(self.code())
        )
    }
}
