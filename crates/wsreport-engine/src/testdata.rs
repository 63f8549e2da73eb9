//! The testsuite's five test data files without Python: taken from the testsuite's own
//! published package on PyPI (`autobahntestsuite`, its source distribution), checked by size
//! and SHA-256, and kept in the user's cache directory, where `run`, `replay` and
//! `fuzzingserver` find them when `--testdata` is not given.
//!
//! The files are not shipped with wsreport: the package is Apache-2.0, but the files inside it
//! are third-party works (a research paper, the Lena picture, a Project Gutenberg e-book, two
//! data files) under their own terms. Fetching them from where the testsuite publishes them
//! leaves that with the user, as `pip install autobahntestsuite` does.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::catalog::TestData;

/// The package on PyPI that carries the files.
pub const PACKAGE: &str = "autobahntestsuite";
/// PyPI's address; `--index` names a mirror with the same JSON API.
pub const PYPI: &str = "https://pypi.org";

/// What is fetched, pinned: the package version, its source distribution's size and SHA-256
/// (as PyPI lists them), and each file's.
#[derive(Debug, Clone)]
pub struct Pins {
    /// The package version.
    pub version: String,
    /// The source distribution's size in octets.
    pub sdist_size: u64,
    /// The source distribution's SHA-256, hex.
    pub sdist_sha256: String,
    /// Each file: name in `autobahntestsuite/testdata`, size, SHA-256 (hex).
    pub files: Vec<(String, u64, String)>,
}

/// Every test data file.
pub const FILES: [TestData; 5] = [
    TestData::JsonData1,
    TestData::Lena512,
    TestData::GutenbergFaust,
    TestData::HtmlData1,
    TestData::Ooms,
];

impl Pins {
    /// The testsuite's release 25.10.1 (the files are the same as in 0.8.2 and in kosoku's
    /// copy: checked by SHA-256).
    pub fn testsuite() -> Pins {
        let sha = |d: TestData| match d {
            TestData::JsonData1 => {
                "2d4f69f2249ec38381b5e8ff343591c8e9f3b40e1fcfdedb7416c4fbaf9a6113"
            }
            TestData::Lena512 => "bf3cbab2ad746926aec4e5703dcbd2ff0bff77b238541216fb33f154474aff6c",
            TestData::GutenbergFaust => {
                "c4bc81788bdfd371fc930a3d4eaacd75a0fb717a2560e7d15bc7f6663f6d382b"
            }
            TestData::HtmlData1 => {
                "bbd18f60e537503f35ef6113a83550e6233f223300cbff5f36f13f33d70de36f"
            }
            TestData::Ooms => "8b9a98c6b4fad919ba67ece520ee1e66181ce409bc0799bbf46887977db94247",
        };
        Pins {
            version: "25.10.1".into(),
            sdist_size: 1_215_878,
            sdist_sha256: "b083d6e15330fc16f3e5f0975cce2b15f21bfa0c6db09547316b1852c6dbd6df".into(),
            files: FILES
                .iter()
                .map(|&d| (d.file().to_string(), d.size() as u64, sha(d).to_string()))
                .collect(),
        }
    }
}

/// Why fetching failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// An HTTP request failed.
    #[error("cannot get {url}")]
    Http {
        /// The URL.
        url: String,
        /// ureq's error.
        #[source]
        source: Box<ureq::Error>,
    },
    /// PyPI's answer is not what was expected.
    #[error("{url}: {why}")]
    Index {
        /// The URL asked.
        url: String,
        /// What is wrong.
        why: String,
    },
    /// A download or a file in it is not the pinned one.
    #[error("{what} is not the testsuite's: {why}")]
    Mismatch {
        /// The package or the file.
        what: String,
        /// Size or hash.
        why: String,
    },
    /// The package could not be unpacked, or the files not written.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// `$XDG_CACHE_HOME/wsreport/testdata`, else `~/.cache/wsreport/testdata`; `None` without
/// either variable.
pub fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("wsreport").join("testdata"))
}

/// The cache directory when it holds every file at its size (what `fetch` left there).
pub fn cached() -> Option<PathBuf> {
    let dir = cache_dir()?;
    FILES
        .iter()
        .all(|d| std::fs::metadata(dir.join(d.file())).is_ok_and(|m| m.len() == d.size() as u64))
        .then_some(dir)
}

