//! Python reprs as case pages show them: the `Expected:` and `Observed:` values
//! (`{'OK': [('pong', u'payload-0')]}`, `[]`).
//!
//! wstest (Python 2) writes `u'…'` strings, kosoku (Python 3) writes `'…'`; both are read, with
//! Python's escapes (`\n`, `\xNN`, `\uNNNN`, `\UNNNNNNNN`; a lone `\udXXX` becomes its stand-in
//! character, see [`crate::text`]). Tuples and lists become JSON arrays, dicts objects (their
//! order is kept by [`parse_expected`]), `True`/`False`/`None` booleans and null.
//!
//! The page cuts a repr longer than 1000 characters to 996 and appends ` ...`. Such a repr
//! cannot be completed; [`parse`] then returns what was complete before the cut and says so
//! ([`Parsed::cut`]), never guessing the rest.

use serde_json::{Map, Value};

use crate::model::Event;
use crate::text::surrogate_to_char;

/// How deep lists, tuples and dicts may nest in a repr. Real reprs nest three deep
/// (`{'OK': [('pong', u'x')]}`); the bound keeps parsing, conversion and drop off the stack's
/// limit whatever a page holds.
pub const MAX_DEPTH: usize = 64;

/// Why a repr could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReprError {
    /// Lists, tuples and dicts nested deeper than [`MAX_DEPTH`] (no real report comes close;
    /// a hostile page would otherwise exhaust the stack).
    #[error("Python repr nested deeper than {MAX_DEPTH} levels at character {offset}")]
    TooDeep {
        /// Character offset of the bracket that went too deep.
        offset: usize,
    },
    /// Something that is not a Python literal.
    #[error("unexpected {found:?} at character {offset} of a Python repr")]
    Unexpected {
        /// Character offset.
        offset: usize,
        /// What was there (`end of text` at the end).
        found: String,
    },
}

/// A Python value.
#[derive(Debug, Clone, PartialEq)]
pub enum Py {
    /// A text or byte string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// `True`/`False`.
    Bool(bool),
    /// `None`.
    None,
    /// A list or tuple.
    List(Vec<Py>),
    /// A dict, in the repr's order.
    Dict(Vec<(Py, Py)>),
}

impl Py {
    /// As JSON: tuples and lists are arrays; dict keys that are not strings are written as
    /// their repr-free text.
    pub fn to_value(&self) -> Value {
        match self {
            Py::Str(s) => Value::String(s.clone()),
            Py::Int(i) => Value::from(*i),
            Py::Float(f) => Value::from(*f),
            Py::Bool(b) => Value::Bool(*b),
            Py::None => Value::Null,
            Py::List(items) => Value::Array(items.iter().map(Py::to_value).collect()),
            Py::Dict(pairs) => {
                let mut m = Map::new();
                for (k, v) in pairs {
                    m.insert(k.key_text(), v.to_value());
                }
                Value::Object(m)
            }
        }
    }

    fn key_text(&self) -> String {
        match self {
            Py::Str(s) => s.clone(),
            other => other.to_value().to_string(),
        }
    }
}

/// A parsed repr: the value, and whether the page cut the text (then the value holds only
/// the items that were complete before the cut).
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The value (complete items only when cut).
    pub value: Py,
    /// Whether the text was cut (ended in ` ...` before the value was complete).
    pub cut: bool,
}

/// Parses one repr. A cut repr (see the module documentation) gives the complete part and
/// `cut: true`; malformed text is an error.
pub fn parse(text: &str) -> Result<Parsed, ReprError> {
    let text = text.trim();
    let chars: Vec<char> = text.chars().collect();
    let mut p = Parser {
        s: &chars,
        i: 0,
        cut: false,
        depth: 0,
    };
    let value = p.value()?;
    if p.cut {
        return Ok(Parsed { value, cut: true });
    }
    p.ws();
    if p.i != chars.len() {
        return Err(p.unexpected());
    }
    Ok(Parsed { value, cut: false })
}

/// Verdict word → events, in the report's order (the model's `Case::expected`).
pub type Expected = Vec<(String, Vec<Event>)>;

