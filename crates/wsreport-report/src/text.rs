//! Text that reports carry but Rust strings cannot: lone UTF-16 surrogates; and text from a
//! report made safe for where it is shown ([`visible`] for a terminal, [`markdown_inline`] for
//! Markdown, [`xml_safe`] for XML).
//!
//! The testsuite writes payloads of its UTF-8 cases as they are, and some hold lone surrogates:
//! as `"\udc00"` escapes in case JSON, as the 3-byte form `ed b0 80` in HTML pages. Rust strings
//! cannot hold them, so each lone surrogate U+D800..U+DFFF is mapped to one private-use
//! character U+10E000..U+10E7FF (same offset), and mapped back when the testsuite's formats are
//! written. Loaders and writers call these functions; nothing else needs to know.

use std::borrow::Cow;

const SURROGATE_FIRST: u32 = 0xD800;
const SURROGATE_LAST: u32 = 0xDFFF;
// Not U+10F800..U+10FFFF: the UTF-8 cases send U+10FFFF, U+10FFFE and U+10FC00 (as a
// surrogate pair) as ordinary characters, which that range would turn into surrogates on
// export. No case sends anything in U+10E000..U+10E7FF.
const STAND_IN_FIRST: u32 = 0x10E000;
const STAND_IN_LAST: u32 = STAND_IN_FIRST + (SURROGATE_LAST - SURROGATE_FIRST);

/// The stand-in character for a lone surrogate code unit.
pub fn surrogate_to_char(unit: u16) -> char {
    debug_assert!((SURROGATE_FIRST..=SURROGATE_LAST).contains(&u32::from(unit)));
    char::from_u32(STAND_IN_FIRST + (u32::from(unit) - SURROGATE_FIRST)).unwrap_or('\u{FFFD}')
}

/// The lone surrogate a stand-in character represents, if it is one.
pub fn char_to_surrogate(c: char) -> Option<u16> {
    let c = c as u32;
    (STAND_IN_FIRST..=STAND_IN_LAST)
        .contains(&c)
        .then(|| (c - STAND_IN_FIRST + SURROGATE_FIRST) as u16)
}

fn hex4(b: &[u8]) -> Option<u16> {
    let s = std::str::from_utf8(b.get(..4)?).ok()?;
    u16::from_str_radix(s, 16).ok()
}

fn is_high(u: u16) -> bool {
    (0xD800..=0xDBFF).contains(&u)
}

fn is_low(u: u16) -> bool {
    (0xDC00..=0xDFFF).contains(&u)
}

/// Rewrites JSON text so every lone `\uD800`..`\uDFFF` escape becomes its stand-in character
/// (raw UTF-8). Paired surrogate escapes and everything else stay as they are.
pub fn replace_lone_surrogate_escapes(json: &[u8]) -> Cow<'_, [u8]> {
    if !json
        .windows(3)
        .any(|w| w[0] == b'\\' && w[1] == b'u' && matches!(w[2], b'd' | b'D'))
    {
        return Cow::Borrowed(json);
    }
    let mut out = Vec::with_capacity(json.len());
    let mut i = 0;
    while i < json.len() {
        if json[i] != b'\\' || i + 1 >= json.len() {
            out.push(json[i]);
            i += 1;
            continue;
        }
        if json[i + 1] != b'u' {
            out.extend_from_slice(&json[i..i + 2]);
            i += 2;
            continue;
        }
        let Some(unit) = hex4(&json[i + 2..]) else {
            out.extend_from_slice(&json[i..i + 2]);
            i += 2;
            continue;
        };
        if is_high(unit) {
            let next = &json[i + 6..];
            if next.starts_with(b"\\u") && hex4(&next[2..]).is_some_and(is_low) {
                out.extend_from_slice(&json[i..i + 12]);
                i += 12;
                continue;
            }
        }
        if is_high(unit) || is_low(unit) {
            let mut buf = [0u8; 4];
            out.extend_from_slice(surrogate_to_char(unit).encode_utf8(&mut buf).as_bytes());
        } else {
            out.extend_from_slice(&json[i..i + 6]);
        }
        i += 6;
    }
    Cow::Owned(out)
}

/// Writes stand-in characters back as `\udXXX` escapes (for JSON output).
pub fn restore_lone_surrogate_escapes(json: &str) -> String {
    if !json.chars().any(|c| char_to_surrogate(c).is_some()) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match char_to_surrogate(c) {
            Some(u) => out.push_str(&format!("\\u{u:04x}")),
            None => out.push(c),
        }
    }
    out
}

