//! permessage-deflate (RFC 7692), the one negotiation and the one codec of wsreport: reading
//! offers and responses as autobahn 0.10.9 reads them (`_parseExtensionsHeader`,
//! `PerMessageDeflateOffer.parse`, `PerMessageDeflateResponse.parse`), the answers of the
//! case engine in both roles ([`client_negotiate`], [`server_negotiate`]) and of the echo
//! server ([`echo_negotiate`]), and the codec ([`Codec`], `PerMessageDeflate`'s
//! `startCompressMessage` … `endDecompressMessage`) both use.
//!
//! Backend: flate2 with zlib-rs, a pure-Rust zlib that, unlike miniz_oxide, honours the
//! window size (`windowBits` 9–15) for both directions, so `client_max_window_bits` and
//! `server_max_window_bits` mean what they say, and needs no C toolchain.
//!
//! zlib (and zlib-rs) refuse a raw deflate window of 8 bits (256 octets). Python's autobahn
//! would fail there; we keep going: a compressor limited to 8 bits uses level 0 (stored
//! blocks, no back-references at all, so no distance exceeds 256), and a decompressor reads
//! with a 9-bit window (a larger window reads every stream a smaller one wrote).

use crate::catalog::{Deflate, DeflateAccept, DeflateOffer};
use crate::wire::deflate::{TAIL, compress_sync};
use flate2::{Compress, Compression, Decompress, FlushDecompress, Status};

/// The fuzzer's own compression level. The testsuite uses zlib's default (6); level 1 makes
/// the same kind of stream (any inflater reads it) at a third of the CPU, which is most of a
/// full run's cost (12.x/13.x compress ~11 GB). It changes only the ratio of what *we* send
/// (`trafficStats`' outgoing figures); the peer's compression, the incoming figures and every
/// verdict are the same (checked against kosoku on all 517 cases).
const COMPRESSION_LEVEL: Compression = Compression::fast();

/// zlib's level 0: stored blocks, no search at all. A valid permessage-deflate stream that
/// every inflater reads, at the cost of a copy (see [`Codec::with_level`]).
pub const STORED: u32 = 0;

/// The negotiated parameters (RFC 7692 §7.1). Window bits are 8–15, 15 when the response
/// named none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// `server_no_context_takeover`: the server resets its compressor after each message.
    pub server_no_context_takeover: bool,
    /// `client_no_context_takeover`: the client resets its compressor after each message.
    pub client_no_context_takeover: bool,
    /// `server_max_window_bits`: the server's compressor window.
    pub server_max_window_bits: u8,
    /// `client_max_window_bits`: the client's compressor window.
    pub client_max_window_bits: u8,
}

/// The window when a response names none (zlib's `MAX_WBITS`).
pub const DEFAULT_WINDOW_BITS: u8 = 15;

impl Default for Params {
    fn default() -> Self {
        Params {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: DEFAULT_WINDOW_BITS,
            client_max_window_bits: DEFAULT_WINDOW_BITS,
        }
    }
}

const NAME: &str = "permessage-deflate";

/// One extension of a `Sec-WebSocket-Extensions` value: its name (lowercase) and its
/// parameters in order, `None` for a parameter without a value.
pub type Extension = (String, Vec<(String, Option<String>)>);

/// Autobahn's `_parseExtensionsHeader`: `,` between extensions, `;` between parameters,
/// `key=value` with one pair of surrounding quotes removed.
pub fn parse_extensions(header: &str) -> Vec<Extension> {
    header
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let mut parts = e.split(';').map(str::trim);
            let name = parts.next().unwrap_or("").to_ascii_lowercase();
            let params = parts
                .map(|p| {
                    let mut kv = p.splitn(2, '=');
                    let key = kv.next().unwrap_or("").trim().to_ascii_lowercase();
                    let value = kv.next().map(|v| {
                        let v = v.trim();
                        let v = v.strip_prefix('"').unwrap_or(v);
                        v.strip_suffix('"').unwrap_or(v).to_string()
                    });
                    (key, value)
                })
                .collect();
            (name, params)
        })
        .collect()
}

/// What the client makes of the server's `Sec-WebSocket-Extensions` response (autobahn's
/// `processHandshake`): `Ok(None)` when nothing was negotiated, the parameters when
/// permessage-deflate was, and the reason the testsuite fails the handshake otherwise.
/// `offered`: whether we offered permessage-deflate (a response to no offer is denied).
pub fn client_negotiate(header: Option<&str>, offered: bool) -> Result<Option<Params>, String> {
    let Some(header) = header else {
        return Ok(None);
    };
    let mut params = None;
    for (name, ps) in parse_extensions(header) {
        if name != NAME {
            return Err(format!(
                "server wants to use extension '{name}' we did not offer"
            ));
        }
        if params.is_some() {
            return Err("multiple occurence of a permessage-compress extension".into());
        }
        let p = parse_response_params(&ps)?;
        if !offered {
            return Err(
                "WebSocket permessage-compress extension response from server denied by client"
                    .into(),
            );
        }
        params = Some(p);
    }
    Ok(params)
}

