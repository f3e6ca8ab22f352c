//! The server side of a connection-oriented association, for the emulator: negotiate the bind, run the
//! NTLM acceptor (verifying the client's proof ourselves), then reassemble, verify and dispatch requests to
//! an `RpcService`, and fragment and protect the responses.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use rwmi_core::Guid;
use rwmi_core::rpc::{
    AuthType, AuthVerifier, BindAck, BindNak, BindNakReason, BindTimeFeatures, CallHeader, Fault,
    FragmentLayout, NDR20, Packet, PacketType, Pdu, PfcFlags, Reassembler, SecuritySettings,
    ServerBindPolicy, SyntaxId, fragment_call, negotiate_bind, open_protected_fragment,
};
use rwmi_core::status::{nca::NCA_S_UNK_IF, win32::ERROR_ACCESS_DENIED};
use tokio::net::TcpStream;
use tracing::{debug, warn};

use super::client::pdu_error;
use super::error::{RpcError, Stage};
use super::transport::FragmentStream;
use crate::security::kerberos::spnego::{self, NegState, NegTokenResp};
use crate::security::{
    AuthLevel, AuthenticatedUser, KerberosAcceptor, KerberosService, NtlmAcceptor, NtlmAccounts,
    SecurityError, SecuritySession,
};

/// Who is calling, as the association established it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub user: AuthenticatedUser,
    pub level: AuthLevel,
}

/// Everything a service needs to know about one call.
#[derive(Debug, Clone)]
pub struct CallContext {
    pub peer: Option<SocketAddr>,
    pub local: Option<SocketAddr>,
    pub interface: SyntaxId,
    pub opnum: u16,
    /// The object UUID of the request (the IPID, for DCOM calls).
    pub object: Option<Guid>,
    /// `None` for an unauthenticated association.
    pub caller: Option<CallerIdentity>,
    /// How many responses this association has sent before this call.
    pub responses_sent: u64,
}

/// What a service answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    Reply(Vec<u8>),
    /// A fault PDU with this status (an nca_s_* code or a Win32 error).
    Fault(u32),
    /// Drop the connection without answering (fault injection).
    Close,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A set of RPC interfaces served on one endpoint.
pub trait RpcService: Send + Sync + 'static {
    fn interfaces(&self) -> Vec<SyntaxId>;
    fn call(&self, context: CallContext, stub: Vec<u8>) -> BoxFuture<'_, CallOutcome>;
}

/// Server-side settings shared by all connections of an endpoint.
#[derive(Clone)]
pub struct ServerOptions {
    pub accounts: Arc<dyn NtlmAccounts + Send + Sync>,
    /// Keys for Kerberos (RPC_C_AUTHN_GSS_KERBEROS); `None` refuses Kerberos binds as unknown.
    pub kerberos: Option<Arc<KerberosService>>,
    pub max_frag: u16,
    pub max_message: usize,
    /// The port string put in bind_ack's secondary address.
    pub secondary_address: String,
    pub features: Option<BindTimeFeatures>,
    /// Fault injection on responses, for the emulator's `hostile-*` profiles; `None` serves faithfully.
    pub wire_faults: Option<Arc<dyn WireFaults>>,
}

/// A hook through which an emulator makes a server misbehave on the wire: it may change the call id a
/// response carries before it is fragmented and signed, and then write the encoded fragments its own
/// way (tampered, cut short, dripped). Nothing but fault injection should implement it.
pub trait WireFaults: Send + Sync + 'static {
    /// The call id to answer `call_id` with.
    fn response_call_id(&self, call_id: u32) -> u32 {
        call_id
    }

    /// Writes the fragments of one response (already protected) to `stream`. `Ok(true)` keeps serving the
    /// connection, `Ok(false)` ends it.
    fn write_response<'a>(
        &'a self,
        stream: &'a mut TcpStream,
        fragments: Vec<Vec<u8>>,
    ) -> BoxFuture<'a, std::io::Result<bool>>;
}

impl std::fmt::Debug for ServerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerOptions")
            .field("max_frag", &self.max_frag)
            .field("secondary_address", &self.secondary_address)
            .field("wire_faults", &self.wire_faults.is_some())
            .field("kerberos", &self.kerberos.is_some())
            .finish_non_exhaustive()
    }
}

