//! permessage-deflate negotiation for the compression cases (RFC 7692; categories 12, 13).
//!
//! A case with [`Deflate`] negotiates the extension in its opening handshake; every other
//! case offers and accepts no extension. The fuzzer plays either role:
//!
//! - **as client** (servers mode) it sends [`Deflate::offers`] as one
//!   `Sec-WebSocket-Extensions` value ([`Deflate::offer_header`]) and accepts whatever
//!   permessage-deflate response the server gives, applying its parameters (RFC 7692 §7.1);
//! - **as server** (clients mode) it reads the client's permessage-deflate offers and answers
//!   with [`Deflate::accept`]: the first entry that some offer allows, applied to the first
//!   offer that allows it ([`DeflateAccept::response_header`]).
//!
//! When nothing is negotiated the case's [`DeflateSeries`](crate::catalog::DeflateSeries) says
//! UNIMPLEMENTED.

/// One permessage-deflate offer the fuzzer makes as client (Autobahn's
/// `PerMessageDeflateOffer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateOffer {
    /// Offer `client_no_context_takeover` (the server may ask us to reset our compressor after
    /// each message). Always true in the testsuite.
    pub accept_no_context_takeover: bool,
    /// Offer `client_max_window_bits` without a value (the server may limit our window).
    /// Always true in the testsuite.
    pub accept_max_window_bits: bool,
    /// Ask for `server_no_context_takeover`.
    pub request_no_context_takeover: bool,
    /// Ask for `server_max_window_bits=N`; 0 asks for nothing.
    pub request_max_window_bits: u8,
}

impl DeflateOffer {
    /// The default offer: `permessage-deflate; client_no_context_takeover;
    /// client_max_window_bits`.
    pub const DEFAULT: DeflateOffer = DeflateOffer::requesting(false, 0);

    /// An offer that allows both client parameters and asks the server for
    /// `(requestNoContextTakeover, requestMaxWindowBits)`.
    pub const fn requesting(no_context_takeover: bool, max_window_bits: u8) -> Self {
        DeflateOffer {
            accept_no_context_takeover: true,
            accept_max_window_bits: true,
            request_no_context_takeover: no_context_takeover,
            request_max_window_bits: max_window_bits,
        }
    }

    /// The offer as it goes in `Sec-WebSocket-Extensions`.
    pub fn header(&self) -> String {
        let mut s = String::from("permessage-deflate");
        if self.accept_no_context_takeover {
            s.push_str("; client_no_context_takeover");
        }
        if self.accept_max_window_bits {
            s.push_str("; client_max_window_bits");
        }
        if self.request_no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        if self.request_max_window_bits != 0 {
            s.push_str(&format!(
                "; server_max_window_bits={}",
                self.request_max_window_bits
            ));
        }
        s
    }
}

/// What the fuzzer asks of a client's offer when it accepts it as server (Autobahn's
/// `PerMessageDeflateOfferAccept` as the 13.x `accept` functions build it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateAccept {
    /// Ask for `client_no_context_takeover`; only an offer with `client_no_context_takeover`
    /// allows it.
    pub request_no_context_takeover: bool,
    /// Ask for `client_max_window_bits=N` (0: nothing); only an offer with
    /// `client_max_window_bits` allows it.
    pub request_max_window_bits: u8,
}

impl DeflateAccept {
    /// Whether `offer` allows this acceptance.
    pub fn allows(&self, offer: &DeflateOffer) -> bool {
        (!self.request_no_context_takeover || offer.accept_no_context_takeover)
            && (self.request_max_window_bits == 0 || offer.accept_max_window_bits)
    }

