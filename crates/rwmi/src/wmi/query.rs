//! Queries as streams: ExecQuery (MS-WMI 3.1.4.3.20) returns an enumerator, and IEnumWbemClassObject::Next
//! (3.1.4.4.2) pulls batches of objects, each an OBJREF_CUSTOM carrying an MS-WMIO encoding. Only one batch
//! is held at a time, so a query of any size runs in bounded memory.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use rwmi_core::dcom::{MInterfacePointer, ObjRef, ObjRefBody, OrpcThis};
use rwmi_core::wmi::enumerator::NextRequest;
use rwmi_core::wmi::flags::QUERY_FLAGS;
use rwmi_core::wmi::services::{ExecQueryRequest, GetObjectRequest, wanted};
use rwmi_core::wmio::{WmiInstance, WmiObject, decode_encoding_unit};
use rwmi_core::{DecodeError, DecodeErrorKind, Guid};

use super::connection::{Connection, Shared, interface_ipid, new_cid};
use super::error::{WmiError, WmiStage};
use crate::rpc::{RpcError, Stage};

/// WBEM_S_FALSE: fewer objects than asked for, the enumeration is over.
const WBEM_S_FALSE: u32 = 1;
/// WBEM_S_TIMEDOUT: the time-out passed before `count` objects were ready; ask again.
const WBEM_S_TIMEDOUT: u32 = 0x0004_0004;
/// The Next time-out we ask the server for, in milliseconds: long enough for a slow provider, short enough
/// that a stalled enumeration is noticed by our own call time-out.
const NEXT_TIMEOUT_MS: i32 = 10_000;

/// Decodes one object handed back as an interface pointer.
pub(crate) fn decode_object(
    shared: &Shared,
    pointer: &MInterfacePointer,
    stage: WmiStage,
) -> Result<WmiObject, WmiError> {
    let objref = ObjRef::from_interface_pointer(pointer)
        .map_err(|e| WmiError::malformed(stage, None, "object reference", e))?;
    let ObjRefBody::Custom(custom) = objref.body else {
        return Err(WmiError::new(
            stage,
            None,
            None,
            "an object came as a standard reference, not by value",
        ));
    };
    let mut cache = shared.cache.lock().unwrap_or_else(|p| p.into_inner());
    decode_encoding_unit(&custom.object_data, &shared.limits, Some(&mut cache))
        .map(|unit| unit.object)
        .map_err(|e| WmiError::malformed(stage, None, "WMI object", e))
}

type Batch = Result<(Vec<WmiObject>, bool), WmiError>;

/// The rows of a query, as they arrive: instances (`Connection::query`) or any object, classes included
/// (`Connection::query_objects`). Implements `futures_core::Stream`; `next()` is the same without a stream
/// library.
pub struct QueryStream<T = WmiInstance> {
    shared: Arc<Shared>,
    enumerator: Option<Guid>,
    buffer: VecDeque<T>,
    convert: fn(WmiObject) -> Result<T, WmiError>,
    done: bool,
    pending: Option<Pin<Box<dyn Future<Output = Batch> + Send>>>,
}

fn expect_instance(object: WmiObject) -> Result<WmiInstance, WmiError> {
    match object {
        WmiObject::Instance(instance) => Ok(instance),
        WmiObject::Class(class) => Err(WmiError::new(
            WmiStage::Enumerate,
            Some("IEnumWbemClassObject::Next"),
            None,
            format!(
                "the enumeration returned the class {} where instances were expected",
                class.name()
            ),
        )),
    }
}

fn any_object(object: WmiObject) -> Result<WmiObject, WmiError> {
    Ok(object)
}

impl<T> std::fmt::Debug for QueryStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryStream")
            .field("buffered", &self.buffer.len())
            .field("done", &self.done)
            .finish()
    }
}

async fn next_batch(shared: Arc<Shared>, enumerator: Guid) -> Batch {
    const NEXT: &str = "IEnumWbemClassObject::Next";
    let request = NextRequest {
        this: OrpcThis::new(new_cid()),
        timeout: NEXT_TIMEOUT_MS,
        count: shared.options.batch_size,
    };
    let started = Instant::now();
    loop {
        let response = shared
            .call(enumerator, &request, WmiStage::Enumerate, NEXT)
            .await?;
        let finished = match response.hresult {
            0 => false,
            WBEM_S_FALSE => true,
            WBEM_S_TIMEDOUT if response.objects.is_empty() => {
                // "Not yet" may come back forever, each answer well within the call time-out: the wait for
                // one batch is bounded by the call time-out as a whole.
                let timeout = shared.options.call_timeout;
                let waited = started.elapsed();
                if waited >= timeout {
                    return Err(WmiError::rpc(
                        WmiStage::Enumerate,
                        Some(NEXT),
                        RpcError::Timeout {
                            stage: Stage::Call,
                            after: timeout,
                        },
                    )
                    .with_evidence(vec![format!(
                        "Next answered WBEM_S_TIMEDOUT without objects for {} ms",
                        waited.as_millis()
                    )]));
                }
                continue;
            }
            WBEM_S_TIMEDOUT => false,
            failure => return Err(WmiError::status(WmiStage::Enumerate, NEXT, failure)),
        };
        // MS-WMI 3.1.4.4.2: at most uCount objects. More is a lying server; refusing it bounds the rows
        // one batch can make us decode and buffer to `batch_size`.
        if response.objects.len() > request.count as usize {
            return Err(WmiError::malformed(
                WmiStage::Enumerate,
                Some(NEXT),
                "response",
                DecodeError::new(
                    "IEnumWbemClassObject::Next response",
                    "puReturned",
                    0,
                    DecodeErrorKind::Limit {
                        limit: "batch_size",
                        value: response.objects.len() as u64,
                        max: u64::from(request.count),
                    },
                ),
            ));
        }
        let mut rows = Vec::with_capacity(response.objects.len());
        for pointer in &response.objects {
            rows.push(decode_object(&shared, pointer, WmiStage::Enumerate)?);
        }
        return Ok((rows, finished));
    }
}

