//! The server side of presentation context negotiation: from a bind (or alter_context) and what the server
//! offers, the p_result_list and fragment sizes of the bind_ack (C706 12.6.3.1, MS-RPCE 3.3.1.5.3,
//! 3.3.1.5.6).

use super::bind::{
    Bind, BindAck, BindTimeFeatures, ContextElement, ContextOutcome, ContextResult, ProviderReason,
    SyntaxId,
};

/// Every implementation must accept fragments of this size (C706 12.6.3.6, MustRecvFragSize), so the
/// negotiated sizes never go below it.
pub const MUST_RECV_FRAG_SIZE: u16 = 1432;

/// What a server offers.
#[derive(Clone, Copy, Debug)]
pub struct ServerBindPolicy<'a> {
    /// Interfaces served (abstract syntaxes, version included).
    pub interfaces: &'a [SyntaxId],
    /// Transfer syntaxes supported, the preferred first.
    pub transfer_syntaxes: &'a [SyntaxId],
    /// Bind time features supported, or `None` for a server that does not do feature negotiation.
    pub features: Option<BindTimeFeatures>,
    pub max_xmit_frag: u16,
    pub max_recv_frag: u16,
}

/// A presentation context the server accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcceptedContext {
    pub context_id: u16,
    pub abstract_syntax: SyntaxId,
    pub transfer_syntax: SyntaxId,
}

/// The outcome of negotiating one bind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindNegotiation {
    /// One result per proposed context, in the order of the proposal.
    pub results: Vec<ContextResult>,
    pub accepted: Vec<AcceptedContext>,
    /// The features both sides support, when the client asked.
    pub features: Option<BindTimeFeatures>,
    /// The server's transmit size: at most what the client can receive.
    pub max_xmit_frag: u16,
    /// The server's receive size: at most what the client will transmit.
    pub max_recv_frag: u16,
}

impl BindNegotiation {
    pub fn to_bind_ack(&self, assoc_group_id: u32, secondary_address: &str) -> BindAck {
        BindAck {
            max_xmit_frag: self.max_xmit_frag,
            max_recv_frag: self.max_recv_frag,
            assoc_group_id,
            secondary_address: secondary_address.to_owned(),
            results: self.results.clone(),
        }
    }
}

/// The feature bits a context element proposes, when it is a feature negotiation element (exactly one
/// transfer syntax with the 6cb71c2c-9812-4540 prefix).
fn feature_request(element: &ContextElement) -> Option<BindTimeFeatures> {
    match element.transfer_syntaxes.as_slice() {
        [only] => only.feature_negotiation_bits(),
        _ => None,
    }
}

/// The transfer syntax the server takes for `abstract_syntax` among all elements that propose it: the
/// server's preferred one if proposed, else the first proposed that the server supports (MS-RPCE 3.3.1.5.6).
fn choose_transfer_syntax(
    bind: &Bind,
    abstract_syntax: &SyntaxId,
    supported: &[SyntaxId],
) -> Option<SyntaxId> {
    let proposed = || {
        bind.contexts
            .iter()
            .filter(|c| c.abstract_syntax == *abstract_syntax && feature_request(c).is_none())
            .flat_map(|c| c.transfer_syntaxes.iter())
    };
    supported
        .first()
        .filter(|preferred| proposed().any(|p| p == *preferred))
        .copied()
        .or_else(|| proposed().find(|p| supported.contains(p)).copied())
}

/// Answers a bind or alter_context. At most one context per abstract syntax is accepted; the other
/// elements proposing it get provider_rejection (MS-RPCE 3.3.1.5.6).
pub fn negotiate_bind(bind: &Bind, policy: &ServerBindPolicy<'_>) -> BindNegotiation {
    let mut results = Vec::with_capacity(bind.contexts.len());
    let mut accepted: Vec<AcceptedContext> = Vec::new();
    let mut features = None;
    for element in &bind.contexts {
        let result = if let Some(requested) = feature_request(element) {
            match policy.features {
                // MS-RPCE 3.3.1.5.3: one feature negotiation element at most; reserved bits cleared.
                Some(offered) if features.is_none() => {
                    let agreed =
                        BindTimeFeatures(requested.0 & offered.0 & BindTimeFeatures::KNOWN);
                    features = Some(agreed);
                    ContextResult {
                        outcome: ContextOutcome::NegotiateAck(agreed),
                        transfer_syntax: SyntaxId::new(crate::guid::Guid::NIL, 0, 0),
                    }
                }
                _ => ContextResult::rejected(
                    ProviderReason::PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED,
                ),
            }
        } else if !policy.interfaces.contains(&element.abstract_syntax) {
            ContextResult::rejected(ProviderReason::ABSTRACT_SYNTAX_NOT_SUPPORTED)
        } else {
            let already = accepted
                .iter()
                .any(|a| a.abstract_syntax == element.abstract_syntax);
            let chosen =
                choose_transfer_syntax(bind, &element.abstract_syntax, policy.transfer_syntaxes)
                    .filter(|chosen| !already && element.transfer_syntaxes.contains(chosen));
            match chosen {
                Some(transfer_syntax) => {
                    accepted.push(AcceptedContext {
                        context_id: element.context_id,
                        abstract_syntax: element.abstract_syntax,
                        transfer_syntax,
                    });
                    ContextResult::accepted(transfer_syntax)
                }
                None => ContextResult::rejected(
                    ProviderReason::PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED,
                ),
            }
        };
        results.push(result);
    }
    BindNegotiation {
        results,
        accepted,
        features,
        // A peer may not push us below the must-receive size (C706), but a server configured smaller on
        // purpose (tests that force many fragments) gets what it asked for.
        max_xmit_frag: bind
            .max_recv_frag
            .min(policy.max_xmit_frag)
            .max(MUST_RECV_FRAG_SIZE.min(policy.max_xmit_frag)),
        max_recv_frag: bind
            .max_xmit_frag
            .min(policy.max_recv_frag)
            .max(MUST_RECV_FRAG_SIZE.min(policy.max_recv_frag)),
    }
}
