//! Win32_PerfRawData counters as Prometheus series. The CounterType qualifier of each property says
//! what the raw value is (Microsoft, "CounterType Qualifier" and "WMI Performance Counter Types"):
//!
//! - **monotonic counts** (PERF_COUNTER_COUNTER, PERF_COUNTER_BULK_COUNT): a Prometheus counter of the
//!   raw value; `rate()` gives the per-second value Windows' formula `(N1 - N0) / ((D1 - D0) / F)` gives.
//! - **monotonic timers**: PERF_100NSEC_TIMER, PERF_100NSEC_TIMER_INV, PERF_PRECISION_100NS_TIMER count
//!   100 ns ticks, PERF_COUNTER_TIMER ticks of `Frequency_PerfTime`: a counter in seconds. For the
//!   `_INV` type the raw value is the time the object was *not* busy (the formula is
//!   `(1 - (N1 - N0) / (D1 - D0)) * 100`), so `rate()` of it is the idle fraction.
//! - **instantaneous values** (PERF_COUNTER_RAWCOUNT, PERF_COUNTER_LARGE_RAWCOUNT and their _HEX forms,
//!   PERF_DOUBLE_RAW): a gauge of the raw value.
//! - **fractions** (PERF_RAW_FRACTION, PERF_LARGE_RAW_FRACTION): a gauge of `N / B`, B being the
//!   property's base (the `<Name>_Base` property, PERF_RAW_BASE / PERF_LARGE_RAW_BASE), 0..1.
//! - **elapsed time** (PERF_ELAPSED_TIME): a gauge of `(Timestamp_Object - N) / Frequency_Object`
//!   seconds.
//! - **averages over an interval** (PERF_AVERAGE_TIMER: `((N1 - N0) / F) / (B1 - B0)` seconds per
//!   operation; PERF_AVERAGE_BULK: `(N1 - N0) / (B1 - B0)`; PERF_COUNTER_100NS_QUEUELEN_TYPE:
//!   `(N1 - N0) / (D1 - D0)` with D the 100 ns timestamp): these are not monotonic themselves and
//!   need two samples, so the exporter keeps the previous sample of each series and cooks the value
//!   between the two; the first scrape of a series has no value yet.
//! - the `_BASE` types are the denominators of others and are not series of their own.

/// CounterType values (the CounterType qualifier's table).
pub mod types {
    pub const PERF_COUNTER_RAWCOUNT_HEX: u32 = 0;
    pub const PERF_COUNTER_LARGE_RAWCOUNT_HEX: u32 = 256;
    pub const PERF_COUNTER_RAWCOUNT: u32 = 65536;
    pub const PERF_COUNTER_LARGE_RAWCOUNT: u32 = 65792;
    pub const PERF_DOUBLE_RAW: u32 = 73728;
    pub const PERF_COUNTER_100NS_QUEUELEN_TYPE: u32 = 5571840;
    pub const PERF_COUNTER_COUNTER: u32 = 272696320;
    pub const PERF_COUNTER_BULK_COUNT: u32 = 272696576;
    pub const PERF_RAW_FRACTION: u32 = 537003008;
    pub const PERF_LARGE_RAW_FRACTION: u32 = 537003264;
    pub const PERF_COUNTER_TIMER: u32 = 541132032;
    pub const PERF_100NSEC_TIMER: u32 = 542180608;
    pub const PERF_PRECISION_100NS_TIMER: u32 = 542573824;
    pub const PERF_100NSEC_TIMER_INV: u32 = 558957824;
    pub const PERF_AVERAGE_TIMER: u32 = 805438464;
    pub const PERF_ELAPSED_TIME: u32 = 807666944;
    pub const PERF_AVERAGE_BULK: u32 = 1073874176;
    pub const PERF_SAMPLE_BASE: u32 = 1073939457;
    pub const PERF_AVERAGE_BASE: u32 = 1073939458;
    pub const PERF_RAW_BASE: u32 = 1073939459;
    pub const PERF_LARGE_RAW_BASE: u32 = 1073939712;
}

use types::*;

/// How a raw counter becomes a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Treatment {
    /// A Prometheus counter of `raw * factor` (1 for counts, 1e-7 for 100 ns ticks).
    Counter { factor: f64 },
    /// A counter in seconds of ticks at `Frequency_PerfTime`.
    CounterPerfTime,
    /// A gauge of the raw value.
    Gauge,
    /// A gauge of `raw / base`.
    Fraction,
    /// A gauge of `(Timestamp_Object - raw) / Frequency_Object`.
    Elapsed,
    /// Cooked from two samples; see [`cook_interval`].
    Interval(IntervalKind),
    /// A denominator of another counter: no series.
    Base,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalKind {
    /// PERF_AVERAGE_TIMER: seconds per operation.
    AverageTimer,
    /// PERF_AVERAGE_BULK: count per operation.
    AverageBulk,
    /// PERF_COUNTER_100NS_QUEUELEN_TYPE: average queue length.
    QueueLength100ns,
}

