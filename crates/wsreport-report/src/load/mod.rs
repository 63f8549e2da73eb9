//! Finding and reading reports: what a path names, which files to read, and the errors that
//! name the file and the problem.
//!
//! A path may be a report directory (`reports/servers`), a parent holding several (`reports/`),
//! an `index.json` or `index.html`, or one case file (JSON, HTML page, or page text copied
//! from a browser). When a directory has both forms, JSON is used; HTML fills in for what is
//! missing (a directory with `index.html` only, a case whose JSON file is absent). The index is read first; case files are read only when a
//! command needs them ([`load_case`]). Every bad file becomes one [`LoadError`] and the other
//! files are still read.

mod fast;
pub mod file;
pub mod html;
pub mod json;
pub mod pyrepr;
pub mod text;

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::model::{AgentRun, Case, CaseEntry, CaseId, Report, Verdict, case_file_stem};

/// A file or directory that could not be read, and why. Displays as one line naming the path.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file system refused.
    #[error("{}: cannot read", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Not a regular file, or larger than [`file::max_file_size`]: not read.
    #[error("{}", path.display())]
    Refused {
        /// The path.
        path: PathBuf,
        /// Why.
        source: file::ReadError,
    },
    /// The JSON is broken or has a field of the wrong type.
    #[error("{}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The problem.
        source: json::JsonError,
    },
    /// A `reportfile` names a file outside the report directory; it was not opened.
    #[error(
        "{}: agent {agent:?} case {case}: reportfile {reportfile:?} points outside the report directory; refused",
        path.display()
    )]
    Outside {
        /// The index that holds the entry.
        path: PathBuf,
        /// The agent.
        agent: String,
        /// The case.
        case: CaseId,
        /// What the index said.
        reportfile: String,
    },
    /// A case file found in a directory listing is a symbolic link that leads outside the
    /// directory; it was not opened.
    #[error("{}: a symbolic link that leads outside the report directory; refused", path.display())]
    OutsideLink {
        /// The link.
        path: PathBuf,
    },
    /// The index names a case file that is not there.
    #[error("{}: case file missing (agent {agent:?} case {case})", path.display())]
    MissingCase {
        /// The file that should exist.
        path: PathBuf,
        /// The agent.
        agent: String,
        /// The case.
        case: CaseId,
    },
    /// A second case file for an agent and case already read from another file: left out.
    #[error(
        "{}: agent {agent:?} case {case} is already in {}; this file is left out",
        path.display(),
        first.display()
    )]
    Duplicate {
        /// The file left out.
        path: PathBuf,
        /// The agent.
        agent: String,
        /// The case.
        case: CaseId,
        /// The file that was used.
        first: PathBuf,
    },
    /// A page (case page, page text, `index.html`) that is not UTF-8: the testsuite writes
    /// UTF-8 (with encoded surrogates), so anything else is not its page, and reading it
    /// would put U+FFFD where the bytes were.
    #[error("{}: not valid UTF-8 (first bad byte at offset {offset})", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Offset of the first byte that is not UTF-8.
        offset: usize,
    },
    /// A case file lacks what identifies it.
    #[error("{}: not an Autobahn case file: {problem}", path.display())]
    NotACase {
        /// The file.
        path: PathBuf,
        /// What is missing.
        problem: String,
    },
    /// A case page that does not read (not an Autobahn page, cut off half way, …).
    #[error("{}", path.display())]
    Page {
        /// The file.
        path: PathBuf,
        /// The problem.
        source: html::PageError,
    },
    /// An `index.html` that does not read.
    #[error("{}", path.display())]
    Index {
        /// The file.
        path: PathBuf,
        /// The problem.
        source: html::IndexError,
    },
    /// Nothing that looks like a report.
    #[error(
        "{}: no Autobahn report here (no index.json, index.html or case files)",
        path.display()
    )]
    NoReport {
        /// The directory.
        path: PathBuf,
    },
}

