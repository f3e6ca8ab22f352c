//! The client side of a connection-oriented association: connect, bind with security (three legs: NTLM's
//! NEGOTIATE or Kerberos' AP-REQ in bind, CHALLENGE or AP-REP in bind_ack, AUTHENTICATE or the client's
//! AP-REP in auth3), then calls with fragmentation, protection and time-outs.

use std::net::SocketAddr;
use std::time::Duration;

use rwmi_core::Guid;
use rwmi_core::rpc::negotiate::MUST_RECV_FRAG_SIZE;
use rwmi_core::rpc::{
    AuthType, AuthVerifier, Bind, BindTimeFeatures, CallHeader, ContextElement, ContextOutcome,
    NDR20, Packet, PacketType, Pdu, PduError, PfcFlags, Reassembler, SecuritySettings, SyntaxId,
    fragment_call, open_protected_fragment,
};
use rwmi_core::rpc::{Call, Stub};
use rwmi_core::status::{nca::NCA_S_PROTO_ERROR, win32::ERROR_ACCESS_DENIED};
use tracing::debug;

use super::error::{InvokeError, RpcError, Stage};
use super::transport::{FragmentStream, connect};
use crate::security::{
    AuthLevel, Authentication, SecurityError, SecurityInitiator, SecuritySession, ThirdLeg,
};

/// Windows' default fragment size for ncacn_ip_tcp.
pub const DEFAULT_MAX_FRAG: u16 = 5840;
/// The largest reassembled message accepted by default (a WMI batch of objects fits many times over).
pub const DEFAULT_MAX_MESSAGE: usize = 32 << 20;

/// How to set up an association.
#[derive(Debug, Clone)]
pub struct AssociationOptions {
    /// The interfaces to offer in the first bind, each as its own presentation context; offering them all
    /// up front saves an alter_context round trip per interface later.
    pub interfaces: Vec<SyntaxId>,
    /// `None` binds without authentication (the endpoint mapper).
    pub auth: Option<(Authentication, AuthLevel)>,
    pub connect_timeout: Duration,
    pub call_timeout: Duration,
    /// Our max_xmit_frag and max_recv_frag; the bind_ack may lower them.
    pub max_frag: u16,
    pub max_message: usize,
    /// Offer bind-time feature negotiation (MS-RPCE 3.3.1.5.3).
    pub negotiate_features: bool,
}

impl AssociationOptions {
    pub fn new(interfaces: Vec<SyntaxId>) -> Self {
        Self {
            interfaces,
            auth: None,
            connect_timeout: Duration::from_secs(10),
            call_timeout: Duration::from_secs(30),
            max_frag: DEFAULT_MAX_FRAG,
            max_message: DEFAULT_MAX_MESSAGE,
            negotiate_features: true,
        }
    }

    /// NTLM `Credentials` or `KerberosCredentials` (or an `Authentication`).
    pub fn with_auth(
        mut self,
        authentication: impl Into<Authentication>,
        level: AuthLevel,
    ) -> Self {
        self.auth = Some((authentication.into(), level));
        self
    }
}

/// The bind and auth3 use call id 1; calls start at 2.
const FIRST_CALL_ID: u32 = 2;

/// The auth_context_id rwmi uses for its one security context per association.
const AUTH_CONTEXT_ID: u32 = 0;

/// An established association to one server endpoint.
pub struct ClientAssociation {
    stream: FragmentStream,
    peer: SocketAddr,
    contexts: Vec<(u16, SyntaxId)>,
    session: Option<SecuritySession>,
    level: Option<AuthLevel>,
    auth_type: AuthType,
    /// The bind_ack echoed PFC_SUPPORT_HEADER_SIGN (MS-RPCE 3.3.1.5.2.2).
    header_signing: bool,
    next_call_id: u32,
    /// The call_id of the first request: a fault to it after an rpc_auth_3 means the credentials failed.
    first_call_id: u32,
    max_xmit_frag: u16,
    call_timeout: Duration,
    max_message: usize,
    assoc_group_id: u32,
    features: Option<BindTimeFeatures>,
    /// The error that ended the association; later calls return it rather than a vague "closed".
    broken: Option<RpcError>,
}

