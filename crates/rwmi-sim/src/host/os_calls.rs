//! The few facts that need libc calls rather than files: clock tick rate, file system sizes,
//! interface addresses and the local UTC offset. Each returns `None` or a default on failure.

use std::ffi::{CStr, CString};
use std::net::IpAddr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Clock ticks per second for /proc times (`sysconf(_SC_CLK_TCK)`), 100 when unknown.
pub fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf takes no pointers and has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&t| t > 0).unwrap_or(100)
}

/// Bytes per memory page (`sysconf(_SC_PAGESIZE)`), 4096 when unknown.
pub fn page_size() -> u64 {
    // SAFETY: sysconf takes no pointers and has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(size).ok().filter(|&s| s > 0).unwrap_or(4096)
}

/// Logical processors online (`sysconf(_SC_NPROCESSORS_ONLN)`).
pub fn online_processors() -> Option<usize> {
    // SAFETY: sysconf takes no pointers and has no preconditions.
    let count = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    usize::try_from(count).ok().filter(|&c| c > 0)
}

/// Size and space available to unprivileged users of the file system holding `path`, in bytes.
// statvfs field widths differ between targets; the conversions are no-ops only on 64-bit ones.
#[allow(clippy::useless_conversion)]
pub fn file_system_space(path: &Path) -> Option<(u64, u64)> {
    let c_path = CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs is plain old data, so all-zero is a valid value.
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: c_path is NUL-terminated and stats is a valid statvfs to write into.
    if unsafe { libc::statvfs(c_path.as_ptr(), &mut stats) } != 0 {
        return None;
    }
    let fragment = u64::from(stats.f_frsize);
    let size = u64::from(stats.f_blocks).saturating_mul(fragment);
    let available = u64::from(stats.f_bavail).saturating_mul(fragment);
    Some((size, available))
}

/// An address assigned to an interface, with its prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InterfaceAddress {
    pub address: IpAddr,
    pub prefix_length: u8,
}

/// IPv4 and IPv6 addresses of every interface (`getifaddrs`), as (interface name, address).
pub fn interface_addresses() -> Vec<(String, InterfaceAddress)> {
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: list is a valid out-pointer; on success it must be released with freeifaddrs.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return Vec::new();
    }
    let mut found = Vec::new();
    let mut cursor = list;
    while !cursor.is_null() {
        // SAFETY: cursor is a node of the list getifaddrs returned, not yet freed.
        let entry = unsafe { &*cursor };
        cursor = entry.ifa_next;
        if entry.ifa_name.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string owned by the list.
        let name = unsafe { CStr::from_ptr(entry.ifa_name) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: the address pointers are null or point to sockaddrs of the family they state.
        let parsed = unsafe {
            (
                socket_address(entry.ifa_addr),
                socket_address(entry.ifa_netmask),
            )
        };
        if let (Some(address), netmask) = parsed {
            let prefix_length = netmask.map_or(0, |mask| prefix_length(&mask));
            found.push((
                name,
                InterfaceAddress {
                    address,
                    prefix_length,
                },
            ));
        }
    }
    // SAFETY: list came from a successful getifaddrs and is freed once; no borrow outlives this.
    unsafe { libc::freeifaddrs(list) };
    found
}

/// # Safety
/// `address` is null or points to a sockaddr whose `sa_family` matches its real type.
unsafe fn socket_address(address: *const libc::sockaddr) -> Option<IpAddr> {
    if address.is_null() {
        return None;
    }
    // SAFETY: the caller guarantees address points to a sockaddr.
    match i32::from(unsafe { (*address).sa_family }) {
        libc::AF_INET => {
            // SAFETY: the family says this is a sockaddr_in.
            let v4 = unsafe { &*(address as *const libc::sockaddr_in) };
            Some(IpAddr::from(v4.sin_addr.s_addr.to_ne_bytes()))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says this is a sockaddr_in6.
            let v6 = unsafe { &*(address as *const libc::sockaddr_in6) };
            Some(IpAddr::from(v6.sin6_addr.s6_addr))
        }
        _ => None,
    }
}

/// Number of leading one bits of a netmask.
fn prefix_length(mask: &IpAddr) -> u8 {
    let ones = match mask {
        IpAddr::V4(v4) => u32::from(*v4).leading_ones(),
        IpAddr::V6(v6) => u128::from(*v6).leading_ones(),
    };
    u8::try_from(ones).unwrap_or(0)
}

/// Seconds east of UTC of the local time zone at `unix_seconds` (`localtime_r`), 0 when unknown.
// tm_gmtoff is a c_long, 32 bits on some targets.
#[allow(clippy::useless_conversion)]
pub fn local_utc_offset_seconds(unix_seconds: i64) -> i64 {
    let Some(time) = libc::time_t::try_from(unix_seconds).ok() else {
        return 0;
    };
    // SAFETY: tm is plain old data, so all-zero is a valid value.
    let mut broken_down: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the duration of the call; localtime_r is thread-safe.
    let result = unsafe { libc::localtime_r(&time, &mut broken_down) };
    if result.is_null() {
        return 0;
    }
    i64::from(broken_down.tm_gmtoff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn prefix_lengths() {
        assert_eq!(
            prefix_length(&IpAddr::V4(Ipv4Addr::new(255, 255, 255, 0))),
            24
        );
        assert_eq!(prefix_length(&IpAddr::V4(Ipv4Addr::UNSPECIFIED)), 0);
        let v6: Ipv6Addr = "ffff:ffff:ffff:ffff::".parse().unwrap();
        assert_eq!(prefix_length(&IpAddr::V6(v6)), 64);
    }

    #[test]
    fn live_calls_return_sane_values() {
        assert!(clock_ticks_per_second() > 0);
        assert!(online_processors().unwrap_or(1) >= 1);
        let (size, available) = file_system_space(Path::new("/")).unwrap();
        assert!(size > 0 && available <= size);
        assert_eq!(file_system_space(Path::new("/nonexistent/rwmi/path")), None);
        assert!(local_utc_offset_seconds(0).abs() <= 14 * 3600);
        // Loopback exists on any Linux host with networking.
        assert!(
            interface_addresses()
                .iter()
                .any(|(_, a)| a.address.is_loopback())
        );
    }
}
