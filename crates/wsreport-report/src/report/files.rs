//! Writing report files safely: one file name per agent, never through a link.
//!
//! The testsuite names case files after the agent with everything but letters and digits
//! folded to `_` ([`crate::model::case_file_stem`]), so `a/b`, `A B` and `a_b` share one name,
//! and `''`, `.` and `..` share another: written as they are, one agent's files would replace
//! another's and the index would point both at the same data. [`Stems`] keeps the testsuite's
//! name for the first agent that gets it and suffixes the others (`a_b_2`), and bounds the
//! agent part so that a very long agent name cannot make a file name the file system refuses.
//!
//! [`write_file`] never follows a symbolic link already present at the target (an output
//! directory someone else can write into could otherwise redirect a write anywhere), and
//! [`subdir`] never descends through one.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::model::{CaseId, agent_file_stem};

/// The longest agent part of a file name, in octets (file names stop at 255 octets; the rest
/// is `_case_` and the id, and a suffix when two agents fold to one name).
pub const MAX_AGENT_STEM: usize = 120;

/// Unique file-name stems for the agents of one output directory.
#[derive(Debug, Default)]
pub struct Stems {
    /// Agent part given to each agent, in the order agents were seen.
    given: Vec<(String, String)>,
    /// Agent parts in use.
    used: HashSet<String>,
}

impl Stems {
    /// No agents yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The agent part of `agent`'s file names: the testsuite's, cut to [`MAX_AGENT_STEM`]
    /// octets, with `_2`, `_3`, … when another agent of this directory already has it.
    pub fn agent(&mut self, agent: &str) -> String {
        if let Some((_, part)) = self.given.iter().find(|(a, _)| a == agent) {
            return part.clone();
        }
        let mut base = agent_file_stem(agent);
        base.truncate(MAX_AGENT_STEM); // ASCII only: any cut is a character boundary
        let mut part = base.clone();
        let mut n = 2;
        while self.used.contains(&part) {
            part = format!("{base}_{n}");
            n += 1;
        }
        self.used.insert(part.clone());
        self.given.push((agent.to_string(), part.clone()));
        part
    }

    /// The stem of `agent`'s file for case `id`: `<agent part>_case_<id>`.
    pub fn case(&mut self, agent: &str, id: &CaseId) -> String {
        format!("{}_case_{}", self.agent(agent), id.file_stem())
    }
}

/// Writes `bytes` to `path`, replacing a regular file there but refusing a symbolic link
/// (it is not followed) or anything else that is not a regular file.
pub fn write_file(path: &Path, bytes: impl AsRef<[u8]>) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(
            (rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK).bits() as i32,
        );
    }
    #[cfg(not(unix))]
    if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(not_followed());
    }
    let mut file = options.open(path).map_err(|e| {
        let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if is_link { not_followed() } else { e }
    })?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("not a regular file; not written"));
    }
    file.write_all(bytes.as_ref())
}

fn not_followed() -> io::Error {
    io::Error::other("a symbolic link is there; not followed")
}

/// `base` joined with the plain components of `rel`, each created when missing; a component
/// that is a symbolic link (or not a directory) is refused, not followed. `base` itself is
/// what the user named and is created (and followed) as it is.
pub fn subdir(base: &Path, rel: &Path) -> io::Result<PathBuf> {
    fs::create_dir_all(base)?;
    let mut dir = base.to_path_buf();
    for c in rel.components() {
        let std::path::Component::Normal(name) = c else {
            continue;
        };
        dir.push(name);
        match fs::symlink_metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(m) if m.file_type().is_symlink() => return Err(not_followed()),
            Ok(_) => return Err(io::Error::other("not a directory")),
            Err(e) if e.kind() == io::ErrorKind::NotFound => fs::create_dir(&dir)?,
            Err(e) => return Err(e),
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_that_fold_to_one_name_get_their_own() {
        let mut s = Stems::new();
        let rows = [
            ("a/b", "a_b"),
            ("A B", "a_b_2"),
            ("a_b", "a_b_3"),
            ("a b 2", "a_b_2_2"),
            ("", ""),
            (".", "_2"),
            ("..", "_3"),
            ("stratus@2", "stratus_2"),
            ("a/b", "a_b"),
        ];
        for (agent, want) in rows {
            assert_eq!(s.agent(agent), want, "{agent:?}");
        }
        let id: CaseId = "2.11".parse().unwrap();
        assert_eq!(s.case("A B", &id), "a_b_2_case_2_11");
    }

    #[test]
    fn long_agent_names_are_cut_to_a_file_name_the_system_takes() {
        let mut s = Stems::new();
        let long = "x".repeat(300);
        let a = s.agent(&long);
        assert_eq!(a.len(), MAX_AGENT_STEM);
        let b = s.agent(&format!("{long}y"));
        assert_eq!(b, format!("{a}_2"));
        let dir = tempfile::tempdir().unwrap();
        let id: CaseId = "12.1.1".parse().unwrap();
        write_file(
            &dir.path().join(format!("{}.json", s.case(&long, &id))),
            b"{}",
        )
        .unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_at_the_target_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"keep").unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(&victim, out.join("index.json")).unwrap();
        let err = write_file(&out.join("index.json"), b"new").unwrap_err();
        assert!(err.to_string().contains("not followed"), "{err}");
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        // A regular file is replaced.
        write_file(&out.join("x.json"), b"1").unwrap();
        write_file(&out.join("x.json"), b"2").unwrap();
        assert_eq!(fs::read(out.join("x.json")).unwrap(), b"2");
        // A linked subdirectory is not descended into.
        std::os::unix::fs::symlink(dir.path(), out.join("sub")).unwrap();
        assert!(subdir(&out, Path::new("sub/deeper")).is_err());
        assert!(!dir.path().join("deeper").exists());
        assert_eq!(
            subdir(&out, Path::new("a/b")).unwrap(),
            out.join("a").join("b")
        );
    }
}
