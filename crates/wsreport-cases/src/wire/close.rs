//! Close frame bodies (RFC 6455 §5.5.1) and the close codes the testsuite accepts (§7.4).

/// A parsed close frame body: raw facts, judged by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosePayload {
    /// The status code, absent when the body is empty (§5.5.1; "1005" is never on the wire).
    pub code: Option<u16>,
    /// The reason octets after the code; §5.5.1 says UTF-8, but the peer may not comply.
    pub reason: Vec<u8>,
}

impl ClosePayload {
    /// The reason as text, or the UTF-8 error when it is not valid UTF-8 (the testsuite's
    /// case 7.5.1 sends such a reason and expects close 1002 or 1007).
    pub fn reason_str(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.reason)
    }
}

/// Why a close body cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloseParseError {
    /// A one-octet body: a code needs two octets (§5.5.1; testsuite case 7.3.2).
    #[error("close frame body of 1 octet cannot hold a 2-octet status code (RFC 6455 §5.5.1)")]
    TruncatedCode,
}

/// Builds a close body (§5.5.1): the code in network byte order, then the UTF-8 reason.
/// Without a code the body is empty and the reason is dropped, since §5.5.1 only allows a
/// reason after a code.
pub fn close_payload(code: Option<u16>, reason: &str) -> Vec<u8> {
    match code {
        Some(code) => close_payload_raw(code, reason.as_bytes()),
        None => Vec::new(),
    }
}

/// Builds a close body with arbitrary reason octets, for sending invalid reasons on purpose.
pub fn close_payload_raw(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(2 + reason.len());
    body.extend_from_slice(&code.to_be_bytes());
    body.extend_from_slice(reason);
    body
}

/// Parses a close body (§5.5.1). The code's validity and the reason's UTF-8 are left to the
/// caller: see [`is_valid_close_code`] and [`ClosePayload::reason_str`].
pub fn parse_close(payload: &[u8]) -> Result<ClosePayload, CloseParseError> {
    match payload {
        [] => Ok(ClosePayload {
            code: None,
            reason: Vec::new(),
        }),
        [_] => Err(CloseParseError::TruncatedCode),
        [hi, lo, reason @ ..] => Ok(ClosePayload {
            code: Some(u16::from_be_bytes([*hi, *lo])),
            reason: reason.to_vec(),
        }),
    }
}

/// Whether a peer may send `code` in a close frame, as the testsuite (autobahn 0.10.9)
/// judges it: the codes defined in §7.4.1 that may appear on the wire (1000–1003,
/// 1007–1011) and the registered and private ranges 3000–4999 (§7.4.2). Cases 7.9.x send
/// 0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999 and expect close 1002.
pub fn is_valid_close_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1011 | 3000..=4999)
}
