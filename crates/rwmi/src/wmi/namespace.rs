//! IWbemServices::OpenNamespace (MS-WMI 3.1.4.3.1): a namespace below the current one, reached over the
//! same association (no new activation, login or bind).

use std::sync::Arc;

use rwmi_core::dcom::OrpcThis;
use rwmi_core::ndr::Unique;
use rwmi_core::wmi::bstr::Bstr;
use rwmi_core::wmi::services::{OpenNamespaceRequest, wanted};

use super::connection::Connection;
use super::dcom::session::new_cid;
use super::error::{WmiError, WmiStage};
use super::options::normalize_namespace;

const OPEN_NAMESPACE: &str = "IWbemServices::OpenNamespace";

impl Connection {
    /// Opens `relative` (`subscription`, or `a/b`) below this connection's namespace. The new connection
    /// shares this one's association, class cache and keep-alive pings; closing either releases only its
    /// own namespace object.
    pub async fn open_namespace(&self, relative: &str) -> Result<Connection, WmiError> {
        let relative = normalize_namespace(relative).map_err(|e| {
            WmiError::new(WmiStage::Login, Some(OPEN_NAMESPACE), None, e.to_string())
        })?;
        // MS-WMI 3.1.4.3.1: with lFlags 0 (synchronous), the server fills ppWorkingNamespace and the
        // caller passes ppResult as NULL.
        let request = OpenNamespaceRequest {
            this: OrpcThis::new(new_cid()),
            namespace: Bstr::new(&relative),
            flags: 0,
            context: Unique::null(),
            working_namespace: wanted(),
            result: Unique::null(),
        };
        let response = self
            .shared
            .call(self.services, &request, WmiStage::Login, OPEN_NAMESPACE)
            .await?;
        let pointer = response.working_namespace.as_ref().and_then(|p| p.as_ref());
        if response.hresult != 0 {
            // A pointer returned with a failure would still hold a reference on the server.
            if let Some(ipid) = self.shared.adopt(pointer) {
                self.shared.release(&[ipid]).await;
            }
            return Err(WmiError::status(
                WmiStage::Login,
                OPEN_NAMESPACE,
                response.hresult,
            ));
        }
        let services = self.shared.adopt(pointer).ok_or_else(|| {
            WmiError::new(
                WmiStage::Login,
                Some(OPEN_NAMESPACE),
                None,
                "OpenNamespace returned no IWbemServices pointer",
            )
        })?;
        Ok(Connection {
            shared: self.shared.clone(),
            services,
            namespace: Arc::from(format!("{}\\{relative}", self.namespace).as_str()),
            report: self.report.clone(),
        })
    }
}