fn hex_sha256(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn check(what: &str, data: &[u8], size: u64, sha256: &str) -> Result<(), FetchError> {
    let mismatch = |why: String| FetchError::Mismatch {
        what: what.to_string(),
        why,
    };
    if data.len() as u64 != size {
        return Err(mismatch(format!("{} octets, expected {size}", data.len())));
    }
    let got = hex_sha256(data);
    if got != sha256 {
        return Err(mismatch(format!("SHA-256 {got}, expected {sha256}")));
    }
    Ok(())
}

fn get(agent: &ureq::Agent, url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
    let http = |source: ureq::Error| FetchError::Http {
        url: url.to_string(),
        source: Box::new(source),
    };
    agent
        .get(url)
        .call()
        .map_err(http)?
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(http)
}

/// Fetches the files `pins` names from the package's source distribution, as the index at
/// `index` (PyPI's JSON API: `/pypi/NAME/json`, `releases`) lists it, into `dest` (created when
/// missing). Every download and file is checked against `pins` before anything is written;
/// each file is written beside its place and then renamed into it. Returns the source
/// distribution's URL.
pub fn fetch(index: &str, pins: &Pins, dest: &Path) -> Result<String, FetchError> {
    // the system's roots (a proxy's CA included), not only Mozilla's
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
        .build();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    // the project's listing (every release), which mirrors serve more often than a release's
    let listing = format!("{}/pypi/{PACKAGE}/json", index.trim_end_matches('/'));
    let json = get(&agent, &listing, 4 << 20)?;
    let index_err = |why: &str| FetchError::Index {
        url: listing.clone(),
        why: why.to_string(),
    };
    let json: serde_json::Value =
        serde_json::from_slice(&json).map_err(|_| index_err("not JSON"))?;
    let sdist = json["releases"][&pins.version]
        .as_array()
        .and_then(|files| files.iter().find(|u| u["packagetype"] == "sdist"))
        .ok_or_else(|| {
            index_err(&format!(
                "no source distribution of {PACKAGE} {} listed",
                pins.version
            ))
        })?;
    if sdist["digests"]["sha256"].as_str() != Some(pins.sdist_sha256.as_str()) {
        return Err(index_err(&format!(
            "the source distribution listed has SHA-256 {}, expected {}",
            sdist["digests"]["sha256"], pins.sdist_sha256
        )));
    }
    let url = sdist["url"]
        .as_str()
        .ok_or_else(|| index_err("the source distribution has no url"))?
        .to_string();
    let package = get(&agent, &url, pins.sdist_size + 1)?;
    check(&url, &package, pins.sdist_size, &pins.sdist_sha256)?;

    let io = |what: String| move |source| FetchError::Io { what, source };
    let mut found: Vec<Option<Vec<u8>>> = vec![None; pins.files.len()];
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(package.as_slice()));
    for entry in archive
        .entries()
        .map_err(io(format!("cannot unpack {url}")))?
    {
        let mut entry = entry.map_err(io(format!("cannot unpack {url}")))?;
        let path = entry.path().map_err(io(format!("cannot unpack {url}")))?;
        // NAME-VERSION/autobahntestsuite/testdata/FILE
        let inside: PathBuf = path.components().skip(1).collect();
        let Some(name) = inside
            .strip_prefix("autobahntestsuite/testdata")
            .ok()
            .and_then(|p| p.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        if let Some(i) = pins.files.iter().position(|(n, _, _)| *n == name) {
            let mut data = Vec::new();
            entry
                .read_to_end(&mut data)
                .map_err(io(format!("cannot unpack {name} from {url}")))?;
            found[i] = Some(data);
        }
    }
    for ((name, size, sha256), data) in pins.files.iter().zip(&found) {
        let data = data.as_ref().ok_or_else(|| FetchError::Mismatch {
            what: url.clone(),
            why: format!("no autobahntestsuite/testdata/{name} in it"),
        })?;
        check(name, data, *size, sha256)?;
    }
    std::fs::create_dir_all(dest).map_err(io(format!("cannot create {}", dest.display())))?;
    for ((name, _, _), data) in pins.files.iter().zip(found) {
        let path = dest.join(name);
        let part = dest.join(format!(".{name}.part"));
        std::fs::write(&part, data.unwrap_or_default())
            .and_then(|()| std::fs::rename(&part, &path))
            .map_err(io(format!("cannot write {}", path.display())))?;
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pins_name_every_file_the_cases_take_at_its_size() {
        let pins = Pins::testsuite();
        assert_eq!(pins.files.len(), 5);
        for d in FILES {
            let (_, size, sha) = pins.files.iter().find(|(n, _, _)| n == d.file()).unwrap();
            assert_eq!(*size, d.size() as u64);
            assert_eq!(sha.len(), 64);
        }
        assert_eq!(
            hex_sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
