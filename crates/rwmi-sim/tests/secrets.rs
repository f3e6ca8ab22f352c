//! Secrets never leak: with tracing at TRACE (everything the client and the emulator log, captured in a
//! buffer), connects that succeed, fail on a wrong password and fail otherwise leave neither the password,
//! nor the NT hash in hexadecimal, nor the NTLM response sent on the wire, in any log line, error message,
//! error `Debug`, diagnosis or `Debug` of the options and credentials.
//!
//! The NTLM response is taken from the wire: port 135 is reached through a recording proxy, and the
//! NtChallengeResponse of the AUTHENTICATE message in auth3 (MS-NLMP 2.2.1.3) is cut out of what the client
//! sent.
//!
//! These tests live with the emulator (not in crates/rwmi/tests) because they need it as a server.

mod support;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use rwmi::diagnosis::diagnose;
use rwmi::rpc::RpcError;
use rwmi::security::{AuthLevel, Credentials, Secret, nlmp};
use rwmi::wmi::{ConnectOptions, Connection, WmiError};
use rwmi_sim::launch::{SimOptions, start};
use support::{LogBuffer, rows, sim_options, timed_options};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PASSWORD: &str = "Passw0rd!";
const WRONG_PASSWORD: &str = "Wr0ng-S3cret-42";

/// The process-wide TRACE subscriber, installed once; returns everything logged so far.
fn logs() -> String {
    static BUFFER: OnceLock<LogBuffer> = OnceLock::new();
    BUFFER.get_or_init(LogBuffer::capture_trace).text()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The ways a secret's octets could be printed: hex in both cases, and `Debug` of a byte slice.
fn renderings(bytes: &[u8]) -> Vec<String> {
    let head = &bytes[..bytes.len().min(8)];
    vec![
        hex(bytes),
        hex(bytes).to_uppercase(),
        format!("{head:?}").trim_end_matches(']').to_string(),
        format!("{head:02X?}").trim_end_matches(']').to_string(),
    ]
}

fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    assert!(
        !text.is_empty() || what.starts_with("log"),
        "{what} is empty"
    );
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "{what} contains the secret `{secret}`:\n{text}"
        );
    }
}

fn secrets(extra_ntlm_responses: &[Vec<u8>]) -> Vec<String> {
    let mut s = vec![PASSWORD.to_string(), WRONG_PASSWORD.to_string()];
    s.extend(renderings(&nlmp::nt_hash(PASSWORD)));
    s.extend(renderings(&nlmp::nt_hash(WRONG_PASSWORD)));
    for response in extra_ntlm_responses {
        s.extend(renderings(response));
    }
    s
}

/// A TCP proxy to `upstream` that keeps a copy of every octet the client sends.
async fn recording_proxy(upstream: SocketAddr) -> (SocketAddr, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let record = sent.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = TcpStream::connect(upstream).await else {
                return;
            };
            let record = record.clone();
            tokio::spawn(async move {
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let up = async {
                    let mut buf = [0u8; 4096];
                    while let Ok(n @ 1..) = client_read.read(&mut buf).await {
                        record.lock().unwrap().extend_from_slice(&buf[..n]);
                        if server_write.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = server_write.shutdown().await;
                };
                let down = async {
                    let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
                    let _ = client_write.shutdown().await;
                };
                tokio::join!(up, down);
            });
        }
    });
    (addr, sent)
}

/// The NtChallengeResponse of the first NTLM AUTHENTICATE message in `bytes` (MS-NLMP 2.2.1.3: the
/// fields at offset 20 are Len, MaxLen, BufferOffset, relative to the message start).
fn ntlm_response(bytes: &[u8]) -> Vec<u8> {
    let signature = b"NTLMSSP\0\x03\0\0\0";
    let start = bytes
        .windows(signature.len())
        .position(|w| w == signature)
        .expect("an AUTHENTICATE message was sent");
    let message = &bytes[start..];
    let len = usize::from(u16::from_le_bytes([message[20], message[21]]));
    let offset = u32::from_le_bytes([message[24], message[25], message[26], message[27]]) as usize;
    let response = message[offset..offset + len].to_vec();
    assert!(response.len() > 24, "an NTLMv2 response");
    response
}

