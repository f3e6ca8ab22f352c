//! Parsers for the text of Linux /proc, /sys and /etc files. Each takes the file's contents, so
//! tests feed them fixed text; each tolerates damaged or unfamiliar input by leaving fields unset
//! rather than failing the whole file.

use std::net::Ipv4Addr;

/// The fields of /proc/[pid]/stat the emulator uses (proc(5)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PidStat {
    pub pid: u32,
    /// The command name between the parentheses (truncated by the kernel to 15 bytes).
    pub comm: String,
    pub ppid: u32,
    pub utime_ticks: u64,
    pub stime_ticks: u64,
    pub nice: i64,
    pub num_threads: u32,
    /// Start time in clock ticks after boot.
    pub start_ticks: u64,
    pub rss_pages: u64,
}

/// Parses /proc/[pid]/stat. The command name may itself contain spaces and parentheses, so the
/// fields after it are found from the last `)`.
pub fn parse_pid_stat(text: &str) -> Option<PidStat> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    if close < open {
        return None;
    }
    let pid = text.get(..open)?.trim().parse().ok()?;
    let comm = text.get(open + 1..close)?.to_owned();
    // fields[0] is the state (field 3 in proc(5) numbering).
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    let field = |number: usize| fields.get(number - 3).copied();
    let number = |number: usize| field(number).and_then(|f| f.parse::<u64>().ok());
    Some(PidStat {
        pid,
        comm,
        ppid: field(4)?.parse().ok()?,
        utime_ticks: number(14).unwrap_or(0),
        stime_ticks: number(15).unwrap_or(0),
        nice: field(19).and_then(|f| f.parse().ok()).unwrap_or(0),
        num_threads: field(20).and_then(|f| f.parse().ok()).unwrap_or(1),
        start_ticks: number(22).unwrap_or(0),
        rss_pages: number(24).unwrap_or(0),
    })
}

/// The fields of /proc/[pid]/status the emulator uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PidStatus {
    pub threads: Option<u32>,
    pub vm_rss_kib: Option<u64>,
    pub real_uid: Option<u32>,
}

/// Parses /proc/[pid]/status (`Key:\tvalue` lines).
pub fn parse_pid_status(text: &str) -> PidStatus {
    let mut status = PidStatus::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match key {
            "Threads" => status.threads = value.parse().ok(),
            "VmRSS" => status.vm_rss_kib = kib_value(value),
            "Uid" => status.real_uid = value.split_whitespace().next().and_then(|v| v.parse().ok()),
            _ => {}
        }
    }
    status
}

/// `"1234 kB"` → 1234.
fn kib_value(value: &str) -> Option<u64> {
    value.split_whitespace().next()?.parse().ok()
}

/// Splits /proc/[pid]/cmdline (NUL-terminated arguments) into arguments; bytes that are not
/// UTF-8 become U+FFFD.
pub fn parse_cmdline(bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    bytes
        .split(|&b| b == 0)
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect()
}

/// Joins arguments into one Windows-style command line: arguments that are empty or contain
/// whitespace or quotes are quoted, with embedded quotes and the backslashes before them
/// escaped the way CommandLineToArgvW reads them back.
pub fn join_command_line(args: &[String]) -> String {
    let mut line = String::new();
    for (index, arg) in args.iter().enumerate() {
        if index > 0 {
            line.push(' ');
        }
        let needs_quotes = arg.is_empty() || arg.contains([' ', '\t', '"']);
        if !needs_quotes {
            line.push_str(arg);
            continue;
        }
        line.push('"');
        let mut backslashes = 0usize;
        for ch in arg.chars() {
            match ch {
                '\\' => backslashes += 1,
                '"' => {
                    line.extend(std::iter::repeat_n('\\', backslashes * 2 + 1));
                    line.push('"');
                    backslashes = 0;
                }
                other => {
                    line.extend(std::iter::repeat_n('\\', backslashes));
                    line.push(other);
                    backslashes = 0;
                }
            }
        }
        line.extend(std::iter::repeat_n('\\', backslashes * 2));
        line.push('"');
    }
    line
}

/// Memory figures from /proc/meminfo, in KiB.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemInfo {
    pub total_kib: Option<u64>,
    pub free_kib: Option<u64>,
    pub available_kib: Option<u64>,
    pub swap_total_kib: Option<u64>,
    pub swap_free_kib: Option<u64>,
    pub cached_kib: Option<u64>,
}

