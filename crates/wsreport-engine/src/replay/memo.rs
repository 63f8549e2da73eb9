//! Compression series that several cases of one run send alike, compressed once.
//!
//! The five 131072-octet cases of a 12.x subcategory (`.10`, `.15`–`.18`) send the same 1000
//! messages with the same offer, in other frame sizes (the testsuite's `sendOne` cuts them
//! from the same test data file, and `autoFragmentSize` cuts the compressed payload); so do
//! the pairs at 8192–65536 octets (`.6`/`.11` … `.9`/`.14`). zlib's output depends on nothing
//! else (the messages, the window, context takeover, the level), so one compressor can serve
//! them all: a run's largest CPU cost on our side was compressing `lena512.bmp`, the PDF and
//! Faust over again (~100 MB/s at level 1, ~130 MB a case).
//!
//! The cases of a group run at the same time ([`super::runner`] starts them one after the
//! other) and read the payloads as they need them; a payload is kept until every case that
//! reads it has, within a budget ([`RETAINED`] octets for the whole run). The payloads kept
//! for cases still to come are let go first, past [`KEPT_FOR_LATER`] (such a case starts the
//! series again, for itself and the cases after it); then, over budget, the case furthest
//! behind is let go: it rebuilds its own compressor over the messages it has sent and
//! compresses on its own from there. Either way it sends the octets it would have sent alone:
//! what a case sends never depends on the memo.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use crate::catalog::{CaseDef, DeflateSeries};
use crate::protocol::deflate::{Codec, Params};

use super::series::SeriesData;

/// The most compressed octets the memo keeps at once, over all its series.
pub const RETAINED: usize = 64 << 20;

/// The most compressed octets one series keeps for cases that have not started yet: all of
/// a JSON series of 131072-octet messages (8 MB), a tenth of a `lena512.bmp` one (a case that
/// starts later than that starts the series again, with the cases after it).
pub const KEPT_FOR_LATER: usize = 16 << 20;

/// What makes two cases' series the same, before the handshake: the data, the message length
/// and count, and the offer. (The parameters the peer accepts are checked when a case joins.)
pub(crate) fn series_key(def: &CaseDef) -> Option<String> {
    let series = def.deflate_series()?;
    Some(format!(
        "{:?} {} {} {:?}",
        series.data, series.len, series.count, def.deflate
    ))
}

/// A run's memo, as the options carry it (equal when it is the same memo).
#[derive(Debug, Clone)]
pub struct MemoRef(pub Arc<SeriesMemo>);

