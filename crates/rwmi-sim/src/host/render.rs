//! Host facts rendered as MOF `instance of` blocks of the classes in repository/cimv2.mof, with
//! the values a Windows Server 2022 host would report where Linux has no equivalent.

use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use super::cim_datetime::CivilTime;
use super::facts::{
    DiskFact, NetworkAdapterFact, ProcessFact, ProcessorLoadFact, ServiceFact, SystemFact,
};
use super::mof_text::{InstanceWriter, PropertySink};

/// The Windows release the emulator claims to be.
pub const WINDOWS_PRODUCT: &str = "Microsoft Windows Server 2022 Datacenter";
pub const WINDOWS_VERSION: &str = "10.0.20348";
pub const WINDOWS_BUILD: &str = "20348";

/// 100 ns intervals between 1601-01-01 (the FILETIME epoch) and 1970-01-01.
pub(super) const FILETIME_UNIX_EPOCH: u64 = 116_444_736_000_000_000;

/// The NetBIOS-style computer name: the host name up to its first dot, upper case.
pub fn computer_name(host_name: &str) -> String {
    host_name
        .split('.')
        .next()
        .unwrap_or(host_name)
        .to_ascii_uppercase()
}

/// A Windows-shaped product serial number (`00454-xxxxx-xxxxx-AAOEM`) derived from the machine
/// id, so it is stable across restarts of the same host.
pub fn serial_number(machine_id: Option<&str>) -> String {
    let digits: Vec<char> = machine_id
        .unwrap_or("")
        .chars()
        .filter_map(|c| c.to_digit(16))
        .map(|value| char::from(b'0' + (value % 10) as u8))
        .chain(std::iter::repeat('0'))
        .take(10)
        .collect();
    let first: String = digits.iter().take(5).collect();
    let second: String = digits.iter().skip(5).collect();
    format!("00454-{first}-{second}-AAOEM")
}

fn architecture_bits() -> &'static str {
    if cfg!(target_pointer_width = "64") {
        "64-bit"
    } else {
        "32-bit"
    }
}

fn system_type() -> &'static str {
    match std::env::consts::ARCH {
        "aarch64" | "arm" => "ARM64-based PC",
        "x86" => "X86-based PC",
        _ => "x64-based PC",
    }
}

/// Win32_OperatingSystem for the host at `now`.
pub fn write_operating_system(out: &mut String, system: &SystemFact, now: SystemTime) {
    let memory = &system.memory;
    let caption = format!(
        "{WINDOWS_PRODUCT} (rwmi emulator on {} {})",
        system.kernel_name, system.kernel_release
    );
    let description = match &system.distribution {
        Some(distribution) => format!("{distribution}, kernel {}", system.kernel_version),
        None => format!("{} kernel {}", system.kernel_name, system.kernel_version),
    };
    let mut instance = InstanceWriter::begin(out, "Win32_OperatingSystem");
    instance
        .string(
            "Name",
            &format!("{WINDOWS_PRODUCT}|C:\\Windows|\\Device\\Harddisk0\\Partition2"),
        )
        .string("Caption", &caption)
        .string("Description", &description)
        .string("Version", WINDOWS_VERSION)
        .string("BuildNumber", WINDOWS_BUILD)
        .string("BuildType", "Multiprocessor Free")
        .string("OSArchitecture", architecture_bits())
        .string("CSName", &computer_name(&system.host_name))
        .string("CSCreationClassName", "Win32_ComputerSystem")
        .string("CreationClassName", "Win32_OperatingSystem")
        .string("Manufacturer", "Microsoft Corporation")
        .unsigned("OSType", 18)
        .unsigned("ProductType", 3)
        .unsigned("OSLanguage", 1033)
        .string("Locale", "0409")
        .string("CountryCode", "1")
        .string("CodeSet", "1252")
        // Datetimes are written in UTC, so the reported zone is UTC too.
        .signed("CurrentTimeZone", 0)
        .datetime("LastBootUpTime", system.boot_time)
        .datetime("LocalDateTime", now)
        .unsigned("TotalVisibleMemorySize", memory.total_kib)
        .unsigned("FreePhysicalMemory", memory.available_kib)
        .unsigned(
            "TotalVirtualMemorySize",
            memory.total_kib.saturating_add(memory.swap_total_kib),
        )
        .unsigned(
            "FreeVirtualMemory",
            memory.available_kib.saturating_add(memory.swap_free_kib),
        )
        .unsigned("SizeStoredInPagingFiles", memory.swap_total_kib)
        .unsigned("FreeSpaceInPagingFiles", memory.swap_free_kib)
        .unsigned("NumberOfProcesses", u64::from(system.process_count))
        .string("SerialNumber", &serial_number(system.machine_id.as_deref()))
        .string("SystemDirectory", "C:\\Windows\\system32")
        .string("WindowsDirectory", "C:\\Windows")
        .string("SystemDrive", "C:")
        .string("BootDevice", "\\Device\\HarddiskVolume1")
        .string("Status", "OK")
        .boolean("Primary", true)
        .unsigned("ServicePackMajorVersion", 0)
        .unsigned("ServicePackMinorVersion", 0);
    instance.end();
}

