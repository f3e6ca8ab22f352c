//! A byte stream of DCE/RPC fragments, cut with `fragment_length` as a transport does, decoded and fed to
//! a `Reassembler`. The first input byte chooses the reassembler: bit 0 awaits only the first fragment's
//! call_id (`for_call`, a client) instead of any call (`new`, a server); bits 1-4 give the message cap
//! as `64 << n` bytes. Every message that comes out is split again with `fragment_call` and reassembled:
//! the result must be the same message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rwmi_core::rpc::{
    HEADER_LEN, Message, Packet, PfcFlags, Reassembler, fragment_call, fragment_length,
};
use rwmi_fuzz::assert_stable;

/// Bounds the work on one input: a stream rarely holds more fragments than this.
const MAX_FRAGMENTS: usize = 256;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, mut stream)) = data.split_first() else {
        return;
    };
    let max_message_len = 64usize << ((mode >> 1) & 0x0f);
    let mut reassembler: Option<Reassembler> = if mode & 1 == 0 {
        Some(Reassembler::new(max_message_len))
    } else {
        None
    };
    for _ in 0..MAX_FRAGMENTS {
        let Some(head) = stream.get(..HEADER_LEN) else {
            return;
        };
        let Ok(len) = fragment_length(head, usize::from(u16::MAX)) else {
            return;
        };
        let Some(fragment) = stream.get(..len) else {
            return;
        };
        stream = stream.get(len..).unwrap_or_default();
        let Ok(packet) = Packet::decode(fragment) else {
            continue;
        };
        let call_id = packet.call_id;
        let r = reassembler.get_or_insert_with(|| Reassembler::for_call(call_id, max_message_len));
        match r.push(packet) {
            Ok(Some(message)) => {
                assert!(
                    message.stub.len() <= max_message_len,
                    "a {}-byte message passed a cap of {max_message_len}",
                    message.stub.len()
                );
                assert!(r.is_idle(), "not idle after a whole message");
                check_refragmented(&message, max_message_len);
            }
            Ok(None) => {}
            Err(_) => assert!(r.is_idle(), "a partial message survived an error"),
        }
    }
});

/// Splits `message` into fragments of at most 64 bytes (so several, for most stubs) and reassembles them.
fn check_refragmented(message: &Message, max_message_len: usize) {
    let flags = message
        .pfc_flags
        .without(PfcFlags::FIRST_FRAG | PfcFlags::LAST_FRAG);
    let fragments = fragment_call(
        message.call_id,
        &message.call,
        &message.stub,
        flags,
        64,
        None,
    )
    .unwrap_or_else(|e| panic!("cannot fragment a reassembled message: {e}"));
    let mut reassembler = Reassembler::for_call(message.call_id, max_message_len);
    let mut again = None;
    for (i, bytes) in fragments.iter().enumerate() {
        let packet = Packet::decode(bytes)
            .unwrap_or_else(|e| panic!("fragment {i} of fragment_call does not decode: {e}"));
        match reassembler.push(packet) {
            Ok(Some(m)) => again = Some(m),
            Ok(None) => {}
            Err(e) => panic!("fragment {i} of fragment_call is refused: {e}"),
        }
    }
    let mut again = again.expect("fragment_call's fragments did not complete a message");
    // The first fragment's FIRST_FRAG/LAST_FRAG depend on how many fragments there are, not on the call.
    again.pfc_flags = again
        .pfc_flags
        .without(PfcFlags::FIRST_FRAG | PfcFlags::LAST_FRAG);
    let first = Message {
        pfc_flags: flags,
        ..message.clone()
    };
    assert_stable("reassembled Message", &first, &again);
}
