//! IWbemFetchSmartEnum (MS-WMI 3.1.4.6) and IWbemWCOSmartEnum (MS-WMI 3.1.4.7): the smart enumerator of
//! an enumerator, and its Next as one ObjectArray.

use rwmi::rpc::server::CallOutcome;
use rwmi_core::dcom::OrpcThat;
use rwmi_core::wmi::ids::IID_IWBEM_WCO_SMART_ENUM;
use rwmi_core::wmi::smart_enum::{
    GetSmartEnumRequest, GetSmartEnumResponse, SmartNextRequest, SmartNextResponse,
};
use rwmi_core::wmi::{ObjectArray, PacketObject, PacketType};
use rwmi_core::wmio::{WmiObject, encode_instance_no_class};
use tracing::debug;

use super::enumerator::lock;
use super::{MAX_OBJECTS_PER_NEXT, ObjectPort, OrpcCall, pointer_or_status, reply};
use crate::server::exporter::ExportedObject;
use rwmi_core::status::wbem::WBEM_E_FAILED;

impl ObjectPort {
    pub(super) fn get_smart_enum(&self, call: OrpcCall<'_, GetSmartEnumRequest>) -> CallOutcome {
        let result = self.cursor(&call.entry, call.context).and_then(|cursor| {
            self.export(
                IID_IWBEM_WCO_SMART_ENUM,
                ExportedObject::SmartEnum(cursor),
                call.context.caller.clone(),
            )
        });
        let (smart_enum, hresult) = pointer_or_status(result);
        reply(GetSmartEnumResponse {
            that: OrpcThat::default(),
            smart_enum,
            hresult,
        })
    }

    /// MS-WMI 3.1.4.7.1: the next objects as one ObjectArray (2.2.14): an instance whose class was not
    /// sent yet in this enumeration as WBEMOBJECT_INSTANCE (with its class), later ones of that class as
    /// WBEMOBJECT_INSTANCE_NOCLASS.
    pub(super) fn smart_next(&self, call: OrpcCall<'_, SmartNextRequest>) -> CallOutcome {
        let count = call.request.count;
        let failed = |hresult| {
            reply(SmartNextResponse {
                that: OrpcThat::default(),
                returned: 0,
                buffer: None,
                hresult,
            })
        };
        let cursor = match self.cursor(&call.entry, call.context) {
            Ok(c) => c,
            Err(h) => return failed(h),
        };
        let batch_size = count.min(MAX_OBJECTS_PER_NEXT);
        let mut cursor = lock(&cursor);
        let batch = cursor.next_batch(batch_size);
        let mut objects = Vec::with_capacity(batch.len());
        for object in &batch {
            let encoded = match object {
                WmiObject::Class(_) => object.encode_block().map(PacketObject::class),
                WmiObject::Instance(instance) => {
                    let (class_id, sent) = cursor.smart_class_id(instance.class.part_image());
                    if sent {
                        encode_instance_no_class(instance)
                            .map(|d| PacketObject::instance_no_class(class_id, d))
                    } else {
                        object
                            .encode_block()
                            .map(|d| PacketObject::instance(class_id, d))
                    }
                }
            };
            match encoded {
                Ok(object) => objects.push(object),
                Err(_) => return failed(WBEM_E_FAILED),
            }
        }
        drop(cursor);
        let returned = objects.len() as u32;
        let hresult = super::next_hresult(returned, count, batch_size);
        debug!(connection = self.connection, ipid = %call.ipid, returned, "smart Next");
        let buffer = (!objects.is_empty())
            .then(|| ObjectArray::new(PacketType::SmartEnumNext, objects).encode());
        reply(SmartNextResponse {
            that: OrpcThat::default(),
            returned,
            buffer,
            hresult,
        })
    }
}
