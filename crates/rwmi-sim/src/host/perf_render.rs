//! Win32_PerfRawData_* instances from this host's raw counters, with the clocks Windows puts beside
//! them: `Timestamp_Sys100NS`/`Timestamp_Object` the sample time as a FILETIME (100 ns since 1601)
//! and `Timestamp_PerfTime` the same clock; each `Frequency_*` 10 MHz. The CounterType of each
//! property is declared in cimv2.mof, as Windows declares it for the same class.

use std::time::{SystemTime, UNIX_EPOCH};

use super::facts::{DiskCountersFact, PerfFacts, ProcessorTimesFact};
use super::mof_text::InstanceWriter;
use super::render::FILETIME_UNIX_EPOCH;

const FREQUENCY: u64 = 10_000_000;

fn filetime(t: SystemTime) -> u64 {
    let since_unix = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos() / 100).unwrap_or(u64::MAX));
    FILETIME_UNIX_EPOCH.saturating_add(since_unix)
}

fn clocks(instance: &mut InstanceWriter<'_>, now: SystemTime) {
    let stamp = filetime(now);
    instance
        .unsigned("Timestamp_Sys100NS", stamp)
        .unsigned("Timestamp_Object", stamp)
        .unsigned("Timestamp_PerfTime", stamp)
        .unsigned("Frequency_Sys100NS", FREQUENCY)
        .unsigned("Frequency_Object", FREQUENCY)
        .unsigned("Frequency_PerfTime", FREQUENCY);
}

/// Win32_PerfRawData_PerfOS_Processor: PercentProcessorTime is PERF_100NSEC_TIMER_INV, so its raw
/// value is the idle time, as on Windows.
pub fn write_processors(out: &mut String, perf: &PerfFacts, now: SystemTime) {
    for p in &perf.processors {
        let mut instance = InstanceWriter::begin(out, "Win32_PerfRawData_PerfOS_Processor");
        processor_times(&mut instance, &p.name, p);
        clocks(&mut instance, now);
        instance.end();
    }
}

/// The counters the Processor and Processor Information objects share, under the name `name`.
fn processor_times(instance: &mut InstanceWriter<'_>, name: &str, p: &ProcessorTimesFact) {
    instance
        .string("Name", name)
        .unsigned("PercentProcessorTime", p.idle_100ns)
        .unsigned("PercentIdleTime", p.idle_100ns)
        .unsigned("PercentUserTime", p.user_100ns)
        .unsigned("PercentPrivilegedTime", p.privileged_100ns)
        .unsigned("PercentInterruptTime", p.interrupt_100ns)
        .unsigned("InterruptsPersec", low32(p.interrupts));
}

/// Win32_PerfRawData_PerfOS_Memory (a singleton).
pub fn write_memory(out: &mut String, perf: &PerfFacts, now: SystemTime) {
    let m = &perf.memory;
    let kib = |k: u64| k.saturating_mul(1024);
    let committed = m
        .total_kib
        .saturating_sub(m.available_kib)
        .saturating_add(m.swap_total_kib.saturating_sub(m.swap_free_kib));
    let limit = m.total_kib.saturating_add(m.swap_total_kib);
    let mut instance = InstanceWriter::begin(out, "Win32_PerfRawData_PerfOS_Memory");
    instance
        .unsigned("AvailableBytes", kib(m.available_kib))
        .unsigned("CommittedBytes", kib(committed))
        .unsigned("CommitLimit", kib(limit))
        .unsigned("CacheBytes", kib(perf.cached_kib))
        .unsigned("PageFaultsPersec", low32(perf.page_faults))
        .unsigned("PagesPersec", low32(perf.pages_in_out))
        .unsigned("PercentCommittedBytesInUse", committed)
        .unsigned("PercentCommittedBytesInUse_Base", limit.max(1));
    clocks(&mut instance, now);
    instance.end();
}

/// Win32_PerfRawData_PerfOS_System (a singleton): SystemUpTime is PERF_ELAPSED_TIME, the boot time
/// on the Timestamp_Object clock.
pub fn write_system(out: &mut String, perf: &PerfFacts, boot: SystemTime, now: SystemTime) {
    let mut instance = InstanceWriter::begin(out, "Win32_PerfRawData_PerfOS_System");
    instance
        .unsigned("ProcessorQueueLength", perf.runnable)
        .unsigned("SystemUpTime", filetime(boot))
        .unsigned("Processes", perf.processes)
        .unsigned("Threads", perf.threads)
        .unsigned("ContextSwitchesPersec", low32(perf.context_switches));
    clocks(&mut instance, now);
    instance.end();
}

/// Win32_PerfRawData_Tcpip_NetworkInterface, one per interface.
pub fn write_interfaces(out: &mut String, perf: &PerfFacts, now: SystemTime) {
    for i in &perf.interfaces {
        let mut instance = InstanceWriter::begin(out, "Win32_PerfRawData_Tcpip_NetworkInterface");
        instance
            .string("Name", &i.name)
            .unsigned("BytesReceivedPersec", i.bytes_received)
            .unsigned("BytesSentPersec", i.bytes_sent)
            .unsigned(
                "BytesTotalPersec",
                i.bytes_received.saturating_add(i.bytes_sent),
            )
            .unsigned("PacketsReceivedPersec", low32(i.packets_received))
            .unsigned("PacketsSentPersec", low32(i.packets_sent))
            .unsigned("PacketsReceivedErrors", low32(i.receive_errors))
            .unsigned("PacketsReceivedDiscarded", low32(i.receive_discards))
            .unsigned("PacketsOutboundErrors", low32(i.send_errors))
            .unsigned("PacketsOutboundDiscarded", low32(i.send_discards))
            .unsigned("CurrentBandwidth", i.bandwidth_bits);
        clocks(&mut instance, now);
        instance.end();
    }
}

/// A 32-bit counter's value: the low half, as a DWORD counter wraps.
fn low32(value: u64) -> u64 {
    value & u64::from(u32::MAX)
}

/// Win32_PerfRawData_Counters_ProcessorInformation: the processors of group 0 as `0,N`, the
/// group's `0,_Total` and `_Total`, with the same times as PerfOS_Processor and each one's clock.
pub fn write_processor_information(out: &mut String, perf: &PerfFacts, now: SystemTime) {
    let mut write = |name: &str, p: &ProcessorTimesFact| {
        let mut instance =
            InstanceWriter::begin(out, "Win32_PerfRawData_Counters_ProcessorInformation");
        processor_times(&mut instance, name, p);
        instance.unsigned("ProcessorFrequency", low32(p.frequency_mhz));
        clocks(&mut instance, now);
        instance.end();
    };
    for p in &perf.processors {
        if p.name == "_Total" {
            write("0,_Total", p);
            write("_Total", p);
        } else {
            write(&format!("0,{}", p.name), p);
        }
    }
}

/// Win32_PerfRawData_PerfDisk_LogicalDisk: each drive and `_Total`.
pub fn write_logical_disks(out: &mut String, disks: &[DiskCountersFact], now: SystemTime) {
    for d in disks {
        let mut instance = InstanceWriter::begin(out, "Win32_PerfRawData_PerfDisk_LogicalDisk");
        instance
            .string("Name", &d.name)
            .unsigned("DiskReadBytesPersec", d.read_bytes)
            .unsigned("DiskReadsPersec", low32(d.reads))
            .unsigned("DiskWriteBytesPersec", d.write_bytes)
            .unsigned("DiskWritesPersec", low32(d.writes));
        clocks(&mut instance, now);
        instance.end();
    }
}