/// Win32_ComputerSystem for the host.
pub fn write_computer_system(out: &mut String, system: &SystemFact) {
    let name = computer_name(&system.host_name);
    let model = system
        .model
        .clone()
        .unwrap_or_else(|| format!("{} {} host", system.kernel_name, system.kernel_release));
    let mut instance = InstanceWriter::begin(out, "Win32_ComputerSystem");
    instance
        .string("Name", &name)
        .string("Caption", &name)
        .string("DNSHostName", &system.host_name)
        .string("CreationClassName", "Win32_ComputerSystem")
        .string("Domain", "WORKGROUP")
        .string("Workgroup", "WORKGROUP")
        .boolean("PartOfDomain", false)
        // 2 = standalone server.
        .unsigned("DomainRole", 2)
        .string(
            "Manufacturer",
            system.manufacturer.as_deref().unwrap_or("rwmi"),
        )
        .string("Model", &model)
        .string("SystemType", system_type())
        .unsigned("NumberOfProcessors", u64::from(system.physical_processors))
        .unsigned(
            "NumberOfLogicalProcessors",
            u64::from(system.logical_processors),
        )
        .unsigned(
            "TotalPhysicalMemory",
            system.memory.total_kib.saturating_mul(1024),
        )
        .string("PrimaryOwnerName", "rwmi")
        .string("BootupState", "Normal boot")
        .string("Status", "OK");
    instance.end();
}

/// One Win32_Process.
pub fn write_process(out: &mut String, process: &ProcessFact, computer: &str) {
    let mut instance = InstanceWriter::begin(out, "Win32_Process");
    process_properties(&mut instance, process, computer);
    instance.end();
}

/// The properties of one Win32_Process.
pub fn process_properties<S: PropertySink>(sink: &mut S, process: &ProcessFact, computer: &str) {
    sink.string("Handle", &process.pid.to_string())
        .string("Name", &process.name)
        .string("Caption", &process.name)
        .string("Description", &process.name)
        .string("CreationClassName", "Win32_Process")
        .string("CSCreationClassName", "Win32_ComputerSystem")
        .string("CSName", computer)
        .string("OSCreationClassName", "Win32_OperatingSystem")
        .string("OSName", WINDOWS_PRODUCT)
        .unsigned("ProcessId", u64::from(process.pid))
        .unsigned("ParentProcessId", u64::from(process.parent_pid))
        .opt_string("CommandLine", process.command_line.as_deref())
        .opt_string("ExecutablePath", process.executable_path.as_deref())
        .opt_datetime("CreationDate", process.creation_date)
        .unsigned("ThreadCount", u64::from(process.thread_count))
        .unsigned("WorkingSetSize", process.working_set_bytes)
        .unsigned("KernelModeTime", process.kernel_time_100ns)
        .unsigned("UserModeTime", process.user_time_100ns)
        .unsigned("Priority", u64::from(process.priority))
        .unsigned("SessionId", 0);
}

/// One Win32_Service.
pub fn write_service(out: &mut String, service: &ServiceFact, computer: &str) {
    let mut instance = InstanceWriter::begin(out, "Win32_Service");
    service_properties(&mut instance, service, computer);
    instance.end();
}

/// The properties of one Win32_Service.
pub fn service_properties<S: PropertySink>(sink: &mut S, service: &ServiceFact, computer: &str) {
    sink.string("Name", &service.name)
        .string("DisplayName", &service.display_name)
        .string("Caption", &service.display_name)
        .string("Description", &service.display_name)
        .string("CreationClassName", "Win32_Service")
        .string("SystemCreationClassName", "Win32_ComputerSystem")
        .string("SystemName", computer)
        .string(
            "State",
            if service.running {
                "Running"
            } else {
                "Stopped"
            },
        )
        .boolean("Started", service.running)
        .string("StartMode", service.start_mode)
        .string("Status", "OK")
        .string("ServiceType", "Own Process")
        .string("StartName", "LocalSystem")
        .boolean("AcceptStop", service.running)
        .boolean("AcceptPause", false)
        // 1077 = ERROR_SERVICE_NEVER_STARTED, what Windows reports for a stopped service.
        .unsigned("ExitCode", if service.running { 0 } else { 1077 })
        .unsigned("ProcessId", u64::from(service.process_id))
        .opt_string("PathName", service.path_name.as_deref());
}