/// Parses /proc/meminfo.
pub fn parse_meminfo(text: &str) -> MemInfo {
    let mut info = MemInfo::default();
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let slot = match key {
            "MemTotal" => &mut info.total_kib,
            "MemFree" => &mut info.free_kib,
            "MemAvailable" => &mut info.available_kib,
            "SwapTotal" => &mut info.swap_total_kib,
            "SwapFree" => &mut info.swap_free_kib,
            "Cached" => &mut info.cached_kib,
            _ => continue,
        };
        *slot = kib_value(value);
    }
    info
}

/// `name value` lines (/proc/vmstat): the value of `key`.
pub fn vmstat_value(text: &str, key: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let (k, v) = line.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

/// The total of threads in /proc/loadavg (`0.00 0.01 0.05 1/523 4242`).
pub fn loadavg_threads(text: &str) -> Option<u64> {
    text.split_whitespace()
        .nth(3)?
        .split_once('/')?
        .1
        .parse()
        .ok()
}

/// One interface of /proc/net/dev: name, received octets, packets, errors and drops, and the same sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetDevLine {
    pub name: String,
    pub rx_bytes: u64,
    pub rx_packets: u64,
    pub rx_errors: u64,
    pub rx_dropped: u64,
    pub tx_bytes: u64,
    pub tx_packets: u64,
    pub tx_errors: u64,
    pub tx_dropped: u64,
}

/// Parses /proc/net/dev (two header lines, then `name: rx... tx...`, eight numbers each side).
pub fn parse_net_dev(text: &str) -> Vec<NetDevLine> {
    text.lines()
        .filter_map(|line| {
            let (name, numbers) = line.split_once(':')?;
            let n: Vec<u64> = numbers
                .split_whitespace()
                .map_while(|w| w.parse().ok())
                .collect();
            (n.len() >= 12).then(|| NetDevLine {
                name: name.trim().to_string(),
                rx_bytes: n[0],
                rx_packets: n[1],
                rx_errors: n[2],
                rx_dropped: n[3],
                tx_bytes: n[8],
                tx_packets: n[9],
                tx_errors: n[10],
                tx_dropped: n[11],
            })
        })
        .collect()
}

/// Parses /proc/uptime: seconds since boot, as milliseconds.
pub fn parse_uptime_millis(text: &str) -> Option<u64> {
    let first = text.split_whitespace().next()?;
    let (whole, fraction) = first.split_once('.').unwrap_or((first, ""));
    let seconds: u64 = whole.parse().ok()?;
    let mut millis = 0u64;
    for (position, digit) in fraction.chars().take(3).enumerate() {
        let digit = u64::from(digit.to_digit(10)?);
        millis += digit * 10u64.pow(2 - position as u32);
    }
    seconds.checked_mul(1000)?.checked_add(millis)
}

/// Cumulative CPU time of one `cpu` line of /proc/stat, in clock ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    pub user: u64,
    pub nice: u64,
    pub system: u64,
    pub idle: u64,
    pub iowait: u64,
    pub irq: u64,
    pub softirq: u64,
    pub steal: u64,
}

impl CpuTimes {
    /// All ticks counted (guest time is already included in user time by the kernel).
    pub fn total(&self) -> u64 {
        [
            self.user,
            self.nice,
            self.system,
            self.idle,
            self.iowait,
            self.irq,
            self.softirq,
            self.steal,
        ]
        .iter()
        .fold(0u64, |sum, ticks| sum.saturating_add(*ticks))
    }
}

/// What the emulator uses from /proc/stat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KernelStat {
    /// The aggregate `cpu` line.
    pub all_cpus: Option<CpuTimes>,
    /// `cpuN` lines, in file order, with N.
    pub per_cpu: Vec<(u32, CpuTimes)>,
    /// Interrupts serviced since boot (first number of `intr`).
    pub interrupts: Option<u64>,
    /// Boot time, seconds since the Unix epoch (`btime`).
    pub boot_time: Option<u64>,
    /// Context switches since boot (`ctxt`).
    pub context_switches: Option<u64>,
    /// Threads runnable now (`procs_running`).
    pub runnable: Option<u64>,
}