fn options(target: &str, secret: Secret) -> ConnectOptions {
    let credentials = Credentials::parse_user("Administrator", secret);
    timed_options(target, credentials, Duration::from_secs(3))
}

fn describe(error: &WmiError) -> String {
    format!("{error}\n{error:?}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_errors_or_debug_output() {
    logs();
    let sim = SimOptions {
        virtual_hosts: 2,
        profiles: vec!["1:home-edition".into()],
        ..sim_options()
    };
    let emulator = start(&sim).await.unwrap();
    let healthy = emulator.hosts()[0].scm_addr;
    let home = emulator.hosts()[1].scm_addr.to_string();
    let (proxy, sent) = recording_proxy(healthy).await;

    // A connect that succeeds, with the password, through the recording proxy.
    let o = options(&proxy.to_string(), Secret::Password(PASSWORD.into()));
    let mut texts = vec![("Debug of ConnectOptions", format!("{o:?}"))];
    texts.push(("Debug of Credentials", format!("{:?}", o.credentials())));
    let connection = Connection::connect(o).await.unwrap();
    let rows = rows(&connection, "SELECT * FROM Win32_OperatingSystem").await;
    assert_eq!(rows.len(), 1);
    texts.push(("Debug of Connection", format!("{connection:?}")));
    connection.close().await;
    let response = ntlm_response(&sent.lock().unwrap());

    // Pass-the-hash.
    let by_hash = options(
        &healthy.to_string(),
        Secret::NtHash(nlmp::nt_hash(PASSWORD)),
    );
    texts.push(("Debug of NT-hash ConnectOptions", format!("{by_hash:?}")));
    Connection::connect(by_hash).await.unwrap().close().await;

    // A wrong password: a logon failure, and its diagnosis.
    let wrong = options(
        &healthy.to_string(),
        Secret::Password(WRONG_PASSWORD.into()),
    );
    texts.push(("Debug of wrong ConnectOptions", format!("{wrong:?}")));
    let error = Connection::connect(wrong.clone()).await.unwrap_err();
    assert!(error.is_logon_failure(), "{error}");
    texts.push(("wrong-password error", describe(&error)));
    let d = diagnose(wrong).await;
    assert_eq!(d.verdict.id, "logon-failure");
    texts.push((
        "wrong-password diagnosis",
        format!("{}\n{}", d.to_text(), d.to_json()),
    ));

    // Failing connects: refused activation, and nothing listening.
    let error = Connection::connect(options(&home, Secret::Password(PASSWORD.into())))
        .await
        .unwrap_err();
    texts.push(("home-edition error", describe(&error)));
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_addr = closed.local_addr().unwrap().to_string();
    drop(closed);
    let error = Connection::connect(options(&closed_addr, Secret::Password(PASSWORD.into())))
        .await
        .unwrap_err();
    assert!(matches!(
        error.rpc.as_deref(),
        Some(RpcError::Connect { .. })
    ));
    texts.push(("refused error", describe(&error)));
    emulator.shutdown().await;

    let log = logs();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "the subscriber captured nothing"
    );
    let secrets = secrets(&[response]);
    assert_clean("log", &log, &secrets);
    for (what, text) in &texts {
        assert_clean(what, text, &secrets);
    }
}

#[test]
fn debug_of_secrets_is_redacted() {
    let password = Secret::Password(PASSWORD.into());
    let hash = Secret::NtHash(nlmp::nt_hash(PASSWORD));
    let secrets = secrets(&[]);
    for text in [
        format!("{password:?}"),
        format!("{hash:?}"),
        format!(
            "{:#?}",
            Credentials::parse_user("CORP\\alice", password.clone())
        ),
        format!("{:#?}", options("h", hash.clone())),
    ] {
        assert_clean("Debug", &text, &secrets);
    }
}

/// Going below packet integrity needs asking: the default is privacy.
#[test]
fn the_default_level_is_privacy() {
    let o = options("h", Secret::Password(PASSWORD.into()));
    assert_eq!(o.auth_level, AuthLevel::Privacy);
}