/// One Win32_LogicalDisk (a local fixed disk).
pub fn write_logical_disk(out: &mut String, disk: &DiskFact, computer: &str) {
    let mut instance = InstanceWriter::begin(out, "Win32_LogicalDisk");
    logical_disk_properties(&mut instance, disk, computer);
    instance.end();
}

/// The properties of one Win32_LogicalDisk.
pub fn logical_disk_properties<S: PropertySink>(sink: &mut S, disk: &DiskFact, computer: &str) {
    sink.string("DeviceID", &disk.device_id)
        .string("Caption", &disk.device_id)
        .string("Name", &disk.device_id)
        .string("Description", "Local Fixed Disk")
        .string("CreationClassName", "Win32_LogicalDisk")
        .string("SystemCreationClassName", "Win32_ComputerSystem")
        .string("SystemName", computer)
        // 3 = local disk; 12 = fixed hard disk media.
        .unsigned("DriveType", 3)
        .unsigned("MediaType", 12)
        .string("FileSystem", &disk.file_system)
        .unsigned("Size", disk.size_bytes)
        .unsigned("FreeSpace", disk.free_bytes)
        .string("VolumeName", &disk.mount_point);
}

/// `a.b.c.d` for an IPv4 prefix length, or the length itself for IPv6, as Windows lists
/// IPSubnet.
fn subnet_text(address: &IpAddr, prefix_length: u8) -> String {
    match address {
        IpAddr::V4(_) => {
            let mask = u32::MAX
                .checked_shl(32u32.saturating_sub(u32::from(prefix_length)))
                .unwrap_or(0);
            std::net::Ipv4Addr::from(mask).to_string()
        }
        IpAddr::V6(_) => prefix_length.to_string(),
    }
}

/// One Win32_NetworkAdapterConfiguration. Address arrays are NULL for an adapter without IP, as
/// on Windows.
pub fn write_network_adapter(out: &mut String, adapter: &NetworkAdapterFact, host_name: &str) {
    let ip_enabled = !adapter.addresses.is_empty();
    let mut instance = InstanceWriter::begin(out, "Win32_NetworkAdapterConfiguration");
    instance
        .unsigned("Index", u64::from(adapter.index))
        .unsigned("InterfaceIndex", u64::from(adapter.index))
        .string(
            "Caption",
            &format!("[{:08}] {}", adapter.index, adapter.name),
        )
        .string("Description", &adapter.name)
        .string("ServiceName", &adapter.name)
        .boolean("IPEnabled", ip_enabled)
        .boolean("DHCPEnabled", false)
        .opt_string("MACAddress", adapter.mac_address.as_deref());
    if ip_enabled {
        let addresses: Vec<String> = adapter
            .addresses
            .iter()
            .map(|(address, _)| address.to_string())
            .collect();
        let subnets: Vec<String> = adapter
            .addresses
            .iter()
            .map(|(address, prefix)| subnet_text(address, *prefix))
            .collect();
        instance
            .string_array("IPAddress", &addresses)
            .string_array("IPSubnet", &subnets)
            .string_array("DefaultIPGateway", &adapter.default_gateways)
            .string_array("DNSServerSearchOrder", &adapter.dns_servers)
            .string("DNSHostName", host_name);
    }
    instance.end();
}

/// Win32_UTCTime or Win32_LocalTime for the calendar fields `time`.
pub fn write_current_time(out: &mut String, class: &str, time: &CivilTime) {
    let year = u64::try_from(time.year).unwrap_or(0);
    let first_of_month_day_of_week = (time.day_of_week + 35 - (time.day - 1) % 7) % 7;
    let mut instance = InstanceWriter::begin(out, class);
    instance
        .unsigned("Year", year)
        .unsigned("Month", u64::from(time.month))
        .unsigned("Day", u64::from(time.day))
        .unsigned("DayOfWeek", u64::from(time.day_of_week))
        .unsigned("Hour", u64::from(time.hour))
        .unsigned("Minute", u64::from(time.minute))
        .unsigned("Second", u64::from(time.second))
        .unsigned("Milliseconds", u64::from(time.microsecond / 1000))
        .unsigned("Quarter", u64::from(time.month.div_ceil(3)))
        // Weeks start on Sunday; the week holding the 1st is week 1.
        .unsigned(
            "WeekInMonth",
            u64::from((time.day - 1 + first_of_month_day_of_week) / 7 + 1),
        );
    instance.end();
}