impl std::fmt::Debug for ClientAssociation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAssociation")
            .field("peer", &self.peer)
            .field("contexts", &self.contexts.len())
            .field("level", &self.level)
            .field("max_xmit_frag", &self.max_xmit_frag)
            .finish_non_exhaustive()
    }
}

impl ClientAssociation {
    /// Connects and binds. With credentials, completes the handshake (bind, bind_ack, auth3).
    pub async fn connect(addr: SocketAddr, options: &AssociationOptions) -> Result<Self, RpcError> {
        let stream = connect(addr, options.connect_timeout).await?;
        Self::bind(stream, addr, options).await
    }

    /// Binds on a TCP connection that is already open (so callers can time TCP and bind apart).
    pub async fn bind(
        stream: tokio::net::TcpStream,
        addr: SocketAddr,
        options: &AssociationOptions,
    ) -> Result<Self, RpcError> {
        // Bind-phase PDUs carry security tokens and are never fragmented, so the read limit is at least the
        // default fragment size whatever smaller size we negotiate for calls.
        let mut stream =
            FragmentStream::new(stream, usize::from(options.max_frag.max(DEFAULT_MAX_FRAG)));
        let bind_timeout = options.connect_timeout;

        let auth_type = options
            .auth
            .as_ref()
            .map_or(AuthType::WINNT, |(a, _)| a.auth_type());
        let initiator = match &options.auth {
            Some((authentication, level)) => Some((
                SecurityInitiator::new(authentication, *level).map_err(|error| {
                    RpcError::Security {
                        stage: Stage::Authenticate,
                        error,
                    }
                })?,
                *level,
            )),
            None => None,
        };

        let mut contexts = Vec::new();
        let mut elements = Vec::new();
        for (i, interface) in options.interfaces.iter().enumerate() {
            let id = u16::try_from(i).map_err(|_| RpcError::Encode {
                message: "too many interfaces".into(),
            })?;
            contexts.push((id, *interface));
            elements.push(ContextElement {
                context_id: id,
                abstract_syntax: *interface,
                transfer_syntaxes: vec![NDR20],
            });
        }
        if let (true, Some(first)) = (options.negotiate_features, options.interfaces.first()) {
            let features = BindTimeFeatures(BindTimeFeatures::KNOWN);
            elements.push(ContextElement {
                context_id: u16::try_from(elements.len()).unwrap_or(u16::MAX),
                abstract_syntax: *first,
                transfer_syntaxes: vec![features.transfer_syntax()],
            });
        }
        let bind = Bind {
            max_xmit_frag: options.max_frag,
            max_recv_frag: options.max_frag,
            assoc_group_id: 0,
            contexts: elements,
        };
        let mut packet = Packet::new(1, Pdu::Bind(bind));
        let initiator = match initiator {
            Some((initiator, level)) => {
                let (initiator, token) = first_token(initiator, bind_timeout).await?;
                packet.auth = Some(verifier(auth_type, level, token));
                // MS-RPCE 3.3.1.5.2.2: offer header signing; it applies only if the bind_ack echoes it.
                if level >= AuthLevel::Integrity {
                    packet.pfc_flags = packet.pfc_flags.with(PfcFlags::SUPPORT_HEADER_SIGN);
                }
                Some((initiator, level))
            }
            None => None,
        };
        let bytes = packet.to_bytes().map_err(|e| RpcError::Encode {
            message: e.to_string(),
        })?;
        stream.write_fragments(&[bytes], Stage::Bind).await?;

        let reply = read_with_timeout(&mut stream, Stage::Bind, bind_timeout).await?;
        let reply = Packet::decode(&reply).map_err(|error| RpcError::Protocol {
            stage: Stage::Bind,
            error,
        })?;
        let ack = match reply.pdu {
            Pdu::BindAck(ack) => ack,
            Pdu::BindNak(nak) => return Err(RpcError::BindNak { reason: nak.reason }),
            Pdu::Fault(fault) => {
                return Err(RpcError::Fault {
                    opnum: 0,
                    status: fault.status.0,
                });
            }
            other => return Err(unexpected(Stage::Bind, "bind_ack", other.ptype())),
        };
        let mut features = None;
        let mut accepted = Vec::new();
        for (i, result) in ack.results.iter().enumerate() {
            match (result.outcome, contexts.get(i)) {
                (ContextOutcome::Acceptance, Some(ctx)) => accepted.push(*ctx),
                (ContextOutcome::NegotiateAck(f), _) => features = Some(f),
                (
                    ContextOutcome::UserRejection(reason)
                    | ContextOutcome::ProviderRejection(reason),
                    Some(ctx),
                ) => {
                    debug!(interface = %ctx.1.uuid, ?reason, "presentation context rejected");
                    if accepted.is_empty() && i + 1 == contexts.len() {
                        return Err(RpcError::ContextRejected {
                            interface: ctx.1,
                            reason,
                        });
                    }
                }
                _ => {}
            }
        }
        if accepted.is_empty() {
            let (interface, reason) = contexts
                .first()
                .zip(ack.results.first())
                .map(|(c, r)| match r.outcome {
                    ContextOutcome::UserRejection(reason)
                    | ContextOutcome::ProviderRejection(reason) => (c.1, reason),
                    _ => (c.1, rwmi_core::rpc::ProviderReason::REASON_NOT_SPECIFIED),
                })
                .ok_or(RpcError::Encode {
                    message: "no interface to bind".into(),
                })?;
            return Err(RpcError::ContextRejected { interface, reason });
        }

        let header_signing = reply.pfc_flags.contains(PfcFlags::SUPPORT_HEADER_SIGN);
        let (session, level, first_call_id) = match initiator {
            Some((initiator, level)) => {
                let challenge = reply
                    .auth
                    .as_ref()
                    .map(|a| a.auth_value.as_slice())
                    .ok_or_else(|| RpcError::Security {
                        stage: Stage::Authenticate,
                        error: SecurityError::BadToken(
                            "the bind_ack carries no authentication token".into(),
                        ),
                    })?;
                let security = |error| RpcError::Security {
                    stage: Stage::Authenticate,
                    error,
                };
                let (leg, mut session) = initiator
                    .complete(challenge, header_signing)
                    .map_err(security)?;
                let first_call_id = match leg {
                    ThirdLeg::Auth3(token) => {
                        let mut auth3 = Packet::new(1, Pdu::Auth3);
                        auth3.auth = Some(verifier(auth_type, level, token));
                        let bytes = auth3.to_bytes().map_err(|e| RpcError::Encode {
                            message: e.to_string(),
                        })?;
                        stream
                            .write_fragments(&[bytes], Stage::Authenticate)
                            .await?;
                        FIRST_CALL_ID
                    }
                    ThirdLeg::AlterContext(token, completion) => {
                        let reply = alter_context(
                            &mut stream,
                            &accepted,
                            options.max_frag,
                            verifier(auth_type, level, token),
                            bind_timeout,
                        )
                        .await?;
                        completion.check(&reply, &mut session).map_err(security)?;
                        // The alter_context took call_id 2.
                        FIRST_CALL_ID + 1
                    }
                };
                (Some(session), Some(level), first_call_id)
            }
            None => (None, None, FIRST_CALL_ID),
        };

        // C706 12.6.4.4: we may send no more than the server can receive.
        let max_xmit_frag = options
            .max_frag
            .min(ack.max_recv_frag)
            .max(MUST_RECV_FRAG_SIZE.min(options.max_frag));
        debug!(%addr, max_xmit_frag, contexts = accepted.len(), ?level, "bound");
        Ok(Self {
            stream,
            peer: addr,
            contexts: accepted,
            session,
            level,
            auth_type,
            header_signing: header_signing && level.is_some(),
            next_call_id: first_call_id,
            first_call_id,
            max_xmit_frag,
            call_timeout: options.call_timeout,
            max_message: options.max_message,
            assoc_group_id: ack.assoc_group_id,
            features,
            broken: None,
        })
    }

    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    pub fn auth_level(&self) -> Option<AuthLevel> {
        self.level
    }

