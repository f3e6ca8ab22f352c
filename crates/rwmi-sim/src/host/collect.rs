//! Reading the facts from a Linux host without spawning processes. Every file read may fail (the
//! file is absent in a container, a process exits mid-read, permission is denied): a failed read
//! gives a plausible default, never an error or a panic.

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::facts::{
    DiskCountersFact, DiskFact, InterfaceCountersFact, MemoryFact, NetworkAdapterFact, PerfFacts,
    ProcessFact, ProcessorLoadFact, ProcessorTimesFact, ServiceFact, SystemFact,
};
use super::os_calls;
use super::procfs;

/// File systems shown as drives; pseudo and network file systems are left out (statvfs on a
/// dead network mount can block). overlay is kept because it is the root of most containers.
const DRIVE_FILE_SYSTEMS: &[&str] = &[
    "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "exfat", "ntfs", "ntfs3", "f2fs", "zfs", "jfs",
    "overlay",
];

/// Where systemd keeps unit files, highest precedence first (systemd.unit(5)).
const UNIT_DIRECTORIES: &[&str] = &[
    "etc/systemd/system",
    "run/systemd/system",
    "usr/lib/systemd/system",
    "lib/systemd/system",
];

/// Where a service's cgroup may be, for cgroup v2, hybrid and v1 layouts.
const SERVICE_CGROUP_DIRECTORIES: &[&str] = &[
    "sys/fs/cgroup/system.slice",
    "sys/fs/cgroup/unified/system.slice",
    "sys/fs/cgroup/systemd/system.slice",
];

/// Reads facts from the file tree under `root` (`/` on a live host; a fixture tree in tests).
/// File-system sizes, interface addresses, clock ticks and the time zone come from libc and so
/// always describe the live host.
pub struct HostReader {
    root: PathBuf,
    clock_ticks: u64,
}

impl HostReader {
    /// A reader for the host this process runs on.
    pub fn live() -> Self {
        Self::at(PathBuf::from("/"))
    }