/// Parses /proc/stat.
pub fn parse_kernel_stat(text: &str) -> KernelStat {
    let mut stat = KernelStat::default();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(key) = words.next() else {
            continue;
        };
        if key == "intr" {
            stat.interrupts = words.next().and_then(|w| w.parse().ok());
        } else if key == "btime" {
            stat.boot_time = words.next().and_then(|w| w.parse().ok());
        } else if key == "ctxt" {
            stat.context_switches = words.next().and_then(|w| w.parse().ok());
        } else if key == "procs_running" {
            stat.runnable = words.next().and_then(|w| w.parse().ok());
        } else if let Some(index) = key.strip_prefix("cpu") {
            let numbers: Vec<u64> = words.map_while(|w| w.parse().ok()).collect();
            let tick = |position: usize| numbers.get(position).copied().unwrap_or(0);
            let times = CpuTimes {
                user: tick(0),
                nice: tick(1),
                system: tick(2),
                idle: tick(3),
                iowait: tick(4),
                irq: tick(5),
                softirq: tick(6),
                steal: tick(7),
            };
            if index.is_empty() {
                stat.all_cpus = Some(times);
            } else if let Ok(index) = index.parse() {
                stat.per_cpu.push((index, times));
            }
        }
    }
    stat
}

/// Logical processors and physical packages listed in /proc/cpuinfo (0 when none are listed).
pub fn count_cpus(cpuinfo: &str) -> (usize, usize) {
    let mut logical = 0;
    let mut packages: Vec<&str> = Vec::new();
    for line in cpuinfo.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        match key.trim() {
            "processor" => logical += 1,
            "physical id" => {
                let id = value.trim();
                if !packages.contains(&id) {
                    packages.push(id);
                }
            }
            _ => {}
        }
    }
    (logical, packages.len())
}

/// Each processor's clock in MHz from /proc/cpuinfo (`processor` then `cpu MHz`), by processor
/// number; processors without a `cpu MHz` line are left out.
pub fn cpu_mhz(cpuinfo: &str) -> Vec<(u32, u64)> {
    let mut out = Vec::new();
    let mut current: Option<u32> = None;
    for line in cpuinfo.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        match key.trim() {
            "processor" => current = value.trim().parse().ok(),
            "cpu MHz" => {
                if let (Some(index), Ok(mhz)) = (current.take(), value.trim().parse::<f64>())
                    && mhz.is_finite()
                    && mhz >= 0.0
                {
                    out.push((index, mhz.round() as u64));
                }
            }
            _ => {}
        }
    }
    out
}

/// One block device of /proc/diskstats: its name, reads and sectors read, writes and sectors
/// written (sectors of 512 octets, whatever the device's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskStatsLine {
    pub name: String,
    pub reads: u64,
    pub sectors_read: u64,
    pub writes: u64,
    pub sectors_written: u64,
}

/// Parses /proc/diskstats (`major minor name` then at least 11 counters; the kernel's
/// Documentation/admin-guide/iostats.rst).
pub fn parse_diskstats(text: &str) -> Vec<DiskStatsLine> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (_major, _minor, name) = (words.next()?, words.next()?, words.next()?);
            let n: Vec<u64> = words.map_while(|w| w.parse().ok()).collect();
            (n.len() >= 11).then(|| DiskStatsLine {
                name: name.to_string(),
                reads: n[0],
                sectors_read: n[2],
                writes: n[4],
                sectors_written: n[6],
            })
        })
        .collect()
}

/// The model name of the first processor in /proc/cpuinfo.
pub fn cpu_model_name(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name").then(|| value.trim().to_owned())
    })
}

/// The value of `key` in /etc/os-release (os-release(5): shell-style assignments, values
/// optionally quoted, backslash escapes inside double quotes).
pub fn os_release_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let (name, value) = line.trim().split_once('=')?;
        (name == key).then(|| unquote_shell_value(value))
    })
}

fn unquote_shell_value(value: &str) -> String {
    let value = value.trim();
    if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        return inner.to_owned();
    }
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else {
            out.push(ch);
        }
    }
    out
}

/// One line of /proc/mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountEntry {
    pub device: String,
    pub mount_point: String,
    pub fs_type: String,
}

/// Parses /proc/mounts, decoding the octal escapes (`\040` for a space) the kernel writes in
/// device names and mount points.
pub fn parse_mounts(text: &str) -> Vec<MountEntry> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            Some(MountEntry {
                device: decode_mount_octal(fields.next()?),
                mount_point: decode_mount_octal(fields.next()?),
                fs_type: fields.next()?.to_owned(),
            })
        })
        .collect()
}

