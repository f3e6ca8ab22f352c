//! Metric families as the Prometheus text format (0.0.4), through the `prometheus` crate's
//! `TextEncoder` (it escapes help and label values and writes each family's HELP and TYPE).

use prometheus::proto::{Counter, Gauge, LabelPair, Metric, MetricFamily, MetricType};
use prometheus::{Encoder, TextEncoder};

use crate::families::{Families, FamilyKind};

/// The content type of what [`text`] writes.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The families as protobuf-model messages, for the encoder.
pub fn metric_families(families: Families) -> Vec<MetricFamily> {
    let mut out = Vec::with_capacity(families.families.len());
    for family in families.families.into_values() {
        if family.samples.is_empty() {
            continue;
        }
        let mut mf = MetricFamily::default();
        let name = match family.kind {
            FamilyKind::Counter => format!("{}_total", family.name),
            FamilyKind::Gauge => family.name.clone(),
        };
        mf.set_name(name);
        mf.set_help(family.help.clone());
        mf.set_field_type(match family.kind {
            FamilyKind::Counter => MetricType::COUNTER,
            FamilyKind::Gauge => MetricType::GAUGE,
        });
        for (labels, value) in family.samples {
            let mut m = Metric::default();
            let pairs: Vec<LabelPair> = labels
                .into_iter()
                .map(|(k, v)| {
                    let mut p = LabelPair::default();
                    p.set_name(k);
                    p.set_value(v);
                    p
                })
                .collect();
            m.set_label(pairs);
            match family.kind {
                FamilyKind::Counter => {
                    let mut c = Counter::default();
                    c.set_value(value);
                    m.set_counter(c);
                }
                FamilyKind::Gauge => {
                    let mut g = Gauge::default();
                    g.set_value(value);
                    m.set_gauge(g);
                }
            }
            mf.mut_metric().push(m);
        }
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