impl LoadError {
    /// The file or directory the error is about.
    pub fn path(&self) -> &Path {
        match self {
            LoadError::Io { path, .. }
            | LoadError::Refused { path, .. }
            | LoadError::Json { path, .. }
            | LoadError::Outside { path, .. }
            | LoadError::MissingCase { path, .. }
            | LoadError::Duplicate { path, .. }
            | LoadError::NotUtf8 { path, .. }
            | LoadError::OutsideLink { path }
            | LoadError::NotACase { path, .. }
            | LoadError::Page { path, .. }
            | LoadError::Index { path, .. }
            | LoadError::NoReport { path } => path,
        }
    }

    /// The problem without the path.
    pub fn problem(&self) -> String {
        let line = crate::text::error_chain(self);
        let prefix = format!("{}: ", self.path().display());
        line.strip_prefix(&prefix).unwrap_or(&line).to_string()
    }
}

/// Reports found under the paths the user named, and every error met on the way.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Reports, in the order the paths were given (subdirectories by name).
    pub reports: Vec<Report>,
    /// One entry per file that could not be read.
    pub errors: Vec<LoadError>,
}

/// Reads every path; see the module documentation for what a path may name.
pub fn load_paths(paths: &[PathBuf]) -> Loaded {
    let mut loaded = Loaded::default();
    for p in paths {
        let before = loaded.reports.len();
        load_into(p, MAX_DEPTH, &mut loaded);
        if loaded.reports.len() == before && fs::metadata(p).is_ok_and(|m| m.is_dir()) {
            let quiet = loaded.errors.iter().any(|e| e.path().starts_with(p));
            if !quiet {
                loaded.errors.push(LoadError::NoReport { path: p.clone() });
            }
        }
    }
    loaded
}

/// Reads a report file: regular files only, at most [`file::max_file_size`] octets.
fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    file::read_regular(path).map_err(|e| match e {
        file::ReadError::Io(source) => LoadError::Io {
            path: path.to_path_buf(),
            source,
        },
        source => LoadError::Refused {
            path: path.to_path_buf(),
            source,
        },
    })
}

/// Refuses page bytes that are not UTF-8 (JSON says so itself, see [`json::parse_bytes`]).
fn utf8_page(path: &Path, bytes: &[u8]) -> Result<(), LoadError> {
    match crate::text::first_bad_byte(bytes) {
        None => Ok(()),
        Some(offset) => Err(LoadError::NotUtf8 {
            path: path.to_path_buf(),
            offset,
        }),
    }
}

/// What a case file holds, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseFormat {
    /// Case JSON.
    Json,
    /// A case HTML page.
    Html,
    /// A case page's text as a browser copies it.
    PageText,
}

/// Judges a case file's format from its content: JSON starts with `{`, a page with `<`.
pub fn sniff(bytes: &[u8]) -> CaseFormat {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    match start.map(|i| bytes[i]) {
        Some(b'{') | Some(b'[') => CaseFormat::Json,
        Some(b'<') => CaseFormat::Html,
        _ => CaseFormat::PageText,
    }
}

/// Reads one case file: JSON, an HTML page or page text (see [`sniff`]).
pub fn read_case_file(path: &Path) -> Result<Case, LoadError> {
    let bytes = read(path)?;
    let page_error = |source| LoadError::Page {
        path: path.to_path_buf(),
        source,
    };
    let format = sniff(&bytes);
    if format != CaseFormat::Json {
        utf8_page(path, &bytes)?;
    }
    match format {
        CaseFormat::Json => json::parse_case(&bytes).map_err(|source| LoadError::Json {
            path: path.to_path_buf(),
            source,
        }),
        CaseFormat::Html => html::parse_case_page(&bytes)
            .map(|p| p.case)
            .map_err(page_error),
        CaseFormat::PageText => text::parse_page_text(&crate::text::decode_page(&bytes))
            .map(|p| p.case)
            .map_err(page_error),
    }
}

fn is_case_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if !name.contains("_case_") {
        return false;
    }
    match p.extension().and_then(|e| e.to_str()) {
        Some("json") => true,
        // A page counts only when its JSON twin is absent: JSON is preferred.
        Some("html") => !p.with_extension("json").is_file(),
        _ => false,
    }
}