const AUTHENTICATION_TYPE_NOT_RECOGNIZED: BindNakReason =
    BindNakReason::AUTHENTICATION_TYPE_NOT_RECOGNIZED;

/// The server side of a handshake in progress, by mechanism.
enum Acceptor {
    Ntlm(Box<NtlmAcceptor>),
    Kerberos(Box<KerberosAcceptor>),
    /// Kerberos inside SPNEGO (RPC_C_AUTHN_GSS_NEGOTIATE), with the DER of the client's mechTypes, which
    /// the mechListMICs cover.
    Negotiate(Box<KerberosAcceptor>, Vec<u8>),
}

/// How the first token of a new security context was answered.
enum Opening {
    /// The handshake goes on: the token for the bind_ack and the acceptor awaiting the last leg.
    Continue(Vec<u8>, Acceptor),
    /// Refused with a token for the client (a KRB-ERROR, MS-KILE 3.4.5.1); calls on the context fail.
    Refused(Vec<u8>),
    /// A mechanism or level this server does not serve.
    Unsupported,
}

impl Acceptor {
    /// Answers the first token of `auth_type` at `level`.
    fn open(
        auth_type: AuthType,
        level: AuthLevel,
        token: &[u8],
        kerberos: Option<&Arc<KerberosService>>,
        peer: Option<SocketAddr>,
    ) -> Result<Opening, SecurityError> {
        let negotiate = auth_type == AuthType::GSS_NEGOTIATE;
        let service = match (auth_type, kerberos) {
            (AuthType::WINNT, _) => {
                let mut acceptor = NtlmAcceptor::new();
                let challenge = acceptor.challenge(token)?;
                return Ok(Opening::Continue(
                    challenge,
                    Acceptor::Ntlm(Box::new(acceptor)),
                ));
            }
            (AuthType::GSS_KERBEROS | AuthType::GSS_NEGOTIATE, Some(service)) => service,
            _ => return Ok(Opening::Unsupported),
        };
        // Under Negotiate the AP-REQ is the NegTokenInit's mechToken, and the answers go back in
        // NegTokenResps naming the mechanism the client offered.
        let (ap_req, mech, mech_types) = if negotiate {
            match spnego::ap_req_of_neg_token_init(token) {
                Ok(offer) => (offer.ap_req, Some(offer.mech), offer.mech_types),
                Err(why) => {
                    debug!(?peer, %why, "Negotiate bind refused");
                    return Ok(Opening::Unsupported);
                }
            }
        } else {
            (token.to_vec(), None, Vec::new())
        };
        let wrap = |state, inner: Vec<u8>| match &mech {
            Some(mech) => spnego::neg_token_resp(state, Some(mech.clone()), Some(inner)),
            None => inner,
        };
        let mut acceptor = KerberosAcceptor::new(service.clone(), level);
        Ok(match acceptor.accept(&ap_req) {
            Ok(ap_rep) => {
                let acceptor = Box::new(acceptor);
                Opening::Continue(
                    wrap(NegState::AcceptIncomplete, ap_rep),
                    if negotiate {
                        Acceptor::Negotiate(acceptor, mech_types)
                    } else {
                        Acceptor::Kerberos(acceptor)
                    },
                )
            }
            Err(refusal) => {
                debug!(?peer, error = %refusal.error, "Kerberos AP-REQ refused");
                Opening::Refused(wrap(NegState::Reject, refusal.krb_error))
            }
        })
    }