/// The `Expected:` repr as the model's list: verdict word → events, in the page's order.
/// The flag says whether the page cut the repr.
pub fn parse_expected(text: &str) -> Result<(Expected, bool), ReprError> {
    let parsed = parse(text)?;
    let pairs = match parsed.value {
        Py::Dict(pairs) => pairs,
        Py::List(l) if l.is_empty() => Vec::new(),
        _ => return Err(not_a("dict", text)),
    };
    let out = pairs
        .into_iter()
        .map(|(k, v)| (k.key_text(), events_of(&v)))
        .collect();
    Ok((out, parsed.cut))
}

/// The `Observed:` repr as events. The flag says whether the page cut the repr.
pub fn parse_events(text: &str) -> Result<(Vec<Event>, bool), ReprError> {
    let parsed = parse(text)?;
    match &parsed.value {
        Py::List(_) => Ok((events_of(&parsed.value), parsed.cut)),
        _ => Err(not_a("list", text)),
    }
}

fn not_a(what: &str, text: &str) -> ReprError {
    ReprError::Unexpected {
        offset: 0,
        found: format!(
            "{} (expected a {what})",
            text.chars().take(20).collect::<String>()
        ),
    }
}

fn events_of(v: &Py) -> Vec<Event> {
    match v {
        Py::List(items) => items
            .iter()
            .map(|e| crate::load::json::event(&e.to_value()))
            .collect(),
        other => vec![Event::Other(other.to_value())],
    }
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
    cut: bool,
    /// Lists, tuples and dicts open around the current position.
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.i += 1;
        }
    }

    fn unexpected(&self) -> ReprError {
        ReprError::Unexpected {
            offset: self.i,
            found: match self.peek() {
                Some(c) => c.to_string(),
                None => "end of text".to_string(),
            },
        }
    }

    /// Whether the text ends in the cut mark and the parser has reached it.
    fn at_cut(&self) -> bool {
        self.s.ends_with(&[' ', '.', '.', '.']) && self.i + 4 >= self.s.len()
    }

    /// Marks a cut when the text ran into the cut mark inside a value.
    fn cut_here(&mut self) -> bool {
        if self.at_cut() {
            self.cut = true;
            self.i = self.s.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Py, ReprError> {
        self.ws();
        let Some(c) = self.peek() else {
            if self.cut_here() {
                return Ok(Py::None);
            }
            return Err(self.unexpected());
        };
        if matches!(c, '[' | '(' | '{') {
            if self.depth >= MAX_DEPTH {
                return Err(ReprError::TooDeep { offset: self.i });
            }
            self.depth += 1;
            let v = match c {
                '[' => self.seq(']'),
                '(' => self.seq(')'),
                _ => self.dict(),
            };
            self.depth -= 1;
            return v;
        }
        match c {
            '\'' | '"' => self.string(),
            'u' | 'U' | 'b' | 'B' | 'r' | 'R'
                if matches!(self.s.get(self.i + 1), Some('\'' | '"'))
                    || (matches!(self.s.get(self.i + 1), Some('r' | 'R'))
                        && matches!(self.s.get(self.i + 2), Some('\'' | '"'))) =>
            {
                self.string()
            }
            '-' | '0'..='9' => self.number(),
            _ => self.word(),
        }
    }

    fn seq(&mut self, close: char) -> Result<Py, ReprError> {
        self.i += 1;
        let mut items = Vec::new();
        loop {
            self.ws();
            match self.peek() {
                Some(c) if c == close => {
                    self.i += 1;
                    return Ok(Py::List(items));
                }
                None => {
                    if self.cut_here() {
                        return Ok(Py::List(items));
                    }
                    return Err(self.unexpected());
                }
                _ => {}
            }
            let v = self.value()?;
            if self.cut {
                // The item was not complete; keep only the complete ones.
                return Ok(Py::List(items));
            }
            self.ws();
            if matches!(v, Py::Int(_) | Py::Float(_)) && self.at_cut() {
                // `12 ...` may have been `123`: not complete.
                self.cut_here();
                return Ok(Py::List(items));
            }
            items.push(v);
            match self.peek() {
                Some(',') => self.i += 1,
                Some(c) if c == close => {}
                _ if self.at_cut() && self.cut_here() => return Ok(Py::List(items)),
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn dict(&mut self) -> Result<Py, ReprError> {
        self.i += 1;
        let mut pairs = Vec::new();
        loop {
            self.ws();
            match self.peek() {
                Some('}') => {
                    self.i += 1;
                    return Ok(Py::Dict(pairs));
                }
                None => {
                    if self.cut_here() {
                        return Ok(Py::Dict(pairs));
                    }
                    return Err(self.unexpected());
                }
                _ => {}
            }
            let k = self.value()?;
            if self.cut {
                return Ok(Py::Dict(pairs));
            }
            self.ws();
            if self.peek() != Some(':') {
                if self.at_cut() && self.cut_here() {
                    return Ok(Py::Dict(pairs));
                }
                return Err(self.unexpected());
            }
            self.i += 1;
            let v = self.value()?;
            if self.cut {
                // A cut list value keeps its complete items: the partial list is still
                // the best statement of what the page showed for that key.
                pairs.push((k, v));
                return Ok(Py::Dict(pairs));
            }
            pairs.push((k, v));
            self.ws();
            match self.peek() {
                Some(',') => self.i += 1,
                Some('}') => {}
                _ if self.at_cut() && self.cut_here() => return Ok(Py::Dict(pairs)),
                _ => return Err(self.unexpected()),
            }
        }
    }

    fn word(&mut self) -> Result<Py, ReprError> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.i += 1;
        }
        let w: String = self.s[start..self.i].iter().collect();
        match w.as_str() {
            "True" => Ok(Py::Bool(true)),
            "False" => Ok(Py::Bool(false)),
            "None" => Ok(Py::None),
            _ => {
                let cut_word = ["True", "False", "None"].iter().any(|k| k.starts_with(&w));
                if cut_word && self.cut_here() {
                    return Ok(Py::None);
                }
                self.i = start;
                Err(self.unexpected())
            }
        }
    }

    fn number(&mut self) -> Result<Py, ReprError> {
        let start = self.i;
        if self.peek() == Some('-') {
            self.i += 1;
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        {
            self.i += 1;
        }
        // Python 2 longs: `10L`.
        let mut end = self.i;
        if matches!(self.peek(), Some('L' | 'l')) {
            self.i += 1;
        } else {
            end = self.i;
        }
        let text: String = self.s[start..end].iter().collect();
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Py::Int(i));
        }
        if let Ok(f) = text.parse::<f64>() {
            return Ok(Py::Float(f));
        }
        self.i = start;
        Err(self.unexpected())
    }

    fn string(&mut self) -> Result<Py, ReprError> {
        let mut raw = false;
        while let Some(c) = self.peek() {
            match c {
                'u' | 'U' | 'b' | 'B' => self.i += 1,
                'r' | 'R' => {
                    raw = true;
                    self.i += 1
                }
                _ => break,
            }
        }
        let quote = self.peek().ok_or_else(|| self.unexpected())?;
        self.i += 1;
        let mut out = String::new();
        let mut pending_high: Option<u16> = None;
        let flush = |out: &mut String, pending: &mut Option<u16>| {
            if let Some(h) = pending.take() {
                out.push(surrogate_to_char(h));
            }
        };
        loop {
            let Some(c) = self.peek() else {
                if self.cut_here() {
                    return Ok(Py::None);
                }
                return Err(self.unexpected());
            };
            self.i += 1;
            if c == quote {
                flush(&mut out, &mut pending_high);
                return Ok(Py::Str(out));
            }
            if c != '\\' || raw {
                flush(&mut out, &mut pending_high);
                out.push(c);
                continue;
            }
            let Some(e) = self.peek() else {
                if self.cut_here() {
                    return Ok(Py::None);
                }
                return Err(self.unexpected());
            };
            self.i += 1;
            let simple = match e {
                'n' => Some('\n'),
                'r' => Some('\r'),
                't' => Some('\t'),
                '\\' => Some('\\'),
                '\'' => Some('\''),
                '"' => Some('"'),
                'a' => Some('\x07'),
                'b' => Some('\x08'),
                'f' => Some('\x0c'),
                'v' => Some('\x0b'),
                '0' => Some('\0'),
                _ => None,
            };
            if let Some(ch) = simple {
                flush(&mut out, &mut pending_high);
                out.push(ch);
                continue;
            }
            let digits = match e {
                'x' => 2,
                'u' => 4,
                'U' => 8,
                _ => {
                    flush(&mut out, &mut pending_high);
                    out.push('\\');
                    out.push(e);
                    continue;
                }
            };
            let hex: Option<String> = self
                .s
                .get(self.i..self.i + digits)
                .map(|h| h.iter().collect());
            let Some(code) = hex.and_then(|h| u32::from_str_radix(&h, 16).ok()) else {
                // An escape the cut mark ran into: `\u03 ...`.
                if self.s.ends_with(&[' ', '.', '.', '.']) && self.i + digits + 4 >= self.s.len() {
                    self.cut = true;
                    self.i = self.s.len();
                    return Ok(Py::None);
                }
                return Err(self.unexpected());
            };
            self.i += digits;
            match code {
                0xD800..=0xDBFF => {
                    flush(&mut out, &mut pending_high);
                    pending_high = Some(code as u16);
                }
                0xDC00..=0xDFFF => match pending_high.take() {
                    Some(h) => {
                        let c = 0x10000 + ((u32::from(h) - 0xD800) << 10) + (code - 0xDC00);
                        out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                    }
                    None => out.push(surrogate_to_char(code as u16)),
                },
                _ => {
                    flush(&mut out, &mut pending_high);
                    out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reprs_become_json() {
        let cases: &[(&str, Value, bool)] = &[
            ("[]", json!([]), false),
            ("{}", json!({}), false),
            (
                "{'OK': [('pong', u'payload-0')]}",
                json!({"OK": [["pong", "payload-0"]]}),
                false,
            ),
            (
                "[('message', 'payload', False)]",
                json!([["message", "payload", false]]),
                false,
            ),
            (
                "[('message', u'\\u03ba\\xe9\\U0001f600', True)]",
                json!([["message", "\u{3ba}\u{e9}\u{1f600}", true]]),
                false,
            ),
            (
                "[(u'it\\'s', \"it's\", u'a\\\\b\\n')]",
                json!([["it's", "it's", "a\\b\n"]]),
                false,
            ),
            (
                "[None, True, 10, -2, 1.5, 7L]",
                json!([null, true, 10, -2, 1.5, 7]),
                false,
            ),
            (
                "{'NON-STRICT': [], 'OK': [('timeout', 'A')]}",
                json!({"NON-STRICT": [], "OK": [["timeout", "A"]]}),
                false,
            ),
            (
                "[('message', u'\\ud83d\\ude00', False)]",
                json!([["message", "\u{1f600}", false]]),
                false,
            ),
            (
                "[('message', u'\\udc00', False)]",
                json!([["message", "\u{10e400}", false]]),
                false,
            ),
            // Cut by the page: the complete items are kept.
            (
                "[('message', u'aaa', False), ('message', u'bb ...",
                json!([["message", "aaa", false]]),
                true,
            ),
            (
                "{'OK': [('pong', u'a'), ('po ...",
                json!({"OK": [["pong", "a"]]}),
                true,
            ),
            ("[('message', u'x', Fa ...", json!([]), true),
            ("[('ping', u'\\u03 ...", json!([]), true),
        ];
        for (input, want, cut) in cases {
            let got = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(&got.value.to_value(), want, "{input}");
            assert_eq!(got.cut, *cut, "{input}");
        }
    }

    #[test]
    fn malformed_reprs_are_errors_not_panics() {
        for bad in [
            "[1,, 2]",
            "{'a' 1}",
            "foo",
            "[1] 2",
            "'unterminated",
            "(",
            "\\",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
        assert!(matches!(parse(&deep), Err(ReprError::TooDeep { .. })));
        let mixed = "({[".repeat(20_000);
        assert!(matches!(parse(&mixed), Err(ReprError::TooDeep { .. })));
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&ok).is_ok());
        let over = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(parse(&over).is_err());
    }

    #[test]
    fn expected_keeps_verdict_order() {
        let (exp, cut) = parse_expected("{'OK': [('pong', u'x')], 'NON-STRICT': []}").unwrap();
        assert!(!cut);
        assert_eq!(exp[0].0, "OK");
        assert_eq!(exp[0].1, vec![Event::Pong("x".into())]);
        assert_eq!(exp[1].0, "NON-STRICT");
    }
}