impl PartialEq for MemoRef {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The series of one run that more than one case sends.
pub struct SeriesMemo {
    /// By [`series_key`]: cases still to join, and the series while one reads it.
    groups: Mutex<HashMap<String, Group>>,
    /// Octets kept over all series.
    retained: Arc<AtomicUsize>,
    /// [`RETAINED`], [`KEPT_FOR_LATER`] (smaller in tests).
    budget: Budget,
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    retained: usize,
    kept_for_later: usize,
}

impl std::fmt::Debug for SeriesMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeriesMemo")
            .field("retained", &self.retained.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

struct Group {
    /// Cases of the run with this key that have not joined yet.
    to_come: usize,
    /// The series under way, alive while a case reads it or `keep` holds it; then its
    /// compressor, data and payloads are freed (~2 MB beside the payloads).
    series: Weak<Mutex<Series>>,
    /// Holds the series for the cases still to come.
    keep: Option<Arc<Mutex<Series>>>,
}

impl SeriesMemo {
    /// A memo for the series that more than one of `defs` sends; `None` when none does.
    pub fn for_cases<'a>(defs: impl IntoIterator<Item = &'a CaseDef>) -> Option<Arc<SeriesMemo>> {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for key in defs.into_iter().filter_map(series_key) {
            *counts.entry(key).or_default() += 1;
        }
        let groups: HashMap<String, Group> = counts
            .into_iter()
            .filter(|&(_, n)| n > 1)
            .map(|(key, to_come)| {
                let group = Group {
                    to_come,
                    series: Weak::new(),
                    keep: None,
                };
                (key, group)
            })
            .collect();
        (!groups.is_empty()).then(|| {
            Arc::new(SeriesMemo {
                groups: Mutex::new(groups),
                retained: Arc::new(AtomicUsize::new(0)),
                budget: Budget {
                    retained: RETAINED,
                    kept_for_later: KEPT_FOR_LATER,
                },
            })
        })
    }

    /// Octets kept now, over all series.
    #[cfg(test)]
    fn retained(&self) -> usize {
        self.retained.load(Ordering::Relaxed)
    }

    /// `def`'s series joined, once its handshake gave `params`: the payloads come from the
    /// memo from its first message (from the series under way if it is still at its first
    /// payload, else from the series started again). `None` when no other case of the run
    /// sends the series, or the peer agreed other parameters with the case that started it:
    /// the case then compresses on its own. `data` is the series' data from its start.
    pub(crate) fn join(
        &self,
        def: &CaseDef,
        series: &DeflateSeries,
        params: Params,
        is_server: bool,
        data: impl FnOnce() -> SeriesData,
    ) -> Option<SharedSeries> {
        let key = series_key(def)?;
        let mut groups = lock(&self.groups);
        let group = groups.get_mut(&key)?;
        if group.to_come == 0 {
            return None;
        }
        group.to_come -= 1;
        let to_come = group.to_come;
        // the series under way, if it is still at its first payload; else this case starts
        // it again, for itself and the cases after it (a gang's last cases, which start when
        // the first ones end, read it together)
        let current = group
            .series
            .upgrade()
            .filter(|shared| lock(shared).first == 0);
        let shared = current.unwrap_or_else(|| {
            let shared = Arc::new(Mutex::new(Series {
                codec: Codec::new(params, is_server),
                data: data(),
                len: series.len,
                first: 0,
                payloads: VecDeque::new(),
                kept: 0,
                readers: Vec::new(),
                to_come: 0,
                retained: Arc::clone(&self.retained),
                budget: self.budget,
            }));
            group.series = Arc::downgrade(&shared);
            shared
        });
        group.keep = (to_come > 0).then(|| Arc::clone(&shared));
        let mut s = lock(&shared);
        drop(groups);
        if s.codec.params() != &params {
            return None;
        }
        s.to_come = to_come;
        s.readers.push(Some(0));
        let reader = s.readers.len() - 1;
        drop(s);
        Some(SharedSeries { shared, reader })
    }
}

/// One shared series: its compressor, and the payloads made and not yet read by all.
struct Series {
    codec: Codec,
    data: SeriesData,
    len: usize,
    /// The index of `payloads[0]`.
    first: usize,
    payloads: VecDeque<Arc<[u8]>>,
    /// Octets in `payloads`.
    kept: usize,
    /// Each reader's next message, `None` once it left.
    readers: Vec<Option<usize>>,
    /// Cases that may still join: payloads are kept from the first for them.
    to_come: usize,
    retained: Arc<AtomicUsize>,
    budget: Budget,
}

impl Series {
    /// The payload of message `i`, made if it is the next one.
    fn payload(&mut self, i: usize) -> Option<Arc<[u8]>> {
        while self.first + self.payloads.len() <= i {
            let message = self.data.next_message(self.len);
            // exactly its size: a compressor's output has room to spare
            let payload: Arc<[u8]> = Arc::from(self.codec.compress(&message));
            self.kept += payload.len();
            self.retained.fetch_add(payload.len(), Ordering::Relaxed);
            self.payloads.push_back(payload);
        }
        i.checked_sub(self.first)
            .and_then(|k| self.payloads.get(k))
            .cloned()
    }

    /// Lets go of what no reader needs, then, over budget, of what only the cases still to
    /// come or the reader furthest behind need.
    fn trim(&mut self) {
        loop {
            let low = if self.to_come > 0 {
                0
            } else {
                let positions = self.readers.iter().flatten();
                positions.min().copied().unwrap_or(usize::MAX)
            };
            while self.first < low && !self.payloads.is_empty() {
                let p = self.payloads.pop_front().expect("not empty");
                self.first += 1;
                self.kept -= p.len();
                self.retained.fetch_sub(p.len(), Ordering::Relaxed);
            }
            if self.to_come > 0 && self.kept > self.budget.kept_for_later {
                // the cases still to come will compress on their own
                self.to_come = 0;
                continue;
            }
            if self.retained.load(Ordering::Relaxed) <= self.budget.retained || self.kept == 0 {
                return;
            }
            if self.to_come > 0 {
                self.to_come = 0;
                continue;
            }
            let attached = self.readers.iter().flatten().count();
            if attached <= 1 {
                return;
            }
            let slowest = (0..self.readers.len())
                .filter(|&r| self.readers[r].is_some())
                .min_by_key(|&r| self.readers[r]);
            if let Some(r) = slowest {
                self.readers[r] = None;
            }
        }
    }
}

/// A case's place in a shared series.
pub(crate) struct SharedSeries {
    shared: Arc<Mutex<Series>>,
    reader: usize,
}

impl std::fmt::Debug for SharedSeries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedSeries")
            .field("reader", &self.reader)
            .finish_non_exhaustive()
    }
}