/// Autobahn's check that parameter `i` of `ps` was not given before it.
fn once(ps: &[(String, Option<String>)], i: usize) -> Result<(), String> {
    let key = &ps[i].0;
    if ps[..i].iter().any(|(k, _)| k == key) {
        return Err(format!(
            "multiple occurence of extension parameter '{key}' for extension '{NAME}'"
        ));
    }
    Ok(())
}

/// `PerMessageDeflateResponse.parse`: each parameter at most once, window bits 8–15, flags
/// without a value, nothing else.
fn parse_response_params(ps: &[(String, Option<String>)]) -> Result<Params, String> {
    let mut p = Params::default();
    for (i, (key, value)) in ps.iter().enumerate() {
        once(ps, i)?;
        let value = value.as_deref();
        match key.as_str() {
            "client_max_window_bits" | "server_max_window_bits" => {
                let bits = window_bits(key, value)?;
                if key == "client_max_window_bits" {
                    p.client_max_window_bits = bits;
                } else {
                    p.server_max_window_bits = bits;
                }
            }
            "client_no_context_takeover" | "server_no_context_takeover" => {
                flag(key, value)?;
                if key == "client_no_context_takeover" {
                    p.client_no_context_takeover = true;
                } else {
                    p.server_no_context_takeover = true;
                }
            }
            _ => return Err(illegal_parameter(key)),
        }
    }
    Ok(p)
}

/// Autobahn's refusal of a parameter's value; Python shows a missing value as `True`.
fn illegal_value(key: &str, value: Option<&str>) -> String {
    let shown = value.unwrap_or("True");
    format!(
        "illegal extension parameter value '{shown}' for parameter '{key}' of extension '{NAME}'"
    )
}

/// Autobahn's refusal of a parameter it does not know.
fn illegal_parameter(key: &str) -> String {
    format!("illegal extension parameter '{key}' for extension '{NAME}'")
}

/// A window-bits value: 8–15 as RFC 7692 §7.1.2 writes it (`%x38-39 / "1" %x30-35`: no sign,
/// no leading zero, where Python's `int()` would take `09` or `+9`), surrounding spaces
/// ignored as `int()` ignores them.
fn window_bits(key: &str, value: Option<&str>) -> Result<u8, String> {
    value
        .map(str::trim)
        .filter(|v| !v.starts_with('0') && v.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.parse::<u8>().ok())
        .filter(|b| (8..=15).contains(b))
        .ok_or_else(|| illegal_value(key, value))
}

/// A flag parameter, which takes no value.
fn flag(key: &str, value: Option<&str>) -> Result<(), String> {
    match value {
        Some(_) => Err(illegal_value(key, value)),
        None => Ok(()),
    }
}

/// Every permessage-deflate offer of a `Sec-WebSocket-Extensions` value, in order, each read
/// by `PerMessageDeflateOffer.parse` (the reason when it is malformed); other extensions are
/// skipped.
pub fn offers(header: &str) -> Vec<Result<DeflateOffer, String>> {
    parse_extensions(header)
        .into_iter()
        .filter(|(name, _)| name == NAME)
        .map(|(_, ps)| parse_offer_params(&ps))
        .collect()
}

/// What the server makes of a client's `Sec-WebSocket-Extensions` offers (autobahn's server
/// `processHandshake` with `PerMessageDeflateOffer.parse`): every permessage-deflate offer is
/// parsed, other extensions are ignored; a malformed offer refuses the handshake with the
/// reason. Then the case's acceptances choose ([`Deflate::choose`]): `Ok(Some((params,
/// answer)))` with the `Sec-WebSocket-Extensions` answer, `Ok(None)` when the case negotiates
/// nothing (no `deflate`, no offer, or no offer it can accept).
pub fn server_negotiate(
    header: Option<&str>,
    deflate: Option<&Deflate>,
) -> Result<Option<(Params, String)>, String> {
    let offers = offers(header.unwrap_or(""))
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    Ok(deflate
        .and_then(|d| d.choose(&offers))
        .map(|(accept, offer)| accepted(accept, offer)))
}

/// The echo server's answer (`serve`): the first permessage-deflate offer, among the values of
/// every `Sec-WebSocket-Extensions` request header in order, that reads well, accepted with
/// the server parameters it asks for and nothing asked of the client. A malformed offer is
/// declined and the next one considered (RFC 7692 §5, §7.1: "MUST decline"); `None`: answer
/// without the extension. The server inflates with the largest window and keeps its context,
/// which reads whatever window the client uses, with or without context takeover.
pub fn echo_negotiate<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<(Params, String)> {
    let ask_nothing = DeflateAccept {
        request_no_context_takeover: false,
        request_max_window_bits: 0,
    };
    values
        .into_iter()
        .flat_map(offers)
        .find_map(Result::ok)
        .map(|offer| accepted(ask_nothing, offer))
}