impl<T> QueryStream<T> {
    /// The next row, `None` at the end.
    pub async fn next(&mut self) -> Option<Result<T, WmiError>> {
        std::future::poll_fn(|cx| self.poll_row(cx)).await
    }

    /// Collects every row (for small results; prefer streaming for large ones).
    pub async fn collect(mut self) -> Result<Vec<T>, WmiError> {
        let mut rows = Vec::new();
        while let Some(row) = self.next().await {
            rows.push(row?);
        }
        Ok(rows)
    }

    fn poll_row(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, WmiError>>> {
        loop {
            if let Some(row) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(row)));
            }
            if self.done {
                return Poll::Ready(None);
            }
            let Some(enumerator) = self.enumerator else {
                self.done = true;
                return Poll::Ready(None);
            };
            let pending = self
                .pending
                .get_or_insert_with(|| Box::pin(next_batch(self.shared.clone(), enumerator)));
            match pending.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => {
                    self.pending = None;
                    match result {
                        Ok((rows, finished)) => {
                            if finished {
                                self.finish();
                            }
                            for object in rows {
                                match (self.convert)(object) {
                                    Ok(row) => self.buffer.push_back(row),
                                    Err(e) => {
                                        self.finish();
                                        self.buffer.clear();
                                        return Poll::Ready(Some(Err(e)));
                                    }
                                }
                            }
                        }
                        Err(e) => {
                            self.finish();
                            return Poll::Ready(Some(Err(e)));
                        }
                    }
                }
            }
        }
    }

    /// The enumeration is over: release the server's enumerator in the background.
    fn finish(&mut self) {
        self.done = true;
        if let Some(enumerator) = self.enumerator.take() {
            let shared = self.shared.clone();
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move { shared.release(&[enumerator]).await });
            }
        }
    }
}

impl<T: Unpin> futures_core::Stream for QueryStream<T> {
    type Item = Result<T, WmiError>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_row(cx)
    }
}

impl<T> Drop for QueryStream<T> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Connection {
    /// Runs a WQL query; rows stream in batches of `batch_size`.
    pub async fn query(&self, wql: &str) -> Result<QueryStream, WmiError> {
        self.query_with(wql, expect_instance).await
    }

    /// Runs a WQL query whose results may be classes (`SELECT * FROM meta_class`).
    pub async fn query_objects(&self, wql: &str) -> Result<QueryStream<WmiObject>, WmiError> {
        self.query_with(wql, any_object).await
    }

    async fn query_with<T>(
        &self,
        wql: &str,
        convert: fn(WmiObject) -> Result<T, WmiError>,
    ) -> Result<QueryStream<T>, WmiError> {
        const EXEC_QUERY: &str = "IWbemServices::ExecQuery";
        let request = ExecQueryRequest::wql(OrpcThis::new(new_cid()), wql, QUERY_FLAGS);
        let response = self
            .shared
            .call(self.services, &request, WmiStage::Query, EXEC_QUERY)
            .await?;
        if response.hresult != 0 {
            return Err(WmiError::status(
                WmiStage::Query,
                EXEC_QUERY,
                response.hresult,
            ));
        }
        let enumerator = interface_ipid(response.enumerator.as_ref()).ok_or_else(|| {
            WmiError::new(
                WmiStage::Query,
                Some(EXEC_QUERY),
                None,
                "ExecQuery returned no enumerator",
            )
        })?;
        Ok(QueryStream {
            shared: self.shared.clone(),
            enumerator: Some(enumerator),
            buffer: VecDeque::new(),
            convert,
            done: false,
            pending: None,
        })
    }

    /// GetObject: a class (`Win32_Process`) or an instance (`Win32_Process.Handle="4"`).
    pub async fn get(&self, path: &str) -> Result<WmiObject, WmiError> {
        const GET_OBJECT: &str = "IWbemServices::GetObject";
        let request = GetObjectRequest {
            this: OrpcThis::new(new_cid()),
            object_path: rwmi_core::wmi::bstr::Bstr::new(path),
            flags: 0,
            context: rwmi_core::ndr::Unique::null(),
            object: wanted(),
            call_result: rwmi_core::ndr::Unique::null(),
        };
        let response = self
            .shared
            .call(self.services, &request, WmiStage::GetObject, GET_OBJECT)
            .await?;
        if response.hresult != 0 {
            return Err(WmiError::status(
                WmiStage::GetObject,
                GET_OBJECT,
                response.hresult,
            ));
        }
        let pointer = response
            .object
            .as_ref()
            .and_then(|p| p.as_ref())
            .ok_or_else(|| {
                WmiError::new(
                    WmiStage::GetObject,
                    Some(GET_OBJECT),
                    None,
                    "GetObject returned no object",
                )
            })?;
        decode_object(&self.shared, pointer, WmiStage::GetObject)
    }
}
