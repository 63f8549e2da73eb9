//! The permessage-deflate negotiation of a case (RFC 7692 §7.1), read from the opening
//! handshake the report carries: what was offered, what was accepted, and which parameter of
//! the answer the offer did not allow.
//!
//! The request is the client's and the response the server's, whichever side the fuzzer
//! played; the checks are on the answer, so in servers mode they judge the peer and in clients
//! mode they judge the fuzzer (and say nothing surprising).

use serde::Serialize;

use crate::model::Case;
use crate::protocol::{deflate, handshake};

/// One permessage-deflate offer or answer: its parameters, in order, with their values.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Params(Vec<(String, Option<String>)>);

impl Params {
    fn get(&self, name: &str) -> Option<&Option<String>> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// What the handshake negotiated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Negotiation {
    /// The request's `Sec-WebSocket-Extensions` values, joined with `, `.
    pub offered: String,
    /// The response's, or `None` when it accepted no extension.
    pub accepted: Option<String>,
    /// What the answer does that RFC 7692 §7.1 does not allow for the offers made.
    pub problems: Vec<String>,
}

/// The joined `Sec-WebSocket-Extensions` values of a head and their permessage-deflate entries
/// (parsed as the engine parses them).
fn deflate_entries(head: &str) -> (Option<String>, Vec<Params>) {
    let joined = handshake::joined_header(head.as_bytes(), "sec-websocket-extensions");
    let entries = joined
        .as_deref()
        .map(deflate::parse_extensions)
        .unwrap_or_default()
        .into_iter()
        .filter(|(name, _)| name == "permessage-deflate")
        .map(|(_, params)| Params(params))
        .collect();
    (joined, entries)
}

fn window_bits(v: &Option<String>) -> Option<u8> {
    v.as_deref()
        .and_then(|s| s.parse::<u8>().ok())
        .filter(|b| (8..=15).contains(b))
}

/// What the answer does that no offer allows; empty when some offer allows all of it.
fn check(answer: &Params, offers: &[Params]) -> Vec<String> {
    let mut own = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in &answer.0 {
        if seen.contains(&name.as_str()) {
            own.push(format!("`{name}` appears twice"));
        }
        seen.push(name);
        match name.as_str() {
            "server_no_context_takeover" | "client_no_context_takeover" if value.is_some() => {
                own.push(format!("`{name}` takes no value"));
            }
            "server_max_window_bits" | "client_max_window_bits" if window_bits(value).is_none() => {
                own.push(format!("`{name}` needs a value from 8 to 15"));
            }
            "server_no_context_takeover"
            | "client_no_context_takeover"
            | "server_max_window_bits"
            | "client_max_window_bits" => {}
            other => own.push(format!("unknown parameter `{other}`")),
        }
    }
    if !own.is_empty() {
        return own;
    }
    // the answer must fit one offer (§7.1: it answers one of them)
    let mut best: Option<Vec<String>> = None;
    for offer in offers {
        let mut p = Vec::new();
        if answer.get("client_max_window_bits").is_some()
            && offer.get("client_max_window_bits").is_none()
        {
            p.push(
                "the answer sets `client_max_window_bits`, which the offer did not allow".into(),
            );
        }
        if offer.get("server_no_context_takeover").is_some()
            && answer.get("server_no_context_takeover").is_none()
        {
            p.push(
                "the offer asked for `server_no_context_takeover`; accepting it means \
                 answering with it"
                    .into(),
            );
        }
        if let Some(asked) = offer.get("server_max_window_bits") {
            match (window_bits(asked), answer.get("server_max_window_bits")) {
                (Some(limit), None) => p.push(format!(
                    "the offer asked for `server_max_window_bits={limit}`; the answer omits it"
                )),
                (Some(limit), Some(given)) if window_bits(given).is_some_and(|g| g > limit) => p
                    .push(format!(
                        "the answer's `server_max_window_bits={}` is larger than the {limit} \
                         asked for",
                        given.as_deref().unwrap_or("")
                    )),
                _ => {}
            }
        }
        if p.is_empty() {
            return Vec::new();
        }
        if best.as_ref().is_none_or(|b| p.len() < b.len()) {
            best = Some(p);
        }
    }
    best.unwrap_or_default()
}