/// How many directory levels below a named path are searched for reports.
const MAX_DEPTH: usize = 4;

fn load_into(path: &Path, depth: usize, out: &mut Loaded) {
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(source) => {
            out.errors.push(LoadError::Io {
                path: path.to_path_buf(),
                source,
            });
            return;
        }
    };
    if meta.is_file() {
        let dir = parent_dir(path);
        if path.file_name().is_some_and(|n| n == "index.json") {
            load_index(path, &dir, path, out);
        } else if path.file_name().is_some_and(|n| n == "index.html") {
            load_index_html(path, &dir, path, out);
        } else {
            load_single_case(path, &dir, out);
        }
        return;
    }
    if !meta.is_dir() {
        // A FIFO or a device named on the command line: never opened.
        out.errors.push(LoadError::Refused {
            path: path.to_path_buf(),
            source: file::ReadError::NotAFile(file::kind(meta.file_type())),
        });
        return;
    }
    // An index that is there but not a regular file (a FIFO, a device) is refused by `read`,
    // in one line, rather than passed over in silence.
    if fs::symlink_metadata(path.join("index.json")).is_ok() {
        load_index(&path.join("index.json"), path, path, out);
        return;
    }
    if path.join("index.html").is_file() {
        load_index_html(&path.join("index.html"), path, path, out);
        return;
    }
    let mut case_files = Vec::new();
    let mut subdirs = Vec::new();
    match fs::read_dir(path) {
        Ok(entries) => {
            for e in entries.flatten() {
                let p = e.path();
                if p.is_dir() {
                    subdirs.push(p);
                } else if is_case_file(&p) {
                    if stays_inside(path, &p, false) {
                        case_files.push(p);
                    } else {
                        out.errors.push(LoadError::OutsideLink { path: p });
                    }
                }
            }
        }
        Err(source) => {
            out.errors.push(LoadError::Io {
                path: path.to_path_buf(),
                source,
            });
            return;
        }
    }
    if !case_files.is_empty() {
        case_files.sort();
        load_from_case_files(path, &case_files, out);
        return;
    }
    subdirs.sort();
    if depth > 0 {
        for d in subdirs {
            load_into(&d, depth - 1, out);
        }
    }
}