    /// The authentication type of the association's security context (WINNT or GSS_KERBEROS).
    pub fn auth_type(&self) -> Option<AuthType> {
        self.level.map(|_| self.auth_type)
    }

    /// Whether the server agreed to header signing: Kerberos then signs the whole PDU rather than the stub
    /// only (NTLM signs the header either way).
    pub fn header_signing(&self) -> bool {
        self.header_signing
    }

    pub fn assoc_group_id(&self) -> u32 {
        self.assoc_group_id
    }

    /// The bind-time features the server acknowledged, if it took part in the negotiation.
    pub fn features(&self) -> Option<BindTimeFeatures> {
        self.features
    }

    pub fn set_call_timeout(&mut self, timeout: Duration) {
        self.call_timeout = timeout;
    }

    /// Why the association can take no more calls, if it cannot: an earlier failure ended it, or the
    /// server has closed or reset the connection since the last call (seen without a round trip).
    pub fn ended(&self) -> Option<String> {
        if let Some(cause) = &self.broken {
            return Some(cause.to_string());
        }
        self.stream.peer_gone().map(str::to_string)
    }

    /// Whether the server accepted this interface in the bind.
    pub fn supports(&self, interface: &SyntaxId) -> bool {
        self.contexts.iter().any(|(_, i)| i == interface)
    }

