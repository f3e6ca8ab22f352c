//! `rwmi demo`: shows rwmi working with nothing but this machine. It starts rwmi's RPC server on a
//! loopback port, authenticates to it with NTLMv2 at each authentication level, and calls it, printing what
//! was negotiated. (Once the emulator serves WMI, the demo queries it instead.)

use std::sync::Arc;
use std::time::Instant;

use rwmi::rpc::server::BoxFuture;
use rwmi::rpc::{
    AssociationOptions, CallContext, CallOutcome, ClientAssociation, RpcService, ServerOptions,
    serve_connection,
};
use rwmi::security::{AuthLevel, Credentials, NtlmAccounts, Secret, nlmp};
use rwmi_core::Guid;
use rwmi_core::rpc::{BindTimeFeatures, SyntaxId};

use crate::exit;

/// A private interface whose one operation answers with who the server authenticated and at what level.
const WHOAMI: SyntaxId = SyntaxId::new(
    Guid::from_u128(0x3c1b6a52_91f4_4e0b_b7a1_6d2f0c9e4a11),
    1,
    0,
);

struct WhoAmI;

impl RpcService for WhoAmI {
    fn interfaces(&self) -> Vec<SyntaxId> {
        vec![WHOAMI]
    }
    fn call(&self, ctx: CallContext, _stub: Vec<u8>) -> BoxFuture<'_, CallOutcome> {
        Box::pin(async move {
            let text = match ctx.caller {
                Some(c) => format!(
                    "server saw {}\\{} at {}",
                    c.user.domain, c.user.user, c.level
                ),
                None => "server saw an anonymous caller".to_string(),
            };
            CallOutcome::Reply(text.into_bytes())
        })
    }
}

struct DemoAccounts;

impl NtlmAccounts for DemoAccounts {
    fn nt_hash(&self, _domain: &str, user: &str) -> Option<[u8; 16]> {
        user.eq_ignore_ascii_case("Administrator")
            .then(|| nlmp::nt_hash("Passw0rd!"))
    }
}

pub async fn run() -> u8 {
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("rwmi demo: cannot listen on loopback: {e}");
            return exit::FAILURE;
        }
    };
    let Ok(addr) = listener.local_addr() else {
        return exit::FAILURE;
    };
    let options = Arc::new(ServerOptions {
        accounts: Arc::new(DemoAccounts),
        max_frag: 5840,
        max_message: 1 << 20,
        secondary_address: addr.port().to_string(),
        features: Some(BindTimeFeatures(BindTimeFeatures::KNOWN)),
    });
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let options = options.clone();
            tokio::spawn(async move {
                let _ = serve_connection(stream, Arc::new(WhoAmI), options).await;
            });
        }
    });
    println!(
        "rwmi RPC server listening on {addr} (account EMU\\Administrator, password Passw0rd!)"
    );
    let credentials =
        Credentials::new("Administrator", "EMU", Secret::Password("Passw0rd!".into()));
    for level in [AuthLevel::Connect, AuthLevel::Integrity, AuthLevel::Privacy] {
        let started = Instant::now();
        let options = AssociationOptions::new(vec![WHOAMI]).with_auth(credentials.clone(), level);
        let result = async {
            let mut association = ClientAssociation::connect(addr, &options).await?;
            let reply = association.call(&WHOAMI, 0, None, &[]).await?;
            association.close().await;
            Ok::<_, rwmi::rpc::RpcError>(reply)
        }
        .await;
        match result {
            Ok(reply) => println!(
                "  {:<9} bind + NTLMv2 + call in {:>5.1} ms: {}",
                level.name(),
                started.elapsed().as_secs_f64() * 1000.0,
                String::from_utf8_lossy(&reply)
            ),
            Err(e) => {
                eprintln!("  {level}: {e}");
                return exit::FAILURE;
            }
        }
    }
    let wrong = Credentials::new("Administrator", "EMU", Secret::Password("wrong".into()));
    let options = AssociationOptions::new(vec![WHOAMI]).with_auth(wrong, AuthLevel::Privacy);
    if let Ok(mut association) = ClientAssociation::connect(addr, &options).await
        && let Err(e) = association.call(&WHOAMI, 0, None, &[]).await
    {
        println!("  a wrong password is diagnosed: {e}");
    }
    exit::SUCCESS
}
