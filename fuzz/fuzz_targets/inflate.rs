//! permessage-deflate inflation (RFC 7692 §7.2.2) of a peer's frames, bounded: the engine's
//! codec as `replay`, `run` and `fuzzingserver` use it, and as the echo server (`serve`) uses
//! it: lenient, each frame inflated into a buffer of its own. The
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
    let mut lenient = Codec::new(params, p & 0x80 != 0)
        .with_limit(LIMIT)
        .lenient();
    for message in split(rest, &[0xA5, 0x5A]) {
        codec.start_decompress();
        let mut out = Vec::new();
        let mut served = 0;
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
        lenient.start_decompress();
        for (i, frame) in frames.iter().enumerate() {
            let mut part = Vec::new();
            let mut r = lenient.decompress(frame, &mut part);
            if r.is_ok() && i + 1 == frames.len() {
                r = lenient.end_decompress(&mut part);
            }
            served += part.len();
            assert!(served <= LIMIT + 1, "served {served} past the limit");
            if r.is_err() {
                break;
            }
        }
        if refused {
            return;
        }
    }
});
