//! WMI object paths (MS-WMI 2.2.1.2 and "Describing a WMI object path", Microsoft Learn):
//! `[\\server\namespace:]Class`, `Class.Key="value"`, `Class.K1=1,K2="x"`, `Class="value"` (the single
//! key, unnamed) and `Class=@` (a singleton). String values are in double (or single) quotes with `\`
//! escaping the next character; other values are integers or TRUE / FALSE.

use std::fmt;

use rwmi_core::wmio::Value;

/// A parsed object path.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectPath {
    /// `\\server\namespace:` prefix: the namespace, without the server. `None` when not given.
    pub namespace: Option<String>,
    pub class: String,
    pub target: PathTarget,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PathTarget {
    /// The class itself.
    Class,
    /// `Class=@`
    Singleton,
    /// `Class.K=v,...` or `Class=v` (name `None`).
    Keys(Vec<(Option<String>, KeyValue)>),
}

/// A key value as written in a path.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyValue {
    String(String),
    Integer(i128),
    Bool(bool),
}

impl KeyValue {
    /// Whether a property value equals this key: strings without regard to case (as WMI compares
    /// keys), numbers by value across widths.
    pub fn matches(&self, value: &Value) -> bool {
        match (self, value) {
            (
                KeyValue::String(key),
                Value::String(v) | Value::DateTime(v) | Value::Reference(v),
            ) => key.eq_ignore_ascii_case(v) || key.to_lowercase() == v.to_lowercase(),
            (KeyValue::Bool(key), Value::Boolean(v)) => key == v,
            (KeyValue::Integer(key), v) => integer_of(v) == Some(*key),
            (KeyValue::String(key), v) => key
                .parse::<i128>()
                .ok()
                .is_some_and(|k| integer_of(v) == Some(k)),
            _ => false,
        }
    }
}

fn integer_of(value: &Value) -> Option<i128> {
    Some(match value {
        Value::SInt8(v) => i128::from(*v),
        Value::UInt8(v) => i128::from(*v),
        Value::SInt16(v) => i128::from(*v),
        Value::UInt16(v) => i128::from(*v),
        Value::SInt32(v) => i128::from(*v),
        Value::UInt32(v) => i128::from(*v),
        Value::SInt64(v) => i128::from(*v),
        Value::UInt64(v) => i128::from(*v),
        Value::Char16(v) => i128::from(*v),
        _ => return None,
    })
}

/// Why a path could not be read; maps to WBEM_E_INVALID_OBJECT_PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "object path at offset {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for PathError {}

/// Longest path accepted; real paths are far shorter, and this bounds the work a caller can cause.
pub const MAX_PATH_LEN: usize = 64 * 1024;

impl ObjectPath {
    pub fn parse(text: &str) -> Result<ObjectPath, PathError> {
        if text.len() > MAX_PATH_LEN {
            return Err(PathError {
                offset: MAX_PATH_LEN,
                message: format!("longer than {MAX_PATH_LEN} bytes"),
            });
        }
        let (namespace, rest, start) = split_namespace(text)?;
        let mut cursor = Cursor {
            chars: rest.char_indices().peekable(),
            base: start,
            text: rest,
        };
        let class = cursor.identifier("class name")?;
        let target = match cursor.next() {
            None => PathTarget::Class,
            Some((_, '=')) => {
                if cursor.eat('@') {
                    PathTarget::Singleton
                } else {
                    PathTarget::Keys(vec![(None, cursor.value()?)])
                }
            }
            Some((_, '.')) => {
                let mut keys = Vec::new();
                loop {
                    let name = cursor.identifier("key name")?;
                    cursor.expect('=')?;
                    keys.push((Some(name), cursor.value()?));
                    if !cursor.eat(',') {
                        break;
                    }
                }
                PathTarget::Keys(keys)
            }
            Some((at, c)) => {
                return Err(cursor.error(at, format!("expected `.` or `=`, found `{c}`")));
            }
        };
        if let Some((at, c)) = cursor.next() {
            return Err(cursor.error(at, format!("unexpected `{c}` after the path")));
        }
        Ok(ObjectPath {
            namespace,
            class,
            target,
        })
    }
}

