//! Live data from the Linux host the emulator runs on, as MOF `instance of` text for the classes
//! defined in `repository/cimv2.mof`, plus a deterministic synthetic generator for benchmarks.
//!
//! Collection (`collect`, `procfs`, `os_calls`) fills plain structs (`facts`); rendering
//! (`render`, `mof_text`) turns them into MOF, which the emulator reads with its MOF parser.

pub mod cim_datetime;
pub mod collect;
pub mod facts;
pub mod mof_text;
// The libc calls: every unsafe block in it has its SAFETY comment.
#[allow(unsafe_code)]
pub mod os_calls;
mod perf_render;
pub mod procfs;
pub mod render;
#[cfg(test)]
mod repository_check;
pub mod synthetic;

use std::sync::Mutex;
use std::time::{Duration, SystemTime};

pub use synthetic::synthetic_instances;

use cim_datetime::{civil_time, unix_micros};
use collect::HostReader;

/// The classes [`live_instances`] fills from the host.
pub const LIVE_CLASSES: &[&str] = &[
    "Win32_OperatingSystem",
    "Win32_ComputerSystem",
    "Win32_Process",
    "Win32_Service",
    "Win32_LogicalDisk",
    "Win32_NetworkAdapterConfiguration",
    "Win32_UTCTime",
    "Win32_LocalTime",
    "Win32_PerfFormattedData_PerfOS_Processor",
    "Win32_PerfRawData_PerfOS_Processor",
    "Win32_PerfRawData_PerfOS_Memory",
    "Win32_PerfRawData_PerfOS_System",
    "Win32_PerfRawData_Tcpip_NetworkInterface",
    "Win32_PerfRawData_Counters_ProcessorInformation",
    "Win32_PerfRawData_PerfDisk_LogicalDisk",
];

/// The current instances of `class` (matched case-insensitively, as WMI class names are) as MOF
/// `instance of` blocks, read from this host at `now`; `None` when the class has no live
/// provider. A class with a provider always gets `Some`, possibly with no instances.
pub fn live_instances(class: &str, now: SystemTime) -> Option<String> {
    let class = LIVE_CLASSES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(class))?;
    let host = HostReader::live();
    let mut out = String::new();
    match *class {
        "Win32_OperatingSystem" => {
            let system = SYSTEM.get(now, || host.system(now));
            render::write_operating_system(&mut out, &system, now)
        }
        "Win32_ComputerSystem" => {
            render::write_computer_system(&mut out, &SYSTEM.get(now, || host.system(now)))
        }
        "Win32_Process" => {
            let computer = live_computer_name(&host, now);
            for process in host.processes(now) {
                render::write_process(&mut out, &process, &computer);
            }
        }
        "Win32_Service" => {
            let computer = live_computer_name(&host, now);
            for service in host.services() {
                render::write_service(&mut out, &service, &computer);
            }
        }
        "Win32_LogicalDisk" => {
            let computer = live_computer_name(&host, now);
            for disk in host.disks() {
                render::write_logical_disk(&mut out, &disk, &computer);
            }
        }
        "Win32_NetworkAdapterConfiguration" => {
            let host_name = host.system(now).host_name;
            for adapter in host.network_adapters() {
                render::write_network_adapter(&mut out, &adapter, &host_name);
            }
        }
        "Win32_UTCTime" => {
            render::write_current_time(&mut out, class, &civil_time(unix_micros(now), 0))
        }
        "Win32_LocalTime" => {
            let micros = unix_micros(now);
            let seconds = i64::try_from(micros.div_euclid(1_000_000)).unwrap_or(0);
            let offset = os_calls::local_utc_offset_seconds(seconds);
            render::write_current_time(&mut out, class, &civil_time(micros, offset));
        }
        "Win32_PerfFormattedData_PerfOS_Processor" => {
            for load in host.processor_loads() {
                render::write_processor_load(&mut out, &load, now);
            }
        }
        "Win32_PerfRawData_PerfOS_Processor" => {
            perf_render::write_processors(&mut out, &host.perf_counters(now), now)
        }
        "Win32_PerfRawData_PerfOS_Memory" => {
            perf_render::write_memory(&mut out, &host.perf_counters(now), now)
        }
        "Win32_PerfRawData_PerfOS_System" => {
            let boot = SYSTEM.get(now, || host.system(now)).boot_time;
            perf_render::write_system(&mut out, &host.perf_counters(now), boot, now)
        }
        "Win32_PerfRawData_Tcpip_NetworkInterface" => {
            perf_render::write_interfaces(&mut out, &host.perf_counters(now), now)
        }
        "Win32_PerfRawData_Counters_ProcessorInformation" => {
            perf_render::write_processor_information(&mut out, &host.perf_counters(now), now)
        }
        "Win32_PerfRawData_PerfDisk_LogicalDisk" => {
            perf_render::write_logical_disks(&mut out, &host.disk_counters(), now)
        }
        _ => return None,
    }
    Some(out)
}

