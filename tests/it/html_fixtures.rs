//! Case pages from `fixtures/html/`: every field, the traps (NUL bytes, raw surrogates,
//! hex-of-hex masks, repeat lengths, unescaped payloads), and bad pages as one error line.

use std::path::{Path, PathBuf};

use wsreport::load::{self, LoadError};
use wsreport::model::{Event, Shown, Verdict, WireRow};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/html")
        .join(name)
}

#[test]
fn a_page_gives_every_field() {
    let c = load::read_case_file(&fixture("tiny_1_case_2_11.html")).unwrap();
    assert_eq!(c.agent, "tiny@1");
    assert_eq!(c.id.as_ref().unwrap().to_string(), "2.11");
    assert_eq!(c.duration_ms, Some(12));
    assert_eq!(c.started.as_deref(), Some("2026-01-02T03:04:05.678Z"));
    assert_eq!(c.behavior, Some(Verdict::Ok));
    assert_eq!(c.behavior_close, Some(Verdict::Ok));
    assert_eq!(
        c.result_close.as_deref(),
        Some("Connection was properly closed")
    );
    assert_eq!(c.description, "Send a ping.");
    assert_eq!(
        c.received,
        vec![
            Event::Pong("payload-0".into()),
            Event::Message {
                payload: "0xfefe".into(),
                binary: true
            }
        ]
    );
    assert_eq!(c.expected[0].0, "OK");
    assert_eq!(
        c.http_request.as_deref(),
        Some(
            "GET / HTTP/1.1\r\nUser-Agent: AutobahnTestSuite/0.8.2-0.10.9\r\nHost: 127.0.0.1:9001\r\n\r\n"
        )
    );
    assert_eq!(c.closing.local_close_code, Some(1000));
    assert_eq!(c.closing.was_not_clean_reason, None);
    assert_eq!(c.closing.is_server, Some(false));
    assert_eq!(c.stats.tx_frames.get(&8), Some(&2));
    let rows = &c.wirelog;
    // A cut dump keeps its ` ...` and has no known length.
    assert_eq!(
        rows[0],
        WireRow::TxOctets {
            data: Shown {
                len: None,
                text: format!("{}{} ...", "ab".repeat(50), "cd".repeat(14))
            },
            sync: false
        }
    );
    assert_eq!(
        rows[1],
        WireRow::RxOctets(Shown {
            len: Some(5),
            text: "8a03616263".into()
        })
    );
    let WireRow::TxFrame {
        payload,
        repeat_len,
        chopsize,
        ..
    } = &rows[2]
    else {
        panic!("{:?}", rows[2])
    };
    // PAYLOAD-LEN is the pattern's; the repeat length is the real one. The payload is not
    // HTML-unescaped: the testsuite never escaped it.
    assert_eq!(payload.len, Some(10));
    assert_eq!(payload.text, "payload-0 <b> &amp;");
    assert_eq!((*repeat_len, *chopsize), (Some(262144), Some(1)));
    let WireRow::RxFrame { mask, masked, .. } = &rows[3] else {
        panic!("{:?}", rows[3])
    };
    assert!(*masked);
    assert_eq!(mask.as_deref(), Some("60e668a9"));
    assert_eq!(rows[4], WireRow::CloseAfter(3.0));
    assert_eq!(
        rows[5],
        WireRow::DelaySet {
            delay: 0.5,
            tag: None
        }
    );
    assert_eq!(rows[6], WireRow::DelayFired(Some("A".into())));
    assert_eq!(rows[7], WireRow::WireLog(false));
    assert_eq!(rows[9], WireRow::TcpDropped { by_me: true });
}

#[test]
fn nul_bytes_and_raw_surrogates_survive() {
    let c = load::read_case_file(&fixture("tiny_1_case_6_7_1.html")).unwrap();
    let want = "a\0b\u{10e400}";
    assert_eq!(c.expected[0].1[0].payload(), Some(want));
    let WireRow::RxFrame { payload, .. } = &c.wirelog[0] else {
        panic!()
    };
    assert_eq!(payload.text, want);
    assert_eq!(c.create_stats, Some(false));
    // The header says Fail: FAILED or UNIMPLEMENTED, the page alone cannot tell.
    assert_eq!(c.behavior, Some(Verdict::Failed));
}

#[test]
fn bad_pages_give_one_line_naming_the_file() {
    for (name, want) in [
        ("truncated_case_2_11.html", "page is cut off"),
        ("not_autobahn_case_1_1_1.html", "not an Autobahn case page"),
    ] {
        let e = load::read_case_file(&fixture(name)).unwrap_err();
        assert!(matches!(e, LoadError::Page { .. }), "{e:?}");
        let line = wsreport::text::error_chain(&e);
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains(name) && line.contains(want), "{line}");
    }
}

#[test]
fn a_directory_of_pages_loads_and_bad_pages_do_not_stop_it() {
    let loaded = load::load_paths(&[Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/html")]);
    assert_eq!(loaded.errors.len(), 2, "{:?}", loaded.errors);
    let cases: usize = loaded
        .reports
        .iter()
        .map(|r| r.agents.iter().map(|a| a.cases.len()).sum::<usize>())
        .sum();
    assert_eq!(cases, 2);
}