/// Splits `\\server\ns:rest` or `ns:rest` (the colon outside quotes) from the relative part.
fn split_namespace(text: &str) -> Result<(Option<String>, &str, usize), PathError> {
    let mut in_quote: Option<char> = None;
    let mut escaped = false;
    for (index, c) in text.char_indices() {
        match (in_quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(q), c) if c == q => in_quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => in_quote = Some(c),
            (None, ':') => {
                let prefix = text[..index].replace('/', "\\");
                let namespace = match prefix.strip_prefix(r"\\") {
                    Some(after_server) => after_server
                        .split_once('\\')
                        .map(|(_, ns)| ns.to_string())
                        .ok_or(PathError {
                            offset: index,
                            message: "server prefix without namespace".into(),
                        })?,
                    None => prefix,
                };
                if namespace.is_empty() {
                    return Err(PathError {
                        offset: index,
                        message: "empty namespace before `:`".into(),
                    });
                }
                return Ok((Some(namespace), &text[index + 1..], index + 1));
            }
            (None, _) => {}
        }
    }
    Ok((None, text, 0))
}

struct Cursor<'t> {
    chars: std::iter::Peekable<std::str::CharIndices<'t>>,
    base: usize,
    text: &'t str,
}

impl Cursor<'_> {
    fn error(&self, at: usize, message: impl Into<String>) -> PathError {
        PathError {
            offset: self.base + at,
            message: message.into(),
        }
    }

    fn next(&mut self) -> Option<(usize, char)> {
        self.chars.next()
    }

    fn here(&mut self) -> usize {
        self.chars.peek().map_or(self.text.len(), |(at, _)| *at)
    }

    fn eat(&mut self, wanted: char) -> bool {
        self.chars.next_if(|(_, c)| *c == wanted).is_some()
    }

    fn expect(&mut self, wanted: char) -> Result<(), PathError> {
        let at = self.here();
        if self.eat(wanted) {
            Ok(())
        } else {
            Err(self.error(at, format!("expected `{wanted}`")))
        }
    }

    fn identifier(&mut self, what: &str) -> Result<String, PathError> {
        let at = self.here();
        let mut name = String::new();
        while let Some((_, c)) = self
            .chars
            .next_if(|(_, c)| c.is_alphanumeric() || *c == '_')
        {
            name.push(c);
        }
        if name.is_empty() {
            return Err(self.error(at, format!("expected a {what}")));
        }
        Ok(name)
    }

    fn value(&mut self) -> Result<KeyValue, PathError> {
        let at = self.here();
        match self.chars.peek().map(|(_, c)| *c) {
            Some(quote @ ('"' | '\'')) => {
                self.next();
                let mut out = String::new();
                loop {
                    match self.next() {
                        None => return Err(self.error(at, "unterminated string")),
                        Some((_, '\\')) => match self.next() {
                            Some((_, c)) => out.push(c),
                            None => return Err(self.error(at, "unterminated string")),
                        },
                        Some((_, c)) if c == quote => return Ok(KeyValue::String(out)),
                        Some((_, c)) => out.push(c),
                    }
                }
            }
            _ => {
                let mut word = String::new();
                while let Some((_, c)) = self.chars.next_if(|(_, c)| *c != ',') {
                    word.push(c);
                }
                if word.eq_ignore_ascii_case("true") {
                    Ok(KeyValue::Bool(true))
                } else if word.eq_ignore_ascii_case("false") {
                    Ok(KeyValue::Bool(false))
                } else {
                    word.parse::<i128>()
                        .ok()
                        .filter(|v| (i128::from(i64::MIN)..=i128::from(u64::MAX)).contains(v))
                        .map(KeyValue::Integer)
                        .ok_or_else(|| self.error(at, format!("`{word}` is not a key value")))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(path: &str) -> Vec<(Option<String>, KeyValue)> {
        match ObjectPath::parse(path).unwrap().target {
            PathTarget::Keys(keys) => keys,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn class_and_singleton() {
        let class = ObjectPath::parse("Win32_Process").unwrap();
        assert_eq!(class.class, "Win32_Process");
        assert_eq!(class.target, PathTarget::Class);
        assert_eq!(class.namespace, None);
        assert_eq!(
            ObjectPath::parse("Win32_Tpm=@").unwrap().target,
            PathTarget::Singleton
        );
    }

    #[test]
    fn keys_with_escapes() {
        assert_eq!(
            keys(r#"Win32_Directory.Name="C:\\Windows\\\"x\"""#),
            vec![(
                Some("Name".into()),
                KeyValue::String(r#"C:\Windows\"x""#.into())
            )]
        );
        assert_eq!(
            keys(r#"C.K1=1,K2="a,b",K3=-7,K4=TRUE"#),
            vec![
                (Some("K1".into()), KeyValue::Integer(1)),
                (Some("K2".into()), KeyValue::String("a,b".into())),
                (Some("K3".into()), KeyValue::Integer(-7)),
                (Some("K4".into()), KeyValue::Bool(true)),
            ]
        );
        assert_eq!(keys("C='x'"), vec![(None, KeyValue::String("x".into()))]);
    }

    #[test]
    fn namespace_prefixes() {
        let path = ObjectPath::parse(r#"\\.\root\cimv2:Win32_Process.Handle="4""#).unwrap();
        assert_eq!(path.namespace.as_deref(), Some(r"root\cimv2"));
        assert_eq!(path.class, "Win32_Process");
        let path = ObjectPath::parse("//HOST/root/default:C").unwrap();
        assert_eq!(path.namespace.as_deref(), Some(r"root\default"));
        let path = ObjectPath::parse(r#"root\x:C.K="a:b""#).unwrap();
        assert_eq!(path.namespace.as_deref(), Some(r"root\x"));
        assert_eq!(
            path.target,
            PathTarget::Keys(vec![(Some("K".into()), KeyValue::String("a:b".into()))])
        );
    }

    #[test]
    fn malformed_paths() {
        for bad in [
            "",
            ".",
            "C.",
            "C.K",
            "C.K=",
            r#"C.K="x"#,
            r#"C.K="x\"#,
            "C=",
            "C.K=1,",
            "C.K=abc",
            r#"C.K="x"y"#,
            "C!",
            ":C",
            r"\\server:C",
            "C.K=99999999999999999999999",
        ] {
            assert!(ObjectPath::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ObjectPath::parse(&"C".repeat(MAX_PATH_LEN + 1)).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,40}") {
            let _ = ObjectPath::parse(&text);
        }

        #[test]
        fn quoted_keys_read_back(value in "\\PC{0,24}") {
            let mut quoted = String::from("\"");
            for c in value.chars() {
                if c == '"' || c == '\\' {
                    quoted.push('\\');
                }
                quoted.push(c);
            }
            quoted.push('"');
            let path = ObjectPath::parse(&format!("C.K={quoted},N=-5")).unwrap();
            proptest::prop_assert_eq!(
                path.target,
                PathTarget::Keys(vec![
                    (Some("K".into()), KeyValue::String(value)),
                    (Some("N".into()), KeyValue::Integer(-5)),
                ])
            );
        }
    }

    #[test]
    fn key_matching() {
        assert!(KeyValue::String("ABC".into()).matches(&Value::String("abc".into())));
        assert!(KeyValue::Integer(5).matches(&Value::UInt32(5)));
        assert!(KeyValue::String("5".into()).matches(&Value::UInt32(5)));
        assert!(!KeyValue::Integer(-1).matches(&Value::UInt64(u64::MAX)));
        assert!(KeyValue::Bool(false).matches(&Value::Boolean(false)));
        assert!(!KeyValue::Bool(false).matches(&Value::String("false".into())));
    }
}
