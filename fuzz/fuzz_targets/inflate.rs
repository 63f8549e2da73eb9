//! permessage-deflate inflation (RFC 7692 §7.2.2) of a peer's frames, bounded: the engine's
//! codec (`replay`, `run`, `fuzzingserver`) and the echo server's inflater (`serve`). The
//! first octet picks the parameters, the rest is cut into messages at `0xA5 0x5A` and into
//! frames at `0x5A 0xA5`. A message may never inflate past the limit: the output holds at
//! most the limit and one octet (the one that tells "over" from "at") when it is refused.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsreport::protocol::deflate::{Codec, InflateError, Params};

const LIMIT: usize = 64 * 1024;

fn split<'a>(data: &'a [u8], sep: &'a [u8; 2]) -> impl Iterator<Item = &'a [u8]> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.windows(2).position(|w| w == sep) {
            Some(i) => {
                rest = Some(&r[i + 2..]);
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&p, rest)) = data.split_first() else {
        return;
    };
    let params = Params {
        server_no_context_takeover: p & 1 != 0,
        client_no_context_takeover: p & 2 != 0,
        server_max_window_bits: 8 + (p >> 2 & 7),
        client_max_window_bits: 8 + (p >> 5 & 7),
    };
    let mut codec = Codec::new(params, p & 0x80 != 0).with_limit(LIMIT);
    let mut inflater = wsreport::serve::deflate::Inflater::new(Some(LIMIT));
    for message in split(rest, &[0xA5, 0x5A]) {
        codec.start_decompress();
        let mut out = Vec::new();
        let mut served = Vec::new();
        let frames: Vec<&[u8]> = split(message, &[0x5A, 0xA5]).collect();
        let mut refused = false;
        for (i, frame) in frames.iter().enumerate() {
            let fin = i + 1 == frames.len();
            let mut r = codec.decompress(frame, &mut out);
            if r.is_ok() && fin {
                r = codec.end_decompress(&mut out);
            }
            assert!(out.len() <= LIMIT + 1, "inflated {} past the limit", out.len());
            match r {
                Ok(()) => {}
                Err(InflateError::TooBig { .. }) | Err(InflateError::Invalid(_)) => {
                    refused = true;
                    break;
                }
            }
        }
        for (i, frame) in frames.iter().enumerate() {
            let fin = i + 1 == frames.len();
            if inflater.inflate(frame, fin, &mut served).is_err() {
                break;
            }
        }
        if refused {
            return;
        }
    }
});
