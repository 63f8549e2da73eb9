//! The opening handshake (RFC 6455 §4), written and checked by hand so its octets are recorded
//! (`TO`/`RO` rows, `httpRequest`/`httpResponse`) as the testsuite records them: the client's
//! request and the check of the server's answer, and the server's check of a client's request
//! and its `101` (or error) answer.

use sha1::{Digest, Sha1};

/// The GUID every `Sec-WebSocket-Accept` is derived with (RFC 6455 §1.3).
const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The largest opening-handshake head (request or response, through the blank line) read
/// from a peer, in octets. A real one is a few hundred; a peer that goes on sending header
/// lines is refused here instead of being buffered until memory runs out.
pub const MAX_HEAD: usize = 16 * 1024;

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

/// `request` with `headers` (`--header`, `--origin`, `--protocol`) added before the blank line
/// that ends it.
pub fn with_headers(mut request: Vec<u8>, headers: &[(String, String)]) -> Vec<u8> {
    if headers.is_empty() || !request.ends_with(b"\r\n\r\n") {
        return request;
    }
    request.truncate(request.len() - 2);
    for (name, value) in headers {
        request.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request
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
    let (status, headers) = headers(head);
    let get = |name: &str| joined(&headers, name);
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
    match values(&headers, "sec-websocket-accept").as_slice() {
        [] => Err("HTTP Sec-WebSocket-Accept header missing in opening handshake reply".into()),
        [got] => {
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

/// Why a client's upgrade request was refused: the HTTP status and the reason autobahn's
/// server gives (`failHandshake`), which is also the status line's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status code (400, 405, 505).
    pub status: u16,
    /// The reason, in autobahn's words.
    pub reason: String,
}

fn refuse(status: u16, reason: impl Into<String>) -> Refusal {
    Refusal {
        status,
        reason: reason.into(),
    }
}

/// The values of header `name` (lowercase) in a request head joined by `, `, if present.
pub fn joined_header(head: &[u8], name: &str) -> Option<String> {
    joined(&headers(head).1, name)
}

/// The values of header `name` (lowercase), in order.
fn values<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    headers
        .iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// The values of header `name` joined by `, ` (as one header), if present.
fn joined(headers: &[(String, String)], name: &str) -> Option<String> {
    let values = values(headers, name);
    (!values.is_empty()).then(|| values.join(", "))
}

/// The headers of a head, names lower-cased, values trimmed, in order (ISO-8859-1).
fn headers(head: &[u8]) -> (String, Vec<(String, String)>) {
    let text: String = head.iter().map(|&b| b as char).collect();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("").trim().to_string();
    let mut headers = Vec::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    (first, headers)
}

/// Checks a client's request head (through `\r\n\r\n`) as autobahn's server
/// (`WebSocketServerProtocol.processHandshake`) does, in its order; returns the
/// `Sec-WebSocket-Key` to answer. The port in `Host` is not compared with the listening port,
/// so harnesses behind a port mapping still run.
pub fn check_request(head: &[u8]) -> Result<String, Refusal> {
    let (status, headers) = headers(head);
    let all = |name: &str| values(&headers, name);
    let one = |name: &str| joined(&headers, name);
    let parts: Vec<&str> = status.split_whitespace().collect();
    if parts.len() != 3 {
        return Err(refuse(
            400,
            format!("Bad HTTP request status line '{status}'"),
        ));
    }
    if parts[0] != "GET" {
        return Err(refuse(
            405,
            format!("HTTP method '{}' not allowed", parts[0]),
        ));
    }
    if parts[2] != "HTTP/1.1" {
        return Err(refuse(
            505,
            format!("Unsupported HTTP version '{}'", parts[2]),
        ));
    }
    if parts[1].contains('#') {
        let fragment = parts[1].split_once('#').map_or("", |(_, f)| f);
        return Err(refuse(
            400,
            format!("HTTP requested resource contains a fragment identifier '{fragment}'"),
        ));
    }
    match all("host").len() {
        0 => {
            return Err(refuse(
                400,
                "HTTP Host header missing in opening handshake request",
            ));
        }
        1 => {}
        _ => {
            return Err(refuse(
                400,
                "HTTP Host header appears more than once in opening handshake request",
            ));
        }
    }
    match one("upgrade") {
        None => return Err(refuse(400, "HTTP Upgrade header missing")),
        Some(u) if !u.eq_ignore_ascii_case("websocket") => {
            return Err(refuse(
                400,
                format!("HTTP Upgrade header different from 'websocket' (case-insensitive) : {u}"),
            ));
        }
        Some(_) => {}
    }
    match one("connection") {
        None => return Err(refuse(400, "HTTP Connection header missing")),
        Some(c)
            if !c
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case("upgrade")) =>
        {
            return Err(refuse(
                400,
                format!(
                    "HTTP Connection header does not include 'upgrade' value (case-insensitive) : {c}"
                ),
            ));
        }
        Some(_) => {}
    }
    match all("sec-websocket-version").as_slice() {
        [] => {
            return Err(refuse(
                400,
                "WebSocket connection denied - Hixie76 protocol mode disabled.",
            ));
        }
        [v] => match v.parse::<u32>() {
            Ok(13) => {}
            Ok(n) => {
                return Err(refuse(
                    400,
                    format!("WebSocket version {n} not supported (supported versions: 13)"),
                ));
            }
            Err(_) => {
                return Err(refuse(
                    400,
                    format!(
                        "could not parse HTTP Sec-WebSocket-Version header '{v}' in opening handshake request"
                    ),
                ));
            }
        },
        _ => {
            return Err(refuse(
                400,
                "HTTP Sec-WebSocket-Version header appears more than once in opening handshake request",
            ));
        }
    }
    let key = match all("sec-websocket-key").as_slice() {
        [] => return Err(refuse(400, "HTTP Sec-WebSocket-Key header missing")),
        [k] => k.trim().to_string(),
        _ => {
            return Err(refuse(
                400,
                "HTTP Sec-WebSocket-Key header appears more than once in opening handshake request",
            ));
        }
    };
    if key.len() != 24 {
        return Err(refuse(
            400,
            format!("bad Sec-WebSocket-Key (length must be 24 ASCII chars) '{key}'"),
        ));
    }
    if !key.ends_with("==") {
        return Err(refuse(
            400,
            format!("bad Sec-WebSocket-Key (invalid base64 encoding) '{key}'"),
        ));
    }
    if let Some(c) = key[..22]
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '+' || *c == '/'))
    {
        return Err(refuse(
            400,
            format!("bad character '{c}' in Sec-WebSocket-Key '{key}'"),
        ));
    }
    Ok(key)
}

