//! RC4, in place, with its key state kept between messages.
//!
//! Ours rather than RustCrypto's `rc4` 0.1: on this workspace's 2 shared cores (`cargo bench -p rwmi
//! --bench rc4`, medians of 6 brief runs) the crate took 1.10x our time for a 100-octet stub, 1.09x for
//! 4 KiB and 1.20x for 64 KiB, and it would bring a second `cipher` (0.4) into the tree. The bench
//! includes this file and checks both give the same key stream.

/// RC4 as MS-NLMP 3.4 uses it: one key state per direction, carried across messages.
#[derive(Clone)]
pub(crate) struct Rc4 {
    state: [u8; 256],
    i: u8,
    j: u8,
}

// Every index is a u8 (or below 256) into the 256-entry state, so none is out of bounds; the key index is
// taken modulo the key's length.
#[allow(clippy::indexing_slicing)]
impl Rc4 {
    pub(crate) fn new(key: &[u8; 16]) -> Self {
        let mut state = [0u8; 256];
        for (i, v) in state.iter_mut().enumerate() {
            *v = i as u8;
        }
        let mut j = 0u8;
        for i in 0..256 {
            j = j.wrapping_add(state[i]).wrapping_add(key[i % key.len()]);
            state.swap(i, usize::from(j));
        }
        Self { state, i: 0, j: 0 }
    }

    pub(crate) fn apply(&mut self, data: &mut [u8]) {
        let (mut i, mut j) = (self.i, self.j);
        let s = &mut self.state;
        for byte in data {
            i = i.wrapping_add(1);
            let si = s[usize::from(i)];
            j = j.wrapping_add(si);
            let sj = s[usize::from(j)];
            s[usize::from(i)] = sj;
            s[usize::from(j)] = si;
            *byte ^= s[usize::from(si.wrapping_add(sj))];
        }
        self.i = i;
        self.j = j;
    }
}