/// The case's permessage-deflate negotiation, when its request offered the extension and
/// it matters: a compression case (12.x, 13.x) or an answer that accepted it. (Clients offer
/// it on every case; the fuzzer declines it outside 12 and 13, which is no news.)
pub fn negotiation(case: &Case) -> Option<Negotiation> {
    let n = offered_and_answered(case)?;
    let deflate_case = case
        .id
        .as_ref()
        .is_some_and(|id| matches!(id.category(), 12 | 13));
    (deflate_case || n.accepted.is_some()).then_some(n)
}

fn offered_and_answered(case: &Case) -> Option<Negotiation> {
    let (offered, offers) = deflate_entries(case.http_request.as_deref()?);
    let offered = offered.filter(|_| !offers.is_empty())?;
    let (accepted, answers) = case
        .http_response
        .as_deref()
        .map(deflate_entries)
        .unwrap_or_default();
    let mut problems = match answers.as_slice() {
        [] => Vec::new(),
        [one] => check(one, &offers),
        _ => vec!["the answer accepts permessage-deflate more than once".into()],
    };
    problems.dedup();
    Some(Negotiation {
        offered,
        accepted,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(offer: &str, answer: Option<&str>) -> Case {
        Case {
            http_request: Some(format!(
                "GET / HTTP/1.1\r\nHost: x\r\nSec-WebSocket-Extensions: {offer}\r\n\r\n"
            )),
            http_response: Some(match answer {
                Some(a) => format!(
                    "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Extensions: {a}\r\n\r\n"
                ),
                None => "HTTP/1.1 101 Switching Protocols\r\n\r\n".into(),
            }),
            ..Case::default()
        }
    }

    #[test]
    fn a_fitting_answer_has_no_problems() {
        let n = negotiation(&case(
            "permessage-deflate; client_no_context_takeover; client_max_window_bits",
            Some("permessage-deflate; client_max_window_bits=9"),
        ))
        .unwrap();
        assert_eq!(
            n.accepted.as_deref(),
            Some("permessage-deflate; client_max_window_bits=9")
        );
        assert!(n.problems.is_empty(), "{:?}", n.problems);
        // the second of several offers fits
        let n = negotiation(&case(
            "permessage-deflate; server_max_window_bits=9, permessage-deflate",
            Some("permessage-deflate"),
        ))
        .unwrap();
        assert!(n.problems.is_empty(), "{:?}", n.problems);
    }

    #[test]
    fn the_parameter_the_peer_got_wrong_is_named() {
        let p =
            |offer: &str, answer: &str| negotiation(&case(offer, Some(answer))).unwrap().problems;
        assert_eq!(
            p(
                "permessage-deflate; server_max_window_bits=9",
                "permessage-deflate; server_max_window_bits=15"
            ),
            ["the answer's `server_max_window_bits=15` is larger than the 9 asked for"]
        );
        assert_eq!(
            p(
                "permessage-deflate; server_no_context_takeover",
                "permessage-deflate"
            ),
            [
                "the offer asked for `server_no_context_takeover`; accepting it means answering with it"
            ]
        );
        assert_eq!(
            p(
                "permessage-deflate",
                "permessage-deflate; client_max_window_bits=10"
            ),
            ["the answer sets `client_max_window_bits`, which the offer did not allow"]
        );
        assert_eq!(
            p(
                "permessage-deflate",
                "permessage-deflate; server_max_window_bits=7; x=1"
            ),
            [
                "`server_max_window_bits` needs a value from 8 to 15",
                "unknown parameter `x`"
            ]
        );
    }

    #[test]
    fn declined_and_absent_offers() {
        let declined = case("permessage-deflate", None);
        assert_eq!(
            negotiation(&declined),
            None,
            "not a compression case: no news"
        );
        let declined = Case {
            id: Some("12.1.1".parse().unwrap()),
            ..declined
        };
        let n = negotiation(&declined).unwrap();
        assert_eq!(n.accepted, None);
        assert!(n.problems.is_empty());
        let plain = Case {
            http_request: Some("GET / HTTP/1.1\r\nHost: x\r\n\r\n".into()),
            ..Case::default()
        };
        assert_eq!(negotiation(&plain), None);
    }
}