fn decode_mount_octal(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let octal = bytes
            .get(index + 1..index + 4)
            .filter(|digits| byte == b'\\' && digits.iter().all(|d| (b'0'..=b'7').contains(d)))
            .map(|d| {
                (u32::from(d[0] - b'0') << 6)
                    | (u32::from(d[1] - b'0') << 3)
                    | u32::from(d[2] - b'0')
            })
            .and_then(|value| u8::try_from(value).ok());
        match octal {
            Some(decoded) => {
                out.push(decoded);
                index += 4;
            }
            None => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Default IPv4 gateways per interface from /proc/net/route. The kernel prints each address's
/// network-order bytes as one native-endian hex number, so the native bytes are the address.
pub fn parse_default_gateways(route: &str) -> Vec<(String, Ipv4Addr)> {
    route
        .lines()
        .skip(1)
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let interface = fields.next()?;
            let destination = u32::from_str_radix(fields.next()?, 16).ok()?;
            let gateway = u32::from_str_radix(fields.next()?, 16).ok()?;
            (destination == 0 && gateway != 0)
                .then(|| (interface.to_owned(), Ipv4Addr::from(gateway.to_ne_bytes())))
        })
        .collect()
}

/// `nameserver` addresses from /etc/resolv.conf, in order.
pub fn parse_nameservers(resolv_conf: &str) -> Vec<String> {
    resolv_conf
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next()? == "nameserver").then_some(words.next()?.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "22065 (cat) R 22058 22058 12754 0 -1 4194304 100 0 0 0 7 3 0 0 20 -5 4 0 363247 \
                        3133440 403 18446744073709551615 94425677381632 0 0\n";

    #[test]
    fn pid_stat_fields() {
        let stat = parse_pid_stat(STAT).unwrap();
        assert_eq!(
            stat,
            PidStat {
                pid: 22065,
                comm: "cat".into(),
                ppid: 22058,
                utime_ticks: 7,
                stime_ticks: 3,
                nice: -5,
                num_threads: 4,
                start_ticks: 363247,
                rss_pages: 403,
            }
        );
    }

    #[test]
    fn pid_stat_name_with_parentheses_and_spaces() {
        let stat =
            parse_pid_stat("7 (a) b (c)) S 1 7 7 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 50 0 9").unwrap();
        assert_eq!(stat.comm, "a) b (c)");
        assert_eq!(
            (
                stat.ppid,
                stat.utime_ticks,
                stat.stime_ticks,
                stat.start_ticks,
                stat.rss_pages
            ),
            (1, 1, 2, 50, 9)
        );
    }

    #[test]
    fn pid_stat_damaged() {
        assert_eq!(parse_pid_stat(""), None);
        assert_eq!(parse_pid_stat("12 (x"), None);
        assert_eq!(parse_pid_stat("x (y) S 1"), None);
        assert_eq!(parse_pid_stat("1 )y( S 1"), None);
        // Every prefix of a valid line parses or is rejected without panicking.
        for end in 0..STAT.len() {
            let _ = parse_pid_stat(&STAT[..end]);
        }
        // Truncated after ppid: the rest falls back to defaults.
        let short = parse_pid_stat("5 (sh) S 1").unwrap();
        assert_eq!(
            (short.ppid, short.num_threads, short.utime_ticks),
            (1, 1, 0)
        );
    }

    #[test]
    fn pid_status_fields() {
        let status = parse_pid_status(
            "Name:\tmy prog\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\n\
             VmRSS:\t    2032 kB\nThreads:\t3\n",
        );
        assert_eq!(
            status,
            PidStatus {
                threads: Some(3),
                vm_rss_kib: Some(2032),
                real_uid: Some(1000)
            }
        );
        assert_eq!(
            parse_pid_status("garbage\nThreads:\tmany\n"),
            PidStatus::default()
        );
    }

    #[test]
    fn cmdline_splitting() {
        assert_eq!(
            parse_cmdline(b"/bin/bash\0-c\0echo hi\0"),
            ["/bin/bash", "-c", "echo hi"]
        );
        assert_eq!(parse_cmdline(b""), Vec::<String>::new());
        assert_eq!(parse_cmdline(b"a\0\0b\0"), ["a", "", "b"]);
        assert_eq!(parse_cmdline(b"\xff\0"), ["\u{fffd}"]);
        // Processes that rewrite their argv may leave no trailing NUL.
        assert_eq!(
            parse_cmdline(b"nginx: worker process"),
            ["nginx: worker process"]
        );
    }

    #[test]
    fn command_line_quoting() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(join_command_line(&args(&["/bin/ls", "-l"])), "/bin/ls -l");
        assert_eq!(
            join_command_line(&args(&["echo", "a b", ""])),
            "echo \"a b\" \"\""
        );
        assert_eq!(
            join_command_line(&args(&["x", "say \"hi\""])),
            r#"x "say \"hi\"""#
        );
        assert_eq!(
            join_command_line(&args(&["x", r"dir\ sub\"])),
            r#"x "dir\ sub\\""#
        );
        assert_eq!(join_command_line(&args(&[r"C:\a\b"])), r"C:\a\b");
    }

    #[test]
    fn meminfo_fields() {
        let info = parse_meminfo(
            "MemTotal:       24684084 kB\nMemFree:        21412312 kB\nMemAvailable:   23871476 kB\n\
             Buffers:           22540 kB\nCached:          1048576 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n",
        );
        assert_eq!(
            info,
            MemInfo {
                total_kib: Some(24_684_084),
                free_kib: Some(21_412_312),
                available_kib: Some(23_871_476),
                swap_total_kib: Some(0),
                swap_free_kib: Some(0),
                cached_kib: Some(1_048_576),
            }
        );
        assert_eq!(parse_meminfo("MemTotal: lots\n"), MemInfo::default());
    }

    #[test]
    fn counters_of_vmstat_loadavg_and_net_dev() {
        assert_eq!(
            vmstat_value("pgpgin 10\npgfault 4242\n", "pgfault"),
            Some(4242)
        );
        assert_eq!(vmstat_value("pgfault x\n", "pgfault"), None);
        assert_eq!(loadavg_threads("0.00 0.01 0.05 1/523 4242\n"), Some(523));
        let dev = parse_net_dev(
            "Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes\n\
             \x20 eth0: 1000 10 3 4 0 0 0 0 2000 20 5 6 0 0 0 0\n    lo: 5 1 0 0 0 0 0 0 5 1 0 0 0 0 0 0\n",
        );
        assert_eq!(dev.len(), 2);
        assert_eq!(
            (
                dev[0].rx_errors,
                dev[0].rx_dropped,
                dev[0].tx_errors,
                dev[0].tx_dropped
            ),
            (3, 4, 5, 6)
        );
        assert_eq!(
            (
                dev[0].name.as_str(),
                dev[0].rx_bytes,
                dev[0].rx_packets,
                dev[0].tx_bytes,
                dev[0].tx_packets
            ),
            ("eth0", 1000, 10, 2000, 20)
        );
    }

    #[test]
    fn processor_clocks_and_disk_counters() {
        let cpuinfo = "processor\t: 0\nmodel name\t: X\ncpu MHz\t\t: 2399.6\n\nprocessor\t: 1\ncpu MHz\t: bad\n\n\
                       processor\t: 2\ncpu MHz\t: 1800.000\n";
        assert_eq!(cpu_mhz(cpuinfo), vec![(0, 2400), (2, 1800)]);
        let disks = parse_diskstats(
            " 253       0 vda 5000 10 80000 300 7000 20 160000 900 0 1200 1200 0 0 0 0\n\
             \x20253       1 vda1 4 0 8\n   7 0 loop0 1 2 3 4 5 6 7 8 9 10 11\n",
        );
        assert_eq!(
            disks,
            vec![
                DiskStatsLine {
                    name: "vda".into(),
                    reads: 5000,
                    sectors_read: 80000,
                    writes: 7000,
                    sectors_written: 160000
                },
                DiskStatsLine {
                    name: "loop0".into(),
                    reads: 1,
                    sectors_read: 3,
                    writes: 5,
                    sectors_written: 7
                },
            ]
        );
    }

    #[test]
    fn uptime_values() {
        assert_eq!(parse_uptime_millis("3632.48 6650.52\n"), Some(3_632_480));
        assert_eq!(parse_uptime_millis("12.5 1.0"), Some(12_500));
        assert_eq!(parse_uptime_millis("7 1"), Some(7_000));
        assert_eq!(parse_uptime_millis(""), None);
        assert_eq!(parse_uptime_millis("1.x"), None);
        assert_eq!(parse_uptime_millis("99999999999999999999.0"), None);
    }

    #[test]
    fn kernel_stat_fields() {
        let stat = parse_kernel_stat(
            "cpu  24528 0 7241 647190 648 0 70 19 0 0\ncpu0 11262 0 3183 325226 79 0 17 8 0 0\n\
             cpu1 13266 1 4057 321963 569 0 52 11 0 0\nintr 512385 0 0 0\nctxt 1\nbtime 1795544176\n\
             processes 22073\n",
        );
        let all = stat.all_cpus.unwrap();
        assert_eq!(
            (
                all.user,
                all.system,
                all.idle,
                all.iowait,
                all.softirq,
                all.steal
            ),
            (24528, 7241, 647190, 648, 70, 19)
        );
        assert_eq!(all.total(), 24528 + 7241 + 647190 + 648 + 70 + 19);
        assert_eq!(stat.per_cpu.len(), 2);
        assert_eq!((stat.per_cpu[1].0, stat.per_cpu[1].1.nice), (1, 1));
        assert_eq!(stat.interrupts, Some(512_385));
        assert_eq!(stat.boot_time, Some(1_795_544_176));
        // Old kernels print only four columns.
        let old = parse_kernel_stat("cpu 1 2 3 4\n");
        assert_eq!(old.all_cpus.unwrap().total(), 10);
        assert_eq!(parse_kernel_stat("cpuX 1\nbtime\n"), KernelStat::default());
    }

    #[test]
    fn cpuinfo_counts() {
        let text = "processor\t: 0\nmodel name\t: Test CPU @ 2.0GHz\nphysical id\t: 0\n\n\
                    processor\t: 1\nphysical id\t: 0\n\nprocessor\t: 2\nphysical id\t: 1\n";
        assert_eq!(count_cpus(text), (3, 2));
        assert_eq!(cpu_model_name(text).as_deref(), Some("Test CPU @ 2.0GHz"));
        // ARM cpuinfo has no physical id lines.
        assert_eq!(count_cpus("processor : 0\nBogoMIPS : 1\n"), (1, 0));
        assert_eq!(cpu_model_name(""), None);
    }

    #[test]
    fn os_release_values() {
        let text = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nNAME='Single'\n\
                    VERSION=\"say \\\"x\\\"\"\n";
        assert_eq!(
            os_release_value(text, "PRETTY_NAME").as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(os_release_value(text, "ID").as_deref(), Some("debian"));
        assert_eq!(os_release_value(text, "NAME").as_deref(), Some("Single"));
        assert_eq!(
            os_release_value(text, "VERSION").as_deref(),
            Some("say \"x\"")
        );
        assert_eq!(os_release_value(text, "MISSING"), None);
    }

    #[test]
    fn mounts_with_escapes() {
        let mounts = parse_mounts(
            "/dev/vda / ext4 rw,relatime 0 0\n/dev/sdb1 /mnt/my\\040disk vfat rw 0 0\nbroken\n\
             /dev/x /odd\\999\\04 xfs rw 0 0\n",
        );
        assert_eq!(mounts.len(), 3);
        assert_eq!(
            mounts[0],
            MountEntry {
                device: "/dev/vda".into(),
                mount_point: "/".into(),
                fs_type: "ext4".into()
            }
        );
        assert_eq!(mounts[1].mount_point, "/mnt/my disk");
        assert_eq!(mounts[2].mount_point, "/odd\\999\\04");
    }

    #[test]
    #[cfg(target_endian = "little")]
    fn default_gateways() {
        let route = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n\
                     eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n\
                     eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n";
        assert_eq!(
            parse_default_gateways(route),
            [("eth0".to_owned(), Ipv4Addr::new(192, 0, 2, 1))]
        );
        assert!(parse_default_gateways("header\nzz\n").is_empty());
    }

    #[test]
    fn nameservers() {
        let text =
            "# comment\nsearch example.com\nnameserver 10.255.255.53\nnameserver ::1\nnameserver\n";
        assert_eq!(parse_nameservers(text), ["10.255.255.53", "::1"]);
    }
}