    /// Calls the method a request stub stands for (on the object `object`, for DCOM) and decodes the
    /// answer: the one typed call path of the client. Failures are `call`'s, or the response's stub.
    pub async fn invoke<R: Call>(
        &mut self,
        object: Option<Guid>,
        request: &R,
    ) -> Result<R::Response, InvokeError> {
        let reply = self
            .call(&R::INTERFACE, R::OPNUM, object, &request.to_stub())
            .await
            .map_err(InvokeError::Rpc)?;
        R::Response::from_stub(&reply).map_err(InvokeError::Response)
    }

    /// Calls `opnum` of `interface` (on the object `object`, for DCOM) with an NDR stub and returns the
    /// response stub. Faults come back as `RpcError::Fault`; a bad signature or a protocol error ends the
    /// association.
    pub async fn call(
        &mut self,
        interface: &SyntaxId,
        opnum: u16,
        object: Option<Guid>,
        stub: &[u8],
    ) -> Result<Vec<u8>, RpcError> {
        if let Some(cause) = &self.broken {
            return Err(cause.clone());
        }
        let context_id = self
            .contexts
            .iter()
            .find(|(_, i)| i == interface)
            .map(|(id, _)| *id)
            .ok_or(RpcError::ContextRejected {
                interface: *interface,
                reason: rwmi_core::rpc::ProviderReason::ABSTRACT_SYNTAX_NOT_SUPPORTED,
            })?;
        let result = tokio::time::timeout(
            self.call_timeout,
            self.call_inner(context_id, opnum, object, stub),
        )
        .await;
        let result = match result {
            Ok(r) => r,
            Err(_) => Err(RpcError::Timeout {
                stage: Stage::Call,
                after: self.call_timeout,
            }),
        };
        if let Err(e) = &result {
            // After anything but a fault the stream may be mid-message or tampered with: stop using it.
            if !matches!(e, RpcError::Fault { .. }) {
                self.broken = Some(e.clone());
                self.stream.shutdown().await;
            }
        }
        result
    }

