//! Fault profiles: named deviations from a healthy, current, patched Windows server that the emulator
//! can be asked to show (`rwmi sim --profile legacy,lag=200`).
//!
//! The text form is a comma-separated list of names, some with `=value`. Names are case-insensitive;
//! an unknown name, a missing or malformed value, or a name given twice is an error, so that a typo
//! never silently runs the healthy server.

use std::fmt;
use std::time::Duration;

/// The profiles in force, one typed field per profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profiles {
    /// `home-edition`: a Windows Home edition, where remote DCOM activation of WMI is not available.
    pub home_edition: bool,
    /// `legacy`: a server without the KB5004442 hardening, which accepts activation below packet integrity.
    pub legacy: bool,
    /// `uac-off`: LocalAccountTokenFilterPolicy=1, so local administrators keep a full token remotely.
    pub uac_off: bool,
    /// `lag=MS`: a delay before every answer.
    pub lag: Option<Duration>,
    /// `firewalled-dynamic-port`: the endpoint mapper answers, but the dynamic port it hands out is blocked.
    pub firewalled_dynamic_port: bool,
    /// `unreachable-binding`: the OXID resolver returns only string bindings the client cannot reach.
    pub unreachable_binding: bool,
    /// `drop-after=N`: close the connection after N PDUs.
    pub drop_after: Option<u32>,
    /// `stall-after=N`: stop answering, connection open, after N PDUs.
    pub stall_after: Option<u32>,
    /// `com-version=MAJOR.MINOR`: the COMVERSION the server reports.
    pub com_version: Option<ComVersion>,
    /// `hostile-*`: malformed or malicious answers, to prove a client survives them.
    pub hostile: Vec<Hostile>,
    /// `clock-skew=MINUTES`: the server's clock is this many minutes ahead (negative: behind) of the
    /// realm's, so Kerberos authenticators fail its five-minute check with KRB_AP_ERR_SKEW
    /// (RFC 4120 3.2.3; the classic "time difference" failure when w32time is broken).
    pub clock_skew_minutes: Option<i64>,
}

/// A COM version (MS-DCOM 2.2.11 COMVERSION).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ComVersion {
    pub major: u16,
    pub minor: u16,
}

/// A `hostile-*` profile: the server lies, cuts or tampers with what it sends. The wire-level ones act on
/// every response of the object exporter's port (`server::hostile::WireTamper`), the object-level ones on
/// what IEnumWbemClassObject::Next returns (`server::hostile::hostile_next`), `hostile-many-bindings` on
/// the activation reply (`server::hostile::many_bindings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hostile {
    /// `hostile-lying-length`: frag_length names far more octets than the fragment has (0xFFFF).
    LyingLength,
    /// `hostile-deep-object`: an instance with embedded objects nested 1000 deep.
    DeepObject,
    /// `hostile-cyclic-heap`: an array of embedded objects whose heap references point back at the array.
    CyclicHeap,
    /// `hostile-huge-array`: an Encoded-Array whose ArrayCount is 0xFFFFFFF0.
    HugeArray,
    /// `hostile-truncated-fragment`: half a fragment, then a clean close.
    TruncatedFragment,
    /// `hostile-wrong-call-id`: responses carry another call's id (correctly signed).
    WrongCallId,
    /// `hostile-bad-signature`: one octet of the verifier's auth_value flipped.
    BadSignature,
    /// `hostile-reset-mid-fragment`: half a fragment, then a TCP reset.
    ResetMidFragment,
    /// `hostile-slow-drip`: the response one octet every 200 ms, without end.
    SlowDrip,
    /// `hostile-oversized-batch`: Next returns one object more than uCount asked for.
    OversizedBatch,
    /// `hostile-endless-timedout`: Next answers WBEM_S_TIMEDOUT with no object, at once, every time: a
    /// drip at the WMI layer that no single call's time-out catches.
    EndlessTimedOut,
    /// `hostile-many-bindings`: the activation reply advertises thousands of OXID bindings on addresses
    /// that never answer (the real port is reachable only at the address that answered port 135).
    ManyBindings,
}

