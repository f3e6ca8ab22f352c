//! The WBEMSTATUS enumeration of MS-WMI 2.2.11 as a Rust type, for the WMI client and the emulator.
//! Explanations live in the status table; [`WbemStatus::info`] reaches them.

use super::{StatusInfo, StatusKind, hresult, lookup, wbem};

/// The variants name their values by the table's constants, so a value is written only in the table.
macro_rules! wbem_status {
    ($( $(#[$doc:meta])* $variant:ident = $module:ident::$name:ident, )+) => {
        /// A WBEMSTATUS value (MS-WMI 2.2.11). Values outside this list are kept as plain `u32`
        /// HRESULTs by callers: the server may return any HRESULT (MS-WMI 2.2.11, first paragraph).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum WbemStatus {
            $( $(#[$doc])* $variant = $module::$name, )+
        }

        impl WbemStatus {
            /// Every value, in the order MS-WMI 2.2.11 lists them.
            pub const ALL: &'static [WbemStatus] = &[ $( WbemStatus::$variant, )+ ];

            /// The symbolic name as MS-WMI spells it (`"WBEM_E_ACCESS_DENIED"`).
            pub fn name(self) -> &'static str {
                match self {
                    $( WbemStatus::$variant => stringify!($name), )+
                }
            }

            /// The value for `code`, if WBEMSTATUS defines one.
            pub fn from_u32(code: u32) -> Option<WbemStatus> {
                match code {
                    $( $module::$name => Some(WbemStatus::$variant), )+
                    _ => None,
                }
            }
        }
    };
}

wbem_status! {
    NoError = wbem::WBEM_S_NO_ERROR,
    /// End of an enumeration, or fewer objects than asked for.
    False = wbem::WBEM_S_FALSE,
    Timedout = wbem::WBEM_S_TIMEDOUT,
    /// The server supports the ObjectArray encoding (MS-WMI 3.1.4.2.1).
    NewStyle = wbem::WBEM_S_NEW_STYLE,
    PartialResults = wbem::WBEM_S_PARTIAL_RESULTS,
    Failed = wbem::WBEM_E_FAILED,
    NotFound = wbem::WBEM_E_NOT_FOUND,
    AccessDenied = wbem::WBEM_E_ACCESS_DENIED,
    ProviderFailure = wbem::WBEM_E_PROVIDER_FAILURE,
    TypeMismatch = wbem::WBEM_E_TYPE_MISMATCH,
    OutOfMemory = wbem::WBEM_E_OUT_OF_MEMORY,
    InvalidContext = wbem::WBEM_E_INVALID_CONTEXT,
    InvalidParameter = wbem::WBEM_E_INVALID_PARAMETER,
    NotAvailable = wbem::WBEM_E_NOT_AVAILABLE,
    CriticalError = wbem::WBEM_E_CRITICAL_ERROR,
    NotSupported = wbem::WBEM_E_NOT_SUPPORTED,
    ProviderNotFound = wbem::WBEM_E_PROVIDER_NOT_FOUND,
    InvalidProviderRegistration = wbem::WBEM_E_INVALID_PROVIDER_REGISTRATION,
    ProviderLoadFailure = wbem::WBEM_E_PROVIDER_LOAD_FAILURE,
    InitializationFailure = wbem::WBEM_E_INITIALIZATION_FAILURE,
    TransportFailure = wbem::WBEM_E_TRANSPORT_FAILURE,
    InvalidOperation = wbem::WBEM_E_INVALID_OPERATION,
    AlreadyExists = wbem::WBEM_E_ALREADY_EXISTS,
    Unexpected = wbem::WBEM_E_UNEXPECTED,
    IncompleteClass = wbem::WBEM_E_INCOMPLETE_CLASS,
    ShuttingDown = wbem::WBEM_E_SHUTTING_DOWN,
    /// MS-WMI lists the generic COM E_NOTIMPL (MS-ERREF 2.1) among the WBEMSTATUS values.
    NotImplemented = hresult::E_NOTIMPL,
    InvalidSuperclass = wbem::WBEM_E_INVALID_SUPERCLASS,
    InvalidNamespace = wbem::WBEM_E_INVALID_NAMESPACE,
    InvalidObject = wbem::WBEM_E_INVALID_OBJECT,
    InvalidClass = wbem::WBEM_E_INVALID_CLASS,
    InvalidQuery = wbem::WBEM_E_INVALID_QUERY,
    InvalidQueryType = wbem::WBEM_E_INVALID_QUERY_TYPE,
    ProviderNotCapable = wbem::WBEM_E_PROVIDER_NOT_CAPABLE,
    ClassHasChildren = wbem::WBEM_E_CLASS_HAS_CHILDREN,
    ClassHasInstances = wbem::WBEM_E_CLASS_HAS_INSTANCES,
    IllegalNull = wbem::WBEM_E_ILLEGAL_NULL,
    InvalidCimType = wbem::WBEM_E_INVALID_CIM_TYPE,
    InvalidMethod = wbem::WBEM_E_INVALID_METHOD,
    InvalidMethodParameters = wbem::WBEM_E_INVALID_METHOD_PARAMETERS,
    InvalidProperty = wbem::WBEM_E_INVALID_PROPERTY,
    CallCancelled = wbem::WBEM_E_CALL_CANCELLED,
    InvalidObjectPath = wbem::WBEM_E_INVALID_OBJECT_PATH,
    OutOfDiskSpace = wbem::WBEM_E_OUT_OF_DISK_SPACE,
    UnsupportedPutExtension = wbem::WBEM_E_UNSUPPORTED_PUT_EXTENSION,
    QuotaViolation = wbem::WBEM_E_QUOTA_VIOLATION,
    ServerTooBusy = wbem::WBEM_E_SERVER_TOO_BUSY,
    MethodNotImplemented = wbem::WBEM_E_METHOD_NOT_IMPLEMENTED,
    MethodDisabled = wbem::WBEM_E_METHOD_DISABLED,
    UnparsableQuery = wbem::WBEM_E_UNPARSABLE_QUERY,
    NotEventClass = wbem::WBEM_E_NOT_EVENT_CLASS,
    MissingGroupWithin = wbem::WBEM_E_MISSING_GROUP_WITHIN,
    MissingAggregationList = wbem::WBEM_E_MISSING_AGGREGATION_LIST,
    PropertyNotAnObject = wbem::WBEM_E_PROPERTY_NOT_AN_OBJECT,
    AggregatingByObject = wbem::WBEM_E_AGGREGATING_BY_OBJECT,
    BackupRestoreWinmgmtRunning = wbem::WBEM_E_BACKUP_RESTORE_WINMGMT_RUNNING,
    QueueOverflow = wbem::WBEM_E_QUEUE_OVERFLOW,
    PrivilegeNotHeld = wbem::WBEM_E_PRIVILEGE_NOT_HELD,
    InvalidOperator = wbem::WBEM_E_INVALID_OPERATOR,
    CannotBeAbstract = wbem::WBEM_E_CANNOT_BE_ABSTRACT,
    AmendedObject = wbem::WBEM_E_AMENDED_OBJECT,
    VetoPut = wbem::WBEM_E_VETO_PUT,
    ProviderSuspended = wbem::WBEM_E_PROVIDER_SUSPENDED,
    EncryptedConnectionRequired = wbem::WBEM_E_ENCRYPTED_CONNECTION_REQUIRED,
    ProviderTimedOut = wbem::WBEM_E_PROVIDER_TIMED_OUT,
    NoKey = wbem::WBEM_E_NO_KEY,
    ProviderDisabled = wbem::WBEM_E_PROVIDER_DISABLED,
    RegistrationTooBroad = wbem::WBEM_E_REGISTRATION_TOO_BROAD,
    RegistrationTooPrecise = wbem::WBEM_E_REGISTRATION_TOO_PRECISE,
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
