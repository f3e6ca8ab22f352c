//! The `hostile-*` profiles: a server that lies. Wire-level profiles tamper with the octets of every
//! response the object exporter's port sends (through `ServerOptions::wire_faults`); object-level profiles
//! replace what IEnumWbemClassObject::Next returns with one crafted MS-WMIO encoding.
//!
//! These exist to prove that a client bounds what a malicious or broken server can make it do: every one
//! must end in a typed error, within the client's time-outs, without a panic or an unbounded allocation.

use std::io;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rwmi::rpc::{BoxFuture, WireFaults};
use rwmi_core::dcom::{
    DualStringArray, MInterfacePointer, OrpcThat, SecurityBinding, StringBinding,
};
use rwmi_core::status::wbem::{WBEM_S_FALSE, WBEM_S_NO_ERROR, WBEM_S_TIMEDOUT};
use rwmi_core::wmi::enumerator::NextResponse;
use rwmi_core::wmio::{CimBase, CimType, ClassBuilder, Value, WmiInstance, WmiObject};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::marshal::custom_object_pointer;
use crate::profile::{Hostile, Profiles};

/// Offset of frag_length in the common header (C706 12.6.3.1).
const FRAG_LENGTH_OFFSET: usize = 8;
/// `hostile-slow-drip`: the pause between two octets.
pub const DRIP_INTERVAL: Duration = Duration::from_millis(200);
/// `hostile-deep-object`: how deep the embedded objects nest.
pub const DEEP_OBJECT_DEPTH: usize = 1000;
/// `hostile-huge-array`: the ArrayCount written.
pub const HUGE_ARRAY_COUNT: u32 = 0xFFFF_FFF0;
/// `hostile-oversized-batch`: at most this many objects, whatever uCount says.
const OVERSIZED_BATCH_CAP: u32 = 4096;
/// `hostile-wrong-call-id`: added to the call id of every response.
const CALL_ID_SKEW: u32 = 0x1000;

/// The wire-level hostile profile in force, as the server's fault hook.
pub struct WireTamper {
    hostile: Hostile,
}

impl WireTamper {
    /// The hook for the first wire-level hostile profile of `profiles`, if any.
    pub fn for_profiles(profiles: &Profiles) -> Option<Arc<dyn WireFaults>> {
        let hostile = profiles
            .hostile
            .iter()
            .copied()
            .find(|h| h.is_wire_level())?;
        Some(Arc::new(WireTamper { hostile }))
    }
}

impl WireFaults for WireTamper {
    fn response_call_id(&self, call_id: u32) -> u32 {
        if self.hostile == Hostile::WrongCallId {
            call_id.wrapping_add(CALL_ID_SKEW)
        } else {
            call_id
        }
    }

    fn write_response<'a>(
        &'a self,
        stream: &'a mut TcpStream,
        fragments: Vec<Vec<u8>>,
    ) -> BoxFuture<'a, io::Result<bool>> {
        Box::pin(async move {
            let mut fragments = fragments;
            let Some(first) = fragments.first_mut() else {
                return Ok(true);
            };
            match self.hostile {
                Hostile::LyingLength => {
                    // Far more than the fragment has and than any negotiated max_recv_frag.
                    if let Some(field) = first.get_mut(FRAG_LENGTH_OFFSET..FRAG_LENGTH_OFFSET + 2) {
                        field.copy_from_slice(&u16::MAX.to_le_bytes());
                    }
                    write_all(stream, &fragments).await?;
                    Ok(true)
                }
                Hostile::BadSignature => {
                    // The auth_value ends the fragment (MS-RPCE 2.2.2.11); for NTLM it is the 16-octet
                    // NTLMSSP_MESSAGE_SIGNATURE (MS-NLMP 2.2.2.9.1): version, 8 octets of checksum, sequence
                    // number. Flip the last checksum octet.
                    let at = first.len().saturating_sub(5);
                    if let Some(octet) = first.get_mut(at) {
                        *octet ^= 0x01;
                    }
                    write_all(stream, &fragments).await?;
                    Ok(true)
                }
                Hostile::TruncatedFragment => {
                    stream.write_all(&first[..first.len() / 2]).await?;
                    stream.flush().await?;
                    stream.shutdown().await?;
                    Ok(false)
                }
                Hostile::ResetMidFragment => {
                    stream.write_all(&first[..first.len() / 2]).await?;
                    stream.flush().await?;
                    // SO_LINGER 0: closing sends RST instead of FIN; the caller drops the socket next.
                    stream.set_zero_linger()?;
                    Ok(false)
                }
                Hostile::SlowDrip => {
                    let octets: Vec<u8> = fragments.concat();
                    for octet in octets.iter().cycle() {
                        stream.write_all(&[*octet]).await?;
                        stream.flush().await?;
                        tokio::time::sleep(DRIP_INTERVAL).await;
                    }
                    Ok(false)
                }
                Hostile::WrongCallId
                | Hostile::DeepObject
                | Hostile::CyclicHeap
                | Hostile::HugeArray
                | Hostile::OversizedBatch
                | Hostile::EndlessTimedOut
                | Hostile::ManyBindings => {
                    write_all(stream, &fragments).await?;
                    Ok(true)
                }
            }
        })
    }
}