/// The parameters and the `Sec-WebSocket-Extensions` answer of `accept` applied to `offer`.
fn accepted(accept: DeflateAccept, offer: DeflateOffer) -> (Params, String) {
    let bits = |b: u8| if b == 0 { DEFAULT_WINDOW_BITS } else { b };
    let params = Params {
        server_no_context_takeover: offer.request_no_context_takeover,
        client_no_context_takeover: accept.request_no_context_takeover,
        server_max_window_bits: bits(offer.request_max_window_bits),
        client_max_window_bits: bits(accept.request_max_window_bits),
    };
    (params, accept.response_header(&offer))
}

/// `PerMessageDeflateOffer.parse`: each parameter at most once, window bits 8–15 (a value for
/// `client_max_window_bits` is optional), flags without a value, nothing else. A client may
/// always be asked for `client_no_context_takeover` (RFC 7692 §7.1.1.1), so the offer allows
/// it whether or not it names it, as autobahn's parser has it.
fn parse_offer_params(ps: &[(String, Option<String>)]) -> Result<DeflateOffer, String> {
    let mut offer = DeflateOffer {
        accept_no_context_takeover: true,
        accept_max_window_bits: false,
        request_no_context_takeover: false,
        request_max_window_bits: 0,
    };
    for (i, (key, value)) in ps.iter().enumerate() {
        once(ps, i)?;
        let value = value.as_deref();
        match key.as_str() {
            "client_max_window_bits" => {
                if value.is_some() {
                    window_bits(key, value)?;
                }
                offer.accept_max_window_bits = true;
            }
            "server_max_window_bits" => {
                offer.request_max_window_bits = window_bits(key, value)?;
            }
            "client_no_context_takeover" | "server_no_context_takeover" => {
                flag(key, value)?;
                if key == "server_no_context_takeover" {
                    offer.request_no_context_takeover = true;
                }
            }
            _ => return Err(illegal_parameter(key)),
        }
    }
    Ok(offer)
}

/// Why a compressed message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InflateError {
    /// The payload is not a deflate stream.
    #[error("permessage-deflate payload does not decompress: {0}")]
    Invalid(String),
    /// The message inflates to more than the codec's limit ([`Codec::with_limit`]); inflation
    /// stopped there, never holding more than the limit and one step.
    #[error("message exceeds payload limit of {limit} octets (after decompression)")]
    TooBig {
        /// The limit in force, in octets of the inflated message.
        limit: usize,
    },
}

/// The compressor and decompressor of one connection, for one side (`is_server`): the case
/// engine's (both roles) and the echo server's.
pub struct Codec {
    params: Params,
    is_server: bool,
    compressor: Option<Compress>,
    decompressor: Option<Decompress>,
    /// The zlib level of what we send ([`Codec::with_level`]).
    level: Compression,
    /// The largest inflated message accepted.
    limit: usize,
    /// Compressed octets produced for the outgoing message under way.
    message_out: usize,
    /// The outgoing message under way has sent a fragment (its compressor is chosen).
    sending: bool,
    /// Compressed octets received for the incoming message under way.
    message_in: usize,
    /// Octets inflated for the incoming message under way.
    inflated: usize,
    /// The peer ended its deflate stream (a block with BFINAL) in this message.
    ended: bool,
    /// See [`Codec::lenient`].
    lenient: bool,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec")
            .field("params", &self.params)
            .field("is_server", &self.is_server)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

/// Octets inflated per step at most: a hostile message (1 MiB inflating to 1 GiB) is refused
/// once it passes the limit, having cost the limit and one step.
const INFLATE_STEP: usize = 1 << 20;

impl Codec {
    /// A codec for the side `is_server` of a connection that negotiated `params`.
    pub fn new(params: Params, is_server: bool) -> Self {
        Codec {
            params,
            is_server,
            compressor: None,
            decompressor: None,
            level: COMPRESSION_LEVEL,
            limit: usize::MAX,
            message_out: 0,
            sending: false,
            message_in: 0,
            inflated: 0,
            ended: false,
            lenient: false,
        }
    }

    /// Reads what a forgiving receiver reads, as the echo server does: a compressed message
    /// of no octets at all is the empty message (the `00 00 ff ff` is not fed back, §7.2.3.6
    /// aside), and a peer that ended its stream with BFINAL (§7.2.3.5) starts the next
    /// message afresh. The testsuite's fuzzer does neither (Python's `decompressobj` keeps
    /// what follows a final block as unused data), and the case engine keeps its way.
    pub fn lenient(mut self) -> Self {
        self.lenient = true;
        self
    }