impl Hostile {
    pub const ALL: [Hostile; 12] = [
        Hostile::LyingLength,
        Hostile::DeepObject,
        Hostile::CyclicHeap,
        Hostile::HugeArray,
        Hostile::TruncatedFragment,
        Hostile::WrongCallId,
        Hostile::BadSignature,
        Hostile::ResetMidFragment,
        Hostile::SlowDrip,
        Hostile::OversizedBatch,
        Hostile::EndlessTimedOut,
        Hostile::ManyBindings,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Hostile::LyingLength => "hostile-lying-length",
            Hostile::DeepObject => "hostile-deep-object",
            Hostile::CyclicHeap => "hostile-cyclic-heap",
            Hostile::HugeArray => "hostile-huge-array",
            Hostile::TruncatedFragment => "hostile-truncated-fragment",
            Hostile::WrongCallId => "hostile-wrong-call-id",
            Hostile::BadSignature => "hostile-bad-signature",
            Hostile::ResetMidFragment => "hostile-reset-mid-fragment",
            Hostile::SlowDrip => "hostile-slow-drip",
            Hostile::OversizedBatch => "hostile-oversized-batch",
            Hostile::EndlessTimedOut => "hostile-endless-timedout",
            Hostile::ManyBindings => "hostile-many-bindings",
        }
    }

    /// Whether the profile acts on the bytes of responses rather than on the objects they carry.
    pub fn is_wire_level(self) -> bool {
        !matches!(
            self,
            Hostile::DeepObject
                | Hostile::CyclicHeap
                | Hostile::HugeArray
                | Hostile::OversizedBatch
                | Hostile::EndlessTimedOut
                | Hostile::ManyBindings
        )
    }
}

/// One profile as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profile {
    HomeEdition,
    Legacy,
    UacOff,
    Lag(Duration),
    FirewalledDynamicPort,
    UnreachableBinding,
    DropAfter(u32),
    StallAfter(u32),
    ComVersion(ComVersion),
    Hostile(Hostile),
    ClockSkew(i64),
}

/// Why a profile list was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileError {
    /// The list entry at fault, as written.
    pub entry: String,
    pub message: String,
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "profile `{}`: {}", self.entry, self.message)
    }
}

impl std::error::Error for ProfileError {}

/// The names [`Profile::parse`] knows, for help texts.
pub const PROFILE_NAMES: &[&str] = &[
    "home-edition",
    "legacy",
    "uac-off",
    "lag=MS",
    "firewalled-dynamic-port",
    "unreachable-binding",
    "drop-after=N",
    "stall-after=N",
    "com-version=MAJOR.MINOR",
    "clock-skew=MINUTES",
    "hostile-lying-length",
    "hostile-deep-object",
    "hostile-cyclic-heap",
    "hostile-huge-array",
    "hostile-truncated-fragment",
    "hostile-wrong-call-id",
    "hostile-bad-signature",
    "hostile-reset-mid-fragment",
    "hostile-slow-drip",
    "hostile-oversized-batch",
    "hostile-endless-timedout",
    "hostile-many-bindings",
];

