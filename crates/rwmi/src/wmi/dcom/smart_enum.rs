//! Smart enumeration (MS-WMI 3.1.4.6, 3.1.4.7): the enumerator's IWbemFetchSmartEnum, reached with
//! IRemUnknown2::RemQueryInterface (MS-DCOM 3.1.1.5.6.1.1), gives an IWbemWCOSmartEnum whose Next returns a
//! batch as one ObjectArray (MS-WMI 2.2.14) in which each class travels once: the first instance of a class
//! as WBEMOBJECT_INSTANCE (with its class), later ones as WBEMOBJECT_INSTANCE_NOCLASS naming it by classID.

use rwmi_core::Guid;
use rwmi_core::dcom::OrpcThis;
use rwmi_core::dcom::scm::RemQueryInterfaceRequest;
use rwmi_core::wmi::ids::IID_IWBEM_FETCH_SMART_ENUM;
use rwmi_core::wmi::smart_enum::{GetSmartEnumRequest, SmartNextRequest};
use rwmi_core::wmi::{ObjectArray, ObjectArrayLimits, ObjectKind};
use rwmi_core::wmio::{ClassCache, Limits, WmiObject, decode_object_block};
use tracing::debug;

use super::keep_alive::DEFAULT_PUBLIC_REFS;
use super::session::{Session, new_cid};
use crate::rpc::InvokeError;
use crate::wmi::error::{WmiError, WmiStage};
use crate::wmi::query::{Batch, NextStatus, check_wait, next_status, next_timeout_ms};

const SMART_NEXT: &str = "IWbemWCOSmartEnum::Next";

/// The two IPIDs smart enumeration holds besides the enumerator's, and the proxy GUID that names this
/// client to the smart enumerator (MS-WMI 3.1.4.7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SmartEnum {
    /// IWbemFetchSmartEnum on the enumerator object.
    pub(crate) fetch: Guid,
    /// The IWbemWCOSmartEnum GetSmartEnum returned.
    pub(crate) smart: Guid,
    pub(crate) proxy: Guid,
}

/// Asks the enumerator for its smart enumerator. `None` (after releasing anything obtained on the way)
/// when the server does not offer one: the caller then uses plain Next.
pub(crate) async fn open(shared: &Session, enumerator: Guid) -> Option<SmartEnum> {
    let fetch = query_fetch_smart_enum(shared, enumerator).await?;
    const GET_SMART_ENUM: &str = "IWbemFetchSmartEnum::GetSmartEnum";
    let request = GetSmartEnumRequest {
        this: OrpcThis::new(new_cid()),
    };
    let response = shared
        .call(fetch, &request, WmiStage::Query, GET_SMART_ENUM)
        .await;
    let smart = match response {
        Ok(response) => {
            let smart = shared.adopt(response.smart_enum.as_ref());
            match (response.hresult, smart) {
                (0, Some(smart)) => Some(smart),
                (hresult, smart) => {
                    debug!(
                        hresult = format_args!("{hresult:#010x}"),
                        "GetSmartEnum refused"
                    );
                    if let Some(smart) = smart {
                        shared.release(&[smart]).await;
                    }
                    None
                }
            }
        }
        Err(e) => {
            debug!(error = %e, "GetSmartEnum failed");
            None
        }
    };
    match smart {
        Some(smart) => Some(SmartEnum {
            fetch,
            smart,
            proxy: new_cid(),
        }),
        None => {
            shared.release(&[fetch]).await;
            None
        }
    }
}

/// RemQueryInterface for IWbemFetchSmartEnum on the enumerator object.
async fn query_fetch_smart_enum(shared: &Session, enumerator: Guid) -> Option<Guid> {
    let request = RemQueryInterfaceRequest {
        orpc_this: OrpcThis::new(new_cid()),
        ipid: enumerator,
        refs: DEFAULT_PUBLIC_REFS,
        iids: vec![IID_IWBEM_FETCH_SMART_ENUM],
    };
    let reply = shared
        .rpc
        .lock()
        .await
        .invoke(Some(shared.rem_unknown), &request)
        .await;
    let response = match reply {
        Ok(response) => response,
        Err(InvokeError::Response(e)) => {
            debug!(error = %e, "malformed RemQueryInterface response");
            return None;
        }
        Err(InvokeError::Rpc(e)) => {
            debug!(error = %e, "RemQueryInterface failed");
            return None;
        }
    };
    match response.results.first() {
        Some(result) if response.hresult == 0 && result.hresult == 0 => {
            shared.held.hold(&result.std);
            Some(result.std.ipid)
        }
        _ => {
            debug!(
                hresult = format_args!("{:#010x}", response.hresult),
                "no IWbemFetchSmartEnum on the enumerator"
            );
            None
        }
    }
}