    /// Checks the client's last token (AUTHENTICATE, or the client's AP-REP) and gives the caller, the
    /// session, and the token to answer with when the last leg came in an alter_context (`answered`):
    /// SPNEGO's accept-completed.
    fn complete(
        self,
        token: &[u8],
        accounts: &dyn NtlmAccounts,
        level: AuthLevel,
        header_signing: bool,
        answered: bool,
    ) -> Result<(AuthenticatedUser, SecuritySession, Option<Vec<u8>>), SecurityError> {
        match self {
            Acceptor::Ntlm(acceptor) => acceptor
                .authenticate(token, accounts, level)
                .map(|(user, s)| (user, SecuritySession::Ntlm(Box::new(s)), None)),
            Acceptor::Kerberos(acceptor) => acceptor
                .complete(token, header_signing)
                .map(|(user, s)| (user, SecuritySession::Kerberos(Box::new(s)), None)),
            Acceptor::Negotiate(acceptor, mech_types) => {
                let leg = NegTokenResp::from_der(token).map_err(SecurityError::BadToken)?;
                let ap_rep = leg.response_token.ok_or_else(|| {
                    SecurityError::BadToken("the NegTokenResp carries no response token".into())
                })?;
                let (user, mut session) = acceptor.complete(&ap_rep, header_signing)?;
                // RFC 4178 5: a client's mechListMIC is checked, and answered with ours, which the client
                // can only read in an alter_context_resp. Impacket sends none, and Windows accepts that
                // for the mechanism the client preferred: so does this server.
                let mut completed = NegTokenResp {
                    state: Some(NegState::AcceptCompleted),
                    ..NegTokenResp::default()
                };
                if let Some(mic) = &leg.mech_list_mic {
                    session.verify(&mech_types, mic).map_err(|e| {
                        SecurityError::BadSignature(format!("the client's mechListMIC: {e}"))
                    })?;
                    if answered {
                        completed.mech_list_mic = Some(session.sign(&mech_types)?);
                    }
                }
                Ok((
                    user,
                    SecuritySession::Kerberos(Box::new(session)),
                    Some(completed.to_der()),
                ))
            }
        }
    }
}

/// Ends the handshake in `state` (which must be `Handshake`) with the client's last token: the context
/// is established, or failed (every call then gets access denied). Gives the token to answer with, if any.
fn finish_handshake(
    state: &mut Security,
    token: &[u8],
    accounts: &dyn NtlmAccounts,
    peer: Option<SocketAddr>,
    answered: bool,
) -> Option<Vec<u8>> {
    let Security::Handshake {
        acceptor,
        level,
        auth_type,
        header_signing,
    } = std::mem::replace(state, Security::Failed)
    else {
        return None;
    };
    match acceptor.complete(token, accounts, level, header_signing, answered) {
        Ok((user, session, reply)) => {
            debug!(?peer, user = %user.user, domain = %user.domain, %level, "authenticated");
            *state = Security::Established {
                session,
                caller: CallerIdentity { user, level },
                auth_type,
            };
            reply
        }
        Err(e) => {
            debug!(?peer, error = %e, "authentication failed");
            None
        }
    }
}

enum Security {
    Handshake {
        acceptor: Acceptor,
        level: AuthLevel,
        auth_type: AuthType,
        header_signing: bool,
    },
    Established {
        session: SecuritySession,
        caller: CallerIdentity,
        auth_type: AuthType,
    },
    /// auth3 did not verify: every call gets access denied, as Windows answers.
    Failed,
}

/// At most this many security contexts per association; a new one beyond it replaces the oldest.
const MAX_SECURITY_CONTEXTS: usize = 16;

/// The security contexts of one association by auth_context_id. MS-RPCE 3.3.1.5.2.2 lets a client
/// set up several on one connection: Impacket's alter_ctx starts a new NTLM handshake, under a new
/// auth_context_id, with each alter_context, and its later requests name that context.
#[derive(Default)]
struct SecurityContexts {
    entries: Vec<(u32, Security)>,
}

impl SecurityContexts {
    fn get_mut(&mut self, id: u32) -> Option<&mut Security> {
        self.entries
            .iter_mut()
            .find(|(known, _)| *known == id)
            .map(|(_, security)| security)
    }

    fn contains(&self, id: u32) -> bool {
        self.entries.iter().any(|(known, _)| *known == id)
    }

    fn insert(&mut self, id: u32, security: Security) {
        if let Some(existing) = self.get_mut(id) {
            *existing = security;
            return;
        }
        if self.entries.len() >= MAX_SECURITY_CONTEXTS {
            self.entries.remove(0);
        }
        self.entries.push((id, security));
    }

    /// The context a request without a sec_trailer runs under: the first one set up (the bind's).
    fn default_id(&self) -> Option<u32> {
        self.entries.first().map(|(id, _)| *id)
    }
}

/// The auth_context_id in a fragment's sec_trailer, if it has one (MS-RPCE 2.2.2.11).
fn trailer_context_id(fragment: &[u8]) -> Option<u32> {
    let layout = FragmentLayout::locate(fragment).ok()?;
    layout.auth.map(|(trailer, _)| trailer.auth_context_id)
}