fn live_computer_name(host: &HostReader, now: SystemTime) -> String {
    render::computer_name(&SYSTEM.get(now, || host.system(now)).host_name)
}

/// How long one reading of the system facts serves. Reading them walks /proc (every process directory,
/// cpuinfo, meminfo): done per query, it was a third of the emulator's CPU when a fleet of virtual
/// hosts, all this one machine, was asked for Win32_OperatingSystem at once. A fifth of a second keeps
/// memory and process counts current for any poller while a thousand hosts share one reading. The
/// instance's times (LocalDateTime) are still rendered at each query's `now`.
const SYSTEM_FACTS_PERIOD: Duration = Duration::from_millis(200);

static SYSTEM: RecentReading<facts::SystemFact> = RecentReading::new(SYSTEM_FACTS_PERIOD);

/// The last reading of something costly to collect, reused while it is younger than `period`.
struct RecentReading<T> {
    period: Duration,
    last: Mutex<Option<(SystemTime, T)>>,
}

impl<T: Clone> RecentReading<T> {
    const fn new(period: Duration) -> Self {
        Self {
            period,
            last: Mutex::new(None),
        }
    }

    /// The reading taken at or before `now` and less than `period` ago, else a new one from `collect`.
    /// A `now` before the last reading (a clock stepped back, or a caller's own time) reads anew.
    fn get(&self, now: SystemTime, collect: impl FnOnce() -> T) -> T {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((taken, reading)) = last.as_ref()
            && now
                .duration_since(*taken)
                .is_ok_and(|age| age < self.period)
        {
            return reading.clone();
        }
        let reading = collect();
        *last = Some((now, reading.clone()));
        reading
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recent_reading_is_reused_for_its_period_only() {
        let reading = RecentReading::new(Duration::from_millis(200));
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut collected = 0;
        let mut read = |now: SystemTime| {
            reading.get(now, || {
                collected += 1;
                collected
            })
        };
        assert_eq!(read(t0), 1);
        assert_eq!(
            read(t0 + Duration::from_millis(199)),
            1,
            "within the period"
        );
        assert_eq!(read(t0 + Duration::from_millis(200)), 2, "period over");
        assert_eq!(read(t0), 3, "a time before the last reading reads anew");
    }

    #[test]
    fn every_live_class_has_instances_on_this_host() {
        let now = SystemTime::now();
        for class in LIVE_CLASSES {
            let mof =
                live_instances(class, now).unwrap_or_else(|| panic!("{class} has no provider"));
            assert!(
                mof.starts_with(&format!("instance of {class}\n{{\n")),
                "{class}: {mof}"
            );
            assert!(mof.ends_with("};\n\n"), "{class}");
            assert_eq!(
                mof.matches("instance of ").count(),
                mof.matches("\n};\n").count(),
                "{class}"
            );
        }
    }

    #[test]
    fn live_processes_include_this_test() {
        let mof = live_instances("Win32_Process", SystemTime::now()).unwrap();
        assert!(mof.contains(&format!("\tProcessId = {};\n", std::process::id())));
        assert!(mof.contains("\tHandle = \"1\";\n"));
    }

    #[test]
    fn live_operating_system_values() {
        let mof = live_instances("win32_operatingsystem", SystemTime::now()).unwrap();
        for expected in [
            "\tVersion = \"10.0.20348\";\n",
            "\tBuildNumber = \"20348\";\n",
            "\tProductType = 3;\n",
            "\tOSType = 18;\n",
            "\tManufacturer = \"Microsoft Corporation\";\n",
            "\tCaption = \"Microsoft Windows Server 2022 Datacenter (rwmi emulator on Linux ",
        ] {
            assert!(mof.contains(expected), "{expected:?} missing from {mof}");
        }
    }

    #[test]
    fn live_root_is_drive_c() {
        let mof = live_instances("Win32_LogicalDisk", SystemTime::now()).unwrap();
        assert!(
            mof.contains("\tDeviceID = \"C:\";\n\tCaption = \"C:\";\n"),
            "{mof}"
        );
    }

    #[test]
    fn classes_without_provider() {
        assert_eq!(live_instances("Win32_Tpm", SystemTime::now()), None);
        assert_eq!(live_instances("RWMI_TypeSample", SystemTime::now()), None);
        assert_eq!(live_instances("", SystemTime::now()), None);
    }
}