    async fn call_inner(
        &mut self,
        context_id: u16,
        opnum: u16,
        object: Option<Guid>,
        stub: &[u8],
    ) -> Result<Vec<u8>, RpcError> {
        let call_id = self.next_call_id;
        self.next_call_id = self.next_call_id.wrapping_add(1).max(1);
        let header = CallHeader::Request {
            context_id,
            opnum,
            object,
        };
        let settings = self.protection_settings();
        let fragments = match (settings, self.session.as_mut()) {
            (Some(settings), Some(session)) => fragment_call(
                call_id,
                &header,
                stub,
                PfcFlags(0),
                self.max_xmit_frag,
                Some((&settings, session)),
            ),
            _ => fragment_call(
                call_id,
                &header,
                stub,
                PfcFlags(0),
                self.max_xmit_frag,
                None,
            ),
        }
        .map_err(|e| pdu_error(Stage::Call, e))?;
        self.stream.write_fragments(&fragments, Stage::Call).await?;

        let mut reassembler = Reassembler::for_call(call_id, self.max_message);
        loop {
            let Some(mut fragment) = self.stream.read_fragment(Stage::Call).await? else {
                return Err(RpcError::Closed { stage: Stage::Call });
            };
            let ptype = fragment.get(2).copied().and_then(PacketType::from_u8);
            let packet = match (ptype, settings, self.session.as_mut()) {
                (Some(PacketType::Response), Some(settings), Some(session)) => {
                    open_protected_fragment(&mut fragment, &settings, session)
                        .map_err(|e| pdu_error(Stage::Call, e))?
                }
                _ => Packet::decode(&fragment).map_err(|error| RpcError::Protocol {
                    stage: Stage::Call,
                    error,
                })?,
            };
            match packet.pdu {
                Pdu::Fault(fault) => {
                    if packet.call_id != call_id {
                        return Err(RpcError::Protocol {
                            stage: Stage::Call,
                            error: rwmi_core::DecodeError::new(
                                "fault",
                                "call_id",
                                12,
                                rwmi_core::DecodeErrorKind::BadValue {
                                    value: packet.call_id.into(),
                                },
                            ),
                        });
                    }
                    // auth3 has no reply: a server that refuses our AUTHENTICATE says so by faulting the
                    // first call (MS-RPCE 3.3.3.5.1). Windows answers ERROR_ACCESS_DENIED (which Impacket
                    // prints as rpc_s_access_denied); Samba answers nca_s_proto_error and drops the
                    // connection (its auth_invalid path).
                    let first_call = call_id == self.first_call_id && self.session.is_some();
                    if first_call
                        && matches!(fault.status.0, ERROR_ACCESS_DENIED | NCA_S_PROTO_ERROR)
                    {
                        let name = rwmi_core::status::lookup(fault.status.0)
                            .first()
                            .map_or("a fault", |i| i.name);
                        return Err(RpcError::Security {
                            stage: Stage::Authenticate,
                            error: SecurityError::LogonFailure(format!(
                                "the server refused the first call after authentication with {name}: \
                                 wrong password, unknown or disabled account, or a domain it does not know"
                            )),
                        });
                    }
                    return Err(RpcError::Fault {
                        opnum,
                        status: fault.status.0,
                    });
                }
                Pdu::Response(_) => {
                    if let Some(message) =
                        reassembler
                            .push(packet)
                            .map_err(|error| RpcError::Protocol {
                                stage: Stage::Call,
                                error,
                            })?
                    {
                        return Ok(message.stub);
                    }
                }
                other => return Err(unexpected(Stage::Call, "response", other.ptype())),
            }
        }
    }

    fn protection_settings(&self) -> Option<SecuritySettings> {
        match self.level {
            Some(level) if level >= AuthLevel::Integrity => Some(SecuritySettings {
                auth_type: self.auth_type,
                auth_level: rwmi_core::rpc::AuthLevel(level.wire_value()),
                auth_context_id: AUTH_CONTEXT_ID,
            }),
            _ => None,
        }
    }

    /// Ends the association politely (the server sees a clean close).
    pub async fn close(mut self) {
        self.stream.shutdown().await;
    }
}

/// Makes the bind's token. Kerberos talks to the KDC with blocking sockets (each bounded by the KDC
/// time-out), so it runs on a blocking thread and the whole step is bounded by `timeout` as well; nothing
/// but the KDC is asked meanwhile, so running out of time there is the KDC's silence, not the target's.
/// NTLM's NEGOTIATE is a few octets made in place: a blocking thread per association would cost a fleet
/// thousands of thread hand-offs.
async fn first_token(
    mut initiator: SecurityInitiator,
    timeout: Duration,
) -> Result<(SecurityInitiator, Vec<u8>), RpcError> {
    let Some(kdc) = initiator.kdc() else {
        return match initiator.first_token() {
            Ok(token) => Ok((initiator, token)),
            Err(error) => Err(RpcError::Security {
                stage: Stage::Authenticate,
                error,
            }),
        };
    };
    let task = tokio::task::spawn_blocking(move || {
        let token = initiator.first_token();
        token.map(|t| (initiator, t))
    });
    match tokio::time::timeout(timeout, task).await {
        Err(_) => Err(RpcError::Security {
            stage: Stage::Authenticate,
            error: SecurityError::KdcUnreachable {
                kdc,
                message: format!("no tickets within {} ms", timeout.as_millis()),
            },
        }),
        Ok(Err(join)) => Err(RpcError::Security {
            stage: Stage::Authenticate,
            error: SecurityError::Internal(format!("the security provider failed: {join}")),
        }),
        Ok(Ok(Err(error))) => Err(RpcError::Security {
            stage: Stage::Authenticate,
            error,
        }),
        Ok(Ok(Ok(done))) => Ok(done),
    }
}