    /// A reader for the tree under `root`.
    pub fn at(root: PathBuf) -> Self {
        Self {
            root,
            clock_ticks: os_calls::clock_ticks_per_second(),
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// The file's text; bytes that are not UTF-8 (a process may name itself anything) become
    /// U+FFFD rather than failing the read.
    fn text(&self, relative: &str) -> Option<String> {
        let bytes = fs::read(self.path(relative)).ok()?;
        Some(match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
        })
    }

    fn trimmed(&self, relative: &str) -> Option<String> {
        self.text(relative)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    }

    /// Boot time from `btime` in /proc/stat, else now minus /proc/uptime, else `now`.
    pub fn boot_time(&self, now: SystemTime) -> SystemTime {
        let from_btime = self
            .text("proc/stat")
            .and_then(|stat| procfs::parse_kernel_stat(&stat).boot_time)
            .and_then(|seconds| UNIX_EPOCH.checked_add(Duration::from_secs(seconds)));
        from_btime
            .or_else(|| now.checked_sub(Duration::from_millis(self.uptime_millis()?)))
            .unwrap_or(now)
    }

    fn uptime_millis(&self) -> Option<u64> {
        procfs::parse_uptime_millis(&self.text("proc/uptime")?)
    }

    fn ticks_to_100ns(&self, ticks: u64) -> u64 {
        ticks.saturating_mul(10_000_000) / self.clock_ticks
    }

    fn ticks_to_duration(&self, ticks: u64) -> Duration {
        let seconds = ticks / self.clock_ticks;
        let nanos = (ticks % self.clock_ticks).saturating_mul(1_000_000_000) / self.clock_ticks;
        Duration::new(seconds, u32::try_from(nanos).unwrap_or(0))
    }

    fn process_ids(&self) -> Vec<u32> {
        let Ok(entries) = fs::read_dir(self.path("proc")) else {
            return Vec::new();
        };
        let mut pids: Vec<u32> = entries
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        pids.sort_unstable();
        pids
    }

    /// Every process, by ascending pid. Processes that exit while being read are skipped.
    pub fn processes(&self, now: SystemTime) -> Vec<ProcessFact> {
        let boot_time = self.boot_time(now);
        self.process_ids()
            .into_iter()
            .filter_map(|pid| self.process(pid, boot_time))
            .collect()
    }

    fn process(&self, pid: u32, boot_time: SystemTime) -> Option<ProcessFact> {
        let directory = format!("proc/{pid}");
        let stat = procfs::parse_pid_stat(&self.text(&format!("{directory}/stat"))?)?;
        let status = self
            .text(&format!("{directory}/status"))
            .map(|t| procfs::parse_pid_status(&t))
            .unwrap_or_default();
        let arguments = fs::read(self.path(&format!("{directory}/cmdline")))
            .map(|bytes| procfs::parse_cmdline(&bytes))
            .unwrap_or_default();
        let executable_path = fs::read_link(self.path(&format!("{directory}/exe")))
            .ok()
            .map(|path| path.to_string_lossy().into_owned());
        let working_set_bytes = match status.vm_rss_kib {
            Some(kib) => kib.saturating_mul(1024),
            None => stat.rss_pages.saturating_mul(os_calls::page_size()),
        };
        Some(ProcessFact {
            pid,
            parent_pid: stat.ppid,
            // stat has the raw name; status escapes some characters in it.
            name: stat.comm,
            command_line: (!arguments.is_empty()).then(|| procfs::join_command_line(&arguments)),
            executable_path,
            creation_date: boot_time.checked_add(self.ticks_to_duration(stat.start_ticks)),
            thread_count: status.threads.unwrap_or(stat.num_threads),
            working_set_bytes,
            kernel_time_100ns: self.ticks_to_100ns(stat.stime_ticks),
            user_time_100ns: self.ticks_to_100ns(stat.utime_ticks),
            priority: windows_priority(stat.nice),
            owner_uid: status.real_uid,
        })
    }

    /// Mounted real file systems as drives `C:`, `D:`, ...; `/` is always `C:` when it is one of
    /// them. A device mounted more than once (bind mounts) appears once, at its first mount.
    pub fn disks(&self) -> Vec<DiskFact> {
        let mounts = self
            .text("proc/mounts")
            .map(|t| procfs::parse_mounts(&t))
            .unwrap_or_default();
        let mut chosen: Vec<procfs::MountEntry> = Vec::new();
        for mount in mounts {
            let is_drive = DRIVE_FILE_SYSTEMS.contains(&mount.fs_type.as_str());
            if is_drive
                && !chosen
                    .iter()
                    .any(|c| c.device == mount.device || c.mount_point == mount.mount_point)
            {
                chosen.push(mount);
            }
        }
        // Stable sort: the root first, the rest in mount order.
        chosen.sort_by_key(|mount| mount.mount_point != "/");
        chosen
            .into_iter()
            .zip(b'C'..=b'Z')
            .map(|(mount, letter)| {
                let (size_bytes, free_bytes) = os_calls::file_system_space(
                    &self.root.join(mount.mount_point.trim_start_matches('/')),
                )
                .unwrap_or((0, 0));
                DiskFact {
                    device_id: format!("{}:", char::from(letter)),
                    mount_point: mount.mount_point,
                    device: mount.device,
                    file_system: mount.fs_type,
                    size_bytes,
                    free_bytes,
                }
            })
            .collect()
    }

    /// The operating system and machine.
    pub fn system(&self, now: SystemTime) -> SystemFact {
        let os_release = self
            .text("etc/os-release")
            .or_else(|| self.text("usr/lib/os-release"));
        let memory = self
            .text("proc/meminfo")
            .map(|t| procfs::parse_meminfo(&t))
            .unwrap_or_default();
        let cpuinfo = self.text("proc/cpuinfo").unwrap_or_default();
        let (listed_logical, listed_packages) = procfs::count_cpus(&cpuinfo);
        let logical = match listed_logical {
            0 => os_calls::online_processors().unwrap_or(1),
            listed => listed,
        };
        let total_kib = memory.total_kib.unwrap_or(4 * 1024 * 1024);
        SystemFact {
            host_name: self
                .trimmed("proc/sys/kernel/hostname")
                .unwrap_or_else(|| "localhost".to_owned()),
            kernel_name: self
                .trimmed("proc/sys/kernel/ostype")
                .unwrap_or_else(|| "Linux".to_owned()),
            kernel_release: self
                .trimmed("proc/sys/kernel/osrelease")
                .unwrap_or_else(|| "unknown".to_owned()),
            kernel_version: self.trimmed("proc/sys/kernel/version").unwrap_or_default(),
            distribution: os_release
                .and_then(|text| procfs::os_release_value(&text, "PRETTY_NAME")),
            machine_id: self.trimmed("etc/machine-id"),
            boot_time: self.boot_time(now),
            process_count: u32::try_from(self.process_ids().len()).unwrap_or(u32::MAX),
            logical_processors: u32::try_from(logical).unwrap_or(u32::MAX),
            physical_processors: u32::try_from(listed_packages.max(1)).unwrap_or(1),
            processor_model: procfs::cpu_model_name(&cpuinfo),
            memory: MemoryFact {
                total_kib,
                available_kib: memory
                    .available_kib
                    .or(memory.free_kib)
                    .unwrap_or(total_kib / 2),
                swap_total_kib: memory.swap_total_kib.unwrap_or(0),
                swap_free_kib: memory.swap_free_kib.unwrap_or(0),
            },
            manufacturer: self.trimmed("sys/class/dmi/id/sys_vendor"),
            model: self.trimmed("sys/class/dmi/id/product_name"),
        }
    }

    /// CPU time shares since boot, per processor and `_Total` last (one sample cannot give a
    /// current rate, so these are averages over the whole uptime). /proc/stat counts interrupts
    /// for all processors together, so each processor is given an equal share.
    pub fn processor_loads(&self) -> Vec<ProcessorLoadFact> {
        let stat = self
            .text("proc/stat")
            .map(|t| procfs::parse_kernel_stat(&t))
            .unwrap_or_default();
        let uptime_seconds = self
            .uptime_millis()
            .map_or(1, |millis| (millis / 1000).max(1));
        let total_interrupts_per_second = stat.interrupts.unwrap_or(0) / uptime_seconds;
        let cpu_count = u64::try_from(stat.per_cpu.len().max(1)).unwrap_or(1);
        let mut loads: Vec<ProcessorLoadFact> = stat
            .per_cpu
            .iter()
            .map(|(index, times)| {
                processor_load(
                    index.to_string(),
                    times,
                    total_interrupts_per_second / cpu_count,
                )
            })
            .collect();
        let all = stat.all_cpus.unwrap_or_default();
        loads.push(processor_load(
            "_Total".to_owned(),
            &all,
            total_interrupts_per_second,
        ));
        loads
    }

    /// The raw performance counters (Win32_PerfRawData_*): CPU times per processor in 100 ns units,
    /// memory, paging, context switches, threads and each interface's counters.
    pub fn perf_counters(&self, now: SystemTime) -> PerfFacts {
        let stat = self
            .text("proc/stat")
            .map(|t| procfs::parse_kernel_stat(&t))
            .unwrap_or_default();
        let cpu_count = u64::try_from(stat.per_cpu.len().max(1)).unwrap_or(1);
        let interrupts = stat.interrupts.unwrap_or(0);
        let clocks = procfs::cpu_mhz(&self.text("proc/cpuinfo").unwrap_or_default());
        let mean_mhz = match u64::try_from(clocks.len()) {
            Ok(0) | Err(_) => 0,
            Ok(n) => clocks.iter().map(|&(_, mhz)| mhz).sum::<u64>() / n,
        };
        let times = |name: String, t: &procfs::CpuTimes, interrupts: u64, frequency_mhz| {
            ProcessorTimesFact {
                name,
                idle_100ns: self.ticks_to_100ns(t.idle.saturating_add(t.iowait)),
                user_100ns: self.ticks_to_100ns(t.user.saturating_add(t.nice)),
                privileged_100ns: self.ticks_to_100ns(t.system),
                interrupt_100ns: self.ticks_to_100ns(t.irq.saturating_add(t.softirq)),
                interrupts,
                frequency_mhz,
            }
        };
        let mut processors: Vec<ProcessorTimesFact> = stat
            .per_cpu
            .iter()
            .map(|(index, t)| {
                let mhz = clocks
                    .iter()
                    .find(|&&(i, _)| i == *index)
                    .map_or(mean_mhz, |&(_, mhz)| mhz);
                times(index.to_string(), t, interrupts / cpu_count, mhz)
            })
            .collect();
        processors.push(times(
            "_Total".to_owned(),
            &stat.all_cpus.unwrap_or_default(),
            interrupts,
            mean_mhz,
        ));
        let meminfo = self
            .text("proc/meminfo")
            .map(|t| procfs::parse_meminfo(&t))
            .unwrap_or_default();
        let vmstat = self.text("proc/vmstat").unwrap_or_default();
        let interfaces = self
            .text("proc/net/dev")
            .map(|t| procfs::parse_net_dev(&t))
            .unwrap_or_default()
            .into_iter()
            .map(|d| {
                let megabits = self
                    .trimmed(&format!("sys/class/net/{}/speed", d.name))
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(0);
                InterfaceCountersFact {
                    bandwidth_bits: megabits.saturating_mul(1_000_000),
                    name: d.name,
                    bytes_received: d.rx_bytes,
                    bytes_sent: d.tx_bytes,
                    packets_received: d.rx_packets,
                    packets_sent: d.tx_packets,
                    receive_errors: d.rx_errors,
                    receive_discards: d.rx_dropped,
                    send_errors: d.tx_errors,
                    send_discards: d.tx_dropped,
                }
            })
            .collect();
        // Read once: it walks /proc.
        let system = self.system(now);
        PerfFacts {
            processors,
            memory: system.memory,
            cached_kib: meminfo.cached_kib.unwrap_or(0),
            page_faults: procfs::vmstat_value(&vmstat, "pgfault").unwrap_or(0),
            pages_in_out: procfs::vmstat_value(&vmstat, "pgpgin")
                .unwrap_or(0)
                .saturating_add(procfs::vmstat_value(&vmstat, "pgpgout").unwrap_or(0)),
            context_switches: stat.context_switches.unwrap_or(0),
            runnable: stat.runnable.unwrap_or(0),
            threads: self
                .text("proc/loadavg")
                .and_then(|t| procfs::loadavg_threads(&t))
                .unwrap_or(0),
            processes: u64::from(system.process_count),
            interfaces,
        }
    }

    /// Each drive's transfers (Win32_PerfRawData_PerfDisk_LogicalDisk), from the /proc/diskstats line
    /// of the device mounted there, and their sum as `_Total`. Apart from `perf_counters`: it looks at
    /// every mount, which the other counter classes need not pay for.
    pub fn disk_counters(&self) -> Vec<DiskCountersFact> {
        let stats = self
            .text("proc/diskstats")
            .map(|t| procfs::parse_diskstats(&t))
            .unwrap_or_default();
        let mut disks: Vec<DiskCountersFact> = self
            .disks()
            .into_iter()
            .map(|disk| {
                let device = disk.device.rsplit('/').next().unwrap_or_default();
                let line = stats.iter().find(|l| l.name == device);
                DiskCountersFact {
                    name: disk.device_id,
                    reads: line.map_or(0, |l| l.reads),
                    read_bytes: line.map_or(0, |l| l.sectors_read.saturating_mul(512)),
                    writes: line.map_or(0, |l| l.writes),
                    write_bytes: line.map_or(0, |l| l.sectors_written.saturating_mul(512)),
                }
            })
            .collect();
        let total = disks.iter().fold(
            DiskCountersFact {
                name: "_Total".to_owned(),
                ..Default::default()
            },
            |mut t, d| {
                t.reads = t.reads.saturating_add(d.reads);
                t.read_bytes = t.read_bytes.saturating_add(d.read_bytes);
                t.writes = t.writes.saturating_add(d.writes);
                t.write_bytes = t.write_bytes.saturating_add(d.write_bytes);
                t
            },
        );
        disks.push(total);
        disks
    }

    /// Network interfaces other than loopback (unless loopback is the only one), by index.
    pub fn network_adapters(&self) -> Vec<NetworkAdapterFact> {
        let addresses = os_calls::interface_addresses();
        let mut names: Vec<String> = fs::read_dir(self.path("sys/class/net"))
            .map(|entries| {
                entries
                    .filter_map(|entry| entry.ok()?.file_name().to_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        for (name, _) in &addresses {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        // Windows lists no loopback adapter here; keep it only when it is all there is (a
        // container without networking), so the class is never empty.
        if names.iter().any(|name| name != "lo") {
            names.retain(|name| name != "lo");
        }
        let gateways = self
            .text("proc/net/route")
            .map(|t| procfs::parse_default_gateways(&t))
            .unwrap_or_default();
        let dns_servers = self
            .text("etc/resolv.conf")
            .map(|t| procfs::parse_nameservers(&t))
            .unwrap_or_default();
        let mut adapters: Vec<NetworkAdapterFact> = names
            .into_iter()
            .enumerate()
            .map(|(position, name)| {
                let index = self
                    .trimmed(&format!("sys/class/net/{name}/ifindex"))
                    .and_then(|text| text.parse().ok())
                    .unwrap_or_else(|| {
                        u32::try_from(position)
                            .unwrap_or(u32::MAX)
                            .saturating_add(1000)
                    });
                let mut own: Vec<(IpAddr, u8)> = addresses
                    .iter()
                    .filter(|(owner, _)| *owner == name)
                    .map(|(_, a)| (a.address, a.prefix_length))
                    .collect();
                own.sort_by_key(|(address, _)| address.is_ipv6());
                let mac_address = self
                    .trimmed(&format!("sys/class/net/{name}/address"))
                    .filter(|mac| mac.len() == 17 && mac != "00:00:00:00:00:00")
                    .map(|mac| mac.to_ascii_uppercase());
                let default_gateways: Vec<String> = gateways
                    .iter()
                    .filter(|(owner, _)| *owner == name)
                    .map(|(_, g)| g.to_string())
                    .collect();
                let dns_servers = if own.is_empty() {
                    Vec::new()
                } else {
                    dns_servers.clone()
                };
                NetworkAdapterFact {
                    index,
                    name,
                    mac_address,
                    addresses: own,
                    default_gateways,
                    dns_servers,
                }
            })
            .collect();
        adapters.sort_by_key(|adapter| adapter.index);
        adapters
    }

    /// systemd services (unit files, enablement and running state from their cgroups), plus the
    /// emulator itself as the WMI service `Winmgmt`, so the list is never empty.
    pub fn services(&self) -> Vec<ServiceFact> {
        let mut services = vec![ServiceFact {
            name: "Winmgmt".to_owned(),
            display_name: "Windows Management Instrumentation".to_owned(),
            running: true,
            start_mode: "Auto",
            process_id: std::process::id(),
            path_name: std::env::current_exe()
                .ok()
                .map(|path| path.to_string_lossy().into_owned()),
        }];
        let mut seen: Vec<String> = Vec::new();
        for directory in UNIT_DIRECTORIES {
            let Ok(entries) = fs::read_dir(self.path(directory)) else {
                continue;
            };
            let mut units: Vec<String> = entries
                .filter_map(|entry| entry.ok()?.file_name().to_str().map(str::to_owned))
                .filter(|name| name.ends_with(".service") && !name.contains('@'))
                .collect();
            units.sort();
            for unit in units {
                if seen.contains(&unit) {
                    continue;
                }
                seen.push(unit.clone());
                let unit_path = self.path(directory).join(&unit);
                if !is_alias(&unit, &unit_path) {
                    services.push(self.service(&unit, &unit_path));
                }
            }
        }
        services
    }

    fn service(&self, unit: &str, unit_path: &Path) -> ServiceFact {
        let masked = fs::read_link(unit_path).is_ok_and(|target| target == Path::new("/dev/null"));
        let unit_file = fs::read_to_string(unit_path)
            .map(|t| parse_unit_file(&t))
            .unwrap_or_default();
        let main_pid = SERVICE_CGROUP_DIRECTORIES.iter().find_map(|directory| {
            let procs = self.text(&format!("{directory}/{unit}/cgroup.procs"))?;
            procs
                .lines()
                .find_map(|line| line.trim().parse::<u32>().ok())
        });
        let start_mode = if masked {
            "Disabled"
        } else if self.is_enabled(unit) {
            "Auto"
        } else {
            "Manual"
        };
        let name = unit.strip_suffix(".service").unwrap_or(unit).to_owned();
        ServiceFact {
            display_name: unit_file.description.unwrap_or_else(|| name.clone()),
            name,
            running: main_pid.is_some(),
            start_mode,
            process_id: main_pid.unwrap_or(0),
            path_name: unit_file.exec_start,
        }
    }

    /// Whether `unit` is linked into any `*.wants` directory under /etc/systemd/system.
    fn is_enabled(&self, unit: &str) -> bool {
        let Ok(entries) = fs::read_dir(self.path("etc/systemd/system")) else {
            return false;
        };
        entries.filter_map(Result::ok).any(|entry| {
            entry
                .file_name()
                .to_str()
                .is_some_and(|name| name.ends_with(".wants"))
                && entry.path().join(unit).symlink_metadata().is_ok()
        })
    }
}

/// Whether `unit_path` is a symlink giving another unit an extra name (`dbus-org.*.service` and
/// the like); the unit it names is listed under its own name instead. Links to /dev/null mask a
/// unit and links to a file of the same name merely install it: neither is an alias.
fn is_alias(unit: &str, unit_path: &Path) -> bool {
    fs::read_link(unit_path).is_ok_and(|target| {
        target != Path::new("/dev/null")
            && target.file_name().and_then(|name| name.to_str()) != Some(unit)
    })
}

/// Maps a Linux nice value to the nearest Windows base priority class.
fn windows_priority(nice: i64) -> u32 {
    match nice {
        i64::MIN..=-10 => 13,
        -9..=-1 => 10,
        0 => 8,
        1..=18 => 6,
        _ => 4,
    }
}

fn processor_load(
    name: String,
    times: &procfs::CpuTimes,
    interrupts_per_second: u64,
) -> ProcessorLoadFact {
    let total = times.total();
    let percent = |ticks: u64| -> u64 {
        if total == 0 {
            0
        } else {
            u64::try_from(u128::from(ticks) * 100 / u128::from(total)).unwrap_or(100)
        }
    };
    let idle = if total == 0 {
        100
    } else {
        percent(times.idle.saturating_add(times.iowait))
    };
    ProcessorLoadFact {
        name,
        percent_processor: 100u64.saturating_sub(idle),
        percent_idle: idle,
        percent_user: percent(times.user.saturating_add(times.nice)),
        percent_privileged: percent(
            times
                .system
                .saturating_add(times.irq)
                .saturating_add(times.softirq),
        ),
        interrupts_per_second: u32::try_from(interrupts_per_second).unwrap_or(u32::MAX),
    }
}

/// What a service shows from its unit file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitFile {
    pub description: Option<String>,
    /// The first ExecStart= command, without its special-executable prefixes (`-@:+!`).
    pub exec_start: Option<String>,
}

/// Parses the `[Unit] Description=` and `[Service] ExecStart=` of a systemd unit file.
pub fn parse_unit_file(text: &str) -> UnitFile {
    let mut unit = UnitFile::default();
    for line in text.lines() {
        let Some((key, value)) = line.trim().split_once('=') else {
            continue;
        };
        let value = value.trim();
        match key.trim() {
            "Description" if unit.description.is_none() && !value.is_empty() => {
                unit.description = Some(value.to_owned());
            }
            "ExecStart" if unit.exec_start.is_none() && !value.is_empty() => {
                unit.exec_start = Some(
                    value
                        .trim_start_matches(['-', '@', ':', '+', '!'])
                        .to_owned(),
                );
            }
            _ => {}
        }
    }
    unit
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch directory under the system temp dir, removed on drop.
    struct FixtureTree(PathBuf);

    impl FixtureTree {
        fn new(name: &str) -> Self {
            let path =
                std::env::temp_dir().join(format!("rwmi-host-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&path);
            fs::create_dir_all(&path).unwrap();
            Self(path)
        }

        fn write(&self, relative: &str, contents: &[u8]) {
            let path = self.0.join(relative);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, contents).unwrap();
        }
    }

    impl Drop for FixtureTree {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn empty_tree_gives_defaults_without_panicking() {
        let tree = FixtureTree::new("empty");
        let reader = HostReader::at(tree.0.clone());
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert!(reader.processes(now).is_empty());
        assert!(reader.disks().is_empty());
        assert_eq!(reader.boot_time(now), now);
        let system = reader.system(now);
        assert_eq!(
            (
                system.host_name.as_str(),
                system.kernel_name.as_str(),
                system.process_count
            ),
            ("localhost", "Linux", 0)
        );
        assert!(system.logical_processors >= 1);
        let loads = reader.processor_loads();
        assert_eq!(loads.len(), 1);
        assert_eq!(
            (loads[0].name.as_str(), loads[0].percent_idle),
            ("_Total", 100)
        );
        assert_eq!(reader.services().len(), 1);
    }

    #[test]
    fn processes_from_fixture_proc() {
        let tree = FixtureTree::new("procs");
        tree.write("proc/stat", b"cpu 1 2 3 4\nbtime 1000000000\n");
        tree.write(
            "proc/42/stat",
            b"42 (my (app)) S 1 42 42 0 -1 0 0 0 0 0 250 50 0 0 20 5 3 0 12345 100 7\n",
        );
        tree.write(
            "proc/42/status",
            b"Name:\tmy (app)\nUid:\t1000\t1000\t1000\t1000\nThreads:\t3\nVmRSS:\t  2048 kB\n",
        );
        // A name that is not UTF-8 and holds a newline.
        tree.write(
            "proc/44/stat",
            b"44 (bad\xff\n) S 42 0 0 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0\n",
        );
        tree.write("proc/42/cmdline", b"/opt/my app\0--flag\0");
        // A directory without stat (the process exited) and a non-pid entry are skipped.
        tree.write("proc/43/status", b"Name:\tgone\n");
        tree.write("proc/self-test/stat", b"1 (x) S 0");
        let reader = HostReader {
            root: tree.0.clone(),
            clock_ticks: 100,
        };
        let processes = reader.processes(UNIX_EPOCH);
        assert_eq!(processes.len(), 2);
        assert_eq!(
            (processes[1].pid, processes[1].name.as_str()),
            (44, "bad\u{fffd}\n")
        );
        let process = &processes[0];
        assert_eq!(process.pid, 42);
        assert_eq!(process.parent_pid, 1);
        assert_eq!(process.name, "my (app)");
        assert_eq!(
            process.command_line.as_deref(),
            Some("\"/opt/my app\" --flag")
        );
        assert_eq!(process.executable_path, None);
        assert_eq!(process.thread_count, 3);
        assert_eq!(process.working_set_bytes, 2048 * 1024);
        assert_eq!(process.user_time_100ns, 25_000_000);
        assert_eq!(process.kernel_time_100ns, 5_000_000);
        assert_eq!(process.priority, 6);
        assert_eq!(process.owner_uid, Some(1000));
        let started =
            UNIX_EPOCH + Duration::from_secs(1_000_000_000 + 123) + Duration::from_millis(450);
        assert_eq!(process.creation_date, Some(started));
    }

    #[test]
    fn disks_from_fixture_mounts() {
        let tree = FixtureTree::new("disks");
        tree.write(
            "proc/mounts",
            b"proc /proc proc rw 0 0\n/dev/sdb1 /data xfs rw 0 0\n/dev/sda1 / ext4 rw 0 0\n\
              /dev/sda1 /etc/hosts ext4 rw 0 0\ntmpfs /tmp tmpfs rw 0 0\n/dev/sdc1 /boot/efi vfat rw 0 0\n",
        );
        let disks = HostReader::at(tree.0.clone()).disks();
        let summary: Vec<(&str, &str, &str)> = disks
            .iter()
            .map(|d| {
                (
                    d.device_id.as_str(),
                    d.mount_point.as_str(),
                    d.file_system.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("C:", "/", "ext4"),
                ("D:", "/data", "xfs"),
                ("E:", "/boot/efi", "vfat")
            ]
        );
        // The fixture root is a real directory, so statvfs reports the file system holding it.
        assert!(disks[0].size_bytes > 0);
    }

    #[test]
    fn processor_loads_from_fixture_stat() {
        let tree = FixtureTree::new("cpu");
        tree.write(
            "proc/stat",
            b"cpu 30 10 20 40 0 0 0 0\ncpu0 20 0 10 20\ncpu1 10 10 10 20\nintr 2000 1 2\n",
        );
        tree.write("proc/uptime", b"100.00 150.00\n");
        let loads = HostReader::at(tree.0.clone()).processor_loads();
        // The interrupt rate is split evenly across the processors.
        let names: Vec<&str> = loads.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["0", "1", "_Total"]);
        let total = &loads[2];
        assert_eq!(
            (
                total.percent_processor,
                total.percent_idle,
                total.percent_user,
                total.percent_privileged
            ),
            (60, 40, 40, 20)
        );
        assert_eq!(
            (total.interrupts_per_second, loads[0].interrupts_per_second),
            (20, 10)
        );
    }

    /// Name, display name, running, start mode, pid, path.
    type ServiceSummary<'a> = (&'a str, &'a str, bool, &'a str, u32, Option<&'a str>);

    #[test]
    fn services_from_fixture_units() {
        let tree = FixtureTree::new("units");
        tree.write("lib/systemd/system/ssh.service", b"[Unit]\nDescription=OpenBSD Secure Shell server\n[Service]\nExecStart=/usr/sbin/sshd -D\n");
        tree.write(
            "lib/systemd/system/cron.service",
            b"[Service]\nExecStart=-/usr/sbin/cron -f\n",
        );
        tree.write("lib/systemd/system/getty@.service", b"");
        tree.write("lib/systemd/system/ssh.socket", b"");
        tree.write(
            "etc/systemd/system/multi-user.target.wants/ssh.service",
            b"",
        );
        tree.write(
            "sys/fs/cgroup/system.slice/ssh.service/cgroup.procs",
            b"812\n813\n",
        );
        std::os::unix::fs::symlink(
            "/lib/systemd/system/ssh.service",
            tree.0.join("etc/systemd/system/sshd.service"),
        )
        .unwrap();
        std::os::unix::fs::symlink(
            "/dev/null",
            tree.0.join("etc/systemd/system/masked.service"),
        )
        .unwrap();
        let services = HostReader::at(tree.0.clone()).services();
        let summary: Vec<ServiceSummary> = services
            .iter()
            .skip(1)
            .map(|s| {
                (
                    s.name.as_str(),
                    s.display_name.as_str(),
                    s.running,
                    s.start_mode,
                    s.process_id,
                    s.path_name.as_deref(),
                )
            })
            .collect();
        assert_eq!(services[0].name, "Winmgmt");
        assert_eq!(
            summary,
            [
                ("masked", "masked", false, "Disabled", 0, None),
                (
                    "cron",
                    "cron",
                    false,
                    "Manual",
                    0,
                    Some("/usr/sbin/cron -f")
                ),
                (
                    "ssh",
                    "OpenBSD Secure Shell server",
                    true,
                    "Auto",
                    812,
                    Some("/usr/sbin/sshd -D")
                ),
            ]
        );
    }

    #[test]
    fn unit_file_parsing() {
        assert_eq!(
            parse_unit_file(
                "[Unit]\nDescription = A  \n[Service]\nExecStart=\nExecStart=+/bin/x y\nExecStart=/bin/z\n"
            ),
            UnitFile {
                description: Some("A".into()),
                exec_start: Some("/bin/x y".into())
            }
        );
        assert_eq!(parse_unit_file("garbage"), UnitFile::default());
    }

    #[test]
    fn nice_to_priority() {
        assert_eq!([-20, -5, 0, 5, 19].map(windows_priority), [13, 10, 8, 6, 4]);
    }
}