impl Profile {
    /// Parses one entry such as `lag=200` or `legacy`.
    pub fn parse(entry: &str) -> Result<Profile, ProfileError> {
        let fail = |message: String| ProfileError {
            entry: entry.to_string(),
            message,
        };
        let trimmed = entry.trim();
        let (name, value) = match trimmed.split_once('=') {
            Some((name, value)) => (name.trim().to_ascii_lowercase(), Some(value.trim())),
            None => (trimmed.to_ascii_lowercase(), None),
        };
        let flag = |profile: Profile| match value {
            None => Ok(profile),
            Some(_) => Err(fail(format!("`{name}` takes no value"))),
        };
        let needs_value = || value.ok_or_else(|| fail(format!("`{name}` needs a value")));
        let count = |text: &str| {
            text.parse::<u32>()
                .map_err(|_| fail(format!("`{text}` is not a count (0 to {})", u32::MAX)))
        };
        match name.as_str() {
            "home-edition" => flag(Profile::HomeEdition),
            "legacy" => flag(Profile::Legacy),
            "uac-off" => flag(Profile::UacOff),
            "firewalled-dynamic-port" => flag(Profile::FirewalledDynamicPort),
            "unreachable-binding" => flag(Profile::UnreachableBinding),
            "lag" => {
                let text = needs_value()?;
                let millis = text
                    .parse::<u64>()
                    .map_err(|_| fail(format!("`{text}` is not a number of milliseconds")))?;
                Ok(Profile::Lag(Duration::from_millis(millis)))
            }
            "drop-after" => Ok(Profile::DropAfter(count(needs_value()?)?)),
            "stall-after" => Ok(Profile::StallAfter(count(needs_value()?)?)),
            "com-version" => {
                let text = needs_value()?;
                let parsed = text
                    .split_once('.')
                    .and_then(|(major, minor)| Some((major.parse().ok()?, minor.parse().ok()?)));
                match parsed {
                    Some((major, minor)) => Ok(Profile::ComVersion(ComVersion { major, minor })),
                    None => Err(fail(format!("`{text}` is not MAJOR.MINOR (such as 5.7)"))),
                }
            }
            "clock-skew" => {
                let text = needs_value()?;
                let minutes = text
                    .parse::<i64>()
                    .ok()
                    .filter(|m| m.unsigned_abs() <= 10 * 365 * 24 * 60)
                    .ok_or_else(|| fail(format!("`{text}` is not a number of minutes")))?;
                Ok(Profile::ClockSkew(minutes))
            }
            hostile if hostile.starts_with("hostile-") => {
                match Hostile::ALL.into_iter().find(|h| h.name() == hostile) {
                    Some(h) => flag(Profile::Hostile(h)),
                    None => Err(fail(format!(
                        "unknown hostile profile `{hostile}`; known: {}",
                        Hostile::ALL.map(Hostile::name).join(", ")
                    ))),
                }
            }
            "" => Err(fail("empty profile name".to_string())),
            other => Err(fail(format!(
                "unknown profile `{other}`; known: {}",
                PROFILE_NAMES.join(", ")
            ))),
        }
    }
}

impl Profiles {
    /// Parses a comma-separated list; the empty string is the healthy server.
    pub fn parse(list: &str) -> Result<Profiles, ProfileError> {
        let mut profiles = Profiles::default();
        if list.trim().is_empty() {
            return Ok(profiles);
        }
        for entry in list.split(',') {
            let profile = Profile::parse(entry)?;
            profiles.apply(profile).map_err(|message| ProfileError {
                entry: entry.to_string(),
                message,
            })?;
        }
        Ok(profiles)
    }

