//! Queries as streams: ExecQuery (MS-WMI 3.1.4.3.18), CreateInstanceEnum (3.1.4.3.16) and
//! ExecNotificationQuery (3.1.4.3.20) return an enumerator, and IEnumWbemClassObject::Next (3.1.4.4.2)
//! pulls batches of objects, each an OBJREF_CUSTOM carrying an MS-WMIO encoding, or, when the enumerator
//! offers it, IWbemWCOSmartEnum::Next pulls them as one ObjectArray (see `smart_enum`). Only one batch is
//! held at a time, so a query of any size runs in bounded memory.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use rwmi_core::dcom::{MInterfacePointer, ObjRef, ObjRefBody, OrpcThis};
use rwmi_core::rpc::Call;
use rwmi_core::status::wbem::{WBEM_S_FALSE, WBEM_S_NO_ERROR, WBEM_S_TIMEDOUT};
use rwmi_core::wmi::bstr::Bstr;
use rwmi_core::wmi::enumerator::{NextRequest, ResetRequest};
use rwmi_core::wmi::flags::{QUERY_FLAGS, WBEM_FLAG_DEEP, WBEM_FLAG_RETURN_IMMEDIATELY};
use rwmi_core::wmi::services::{
    CreateInstanceEnumRequest, EnumeratorResponse, ExecNotificationQueryRequest, ExecQueryRequest,
    GetObjectRequest, wanted,
};
use rwmi_core::wmio::{WmiInstance, WmiObject, decode_encoding_unit};
use rwmi_core::{DecodeError, DecodeErrorKind, Guid};

use super::connection::Connection;
use super::dcom::session::{Session, new_cid};
use super::dcom::smart_enum::{self, SmartEnum};
use super::error::{WmiError, WmiStage};
use crate::rpc::{RpcError, Stage};

/// The longest Next time-out we ask the server for, in milliseconds: long enough for a slow provider.
const MAX_NEXT_TIMEOUT_MS: u64 = 10_000;

/// "Not yet" (WBEM_S_TIMEDOUT without objects) may come back forever, each answer well within the call
/// time-out: the wait for one batch is bounded by the call time-out as a whole.
pub(crate) fn check_wait(
    options: &super::ConnectOptions,
    started: Instant,
    call: &'static str,
) -> Result<(), WmiError> {
    let timeout = options.call_timeout;
    let waited = started.elapsed();
    if waited < timeout {
        return Ok(());
    }
    Err(WmiError::rpc(
        WmiStage::Enumerate,
        Some(call),
        RpcError::Timeout {
            stage: Stage::Call,
            after: timeout,
        },
    )
    .with_evidence(vec![format!(
        "Next answered WBEM_S_TIMEDOUT without objects for {} ms",
        waited.as_millis()
    )]))
}

/// The Next time-out for the server (MS-WMI 3.1.4.4.2 lTimeout): at most half our own call time-out, so
/// the server answers WBEM_S_TIMEDOUT (and we ask again) before our call time-out calls the server dead.
pub(crate) fn next_timeout_ms(shared: &Session) -> i32 {
    let half = shared.options.call_timeout.as_millis() as u64 / 2;
    i32::try_from(half.clamp(1, MAX_NEXT_TIMEOUT_MS)).unwrap_or(i32::MAX)
}

/// What a Next (plain or smart) status says about the enumeration (MS-WMI 3.1.4.4.2, 3.1.4.7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NextStatus {
    /// Objects came and more may follow.
    More,
    /// The enumeration is over (WBEM_S_FALSE).
    Finished,
    /// Nothing was ready within the time-out: ask again.
    Retry,
}

/// Classifies a Next HRESULT; a failure is returned as it is.
pub(crate) fn next_status(hresult: u32, returned: usize) -> Result<NextStatus, u32> {
    match hresult {
        WBEM_S_NO_ERROR => Ok(NextStatus::More),
        // Fewer objects than asked for: the enumeration is over.
        WBEM_S_FALSE => Ok(NextStatus::Finished),
        // The time-out passed before `count` objects were ready: ask again.
        WBEM_S_TIMEDOUT if returned == 0 => Ok(NextStatus::Retry),
        WBEM_S_TIMEDOUT => Ok(NextStatus::More),
        failure => Err(failure),
    }
}

