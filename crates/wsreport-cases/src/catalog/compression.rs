//! Categories 12 and 13, WebSocket Compression: permessage-deflate (RFC 7692).
//!
//! Every case negotiates permessage-deflate in its opening handshake ([`Deflate`]), then sends
//! 1000 compressed messages cut from a test data file, each on the previous one's echo, and
//! checks each echo's type, length and SHA-1 ([`DeflateSeries`]); a peer that declines the
//! extension gets UNIMPLEMENTED. The cases are one table of message sizes (length, count,
//! timeout, auto-fragment size: 18 rows) crossed with
//!
//! - 12.1–12.5: five test data files, with the default offer and a plain acceptance;
//! - 13.1–13.7: `data1.json` with seven sets of parameters: what the fuzzer offers as client
//!   (`server_no_context_takeover`, `server_max_window_bits`) and, as server, which client
//!   parameters it asks for in order of preference.
//!
//! Every case reports its duration and compression ratio and expects the fuzzer to close
//! cleanly with 1000 once it has its verdict; none has `expected` lists.

use crate::catalog::{
    Adjust, CaseDef, Deflate, DeflateAccept, DeflateOffer, DeflateSeries, Step, TestData,
    close_code, expect_close,
};
use crate::model::CaseId;

/// Per case n of a subcategory: message length, message count, seconds the series may take,
/// auto-fragment size (0: one frame per message).
const MSG_SIZES: [(usize, usize, u32, usize); 18] = [
    (16, 1000, 60, 0),
    (64, 1000, 60, 0),
    (256, 1000, 120, 0),
    (1024, 1000, 240, 0),
    (4096, 1000, 480, 0),
    (8192, 1000, 480, 0),
    (16384, 1000, 480, 0),
    (32768, 1000, 480, 0),
    (65536, 1000, 480, 0),
    (131072, 1000, 480, 0),
    (8192, 1000, 480, 256),
    (16384, 1000, 480, 256),
    (32768, 1000, 480, 256),
    (65536, 1000, 480, 256),
    (131072, 1000, 480, 256),
    (131072, 1000, 480, 1024),
    (131072, 1000, 480, 4096),
    (131072, 1000, 480, 32768),
];

/// 12.n: the test data of subcategory n.
const DATA_SETS: [TestData; 5] = [
    TestData::JsonData1,
    TestData::Lena512,
    TestData::GutenbergFaust,
    TestData::HtmlData1,
    TestData::Ooms,
];

/// 13.x: the test data of every case.
const PARAMETER_DATA: TestData = TestData::JsonData1;

const fn offer(no_context_takeover: bool, max_window_bits: u8) -> DeflateOffer {
    DeflateOffer::requesting(no_context_takeover, max_window_bits)
}

const fn accept(no_context_takeover: bool, max_window_bits: u8) -> DeflateAccept {
    DeflateAccept {
        request_no_context_takeover: no_context_takeover,
        request_max_window_bits: max_window_bits,
    }
}

/// Accept the first offer as it is (12.x, 13.1).
const PLAIN: DeflateAccept = accept(false, 0);

/// 13.n: the client offers, and the server acceptances in order of preference.
const PARAMETERS: [(&[DeflateOffer], &[DeflateAccept]); 7] = [
    (&[DeflateOffer::DEFAULT], &[PLAIN]),
    (&[offer(true, 0)], &[accept(true, 0)]),
    (&[offer(false, 9)], &[accept(false, 9)]),
    (&[offer(false, 15)], &[accept(false, 15)]),
    (&[offer(true, 9)], &[accept(true, 9)]),
    (&[offer(true, 15)], &[accept(true, 15)]),
    (
        &[offer(true, 9), offer(true, 0), DeflateOffer::DEFAULT],
        &[accept(true, 9), accept(true, 0), PLAIN],
    ),
];

/// The ids of this category, in the testsuite's order.
pub fn ids() -> Vec<CaseId> {
    [(12, DATA_SETS.len()), (13, PARAMETERS.len())]
        .into_iter()
        .flat_map(|(cat, subs)| {
            (1..=subs).flat_map(move |sub| {
                (1..=MSG_SIZES.len())
                    .map(move |n| format!("{cat}.{sub}.{n}").parse().expect("valid id"))
            })
        })
        .collect()
}