impl SharedSeries {
    /// The compressed payload of message `i` (0-based; asked in order), or `None` once this
    /// case was let go: it then compresses on its own from message `i`.
    pub(crate) fn payload(&self, i: usize) -> Option<Arc<[u8]>> {
        let mut s = lock(&self.shared);
        s.readers[self.reader]?;
        let payload = s.payload(i);
        if payload.is_some() {
            s.readers[self.reader] = Some(i + 1);
        }
        s.trim();
        payload
    }
}

impl Drop for SharedSeries {
    fn drop(&mut self) {
        let mut s = lock(&self.shared);
        s.readers[self.reader] = None;
        s.trim();
    }
}

/// A lock nobody can poison for long: the data stays consistent whatever panicked.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)] // message k of the series against want[k]
mod tests {
    use super::*;
    use crate::catalog::{self, TestData};
    use crate::replay::machine::next_compressed;
    use crate::replay::series::stand_in;

    fn def(id: &str) -> CaseDef {
        catalog::build(&id.parse().unwrap()).unwrap()
    }

    fn lena() -> SeriesData {
        SeriesData::new(stand_in(TestData::Lena512), true).unwrap()
    }

    /// One case's side: its own codec and data, its place in the memo, messages sent.
    struct Case {
        series: DeflateSeries,
        data: SeriesData,
        codec: Codec,
        shared: Option<SharedSeries>,
        sent: usize,
    }

    impl Case {
        fn join(memo: &SeriesMemo, id: &str, params: Params) -> Case {
            let def = def(id);
            let series = def.deflate_series().unwrap().clone();
            let shared = memo.join(&def, &series, params, false, lena);
            Case {
                series,
                data: lena(),
                codec: Codec::new(params, false),
                shared,
                sent: 0,
            }
        }

        fn next(&mut self) -> Vec<u8> {
            let (_, payload) = next_compressed(
                &self.series,
                &mut self.data,
                &mut self.codec,
                &mut self.shared,
                self.sent,
            );
            self.sent += 1;
            payload
        }
    }

    /// What a case alone sends: each message compressed by a codec of its own.
    fn alone(series: &DeflateSeries, params: Params, n: usize) -> Vec<Vec<u8>> {
        let mut data = lena();
        let mut codec = Codec::new(params, false);
        (0..n)
            .map(|_| codec.compress(&data.next_message(series.len)))
            .collect()
    }

    #[test]
    fn the_cases_of_a_run_that_send_one_series_share_one_compressor() {
        // 12.2.9 and 12.2.14: 1000 messages of 65536 octets of lena512.bmp, the default offer
        let defs = [def("12.2.9"), def("12.2.14"), def("12.2.10")];
        let memo = SeriesMemo::for_cases(&defs).expect("two cases send one series");
        assert_eq!(series_key(&defs[0]), series_key(&defs[1]));
        assert_ne!(series_key(&defs[0]), series_key(&defs[2]));
        let params = Params::default();
        let mut a = Case::join(&memo, "12.2.9", params);
        let mut b = Case::join(&memo, "12.2.14", params);
        assert!(a.shared.is_some() && b.shared.is_some());
        let want = alone(&a.series, params, 40);
        // a runs ahead, b follows: each gets the payloads a case alone would send
        for k in 0..30 {
            assert_eq!(a.next(), want[k], "message {k}");
        }
        assert!(memo.retained() > 0, "kept for b");
        for k in 0..30 {
            assert_eq!(b.next(), want[k], "message {k}");
        }
        assert_eq!(memo.retained(), 0, "both read them: nothing kept");
        for k in 30..40 {
            assert_eq!(b.next(), want[k]);
            assert_eq!(a.next(), want[k]);
        }
        assert!(
            a.shared.is_some() && b.shared.is_some(),
            "neither was let go"
        );
        // a third case of the key is not expected: it compresses on its own
        let c = Case::join(&memo, "12.2.14", params);
        assert!(c.shared.is_none());
        // 12.2.10 is alone in the run: no memo for it
        let d = Case::join(&memo, "12.2.10", params);
        assert!(d.shared.is_none());
        let key = series_key(&defs[0]).unwrap();
        let alive = || lock(&memo.groups)[&key].series.upgrade().is_some();
        assert!(alive());
        drop((a, b));
        assert_eq!(memo.retained(), 0);
        assert!(
            !alive(),
            "its compressor and data freed once no case reads it"
        );
    }

