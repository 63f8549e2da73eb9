//! The frame decoder (RFC 6455 §5.2) over a stream of octets, as the engine feeds it: whole
//! frames are taken off the front until the rest is incomplete or malformed. Checks that a
//! decoded frame's octets are all accounted for, that every shorter prefix of it is
//! "incomplete" (never an error, never a different frame), and that the limit refuses a
//! length before any payload is needed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wsreport::wire::{Decoded, FrameError, decode, decode_with_limit};

fuzz_target!(|data: &[u8]| {
    let limit = u64::from(data.first().copied().unwrap_or(0)) * 4;
    let mut rest = data;
    while let Ok(Decoded::Complete(f)) = decode(rest) {
        assert!(f.consumed <= rest.len());
        assert_eq!(f.consumed, f.header_len + f.frame.payload.len());
        for cut in [0, 1, f.header_len.saturating_sub(1), f.consumed - 1] {
            if cut < f.consumed {
                assert!(matches!(
                    decode(&rest[..cut]),
                    Ok(Decoded::Incomplete { .. })
                ));
            }
        }
        match decode_with_limit(&rest[..f.header_len], limit) {
            Err(FrameError::PayloadTooLarge { length, .. }) => assert!(length > limit),
            Ok(Decoded::Incomplete { needed }) => {
                assert_eq!(needed, f.frame.payload.len());
                assert!(f.frame.payload.len() as u64 <= limit);
            }
            Ok(Decoded::Complete(g)) => assert!(g.frame.payload.is_empty()),
            Err(e) => panic!("the header decoded whole but not alone: {e}"),
        }
        rest = &rest[f.consumed..];
    }
});