/// Decodes one object handed back as an interface pointer.
pub(crate) fn decode_object(
    shared: &Session,
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

pub(crate) type Batch = Result<(Vec<WmiObject>, bool), WmiError>;

/// A Next in flight, with the source to use after it.
type PendingBatch = Pin<Box<dyn Future<Output = (Batch, Source)> + Send>>;

/// Where a stream's batches come from.
#[derive(Debug, Clone, Copy)]
struct Source {
    /// The IEnumWbemClassObject.
    enumerator: Guid,
    /// Its smart enumerator, when `ConnectOptions::smart_enum` asked for one and the server gave it.
    smart: Option<SmartEnum>,
    /// Whether to open a smart enumerator once the first batch shows that more rows follow. The first batch
    /// always comes through plain Next: a small result then never pays the two round trips of
    /// RemQueryInterface and GetSmartEnum, and the first row arrives that much sooner.
    smart_wanted: bool,
}

impl Source {
    /// Every IPID the stream holds, to release at the end.
    fn ipids(&self) -> Vec<Guid> {
        let mut ipids = vec![self.enumerator];
        if let Some(smart) = &self.smart {
            ipids.extend([smart.fetch, smart.smart]);
        }
        ipids
    }
}

/// The rows of a query, as they arrive: instances (`Connection::query`) or any object, classes included
/// (`Connection::query_objects`). Implements `futures_core::Stream`; `next()` is the same without a stream
/// library.
pub struct QueryStream<T = WmiInstance> {
    shared: Arc<Session>,
    source: Option<Source>,
    buffer: VecDeque<T>,
    convert: fn(WmiObject) -> Result<T, WmiError>,
    done: bool,
    pending: Option<PendingBatch>,
    batches: u64,
    smart_used: bool,
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
            .field("batches", &self.batches)
            .field("smart", &self.uses_smart_enum())
            .field("done", &self.done)
            .finish()
    }
}

/// One batch, and the source to take the next one from: after a first batch that leaves rows to come, the
/// smart enumerator when one is wanted and the server gives it.
async fn next_batch(shared: Arc<Session>, mut source: Source) -> (Batch, Source) {
    if let Some(smart) = source.smart {
        return (smart_enum::next_batch(&shared, smart).await, source);
    }
    let batch = plain_next_batch(&shared, source.enumerator).await;
    if std::mem::take(&mut source.smart_wanted) && matches!(batch, Ok((_, false))) {
        source.smart = smart_enum::open(&shared, source.enumerator).await;
    }
    (batch, source)
}

