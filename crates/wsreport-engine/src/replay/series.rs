//! What the compression cases (12.x, 13.x) need beside the protocol: the messages cut from a
//! test data file (`case12_x_x.py`'s `sendOne`) and the connection's traffic counters that
//! become the report's `trafficStats` (autobahn's `TrafficStats`).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::catalog::TestData;

/// Why a test data file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TestDataError {
    /// The file could not be read.
    #[error("cannot read test data file {path}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not the testsuite's (another size, or a text file that is not UTF-8).
    #[error("test data file {path} is not the testsuite's: {why}")]
    Wrong {
        /// The path.
        path: PathBuf,
        /// What differs.
        why: String,
    },
}

/// Reads and checks `data`'s file in `dir`; without a directory, `stand_in` data.
pub fn read_test_data(dir: Option<&Path>, data: TestData) -> Result<Vec<u8>, TestDataError> {
    let Some(dir) = dir else {
        return Ok(stand_in(data));
    };
    let path = dir.join(data.file());
    let octets = std::fs::read(&path).map_err(|source| TestDataError::Read {
        path: path.clone(),
        source,
    })?;
    if octets.len() != data.size() {
        return Err(TestDataError::Wrong {
            path,
            why: format!("{} octets, expected {}", octets.len(), data.size()),
        });
    }
    Ok(octets)
}

/// Stand-in test data, for runs without the testsuite's files: as many octets as the file
/// has, of its kind (ASCII text made of words for the text files, so characters and octets
/// count alike; for the binary ones, runs of repeated octets between pseudo-random ones), the
/// same every time. The echo checks (type, length, SHA-1 of what was sent) and so the verdicts
/// do not depend on the content; the compression ratios in `trafficStats` do, and are then not
/// comparable to the testsuite's.
pub fn stand_in(data: TestData) -> Vec<u8> {
    const WORDS: [&str; 16] = [
        "the", "frame", "message", "server", "deflate", "window", "of", "and", "payload",
        "context", "echo", "octets", "a", "client", "close", "ping",
    ];
    let mut state: u32 = 0x2545_f491 ^ data.size() as u32;
    let mut next = move || {
        // xorshift32: deterministic and dependency-free
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let size = data.size();
    let mut out = Vec::with_capacity(size + 16);
    if data.binary() {
        while out.len() < size {
            let r = next();
            let run = 1 + (r >> 24) as usize % 24;
            if r & 1 == 0 {
                out.extend(std::iter::repeat_n((r >> 8) as u8, run));
            } else {
                out.extend((0..run).map(|_| (next() >> 16) as u8));
            }
        }
    } else {
        while out.len() < size {
            let r = next();
            out.extend_from_slice(WORDS[(r >> 20) as usize % WORDS.len()].as_bytes());
            out.push(match r % 17 {
                0 => b'\n',
                1 => b',',
                _ => b' ',
            });
        }
    }
    out.truncate(size);
    out
}

/// Checks, before anything runs, that every test data file the compression cases among
/// `defs` take their messages from is in `dir` with the testsuite's size.
pub fn check_test_data<'a>(
    dir: Option<&Path>,
    defs: impl IntoIterator<Item = &'a crate::catalog::CaseDef>,
) -> Result<(), TestDataError> {
    let mut needed: Vec<TestData> = Vec::new();
    for data in defs.into_iter().filter_map(|def| def.test_data()) {
        if !needed.contains(&data) {
            needed.push(data);
        }
    }
    for data in needed {
        read_test_data(dir, data)?;
    }
    Ok(())
}

/// A test data file as the series takes messages from it: units are octets for binary data
/// and characters for text data.
#[derive(Debug)]
pub struct SeriesData {
    octets: Vec<u8>,
    /// For text: where each character starts, and the length at the end.
    char_starts: Option<Vec<usize>>,
    /// The next message starts at this unit.
    next: usize,
}

impl SeriesData {
    /// `octets` of a file sent as binary (`binary`) or as text.
    pub fn new(octets: Vec<u8>, binary: bool) -> Result<SeriesData, std::str::Utf8Error> {
        let char_starts = if binary {
            None
        } else {
            let text = std::str::from_utf8(&octets)?;
            let mut starts: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            starts.push(octets.len());
            Some(starts)
        };
        Ok(SeriesData {
            octets,
            char_starts,
            next: 0,
        })
    }

    /// The same data from its start (the series' first message).
    pub fn restart(&self) -> SeriesData {
        SeriesData {
            octets: self.octets.clone(),
            char_starts: self.char_starts.clone(),
            next: 0,
        }
    }

    /// The data's length in units.
    pub fn units(&self) -> usize {
        match &self.char_starts {
            Some(s) => s.len() - 1,
            None => self.octets.len(),
        }
    }

    fn offset(&self, unit: usize) -> usize {
        match &self.char_starts {
            Some(s) => s[unit],
            None => unit,
        }
    }

    /// The next message of `len` units, taken cyclically (`sendOne`: from where the last one
    /// ended to `(start + len) % units`, wrapping around once at most).
    pub fn next_message(&mut self, len: usize) -> Vec<u8> {
        let units = self.units();
        if len == 0 || units == 0 {
            return Vec::new();
        }
        let from = self.next;
        let to = (from + len) % units;
        self.next = to;
        let (a, b) = (self.offset(from), self.offset(to));
        if to > from {
            self.octets[a..b].to_vec()
        } else {
            let mut m = Vec::with_capacity(self.octets.len() - a + b);
            m.extend_from_slice(&self.octets[a..]);
            m.extend_from_slice(&self.octets[..b]);
            m
        }
    }
}

