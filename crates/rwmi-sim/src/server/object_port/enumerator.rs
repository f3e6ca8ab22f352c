//! IEnumWbemClassObject (MS-WMI 3.1.4.4): Reset, Next, NextAsync, Clone and Skip over a `Cursor`.

use std::sync::{Arc, Mutex};

use rwmi::rpc::server::{CallContext, CallOutcome};
use rwmi_core::dcom::OrpcThat;
use rwmi_core::wmi::enumerator::{
    CloneRequest, CloneResponse, NextAsyncRequest, NextRequest, NextResponse, ResetRequest,
    SkipRequest, StatusResponse,
};
use rwmi_core::wmi::ids::IID_IENUM_WBEM_CLASS_OBJECT;
use tracing::debug;

use super::{MAX_OBJECTS_PER_NEXT, ObjectPort, OrpcCall, pointer_or_status, reply};
use crate::server::cursor::Cursor;
use crate::server::exporter::{ExportedObject, IpidEntry};
use crate::server::hostile::hostile_next;
use crate::server::marshal::class_object_pointer;
use rwmi_core::status::hresult::S_OK;
use rwmi_core::status::wbem::{
    WBEM_E_ACCESS_DENIED, WBEM_E_FAILED, WBEM_E_NOT_SUPPORTED, WBEM_S_FALSE,
};

impl ObjectPort {
    pub(super) fn cursor(
        &self,
        entry: &IpidEntry,
        context: &CallContext,
    ) -> Result<Arc<Mutex<Cursor>>, u32> {
        if !self.same_principal(entry, context) {
            return Err(WBEM_E_ACCESS_DENIED);
        }
        match &entry.object {
            ExportedObject::Enumerator(c)
            | ExportedObject::FetchSmartEnum(c)
            | ExportedObject::SmartEnum(c) => Ok(c.clone()),
            _ => Err(WBEM_E_FAILED),
        }
    }

    fn status(hresult: u32) -> CallOutcome {
        reply(StatusResponse {
            that: OrpcThat::default(),
            hresult,
        })
    }

    /// MS-WMI 3.1.4.4.1.
    pub(super) fn reset(&self, call: OrpcCall<'_, ResetRequest>) -> CallOutcome {
        let hresult = self
            .cursor(&call.entry, call.context)
            .and_then(|c| lock(&c).reset())
            .err()
            .unwrap_or(S_OK);
        Self::status(hresult)
    }

    /// MS-WMI 3.1.4.4.2: up to uCount objects, S_OK when all came, WBEM_S_FALSE at the end.
    pub(super) fn next(&self, call: OrpcCall<'_, NextRequest>) -> CallOutcome {
        let count = call.request.count;
        let failed = |hresult| {
            reply(NextResponse {
                that: OrpcThat::default(),
                requested: count,
                objects: Vec::new(),
                hresult,
            })
        };
        let cursor = match self.cursor(&call.entry, call.context) {
            Ok(c) => c,
            Err(h) => return failed(h),
        };
        if let Some(response) = hostile_next(&self.host.profiles, count) {
            return reply(response);
        }
        let batch_size = count.min(MAX_OBJECTS_PER_NEXT);
        let batch = lock(&cursor).next_batch(batch_size);
        let mut objects = Vec::with_capacity(batch.len());
        for object in batch {
            match class_object_pointer(&object) {
                Ok(p) => objects.push(p),
                Err(h) => return failed(h),
            }
        }
        let returned = objects.len() as u32;
        let hresult = super::next_hresult(returned, count, batch_size);
        debug!(connection = self.connection, ipid = %call.ipid, returned, "Next");
        reply(NextResponse {
            that: OrpcThat::default(),
            requested: count,
            objects,
            hresult,
        })
    }

    /// MS-WMI 3.1.4.4.3: NextAsync needs a callback sink, which the emulator does not call.
    pub(super) fn next_async(&self, call: OrpcCall<'_, NextAsyncRequest>) -> CallOutcome {
        let hresult = self
            .cursor(&call.entry, call.context)
            .map(|_| WBEM_E_NOT_SUPPORTED)
            .unwrap_or_else(|h| h);
        Self::status(hresult)
    }

    /// MS-WMI 3.1.4.4.4. The copy starts at the beginning of the result (see `Cursor::restarted_copy`).
    pub(super) fn clone_enum(&self, call: OrpcCall<'_, CloneRequest>) -> CallOutcome {
        let result = self
            .cursor(&call.entry, call.context)
            .and_then(|c| lock(&c).restarted_copy())
            .and_then(|copy| {
                self.export(
                    IID_IENUM_WBEM_CLASS_OBJECT,
                    ExportedObject::Enumerator(Arc::new(Mutex::new(copy))),
                    call.context.caller.clone(),
                )
            });
        let (enumerator, hresult) = pointer_or_status(result);
        reply(CloneResponse {
            that: OrpcThat::default(),
            enumerator,
            hresult,
        })
    }

    /// MS-WMI 3.1.4.4.5: WBEM_S_FALSE when fewer than uCount could be skipped.
    pub(super) fn skip(&self, call: OrpcCall<'_, SkipRequest>) -> CallOutcome {
        let count = call.request.count;
        let hresult = match self.cursor(&call.entry, call.context) {
            Ok(c) if lock(&c).skip(count) == count => S_OK,
            Ok(_) => WBEM_S_FALSE,
            Err(h) => h,
        };
        Self::status(hresult)
    }
}

pub(super) fn lock(cursor: &Mutex<Cursor>) -> std::sync::MutexGuard<'_, Cursor> {
    cursor.lock().unwrap_or_else(|e| e.into_inner())
}
