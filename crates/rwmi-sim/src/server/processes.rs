//! The processes `Win32_Process.Create` started on one virtual host: records, never executed. Each is
//! listed by later Win32_Process queries of that host (an [`InstanceOverlay`] over the shared
//! repository) with the name of its command line's first token, a ProcessId of its own, its CommandLine,
//! its CreationDate and, as its parent, the WMI provider host that Windows starts such processes from.
//! The table is bounded: past [`MAX_CREATED_PROCESSES`] the oldest record goes, so a client calling
//! Create in a loop cannot grow the emulator.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rwmi_core::wmio::{Decoration, WmiClass, WmiInstance};

use crate::host::facts::ProcessFact;
use crate::repository::{InstanceOverlay, process_instance};

/// How many created processes a host remembers.
pub const MAX_CREATED_PROCESSES: usize = 64;

/// The ProcessId of the WMI provider host (WmiPrvSE.exe) the created processes name as their parent:
/// on Windows, Win32_Process.Create runs in the CIMWin32 provider, hosted by WmiPrvSE.exe, and the new
/// process is its child ("Provider Hosting and Security", Microsoft Learn).
pub const WMI_PROVIDER_HOST_PID: u32 = 7_999_996;

/// The first ProcessId given out, above Linux's largest (pid_max is at most 2^22) and the synthetic
/// ones, so a created process never shares an id with a listed one. Windows ids are multiples of 4.
const FIRST_CREATED_PID: u32 = 8_000_000;

const CIMV2: &str = r"root\cimv2";

/// The Win32_Process.Create records of one host.
#[derive(Debug, Default)]
pub struct CreatedProcesses {
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    created: u32,
    records: VecDeque<ProcessFact>,
}

impl CreatedProcesses {
    pub fn new() -> CreatedProcesses {
        CreatedProcesses::default()
    }

    /// Records a process for `command_line`, created at `now`; returns its ProcessId.
    pub fn record(&self, command_line: &str, now: SystemTime) -> u32 {
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        // Ids wrap within the range above FIRST_CREATED_PID long before u32 does.
        let pid = FIRST_CREATED_PID + (table.created % 0x1000_0000) * 4;
        table.created = table.created.wrapping_add(1);
        if table.records.len() >= MAX_CREATED_PROCESSES {
            table.records.pop_front();
        }
        table.records.push_back(ProcessFact {
            pid,
            parent_pid: WMI_PROVIDER_HOST_PID,
            name: image_name(command_line),
            command_line: Some(command_line.to_owned()),
            executable_path: executable_path(command_line),
            creation_date: Some(now),
            thread_count: 1,
            working_set_bytes: 4 * 1024 * 1024,
            kernel_time_100ns: 0,
            user_time_100ns: 0,
            priority: 8,
            owner_uid: None,
        });
        pid
    }

    /// The records, the WMI provider host first once there is one.
    fn facts(&self) -> Vec<ProcessFact> {
        let table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        if table.records.is_empty() {
            return Vec::new();
        }
        let provider_host = ProcessFact {
            pid: WMI_PROVIDER_HOST_PID,
            parent_pid: 0,
            name: "WmiPrvSE.exe".to_owned(),
            command_line: Some(r"C:\Windows\system32\wbem\wmiprvse.exe -secured -Embedding".into()),
            executable_path: Some(r"C:\Windows\system32\wbem\wmiprvse.exe".into()),
            creation_date: table.records.front().and_then(|first| first.creation_date),
            thread_count: 10,
            working_set_bytes: 12 * 1024 * 1024,
            kernel_time_100ns: 0,
            user_time_100ns: 0,
            priority: 8,
            owner_uid: None,
        };
        std::iter::once(provider_host)
            .chain(table.records.iter().cloned())
            .collect()
    }
}

impl InstanceOverlay for CreatedProcesses {
    fn instances(
        &self,
        namespace: &str,
        class: &Arc<WmiClass>,
        decoration: &Decoration,
    ) -> Vec<WmiInstance> {
        if !namespace.eq_ignore_ascii_case(CIMV2)
            || !class.name().eq_ignore_ascii_case("Win32_Process")
        {
            return Vec::new();
        }
        self.facts()
            .iter()
            .filter_map(|fact| process_instance(class.clone(), fact, decoration))
            .collect()
    }
}

/// The command line's first token: quoted (`"C:\Program Files\a.exe" -x`) or up to the first blank, as
/// CreateProcess reads lpCommandLine when lpApplicationName is NULL (Microsoft Learn, CreateProcessW).
fn first_token(command_line: &str) -> &str {
    let line = command_line.trim_start();
    match line.strip_prefix('"') {
        Some(rest) => rest.split('"').next().unwrap_or(rest),
        None => line.split([' ', '\t']).next().unwrap_or(line),
    }
}

/// The image name Win32_Process.Name shows: the file name of the first token.
fn image_name(command_line: &str) -> String {
    let token = first_token(command_line);
    token.rsplit(['\\', '/']).next().unwrap_or(token).to_owned()
}

/// ExecutablePath when the first token names a path; a bare name would be found on the search path,
/// which the emulator does not have.
fn executable_path(command_line: &str) -> Option<String> {
    let token = first_token(command_line);
    token.contains(['\\', '/']).then(|| token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_the_first_token() {
        assert_eq!(image_name("notepad.exe"), "notepad.exe");
        assert_eq!(
            image_name(r"cmd.exe /c whoami > C:\Windows\Temp\o.txt"),
            "cmd.exe"
        );
        assert_eq!(
            image_name(r#""C:\Program Files\App\app.exe" --flag "x y""#),
            "app.exe"
        );
        assert_eq!(
            executable_path(r#""C:\Program Files\App\app.exe" --flag"#).as_deref(),
            Some(r"C:\Program Files\App\app.exe")
        );
        assert_eq!(executable_path("notepad.exe -x"), None);
    }

    #[test]
    fn the_table_is_bounded_and_ids_are_new() {
        let processes = CreatedProcesses::new();
        let now = SystemTime::now();
        let first = processes.record("a.exe", now);
        let second = processes.record("b.exe", now);
        assert_eq!(second, first + 4);
        assert!(first > 1 << 22);
        for _ in 0..MAX_CREATED_PROCESSES * 2 {
            processes.record("c.exe", now);
        }
        let facts = processes.facts();
        assert_eq!(facts.len(), MAX_CREATED_PROCESSES + 1);
        assert_eq!(facts[0].name, "WmiPrvSE.exe");
        assert!(facts[1..].iter().all(|f| f.name == "c.exe"));
        assert!(
            facts[1..]
                .iter()
                .all(|f| f.parent_pid == WMI_PROVIDER_HOST_PID)
        );
    }
}