/// IWbemWCOSmartEnum::Next (MS-WMI 3.1.4.7.1): one batch.
pub(crate) async fn next_batch(shared: &Session, smart: SmartEnum) -> Batch {
    let request = SmartNextRequest {
        this: OrpcThis::new(new_cid()),
        proxy_guid: smart.proxy,
        timeout: next_timeout_ms(shared),
        count: shared.options.batch_size,
    };
    let started = std::time::Instant::now();
    loop {
        let response = shared
            .call(smart.smart, &request, WmiStage::Enumerate, SMART_NEXT)
            .await?;
        let returned = usize::try_from(response.returned).unwrap_or(usize::MAX);
        let finished = match next_status(response.hresult, returned) {
            Ok(NextStatus::Retry) => {
                check_wait(&shared.options, started, SMART_NEXT)?;
                continue;
            }
            Ok(status) => status == NextStatus::Finished,
            Err(failure) => {
                return Err(WmiError::status(WmiStage::Enumerate, SMART_NEXT, failure));
            }
        };
        let rows = match &response.buffer {
            Some(buffer) => {
                let mut cache = shared.cache.lock().unwrap_or_else(|p| p.into_inner());
                decode_packet(&mut cache, &shared.limits, buffer)?
            }
            None => Vec::new(),
        };
        if rows.len() != returned {
            return Err(malformed(format!(
                "puReturned says {returned} objects, the ObjectArray holds {}",
                rows.len()
            )));
        }
        return Ok((rows, finished));
    }
}

fn malformed(message: String) -> WmiError {
    WmiError::new(WmiStage::Enumerate, Some(SMART_NEXT), None, message)
}

/// Decodes an ObjectArray: classes and full instances enter the class cache under their classID, so that
/// the WBEMOBJECT_INSTANCE_NOCLASS objects after them decode against it (MS-WMI 2.2.14.3, 2.2.14.4).
fn decode_packet(
    cache: &mut ClassCache,
    limits: &Limits,
    buffer: &[u8],
) -> Result<Vec<WmiObject>, WmiError> {
    let packet = ObjectArray::decode_with_limits(buffer, &ObjectArrayLimits::default())
        .map_err(|e| malformed(format!("malformed ObjectArray: {e}")))?;
    let mut rows = Vec::with_capacity(packet.objects.len());
    for object in &packet.objects {
        let decoded = match (object.kind(), object.class_id()) {
            (ObjectKind::Class, _) => decode_object_block(object.data(), limits, Some(&mut *cache)),
            (ObjectKind::Instance, Some(class_id)) => {
                decode_object_block(object.data(), limits, Some(&mut *cache)).inspect(|decoded| {
                    if let WmiObject::Instance(instance) = decoded {
                        cache.insert_with_id(class_id.to_bytes_le(), instance.class.clone());
                    }
                })
            }
            (ObjectKind::InstanceNoClass, Some(class_id)) => cache
                .decode_instance_no_class(&class_id.to_bytes_le(), object.data(), limits)
                .map(WmiObject::Instance),
            (_, None) => {
                return Err(malformed(
                    "an instance in the ObjectArray has no classID".into(),
                ));
            }
        };
        rows.push(decoded.map_err(|e| malformed(format!("malformed WMI object: {e}")))?);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rwmi_core::wmi::{PacketObject, PacketType};
    use rwmi_core::wmio::{
        CimBase, CimType, ClassBuilder, Value, WmiInstance, encode_instance_no_class,
    };

    fn instance(name: &str) -> WmiInstance {
        let class = ClassBuilder::new("Sample")
            .property("Name", CimType::scalar(CimBase::String), Vec::new(), None)
            .build()
            .unwrap();
        let mut instance = WmiInstance::new(class);
        instance
            .set("Name", Some(Value::String(name.into())))
            .unwrap();
        instance
    }

    fn packet(objects: Vec<PacketObject>) -> Vec<u8> {
        ObjectArray::new(PacketType::SmartEnumNext, objects).encode()
    }

    fn full(class_id: Guid, name: &str) -> PacketObject {
        let block = WmiObject::Instance(instance(name)).encode_block().unwrap();
        PacketObject::instance(class_id, block)
    }

    fn no_class(class_id: Guid, name: &str) -> PacketObject {
        PacketObject::instance_no_class(
            class_id,
            encode_instance_no_class(&instance(name)).unwrap(),
        )
    }

    fn names(rows: &[WmiObject]) -> Vec<String> {
        rows.iter()
            .map(|row| match row {
                WmiObject::Instance(i) => match i.get("Name") {
                    Some(Value::String(s)) => s.clone(),
                    other => panic!("{other:?}"),
                },
                WmiObject::Class(_) => panic!("a class"),
            })
            .collect()
    }

    #[test]
    fn instances_without_class_use_the_class_sent_earlier() {
        let id = Guid::from_u128(77);
        let mut cache = ClassCache::default();
        let limits = Limits::default();
        let first = packet(vec![full(id, "a"), no_class(id, "b")]);
        let rows = decode_packet(&mut cache, &limits, &first).unwrap();
        assert_eq!(names(&rows), ["a", "b"]);
        // A later batch of the same enumeration refers to the class by id only.
        let second = packet(vec![no_class(id, "c")]);
        let rows = decode_packet(&mut cache, &limits, &second).unwrap();
        assert_eq!(names(&rows), ["c"]);
    }

    #[test]
    fn an_unknown_class_id_or_a_truncated_packet_is_an_error() {
        let limits = Limits::default();
        let orphan = packet(vec![no_class(Guid::from_u128(1), "x")]);
        let e = decode_packet(&mut ClassCache::default(), &limits, &orphan).unwrap_err();
        assert!(e.message.contains("classID"), "{e}");
        let whole = packet(vec![
            full(Guid::from_u128(2), "a"),
            no_class(Guid::from_u128(2), "b"),
        ]);
        for len in 0..whole.len() {
            assert!(
                decode_packet(&mut ClassCache::default(), &limits, &whole[..len]).is_err(),
                "length {len}"
            );
        }
    }
}