    /// Refuses ([`InflateError::TooBig`]) a message that inflates to more than `limit`
    /// octets; without it, only memory bounds a message.
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Compresses what we send at zlib `level` (0–9) instead of the fuzzer's level 1. The echo
    /// server sends stored blocks ([`STORED`]) by default: its compression ratio is nobody's
    /// concern, and searching for matches was most of its CPU in the 12.x/13.x cases.
    pub fn with_level(mut self, level: u32) -> Self {
        self.level = Compression::new(level.min(9));
        self
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// (window bits, no context takeover) of what we send and of what we receive.
    fn ours_theirs(&self) -> ((u8, bool), (u8, bool)) {
        let p = &self.params;
        let client = (p.client_max_window_bits, p.client_no_context_takeover);
        let server = (p.server_max_window_bits, p.server_no_context_takeover);
        if self.is_server {
            (server, client)
        } else {
            (client, server)
        }
    }

    /// One whole message compressed (RFC 7692 §7.2.1): deflate, sync flush, the trailing
    /// `00 00 ff ff` removed. The compressor starts afresh when no context takeover applies.
    pub fn compress(&mut self, message: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(message.len() / 2 + 64);
        self.compress_fragment(message, true, &mut out);
        out
    }

    /// Appends one fragment of an outgoing message, compressed, to `out` (§7.2.1: one deflate
    /// stream per message, sync-flushed at the end of every fragment); `fin` ends the
    /// message, which drops the trailing `00 00 ff ff`. The compressor starts afresh for a
    /// message when there is none yet or no context takeover applies (a reset of the same
    /// compressor: the octets are those of a new one, without allocating its tables again).
    pub fn compress_fragment(&mut self, data: &[u8], fin: bool, out: &mut Vec<u8>) {
        let ((bits, no_takeover), _) = self.ours_theirs();
        if !self.sending {
            match self.compressor.as_mut() {
                Some(c) if no_takeover => c.reset(),
                Some(_) => {}
                None => {
                    let (level, bits) = if bits < 9 {
                        (Compression::none(), 9)
                    } else {
                        (self.level, bits)
                    };
                    self.compressor = Some(Compress::new_with_window_bits(level, false, bits));
                }
            }
        }
        let Some(c) = self.compressor.as_mut() else {
            return;
        };
        self.sending = !fin;
        let start = out.len();
        compress_sync(c, data, out);
        if fin && out[start..].ends_with(&TAIL) {
            out.truncate(out.len() - TAIL.len());
        }
        self.message_out += out.len() - start;
        if fin {
            if self.message_out == 0 {
                // An empty message after another: zlib makes no progress on a second sync
                // flush without input and writes nothing. Send the empty stored block's first
                // octet instead, which RFC 7692 §7.2.3.6 shows as an empty message's payload.
                out.push(0x00);
            }
            self.message_out = 0;
        }
    }

    /// Starts an incoming compressed message (`startDecompressMessage`): a fresh
    /// decompressor for the first message, or for every one under no context takeover.
    pub fn start_decompress(&mut self) {
        let (_, (bits, no_takeover)) = self.ours_theirs();
        match self.decompressor.as_mut() {
            // a fresh state, without allocating the window again (flate2 re-creates it for a
            // window under 15 bits)
            Some(d) if no_takeover => d.reset(false),
            Some(_) => {}
            None => {
                self.decompressor = Some(Decompress::new_with_window_bits(false, bits.max(9)));
            }
        }
        self.message_in = 0;
        self.inflated = 0;
    }

    /// Inflates one frame's payload of the current message onto `out` (the message so far,
    /// or a buffer of its own: the limit counts the message, whatever `out` holds). The
    /// output grows one bounded step at a time (never reserved from what the peer claims) and
    /// never past the limit plus one octet, the octet that tells a message over the limit
    /// from one exactly at it.
    pub fn decompress(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), InflateError> {
        if self.decompressor.is_none() {
            self.start_decompress();
        }
        self.message_in += data.len();
        let start = out.len();
        let result = self.inflate(data, out);
        self.inflated += out.len() - start;
        result
    }

    fn inflate(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), InflateError> {
        let limit = self.limit;
        if self.ended {
            return Ok(());
        }
        let Some(d) = self.decompressor.as_mut() else {
            return Ok(());
        };
        // what this message may still inflate to, plus the octet that tells "over"; `out` may
        // hold the message so far (the engine) or start empty (the echo server)
        let (start, counted) = (out.len(), self.inflated);
        let bound = start.saturating_add(limit.saturating_add(1).saturating_sub(counted));
        let mut input = data;
        loop {
            let have = out.len();
            if have >= bound {
                return Err(InflateError::TooBig { limit });
            }
            let step = input
                .len()
                .saturating_mul(4)
                .clamp(4096, INFLATE_STEP)
                .min(bound - have);
            if out.capacity() < have + step {
                // doubling, as a Vec grows, but never past the bound
                let want = out.capacity().saturating_mul(2).clamp(have + step, bound);
                out.reserve_exact(want - have);
            }
            // into the spare capacity, not zeroed first (a zeroed step was up to four times
            // the octets inflated); no more than the capacity, which stays within the bound
            // unless `out` came with more
            let room = out.capacity() - have;
            let in_before = d.total_in();
            let status = d.decompress_vec(input, out, FlushDecompress::Sync);
            let produced = out.len() - have;
            let consumed = (d.total_in() - in_before) as usize;
            let status = status.map_err(|e| InflateError::Invalid(e.to_string()))?;
            input = &input[consumed..];
            if counted + (out.len() - start) > limit {
                return Err(InflateError::TooBig { limit });
            }
            if matches!(status, Status::StreamEnd) {
                // A final block ends the stream; what follows is ignored, as Python's
                // `decompressobj` keeps it as `unused_data`.
                self.ended = self.lenient;
                return Ok(());
            }
            if input.is_empty() && produced < room {
                // everything read and flushed, with output room to spare
                return Ok(());
            }
            if consumed == 0 && produced == 0 {
                return Err(InflateError::Invalid("no progress".into()));
            }
        }
    }

    /// Ends the current incoming message (`endDecompressMessage`): feeds back the removed
    /// `00 00 ff ff` (RFC 7692 §7.2.2), which flushes the last octets out.
    pub fn end_decompress(&mut self, out: &mut Vec<u8>) -> Result<(), InflateError> {
        let result = if self.lenient && self.message_in == 0 {
            Ok(())
        } else {
            self.decompress(&TAIL, out)
        };
        if self.ended {
            // lenient: the peer's stream ended, the next message starts a new one
            self.decompressor = None;
            self.ended = false;
        }
        self.message_in = 0;
        self.inflated = 0;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(params: Params) -> (Codec, Codec) {
        (Codec::new(params, false), Codec::new(params, true))
    }

    /// Sends `msg` from `tx` to `rx` in frames of `frame` compressed octets.
    fn through(tx: &mut Codec, rx: &mut Codec, msg: &[u8], frame: usize) -> Vec<u8> {
        let z = tx.compress(msg);
        let mut out = Vec::new();
        rx.start_decompress();
        for chunk in z.chunks(frame.max(1)) {
            rx.decompress(chunk, &mut out).unwrap();
        }
        rx.end_decompress(&mut out).unwrap();
        out
    }

    /// Words in a pseudo-random order: text that compresses, though not to nothing.
    fn text(n: usize) -> Vec<u8> {
        let words = [
            "deflate ",
            "window ",
            "context ",
            "takeover ",
            "Faust ",
            "Habe ",
            "nun, ",
            "ach! ",
            "Philosophie, ",
            "Juristerei ",
            "und ",
            "Medizin, ",
        ];
        let mut s = Vec::new();
        let mut x = 0x2545_f491_u32;
        while s.len() < n {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            s.extend_from_slice(words[x as usize % words.len()].as_bytes());
        }
        s.truncate(n);
        s
    }

    #[test]
    fn round_trip_both_directions_and_empty_messages() {
        let (mut client, mut server) = pair(Params::default());
        for msg in [text(10_000), Vec::new(), b"x".to_vec(), text(200_000)] {
            assert_eq!(through(&mut client, &mut server, &msg, usize::MAX), msg);
            assert_eq!(through(&mut server, &mut client, &msg, usize::MAX), msg);
        }
    }

    #[test]
    fn the_sync_flush_tail_is_removed() {
        let (mut client, _) = pair(Params::default());
        // RFC 7692 §7.2.3.1: "Hello" compressed is `f2 48 cd c9 c9 07 00`
        assert_eq!(
            client.compress(b"Hello"),
            [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
        );
    }

    #[test]
    fn context_takeover_shrinks_a_repeated_message_and_no_takeover_does_not() {
        let msg = text(2000);
        let (mut keep, _) = pair(Params::default());
        let first = keep.compress(&msg).len();
        let second = keep.compress(&msg).len();
        // (at the testsuite's level 6 the second is under a quarter of the first; our level 1
        // looks back less, but it does look back)
        assert!(second < first, "{second} vs {first}");
        let (mut reset, _) = pair(Params {
            client_no_context_takeover: true,
            ..Params::default()
        });
        assert_eq!(reset.compress(&msg), reset.compress(&msg));
    }

    /// Without context takeover the compressor and the decompressor are reset between
    /// messages, not made anew: each message's octets must be those of a codec that never sent
    /// anything, at every level and window, and the reset decompressor must read them all.
    #[test]
    fn a_reset_codec_sends_and_reads_what_a_fresh_one_does() {
        let messages = [
            text(3000),
            text(100),
            Vec::new(),
            text(70_000),
            b"x".to_vec(),
        ];
        for level in [STORED, 1, 6] {
            for bits in [8, 9, 12, 15] {
                let params = Params {
                    client_no_context_takeover: true,
                    server_no_context_takeover: true,
                    client_max_window_bits: bits,
                    server_max_window_bits: bits,
                };
                let mut client = Codec::new(params, false).with_level(level);
                let mut server = Codec::new(params, true);
                for msg in &messages {
                    let fresh = Codec::new(params, false).with_level(level).compress(msg);
                    let sent = client.compress(msg);
                    assert_eq!(
                        sent,
                        fresh,
                        "level {level}, {bits} bits, {} octets",
                        msg.len()
                    );
                    let mut out = Vec::new();
                    server.start_decompress();
                    server.decompress(&sent, &mut out).unwrap();
                    server.end_decompress(&mut out).unwrap();
                    assert_eq!(&out, msg, "level {level}, {bits} bits");
                }
            }
        }
    }

    #[test]
    fn a_decompressor_without_takeover_cannot_read_a_stream_that_kept_context() {
        let msg = text(2000);
        let (mut client, mut server) = pair(Params::default());
        assert_eq!(through(&mut client, &mut server, &msg, 100), msg);
        let second = client.compress(&msg);
        // the server's decompressor reset (as if it had agreed to client_no_context_takeover)
        let mut fresh = Codec::new(
            Params {
                client_no_context_takeover: true,
                ..Params::default()
            },
            true,
        );
        fresh.start_decompress();
        let mut out = Vec::new();
        let r = fresh
            .decompress(&second, &mut out)
            .and_then(|()| fresh.end_decompress(&mut out));
        assert!(r.is_err() || out != msg);
    }

    #[test]
    fn window_bits_bound_back_references() {
        // A message repeating a 1000-octet block: with a 512-octet window (9 bits) the repeat
        // is out of reach, with 15 bits it compresses to almost nothing.
        let block: Vec<u8> = (0..1000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        let msg = [block.clone(), block].concat();
        let small = Params {
            client_max_window_bits: 9,
            ..Params::default()
        };
        let (mut c9, mut s9) = pair(small);
        let (mut c15, _) = pair(Params::default());
        let z9 = c9.compress(&msg);
        assert!(z9.len() > 1500, "{}", z9.len());
        assert!(c15.compress(&msg).len() < 1200);
        // and the server reads the 9-bit stream with its 9-bit window
        let mut out = Vec::new();
        s9.start_decompress();
        s9.decompress(&z9, &mut out).unwrap();
        s9.end_decompress(&mut out).unwrap();
        assert_eq!(out, msg);
        // 8 bits: stored blocks, readable with any window
        let (mut c8, mut s8) = pair(Params {
            client_max_window_bits: 8,
            ..Params::default()
        });
        assert_eq!(through(&mut c8, &mut s8, &msg, 7), msg);
    }

    #[test]
    fn fragmented_compressed_messages_inflate_frame_by_frame() {
        let (mut client, mut server) = pair(Params::default());
        let msg = text(131_072);
        for frame in [1, 256, 4096] {
            assert_eq!(through(&mut client, &mut server, &msg, frame), msg);
        }
    }

    #[test]
    fn garbage_does_not_inflate() {
        let (_, mut server) = pair(Params::default());
        server.start_decompress();
        let mut out = Vec::new();
        // BTYPE 11 is reserved
        assert!(server.decompress(&[0xff, 0xff, 0xff], &mut out).is_err());
    }

    /// `msg` compressed as one deflate stream ended with a final block (BFINAL), as a peer
    /// that closes its stream per message sends it.
    fn final_block(msg: &[u8]) -> Vec<u8> {
        let mut c = Compress::new_with_window_bits(Compression::fast(), false, 15);
        let mut out = Vec::with_capacity(msg.len() + 64);
        c.compress_vec(msg, &mut out, flate2::FlushCompress::Finish)
            .unwrap();
        out
    }

    #[test]
    fn after_a_final_block_the_lenient_codec_starts_afresh_and_the_fuzzer_reads_nothing() {
        for lenient in [false, true] {
            let mut rx = Codec::new(Params::default(), true);
            if lenient {
                rx = rx.lenient();
            }
            let mut got = Vec::new();
            for msg in [&b"first"[..], b"second"] {
                let mut out = Vec::new();
                rx.start_decompress();
                rx.decompress(&final_block(msg), &mut out).unwrap();
                rx.end_decompress(&mut out).unwrap();
                got.push(out);
            }
            assert_eq!(got[0], b"first");
            // Python's decompressobj keeps what follows the end as unused data
            let second: &[u8] = if lenient { b"second" } else { b"" };
            assert_eq!(got[1], second, "lenient {lenient}");
        }
    }

    #[test]
    fn a_message_compressed_fragment_by_fragment_reads_as_one() {
        let (mut client, mut server) = pair(Params::default());
        let msg = text(50_000);
        for _ in 0..2 {
            let mut frames = Vec::new();
            let parts: Vec<&[u8]> = msg.chunks(7_000).collect();
            for (i, part) in parts.iter().enumerate() {
                let mut z = Vec::new();
                client.compress_fragment(part, i + 1 == parts.len(), &mut z);
                frames.push(z);
            }
            assert!(!frames.last().unwrap().ends_with(&TAIL));
            let mut out = Vec::new();
            server.start_decompress();
            for z in &frames {
                server.decompress(z, &mut out).unwrap();
            }
            server.end_decompress(&mut out).unwrap();
            assert_eq!(out, msg);
        }
    }

    #[test]
    fn responses_read_as_autobahn_reads_them() {
        let ok = |h| client_negotiate(Some(h), true);
        assert_eq!(ok("permessage-deflate"), Ok(Some(Params::default())));
        assert_eq!(
            ok(
                "permessage-deflate; client_no_context_takeover; server_no_context_takeover; server_max_window_bits=9"
            ),
            Ok(Some(Params {
                client_no_context_takeover: true,
                server_no_context_takeover: true,
                server_max_window_bits: 9,
                ..Params::default()
            }))
        );
        // quoted, with spaces inside the quotes: Python's int() reads " 10"
        assert_eq!(
            ok("Permessage-Deflate; client_max_window_bits=\" 10\""),
            Ok(Some(Params {
                client_max_window_bits: 10,
                ..Params::default()
            }))
        );
        assert_eq!(client_negotiate(None, true), Ok(None));
        let err = |h| ok(h).unwrap_err();
        assert_eq!(
            err("permessage-deflate; client_max_window_bits"),
            "illegal extension parameter value 'True' for parameter 'client_max_window_bits' of extension 'permessage-deflate'"
        );
        assert_eq!(
            err("permessage-deflate; server_max_window_bits=7"),
            "illegal extension parameter value '7' for parameter 'server_max_window_bits' of extension 'permessage-deflate'"
        );
        assert_eq!(
            err("permessage-deflate; mem_level=9"),
            "illegal extension parameter 'mem_level' for extension 'permessage-deflate'"
        );
        assert_eq!(
            err("permessage-deflate; server_no_context_takeover; server_no_context_takeover"),
            "multiple occurence of extension parameter 'server_no_context_takeover' for extension 'permessage-deflate'"
        );
        assert_eq!(
            err("permessage-deflate, permessage-deflate"),
            "multiple occurence of a permessage-compress extension"
        );
        assert_eq!(
            err("x-webkit-deflate-frame"),
            "server wants to use extension 'x-webkit-deflate-frame' we did not offer"
        );
        assert_eq!(
            client_negotiate(Some("permessage-deflate"), false).unwrap_err(),
            "WebSocket permessage-compress extension response from server denied by client"
        );
    }

    fn case(id: &str) -> crate::catalog::CaseDef {
        crate::catalog::build(&id.parse().unwrap()).unwrap()
    }

    #[test]
    fn the_server_answers_each_13x_offer_as_the_testsuite_does() {
        // each 13.x case's own offers (what kosoku's fuzzing client sends), answered with the
        // same case's acceptances (kosoku's `accept1` … `accept7`)
        let table = [
            ("13.1.1", "permessage-deflate", (false, false, 15, 15)),
            (
                "13.2.1",
                "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
                (true, true, 15, 15),
            ),
            (
                "13.3.1",
                "permessage-deflate; server_max_window_bits=9; client_max_window_bits=9",
                (false, false, 9, 9),
            ),
            (
                "13.4.1",
                "permessage-deflate; server_max_window_bits=15; client_max_window_bits=15",
                (false, false, 15, 15),
            ),
            (
                "13.5.1",
                "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; \
                 client_no_context_takeover; client_max_window_bits=9",
                (true, true, 9, 9),
            ),
            (
                "13.6.1",
                "permessage-deflate; server_no_context_takeover; server_max_window_bits=15; \
                 client_no_context_takeover; client_max_window_bits=15",
                (true, true, 15, 15),
            ),
            (
                "13.7.1",
                "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; \
                 client_no_context_takeover; client_max_window_bits=9",
                (true, true, 9, 9),
            ),
            ("12.3.4", "permessage-deflate", (false, false, 15, 15)),
        ];
        for (id, answer, (snct, cnct, sbits, cbits)) in table {
            let def = case(id);
            let d = def.deflate.as_ref().unwrap();
            let (params, got) = server_negotiate(Some(&d.offer_header()), Some(d))
                .unwrap()
                .unwrap();
            assert_eq!(got, answer, "{id}");
            assert_eq!(
                params,
                Params {
                    server_no_context_takeover: snct,
                    client_no_context_takeover: cnct,
                    server_max_window_bits: sbits,
                    client_max_window_bits: cbits,
                },
                "{id}"
            );
            // and the client side reads the answer back to the same parameters
            assert_eq!(client_negotiate(Some(&got), true), Ok(Some(params)), "{id}");
        }
    }

    #[test]
    fn the_server_declines_what_no_acceptance_allows_and_refuses_malformed_offers() {
        let d = case("13.3.1").deflate.unwrap(); // asks for client_max_window_bits=9
        // the bare offer does not allow a client window; websockets' default offer does
        assert_eq!(
            server_negotiate(Some("permessage-deflate"), Some(&d)),
            Ok(None)
        );
        let (_, answer) = server_negotiate(
            Some("x-webkit-deflate-frame, permessage-deflate; client_max_window_bits"),
            Some(&d),
        )
        .unwrap()
        .unwrap();
        assert_eq!(answer, "permessage-deflate; client_max_window_bits=9");
        // client_no_context_takeover may always be asked for (13.2: accept2)
        let d2 = case("13.2.1").deflate.unwrap();
        assert_eq!(
            server_negotiate(Some("permessage-deflate"), Some(&d2))
                .unwrap()
                .map(|(_, a)| a),
            Some("permessage-deflate; client_no_context_takeover".into())
        );
        // no offer, other extensions only, or a case without deflate: nothing negotiated
        assert_eq!(server_negotiate(None, Some(&d)), Ok(None));
        assert_eq!(server_negotiate(Some("foo; bar=1"), Some(&d)), Ok(None));
        assert_eq!(server_negotiate(Some("permessage-deflate"), None), Ok(None));
        // malformed offers refuse the handshake, case or no case
        for (offer, why) in [
            (
                "permessage-deflate; server_max_window_bits",
                "illegal extension parameter value 'True' for parameter 'server_max_window_bits' of extension 'permessage-deflate'",
            ),
            (
                "permessage-deflate; client_max_window_bits=16",
                "illegal extension parameter value '16' for parameter 'client_max_window_bits' of extension 'permessage-deflate'",
            ),
            (
                "permessage-deflate; mem_level=4",
                "illegal extension parameter 'mem_level' for extension 'permessage-deflate'",
            ),
            (
                "permessage-deflate; client_no_context_takeover=1",
                "illegal extension parameter value '1' for parameter 'client_no_context_takeover' of extension 'permessage-deflate'",
            ),
        ] {
            assert_eq!(server_negotiate(Some(offer), Some(&d)), Err(why.into()));
            assert_eq!(server_negotiate(Some(offer), None), Err(why.into()));
        }
    }

    /// A deflate bomb: `n` zero octets compressed (about a thousandth of `n`).
    fn bomb(n: usize) -> Vec<u8> {
        let mut c = Compress::new_with_window_bits(Compression::best(), false, 15);
        let mut out = Vec::new();
        compress_sync(&mut c, &vec![0; n], &mut out);
        out
    }

    #[test]
    fn a_deflate_bomb_is_refused_at_the_limit_having_reserved_no_more() {
        let z = bomb(64 << 20);
        assert!(z.len() < 128 << 10, "{}", z.len());
        let mut rx = Codec::new(Params::default(), true).with_limit(1 << 20);
        rx.start_decompress();
        let mut out = Vec::new();
        // the whole bomb in one frame, then the same cut into 1000-octet frames
        assert_eq!(
            rx.decompress(&z, &mut out),
            Err(InflateError::TooBig { limit: 1 << 20 })
        );
        assert!(out.len() <= (1 << 20) + 1, "{}", out.len());
        assert!(out.capacity() <= (1 << 20) + 1, "{}", out.capacity());
        let mut rx = Codec::new(Params::default(), true).with_limit(1 << 20);
        rx.start_decompress();
        let mut out = Vec::new();
        let refused = z
            .chunks(1000)
            .map(|chunk| rx.decompress(chunk, &mut out))
            .find(Result::is_err);
        assert_eq!(refused, Some(Err(InflateError::TooBig { limit: 1 << 20 })));
        assert!(out.capacity() <= (1 << 20) + 1, "{}", out.capacity());
    }

    #[test]
    fn a_message_exactly_at_the_limit_inflates_and_one_octet_more_does_not() {
        let msg = text(50_000);
        for (limit, ok) in [(50_000, true), (49_999, false)] {
            let mut tx = Codec::new(Params::default(), false);
            let mut rx = Codec::new(Params::default(), true).with_limit(limit);
            let z = tx.compress(&msg);
            rx.start_decompress();
            let mut out = Vec::new();
            let r = z
                .chunks(333)
                .try_for_each(|c| rx.decompress(c, &mut out))
                .and_then(|()| rx.end_decompress(&mut out));
            assert_eq!(r.is_ok(), ok, "limit {limit}: {r:?}");
            if ok {
                assert_eq!(out, msg);
            }
        }
    }

    #[test]
    fn the_limit_counts_the_whole_message_not_each_frame() {
        // every frame inflates to 4096 octets; the message passes 10000 in its third
        let mut tx = Codec::new(Params::default(), false);
        let z = tx.compress(&text(4096 * 3));
        let mut rx = Codec::new(Params::default(), true).with_limit(10_000);
        rx.start_decompress();
        let mut out = Vec::new();
        let third = z.len() / 3;
        assert!(rx.decompress(&z[..third], &mut out).is_ok());
        let r = rx
            .decompress(&z[third..], &mut out)
            .and_then(|()| rx.end_decompress(&mut out));
        assert_eq!(r, Err(InflateError::TooBig { limit: 10_000 }));
    }
}
