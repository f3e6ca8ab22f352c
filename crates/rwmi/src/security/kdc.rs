//! Kerberos KDC transport for sspi: the KDC exchange over TCP/88 (RFC 4120 7.2.2: each message is preceded
//! by its length as four big-endian octets), to one KDC address given by the caller, with time-outs.
//!
//! The client also remembers the last KRB-ERROR the KDC answered, because sspi reports KDC failures as text
//! only: the recorded code lets rwmi name the failure (pre-authentication failed, unknown service, clock skew).

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sspi::network_client::{NetworkClient, NetworkProtocol};

use super::kerberos::CachedTgt;
use sspi::{Error, ErrorKind, NetworkRequest};

/// The largest KDC reply accepted. Tickets with large PACs stay far below this; 48,000 is Windows'
/// maximum token size.
pub const MAX_KDC_REPLY: usize = 1 << 20;

/// What went wrong talking to the KDC, as observed on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KdcObservation {
    /// The KDC answered with a KRB-ERROR carrying this error code (RFC 4120 7.5.9).
    KrbError(u32),
    /// No TCP connection or no complete answer.
    Unreachable(String),
}

/// A KDC's address from `HOST[:PORT]` (port 88 unless told), preferring IPv4 as the RPC side does.
pub fn resolve_kdc(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    let (host, port) = if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    } else if let Ok(ip) = text.trim_matches(['[', ']']).parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 88));
    } else {
        match text.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .map_err(|_| format!("`{text}`: `{port}` is not a TCP port"))?,
            ),
            None => (text, 88),
        }
    };
    if host.is_empty() {
        return Err(format!("`{text}` names no host"));
    }
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("the KDC {host} does not resolve: {e}"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| format!("the KDC {host} resolves to no address"))
}

/// A blocking KDC client for sspi: connects to `kdc` for every request.
#[derive(Debug, Clone)]
pub struct KdcClient {
    kdc: SocketAddr,
    timeout: Duration,
    last: Arc<Mutex<Option<KdcObservation>>>,
    /// A TGT from a credential cache: AS-REQs are answered with it here instead of by the KDC.
    cached_tgt: Option<Arc<CachedTgt>>,
}

impl KdcClient {
    pub fn new(kdc: SocketAddr, timeout: Duration) -> Self {
        Self {
            kdc,
            timeout,
            last: Arc::new(Mutex::new(None)),
            cached_tgt: None,
        }
    }

    /// Answers AS-REQs from `tgt` (see [`CachedTgt`]); TGS-REQs still go to the KDC.
    pub fn with_cached_tgt(mut self, tgt: Arc<CachedTgt>) -> Self {
        self.cached_tgt = Some(tgt);
        self
    }

    pub fn kdc(&self) -> SocketAddr {
        self.kdc
    }

    /// The last KRB-ERROR or transport failure seen, if any.
    pub fn last_observation(&self) -> Option<KdcObservation> {
        self.last.lock().ok().and_then(|g| g.clone())
    }

    fn observe(&self, observation: Option<KdcObservation>) {
        if let Ok(mut last) = self.last.lock() {
            *last = observation;
        }
    }

    fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, String> {
        let mut stream = TcpStream::connect_timeout(&self.kdc, self.timeout)
            .map_err(|e| format!("cannot connect to the KDC at {}: {e}", self.kdc))?;
        let io = |e: std::io::Error| format!("KDC at {}: {e}", self.kdc);
        stream.set_read_timeout(Some(self.timeout)).map_err(io)?;
        stream.set_write_timeout(Some(self.timeout)).map_err(io)?;
        // sspi hands over the TCP framing already (the length prefix included).
        stream.write_all(request).map_err(io)?;
        let mut prefix = [0u8; 4];
        stream.read_exact(&mut prefix).map_err(io)?;
        let length = usize::try_from(u32::from_be_bytes(prefix)).unwrap_or(usize::MAX);
        if length > MAX_KDC_REPLY {
            return Err(format!(
                "the KDC at {} announced a {length}-byte reply (limit {MAX_KDC_REPLY})",
                self.kdc
            ));
        }
        let mut reply = Vec::with_capacity(length.saturating_add(4));
        reply.extend_from_slice(&prefix);
        reply.resize(length.saturating_add(4), 0);
        stream
            .read_exact(reply.get_mut(4..).unwrap_or_default())
            .map_err(io)?;
        Ok(reply)
    }
}

/// The error code of a KRB-ERROR message (RFC 4120 5.9.1: APPLICATION 30), or `None` for any other message.
pub fn krb_error_code(message: &[u8]) -> Option<u32> {
    // [APPLICATION 30] constructed.
    if message.first() != Some(&0x7e) {
        return None;
    }
    picky_asn1_der::from_bytes::<picky_krb::messages::KrbError>(message)
        .ok()
        .map(|e| e.0.error_code.0)
}

/// The sender's clock (stime) of a KRB-ERROR, in seconds since the Unix epoch.
pub fn krb_error_server_time(message: &[u8]) -> Option<i64> {
    if message.first() != Some(&0x7e) {
        return None;
    }
    let error = picky_asn1_der::from_bytes::<picky_krb::messages::KrbError>(message).ok()?;
    super::kerberos::unix_seconds(&error.0.stime.0)
}