/// Decodes UTF-8 as Python 2 did when the testsuite wrote its reports: encoded surrogates
/// (`ed a0..bf xx`) are accepted (lone ones become stand-ins, pairs combine), anything else
/// invalid gives `None`.
pub fn decode_utf8_with_surrogates(bytes: &[u8]) -> Option<String> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_string());
    }
    let mut units: Vec<u16> = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                units.extend(s.encode_utf16());
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                units.extend(std::str::from_utf8(good).ok()?.encode_utf16());
                if bad.len() >= 3
                    && bad[0] == 0xED
                    && (0xA0..=0xBF).contains(&bad[1])
                    && (0x80..=0xBF).contains(&bad[2])
                {
                    units.push(0xD000 | (u16::from(bad[1] & 0x3F) << 6) | u16::from(bad[2] & 0x3F));
                    rest = &bad[3..];
                } else {
                    return None;
                }
            }
        }
    }
    Some(
        char::decode_utf16(units)
            .map(|r| r.unwrap_or_else(|e| surrogate_to_char(e.unpaired_surrogate())))
            .collect(),
    )
}

/// Where page bytes stop being UTF-8 as the testsuite writes it (encoded surrogates
/// `ed a0..bf xx` allowed): the offset of the first byte [`decode_page`] would replace.
pub fn first_bad_byte(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        let rest = &bytes[at..];
        match std::str::from_utf8(rest) {
            Ok(_) => return None,
            Err(e) => {
                let bad = &rest[e.valid_up_to()..];
                if bad.len() >= 3
                    && bad[0] == 0xED
                    && (0xA0..=0xBF).contains(&bad[1])
                    && (0x80..=0xBF).contains(&bad[2])
                {
                    at += e.valid_up_to() + 3;
                } else {
                    return Some(at + e.valid_up_to());
                }
            }
        }
    }
}

/// Decodes page bytes: UTF-8, with 3-byte encoded surrogates (`ed a0..bf xx`) mapped to their
/// stand-ins and any other invalid byte replaced by U+FFFD, so a page is never lost.
pub fn decode_page(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                out.push_str(s);
                return out;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                if bad.len() >= 3
                    && bad[0] == 0xED
                    && (0xA0..=0xBF).contains(&bad[1])
                    && (0x80..=0xBF).contains(&bad[2])
                {
                    let unit = 0xD000 | (u16::from(bad[1] & 0x3F) << 6) | u16::from(bad[2] & 0x3F);
                    out.push(surrogate_to_char(unit));
                    rest = &bad[3..];
                } else {
                    out.push('\u{FFFD}');
                    rest = &bad[e.error_len().unwrap_or(bad.len()).max(1)..];
                }
            }
        }
    }
}

