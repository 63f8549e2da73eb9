//! Table-driven tests of the codec against RFC 6455 §5.7 and the testsuite's habits.

use super::*;

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn complete(buf: &[u8]) -> DecodedFrame {
    match decode(buf) {
        Ok(Decoded::Complete(f)) => f,
        other => panic!("expected a whole frame, got {other:?}"),
    }
}

/// RFC 6455 §5.7 examples, as (name, frame, wire octets or just the header prefix).
#[test]
fn rfc6455_section_5_7_examples() {
    let hello = b"Hello".to_vec();
    let rows: Vec<(&str, Frame, Vec<u8>, bool)> = vec![
        (
            "single-frame unmasked text",
            Frame::new(opcode::TEXT, hello.clone()),
            hex("81 05 48 65 6c 6c 6f"),
            true,
        ),
        (
            "single-frame masked text",
            Frame::new(opcode::TEXT, hello.clone()).with_mask(Some([0x37, 0xfa, 0x21, 0x3d])),
            hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"),
            true,
        ),
        (
            "fragmented unmasked text, first",
            Frame::new(opcode::TEXT, b"Hel".to_vec()).with_fin(false),
            hex("01 03 48 65 6c"),
            true,
        ),
        (
            "fragmented unmasked text, last",
            Frame::new(opcode::CONTINUATION, b"lo".to_vec()),
            hex("80 02 6c 6f"),
            true,
        ),
        (
            "unmasked ping",
            Frame::new(opcode::PING, hello.clone()),
            hex("89 05 48 65 6c 6c 6f"),
            true,
        ),
        (
            "masked pong",
            Frame::new(opcode::PONG, hello.clone()).with_mask(Some([0x37, 0xfa, 0x21, 0x3d])),
            hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"),
            true,
        ),
        (
            "256 octets binary, 16-bit length",
            Frame::new(opcode::BINARY, vec![0xAB; 256]),
            hex("82 7E 01 00"),
            false,
        ),
        (
            "64 KiB binary, 64-bit length",
            Frame::new(opcode::BINARY, vec![0xCD; 65536]),
            hex("82 7F 00 00 00 00 00 01 00 00"),
            false,
        ),
    ];
    for (name, frame, wire, whole) in rows {
        let encoded = encode(&frame);
        if whole {
            assert_eq!(encoded, wire, "{name}: encoding");
        } else {
            assert_eq!(&encoded[..wire.len()], &wire[..], "{name}: header");
            assert_eq!(
                encoded.len(),
                wire.len() + frame.payload.len(),
                "{name}: size"
            );
        }
        let decoded = complete(&encoded);
        assert_eq!(decoded.frame, frame, "{name}: decoding");
        assert_eq!(decoded.consumed, encoded.len(), "{name}: consumed");
    }
}

#[test]
fn round_trip_across_length_boundaries() {
    let lengths: [(usize, LengthForm, usize); 7] = [
        (0, LengthForm::Short7, 2),
        (125, LengthForm::Short7, 2),
        (126, LengthForm::Extended16, 4),
        (127, LengthForm::Extended16, 4),
        (65535, LengthForm::Extended16, 4),
        (65536, LengthForm::Extended64, 10),
        (65537, LengthForm::Extended64, 10),
    ];
    for (len, form, header) in lengths {
        for mask in [None, Some([1, 2, 3, 4])] {
            let frame = Frame::repeated(opcode::BINARY, b"*abc", len).with_mask(mask);
            let wire = encode(&frame);
            let extra = if mask.is_some() { 4 } else { 0 };
            assert_eq!(wire.len(), header + extra + len, "len {len} mask {mask:?}");
            let d = complete(&wire);
            assert_eq!(d.frame, frame, "len {len} mask {mask:?}");
            assert_eq!(d.length_form, form, "len {len}");
            assert_eq!(d.header_len, header + extra);
            assert!(d.length_is_minimal());
            assert_eq!(d.masked(), mask.is_some());
        }
    }
}

#[test]
fn reserved_opcodes_and_rsv_bits_survive() {
    for op in 0..=15u8 {
        for rsv in 0..=7u8 {
            for fin in [false, true] {
                let frame = Frame::new(op, b"x".to_vec())
                    .with_fin(fin)
                    .with_rsv(rsv)
                    .with_mask(Some([9, 8, 7, 6]));
                let d = complete(&encode(&frame));
                assert_eq!(d.frame, frame);
                assert_eq!(d.is_control(), op >= 8);
            }
        }
    }
    assert!(opcode::is_reserved(3) && opcode::is_reserved(0xB) && opcode::is_reserved(0xF));
    assert!(!opcode::is_reserved(opcode::TEXT) && !opcode::is_reserved(opcode::PONG));
}

