//! NTLM sealing's RC4 (MS-NLMP 3.4.4.2: one key state per direction, carried across messages) on PDU
//! stubs of typical sizes: our in-place RC4 against the RustCrypto `rc4` crate.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rc4::{KeyInit, StreamCipher};

#[path = "../src/security/ntlm/rc4.rs"]
mod ours;

const KEY: [u8; 16] = [0x59; 16];
const SIZES: [usize; 3] = [100, 4 * 1024, 64 * 1024];

fn rc4(c: &mut Criterion) {
    // Like is compared with like: both give the same key stream.
    let (mut a, mut b) = ([0u8; 300], [0u8; 300]);
    ours::Rc4::new(&KEY).apply(&mut a);
    rc4::Rc4::<rc4::consts::U16>::new(&KEY.into()).apply_keystream(&mut b);
    assert_eq!(a, b);

    let mut group = c.benchmark_group("rc4_seal");
    for size in SIZES {
        let mut data = vec![0xa5u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        let mut our_state = ours::Rc4::new(&KEY);
        group.bench_with_input(BenchmarkId::new("ours", size), &size, |b, _| {
            b.iter(|| our_state.apply(std::hint::black_box(&mut data)))
        });
        let mut crate_state = rc4::Rc4::<rc4::consts::U16>::new(&KEY.into());
        group.bench_with_input(BenchmarkId::new("rc4_crate", size), &size, |b, _| {
            b.iter(|| crate_state.apply_keystream(std::hint::black_box(&mut data)))
        });
    }
    group.finish();
}

criterion_group!(benches, rc4);
criterion_main!(benches);
