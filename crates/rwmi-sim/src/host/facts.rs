//! Plain data collected from the host, already in the units the WMI classes use but not yet
//! rendered. `collect` fills these; `render` and `synthetic` turn them into MOF.

use std::net::IpAddr;
use std::time::SystemTime;

/// One process (Win32_Process).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessFact {
    pub pid: u32,
    pub parent_pid: u32,
    pub name: String,
    /// Arguments joined into one line; `None` for kernel threads, which have no command line.
    pub command_line: Option<String>,
    pub executable_path: Option<String>,
    pub creation_date: Option<SystemTime>,
    pub thread_count: u32,
    pub working_set_bytes: u64,
    /// CPU time in kernel and user mode, in 100 ns units as Win32_Process reports them.
    pub kernel_time_100ns: u64,
    pub user_time_100ns: u64,
    /// Windows base priority (4 idle, 6 below normal, 8 normal, 13 high).
    pub priority: u32,
    /// The real user id, for Win32_Process.GetOwner; not a property of the class.
    pub owner_uid: Option<u32>,
}

/// One mounted file system shown as a drive (Win32_LogicalDisk).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskFact {
    /// `C:`, `D:`, ... in the order the drives were assigned.
    pub device_id: String,
    pub mount_point: String,
    /// The block device mounted there (`/dev/vda1`), as /proc/mounts names it.
    pub device: String,
    pub file_system: String,
    pub size_bytes: u64,
    pub free_bytes: u64,
}

/// The operating system and machine (Win32_OperatingSystem, Win32_ComputerSystem).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemFact {
    pub host_name: String,
    pub kernel_name: String,
    pub kernel_release: String,
    pub kernel_version: String,
    /// PRETTY_NAME from /etc/os-release.
    pub distribution: Option<String>,
    /// /etc/machine-id, used to derive stable serial numbers.
    pub machine_id: Option<String>,
    pub boot_time: SystemTime,
    pub process_count: u32,
    pub logical_processors: u32,
    pub physical_processors: u32,
    pub processor_model: Option<String>,
    pub memory: MemoryFact,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
}

/// Memory sizes in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryFact {
    pub total_kib: u64,
    pub available_kib: u64,
    pub swap_total_kib: u64,
    pub swap_free_kib: u64,
}

/// CPU time shares since boot for one processor or all (Win32_PerfFormattedData_PerfOS_Processor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessorLoadFact {
    /// `"0"`, `"1"`, ... or `"_Total"`.
    pub name: String,
    pub percent_processor: u64,
    pub percent_idle: u64,
    pub percent_user: u64,
    pub percent_privileged: u64,
    pub interrupts_per_second: u32,
}

/// One network interface (Win32_NetworkAdapterConfiguration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkAdapterFact {
    pub index: u32,
    pub name: String,
    pub mac_address: Option<String>,
    /// Addresses with prefix lengths, IPv4 first.
    pub addresses: Vec<(IpAddr, u8)>,
    pub default_gateways: Vec<String>,
    pub dns_servers: Vec<String>,
}

/// One service (Win32_Service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceFact {
    pub name: String,
    pub display_name: String,
    pub running: bool,
    /// `Auto`, `Manual` or `Disabled`.
    pub start_mode: &'static str,
    pub process_id: u32,
    pub path_name: Option<String>,
}

/// Raw performance counters of this host (Win32_PerfRawData_*): monotonic counts and times since
/// boot, and the instantaneous values beside them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PerfFacts {
    /// Per processor (`"0"`, `"1"`, ...) and `"_Total"`.
    pub processors: Vec<ProcessorTimesFact>,
    pub memory: MemoryFact,
    pub cached_kib: u64,
    pub page_faults: u64,
    pub pages_in_out: u64,
    pub context_switches: u64,
    pub runnable: u64,
    pub threads: u64,
    pub processes: u64,
    pub interfaces: Vec<InterfaceCountersFact>,
}

/// One processor's times since boot, in 100 ns units, and its interrupts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessorTimesFact {
    pub name: String,
    pub idle_100ns: u64,
    pub user_100ns: u64,
    pub privileged_100ns: u64,
    pub interrupt_100ns: u64,
    pub interrupts: u64,
    /// Its clock in MHz; for `_Total`, the mean of the processors'.
    pub frequency_mhz: u64,
}

/// One network interface's counters since it came up (/proc/net/dev).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InterfaceCountersFact {
    pub name: String,
    pub bytes_received: u64,
    pub bytes_sent: u64,
    pub packets_received: u64,
    pub packets_sent: u64,
    pub receive_errors: u64,
    pub receive_discards: u64,
    pub send_errors: u64,
    pub send_discards: u64,
    /// Bits per second, 0 when the kernel does not say.
    pub bandwidth_bits: u64,
}

/// One drive's transfers since boot, from its block device's /proc/diskstats line (zeros for a
/// file system on no block device).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiskCountersFact {
    pub name: String,
    pub reads: u64,
    pub read_bytes: u64,
    pub writes: u64,
    pub write_bytes: u64,
}