impl NetworkClient for KdcClient {
    fn send(&self, request: &NetworkRequest) -> sspi::Result<Vec<u8>> {
        if request.protocol != NetworkProtocol::Tcp {
            return Err(Error::new(
                ErrorKind::InvalidParameter,
                format!(
                    "rwmi talks to the KDC over TCP only, not {:?}",
                    request.protocol
                ),
            ));
        }
        // [APPLICATION 10]: an AS-REQ, after the four-octet TCP length prefix.
        if let Some(tgt) = &self.cached_tgt
            && request.data.get(4) == Some(&0x6a)
        {
            let reply = tgt
                .answer_as_req(request.data.get(4..).unwrap_or_default())
                .map_err(|e| Error::new(ErrorKind::InternalError, e))?;
            let mut framed = u32::try_from(reply.len())
                .unwrap_or(u32::MAX)
                .to_be_bytes()
                .to_vec();
            framed.extend_from_slice(&reply);
            return Ok(framed);
        }
        match self.exchange(&request.data) {
            Ok(reply) => {
                // Only the last answer explains a failure: a PREAUTH_REQUIRED followed by a good AS-REP
                // must not be blamed for a later error.
                let code = reply.get(4..).and_then(krb_error_code);
                self.observe(code.map(KdcObservation::KrbError));
                Ok(reply)
            }
            Err(message) => {
                self.observe(Some(KdcObservation::Unreachable(message.clone())));
                Err(Error::new(ErrorKind::NoAuthenticatingAuthority, message))
            }
        }
    }
}

/// A KRB-ERROR (RFC 4120 5.9.1) with `code`, for tests: what a server of TEST.LOCAL sends at
/// 2026-01-01T00:00:00Z.
#[cfg(test)]
pub(crate) fn encoded_krb_error(code: u32) -> Vec<u8> {
    super::kerberos::krb_error(
        super::KerberosErrorCode(code),
        1_767_225_600,
        "TEST.LOCAL",
        &[],
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn request(data: Vec<u8>) -> NetworkRequest {
        NetworkRequest {
            protocol: NetworkProtocol::Tcp,
            url: "tcp://127.0.0.1:88".parse().unwrap(),
            data,
        }
    }

    /// A one-shot KDC that answers the first request with `reply` (already framed).
    fn fake_kdc(reply: Vec<u8>) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let mut prefix = [0u8; 4];
                let _ = s.read_exact(&mut prefix);
                let mut body = vec![0; u32::from_be_bytes(prefix) as usize];
                let _ = s.read_exact(&mut body);
                let _ = s.write_all(&reply);
            }
        });
        addr
    }

    #[test]
    fn a_framed_reply_comes_back_with_its_prefix() {
        let addr = fake_kdc(vec![0, 0, 0, 3, 0xa, 0xb, 0xc]);
        let client = KdcClient::new(addr, Duration::from_secs(5));
        let reply = client.send(&request(vec![0, 0, 0, 1, 0x42])).unwrap();
        assert_eq!(reply, [0, 0, 0, 3, 0xa, 0xb, 0xc]);
        assert_eq!(client.last_observation(), None);
    }

    #[test]
    fn a_good_answer_clears_an_earlier_krb_error() {
        let mut framed = Vec::new();
        let error = encoded_krb_error(25);
        framed.extend_from_slice(&(error.len() as u32).to_be_bytes());
        framed.extend_from_slice(&error);
        let client = KdcClient::new(fake_kdc(framed), Duration::from_secs(5));
        client.send(&request(vec![0, 0, 0, 0])).unwrap();
        assert_eq!(
            client.last_observation(),
            Some(KdcObservation::KrbError(25))
        );
        let client = KdcClient {
            kdc: fake_kdc(vec![0, 0, 0, 1, 0x6b]),
            ..client
        };
        client.send(&request(vec![0, 0, 0, 0])).unwrap();
        assert_eq!(client.last_observation(), None);
    }

    #[test]
    fn a_truncated_reply_is_an_unreachable_kdc() {
        let addr = fake_kdc(vec![0, 0, 0, 9, 1, 2]);
        let client = KdcClient::new(addr, Duration::from_secs(5));
        let err = client.send(&request(vec![0, 0, 0, 0])).unwrap_err();
        assert_eq!(err.error_type, ErrorKind::NoAuthenticatingAuthority);
        assert!(matches!(
            client.last_observation(),
            Some(KdcObservation::Unreachable(_))
        ));
    }

    #[test]
    fn a_lying_length_is_refused_before_allocating() {
        let addr = fake_kdc(vec![0xff, 0xff, 0xff, 0xff]);
        let client = KdcClient::new(addr, Duration::from_secs(5));
        let err = client.send(&request(vec![0, 0, 0, 0])).unwrap_err();
        assert!(err.description.contains("limit"), "{}", err.description);
    }

    #[test]
    fn a_closed_port_is_an_unreachable_kdc() {
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let client = KdcClient::new(addr, Duration::from_secs(2));
        assert!(client.send(&request(vec![0, 0, 0, 0])).is_err());
        assert!(matches!(
            client.last_observation(),
            Some(KdcObservation::Unreachable(_))
        ));
    }

    #[test]
    fn udp_is_refused() {
        let client = KdcClient::new("127.0.0.1:88".parse().unwrap(), Duration::from_secs(1));
        let mut r = request(vec![]);
        r.protocol = NetworkProtocol::Udp;
        assert!(client.send(&r).is_err());
    }

    #[test]
    fn krb_error_codes_are_read_and_other_messages_ignored() {
        assert_eq!(krb_error_code(&[0x6b, 0x00]), None);
        assert_eq!(krb_error_code(&[]), None);
        assert_eq!(krb_error_code(&[0x7e, 0x81]), None);
        let bytes = encoded_krb_error(24);
        assert_eq!(krb_error_code(&bytes), Some(24));
        for cut in 0..bytes.len() {
            assert_eq!(krb_error_code(&bytes[..cut]), None, "cut at {cut}");
        }
    }
}
