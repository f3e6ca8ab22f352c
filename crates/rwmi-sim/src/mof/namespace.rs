//! Resolving `#pragma namespace` paths against the current namespace.

/// The namespace `mofcomp` loads into when no `#pragma namespace` (or `-N` switch) names one.
pub const DEFAULT_NAMESPACE: &str = r"root\default";

/// Resolves `path` from `#pragma namespace` against `current`.
///
/// - `\\server\root\cimv2` (or with `/`) is absolute; the server part (usually `.`) is dropped.
/// - A path whose first segment is `root` is taken as absolute too, since every WMI namespace lives under
///   `root` and MOF authors write `"root\\cimv2"` meaning exactly that.
/// - Anything else is relative to `current`: `"subns"` in `root\cimv2` is `root\cimv2\subns`.
///
/// Separators are normalised to `\`; empty segments are an error.
pub(crate) fn resolve(current: &str, path: &str) -> Result<String, String> {
    let normalized = path.replace('/', "\\");
    let absolute = if let Some(after_server_prefix) = normalized.strip_prefix(r"\\") {
        let (server, rest) = after_server_prefix
            .split_once('\\')
            .unwrap_or((after_server_prefix, ""));
        if server.is_empty() {
            return Err(format!("namespace path `{path}` has an empty server name"));
        }
        rest.to_string()
    } else if normalized
        .split('\\')
        .next()
        .is_some_and(|first| first.eq_ignore_ascii_case("root"))
    {
        normalized
    } else {
        if normalized.starts_with('\\') {
            return Err(format!("namespace path `{path}` starts with a single `\\`"));
        }
        format!(r"{current}\{normalized}")
    };
    if absolute.is_empty() || absolute.split('\\').any(str::is_empty) {
        return Err(format!("namespace path `{path}` has an empty segment"));
    }
    Ok(absolute)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths_drop_the_server() {
        assert_eq!(
            resolve(DEFAULT_NAMESPACE, r"\\.\root\cimv2"),
            Ok(r"root\cimv2".into())
        );
        assert_eq!(
            resolve(DEFAULT_NAMESPACE, r"\\HOST\Root\Test"),
            Ok(r"Root\Test".into())
        );
        assert_eq!(resolve(r"root\x", "//./root/wmi"), Ok(r"root\wmi".into()));
    }

    #[test]
    fn root_prefixed_paths_are_absolute() {
        assert_eq!(resolve(r"root\cimv2", r"root\wmi"), Ok(r"root\wmi".into()));
        assert_eq!(resolve(r"root\cimv2", "ROOT"), Ok("ROOT".into()));
    }

    #[test]
    fn relative_paths_append() {
        assert_eq!(resolve(r"root\cimv2", "sub"), Ok(r"root\cimv2\sub".into()));
        assert_eq!(resolve(r"root\cimv2", r"a\b"), Ok(r"root\cimv2\a\b".into()));
    }

    #[test]
    fn malformed_paths() {
        for bad in [
            "", r"\\", r"\\.", r"\\.\", r"\\\root", r"\root", r"root\\x", r"a\", r"root\",
        ] {
            assert!(resolve(DEFAULT_NAMESPACE, bad).is_err(), "{bad:?}");
        }
    }
}
