//! Metric families as the Prometheus text format (0.0.4), through the `prometheus` crate's
//! `TextEncoder` (it escapes help and label values and writes each family's HELP and TYPE).

use prometheus::proto::{MetricFamily, MetricType};
use prometheus::{Encoder, TextEncoder};

use crate::families::{Families, FamilyKind};

/// The content type of what [`text`] writes.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The families as the encoder's messages (their samples are already).
pub fn metric_families(families: Families) -> Vec<MetricFamily> {
    let mut out = Vec::with_capacity(families.families.len());
    for family in families.families.into_values() {
        if family.samples.is_empty() {
            continue;
        }
        let mut mf = MetricFamily::default();
        mf.set_name(match family.kind {
            FamilyKind::Counter => format!("{}_total", family.name),
            FamilyKind::Gauge => family.name,
        });
        mf.set_help(family.help);
        mf.set_field_type(match family.kind {
            FamilyKind::Counter => MetricType::COUNTER,
            FamilyKind::Gauge => MetricType::GAUGE,
        });
        mf.set_metric(family.samples);
        out.push(mf);
    }
    out
}

/// Encodes `families` (already built messages) as text.
pub fn encode(families: &[MetricFamily]) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail, and every family has a name and a metric.
    let _ = TextEncoder::new().encode(families, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// The families as Prometheus text.
pub fn text(families: Families) -> String {
    encode(&metric_families(families))
}