/// The server's `101` answer, in autobahn's header order, with wsreport's own `Server` header
/// so reports never pass for the testsuite's. `extensions`: the `Sec-WebSocket-Extensions`
/// answer (permessage-deflate in 12.x/13.x), after `Sec-WebSocket-Accept` as autobahn writes
/// it. No subprotocol is accepted.
pub fn response(key: &str, extensions: Option<&str>) -> Vec<u8> {
    let extensions = extensions
        .map(|e| format!("Sec-WebSocket-Extensions: {e}\r\n"))
        .unwrap_or_default();
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nServer: wsreport/{}\r\nUpgrade: WebSocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n{extensions}\r\n",
        env!("CARGO_PKG_VERSION"),
        accept_for(key)
    )
    .into_bytes()
}

/// The answer to a refused request (`sendHttpErrorResponse`): the reason is the status text.
pub fn error_response(refusal: &Refusal) -> Vec<u8> {
    let reason: String = refusal
        .reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("HTTP/1.1 {} {reason}\r\n\r\n", refusal.status).into_bytes()
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
    fn requests_are_checked_like_autobahns_server() {
        let ok = "GET /runCase?case=1&agent=a HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        type Row = (String, Result<&'static str, (u16, &'static str)>);
        let table: &[Row] = &[
            (ok.into(), Ok("dGhlIHNhbXBsZSBub25jZQ==")),
            (
                ok.replace("GET", "POST"),
                Err((405, "HTTP method 'POST' not allowed")),
            ),
            (
                ok.replace("HTTP/1.1", "HTTP/1.0"),
                Err((505, "Unsupported HTTP version 'HTTP/1.0'")),
            ),
            (
                ok.replace("Host: 127.0.0.1:9001\r\n", ""),
                Err((400, "HTTP Host header missing in opening handshake request")),
            ),
            (
                ok.replace("Upgrade: websocket\r\n", ""),
                Err((400, "HTTP Upgrade header missing")),
            ),
            (
                ok.replace("keep-alive, Upgrade", "keep-alive"),
                Err((
                    400,
                    "HTTP Connection header does not include 'upgrade' value (case-insensitive) : keep-alive",
                )),
            ),
            (
                ok.replace("Version: 13", "Version: 8"),
                Err((
                    400,
                    "WebSocket version 8 not supported (supported versions: 13)",
                )),
            ),
            (
                ok.replace("dGhlIHNhbXBsZSBub25jZQ==", "short=="),
                Err((
                    400,
                    "bad Sec-WebSocket-Key (length must be 24 ASCII chars) 'short=='",
                )),
            ),
            (
                ok.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""),
                Err((400, "HTTP Sec-WebSocket-Key header missing")),
            ),
            (
                "\r\n\r\n".into(),
                Err((400, "Bad HTTP request status line ''")),
            ),
        ];
        for (head, want) in table {
            let got = check_request(head.as_bytes()).map_err(|r| (r.status, r.reason));
            assert_eq!(
                got,
                want.map(String::from).map_err(|(s, r)| (s, r.to_string())),
                "{head:?}"
            );
        }
        let answer = String::from_utf8(response("dGhlIHNhbXBsZSBub25jZQ==", None)).unwrap();
        assert!(answer.starts_with("HTTP/1.1 101 Switching Protocols\r\n"));
        assert!(answer.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
        // the client side of this crate accepts it
        assert_eq!(
            check_response(answer.as_bytes(), "dGhlIHNhbXBsZSBub25jZQ=="),
            Ok(())
        );
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
