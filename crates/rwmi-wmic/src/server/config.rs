//! The wmic server's YAML file, as aiowmi's `contrib/wmic_server/wmic_server.yaml` lays it out:
//!
//! ```yaml
//! user1:                      # an id: any top-level key other than `tokens` and `validation`
//!    user: MYUSER1
//!    pass: MYPASS1
//!    domain:                  # optional
//!    tokens: [TOKEN1]         # optional: tokens that unlock this id
//! tokens: [TOKEN2]            # optional: tokens that unlock every id
//! validation:                 # regular expressions (case-insensitive) per request parameter
//!    id: ['^[a-z0-9\-_]+$']
//!    token: ['^[a-z0-9\-_]+$']
//!    host: ['^[a-z0-9\.\-]+$']
//!    query: ['^select.+from']
//!    namespace: ['^[a-z0-9]+/[a-z0-9]+$']
//! ```
//!
//! The token rule is the original's: a `tokens` list (at the top or under the id) turns token checking
//! on, and the request's token must then be in one of the two lists; with no list anywhere, no token
//! is asked for. An empty list (`tokens: []`) turns checking on with no token that passes; a key with
//! no value (`tokens:`) is no list. Where the original failed late or silently, this reads the file
//! strictly and says what is wrong at start-up: an id without `user` or `pass`, a validation list
//! missing, a pattern that does not compile (the sample's `^select.+from)` made the original skip
//! validation of the query without a word).

use std::collections::BTreeMap;
use std::fmt;

use regex::{Regex, RegexBuilder};
use serde_yaml_ng::Value as Yaml;

/// The request parameters the file validates, in the original's order.
pub const PARAMETERS: [&str; 5] = ["id", "token", "host", "query", "namespace"];

/// Patterns a parameter must match one of (searched, not anchored, case-insensitive: Python's
/// `re.search(regex, value, flags=re.IGNORECASE)`).
#[derive(Debug, Clone)]
pub struct Validation {
    patterns: BTreeMap<&'static str, Vec<Regex>>,
}

impl Validation {
    /// Whether `value` passes the patterns of `parameter` (a parameter without patterns passes nothing).
    pub fn allows(&self, parameter: &str, value: &str) -> bool {
        self.patterns
            .get(parameter)
            .is_some_and(|list| list.iter().any(|r| r.is_match(value)))
    }
}

/// An id's Windows account. `Debug` shows no password.
#[derive(Clone)]
pub struct Identity {
    pub user: String,
    pub domain: String,
    pub password: String,
    /// `None`: the id has no token list.
    pub tokens: Option<Vec<String>>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("user", &self.user)
            .field("domain", &self.domain)
            .field("password", &"<redacted>")
            .field("tokens", &self.tokens.as_ref().map(Vec::len))
            .finish()
    }
}

/// The whole file. `Debug` shows no password and no token.
#[derive(Clone)]
pub struct ServerConfig {
    pub identities: BTreeMap<String, Identity>,
    /// `None`: no top-level token list.
    pub tokens: Option<Vec<String>>,
    pub validation: Validation,
    /// Top-level keys and id fields this server does not know, for a warning at start-up.
    pub unknown: Vec<String>,
}

impl fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field("identities", &self.identities)
            .field("tokens", &self.tokens.as_ref().map(Vec::len))
            .finish_non_exhaustive()
    }
}

/// Why the token check refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCheck {
    /// No token list applies: no token is needed.
    NotRequired,
    Valid,
    Invalid,
}

impl ServerConfig {
    /// Parses the file's text; the error names the key or line that is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let root: Yaml = serde_yaml_ng::from_str(text).map_err(|e| format!("not YAML: {e}"))?;
        let Yaml::Mapping(root) = root else {
            return Err(
                "the file is not a mapping of ids, `tokens` and `validation` (see the sample in README)"
                    .into(),
            );
        };
        let mut identities = BTreeMap::new();
        let mut tokens = None;
        let mut validation = None;
        let mut unknown = Vec::new();
        for (key, value) in &root {
            let key = scalar(key).ok_or("a top-level key is not a name")?;
            match key.as_str() {
                "tokens" => tokens = token_list(value, "tokens")?,
                "validation" => validation = Some(parse_validation(value)?),
                _ => {
                    let identity = parse_identity(&key, value, &mut unknown)?;
                    identities.insert(key, identity);
                }
            }
        }
        let validation = validation.ok_or(
            "no `validation` section: the wmic server needs patterns for each of id, token, host, \
             query and namespace (a single `.` accepts anything)",
        )?;
        Ok(Self {
            identities,
            tokens,
            validation,
            unknown,
        })
    }

    /// The original's token rule for `token` presented for `id`.
    pub fn check_token(&self, id: &str, token: &str) -> TokenCheck {
        let id_tokens = self.identities.get(id).and_then(|i| i.tokens.as_ref());
        let lists: Vec<&Vec<String>> = self.tokens.iter().chain(id_tokens).collect();
        if lists.is_empty() {
            return TokenCheck::NotRequired;
        }
        if lists
            .iter()
            .any(|list| list.iter().any(|t| same_secret(t, token)))
        {
            TokenCheck::Valid
        } else {
            TokenCheck::Invalid
        }
    }
}