/// Invalid on purpose, as the testsuite sends them: decoding reports facts, not judgement.
#[test]
fn protocol_violations_decode_as_facts() {
    // 5.1: fragmented ping; 2.5: ping with 126 octets; 7.3.6: close body of 126 octets.
    let rows = [
        Frame::new(opcode::PING, b"frag".to_vec()).with_fin(false),
        Frame::new(opcode::PING, vec![0xFE; 126]),
        Frame::new(opcode::CLOSE, close_payload(Some(1000), &"*".repeat(124))),
        Frame::new(opcode::TEXT, vec![0xCE, 0xBA, 0xE1, 0xBD]), // truncated UTF-8
    ];
    for frame in rows {
        assert_eq!(complete(&encode(&frame)).frame, frame);
    }
}

#[test]
fn non_minimal_length_is_reported_not_rejected() {
    // Length 5 written in the 16-bit form, which §5.2 forbids a sender to do.
    let d = complete(&hex("82 7E 00 05 01 02 03 04 05"));
    assert_eq!(d.frame.payload, vec![1, 2, 3, 4, 5]);
    assert_eq!(d.length_form, LengthForm::Extended16);
    assert!(!d.length_is_minimal());
}

#[test]
fn malformed_lengths_are_errors() {
    let high_bit = hex("82 7F 80 00 00 00 00 00 00 01");
    assert!(matches!(
        decode(&high_bit),
        Err(FrameError::LengthHighBitSet { .. })
    ));
    let big = encode(&Frame::new(opcode::BINARY, vec![0; 200]));
    assert_eq!(
        decode_with_limit(&big[..4], 100),
        Err(FrameError::PayloadTooLarge {
            length: 200,
            limit: 100
        })
    );
    assert!(matches!(
        decode_with_limit(&big, 200),
        Ok(Decoded::Complete(_))
    ));
}

#[test]
fn every_prefix_is_incomplete_never_an_error() {
    let frames = [
        Frame::new(opcode::TEXT, b"Hello".to_vec()).with_mask(Some([0x37, 0xfa, 0x21, 0x3d])),
        Frame::new(opcode::BINARY, vec![7; 300]).with_mask(Some([1, 2, 3, 4])),
        Frame::new(opcode::BINARY, vec![7; 65536]),
        Frame::new(opcode::CLOSE, Vec::new()),
    ];
    for frame in frames {
        let wire = encode(&frame);
        for cut in 0..wire.len() {
            match decode(&wire[..cut]) {
                Ok(Decoded::Incomplete { needed }) => {
                    assert!(
                        needed >= 1 && cut + needed <= wire.len(),
                        "cut {cut}: {needed}"
                    );
                }
                other => panic!("prefix of {cut} octets: {other:?}"),
            }
        }
        // Once the header is there, `needed` is exact.
        let d = complete(&wire);
        if !frame.payload.is_empty() {
            assert_eq!(
                decode(&wire[..d.header_len]),
                Ok(Decoded::Incomplete {
                    needed: frame.payload.len()
                })
            );
        }
        // Trailing octets of the next frame are not consumed.
        let mut two = wire.clone();
        two.extend_from_slice(&wire);
        assert_eq!(complete(&two).consumed, wire.len());
    }
}

#[test]
fn repeat_to_len_cuts_the_pattern() {
    assert_eq!(repeat_to_len(b"abc", 7), b"abcabca");
    assert_eq!(repeat_to_len(b"abc", 2), b"ab");
    assert_eq!(repeat_to_len(b"abc", 0), b"");
    assert_eq!(repeat_to_len(b"", 5), b"");
    // 7.1.6: a pattern of 10 octets repeated to 262144.
    let big = repeat_to_len(b"BAsd7&jh23", 262144);
    assert_eq!(big.len(), 262144);
    assert_eq!(&big[262140..], b"BAsd");
}

#[test]
fn close_payloads() {
    assert_eq!(close_payload(Some(1000), ""), vec![0x03, 0xE8]);
    assert_eq!(close_payload(None, "ignored"), Vec::<u8>::new());
    let body = close_payload(Some(4999), "bye");
    let parsed = parse_close(&body).unwrap();
    assert_eq!(parsed.code, Some(4999));
    assert_eq!(parsed.reason_str(), Ok("bye"));
    assert_eq!(parse_close(&[]).unwrap().code, None);
    assert_eq!(parse_close(&[0x03]), Err(CloseParseError::TruncatedCode));
    let bad = parse_close(&close_payload_raw(
        1000,
        &[0xCE, 0xBA, 0xE1, 0xBD, 0xF4, 0x90],
    ))
    .unwrap();
    assert!(bad.reason_str().is_err());
    for code in [
        0, 999, 1004, 1005, 1006, 1012, 1016, 1100, 2000, 2999, 5000, 65535,
    ] {
        assert!(!is_valid_close_code(code), "{code}");
    }
    for code in [
        1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999,
    ] {
        assert!(is_valid_close_code(code), "{code}");
    }
}