/// One Win32_PerfFormattedData_PerfOS_Processor. Timestamp_Object is the sample time as a
/// FILETIME and Frequency_Object its tick rate (10 MHz).
pub fn write_processor_load(out: &mut String, load: &ProcessorLoadFact, now: SystemTime) {
    let since_unix = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos() / 100).unwrap_or(u64::MAX));
    let mut instance = InstanceWriter::begin(out, "Win32_PerfFormattedData_PerfOS_Processor");
    instance
        .string("Name", &load.name)
        .unsigned("PercentProcessorTime", load.percent_processor)
        .unsigned("PercentIdleTime", load.percent_idle)
        .unsigned("PercentUserTime", load.percent_user)
        .unsigned("PercentPrivilegedTime", load.percent_privileged)
        .unsigned("InterruptsPersec", u64::from(load.interrupts_per_second))
        .unsigned("Frequency_Object", 10_000_000)
        .unsigned(
            "Timestamp_Object",
            FILETIME_UNIX_EPOCH.saturating_add(since_unix),
        );
    instance.end();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::cim_datetime::civil_time;
    use std::time::Duration;

    #[test]
    fn names_and_serials() {
        assert_eq!(computer_name("web-01.example.com"), "WEB-01");
        assert_eq!(
            serial_number(Some("3d1219c7c4c5404a")),
            "00454-33121-92724-AAOEM"
        );
        assert_eq!(serial_number(None), "00454-00000-00000-AAOEM");
    }

    #[test]
    fn subnets() {
        let v4: IpAddr = "192.0.2.5".parse().unwrap();
        assert_eq!(subnet_text(&v4, 24), "255.255.255.0");
        assert_eq!(subnet_text(&v4, 0), "0.0.0.0");
        assert_eq!(subnet_text(&v4, 32), "255.255.255.255");
        assert_eq!(subnet_text(&"fe80::1".parse().unwrap(), 64), "64");
    }

    #[test]
    fn current_time_fields() {
        // 2026-11-24T13:05:09.250Z, a Tuesday; November 1st 2026 is a Sunday.
        let civil = civil_time(
            (1_795_478_400 + 13 * 3600 + 5 * 60 + 9) * 1_000_000 + 250_000,
            0,
        );
        let mut out = String::new();
        write_current_time(&mut out, "Win32_UTCTime", &civil);
        for expected in [
            "Year = 2026;",
            "Month = 11;",
            "Day = 24;",
            "DayOfWeek = 2;",
            "Hour = 13;",
            "Minute = 5;",
            "Second = 9;",
            "Milliseconds = 250;",
            "Quarter = 4;",
            "WeekInMonth = 4;",
        ] {
            assert!(out.contains(expected), "{expected} missing from {out}");
        }
        // 2026-03-01 is a Sunday: week 1; 2026-03-07 (Saturday) still week 1; 03-08 week 2.
        let march = |day: i128| civil_time((1_772_323_200 + (day - 1) * 86_400) * 1_000_000, 0);
        for (day, week) in [(1, 1), (7, 1), (8, 2), (31, 5)] {
            let mut out = String::new();
            write_current_time(&mut out, "Win32_LocalTime", &march(day));
            assert!(
                out.contains(&format!("WeekInMonth = {week};")),
                "day {day}: {out}"
            );
        }
    }

    #[test]
    fn process_instance_text() {
        let process = ProcessFact {
            pid: 42,
            parent_pid: 1,
            name: "ba\"sh".into(),
            command_line: Some("bash -c \"x\\y\"".into()),
            executable_path: None,
            creation_date: Some(UNIX_EPOCH + Duration::from_secs(86_400)),
            thread_count: 2,
            working_set_bytes: 4096,
            kernel_time_100ns: 5,
            user_time_100ns: 7,
            priority: 8,
            owner_uid: Some(0),
        };
        let mut out = String::new();
        write_process(&mut out, &process, "HOST");
        assert!(out.starts_with("instance of Win32_Process\n{\n\tHandle = \"42\";\n"));
        assert!(out.contains("\tName = \"ba\\\"sh\";\n"));
        assert!(out.contains("\tCommandLine = \"bash -c \\\"x\\\\y\\\"\";\n"));
        assert!(out.contains("\tCreationDate = \"19700102000000.000000+000\";\n"));
        assert!(!out.contains("ExecutablePath"));
        assert!(out.ends_with("};\n\n"));
    }
}
