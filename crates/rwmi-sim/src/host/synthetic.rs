//! Deterministic synthetic instances for benchmarks and load tests: the same class and count
//! always give the same MOF text, independent of the host and the clock. They go through the
//! same renderers as live data, so they exercise the same MOF shapes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::facts::{DiskFact, ProcessFact, ServiceFact};
use super::render;

/// The computer name synthetic instances report.
const SYNTHETIC_COMPUTER: &str = "SYNTHETIC";

/// 2026-01-01T00:00:00Z, the creation date of synthetic process 0.
const SYNTHETIC_EPOCH_SECONDS: u64 = 1_767_225_600;

/// The classes [`synthetic_instances`] can generate.
pub const SYNTHETIC_CLASSES: &[&str] = &["Win32_Process", "Win32_Service", "Win32_LogicalDisk"];

/// Bytes of MOF one instance takes, roughly (a synthetic process is about 700); used to size the
/// output once.
const BYTES_PER_INSTANCE: usize = 720;

/// `count` deterministic instances of `class` (matched case-insensitively) as MOF `instance of`
/// blocks; `None` for classes without a synthetic generator.
pub fn synthetic_instances(class: &str, count: usize) -> Option<String> {
    let class = SYNTHETIC_CLASSES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(class))?;
    let mut out = String::with_capacity(count.saturating_mul(BYTES_PER_INSTANCE));
    for index in 0..count {
        match *class {
            "Win32_Process" => {
                render::write_process(&mut out, &synthetic_process(index), SYNTHETIC_COMPUTER)
            }
            "Win32_Service" => {
                render::write_service(&mut out, &synthetic_service(index), SYNTHETIC_COMPUTER)
            }
            "Win32_LogicalDisk" => {
                render::write_logical_disk(&mut out, &synthetic_disk(index), SYNTHETIC_COMPUTER)
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Process `index`: pid 1000+index, in a tree where each process has up to four children.
pub fn synthetic_process(index: usize) -> ProcessFact {
    let pid = pid_for(index);
    let parent_pid = if index == 0 {
        4
    } else {
        pid_for((index - 1) / 4)
    };
    let step = index as u64;
    let executable = format!("C:\\Apps\\proc-{index}.exe");
    ProcessFact {
        pid,
        parent_pid,
        name: format!("proc-{index}.exe"),
        command_line: Some(format!(
            "\"{executable}\" --worker {index} --name \"synthetic {index}\""
        )),
        executable_path: Some(executable),
        creation_date: Some(synthetic_creation_date(index)),
        thread_count: 1 + (index % 16) as u32,
        working_set_bytes: (1 + step % 512) * 1024 * 1024,
        kernel_time_100ns: step * 15_625,
        user_time_100ns: step * 31_250,
        priority: [8, 8, 8, 6, 13, 4][index % 6],
        owner_uid: None,
    }
}

/// Service `index`: two thirds running, start modes cycling Auto, Manual, Disabled.
pub fn synthetic_service(index: usize) -> ServiceFact {
    let running = index % 3 != 2;
    ServiceFact {
        name: format!("svc-{index}"),
        display_name: format!("Synthetic Service {index}"),
        running,
        start_mode: ["Auto", "Manual", "Disabled"][index % 3],
        process_id: if running { pid_for(index) } else { 0 },
        path_name: Some(format!(
            "C:\\Services\\svc-{index}.exe -k group{}",
            index % 8
        )),
    }
}

/// Disk `index`: drive letters C: to Z:, then AA:, AB:, ... so every DeviceID is unique.
pub fn synthetic_disk(index: usize) -> DiskFact {
    let size_bytes = (64 + (index as u64 % 64) * 16) * 1024 * 1024 * 1024;
    DiskFact {
        device_id: format!("{}:", drive_letters(index)),
        mount_point: format!("/synthetic/volume{index}"),
        device: format!("synthetic{index}"),
        file_system: "NTFS".to_owned(),
        size_bytes,
        free_bytes: size_bytes / 100 * (10 + index as u64 % 80),
    }
}

fn pid_for(index: usize) -> u32 {
    u32::try_from(index)
        .unwrap_or(u32::MAX)
        .saturating_add(1000)
}

/// Bijective base-26 letters (1 = A, 26 = Z, 27 = AA) of `index + 3`, so index 0 is `C`, 23 is
/// `Z` and 24 is `AA`.
fn drive_letters(index: usize) -> String {
    let mut remaining = index.saturating_add(3);
    let mut letters = Vec::new();
    while remaining > 0 {
        remaining -= 1;
        letters.push(b'A' + (remaining % 26) as u8);
        remaining /= 26;
    }
    letters.iter().rev().map(|&b| char::from(b)).collect()
}

/// The creation date of synthetic process `index`.
pub fn synthetic_creation_date(index: usize) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(SYNTHETIC_EPOCH_SECONDS + index as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn deterministic_and_counted() {
        for class in SYNTHETIC_CLASSES {
            let first = synthetic_instances(class, 50).unwrap();
            assert_eq!(first, synthetic_instances(class, 50).unwrap(), "{class}");
            assert_eq!(
                first.matches(&format!("instance of {class}\n")).count(),
                50,
                "{class}"
            );
            assert_eq!(first.matches("\n};\n").count(), 50, "{class}");
            // A longer run starts with the shorter one.
            assert!(
                synthetic_instances(class, 60).unwrap().starts_with(&first),
                "{class}"
            );
            assert_eq!(synthetic_instances(class, 0).as_deref(), Some(""));
        }
        assert_eq!(synthetic_instances("Win32_OperatingSystem", 3), None);
        assert!(synthetic_instances("win32_process", 1).is_some());
    }

    #[test]
    fn process_values() {
        let mof = synthetic_instances("Win32_Process", 6).unwrap();
        assert!(mof.contains("\tProcessId = 1005;\n"));
        assert!(mof.contains("\tName = \"proc-5.exe\";\n"));
        assert!(mof.contains("\tParentProcessId = 1001;\n"));
        assert!(mof.contains("\tCommandLine = \"\\\"C:\\\\Apps\\\\proc-5.exe\\\" --worker 5 --name \\\"synthetic 5\\\"\";\n"));
        assert!(mof.contains("\tCreationDate = \"20260101000005.000000+000\";\n"));
        assert_eq!(synthetic_process(0).parent_pid, 4);
        assert_eq!(
            synthetic_process(7).creation_date,
            Some(synthetic_creation_date(7))
        );
    }

    #[test]
    fn drive_letters_are_unique() {
        assert_eq!(drive_letters(0), "C");
        assert_eq!(drive_letters(23), "Z");
        assert_eq!(drive_letters(24), "AA");
        assert_eq!(drive_letters(49), "AZ");
        assert_eq!(drive_letters(50), "BA");
        let mut all: Vec<String> = (0..2000).map(drive_letters).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 2000);
    }

    #[test]
    fn service_and_disk_values() {
        let service = synthetic_service(2);
        assert_eq!(
            (service.running, service.start_mode, service.process_id),
            (false, "Disabled", 0)
        );
        let disk = synthetic_disk(1);
        assert_eq!(disk.device_id, "D:");
        assert!(disk.free_bytes < disk.size_bytes);
    }

    #[test]
    fn ten_thousand_processes_quickly() {
        let started = Instant::now();
        let mof = synthetic_instances("Win32_Process", 10_000).unwrap();
        let elapsed = started.elapsed();
        assert_eq!(mof.matches("instance of Win32_Process\n").count(), 10_000);
        // The bound is for optimized builds; debug builds only check the count.
        if !cfg!(debug_assertions) {
            assert!(elapsed.as_millis() < 100, "took {elapsed:?}");
        }
    }
}
