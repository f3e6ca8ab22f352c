//! The endpoint mapper client: asks port 135 which dynamic port an interface listens on.

use std::net::SocketAddr;

use rwmi_core::epm::{EPM, EptMapRequest, TcpTower};
use rwmi_core::ndr::ContextHandle;
use rwmi_core::rpc::SyntaxId;

use super::client::{AssociationOptions, ClientAssociation};
use super::error::{InvokeError, RpcError};

/// Maps `interface` through the endpoint mapper at `epm_addr` (normally port 135) and returns the address
/// to bind to: the mapper's own IP with the registered port, since the IP in the tower is the server's view
/// of itself and may not be reachable from here.
pub async fn map_tcp(
    epm_addr: SocketAddr,
    interface: SyntaxId,
    options: &AssociationOptions,
) -> Result<SocketAddr, RpcError> {
    let mut epm_options = options.clone();
    epm_options.interfaces = vec![EPM];
    epm_options.auth = None;
    let mut association = ClientAssociation::connect(epm_addr, &epm_options).await?;
    let request = EptMapRequest {
        object: None,
        tower: TcpTower::new(interface, 0, [0; 4]),
        entry_handle: ContextHandle::default(),
        max_towers: 4,
    };
    let response = association.invoke(None, &request).await;
    // A call that failed on the wire has ended the association already; one whose answer did not decode
    // is closed politely like a successful one.
    if !matches!(response, Err(InvokeError::Rpc(_))) {
        association.close().await;
    }
    let response = response?;
    match response
        .towers
        .iter()
        .find(|t| t.interface == interface && t.port != 0)
    {
        Some(tower) if response.status == 0 => Ok(SocketAddr::new(epm_addr.ip(), tower.port)),
        _ => Err(RpcError::NotRegistered {
            interface,
            status: response.status,
        }),
    }
}