    /// The `Sec-WebSocket-Extensions` response accepting `offer`: the server parameters the
    /// client asked for, then the client parameters this acceptance asks for.
    pub fn response_header(&self, offer: &DeflateOffer) -> String {
        let mut s = String::from("permessage-deflate");
        if offer.request_no_context_takeover {
            s.push_str("; server_no_context_takeover");
        }
        if offer.request_max_window_bits != 0 {
            s.push_str(&format!(
                "; server_max_window_bits={}",
                offer.request_max_window_bits
            ));
        }
        if self.request_no_context_takeover {
            s.push_str("; client_no_context_takeover");
        }
        if self.request_max_window_bits != 0 {
            s.push_str(&format!(
                "; client_max_window_bits={}",
                self.request_max_window_bits
            ));
        }
        s
    }
}

/// A case's permessage-deflate negotiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deflate {
    /// As client: the offers, in order of preference.
    pub offers: Vec<DeflateOffer>,
    /// As server: the acceptances to try, in order; the first that some client offer allows
    /// is used with the first such offer. None allowed: the extension is declined.
    pub accept: Vec<DeflateAccept>,
}

impl Deflate {
    /// The `Sec-WebSocket-Extensions` value the fuzzer sends as client: the offers joined by
    /// `, `.
    pub fn offer_header(&self) -> String {
        self.offers
            .iter()
            .map(DeflateOffer::header)
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// As server: the acceptance and the client offer it applies to, if any.
    pub fn choose(&self, client_offers: &[DeflateOffer]) -> Option<(DeflateAccept, DeflateOffer)> {
        self.accept
            .iter()
            .find_map(|a| client_offers.iter().find(|o| a.allows(o)).map(|o| (*a, *o)))
    }

    /// The offers as the 13.x descriptions show them: Python's repr of a list of
    /// `(requestNoContextTakeover, requestMaxWindowBits)` tuples, e.g. `[(True, 9), (False, 0)]`.
    pub fn offers_shown(&self) -> String {
        let shown: Vec<String> = self
            .offers
            .iter()
            .map(|o| {
                let b = if o.request_no_context_takeover {
                    "True"
                } else {
                    "False"
                };
                format!("({b}, {})", o.request_max_window_bits)
            })
            .collect();
        format!("[{}]", shown.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offers_read_as_wstest_sends_them() {
        let d = Deflate {
            offers: vec![
                DeflateOffer::requesting(true, 9),
                DeflateOffer::requesting(true, 0),
                DeflateOffer::DEFAULT,
            ],
            accept: vec![],
        };
        // the 13.7.x request in denoland__autobahn's reports
        assert_eq!(
            d.offer_header(),
            "permessage-deflate; client_no_context_takeover; client_max_window_bits; \
             server_no_context_takeover; server_max_window_bits=9, permessage-deflate; \
             client_no_context_takeover; client_max_window_bits; server_no_context_takeover, \
             permessage-deflate; client_no_context_takeover; client_max_window_bits"
        );
        assert_eq!(d.offers_shown(), "[(True, 9), (True, 0), (False, 0)]");
    }

    #[test]
    fn the_first_acceptance_an_offer_allows_wins() {
        let d = Deflate {
            offers: vec![],
            accept: vec![
                DeflateAccept {
                    request_no_context_takeover: true,
                    request_max_window_bits: 9,
                },
                DeflateAccept {
                    request_no_context_takeover: false,
                    request_max_window_bits: 0,
                },
            ],
        };
        let bare = DeflateOffer {
            accept_no_context_takeover: false,
            accept_max_window_bits: false,
            request_no_context_takeover: false,
            request_max_window_bits: 0,
        };
        let (a, o) = d.choose(&[bare]).unwrap();
        assert_eq!(a.response_header(&o), "permessage-deflate");
        let full = DeflateOffer::DEFAULT;
        let (a, o) = d.choose(&[bare, full]).unwrap();
        // wstest's 13.7.x response to gws-client in lxzan__gws's reports
        assert_eq!(
            a.response_header(&o),
            "permessage-deflate; client_no_context_takeover; client_max_window_bits=9"
        );
        assert!(
            Deflate {
                offers: vec![],
                accept: vec![DeflateAccept {
                    request_no_context_takeover: true,
                    request_max_window_bits: 0
                }]
            }
            .choose(&[bare])
            .is_none()
        );
    }
}