async fn write_all(stream: &mut TcpStream, fragments: &[Vec<u8>]) -> io::Result<()> {
    for fragment in fragments {
        stream.write_all(fragment).await?;
    }
    stream.flush().await
}

/// What Next answers under an object-level hostile profile, instead of the query's rows; `None` when no
/// such profile is in force.
pub fn hostile_next(profiles: &Profiles, count: u32) -> Option<NextResponse> {
    let hostile = profiles
        .hostile
        .iter()
        .copied()
        .find(|h| !h.is_wire_level())?;
    static DEEP: OnceLock<Vec<u8>> = OnceLock::new();
    static CYCLIC: OnceLock<Vec<u8>> = OnceLock::new();
    static HUGE: OnceLock<Vec<u8>> = OnceLock::new();
    static LEAF: OnceLock<Vec<u8>> = OnceLock::new();
    let respond = |objects: Vec<MInterfacePointer>, hresult| NextResponse {
        that: OrpcThat::default(),
        requested: count,
        objects,
        hresult,
    };
    let one = |unit: &Vec<u8>| vec![custom_object_pointer(unit.clone())];
    Some(match hostile {
        Hostile::DeepObject => respond(one(DEEP.get_or_init(deep_object)), WBEM_S_FALSE),
        Hostile::CyclicHeap => respond(one(CYCLIC.get_or_init(cyclic_heap)), WBEM_S_FALSE),
        Hostile::HugeArray => respond(one(HUGE.get_or_init(huge_array)), WBEM_S_FALSE),
        Hostile::OversizedBatch => {
            // Bounded here too: the emulator must not allocate whatever a client's uCount says.
            let n = count.saturating_add(1).min(OVERSIZED_BATCH_CAP) as usize;
            let leaf = custom_object_pointer(LEAF.get_or_init(leaf).clone());
            respond(vec![leaf; n], WBEM_S_NO_ERROR)
        }
        Hostile::EndlessTimedOut => respond(Vec::new(), WBEM_S_TIMEDOUT),
        _ => return None,
    })
}

/// `hostile-many-bindings`: how many bindings the activation reply advertises. DUALSTRINGARRAY counts
/// its units in 16 bits (MS-DCOM 2.2.19.1), which bounds how many fit.
pub const MANY_BINDINGS: usize = 2500;

/// `hostile-many-bindings`: `port` on loopback addresses of 127.254.0.0/16 where nothing listens: each one a
/// connect that fails. (Loopback on purpose: tests never send traffic anywhere but this machine.) The
/// security bindings are the host's own.
pub fn many_bindings(port: u16, security_bindings: Vec<SecurityBinding>) -> DualStringArray {
    DualStringArray {
        string_bindings: (0..MANY_BINDINGS)
            .map(|i| StringBinding::tcp(format!("127.254.{}.{}[{port}]", i / 250, i % 250 + 1)))
            .collect(),
        security_bindings,
    }
}