fn parent_dir(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn load_index(index: &Path, dir: &Path, named: &Path, out: &mut Loaded) {
    let parsed = read(index).and_then(|bytes| {
        json::parse_index(&bytes).map_err(|source| LoadError::Json {
            path: index.to_path_buf(),
            source,
        })
    });
    let (agents, problems) = match parsed {
        Ok(p) => p,
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    out.errors
        .extend(problems.into_iter().map(|source| LoadError::Json {
            path: index.to_path_buf(),
            source,
        }));
    let mut report = Report {
        path: named.to_path_buf(),
        dir: dir.to_path_buf(),
        mode: None,
        testsuite: None,
        agents,
    };
    probe(&mut report, out);
    out.reports.push(report);
}

/// Reads `index.html`. What the index does not show (the duration when the case did not
/// report it, the close of an UNIMPLEMENTED case, its link) is taken from the case page.
fn load_index_html(index: &Path, dir: &Path, named: &Path, out: &mut Loaded) {
    let bytes = match read(index).and_then(|b| utf8_page(index, &b).map(|()| b)) {
        Ok(b) => b,
        Err(e) => {
            out.errors.push(e);
            return;
        }
    };
    let cells = match html::parse_index(&bytes) {
        Ok(c) => c,
        Err(source) => {
            out.errors.push(LoadError::Index {
                path: index.to_path_buf(),
                source,
            });
            return;
        }
    };
    let mut report = Report {
        path: named.to_path_buf(),
        dir: dir.to_path_buf(),
        mode: None,
        testsuite: None,
        agents: Vec::new(),
    };
    let mut filled = Vec::with_capacity(cells.len());
    for mut cell in cells {
        if cell.entry.reportfile.is_none() {
            cell.entry.reportfile = Some(format!(
                "{}.html",
                case_file_stem(&cell.agent, &cell.entry.id)
            ));
        }
        // Close cells that show a word (Unclean, Fail) instead of a code hide the code.
        let needs_page =
            !cell.shows_duration || !cell.shows_close || cell.entry.remote_close_code.is_none();
        let page = case_path(&report, &cell.agent, &cell.entry)
            .ok()
            .filter(|p| needs_page && p.is_file());
        if let Some(page) = page {
            match read_case_file(&page) {
                Ok(case) => {
                    cell.entry.duration_ms = case.duration_ms.unwrap_or(0);
                    cell.entry.remote_close_code = case.closing.remote_close_code;
                    if !cell.shows_close
                        && let Some(v) = case.behavior_close
                    {
                        cell.entry.behavior_close = v;
                    }
                }
                Err(e) => out.errors.push(e),
            }
        }
        filled.push(cell);
    }
    report.agents = html::index_runs(&filled);
    probe(&mut report, out);
    out.reports.push(report);
}

/// Learns the mode and testsuite version from the first case file that is there. Missing or
/// refused files are left to [`check_case_files`]; a broken one is reported.
fn probe(report: &mut Report, out: &mut Loaded) {
    let present = report.agents.iter().find_map(|a| {
        a.cases.iter().find_map(|e| {
            case_path(report, &a.agent, e)
                .ok()
                .filter(|p| p.is_file())
                .map(|p| (p, a.agent.clone()))
        })
    });
    if let Some((path, _agent)) = present {
        match read_case_file(&path) {
            Ok(case) => {
                report.mode = case.mode();
                report.testsuite = case.testsuite();
            }
            Err(e) => out.errors.push(e),
        }
    }
}

fn load_single_case(path: &Path, dir: &Path, out: &mut Loaded) {
    match read_case_file(path).and_then(|case| {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let entry = case.entry(name).ok_or_else(|| LoadError::NotACase {
            path: path.to_path_buf(),
            problem: "no id, behavior or behaviorClose".into(),
        })?;
        Ok((case, entry))
    }) {
        Ok((case, entry)) => out.reports.push(Report {
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
            mode: case.mode(),
            testsuite: case.testsuite(),
            agents: vec![AgentRun {
                agent: case.agent.clone(),
                cases: vec![entry],
            }],
        }),
        Err(e) => out.errors.push(e),
    }
}

fn load_from_case_files(dir: &Path, files: &[PathBuf], out: &mut Loaded) {
    let mut agents: Vec<AgentRun> = Vec::new();
    // Which file gave each agent's case, to say so when another file gives it again.
    let mut from: rustc_hash::FxHashMap<(String, CaseId), PathBuf> = Default::default();
    let mut report = Report {
        path: dir.to_path_buf(),
        dir: dir.to_path_buf(),
        mode: None,
        testsuite: None,
        agents: Vec::new(),
    };
    for f in files {
        let case = match read_case_file(f) {
            Ok(c) => c,
            Err(e) => {
                out.errors.push(e);
                continue;
            }
        };
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned());
        let Some(entry) = case.entry(name) else {
            out.errors.push(LoadError::NotACase {
                path: f.clone(),
                problem: "no id, behavior or behaviorClose".into(),
            });
            continue;
        };
        let key = (case.agent.clone(), entry.id.clone());
        if let Some(first) = from.get(&key) {
            out.errors.push(LoadError::Duplicate {
                path: f.clone(),
                agent: key.0,
                case: key.1,
                first: first.clone(),
            });
            continue;
        }
        from.insert(key, f.clone());
        if report.mode.is_none() {
            report.mode = case.mode();
        }
        if report.testsuite.is_none() {
            report.testsuite = case.testsuite();
        }
        match agents.iter_mut().find(|a| a.agent == case.agent) {
            Some(a) => a.cases.push(entry),
            None => agents.push(AgentRun {
                agent: case.agent.clone(),
                cases: vec![entry],
            }),
        }
    }
    for a in &mut agents {
        a.cases.sort_by(|x, y| x.id.cmp(&y.id));
    }
    agents.sort_by(|a, b| a.agent.cmp(&b.agent));
    report.agents = agents;
    out.reports.push(report);
}

/// Where an entry's case file is, refusing any `reportfile` that would leave the report
/// directory (absolute, `..`, or a symbolic link that points elsewhere). Nothing is opened.
pub fn case_path(report: &Report, agent: &str, entry: &CaseEntry) -> Result<PathBuf, LoadError> {
    case_path_in(&report.dir, agent, entry)
}

/// [`case_path`] for a report directory.
pub fn case_path_in(dir: &Path, agent: &str, entry: &CaseEntry) -> Result<PathBuf, LoadError> {
    let index = dir.join("index.json");
    let Some(name) = &entry.reportfile else {
        return Err(LoadError::MissingCase {
            path: index,
            agent: agent.to_string(),
            case: entry.id.clone(),
        });
    };
    let outside = || LoadError::Outside {
        path: index.clone(),
        agent: agent.to_string(),
        case: entry.id.clone(),
        // A name longer than any path is shown cut: the error line stays one line.
        reportfile: if name.len() > MAX_NAME {
            format!("{}…", name.chars().take(80).collect::<String>())
        } else {
            name.clone()
        },
    };
    let rel = Path::new(name);
    if name.is_empty()
        || name.len() > MAX_NAME
        || !rel.components().all(|c| matches!(c, Component::Normal(_)))
    {
        return Err(outside());
    }
    let path = dir.join(rel);
    if !stays_inside(dir, &path, rel.components().count() > 1) {
        return Err(outside());
    }
    Ok(path)
}

/// The longest `reportfile` looked for: Linux's `PATH_MAX`. A longer one names no file.
const MAX_NAME: usize = 4096;

/// Whether `path` (`dir` joined with a relative name of plain components) resolves inside
/// `dir`. Only a symbolic link can lead elsewhere once `..` and absolute names are refused:
/// the file itself, or, when the name has several components (`sub/x.json`), any directory
/// on the way, so then the real path is resolved. A file that is not there is inside when
/// its resolved parent is (nothing is opened either way).
fn stays_inside(dir: &Path, path: &Path, nested: bool) -> bool {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link && !nested {
        return true;
    }
    let Ok(root) = dir.canonicalize() else {
        return false;
    };
    match path.canonicalize() {
        Ok(real) => real.starts_with(&root),
        // A dangling link leads nowhere it may go.
        Err(_) if is_link => false,
        Err(_) => path
            .parent()
            .and_then(|p| p.canonicalize().ok())
            .is_none_or(|real| real.starts_with(&root)),
    }
}

/// Reads the case file of one index entry; when its JSON file is absent, the case page
/// next to it. A page cannot tell UNIMPLEMENTED from FAILED (it says `Fail`), so the
/// index's word is kept then.
pub fn load_case(report: &Report, agent: &str, entry: &CaseEntry) -> Result<Case, LoadError> {
    load_case_in(&report.dir, agent, entry)
}

/// [`load_case`] for a report directory.
pub fn load_case_in(dir: &Path, agent: &str, entry: &CaseEntry) -> Result<Case, LoadError> {
    let mut path = case_path_in(dir, agent, entry)?;
    if !path.exists() && path.extension().is_some_and(|e| e == "json") {
        let page = path.with_extension("html");
        // The page twin is held to the same rule as the name the index gave.
        let nested = entry
            .reportfile
            .as_deref()
            .is_some_and(|n| Path::new(n).components().count() > 1);
        if page.is_file() && stays_inside(dir, &page, nested) {
            path = page;
        }
    }
    if !path.exists() {
        return Err(LoadError::MissingCase {
            path,
            agent: agent.to_string(),
            case: entry.id.clone(),
        });
    }
    let mut case = read_case_file(&path)?;
    if path.extension().is_some_and(|e| e != "json")
        && case.behavior == Some(Verdict::Failed)
        && entry.behavior == Verdict::Unimplemented
    {
        case.behavior = Some(Verdict::Unimplemented);
    }
    Ok(case)
}

/// Checks, without reading them, that every case file the index names is inside the report
/// directory and exists. One directory listing serves the whole index.
pub fn check_case_files(report: &Report) -> Vec<LoadError> {
    let mut listed: rustc_hash::FxHashMap<&[u8], Listed> = rustc_hash::FxHashMap::default();
    listed.reserve(report.agents.iter().map(|a| a.cases.len()).sum());
    for entry in report.agents.iter().flat_map(|a| &a.cases) {
        if let Some(name) = plain_name(entry) {
            listed.insert(name.as_bytes(), Listed::Absent);
        }
    }
    each_dir_entry(&report.dir, |name, listing| {
        if let Some(l) = listed.get_mut(name) {
            *l = listing;
        }
    });
    let mut errors = Vec::new();
    for run in &report.agents {
        for entry in &run.cases {
            let present = match plain_name(entry).map(|n| listed.get(n.as_bytes())) {
                Some(Some(Listed::File)) => true,
                Some(Some(Listed::Absent)) => false,
                // links, subdirectories, unknown types and refusals take the careful path
                _ => match case_path(report, &run.agent, entry) {
                    Ok(p) => match fs::metadata(&p) {
                        Ok(m) if m.is_file() => true,
                        Ok(m) => {
                            errors.push(LoadError::Refused {
                                path: p,
                                source: file::ReadError::NotAFile(file::kind(m.file_type())),
                            });
                            continue;
                        }
                        Err(_) => false,
                    },
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                },
            };
            if !present {
                errors.push(LoadError::MissingCase {
                    path: report
                        .dir
                        .join(entry.reportfile.as_deref().unwrap_or_default()),
                    agent: run.agent.clone(),
                    case: entry.id.clone(),
                });
            }
        }
    }
    errors
}

/// The entry's `reportfile` when it is a plain file name, which a listing can answer for.
fn plain_name(entry: &CaseEntry) -> Option<&str> {
    entry.reportfile.as_deref().filter(|n| {
        !n.is_empty() && n.len() <= MAX_NAME && !n.contains(['/', '\\']) && *n != "." && *n != ".."
    })
}

/// What a directory listing says about a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listed {
    /// Not in the listing (or the directory could not be listed).
    Absent,
    /// A regular file.
    File,
    /// Anything else: a link, a directory, a type the file system does not tell.
    Other,
}

