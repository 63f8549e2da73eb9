//! The permessage-deflate (RFC 7692) sync flush and the tail it ends with, under the one
//! codec (`protocol::deflate::Codec`) the case engine and the echo server share.

use flate2::{Compress, FlushCompress};

/// The `00 00 ff ff` a sync flush ends with, which the sender removes (RFC 7692 §7.2.1) and
/// the receiver puts back at the end of each message (§7.2.2).
pub const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Deflates all of `input` onto `out` and sync-flushes, growing `out` until zlib has written
/// everything: the flush is complete once the input is consumed with output room to spare.
pub fn compress_sync(c: &mut Compress, input: &[u8], out: &mut Vec<u8>) {
    let start = c.total_in();
    loop {
        if out.capacity() - out.len() < 64 {
            out.reserve((input.len() / 2).max(1024));
        }
        let done = (c.total_in() - start) as usize;
        // With in-memory buffers deflate cannot fail (a full output is handled here); a
        // stream error would be ours, and stops rather than loops.
        if c.compress_vec(&input[done..], out, FlushCompress::Sync)
            .is_err()
        {
            return;
        }
        let done = (c.total_in() - start) as usize;
        if done == input.len() && out.len() < out.capacity() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, Decompress, FlushDecompress};

    #[test]
    fn a_sync_flush_ends_with_the_tail_and_inflates_back_whatever_the_output_room() {
        let text: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for room in [0, 1, 63, 64, 100_000] {
            let mut c = Compress::new_with_window_bits(Compression::fast(), false, 15);
            let mut out = Vec::with_capacity(room);
            compress_sync(&mut c, &text, &mut out);
            assert!(out.ends_with(&TAIL), "room {room}");
            let mut d = Decompress::new_with_window_bits(false, 15);
            let mut back = Vec::with_capacity(text.len() + 1024);
            d.decompress_vec(&out, &mut back, FlushDecompress::Sync)
                .unwrap();
            assert_eq!(back, text, "room {room}");
        }
    }
}