/// IEnumWbemClassObject::Next (MS-WMI 3.1.4.4.2).
async fn plain_next_batch(shared: &Session, enumerator: Guid) -> Batch {
    const NEXT: &str = "IEnumWbemClassObject::Next";
    let request = NextRequest {
        this: OrpcThis::new(new_cid()),
        timeout: next_timeout_ms(shared),
        count: shared.options.batch_size,
    };
    let started = Instant::now();
    loop {
        let response = shared
            .call(enumerator, &request, WmiStage::Enumerate, NEXT)
            .await?;
        let finished = match next_status(response.hresult, response.objects.len()) {
            Ok(NextStatus::Retry) => {
                check_wait(&shared.options, started, NEXT)?;
                continue;
            }
            Ok(status) => status == NextStatus::Finished,
            Err(failure) => return Err(WmiError::status(WmiStage::Enumerate, NEXT, failure)),
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
            rows.push(decode_object(shared, pointer, WmiStage::Enumerate)?);
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

    /// Rows received and not yet taken: never more than one batch (`ConnectOptions::batch_size`).
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// How many batches (Next calls that returned rows or ended the enumeration) have arrived.
    pub fn batches_received(&self) -> u64 {
        self.batches
    }

    /// Whether rows came through IWbemWCOSmartEnum (MS-WMI 3.1.4.7): from the second batch on, when the
    /// first one left rows to come and the server offered smart enumeration.
    pub fn uses_smart_enum(&self) -> bool {
        self.smart_used
    }

    /// IEnumWbemClassObject::Reset (MS-WMI 3.1.4.4.1): back to the first row. Rows already buffered are
    /// dropped. Only while the enumerator lives: after the last row, or an error, it has been released.
    /// Servers refuse Reset on forward-only enumerators (`query`); `create_instance_enum` makes one that
    /// can be reset.
    pub async fn reset(&mut self) -> Result<(), WmiError> {
        const RESET: &str = "IEnumWbemClassObject::Reset";
        let Some(source) = self.source else {
            return Err(WmiError::new(
                WmiStage::Enumerate,
                Some(RESET),
                None,
                "the enumeration is over and its enumerator was released",
            ));
        };
        // A Next abandoned half-way would deliver rows from before the reset.
        self.pending = None;
        self.buffer.clear();
        let request = ResetRequest {
            this: OrpcThis::new(new_cid()),
        };
        let response = self
            .shared
            .call(source.enumerator, &request, WmiStage::Enumerate, RESET)
            .await?;
        if response.hresult != 0 {
            return Err(WmiError::status(
                WmiStage::Enumerate,
                RESET,
                response.hresult,
            ));
        }
        self.done = false;
        Ok(())
    }

    fn poll_row(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, WmiError>>> {
        loop {
            if let Some(row) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(row)));
            }
            if self.done {
                return Poll::Ready(None);
            }
            let Some(source) = self.source else {
                self.done = true;
                return Poll::Ready(None);
            };
            let pending = self
                .pending
                .get_or_insert_with(|| Box::pin(next_batch(self.shared.clone(), source)));
            match pending.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready((result, source)) => {
                    self.pending = None;
                    self.smart_used |= source.smart.is_some();
                    self.source = Some(source);
                    match result {
                        Ok((rows, finished)) => {
                            self.batches += 1;
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

    /// The enumeration is over: the server's enumerator (and smart enumerator) are released soon, in one
    /// RemRelease with the connection's other finished enumerations (`Session::release_soon`).
    fn finish(&mut self) {
        self.done = true;
        if let Some(source) = self.source.take() {
            self.shared.release_soon(&source.ipids());
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

    /// CreateInstanceEnum (MS-WMI 3.1.4.3.16): the instances of `class` and of its subclasses. The
    /// enumerator is not forward-only, so `QueryStream::reset` works on it.
    pub async fn create_instance_enum(&self, class: &str) -> Result<QueryStream, WmiError> {
        let request = CreateInstanceEnumRequest {
            this: OrpcThis::new(new_cid()),
            superclass: Bstr::new(class),
            flags: WBEM_FLAG_RETURN_IMMEDIATELY | WBEM_FLAG_DEEP,
            context: rwmi_core::ndr::Unique::null(),
        };
        self.enumerate(
            &request,
            "IWbemServices::CreateInstanceEnum",
            true,
            expect_instance,
        )
        .await
    }

    /// ExecNotificationQuery (MS-WMI 3.1.4.3.20): an event query, semisynchronous and forward-only as
    /// the method requires; each row is an event instance, delivered as the server's Next returns it.
    /// A server without an event provider for the query answers WBEM_E_NOT_SUPPORTED (see
    /// `WmiError::wbem_status`).
    pub async fn exec_notification_query(&self, wql: &str) -> Result<QueryStream, WmiError> {
        let request = ExecNotificationQueryRequest::wql(OrpcThis::new(new_cid()), wql, QUERY_FLAGS);
        // Events trickle in; the plain Next with its time-out suits them better than smart batches.
        self.enumerate(
            &request,
            "IWbemServices::ExecNotificationQuery",
            false,
            expect_instance,
        )
        .await
    }

    async fn query_with<T>(
        &self,
        wql: &str,
        convert: fn(WmiObject) -> Result<T, WmiError>,
    ) -> Result<QueryStream<T>, WmiError> {
        let request = ExecQueryRequest::wql(OrpcThis::new(new_cid()), wql, QUERY_FLAGS);
        self.enumerate(&request, "IWbemServices::ExecQuery", true, convert)
            .await
    }

    /// Makes a call that returns an enumerator, and streams it; with `smart` (and
    /// `ConnectOptions::smart_enum`) through the enumerator's smart enumerator when it has one.
    async fn enumerate<R, T>(
        &self,
        request: &R,
        name: &'static str,
        smart: bool,
        convert: fn(WmiObject) -> Result<T, WmiError>,
    ) -> Result<QueryStream<T>, WmiError>
    where
        R: Call<Response = EnumeratorResponse>,
    {
        let response = self
            .shared
            .call(self.services, request, WmiStage::Query, name)
            .await?;
        let enumerator = self.shared.adopt(response.enumerator.as_ref());
        if response.hresult != 0 {
            if let Some(ipid) = enumerator {
                self.shared.release(&[ipid]).await;
            }
            return Err(WmiError::status(WmiStage::Query, name, response.hresult));
        }
        let enumerator = enumerator.ok_or_else(|| {
            WmiError::new(
                WmiStage::Query,
                Some(name),
                None,
                format!("{name} returned no enumerator"),
            )
        })?;
        Ok(QueryStream {
            shared: self.shared.clone(),
            source: Some(Source {
                enumerator,
                smart: None,
                smart_wanted: smart && self.shared.options.dcom.smart_enum,
            }),
            buffer: VecDeque::new(),
            convert,
            done: false,
            pending: None,
            batches: 0,
            smart_used: false,
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