fn class(name: &str, property: &str, ty: CimType) -> Arc<rwmi_core::wmio::WmiClass> {
    ClassBuilder::new(name)
        .property(property, ty, Vec::new(), None)
        .build()
        .expect("a one-property class builds")
}

/// An instance whose `Inner` property holds an instance whose `Inner` holds one, 1000 levels deep.
/// Encoding recurses once per level, so it runs on a thread with a stack sized for it.
fn deep_object() -> Vec<u8> {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let class = class("Hostile_Nest", "Inner", CimType::scalar(CimBase::Object));
            let mut object = WmiInstance::new(class.clone());
            for _ in 1..DEEP_OBJECT_DEPTH {
                let mut outer = WmiInstance::new(class.clone());
                outer
                    .set(
                        "Inner",
                        Some(Value::Object(Box::new(WmiObject::Instance(object)))),
                    )
                    .expect("an object fits an object property");
                object = outer;
            }
            // Dropping 1000 nested boxes recurses too: it happens here, on the big stack.
            WmiObject::Instance(object)
                .encode()
                .expect("the nested instance encodes")
        })
        .expect("a thread for the deep object")
        .join()
        .expect("encoding the deep object does not panic")
}

/// An Encoded-Array of embedded objects whose element references all point back at the array item
/// itself: following one reads the array's own octets as an object.
fn cyclic_heap() -> Vec<u8> {
    let leaf = leaf_instance();
    let class = class("Hostile_Cycle", "Items", CimType::array_of(CimBase::Object));
    let mut instance = WmiInstance::new(class);
    let items = (0..3)
        .map(|_| Value::Object(Box::new(WmiObject::Instance(leaf.clone()))))
        .collect();
    instance
        .set("Items", Some(Value::Array(items)))
        .expect("objects fit an object array");
    let mut unit = WmiObject::Instance(instance)
        .encode()
        .expect("the instance encodes");
    // The array item is [count=3][ref0][ref1][ref2], the objects right after it (heap::write_value), so
    // the item's own heap offset is ref0 - 16.
    let u32_at = |b: &[u8], at: usize| {
        b.get(at..at + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    let at = (0..unit.len())
        .find(|&p| {
            let (Some(3), Some(r0), Some(r1), Some(r2)) = (
                u32_at(&unit, p),
                u32_at(&unit, p + 4),
                u32_at(&unit, p + 8),
                u32_at(&unit, p + 12),
            ) else {
                return false;
            };
            r0 >= 16 && r1 > r0 && r1 - r0 > 8 && r2.checked_sub(r1) == Some(r1 - r0)
        })
        .expect("the object array is in the encoding");
    let array_offset = u32_at(&unit, at + 4).expect("found above") - 16;
    for i in 1..=3 {
        unit[at + 4 * i..at + 4 * i + 4].copy_from_slice(&array_offset.to_le_bytes());
    }
    unit
}

/// A well-formed small instance.
fn leaf_instance() -> WmiInstance {
    let leaf_class = class("Hostile_Leaf", "Name", CimType::scalar(CimBase::String));
    let mut leaf = WmiInstance::new(leaf_class);
    leaf.set("Name", Some(Value::String("leaf".into())))
        .expect("a string fits a string property");
    leaf
}

fn leaf() -> Vec<u8> {
    WmiObject::Instance(leaf_instance())
        .encode()
        .expect("the leaf encodes")
}

/// A uint32[] property whose ArrayCount says 0xFFFFFFF0 elements follow (two do).
fn huge_array() -> Vec<u8> {
    const MARK: u32 = 0x5EED_5EED;
    let class = class(
        "Hostile_Array",
        "Values",
        CimType::array_of(CimBase::UInt32),
    );
    let mut instance = WmiInstance::new(class);
    instance
        .set(
            "Values",
            Some(Value::Array(vec![Value::UInt32(MARK), Value::UInt32(MARK)])),
        )
        .expect("uint32 values fit a uint32 array");
    let mut unit = WmiObject::Instance(instance)
        .encode()
        .expect("the instance encodes");
    let mut pattern = 2u32.to_le_bytes().to_vec();
    pattern.extend_from_slice(&MARK.to_le_bytes());
    pattern.extend_from_slice(&MARK.to_le_bytes());
    let at = unit
        .windows(pattern.len())
        .position(|w| w == pattern.as_slice())
        .expect("the array is in the encoding");
    unit[at..at + 4].copy_from_slice(&HUGE_ARRAY_COUNT.to_le_bytes());
    unit
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::marshal::exporter_security_bindings;
    use rwmi_core::DecodeErrorKind;
    use rwmi_core::wmio::{Limits, decode_encoding_unit};

    fn decode_error(unit: &[u8]) -> rwmi_core::DecodeError {
        decode_encoding_unit(unit, &Limits::default(), None).unwrap_err()
    }

    #[test]
    fn deep_object_hits_max_depth() {
        let e = decode_error(&deep_object());
        assert!(
            matches!(
                e.kind,
                DecodeErrorKind::Limit {
                    limit: "max_depth",
                    ..
                }
            ),
            "{e}"
        );
        // Within a generous limit the same object decodes: the encoding itself is sound.
        let limits = Limits {
            max_depth: DEEP_OBJECT_DEPTH,
            ..Limits::default()
        };
        let unit = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || decode_encoding_unit(&deep_object(), &limits, None).is_ok())
            .unwrap()
            .join()
            .unwrap();
        assert!(unit);
    }

    #[test]
    fn huge_array_hits_max_array_count() {
        let e = decode_error(&huge_array());
        assert!(
            matches!(
                e.kind,
                DecodeErrorKind::Limit {
                    limit: "max_array_count",
                    value: 0xFFFF_FFF0,
                    ..
                }
            ),
            "{e}"
        );
    }

    #[test]
    fn cyclic_heap_is_refused() {
        decode_error(&cyclic_heap());
    }

    #[test]
    fn only_listed_profiles_act() {
        assert!(hostile_next(&Profiles::default(), 5).is_none());
        assert!(WireTamper::for_profiles(&Profiles::default()).is_none());
        let p = Profiles::parse("hostile-huge-array").unwrap();
        assert!(hostile_next(&p, 5).is_some());
        assert!(WireTamper::for_profiles(&p).is_none());
        let p = Profiles::parse("hostile-slow-drip").unwrap();
        assert!(hostile_next(&p, 5).is_none());
        assert!(WireTamper::for_profiles(&p).is_some());
    }

    #[test]
    fn many_bindings_fit_one_dual_string_array() {
        // With the most security bindings a host has (a keytab), and the longest addresses.
        let security = exporter_security_bindings(Some("host/emu.test.local"));
        let array = many_bindings(65535, security.clone());
        assert_eq!(array.tcp_bindings().len(), MANY_BINDINGS);
        let mut w = rwmi_core::codec::Writer::new();
        array.encode_packet(&mut w);
        let bytes = w.into_vec();
        let mut r = rwmi_core::codec::Reader::new("test", &bytes);
        let decoded = DualStringArray::decode_packet(&mut r).unwrap();
        assert_eq!(decoded.tcp_bindings().len(), MANY_BINDINGS);
        assert_eq!(decoded.security_bindings, security);
    }

    #[test]
    fn oversized_batches_exceed_the_count_but_stay_bounded() {
        let p = Profiles::parse("hostile-oversized-batch").unwrap();
        assert_eq!(hostile_next(&p, 5).unwrap().objects.len(), 6);
        assert_eq!(
            hostile_next(&p, u32::MAX).unwrap().objects.len(),
            OVERSIZED_BATCH_CAP as usize
        );
        let p = Profiles::parse("hostile-endless-timedout").unwrap();
        let r = hostile_next(&p, 5).unwrap();
        assert_eq!((r.objects.len(), r.hresult), (0, WBEM_S_TIMEDOUT));
    }
}