/// Sends the third leg of a four-leg handshake in an alter_context over the contexts already accepted
/// (MS-RPCE 3.3.1.5.2.1) and gives the token of the alter_context_resp.
async fn alter_context(
    stream: &mut FragmentStream,
    contexts: &[(u16, SyntaxId)],
    max_frag: u16,
    auth: AuthVerifier,
    timeout: Duration,
) -> Result<Vec<u8>, RpcError> {
    let alter = Bind {
        max_xmit_frag: max_frag,
        max_recv_frag: max_frag,
        assoc_group_id: 0,
        contexts: contexts
            .iter()
            .map(|(id, interface)| ContextElement {
                context_id: *id,
                abstract_syntax: *interface,
                transfer_syntaxes: vec![NDR20],
            })
            .collect(),
    };
    let mut packet = Packet::new(FIRST_CALL_ID, Pdu::AlterContext(alter));
    packet.auth = Some(auth);
    let bytes = packet.to_bytes().map_err(|e| RpcError::Encode {
        message: e.to_string(),
    })?;
    stream
        .write_fragments(&[bytes], Stage::Authenticate)
        .await?;
    let reply = read_with_timeout(stream, Stage::Authenticate, timeout).await?;
    let reply = Packet::decode(&reply).map_err(|error| RpcError::Protocol {
        stage: Stage::Authenticate,
        error,
    })?;
    match reply.pdu {
        Pdu::AlterContextResp(_) => reply.auth.map(|a| a.auth_value).ok_or(RpcError::Security {
            stage: Stage::Authenticate,
            error: SecurityError::BadToken(
                "the alter_context_resp carries no authentication token".into(),
            ),
        }),
        Pdu::Fault(fault) => Err(RpcError::Fault {
            opnum: 0,
            status: fault.status.0,
        }),
        Pdu::BindNak(nak) => Err(RpcError::BindNak { reason: nak.reason }),
        other => Err(unexpected(
            Stage::Authenticate,
            "alter_context_resp",
            other.ptype(),
        )),
    }
}

fn verifier(auth_type: AuthType, level: AuthLevel, token: Vec<u8>) -> AuthVerifier {
    AuthVerifier {
        auth_type,
        auth_level: rwmi_core::rpc::AuthLevel(level.wire_value()),
        auth_context_id: AUTH_CONTEXT_ID,
        auth_value: token,
    }
}

async fn read_with_timeout(
    stream: &mut FragmentStream,
    stage: Stage,
    timeout: Duration,
) -> Result<Vec<u8>, RpcError> {
    match tokio::time::timeout(timeout, stream.read_fragment(stage)).await {
        Err(_) => Err(RpcError::Timeout {
            stage,
            after: timeout,
        }),
        Ok(Ok(Some(f))) => Ok(f),
        Ok(Ok(None)) => Err(RpcError::Closed { stage }),
        Ok(Err(e)) => Err(e),
    }
}

fn unexpected(stage: Stage, wanted: &'static str, got: PacketType) -> RpcError {
    let _ = wanted;
    RpcError::Protocol {
        stage,
        error: rwmi_core::DecodeError::new(
            got.name(),
            "ptype",
            2,
            rwmi_core::DecodeErrorKind::Invalid("a PDU of this type was not expected here"),
        ),
    }
}

pub(crate) fn pdu_error(stage: Stage, e: PduError) -> RpcError {
    match e {
        PduError::Decode(error) => RpcError::Protocol { stage, error },
        PduError::Protection(p) if p.bad_signature => RpcError::BadSignature { message: p.message },
        PduError::Protection(p) => RpcError::Security {
            stage,
            error: SecurityError::Internal(p.message),
        },
        PduError::Encode(e) => RpcError::Encode {
            message: e.to_string(),
        },
        PduError::FragmentTooSmall {
            max_xmit_frag,
            overhead,
        } => RpcError::Encode {
            message: format!(
                "max_xmit_frag {max_xmit_frag} leaves no room after {overhead} bytes of overhead"
            ),
        },
    }
}