/// Calls `each` with the name of every entry of `dir` and what it is; stops at the first
/// error. Linux: `getdents64` into one buffer, no allocation per entry (a testsuite directory
/// holds about 2000 names, and listing them is most of an index-only summary's time).
#[cfg(target_os = "linux")]
fn each_dir_entry(dir: &Path, mut each: impl FnMut(&[u8], Listed)) {
    use rustix::fs::{FileType, RawDir};
    let Ok(file) = fs::File::open(dir) else {
        return;
    };
    let mut buf = Vec::with_capacity(LISTING_BUFFER);
    let mut entries = RawDir::new(&file, buf.spare_capacity_mut());
    while let Some(Ok(e)) = entries.next() {
        let listing = match e.file_type() {
            FileType::RegularFile => Listed::File,
            _ => Listed::Other,
        };
        each(e.file_name().to_bytes(), listing);
    }
}

/// [`each_dir_entry`] through the standard library elsewhere.
#[cfg(not(target_os = "linux"))]
fn each_dir_entry(dir: &Path, mut each: impl FnMut(&[u8], Listed)) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let listing = match e.file_type() {
            Ok(t) if t.is_file() => Listed::File,
            _ => Listed::Other,
        };
        each(e.file_name().as_encoded_bytes(), listing);
    }
}

/// Bytes asked of each `getdents64` call.
#[cfg(target_os = "linux")]
const LISTING_BUFFER: usize = 32 * 1024;