/// The treatment of a CounterType, `None` for a type this exporter does not cook (multi timers,
/// object-time timers, sample fractions): such a property is skipped with a note.
pub fn treatment(counter_type: u32) -> Option<Treatment> {
    Some(match counter_type {
        PERF_COUNTER_COUNTER | PERF_COUNTER_BULK_COUNT => Treatment::Counter { factor: 1.0 },
        PERF_100NSEC_TIMER | PERF_100NSEC_TIMER_INV | PERF_PRECISION_100NS_TIMER => {
            Treatment::Counter { factor: 1e-7 }
        }
        PERF_COUNTER_TIMER => Treatment::CounterPerfTime,
        PERF_COUNTER_RAWCOUNT
        | PERF_COUNTER_LARGE_RAWCOUNT
        | PERF_COUNTER_RAWCOUNT_HEX
        | PERF_COUNTER_LARGE_RAWCOUNT_HEX
        | PERF_DOUBLE_RAW => Treatment::Gauge,
        PERF_RAW_FRACTION | PERF_LARGE_RAW_FRACTION => Treatment::Fraction,
        PERF_ELAPSED_TIME => Treatment::Elapsed,
        PERF_AVERAGE_TIMER => Treatment::Interval(IntervalKind::AverageTimer),
        PERF_AVERAGE_BULK => Treatment::Interval(IntervalKind::AverageBulk),
        PERF_COUNTER_100NS_QUEUELEN_TYPE => Treatment::Interval(IntervalKind::QueueLength100ns),
        PERF_SAMPLE_BASE | PERF_AVERAGE_BASE | PERF_RAW_BASE | PERF_LARGE_RAW_BASE => {
            Treatment::Base
        }
        _ => return None,
    })
}

/// One reading of an interval counter: its value, its base and the object's clocks.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Sample {
    pub value: f64,
    pub base: f64,
    /// Timestamp_Sys100NS.
    pub time_100ns: f64,
    /// Frequency_PerfTime.
    pub frequency: f64,
}

/// The value of an interval counter between two readings, `None` when the interval is empty or went
/// backwards (a counter reset: the next scrape starts again).
pub fn cook_interval(kind: IntervalKind, old: &Sample, new: &Sample) -> Option<f64> {
    let dn = new.value - old.value;
    let (numerator, denominator) = match kind {
        IntervalKind::AverageTimer => {
            if new.frequency <= 0.0 {
                return None;
            }
            (dn / new.frequency, new.base - old.base)
        }
        IntervalKind::AverageBulk => (dn, new.base - old.base),
        IntervalKind::QueueLength100ns => (dn, new.time_100ns - old.time_100ns),
    };
    (dn >= 0.0 && denominator > 0.0).then(|| numerator / denominator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_type_has_a_treatment() {
        assert_eq!(
            treatment(PERF_100NSEC_TIMER_INV),
            Some(Treatment::Counter { factor: 1e-7 })
        );
        assert_eq!(
            treatment(PERF_COUNTER_BULK_COUNT),
            Some(Treatment::Counter { factor: 1.0 })
        );
        assert_eq!(
            treatment(PERF_COUNTER_LARGE_RAWCOUNT),
            Some(Treatment::Gauge)
        );
        assert_eq!(treatment(PERF_RAW_BASE), Some(Treatment::Base));
        assert_eq!(treatment(PERF_ELAPSED_TIME), Some(Treatment::Elapsed));
        // PERF_100NSEC_MULTI_TIMER is not cooked.
        assert_eq!(treatment(575735040), None);
    }

    #[test]
    fn interval_formulas() {
        // Disk reads: 2 more reads took 0.03 s of a 10 MHz clock in all: 15 ms each.
        let old = Sample {
            value: 1_000_000.0,
            base: 10.0,
            time_100ns: 0.0,
            frequency: 10_000_000.0,
        };
        let new = Sample {
            value: 1_300_000.0,
            base: 12.0,
            time_100ns: 10_000_000.0,
            frequency: 10_000_000.0,
        };
        let v = cook_interval(IntervalKind::AverageTimer, &old, &new).unwrap();
        assert!((v - 0.015).abs() < 1e-12, "{v}");
        // 300,000 octets over 2 transfers.
        assert_eq!(
            cook_interval(IntervalKind::AverageBulk, &old, &new),
            Some(150_000.0)
        );
        // 300,000 queue-length-ticks of 100 ns over 1 s (10,000,000 ticks): 0.03 on average.
        let q = cook_interval(IntervalKind::QueueLength100ns, &old, &new).unwrap();
        assert!((q - 0.03).abs() < 1e-12, "{q}");
        // No new operation, or a reset: no value.
        assert_eq!(cook_interval(IntervalKind::AverageBulk, &new, &new), None);
        assert_eq!(cook_interval(IntervalKind::AverageBulk, &new, &old), None);
    }
}