/// Serves one accepted connection until the client closes it, a protocol error occurs, or the service asks
/// to drop it. Errors are logged by the caller; none is sent anywhere but the log.
pub async fn serve_connection(
    stream: TcpStream,
    service: Arc<dyn RpcService>,
    options: Arc<ServerOptions>,
) -> Result<(), RpcError> {
    let _ = stream.set_nodelay(true);
    let mut stream = FragmentStream::new(
        stream,
        usize::from(options.max_frag)
            .max(usize::from(rwmi_core::rpc::negotiate::MUST_RECV_FRAG_SIZE)),
    );
    let peer = stream.peer_addr();
    let local = stream.local_addr();
    let interfaces = service.interfaces();
    let mut contexts: Vec<(u16, SyntaxId)> = Vec::new();
    let mut security = SecurityContexts::default();
    let mut max_xmit_frag = options.max_frag;
    let mut reassembler = Reassembler::new(options.max_message);
    let mut responses_sent = 0u64;
    let mut assoc_group_id = 0u32;

    loop {
        let Some(mut fragment) = stream.read_fragment(Stage::Call).await? else {
            return Ok(());
        };
        let ptype = fragment.get(2).copied().and_then(PacketType::from_u8);
        // The security context a request runs under: the one its sec_trailer names.
        let request_context = match ptype {
            Some(PacketType::Request) => {
                trailer_context_id(&fragment).or_else(|| security.default_id())
            }
            _ => None,
        };
        let protected = match request_context.and_then(|id| Some((id, security.get_mut(id)?))) {
            Some((
                id,
                Security::Established {
                    session,
                    caller,
                    auth_type,
                },
            )) if caller.level >= AuthLevel::Integrity => {
                Some((settings(*auth_type, caller.level, id), session))
            }
            _ => None,
        };
        let packet = match (ptype, protected) {
            (Some(PacketType::Request), Some((settings, session))) => {
                match open_protected_fragment(&mut fragment, &settings, session) {
                    Ok(p) => p,
                    Err(e) => {
                        // MS-RPCE 3.3.1.5.2.2: a PDU that fails verification ends the association.
                        warn!(?peer, error = %e, "request failed verification; closing the association");
                        return Err(pdu_error(Stage::Call, e));
                    }
                }
            }
            _ => Packet::decode(&fragment).map_err(|error| RpcError::Protocol {
                stage: Stage::Call,
                error,
            })?,
        };
        let call_id = packet.call_id;
        match packet.pdu {
            Pdu::Bind(ref bind) | Pdu::AlterContext(ref bind) => {
                let is_bind = matches!(packet.pdu, Pdu::Bind(_));
                // One line per bind or alter context: with the calls, the round trips a client made.
                debug!(?peer, bind = is_bind, "bind received");
                let policy = ServerBindPolicy {
                    interfaces: &interfaces,
                    transfer_syntaxes: &[NDR20],
                    features: options.features,
                    max_xmit_frag: options.max_frag,
                    max_recv_frag: options.max_frag,
                };
                let negotiation = negotiate_bind(bind, &policy);
                let mut reply_auth = None;
                // The third leg of a handshake may come in an alter_context (MS-RPCE 3.3.1.5.2; Impacket
                // sends SPNEGO's there) instead of rpc_auth_3.
                if let Some(verifier) = packet.auth.as_ref().filter(|_| !is_bind)
                    && let Some(state @ Security::Handshake { .. }) =
                        security.get_mut(verifier.auth_context_id)
                    && let Some(token) = finish_handshake(
                        state,
                        &verifier.auth_value,
                        options.accounts.as_ref(),
                        peer,
                        true,
                    )
                {
                    reply_auth = Some(AuthVerifier {
                        auth_value: token,
                        ..verifier.clone()
                    });
                }
                // A bind's verifier, or an alter_context's naming a context not yet set up, starts
                // an NTLM handshake; an alter_context under an existing context keeps it.
                let new_context = packet
                    .auth
                    .as_ref()
                    .filter(|v| is_bind || !security.contains(v.auth_context_id));
                if let Some(verifier) = new_context {
                    let opening = match AuthLevel::from_wire(verifier.auth_level.0) {
                        Some(level) => Acceptor::open(
                            verifier.auth_type,
                            level,
                            &verifier.auth_value,
                            options.kerberos.as_ref(),
                            peer,
                        )
                        .map(|opening| (opening, level))
                        .map_err(|error| RpcError::Security {
                            stage: Stage::Authenticate,
                            error,
                        })?,
                        None => (Opening::Unsupported, AuthLevel::default()),
                    };
                    let (token, security_state) = match opening {
                        (Opening::Continue(token, acceptor), level) => (
                            token,
                            Security::Handshake {
                                acceptor,
                                level,
                                auth_type: verifier.auth_type,
                                header_signing: packet
                                    .pfc_flags
                                    .contains(PfcFlags::SUPPORT_HEADER_SIGN),
                            },
                        ),
                        (Opening::Refused(token), _) => (token, Security::Failed),
                        (Opening::Unsupported, _) => {
                            refuse_security(&mut stream, call_id, is_bind).await?;
                            return Ok(());
                        }
                    };
                    reply_auth = Some(AuthVerifier {
                        auth_value: token,
                        ..verifier.clone()
                    });
                    security.insert(verifier.auth_context_id, security_state);
                }
                if is_bind {
                    max_xmit_frag = negotiation.max_xmit_frag;
                    if assoc_group_id == 0 {
                        assoc_group_id = bind
                            .assoc_group_id
                            .max(0x1000 + u32::from(local.map_or(0, |a| a.port())));
                    }
                }
                for accepted in &negotiation.accepted {
                    contexts.retain(|(id, _)| *id != accepted.context_id);
                    contexts.push((accepted.context_id, accepted.abstract_syntax));
                }
                let ack: BindAck =
                    negotiation.to_bind_ack(assoc_group_id, &options.secondary_address);
                let pdu = if is_bind {
                    Pdu::BindAck(ack)
                } else {
                    Pdu::AlterContextResp(ack)
                };
                let mut reply = Packet::new(call_id, pdu);
                reply.auth = reply_auth;
                if packet.pfc_flags.contains(PfcFlags::SUPPORT_HEADER_SIGN) {
                    reply.pfc_flags = reply.pfc_flags.with(PfcFlags::SUPPORT_HEADER_SIGN);
                }
                send(&mut stream, reply, Stage::Bind).await?;
            }
            Pdu::Auth3 => {
                let context_id = packet.auth.as_ref().map(|a| a.auth_context_id);
                let Some(state) = context_id.and_then(|id| security.get_mut(id)) else {
                    return Err(protocol(
                        "auth3",
                        "auth3 without a security handshake in progress",
                    ));
                };
                if !matches!(state, Security::Handshake { .. }) {
                    *state = Security::Failed;
                    return Err(protocol(
                        "auth3",
                        "auth3 without a security handshake in progress",
                    ));
                }
                let token = packet.auth.map(|a| a.auth_value).unwrap_or_default();
                // rpc_auth_3 has no answer (MS-RPCE 2.2.2.10).
                let _ = finish_handshake(state, &token, options.accounts.as_ref(), peer, false);
            }
            Pdu::Request(_) => {
                // With no security context at all the association is unauthenticated; otherwise the
                // request's context must be established.
                let caller = match request_context.map(|id| security.get_mut(id)) {
                    None => Ok(None),
                    Some(Some(Security::Established { caller, .. })) => Ok(Some(caller.clone())),
                    Some(_) => Err(()),
                };
                let Ok(caller) = caller else {
                    let fault = Fault::new(0, ERROR_ACCESS_DENIED);
                    send(
                        &mut stream,
                        Packet::new(call_id, Pdu::Fault(fault)),
                        Stage::Call,
                    )
                    .await?;
                    continue;
                };
                let Some(message) =
                    reassembler
                        .push(packet)
                        .map_err(|error| RpcError::Protocol {
                            stage: Stage::Call,
                            error,
                        })?
                else {
                    continue;
                };
                let CallHeader::Request {
                    context_id,
                    opnum,
                    object,
                } = message.call
                else {
                    return Err(protocol("request", "reassembled a non-request"));
                };
                let Some(interface) = contexts
                    .iter()
                    .find(|(id, _)| *id == context_id)
                    .map(|(_, i)| *i)
                else {
                    // C706: a call on a context that was never accepted.
                    let fault = Fault::new(context_id, NCA_S_UNK_IF);
                    send(
                        &mut stream,
                        Packet::new(call_id, Pdu::Fault(fault)),
                        Stage::Call,
                    )
                    .await?;
                    continue;
                };
                let context = CallContext {
                    peer,
                    local,
                    interface,
                    opnum,
                    object,
                    caller,
                    responses_sent,
                };
                match service.call(context, message.stub).await {
                    CallOutcome::Reply(stub) => {
                        let header = CallHeader::Response {
                            context_id,
                            cancel_count: 0,
                        };
                        let response_call_id = options
                            .wire_faults
                            .as_ref()
                            .map_or(message.call_id, |f| f.response_call_id(message.call_id));
                        let response_context =
                            request_context.and_then(|id| Some((id, security.get_mut(id)?)));
                        let fragments = match response_context {
                            Some((
                                auth_ctx,
                                Security::Established {
                                    session,
                                    caller,
                                    auth_type,
                                },
                            )) if caller.level >= AuthLevel::Integrity => {
                                let s = settings(*auth_type, caller.level, auth_ctx);
                                fragment_call(
                                    response_call_id,
                                    &header,
                                    &stub,
                                    PfcFlags(0),
                                    max_xmit_frag,
                                    Some((&s, session)),
                                )
                            }
                            _ => fragment_call(
                                response_call_id,
                                &header,
                                &stub,
                                PfcFlags(0),
                                max_xmit_frag,
                                None,
                            ),
                        }
                        .map_err(|e| pdu_error(Stage::Call, e))?;
                        responses_sent += 1;
                        match &options.wire_faults {
                            None => stream.write_fragments(&fragments, Stage::Call).await?,
                            Some(faults) => {
                                let keep = faults
                                    .write_response(stream.inner_mut(), fragments)
                                    .await
                                    .map_err(|e| RpcError::Io {
                                        stage: Stage::Call,
                                        message: e.to_string(),
                                    })?;
                                if !keep {
                                    return Ok(());
                                }
                            }
                        }
                    }
                    CallOutcome::Fault(status) => {
                        let fault = Fault::new(context_id, status);
                        send(
                            &mut stream,
                            Packet::new(message.call_id, Pdu::Fault(fault)),
                            Stage::Call,
                        )
                        .await?;
                        responses_sent += 1;
                    }
                    CallOutcome::Close => {
                        stream.shutdown().await;
                        return Ok(());
                    }
                }
            }
            Pdu::Orphaned | Pdu::CoCancel => {
                reassembler = Reassembler::new(options.max_message);
            }
            Pdu::Shutdown => return Ok(()),
            other => {
                return Err(protocol(
                    other.ptype().name(),
                    "a client may not send this PDU",
                ));
            }
        }
    }
}

