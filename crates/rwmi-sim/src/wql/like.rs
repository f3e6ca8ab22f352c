//! WQL LIKE patterns (MS-WMI 2.2.1.1): `%` any run of characters, `_` any one character, and bracketed sets:
//! `[abc]`, ranges `[a-f]` or `[a=f]`, negation `[^a-f]`; `[^]` is a literal caret, and `%`, `_` and `[`
//! are literals inside brackets. Matching ignores case (MS-WMI 2.2.1). The pattern text is taken as
//! written: backslash is not an escape in a LIKE clause (MS-WMI 2.2.1).

#[derive(Debug, Clone, PartialEq)]
pub struct LikePattern {
    source: String,
    elements: Vec<Element>,
}

#[derive(Debug, Clone, PartialEq)]
enum Element {
    Literal(char),
    AnyOne,
    AnyRun,
    Set {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// The one-character lower-case form used for case-insensitive comparison.
pub(crate) fn fold_case(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

impl Element {
    fn matches(&self, c: char) -> bool {
        match self {
            Element::Literal(expected) => fold_case(*expected) == fold_case(c),
            Element::AnyOne => true,
            Element::AnyRun => false,
            Element::Set { negated, ranges } => {
                let lower = fold_case(c);
                let upper = c.to_uppercase().next().unwrap_or(c);
                let inside = ranges.iter().any(|&(low, high)| {
                    [c, lower, upper]
                        .iter()
                        .any(|candidate| (low..=high).contains(candidate))
                });
                inside != *negated
            }
        }
    }
}

/// The set after a `[`, up to and including its `]`.
fn compile_set(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Element, String> {
    let unterminated = || "a `[` set in the LIKE pattern has no closing `]`".to_string();
    let mut ahead = chars.clone();
    if ahead.next() == Some('^') && ahead.next() == Some(']') {
        chars.next();
        chars.next();
        return Ok(Element::Literal('^'));
    }
    let negated = chars.next_if_eq(&'^').is_some();
    let mut ranges = Vec::new();
    loop {
        let low = chars.next().ok_or_else(unterminated)?;
        if low == ']' {
            break;
        }
        // `a-f` / `a=f` is a range; before the closing `]` the `-` or `=` is a literal member instead.
        let mut ahead = chars.clone();
        let high = match (ahead.next(), ahead.next()) {
            (Some('-' | '='), Some(high)) if high != ']' => {
                chars.next();
                chars.next();
                high
            }
            _ => low,
        };
        ranges.push((low, high));
    }
    if ranges.is_empty() {
        return Err("a `[]` set in the LIKE pattern is empty".into());
    }
    Ok(Element::Set { negated, ranges })
}

impl LikePattern {
    /// Compiles `pattern`; the error says what is wrong with a `[...]` set.
    pub fn compile(pattern: &str) -> Result<Self, String> {
        let mut elements = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            let element = match c {
                '%' => Element::AnyRun,
                '_' => Element::AnyOne,
                '[' => compile_set(&mut chars)?,
                other => Element::Literal(other),
            };
            // Consecutive `%` mean the same as one; keeping one keeps matching linear in the run count.
            if !(element == Element::AnyRun && elements.last() == Some(&Element::AnyRun)) {
                elements.push(element);
            }
        }
        Ok(LikePattern {
            source: pattern.to_string(),
            elements,
        })
    }

    /// Whether the pattern uses `%`, `_` or `[`. MS-WMI 2.2.1.1: with a non-string property LIKE acts as
    /// `=`, and such a pattern makes the query invalid; the caller knows the property types to check it.
    pub fn has_wildcards(&self) -> bool {
        self.elements
            .iter()
            .any(|element| !matches!(element, Element::Literal(_)))
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `text` matches, ignoring case. Runs in O(len(text) × len(pattern)) at worst: on a mismatch it
    /// only ever backtracks to the latest `%`, which is enough because a later `%` subsumes earlier ones.
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let mut text_index = 0;
        let mut pattern_index = 0;
        let mut last_run: Option<(usize, usize)> = None;
        while let Some(&c) = text.get(text_index) {
            match self.elements.get(pattern_index) {
                Some(Element::AnyRun) => {
                    last_run = Some((pattern_index, text_index));
                    pattern_index += 1;
                    continue;
                }
                Some(element) if element.matches(c) => {
                    pattern_index += 1;
                    text_index += 1;
                    continue;
                }
                _ => {}
            }
            let Some((run_index, run_start)) = last_run else {
                return false;
            };
            pattern_index = run_index + 1;
            text_index = run_start + 1;
            last_run = Some((run_index, run_start + 1));
        }
        self.elements
            .get(pattern_index..)
            .unwrap_or(&[])
            .iter()
            .all(|e| *e == Element::AnyRun)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(pattern: &str, text: &str) -> bool {
        LikePattern::compile(pattern).unwrap().matches(text)
    }

    #[test]
    fn percent_and_underscore() {
        assert!(like("%", ""));
        assert!(like("%", "anything"));
        assert!(like("ab%", "ABC"));
        assert!(like("%bc", "abc"));
        assert!(like("a%c%e", "abcde"));
        assert!(!like("a%c%e", "abcd"));
        assert!(like("a_c", "abc"));
        assert!(!like("a_c", "ac"));
        assert!(!like("a_c", "abbc"));
        assert!(like("%%a%%", "bab"));
        assert!(!like("abc", "abcd"));
        assert!(like("", ""));
        assert!(!like("", "x"));
    }

    #[test]
    fn sets_ranges_and_negation() {
        assert!(like("[abc]x", "bx"));
        assert!(!like("[abc]x", "dx"));
        assert!(like("[a-z]1", "Q1"));
        assert!(!like("[a-z]1", "71"));
        assert!(like("[^a]", "b"));
        assert!(!like("[^a]", "A"));
        assert!(like("[%]", "%"));
        assert!(!like("[%]", "x"));
        assert!(like("[a=c]", "B"));
        assert!(!like("[a=c]", "="));
        assert!(like("[a-]", "-"));
        assert!(like("[a-]", "a"));
        assert!(!like("[a-]", "b"));
        assert!(like("[a=]", "="));
        assert!(like("[^]", "^"));
        assert!(!like("[^]", "x"));
        assert!(like("[^]]", "^]"));
        assert!(like("[[]x", "[x"));
        assert!(like("[_]", "_"));
        assert!(!like("[_]", "a"));
        assert!(like(r"C:\Windows%", r"c:\windows\system32"));
        assert!(!like(r"C:\\Windows%", r"C:\Windows"));
        assert!(like("%[0-9]", "disk9"));
    }

    #[test]
    fn unclosed_or_empty_set_is_an_error() {
        assert!(LikePattern::compile("[abc").is_err());
        assert!(LikePattern::compile("[]").is_err());
        assert!(LikePattern::compile("[^a").is_err());
        assert!(LikePattern::compile("[").is_err());
        assert!(LikePattern::compile("[^").is_err());
    }

    #[test]
    fn wildcards() {
        assert!(!LikePattern::compile("plain text").unwrap().has_wildcards());
        for pattern in ["a%", "a_", "[a]"] {
            assert!(
                LikePattern::compile(pattern).unwrap().has_wildcards(),
                "{pattern}"
            );
        }
    }

    #[test]
    fn many_percents_stay_fast() {
        let pattern = "%a".repeat(200) + "b";
        let text = "a".repeat(5000);
        assert!(!like(&pattern, &text));
    }
}
