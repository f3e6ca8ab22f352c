//! Rows of a query, through a module's metric specs, as metric families: names, help, types, one
//! sample per row (and per `values` entry or `state` value), NULLs skipped. Samples are built as the
//! encoder's messages at once (label pairs and all), so a probe's thousands of series are not built
//! twice.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use prometheus::proto::{Counter, Gauge, LabelPair, Metric};
use rwmi::{CimDateTime, Value, WmiInstance};

use crate::config::{Kind, MetricSpec, ValueSpec};
use crate::perf::{self, IntervalKind, Sample, Treatment};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FamilyKind {
    Gauge,
    Counter,
}

/// A sample's labels, as the encoder takes them.
pub type Labels = Vec<LabelPair>;

/// One label.
pub fn label(name: &str, value: String) -> LabelPair {
    let mut pair = LabelPair::default();
    pair.set_name(name.to_string());
    pair.set_value(value);
    pair
}

/// One metric family of a probe's answer.
#[derive(Debug, Clone)]
pub struct Family {
    /// Without the `_total` a counter's samples carry (the encoder adds it).
    pub name: String,
    pub help: String,
    pub kind: FamilyKind,
    /// Its samples, each with its labels and its value as a gauge or a counter (`kind`).
    pub samples: Vec<Metric>,
}

/// The families of one probe, by name; notes say what was skipped and why.
#[derive(Debug, Default)]
pub struct Families {
    pub families: BTreeMap<String, Family>,
    pub notes: Vec<String>,
}

impl Families {
    pub fn push(&mut self, name: &str, help: &str, kind: FamilyKind, labels: Labels, value: f64) {
        let base = match kind {
            FamilyKind::Counter => name.strip_suffix("_total").unwrap_or(name),
            FamilyKind::Gauge => name,
        };
        // Looked up before it is made: most samples join a family that exists.
        if !self.families.contains_key(base) {
            self.families.insert(
                base.to_string(),
                Family {
                    name: base.to_string(),
                    help: help.to_string(),
                    kind,
                    samples: Vec::new(),
                },
            );
        }
        let Some(family) = self.families.get_mut(base) else {
            return;
        };
        if family.kind == kind {
            family.samples.push(sample(kind, labels, value));
        } else {
            self.notes.push(format!(
                "{name}: a gauge and a counter of the same name; the second is dropped"
            ));
        }
    }
}

fn sample(kind: FamilyKind, labels: Labels, value: f64) -> Metric {
    let mut metric = Metric::default();
    metric.set_label(labels);
    match kind {
        FamilyKind::Counter => {
            let mut c = Counter::default();
            c.set_value(value);
            metric.set_counter(c);
        }
        FamilyKind::Gauge => {
            let mut g = Gauge::default();
            g.set_value(value);
            metric.set_gauge(g);
        }
    }
    metric
}

/// The previous reading of each interval counter (PERF_AVERAGE_TIMER and the like), by target, auth
/// and series, so that a probe can cook the value since the last one. Bounded: past `MAX_SERIES`
/// entries it starts again (each series then skips one scrape).
#[derive(Default)]
pub struct IntervalMemory {
    previous: Mutex<HashMap<String, Sample>>,
}

const MAX_SERIES: usize = 200_000;

impl IntervalMemory {
    fn exchange(&self, key: String, sample: Sample) -> Option<Sample> {
        let mut previous = self.previous.lock().unwrap_or_else(|p| p.into_inner());
        if previous.len() >= MAX_SERIES && !previous.contains_key(&key) {
            previous.clear();
        }
        previous.insert(key, sample)
    }
}

/// A value as a number: integers, reals, booleans (1/0), datetimes (seconds since the Unix epoch),
/// numeric strings; `None` for NULL and for what has no number.
pub fn number(value: &Value) -> Option<f64> {
    if let Some(n) = value.integer() {
        return Some(n as f64);
    }
    match value {
        Value::Real32(x) => Some(f64::from(*x)),
        Value::Real64(x) => Some(*x),
        Value::Boolean(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::DateTime(s) => unix_seconds(s),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A label value: strings as they are, numbers in decimal, booleans `true`/`false`.
fn label_text(value: Option<&Value>) -> String {
    match value {
        None => String::new(),
        Some(Value::String(s) | Value::Reference(s) | Value::DateTime(s)) => s.clone(),
        Some(Value::Boolean(b)) => b.to_string(),
        Some(v) => number(v).map_or_else(String::new, |n| {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                format!("{}", n as i64)
            } else {
                n.to_string()
            }
        }),
    }
}

/// A CIM timestamp (DSP0004 2.3) as seconds since the Unix epoch; intervals have no such value.
fn unix_seconds(text: &str) -> Option<f64> {
    match CimDateTime::parse(text)? {
        CimDateTime::Timestamp(t) => t.unix_seconds(),
        CimDateTime::Interval(_) => None,
    }
}

fn property<'a>(row: &'a WmiInstance, name: &str) -> Option<&'a Value> {
    row.get(name)
}

fn counter_type(row: &WmiInstance, name: &str) -> Option<u32> {
    let (_, p) = row.class.property(name)?;
    let q = p.qualifier("CounterType")?;
    u32::try_from(q.value.integer()?).ok()
}

/// Where a series' value comes from.
#[derive(Clone, Copy)]
enum Source<'a> {
    Constant(f64),
    Property(&'a str),
}

