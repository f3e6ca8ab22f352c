//! rwmi's own client and server over real TCP on loopback: every authentication level, fragments forced
//! small so that reassembly and per-fragment signing are exercised, and the failures a client must type.

use std::sync::Arc;
use std::time::Duration;

use rwmi::rpc::{
    AssociationOptions, CallContext, CallOutcome, ClientAssociation, RpcError, RpcService,
    ServerOptions, Stage, serve_connection,
};
use rwmi::security::{AuthLevel, Credentials, NtlmAccounts, Secret, nlmp};
use rwmi_core::Guid;
use rwmi_core::rpc::SyntaxId;
use rwmi_core::status::nca::NCA_S_OP_RNG_ERROR;
use tokio::net::TcpListener;

const ECHO: SyntaxId = SyntaxId::new(
    Guid::from_u128(0x6f2a9c31_4b1e_4c0d_9a2b_0e1f2a3b4c5d),
    1,
    0,
);
const OTHER: SyntaxId = SyntaxId::new(
    Guid::from_u128(0x11111111_2222_3333_4444_555555555555),
    1,
    0,
);

/// Opnum 0 echoes the stub reversed, with the caller's user name and level appended; opnum 1 faults.
struct Echo;

impl RpcService for Echo {
    fn interfaces(&self) -> Vec<SyntaxId> {
        vec![ECHO]
    }
    fn call(
        &self,
        ctx: CallContext,
        mut stub: Vec<u8>,
    ) -> rwmi::rpc::server::BoxFuture<'_, CallOutcome> {
        Box::pin(async move {
            match ctx.opnum {
                0 => {
                    stub.reverse();
                    if let Some(caller) = &ctx.caller {
                        stub.extend_from_slice(
                            format!("|{}|{}", caller.user.user, caller.level).as_bytes(),
                        );
                    }
                    CallOutcome::Reply(stub)
                }
                1 => CallOutcome::Fault(NCA_S_OP_RNG_ERROR),
                _ => CallOutcome::Close,
            }
        })
    }
}

struct Accounts;
impl NtlmAccounts for Accounts {
    fn nt_hash(&self, _domain: &str, user: &str) -> Option<[u8; 16]> {
        user.eq_ignore_ascii_case("alice")
            .then(|| nlmp::nt_hash("Passw0rd!"))
    }
}

async fn start_server(max_frag: u16) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let options = Arc::new(ServerOptions {
        accounts: Arc::new(Accounts),
        kerberos: None,
        max_frag,
        max_message: 1 << 20,
        secondary_address: addr.port().to_string(),
        features: Some(rwmi_core::rpc::BindTimeFeatures(
            rwmi_core::rpc::BindTimeFeatures::KNOWN,
        )),
        wire_faults: None,
    });
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let options = options.clone();
            tokio::spawn(async move {
                let _ = serve_connection(stream, Arc::new(Echo), options).await;
            });
        }
    });
    addr
}

fn options(level: Option<AuthLevel>, password: &str, max_frag: u16) -> AssociationOptions {
    let mut o = AssociationOptions::new(vec![ECHO]);
    o.max_frag = max_frag;
    o.call_timeout = Duration::from_secs(10);
    if let Some(level) = level {
        o = o.with_auth(
            Credentials::new("alice", "EMU", Secret::Password(password.into())),
            level,
        );
    }
    o
}

#[tokio::test]
async fn all_levels_with_tiny_fragments() {
    let addr = start_server(64).await;
    for level in [
        None,
        Some(AuthLevel::Connect),
        Some(AuthLevel::Integrity),
        Some(AuthLevel::Privacy),
    ] {
        let mut client = ClientAssociation::connect(addr, &options(level, "Passw0rd!", 64))
            .await
            .unwrap();
        assert!(
            client.features().is_some(),
            "the server acknowledged bind-time feature negotiation"
        );
        for size in [0usize, 1, 15, 16, 17, 100, 1000, 5000] {
            let stub: Vec<u8> = (0..size).map(|i| (i * 7) as u8).collect();
            let reply = client.call(&ECHO, 0, None, &stub).await.unwrap();
            let mut expected: Vec<u8> = stub.iter().rev().copied().collect();
            if let Some(level) = level {
                expected.extend_from_slice(format!("|alice|{level}").as_bytes());
            }
            assert_eq!(reply, expected, "level {level:?}, {size} bytes");
        }
        let fault = client.call(&ECHO, 1, None, b"x").await.unwrap_err();
        assert_eq!(
            fault,
            RpcError::Fault {
                opnum: 1,
                status: NCA_S_OP_RNG_ERROR
            }
        );
        assert!(
            fault
                .to_string()
                .contains("nca_s_op_rng_error 0x1C010002 (469827586)"),
            "{fault}"
        );
        // A fault leaves the association usable.
        assert!(client.call(&ECHO, 0, None, b"ok").await.is_ok());
    }
}

#[tokio::test]
async fn wrong_password_is_a_typed_logon_failure() {
    let addr = start_server(5840).await;
    let mut client =
        ClientAssociation::connect(addr, &options(Some(AuthLevel::Privacy), "nope", 5840))
            .await
            .unwrap();
    let err = client.call(&ECHO, 0, None, b"x").await.unwrap_err();
    assert!(err.is_logon_failure(), "{err:?}");
    assert_eq!(err.stage(), Stage::Authenticate);
    assert!(!err.to_string().contains("nope"));
}

#[tokio::test]
async fn unknown_interface_is_rejected_at_bind() {
    let addr = start_server(5840).await;
    let mut o = options(None, "", 5840);
    o.interfaces = vec![OTHER];
    let err = ClientAssociation::connect(addr, &o).await.unwrap_err();
    assert!(
        matches!(err, RpcError::ContextRejected { interface, .. } if interface == OTHER),
        "{err:?}"
    );
}

#[tokio::test]
async fn closed_port_is_refused_and_silence_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let err = ClientAssociation::connect(addr, &options(None, "", 5840))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            RpcError::Connect {
                failure: rwmi::rpc::ConnectFailure::Refused,
                ..
            }
        ),
        "{err:?}"
    );

    // A listener that accepts but never answers the bind.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let mut o = options(None, "", 5840);
    o.connect_timeout = Duration::from_millis(300);
    let err = ClientAssociation::connect(addr, &o).await.unwrap_err();
    assert_eq!(
        err,
        RpcError::Timeout {
            stage: Stage::Bind,
            after: Duration::from_millis(300)
        }
    );
    drop(silent);
}

#[tokio::test]
async fn server_dropping_the_connection_is_closed_not_a_hang() {
    let addr = start_server(5840).await;
    let mut client = ClientAssociation::connect(
        addr,
        &options(Some(AuthLevel::Integrity), "Passw0rd!", 5840),
    )
    .await
    .unwrap();
    let err = client.call(&ECHO, 2, None, b"x").await.unwrap_err();
    assert_eq!(err, RpcError::Closed { stage: Stage::Call });
}