#[test]
fn recorder_logs_reads_and_frames_across_chunk_boundaries() {
    let mut wire = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec();
    let f1 = Frame::new(opcode::TEXT, b"Hello".to_vec());
    let f2 = Frame::new(opcode::PING, b"p".to_vec()).with_mask(Some([1, 2, 3, 4]));
    let head_len = wire.len();
    wire.extend(encode(&f1));
    wire.extend(encode(&f2));
    let mut rec = FrameRecorder::after_http_head();
    // Chunks of 3 split the head terminator and both frames.
    for chunk in wire.chunks(3) {
        rec.feed(chunk);
    }
    assert_eq!(rec.http_head(), &wire[..head_len]);
    let frames: Vec<_> = rec.frames().map(|d| d.frame.clone()).collect();
    assert_eq!(frames, vec![f1, f2]);
    assert!(rec.pending().is_empty());
    let reads = rec
        .events()
        .iter()
        .filter(|e| matches!(e, WireEvent::Read(_)))
        .count();
    assert_eq!(reads, wire.len().div_ceil(3));
    assert_eq!(
        rec.rx_frame_stats(),
        &histogram([opcode::TEXT, opcode::PING])
    );
    let mut octets = histogram(std::iter::repeat_n(3usize, wire.len() / 3));
    if !wire.len().is_multiple_of(3) {
        *octets.entry(wire.len() % 3).or_insert(0) += 1;
    }
    assert_eq!(rec.rx_octet_stats(), &octets);
    // The frame event comes right after the read that completed it.
    let ev = rec.events();
    let first_frame = ev
        .iter()
        .position(|e| matches!(e, WireEvent::Frame(_)))
        .unwrap();
    assert!(matches!(ev[first_frame - 1], WireEvent::Read(_)));
}

#[test]
fn recorder_stops_at_malformed_octets_and_keeps_counting_reads() {
    let mut rec = FrameRecorder::new();
    rec.set_logging(true);
    rec.feed(&hex("81 01 41 82 7F 80 00 00 00 00 00 00 00"));
    rec.feed(&hex("81 01 41"));
    let kinds: Vec<_> = rec
        .events()
        .iter()
        .map(|e| match e {
            WireEvent::Read(_) => "read",
            WireEvent::Frame(_) => "frame",
            WireEvent::Malformed(_) => "malformed",
        })
        .collect();
    assert_eq!(kinds, ["read", "frame", "malformed", "read"]);
    assert_eq!(rec.rx_octet_stats().values().sum::<u64>(), 2);
}

#[tokio::test]
async fn recording_reader_over_duplex() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut tx, rx) = tokio::io::duplex(64);
    let frame = Frame::new(opcode::BINARY, vec![5; 1000]).with_mask(Some([1, 1, 1, 1]));
    let wire = encode(&frame);
    let writer = tokio::spawn(async move {
        let sizes = write_chopped(&mut tx, &wire, Some(100), true)
            .await
            .unwrap();
        tx.shutdown().await.unwrap();
        sizes
    });
    let mut reader = RecordingReader::new(rx, FrameRecorder::new());
    let mut sink = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        reader.read_to_end(&mut sink),
    )
    .await
    .expect("bounded")
    .unwrap();
    let sizes = writer.await.unwrap();
    assert_eq!(sink.len(), 1008);
    assert_eq!(sizes.iter().sum::<usize>(), 1008);
    let frames: Vec<_> = reader.recorder().frames().collect();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].frame, frame);
    let read_total: usize = reader
        .recorder()
        .rx_octet_stats()
        .iter()
        .map(|(size, n)| size * *n as usize)
        .sum();
    assert_eq!(read_total, 1008);
}

#[tokio::test]
async fn chopped_writes_have_the_chop_sizes() {
    use tokio::io::AsyncReadExt;
    // (payload length, chop, expected write sizes as (size, count))
    type Row = (usize, Option<usize>, &'static [(usize, u64)]);
    let rows: [Row; 5] = [
        (65536, Some(997), &[(997, 65), (741, 1)]), // 1.1.8: 65546 octets = 65 * 997 + 741
        (10, None, &[(12, 1)]),
        (10, Some(0), &[(12, 1)]),
        (10, Some(1), &[(1, 12)]),
        (10, Some(12), &[(12, 1)]),
    ];
    for (len, chop, expected) in rows {
        let bytes = encode(&Frame::repeated(opcode::TEXT, b"*", len));
        let (mut tx, mut rx) = tokio::io::duplex(1 << 20);
        let reader = tokio::spawn(async move {
            let mut all = Vec::new();
            rx.read_to_end(&mut all).await.map(|_| all)
        });
        let sizes = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            write_chopped(&mut tx, &bytes, chop, false),
        )
        .await
        .expect("bounded")
        .unwrap();
        drop(tx);
        let received = reader.await.unwrap().unwrap();
        assert_eq!(received, bytes, "chop {chop:?}");
        let want: std::collections::BTreeMap<usize, u64> = expected.iter().copied().collect();
        assert_eq!(histogram(sizes), want, "chop {chop:?}");
    }
}