/// Evaluates one metric spec over `rows` into `out`; `series_key` prefixes interval memory keys
/// (target and auth).
pub fn evaluate(
    spec: &MetricSpec,
    rows: &[WmiInstance],
    memory: &IntervalMemory,
    series_key: &str,
    out: &mut Families,
) {
    let help = spec
        .help
        .clone()
        .unwrap_or_else(|| format!("WMI metric {}", spec.name));
    let scale = spec.scale.unwrap_or(1.0);
    // Where each series' value comes from, worked out once for all rows: `value`, or each entry of
    // `values` with its key for the `value_label` label.
    let sources: Vec<(Option<&str>, Source)> = spec
        .value
        .iter()
        .map(|v| match v {
            ValueSpec::Constant(c) => (None, Source::Constant(*c)),
            ValueSpec::Property(p) => (None, Source::Property(p)),
        })
        .chain(
            spec.values
                .iter()
                .map(|(key, p)| (Some(key.as_str()), Source::Property(p))),
        )
        .collect();
    for row in rows {
        let labels: Labels = spec
            .labels
            .iter()
            .map(|(name, prop)| label(name, label_text(property(row, prop))))
            .collect();
        if let Some(state) = &spec.state {
            let current = label_text(property(row, &state.property));
            for v in &state.values {
                let mut l = labels.clone();
                l.push(label(&state.label, v.clone()));
                let on = if current.eq_ignore_ascii_case(v) {
                    1.0
                } else {
                    0.0
                };
                out.push(&spec.name, &help, FamilyKind::Gauge, l, on);
            }
            continue;
        }
        for &(label_value, source) in &sources {
            let mut l = labels.clone();
            if let (Some(name), Some(value)) = (&spec.value_label, label_value) {
                l.push(label(name, value.to_string()));
            }
            let (kind, value) = match source {
                Source::Constant(c) => (FamilyKind::Gauge, Some(c)),
                Source::Property(p) => match spec.kind {
                    Kind::Gauge => (
                        FamilyKind::Gauge,
                        property(row, p).and_then(number).map(|v| v * scale),
                    ),
                    Kind::Counter => (
                        FamilyKind::Counter,
                        property(row, p).and_then(number).map(|v| v * scale),
                    ),
                    Kind::Auto => match auto_value(row, p, memory, || {
                        series_memory_key(series_key, &spec.name, &l)
                    }) {
                        Ok(Some((kind, v))) => (kind, Some(v * scale)),
                        Ok(None) => continue,
                        Err(note) => {
                            out.notes.push(format!("{}: {note}", spec.name));
                            continue;
                        }
                    },
                },
            };
            if let Some(v) = value {
                out.push(&spec.name, &help, kind, l, v);
            }
        }
    }
}

/// The interval memory's key of one series: target and auth, metric name, labels.
fn series_memory_key(series_key: &str, name: &str, labels: &[LabelPair]) -> String {
    let mut key = format!("{series_key}|{name}");
    for pair in labels {
        key.push('|');
        key.push_str(pair.name());
        key.push('=');
        key.push_str(pair.value());
    }
    key
}

/// A Win32_PerfRawData property through its CounterType; `Ok(None)` when there is no value yet (an
/// interval counter's first reading, or NULL).
fn auto_value(
    row: &WmiInstance,
    name: &str,
    memory: &IntervalMemory,
    key: impl FnOnce() -> String,
) -> Result<Option<(FamilyKind, f64)>, String> {
    let Some(raw) = property(row, name).and_then(number) else {
        return Ok(None);
    };
    let counter_type = counter_type(row, name).ok_or_else(|| {
        format!("{name} has no CounterType qualifier: give type gauge or counter")
    })?;
    let treatment = perf::treatment(counter_type).ok_or_else(|| {
        format!("{name}: CounterType {counter_type} is not one this exporter cooks")
    })?;
    let row_number = |p: &str| property(row, p).and_then(number);
    let needs = |p: &str| {
        row_number(p).ok_or_else(|| format!("{name} needs {p} in the query's properties"))
    };
    Ok(match treatment {
        Treatment::Counter { factor } => Some((FamilyKind::Counter, raw * factor)),
        Treatment::CounterPerfTime => {
            let f = needs("Frequency_PerfTime")?;
            (f > 0.0).then(|| (FamilyKind::Counter, raw / f))
        }
        Treatment::Gauge => Some((FamilyKind::Gauge, raw)),
        Treatment::Fraction => {
            let base = needs(&format!("{name}_Base"))?;
            (base > 0.0).then(|| (FamilyKind::Gauge, raw / base))
        }
        Treatment::Elapsed => {
            let (now, f) = (needs("Timestamp_Object")?, needs("Frequency_Object")?);
            (f > 0.0).then(|| (FamilyKind::Gauge, (now - raw) / f))
        }
        Treatment::Interval(kind) => {
            let sample = Sample {
                value: raw,
                base: match kind {
                    IntervalKind::QueueLength100ns => 0.0,
                    _ => needs(&format!("{name}_Base"))?,
                },
                time_100ns: needs("Timestamp_Sys100NS")?,
                frequency: row_number("Frequency_PerfTime").unwrap_or(0.0),
            };
            memory
                .exchange(key(), sample)
                .and_then(|old| perf::cook_interval(kind, &old, &sample))
                .map(|v| (FamilyKind::Gauge, v))
        }
        Treatment::Base => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_become_unix_seconds() {
        assert_eq!(unix_seconds("19700101000000.000000+000"), Some(0.0));
        assert_eq!(unix_seconds("19700101010000.000000+060"), Some(0.0));
        assert_eq!(
            unix_seconds("20261203104500.500000+000"),
            Some(1_796_294_700.5)
        );
        assert_eq!(unix_seconds("19691231190000.000000-300"), Some(0.0));
        assert_eq!(unix_seconds("00000001020304.000000:000"), None);
    }
}