/// A bind with an authentication type or level we do not serve gets a bind_nak; an alter_context a
/// fault (MS-RPCE 3.3.1.5.4). Either way the connection ends.
async fn refuse_security(
    stream: &mut FragmentStream,
    call_id: u32,
    is_bind: bool,
) -> Result<(), RpcError> {
    let pdu = if is_bind {
        Pdu::BindNak(BindNak {
            reason: AUTHENTICATION_TYPE_NOT_RECOGNIZED,
            versions: vec![rwmi_core::rpc::ProtocolVersion { major: 5, minor: 0 }],
            signature: None,
            extended_error: Vec::new(),
        })
    } else {
        Pdu::Fault(Fault::new(0, ERROR_ACCESS_DENIED))
    };
    send(stream, Packet::new(call_id, pdu), Stage::Bind).await
}

fn settings(auth_type: AuthType, level: AuthLevel, context_id: u32) -> SecuritySettings {
    SecuritySettings {
        auth_type,
        auth_level: rwmi_core::rpc::AuthLevel(level.wire_value()),
        auth_context_id: context_id,
    }
}

async fn send(stream: &mut FragmentStream, packet: Packet, stage: Stage) -> Result<(), RpcError> {
    let bytes = packet.to_bytes().map_err(|e| RpcError::Encode {
        message: e.to_string(),
    })?;
    stream.write_fragments(&[bytes], stage).await
}

fn protocol(context: &'static str, why: &'static str) -> RpcError {
    RpcError::Protocol {
        stage: Stage::Call,
        error: rwmi_core::DecodeError::new(
            context,
            "ptype",
            2,
            rwmi_core::DecodeErrorKind::Invalid(why),
        ),
    }
}