/// An error and its causes on one line, `outer: cause: cause`: how every error is shown
/// (stderr and the `errors` of JSON outputs). Error messages never repeat their source's text,
/// so each cause appears once.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Whether a character would act on a terminal or reorder the text around it instead of
/// being shown: C0 controls (but tab), DEL, C1 controls, and the bidirectional overrides and
/// isolates (U+202A..U+202E, U+2066..U+2069).
fn acts(c: char) -> bool {
    (c.is_control() && c != '\t')
        || ('\u{202A}'..='\u{202E}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// Report text as one line safe for a terminal: every character that would act instead of
/// being shown (an escape sequence that sets the title or clears the screen, a carriage
/// return that overwrites the line, a newline, a bidi override) is written as its Rust escape
/// (`\u{1b}`, `\r`, `\n`), visibly.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(acts) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if acts(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Report text as inline Markdown on one line: controls as in [`visible`] (so a newline or a
/// `\r` cannot end a table row or start a heading), `|` escaped for table cells, and `<`, `>`,
/// `&` as entities so that nothing becomes raw HTML.
pub fn markdown_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if acts(c) => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// Report text as a Markdown code span: controls as in [`visible`], fenced with one more
/// backtick than the longest run inside, so the text cannot close the span.
pub fn markdown_code(s: &str) -> String {
    let text = visible(s);
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Whether XML 1.0 allows a character (its `Char` production).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Text with every character XML 1.0 does not allow (C0 controls but tab, newline and
/// carriage return; U+FFFE, U+FFFF) written as its Rust escape (`\u{fffe}`): a document that
/// holds one is not XML, and CI test-report readers refuse it whole.
pub fn xml_safe(s: &str) -> Cow<'_, str> {
    if s.chars().all(xml_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if xml_char(c) {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        let cases: &[(&str, &str)] = &[
            (r#""\udc00""#, "\"\u{10e400}\""),
            (r#""\ud800""#, "\"\u{10e000}\""),
            (r#""\ud97f\udfff""#, r#""\ud97f\udfff""#),
            (r#""\\udc00""#, r#""\\udc00""#),
            (
                r#""\u0041\udfff\ud800x""#,
                "\"\\u0041\u{10e7ff}\u{10e000}x\"",
            ),
        ];
        for (input, want) in cases {
            let got = replace_lone_surrogate_escapes(input.as_bytes());
            assert_eq!(std::str::from_utf8(&got).unwrap(), *want, "{input}");
        }
        assert_eq!(
            restore_lone_surrogate_escapes("\"\u{10e400}\""),
            r#""\udc00""#
        );
        // Real characters of the UTF-8 cases are not stand-ins.
        assert_eq!(
            restore_lone_surrogate_escapes("\u{10ffff}\u{10fc00}"),
            "\u{10ffff}\u{10fc00}"
        );
    }

    #[test]
    fn utf8_as_python2_read_it() {
        let lone = surrogate_to_char(0xDC00).to_string();
        let rows: &[(&[u8], Option<String>)] = &[
            (b"plain", Some("plain".into())),
            (b"\xed\xb0\x80", Some(lone.clone())),
            (b"a\xed\xa0\x80\xed\xb0\x80b", Some("a\u{10000}b".into())),
            (b"\xff", None),
            (b"\xf4\x90\x80\x80", None),
        ];
        for (bytes, want) in rows {
            assert_eq!(&decode_utf8_with_surrogates(bytes), want, "{bytes:x?}");
        }
    }

    #[test]
    fn the_first_byte_that_is_not_utf8_is_found() {
        assert_eq!(first_bad_byte(b"a\xed\xb0\x80b"), None);
        assert_eq!(first_bad_byte(b"ok"), None);
        assert_eq!(first_bad_byte(b"a\xed\xb0\x80b\xff"), Some(5));
        assert_eq!(first_bad_byte(b"cut\xe2\x82"), Some(3));
    }

    #[test]
    fn pages_with_raw_surrogates_and_bad_bytes_decode() {
        assert_eq!(decode_page(b"a\xed\xb0\x80b"), "a\u{10e400}b");
        assert_eq!(decode_page(b"a\xffb\x00"), "a\u{FFFD}b\0");
        assert_eq!(decode_page(b"cut\xe2\x82"), "cut\u{FFFD}");
    }

    #[test]
    fn report_text_cannot_act_on_a_terminal() {
        let rows: &[(&str, &str)] = &[
            ("plain\ttab", "plain\ttab"),
            ("\x1b]0;owned\x07title", "\\u{1b}]0;owned\\u{7}title"),
            ("\x1b[2J", "\\u{1b}[2J"),
            ("over\rwrite", "over\\rwrite"),
            ("two\nlines", "two\\nlines"),
            ("\u{9b}31m", "\\u{9b}31m"),
            ("a\u{202e}b", "a\\u{202e}b"),
            ("κ\u{10e400}", "κ\u{10e400}"),
        ];
        for (input, want) in rows {
            assert_eq!(visible(input), *want, "{input:?}");
        }
    }

    #[test]
    fn report_text_stays_inline_markdown() {
        assert_eq!(
            markdown_inline("a|b\r\n# head <img src=x onerror=alert(1)> & co"),
            "a\\|b\\r\\n# head &lt;img src=x onerror=alert(1)&gt; &amp; co"
        );
    }

    #[test]
    fn code_spans_cannot_be_closed_from_inside() {
        assert_eq!(markdown_code("stratus@2"), "`stratus@2`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x\n# h"), "`` `x\\n# h ``");
    }

    #[test]
    fn xml_invalid_characters_are_written_visibly() {
        assert_eq!(xml_safe("ok\t\n"), "ok\t\n");
        assert_eq!(
            xml_safe("a\u{fffe}b\u{ffff}\x01"),
            "a\\u{fffe}b\\u{ffff}\\u{1}"
        );
    }
}
