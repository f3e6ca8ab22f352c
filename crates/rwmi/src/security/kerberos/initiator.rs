//! The client side of the handshake (MS-RPCE 3.3.1.5.2, MS-KILE 3.4.5.1): the AP-REQ for the bind, with
//! the tickets got from the KDC while it is built, then the AP-REP for rpc_auth_3.

use std::sync::Arc;

use sspi::{
    BufferType, ClientRequestFlags, CredentialUse, CredentialsBuffers, DataRepresentation,
    Kerberos, KerberosConfig, SecurityBuffer, Sspi, SspiImpl,
};

use super::acceptor::unix_now;
use super::{KerberosCredentials, KerberosSecret, KerberosSession, sspi_error};
use crate::security::kdc::{KdcClient, KdcObservation, krb_error_code, krb_error_server_time};
use crate::security::{AuthLevel, KerberosErrorCode, SecurityError, output_token, quietly};

/// The client side: the AP-REQ for the bind, then the AP-REP for rpc_auth_3.
pub struct KerberosInitiator {
    kerberos: Kerberos,
    handle: Option<CredentialsBuffers>,
    kdc: KdcClient,
    spn: String,
    level: AuthLevel,
}

impl KerberosInitiator {
    pub fn new(credentials: &KerberosCredentials, level: AuthLevel) -> Result<Self, SecurityError> {
        if !credentials.spn.contains('/') {
            return Err(SecurityError::Internal(format!(
                "the service principal name {:?} has no service class (host/<fqdn>)",
                credentials.spn
            )));
        }
        let mut kdc = KdcClient::new(credentials.kdc, credentials.kdc_timeout);
        let config = KerberosConfig::new_with_kdc_url(
            &format!("tcp://{}", credentials.kdc),
            "rwmi".to_owned(),
        );
        let mut kerberos = Kerberos::new_client_from_config(config)
            .map_err(|e| sspi_error("Kerberos initiator", e))?;
        let auth_data = credentials.sspi_identity()?;
        if let KerberosSecret::CachedTgt(tgt) = &credentials.secret {
            kdc = kdc.with_cached_tgt(Arc::new((**tgt).clone()));
        }
        let acquired = quietly(|| {
            kerberos
                .acquire_credentials_handle()
                .with_credential_use(CredentialUse::Outbound)
                .with_auth_data(&auth_data)
                .execute(&mut kerberos)
        })
        .map_err(|e| sspi_error("acquiring Kerberos credentials", e))?;
        Ok(Self {
            kerberos,
            handle: acquired.credentials_handle,
            kdc,
            spn: credentials.spn.clone(),
            level,
        })
    }

    /// The context flags, which reach the server as GSS flags in the authenticator checksum (RFC 4121
    /// 4.1.1.1). GSS_C_CONF_FLAG only at privacy: with it Samba sizes every auth_value as a Wrap token, also
    /// the MIC tokens of integrity, and faults the first response.
    fn flags(level: AuthLevel) -> ClientRequestFlags {
        let flags = ClientRequestFlags::ALLOCATE_MEMORY
            | ClientRequestFlags::USE_DCE_STYLE
            | ClientRequestFlags::MUTUAL_AUTH
            | ClientRequestFlags::INTEGRITY
            | ClientRequestFlags::SEQUENCE_DETECT
            | ClientRequestFlags::REPLAY_DETECT;
        if level == AuthLevel::Privacy {
            flags | ClientRequestFlags::CONFIDENTIALITY
        } else {
            flags
        }
    }

    fn step(&mut self, input: Option<&[u8]>) -> Result<Vec<u8>, SecurityError> {
        let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let mut input_buffers = vec![SecurityBuffer::new(
            input.unwrap_or_default().to_vec(),
            BufferType::Token,
        )];
        let mut builder = self
            .kerberos
            .initialize_security_context()
            .with_credentials_handle(&mut self.handle)
            .with_context_requirements(Self::flags(self.level))
            .with_target_data_representation(DataRepresentation::Native)
            .with_target_name(&self.spn)
            .with_input(&mut input_buffers)
            .with_output(&mut output);
        let kdc = &self.kdc;
        let result = quietly(|| {
            self.kerberos
                .initialize_security_context_impl(&mut builder)
                .and_then(|mut g| g.resolve_with_client(kdc))
        });
        match result {
            Ok(_) => Ok(output_token(&mut output)),
            Err(e) => Err(self.explain(e)),
        }
    }

