//! Object paths and namespace names as both ends read them (MS-WMI 2.2.1: WMI object paths).

/// The class part of an object path: `Win32_Process.Handle="4"`, `\\.\root\cimv2:Win32_OS=@` and
/// `Win32_Process` all name their class; `None` for a path without one.
pub fn class_of_path(path: &str) -> Option<&str> {
    let local = path.rsplit_once(':').map_or(path, |(_, rest)| rest);
    let end = local.find(['.', '=']).unwrap_or(local.len());
    let class = local.get(..end)?.trim();
    (!class.is_empty()).then_some(class)
}

/// A namespace as WMI names it: `//./root/cimv2`, `\\.\root\cimv2`, `//server/root/cimv2` and `root/cimv2`
/// are all `root\cimv2` (the server part is the connection's business, not the namespace's).
pub fn namespace_of_resource(resource: &str) -> String {
    let unified = resource.trim().replace('/', "\\");
    let local = match unified.strip_prefix("\\\\") {
        Some(rest) => rest.split_once('\\').map_or("", |(_, ns)| ns),
        None => unified.as_str(),
    };
    local.trim_matches('\\').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_names_from_paths() {
        assert_eq!(class_of_path("Win32_Process"), Some("Win32_Process"));
        assert_eq!(
            class_of_path("Win32_Process.Handle=\"4\""),
            Some("Win32_Process")
        );
        assert_eq!(
            class_of_path("\\\\.\\root\\cimv2:Win32_Service.Name=\"x\""),
            Some("Win32_Service")
        );
        assert_eq!(class_of_path("Win32_UTCTime=@"), Some("Win32_UTCTime"));
        assert_eq!(class_of_path(""), None);
        assert_eq!(class_of_path(".x"), None);
    }

    #[test]
    fn namespaces_from_resources() {
        assert_eq!(namespace_of_resource("//./root/cimv2"), "root\\cimv2");
        assert_eq!(
            namespace_of_resource("\\\\server\\root\\default"),
            "root\\default"
        );
        assert_eq!(namespace_of_resource("root/cimv2/"), "root\\cimv2");
        assert_eq!(namespace_of_resource("\\\\server"), "");
    }
}