    #[test]
    fn a_case_that_comes_after_the_others_left_still_reads_the_series() {
        let defs = [def("12.2.9"), def("12.2.14")];
        let memo = SeriesMemo::for_cases(&defs).unwrap();
        let params = Params::default();
        let mut a = Case::join(&memo, "12.2.9", params);
        let want = alone(&a.series, params, 20);
        for w in &want {
            assert_eq!(&a.next(), w);
        }
        drop(a);
        // kept for 12.2.14, which has not started yet
        let key = series_key(&defs[0]).unwrap();
        let alive = || lock(&memo.groups)[&key].series.upgrade().is_some();
        assert!(alive());
        let mut b = Case::join(&memo, "12.2.14", params);
        assert!(b.shared.is_some());
        for w in &want {
            assert_eq!(&b.next(), w);
        }
        drop(b);
        assert!(!alive(), "no case to come: freed");
        assert_eq!(memo.retained(), 0);
    }

    #[test]
    fn a_case_let_go_over_budget_sends_what_it_would_have_sent_alone() {
        let defs = [
            def("12.2.10"),
            def("12.2.15"),
            def("12.2.16"),
            def("12.2.17"),
        ];
        let mut memo = SeriesMemo::for_cases(&defs).unwrap();
        // room for about 20 of these payloads (~130 KiB each)
        Arc::get_mut(&mut memo).unwrap().budget = Budget {
            retained: 20 * 131_072,
            kept_for_later: 5 * 131_072,
        };
        let params = Params::default();
        let mut a = Case::join(&memo, "12.2.10", params);
        let mut b = Case::join(&memo, "12.2.15", params);
        let want = alone(&a.series, params, 60);
        for k in 0..10 {
            assert_eq!(a.next(), want[k]);
            assert_eq!(b.next(), want[k]);
        }
        // a runs 50 ahead: b is let go rather than the memo growing without bound
        for k in 10..60 {
            assert_eq!(a.next(), want[k]);
            assert!(
                memo.retained() <= 21 * 131_072,
                "at {k}: {}",
                memo.retained()
            );
        }
        for k in 10..60 {
            assert_eq!(b.next(), want[k], "message {k} after b was let go");
        }
        assert!(b.shared.is_none(), "b compresses on its own");
        assert!(a.shared.is_some());
        // the third case of the key comes late: the first payloads are gone, it starts the
        // series again and sends the same
        let mut c = Case::join(&memo, "12.2.16", params);
        assert!(c.shared.is_some());
        for k in 0..5 {
            assert_eq!(c.next(), want[k]);
        }
        // and the fourth reads it from c's start
        let mut d = Case::join(&memo, "12.2.17", params);
        assert!(d.shared.is_some());
        for k in 0..8 {
            assert_eq!(d.next(), want[k]);
        }
        assert!(c.shared.is_some() && d.shared.is_some());
    }

    #[test]
    fn a_case_whose_peer_agreed_otherwise_compresses_on_its_own() {
        let defs = [def("12.2.9"), def("12.2.14")];
        let memo = SeriesMemo::for_cases(&defs).unwrap();
        let a = Case::join(&memo, "12.2.9", Params::default());
        let other = Params {
            client_max_window_bits: 9,
            ..Params::default()
        };
        let mut b = Case::join(&memo, "12.2.14", other);
        assert!(a.shared.is_some());
        assert!(b.shared.is_none());
        let want = alone(&b.series, other, 3);
        for w in want {
            assert_eq!(b.next(), w);
        }
    }
}