/// A message's length in the series' units.
pub fn units_of(message: &[u8], binary: bool) -> usize {
    if binary {
        message.len()
    } else {
        match std::str::from_utf8(message) {
            Ok(text) => text.chars().count(),
            // what Python's decode(errors="replace") would count
            Err(_) => String::from_utf8_lossy(message).chars().count(),
        }
    }
}

/// Autobahn's `TrafficStats`: octets and frames counted at three levels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Payload octets of messages we sent, before compression.
    pub outgoing_app: u64,
    /// Payload octets of messages we sent, as on the wire (compressed).
    pub outgoing_ws: u64,
    /// Octets written while open.
    pub outgoing_wire: u64,
    /// Frames written.
    pub outgoing_frames: u64,
    /// Messages sent.
    pub outgoing_messages: u64,
    /// Payload octets received, after decompression.
    pub incoming_app: u64,
    /// Payload octets received, as on the wire.
    pub incoming_ws: u64,
    /// Octets read while open.
    pub incoming_wire: u64,
    /// Frames received.
    pub incoming_frames: u64,
    /// Messages received.
    pub incoming_messages: u64,
    /// Octets written before the connection was open (the opening handshake).
    pub preopen_outgoing_wire: u64,
    /// Octets read before the connection was open.
    pub preopen_incoming_wire: u64,
}

impl Traffic {
    /// The report's `trafficStats` object (keys sorted, as the testsuite writes them).
    /// `…CompressionRatio` = WebSocketLevel / AppLevel and `…WebSocketOverhead` =
    /// (WireLevel − WebSocketLevel) / WebSocketLevel, null when the divisor is 0.
    pub fn to_json(&self) -> Value {
        let ratio = |a: u64, b: u64| {
            if b == 0 {
                Value::Null
            } else {
                json!(a as f64 / b as f64)
            }
        };
        let overhead = |wire: u64, ws: u64| {
            if ws == 0 {
                Value::Null
            } else {
                json!((wire as f64 - ws as f64) / ws as f64)
            }
        };
        json!({
            "incomingCompressionRatio": ratio(self.incoming_ws, self.incoming_app),
            "incomingOctetsAppLevel": self.incoming_app,
            "incomingOctetsWebSocketLevel": self.incoming_ws,
            "incomingOctetsWireLevel": self.incoming_wire,
            "incomingWebSocketFrames": self.incoming_frames,
            "incomingWebSocketMessages": self.incoming_messages,
            "incomingWebSocketOverhead": overhead(self.incoming_wire, self.incoming_ws),
            "outgoingCompressionRatio": ratio(self.outgoing_ws, self.outgoing_app),
            "outgoingOctetsAppLevel": self.outgoing_app,
            "outgoingOctetsWebSocketLevel": self.outgoing_ws,
            "outgoingOctetsWireLevel": self.outgoing_wire,
            "outgoingWebSocketFrames": self.outgoing_frames,
            "outgoingWebSocketMessages": self.outgoing_messages,
            "outgoingWebSocketOverhead": overhead(self.outgoing_wire, self.outgoing_ws),
            "preopenIncomingOctetsWireLevel": self.preopen_incoming_wire,
            "preopenOutgoingOctetsWireLevel": self.preopen_outgoing_wire,
        })
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn stand_ins_have_the_files_size_and_kind_and_never_change() {
        for data in [
            TestData::JsonData1,
            TestData::Lena512,
            TestData::GutenbergFaust,
            TestData::HtmlData1,
            TestData::Ooms,
        ] {
            let a = stand_in(data);
            assert_eq!(a.len(), data.size(), "{}", data.file());
            assert_eq!(a, stand_in(data));
            if !data.binary() {
                assert!(a.is_ascii(), "{}", data.file());
            }
            assert_eq!(read_test_data(None, data).unwrap(), a);
        }
    }
    use super::*;

    #[test]
    fn messages_are_cut_cyclically_in_characters_for_text() {
        // "aé" repeated: 2 characters, 3 octets
        let mut d = SeriesData::new("aéaé".as_bytes().to_vec(), false).unwrap();
        assert_eq!(d.units(), 4);
        assert_eq!(d.next_message(3), "aéa".as_bytes());
        // wraps: é + a
        assert_eq!(d.next_message(2), "éa".as_bytes());
        assert_eq!(d.next_message(3), "éaé".as_bytes());
        assert_eq!(units_of("éaé".as_bytes(), false), 3);
        let mut b = SeriesData::new(vec![1, 2, 3, 4, 5], true).unwrap();
        assert_eq!(b.next_message(3), [1, 2, 3]);
        assert_eq!(b.next_message(3), [4, 5, 1]);
    }

    #[test]
    fn traffic_stats_have_the_testsuites_figures() {
        // 13.5.2 of status-im__nim-websock's report
        let t = Traffic {
            incoming_app: 64000,
            incoming_ws: 64000,
            incoming_wire: 66000,
            incoming_frames: 1000,
            incoming_messages: 1000,
            outgoing_app: 64000,
            outgoing_ws: 47884,
            outgoing_wire: 53884,
            outgoing_frames: 1000,
            outgoing_messages: 1000,
            preopen_incoming_wire: 294,
            preopen_outgoing_wire: 394,
        };
        let v = t.to_json();
        assert_eq!(v["outgoingCompressionRatio"], json!(0.7481875));
        assert_eq!(v["outgoingWebSocketOverhead"], json!(0.12530281513658006));
        assert_eq!(v["incomingWebSocketOverhead"], json!(0.03125));
        assert_eq!(v.as_object().unwrap().len(), 16);
        assert_eq!(
            Traffic::default().to_json()["incomingCompressionRatio"],
            Value::Null
        );
    }
}