/// Compares without stopping at the first difference, so that the time taken says nothing of how
/// much of a token was right.
fn same_secret(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i).copied().unwrap_or(!x));
    }
    diff == 0
}

/// A YAML scalar as the text Python would have after `yaml.load` and `str()` (numbers and booleans
/// included: `pass: 1234` is the password `1234`).
fn scalar(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(if *b { "True" } else { "False" }.to_string()),
        _ => None,
    }
}

fn token_list(value: &Yaml, place: &str) -> Result<Option<Vec<String>>, String> {
    match value {
        Yaml::Null => Ok(None),
        Yaml::Sequence(items) => items
            .iter()
            .map(|t| {
                scalar(t).ok_or_else(|| format!("`{place}` holds an entry that is not a token"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        _ => Err(format!("`{place}` is not a list of tokens")),
    }
}

fn parse_identity(id: &str, value: &Yaml, unknown: &mut Vec<String>) -> Result<Identity, String> {
    let Yaml::Mapping(fields) = value else {
        return Err(format!(
            "`{id}` is not an id with `user` and `pass` (the top-level keys other than `tokens` and \
             `validation` are ids)"
        ));
    };
    let mut user = None;
    let mut password = None;
    let mut domain = String::new();
    let mut tokens = None;
    for (key, field) in fields {
        let key = scalar(key).unwrap_or_default();
        match key.as_str() {
            "user" => user = scalar(field),
            "pass" => password = scalar(field),
            // `domain:` with no value is the empty domain, as in the original.
            "domain" => domain = scalar(field).unwrap_or_default(),
            "tokens" => tokens = token_list(field, &format!("{id}.tokens"))?,
            _ => unknown.push(format!("{id}.{key}")),
        }
    }
    let user = user.ok_or_else(|| format!("id `{id}` has no `user`"))?;
    let password = password.ok_or_else(|| format!("id `{id}` has no `pass`"))?;
    Ok(Identity {
        user,
        domain,
        password,
        tokens,
    })
}

fn parse_validation(value: &Yaml) -> Result<Validation, String> {
    let Yaml::Mapping(fields) = value else {
        return Err("`validation` is not a mapping of parameter names to lists of patterns".into());
    };
    let mut patterns = BTreeMap::new();
    for parameter in PARAMETERS {
        let list = fields.get(parameter).ok_or_else(|| {
            format!("`validation.{parameter}` is missing (use `- .` to accept anything)")
        })?;
        let Yaml::Sequence(items) = list else {
            return Err(format!(
                "`validation.{parameter}` is not a list of patterns"
            ));
        };
        let mut compiled = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let text = scalar(item)
                .ok_or_else(|| format!("`validation.{parameter}[{i}]` is not a pattern"))?;
            let regex = RegexBuilder::new(&text)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| {
                    format!(
                        "`validation.{parameter}[{i}]` = `{text}` is not a regular expression: {e}\n\
                         (the original wmic_server skipped the whole `{parameter}` check when a pattern \
                         did not compile; rwmi refuses to start instead)"
                    )
                })?;
            compiled.push(regex);
        }
        if compiled.is_empty() {
            return Err(format!(
                "`validation.{parameter}` is empty: nothing would pass (use `- .` to accept anything)"
            ));
        }
        patterns.insert(parameter, compiled);
    }
    Ok(Validation { patterns })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALIDATION: &str = r#"
validation:
   id:
      - ^[a-z0-9\-_]+$
   token:
      - ^[a-z0-9\-_]+$
   host:
      - ^[a-z0-9\.\-]+$
   query:
      - ^select.+from
   namespace:
      - ^[a-z0-9]+/[a-z0-9]+$
"#;

    fn config(head: &str) -> ServerConfig {
        ServerConfig::parse(&format!("{head}\n{VALIDATION}")).unwrap()
    }

    #[test]
    fn reads_the_sample_layout() {
        let c = config(
            "user1:\n   user: MYUSER1\n   pass: MYPASS1\n   domain:\n   tokens:\n      - T1\n      - T2\n\
             user3:\n   user: MYUSER3\n   pass: 1234\n   domain: MYDOMAIN3\n\
             tokens:\n   - G1\n",
        );
        let u1 = &c.identities["user1"];
        assert_eq!((u1.user.as_str(), u1.domain.as_str()), ("MYUSER1", ""));
        assert_eq!(
            u1.tokens.as_deref(),
            Some(&["T1".to_string(), "T2".into()][..])
        );
        let u3 = &c.identities["user3"];
        assert_eq!(
            (u3.password.as_str(), u3.domain.as_str()),
            ("1234", "MYDOMAIN3")
        );
        assert_eq!(c.tokens.as_deref(), Some(&["G1".to_string()][..]));
    }

    #[test]
    fn token_rule_is_the_originals() {
        let c = config(
            "a:\n  user: u\n  pass: p\n  tokens: [TA]\nb:\n  user: u\n  pass: p\ntokens: [G]\n",
        );
        assert_eq!(c.check_token("a", "TA"), TokenCheck::Valid);
        assert_eq!(c.check_token("a", "G"), TokenCheck::Valid);
        assert_eq!(c.check_token("b", "G"), TokenCheck::Valid);
        // An id's tokens unlock that id only.
        assert_eq!(c.check_token("b", "TA"), TokenCheck::Invalid);
        assert_eq!(c.check_token("a", ""), TokenCheck::Invalid);
        assert_eq!(c.check_token("a", "TAX"), TokenCheck::Invalid);

        let open =
            config("a:\n  user: u\n  pass: p\nb:\n  user: u\n  pass: p\n  tokens: [TB]\ntokens:\n");
        // `tokens:` without a value is no list: `a` needs no token, `b` needs its own.
        assert_eq!(open.check_token("a", "anything"), TokenCheck::NotRequired);
        assert_eq!(open.check_token("b", "x"), TokenCheck::Invalid);
        assert_eq!(open.check_token("b", "TB"), TokenCheck::Valid);

        let closed = config("a:\n  user: u\n  pass: p\ntokens: []\n");
        assert_eq!(closed.check_token("a", ""), TokenCheck::Invalid);
    }

    #[test]
    fn validation_searches_case_insensitively() {
        let c = config("a:\n  user: u\n  pass: p\n");
        assert!(c.validation.allows("query", "SELECT * FROM Win32_Service"));
        assert!(c.validation.allows("host", "Host-1.example"));
        assert!(!c.validation.allows("host", "host 1"));
        assert!(c.validation.allows("namespace", "root/cimv2"));
        assert!(!c.validation.allows("namespace", "root\\cimv2"));
        assert!(!c.validation.allows("unknown", "x"));
    }

    #[test]
    fn says_what_is_wrong() {
        let no_validation = ServerConfig::parse("a:\n  user: u\n  pass: p\n").unwrap_err();
        assert!(
            no_validation.contains("no `validation` section"),
            "{no_validation}"
        );
        let bad = VALIDATION.replace("^select.+from", "^select.+from)");
        let e = ServerConfig::parse(&format!("a:\n  user: u\n  pass: p\n{bad}")).unwrap_err();
        assert!(
            e.contains("`validation.query[0]` = `^select.+from)` is not a regular expression"),
            "{e}"
        );
        let e = ServerConfig::parse(&format!("a:\n  user: u\n{VALIDATION}")).unwrap_err();
        assert_eq!(e, "id `a` has no `pass`");
        let e = ServerConfig::parse(&format!("a: 3\n{VALIDATION}")).unwrap_err();
        assert!(e.starts_with("`a` is not an id"), "{e}");
        let e = ServerConfig::parse("[1, 2]").unwrap_err();
        assert!(e.contains("not a mapping"), "{e}");
    }

    #[test]
    fn debug_shows_no_secret() {
        let c = config(
            "a:\n  user: u\n  pass: Hunter2Secret\n  tokens: [TokSecret]\ntokens: [GenSecret]\n",
        );
        let shown = format!("{c:?}");
        for secret in ["Hunter2Secret", "TokSecret", "GenSecret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