    /// Adds one profile; giving the same one twice is an error (the two values might disagree).
    pub fn apply(&mut self, profile: Profile) -> Result<(), String> {
        fn set_flag(slot: &mut bool) -> Result<(), String> {
            if std::mem::replace(slot, true) {
                return Err("given twice".to_string());
            }
            Ok(())
        }
        fn set_value<T>(slot: &mut Option<T>, value: T) -> Result<(), String> {
            if slot.replace(value).is_some() {
                return Err("given twice".to_string());
            }
            Ok(())
        }
        match profile {
            Profile::HomeEdition => set_flag(&mut self.home_edition),
            Profile::Legacy => set_flag(&mut self.legacy),
            Profile::UacOff => set_flag(&mut self.uac_off),
            Profile::FirewalledDynamicPort => set_flag(&mut self.firewalled_dynamic_port),
            Profile::UnreachableBinding => set_flag(&mut self.unreachable_binding),
            Profile::Lag(lag) => set_value(&mut self.lag, lag),
            Profile::DropAfter(n) => set_value(&mut self.drop_after, n),
            Profile::StallAfter(n) => set_value(&mut self.stall_after, n),
            Profile::ComVersion(version) => set_value(&mut self.com_version, version),
            Profile::ClockSkew(minutes) => set_value(&mut self.clock_skew_minutes, minutes),
            Profile::Hostile(hostile) => {
                if self.hostile.contains(&hostile) {
                    return Err("given twice".to_string());
                }
                self.hostile.push(hostile);
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_healthy() {
        assert_eq!(Profiles::parse("").unwrap(), Profiles::default());
        assert_eq!(Profiles::parse("  ").unwrap(), Profiles::default());
    }

    #[test]
    fn every_profile_parses() {
        let profiles = Profiles::parse(
            "home-edition, Legacy,UAC-OFF,lag=250,firewalled-dynamic-port,unreachable-binding,\
             drop-after=3,stall-after=0,com-version=5.7,hostile-slow-drip,Hostile-Lying-Length,\
             clock-skew=-10",
        )
        .unwrap();
        assert_eq!(
            profiles,
            Profiles {
                home_edition: true,
                legacy: true,
                uac_off: true,
                lag: Some(Duration::from_millis(250)),
                firewalled_dynamic_port: true,
                unreachable_binding: true,
                drop_after: Some(3),
                stall_after: Some(0),
                com_version: Some(ComVersion { major: 5, minor: 7 }),
                hostile: vec![Hostile::SlowDrip, Hostile::LyingLength],
                clock_skew_minutes: Some(-10),
            }
        );
    }

    #[test]
    fn errors_name_the_entry() {
        let cases = [
            ("legacy,bogus", "bogus", "unknown profile"),
            ("lag", "lag", "needs a value"),
            ("lag=fast", "lag=fast", "milliseconds"),
            ("legacy=1", "legacy=1", "takes no value"),
            ("drop-after=-1", "drop-after=-1", "not a count"),
            (
                "stall-after=99999999999",
                "stall-after=99999999999",
                "not a count",
            ),
            ("com-version=5", "com-version=5", "MAJOR.MINOR"),
            ("clock-skew=ten", "clock-skew=ten", "minutes"),
            ("com-version=5.x", "com-version=5.x", "MAJOR.MINOR"),
            ("com-version=70000.1", "com-version=70000.1", "MAJOR.MINOR"),
            ("hostile-", "hostile-", "unknown hostile profile"),
            ("hostile-x", "hostile-x", "unknown hostile profile"),
            (
                "hostile-slow-drip=1",
                "hostile-slow-drip=1",
                "takes no value",
            ),
            ("legacy,,uac-off", "", "empty"),
            ("lag=1,lag=2", "lag=2", "twice"),
            ("legacy,LEGACY", "LEGACY", "twice"),
            (
                "hostile-deep-object,hostile-deep-object",
                "hostile-deep-object",
                "twice",
            ),
        ];
        for (list, entry, message) in cases {
            let error = Profiles::parse(list).unwrap_err();
            assert_eq!(error.entry, entry, "{list}");
            assert!(error.message.contains(message), "{list}: {error}");
        }
    }

    #[test]
    fn every_hostile_profile_parses_by_its_name() {
        for hostile in Hostile::ALL {
            let profiles = Profiles::parse(hostile.name()).unwrap();
            assert_eq!(profiles.hostile, vec![hostile]);
            assert!(PROFILE_NAMES.contains(&hostile.name()));
        }
    }

    #[test]
    fn display_mentions_entry_and_reason() {
        let error = Profiles::parse("slow").unwrap_err();
        assert_eq!(
            error.to_string().split(';').next().unwrap(),
            "profile `slow`: unknown profile `slow`"
        );
    }
}
