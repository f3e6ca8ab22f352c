//! One operation over many hosts at once, on connections from a [`Pool`]: every host is its own task, so
//! a slow, silent or hostile host holds up no other; what each host yields streams back as it arrives,
//! labelled with the host, and each host ends with its own result.
//!
//! The pool bounds how many hosts are worked on at the same time (`PoolConfig::max_concurrency`); the
//! events channel is bounded too, so a consumer that reads slowly slows the hosts down instead of
//! buffering their rows without limit.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::pool::Pool;
use crate::wmi::{ConnectOptions, WmiError};

/// Events buffered between the hosts' tasks and the consumer.
const EVENT_BUFFER: usize = 1024;

/// What a fleet run reports.
#[derive(Debug)]
pub enum FleetEvent<T> {
    /// Something a host yielded (a row, an object).
    Item { host: Arc<str>, item: T },
    /// A host is done: how many items it yielded, or why it failed.
    Done {
        host: Arc<str>,
        result: Result<usize, WmiError>,
    },
}

/// Hands a host's items to the consumer.
pub struct Emitter<T> {
    host: Arc<str>,
    events: mpsc::Sender<FleetEvent<T>>,
}

impl<T> Emitter<T> {
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Sends one item; `false` once the consumer has gone (the operation may then stop early).
    pub async fn emit(&self, item: T) -> bool {
        self.events
            .send(FleetEvent::Item {
                host: self.host.clone(),
                item,
            })
            .await
            .is_ok()
    }
}

/// The events of a fleet run, in the order they happen; ends after every host's `Done`.
pub struct FleetEvents<T> {
    events: mpsc::Receiver<FleetEvent<T>>,
}

impl<T> FleetEvents<T> {
    pub async fn next(&mut self) -> Option<FleetEvent<T>> {
        self.events.recv().await
    }
}

/// Runs `operation` for every `(label, options)` host, each in its own task. The operation gets the
/// pool (to borrow its connection with `Pool::connection`), the host's options and an emitter, and
/// returns how many items it emitted.
pub fn fan_out<T, F, Fut>(
    pool: &Pool,
    hosts: impl IntoIterator<Item = (String, ConnectOptions)>,
    operation: F,
) -> FleetEvents<T>
where
    T: Send + 'static,
    F: Fn(Pool, ConnectOptions, Emitter<T>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<usize, WmiError>> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(EVENT_BUFFER);
    let operation = Arc::new(operation);
    for (label, options) in hosts {
        let host: Arc<str> = Arc::from(label);
        let emitter = Emitter {
            host: host.clone(),
            events: tx.clone(),
        };
        let done = tx.clone();
        let pool = pool.clone();
        let operation = operation.clone();
        tokio::spawn(async move {
            let result = operation(pool, options, emitter).await;
            let _ = done.send(FleetEvent::Done { host, result }).await;
        });
    }
    FleetEvents { events: rx }
}