    /// Names a failure by what the KDC said last, which sspi only reports as text.
    fn explain(&self, e: sspi::Error) -> SecurityError {
        match self.kdc.last_observation() {
            Some(KdcObservation::Unreachable(message)) => SecurityError::KdcUnreachable {
                kdc: self.kdc.kdc(),
                message,
            },
            Some(KdcObservation::KrbError(code)) => {
                // sspi appends e-data as a hex dump: useless to a reader.
                let text = e.description.as_str();
                let text = text
                    .split_once(". Additional error data")
                    .map_or(text, |(head, _)| head);
                SecurityError::Kerberos {
                    code: KerberosErrorCode(code),
                    message: format!("the KDC refused: {text}"),
                }
            }
            None => sspi_error("Kerberos initiator", e),
        }
    }

    /// The KDC this initiator asks for tickets.
    pub fn kdc(&self) -> std::net::SocketAddr {
        self.kdc.kdc()
    }

    /// Gets a TGT and a service ticket from the KDC (blocking network I/O) and gives the AP-REQ for the bind.
    pub fn ap_req(&mut self) -> Result<Vec<u8>, SecurityError> {
        self.step(None)
    }

    /// Consumes the server's AP-REP from the bind_ack and gives the client's AP-REP for rpc_auth_3 together
    /// with the established session. `header_signing` is whether the bind_ack echoed PFC_SUPPORT_HEADER_SIGN.
    pub fn complete(
        mut self,
        ap_rep: &[u8],
        header_signing: bool,
    ) -> Result<(Vec<u8>, KerberosSession), SecurityError> {
        if let Some(code) = krb_error_code(ap_rep) {
            let mut message = "the server refused the AP-REQ".to_string();
            // RFC 4120 5.9.1: stime is the server's clock; with a skew, say by how much.
            if KerberosErrorCode(code) == KerberosErrorCode::KRB_AP_ERR_SKEW
                && let Some(server) = krb_error_server_time(ap_rep)
            {
                let local = unix_now();
                let ahead = server.saturating_sub(local);
                message.push_str(&format!(
                    "; the server's clock is {} s {} this machine's",
                    ahead.saturating_abs(),
                    if ahead >= 0 { "ahead of" } else { "behind" }
                ));
            }
            return Err(SecurityError::Kerberos {
                code: KerberosErrorCode(code),
                message,
            });
        }
        let token = self.step(Some(ap_rep))?;
        let session = KerberosSession::established(self.kerberos, self.level, header_signing)?;
        Ok((token, session))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_key_length_or_a_spn_without_service_class_is_refused_up_front() {
        let kdc = "127.0.0.1:88".parse().unwrap();
        let mut c = KerberosCredentials::new("alice", "TEST.LOCAL", "pw", kdc, "dc1.test.local");
        assert!(KerberosInitiator::new(&c, AuthLevel::Privacy).is_err());
        c.spn = "host/dc1.test.local".into();
        c.secret = KerberosSecret::AesKey(vec![0; 20]);
        assert!(KerberosInitiator::new(&c, AuthLevel::Privacy).is_err());
        c.secret = KerberosSecret::AesKey(vec![0; 32]);
        assert!(KerberosInitiator::new(&c, AuthLevel::Privacy).is_ok());
    }

    #[test]
    fn a_krb_error_in_place_of_the_ap_rep_is_typed() {
        let kdc = "127.0.0.1:9".parse().unwrap();
        let c = KerberosCredentials::new("alice", "TEST.LOCAL", "pw", kdc, "host/x.test.local");
        let initiator = KerberosInitiator::new(&c, AuthLevel::Privacy).unwrap();
        let skew = crate::security::kdc::encoded_krb_error(37);
        let err = initiator.complete(&skew, true).unwrap_err();
        assert_eq!(
            err.kerberos_code(),
            Some(KerberosErrorCode::KRB_AP_ERR_SKEW)
        );
        assert!(err.to_string().contains("clocks"), "{err}");
        assert!(!err.is_logon_failure());
        // Anything else before the AP-REQ was made is an error, not a panic.
        let initiator = KerberosInitiator::new(&c, AuthLevel::Privacy).unwrap();
        assert!(initiator.complete(&[0x6f, 0x03, 0x02, 0x01], true).is_err());
    }
}
