//! The client's opening handshake (RFC 6455 §4.1), written and checked by hand so its octets
//! are recorded (`TO`/`RO` rows, `httpRequest`/`httpResponse`) as the testsuite records them.

use sha1::{Digest, Sha1};

/// The GUID every `Sec-WebSocket-Accept` is derived with (RFC 6455 §1.3).
const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// A fresh `Sec-WebSocket-Key`: 16 random octets in base64 (§4.1).
pub fn new_key() -> String {
    let nonce: [u8; 16] = std::array::from_fn(|_| fastrand::u8(..));
    data_encoding::BASE64.encode(&nonce)
}

/// The `Sec-WebSocket-Accept` a server must answer `key` with (§4.2.2).
pub fn accept_for(key: &str) -> String {
    let mut sha = Sha1::new();
    sha.update(key.as_bytes());
    sha.update(WS_GUID.as_bytes());
    data_encoding::BASE64.encode(&sha.finalize())
}

/// The upgrade request, in the testsuite's header order (autobahn's `startHandshake`), with
/// wsreport's own `User-Agent` so reports never pass for the testsuite's. `extensions`: the
/// `Sec-WebSocket-Extensions` offer (permessage-deflate in 12.x/13.x), if any.
pub fn request(host: &str, resource: &str, key: &str, extensions: Option<&str>) -> Vec<u8> {
    let extensions = extensions
        .map(|e| format!("Sec-WebSocket-Extensions: {e}\r\n"))
        .unwrap_or_default();
    format!(
        "GET {resource} HTTP/1.1\r\nUser-Agent: wsreport/{}\r\nHost: {host}\r\n\
         Upgrade: WebSocket\r\nConnection: Upgrade\r\nPragma: no-cache\r\n\
         Cache-Control: no-cache\r\nSec-WebSocket-Key: {key}\r\n{extensions}\
         Sec-WebSocket-Version: 13\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes()
}

/// The value of header `name` (lowercase) in a response head, if present; a header that
/// appears more than once fails the handshake, as autobahn's `processHandshake` says for
/// `Sec-WebSocket-Extensions`.
pub fn single_header(head: &[u8], name: &str) -> Result<Option<String>, String> {
    let text: String = head.iter().map(|&b| b as char).collect(); // ISO-8859-1
    let values: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect();
    match values.as_slice() {
        [] => Ok(None),
        [v] => Ok(Some(v.to_string())),
        _ => Err(format!(
            "HTTP {} header appears more than once in opening handshake reply",
            shown_name(name)
        )),
    }
}

/// `sec-websocket-extensions` as autobahn writes it in its messages.
fn shown_name(name: &str) -> String {
    name.split('-')
        .map(|w| match w {
            "websocket" => "WebSocket".to_string(),
            _ => {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Checks the server's response head (through `\r\n\r\n`) as autobahn's `processHandshake`
/// does; the error is the reason the testsuite would give.
pub fn check_response(head: &[u8], key: &str) -> Result<(), String> {
    let text: String = head.iter().map(|&b| b as char).collect(); // ISO-8859-1
    let mut lines = text.lines();
    let status = lines.next().unwrap_or("").trim();
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let get = |name: &str| {
        let values: Vec<&str> = headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    };
    let parts: Vec<&str> = status.split_whitespace().collect();
    if parts.len() < 2 {
        return Err(format!("Bad HTTP response status line '{status}'"));
    }
    if parts[0] != "HTTP/1.1" {
        return Err(format!("Unsupported HTTP version ('{}')", parts[0]));
    }
    let code: u16 = parts[1]
        .parse()
        .map_err(|_| format!("Bad HTTP status code ('{}')", parts[1]))?;
    if code != 101 {
        let reason = if parts.len() > 2 {
            format!(" - {}", parts[2..].join(""))
        } else {
            String::new()
        };
        return Err(format!(
            "WebSocket connection upgrade failed ({code}{reason})"
        ));
    }
    match get("upgrade") {
        None => return Err("HTTP Upgrade header missing".into()),
        Some(u) if !u.trim().eq_ignore_ascii_case("websocket") => {
            return Err(format!(
                "HTTP Upgrade header different from 'websocket' (case-insensitive) : {u}"
            ));
        }
        Some(_) => {}
    }
    match get("connection") {
        None => return Err("HTTP Connection header missing".into()),
        Some(c)
            if !c
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("upgrade")) =>
        {
            return Err(format!(
                "HTTP Connection header does not include 'upgrade' value (case-insensitive) : {c}"
            ));
        }
        Some(_) => {}
    }
    let accepts: Vec<&(String, String)> = headers
        .iter()
        .filter(|(k, _)| k == "sec-websocket-accept")
        .collect();
    match accepts.as_slice() {
        [] => Err("HTTP Sec-WebSocket-Accept header missing in opening handshake reply".into()),
        [(_, got)] => {
            let want = accept_for(key);
            if *got == want {
                Ok(())
            } else {
                Err(format!(
                    "HTTP Sec-WebSocket-Accept bogus value : expected {want} / got {got}"
                ))
            }
        }
        _ => Err(
            "HTTP Sec-WebSocket-Accept header appears more than once in opening handshake reply"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_is_the_rfc_example() {
        assert_eq!(
            accept_for("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn responses_are_checked_like_autobahn() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
        let table: &[(&str, Result<(), &str>)] = &[
            (ok, Ok(())),
            (
                "HTTP/1.1 404 Not Found\r\n\r\n",
                Err("WebSocket connection upgrade failed (404 - NotFound)"),
            ),
            (
                "HTTP/1.0 101 X\r\n\r\n",
                Err("Unsupported HTTP version ('HTTP/1.0')"),
            ),
            (
                "HTTP/1.1 101 X\r\nConnection: Upgrade\r\n\r\n",
                Err("HTTP Upgrade header missing"),
            ),
            (
                "HTTP/1.1 101 X\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: nope\r\n\r\n",
                Err(
                    "HTTP Sec-WebSocket-Accept bogus value : expected s3pPLMBiTxaQ9kYGzzhZRbK+xOo= / got nope",
                ),
            ),
        ];
        for (head, want) in table {
            assert_eq!(
                check_response(head.as_bytes(), key),
                want.map_err(String::from),
                "{head:?}"
            );
        }
    }

    #[test]
    fn the_extension_offer_goes_before_the_version_and_answers_are_read_once() {
        let r = String::from_utf8(request("h:1", "/", "k", Some("permessage-deflate"))).unwrap();
        assert!(r.ends_with(
            "Sec-WebSocket-Key: k\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        ));
        assert!(
            !String::from_utf8(request("h:1", "/", "k", None))
                .unwrap()
                .contains("Extensions")
        );
        let head = b"HTTP/1.1 101 X\r\nsec-websocket-extensions: permessage-deflate\r\n\r\n";
        assert_eq!(
            single_header(head, "sec-websocket-extensions"),
            Ok(Some("permessage-deflate".into()))
        );
        assert_eq!(single_header(head, "sec-websocket-protocol"), Ok(None));
        let twice =
            b"HTTP/1.1 101 X\r\nSec-WebSocket-Extensions: a\r\nSec-WebSocket-Extensions: b\r\n\r\n";
        assert_eq!(
            single_header(twice, "sec-websocket-extensions"),
            Err("HTTP Sec-WebSocket-Extensions header appears more than once in opening handshake reply".into())
        );
    }
}