/// The definition of one case of these categories.
pub fn build(id: &CaseId) -> Option<CaseDef> {
    let &[cat, sub, n] = id.parts() else {
        return None;
    };
    let (len, count, wait_secs, auto_fragment) = *MSG_SIZES.get((n as usize).checked_sub(1)?)?;
    let sub = (sub as usize).checked_sub(1)?;
    let (data, deflate, offer_words) = match cat {
        12 => (
            *DATA_SETS.get(sub)?,
            Deflate {
                offers: vec![DeflateOffer::DEFAULT],
                accept: vec![PLAIN],
            },
            "default permessage-deflate offer.".to_string(),
        ),
        13 => {
            let (offers, accept) = PARAMETERS.get(sub)?;
            let deflate = Deflate {
                offers: offers.to_vec(),
                accept: accept.to_vec(),
            };
            let words = format!(
                "permessage-deflate client offers (requestNoContextTakeover, requestMaxWindowBits): {}",
                deflate.offers_shown()
            );
            (PARAMETER_DATA, deflate, words)
        }
        _ => return None,
    };
    Some(CaseDef {
        id: id.clone(),
        description: format!(
            "Send {count} compressed messages each of payload size {len}, auto-fragment to {auto_fragment} octets. Use {offer_words}"
        ),
        expectation: format!(
            "Receive echo'ed messages (with payload as sent). Timeout case after {wait_secs} secs."
        ),
        steps: vec![
            Step::AutoFragmentSize(auto_fragment),
            Step::DeflateSeries(DeflateSeries {
                data,
                len,
                count,
                wait_secs,
            }),
        ],
        expected: Vec::new(),
        expected_close: expect_close(true, &[close_code::NORMAL], true),
        adjust: Adjust::None,
        report_time: true,
        deflate: Some(deflate),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FragmentEnd, planned_frames};

    fn case(id: &str) -> CaseDef {
        build(&id.parse().unwrap()).unwrap()
    }

    fn series(def: &CaseDef) -> (usize, &DeflateSeries) {
        match def.steps.as_slice() {
            [Step::AutoFragmentSize(n), Step::DeflateSeries(s)] => (*n, s),
            other => panic!("{}: {other:?}", def.id),
        }
    }

    #[test]
    fn ids_are_the_testsuites_in_order() {
        let ids: Vec<String> = ids().iter().map(ToString::to_string).collect();
        assert_eq!(ids.len(), 90 + 126);
        assert_eq!(&ids[..2], ["12.1.1", "12.1.2"]);
        assert_eq!(&ids[17..19], ["12.1.18", "12.2.1"]);
        assert_eq!(&ids[89..91], ["12.5.18", "13.1.1"]);
        assert_eq!(ids.last().map(String::as_str), Some("13.7.18"));
    }

    #[test]
    fn every_id_builds_and_nothing_else_does() {
        for id in ids() {
            let def = build(&id).unwrap();
            assert_eq!(def.id, id);
            assert!(def.report_time && def.report_compression_ratio());
            assert!(def.expected.is_empty());
            assert_eq!(def.expected_close, expect_close(true, &[1000], true));
            // compressed frames depend on the compressor: none are planned
            assert!(planned_frames(&def.steps, FragmentEnd::Full).is_empty());
        }
        for other in ["12.6.1", "12.1.19", "13.8.1", "13.0.1", "11.1.1", "12.1"] {
            assert!(build(&other.parse().unwrap()).is_none(), "{other}");
        }
    }

    #[test]
    fn the_first_case_sends_16_characters_of_json_with_the_default_offer() {
        let def = case("12.1.1");
        let (auto, s) = series(&def);
        assert_eq!(auto, 0);
        assert_eq!(
            *s,
            DeflateSeries {
                data: TestData::JsonData1,
                len: 16,
                count: 1000,
                wait_secs: 60
            }
        );
        assert!(!s.data.binary());
        let deflate = def.deflate.unwrap();
        // the request in denoland__autobahn's 12.1.1 report
        assert_eq!(
            deflate.offer_header(),
            "permessage-deflate; client_no_context_takeover; client_max_window_bits"
        );
        let (a, o) = deflate.choose(&[DeflateOffer::DEFAULT]).unwrap();
        assert_eq!(a.response_header(&o), "permessage-deflate");
    }

    #[test]
    fn data_sets_of_category_12() {
        let files: Vec<(&str, bool)> = (1..=5)
            .map(|sub| {
                let d = series(&case(&format!("12.{sub}.18"))).1.data;
                (d.file(), d.binary())
            })
            .collect();
        assert_eq!(
            files,
            [
                ("data1.json", false),
                ("lena512.bmp", true),
                ("pg2229.txt", true),
                ("data1.html", false),
                ("10.1.1.105.5439.pdf", true)
            ]
        );
        let def = case("12.3.16");
        let (auto, s) = series(&def);
        assert_eq!((auto, s.len, s.wait_secs), (1024, 131072, 480));
    }

    #[test]
    fn window_bits_and_no_context_takeover_parameters() {
        let def = case("13.5.11");
        assert_eq!(
            def.description,
            "Send 1000 compressed messages each of payload size 8192, auto-fragment to 256 octets. Use permessage-deflate client offers (requestNoContextTakeover, requestMaxWindowBits): [(True, 9)]"
        );
        assert_eq!(series(&def).0, 256);
        let deflate = def.deflate.unwrap();
        assert_eq!(
            deflate.offer_header(),
            "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9"
        );
        assert_eq!(deflate.accept, [accept(true, 9)]);
        // as server: a client that allows both parameters is asked for both
        let (a, o) = deflate.choose(&[DeflateOffer::DEFAULT]).unwrap();
        assert_eq!(
            a.response_header(&o),
            "permessage-deflate; client_no_context_takeover; client_max_window_bits=9"
        );
        // a client that allows neither: declined, so the case is UNIMPLEMENTED
        let bare = DeflateOffer {
            accept_no_context_takeover: false,
            accept_max_window_bits: false,
            request_no_context_takeover: false,
            request_max_window_bits: 0,
        };
        assert!(deflate.choose(&[bare]).is_none());
        // 13.7 falls back to fewer parameters, then to a plain acceptance
        let d7 = case("13.7.1").deflate.unwrap();
        let (a, o) = d7.choose(&[bare]).unwrap();
        assert_eq!(
            (a, a.response_header(&o)),
            (PLAIN, "permessage-deflate".into())
        );
    }
}
