//! Decode throughput of MS-WMIO instances as IEnumWbemClassObject::Next delivers them: a batch of
//! EncodingUnits, each with the class and one instance of a 20-property class, decoded with one
//! `ClassCache` per batch as the client decodes a response (`benches/support/corpus.rs`).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rwmi_core::wmio::{ClassCache, Limits, WmiObject, decode_encoding_unit};

#[path = "support/corpus.rs"]
mod corpus;

fn decode_batch(units: &[Vec<u8>], limits: &Limits) -> usize {
    let mut cache = ClassCache::new(64);
    let mut values = 0;
    for unit in units {
        let decoded =
            decode_encoding_unit(unit, limits, Some(&mut cache)).expect("the corpus decodes");
        if let WmiObject::Instance(instance) = decoded.object {
            values += instance.values.len();
        }
    }
    values
}

fn wmio_decode(c: &mut Criterion) {
    let units = corpus::encoding_units(corpus::BATCH);
    let limits = Limits::default();
    let mut group = c.benchmark_group("wmio_decode");
    group.throughput(Throughput::Elements(units.len() as u64));
    group.bench_function("next_batch_256_instances_20_properties", |b| {
        b.iter(|| decode_batch(std::hint::black_box(&units), &limits))
    });
    group.finish();
}

criterion_group!(benches, wmio_decode);
criterion_main!(benches);
