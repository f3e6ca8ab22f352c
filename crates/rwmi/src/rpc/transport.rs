//! Moves whole fragments over TCP. Reads exactly one fragment at a time, sized by its own header, and
//! never more than the configured maximum.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use rwmi_core::rpc::{HEADER_LEN, fragment_length};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::error::{ConnectFailure, RpcError, Stage};

/// Connects with a time-out and classifies the failure (refused, silent, unreachable).
pub async fn connect(addr: SocketAddr, timeout: Duration) -> Result<TcpStream, RpcError> {
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Err(_) => Err(RpcError::Connect {
            addr,
            failure: ConnectFailure::TimedOut(timeout),
        }),
        Ok(Err(e)) => Err(RpcError::Connect {
            addr,
            failure: classify(&e),
        }),
        Ok(Ok(stream)) => {
            // Requests and responses are small and strictly alternate: Nagle would only add latency.
            let _ = stream.set_nodelay(true);
            Ok(stream)
        }
    }
}

fn classify(e: &io::Error) -> ConnectFailure {
    match e.kind() {
        io::ErrorKind::ConnectionRefused => ConnectFailure::Refused,
        io::ErrorKind::TimedOut => ConnectFailure::TimedOut(Duration::ZERO),
        io::ErrorKind::HostUnreachable | io::ErrorKind::NetworkUnreachable => {
            ConnectFailure::Unreachable(e.to_string())
        }
        _ => ConnectFailure::Other(e.to_string()),
    }
}

/// One side of an association's byte stream.
#[derive(Debug)]
pub struct FragmentStream {
    stream: TcpStream,
    max_fragment: usize,
}

impl FragmentStream {
    pub fn new(stream: TcpStream, max_fragment: usize) -> Self {
        Self {
            stream,
            max_fragment,
        }
    }

    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.stream.peer_addr().ok()
    }

    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.stream.local_addr().ok()
    }

    /// Reads one fragment. `Ok(None)` is a clean close between fragments; a close inside one is an error.
    pub async fn read_fragment(&mut self, stage: Stage) -> Result<Option<Vec<u8>>, RpcError> {
        let mut header = [0u8; HEADER_LEN];
        let mut filled = 0;
        // `filled` only grows by what `read` put into the unfilled part, so it stays within the header.
        while let Some(unfilled) = header.get_mut(filled..).filter(|u| !u.is_empty()) {
            match self.stream.read(unfilled).await {
                Ok(0) if filled == 0 => return Ok(None),
                Ok(0) => return Err(RpcError::Closed { stage }),
                Ok(n) => filled += n,
                Err(e) => return Err(io_error(stage, &e)),
            }
        }
        let len = fragment_length(&header, self.max_fragment)
            .map_err(|error| RpcError::Protocol { stage, error })?;
        // fragment_length refuses lengths below the header's own, so the body is never cut off.
        let mut fragment = header.to_vec();
        fragment.resize(len, 0);
        if let Some(body) = fragment.get_mut(HEADER_LEN..) {
            self.stream
                .read_exact(body)
                .await
                .map_err(|e| io_error(stage, &e))?;
        }
        Ok(Some(fragment))
    }

    pub async fn write_fragments(
        &mut self,
        fragments: &[Vec<u8>],
        stage: Stage,
    ) -> Result<(), RpcError> {
        for fragment in fragments {
            self.stream
                .write_all(fragment)
                .await
                .map_err(|e| io_error(stage, &e))?;
        }
        self.stream.flush().await.map_err(|e| io_error(stage, &e))
    }

    /// Whether the peer has closed or reset the connection, looked at without waiting and without taking
    /// any octet from the stream: an idle association has nothing to read, so end of stream, an error or
    /// octets nobody asked for all mean it cannot be used for another call.
    pub fn peer_gone(&self) -> Option<&'static str> {
        let mut octet = [0u8; 1];
        let mut buf = tokio::io::ReadBuf::new(&mut octet);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match self.stream.poll_peek(&mut cx, &mut buf) {
            std::task::Poll::Pending => None,
            std::task::Poll::Ready(Ok(0)) => Some("the server closed the connection"),
            std::task::Poll::Ready(Ok(_)) => Some("the server sent data no call asked for"),
            std::task::Poll::Ready(Err(_)) => Some("the connection was reset"),
        }
    }

    /// The socket itself, for the server's fault-injection hook (`ServerOptions::wire_faults`).
    pub fn inner_mut(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    pub async fn shutdown(&mut self) {
        let _ = self.stream.shutdown().await;
    }
}

fn io_error(stage: Stage, e: &io::Error) -> RpcError {
    match e.kind() {
        io::ErrorKind::UnexpectedEof
        | io::ErrorKind::ConnectionReset
        | io::ErrorKind::BrokenPipe => RpcError::Closed { stage },
        _ => RpcError::Io {
            stage,
            message: e.to_string(),
        },
    }
}
