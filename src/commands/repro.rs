//! `wsreport repro`: a case file (or a catalog case) written as a standalone Python script.

use std::path::Path;

use anyhow::Context;
use wsreport::model::CaseId;
use wsreport::replay::Role;
use wsreport::reproduce::{Reproduction, python};

use super::exit::ExitStatus;
use super::{note, print};

/// Writes the script; 0 when written, 2 (an `Err`) when the case cannot be read or scripted.
pub(crate) fn run(case: &str, out: &Path) -> anyhow::Result<ExitStatus> {
    let path = Path::new(case);
    let plan = if path.is_file() {
        let report = wsreport::load::read_case_file(path)?;
        Reproduction::new(report).with_context(|| format!("{}", path.display()))?
    } else {
        let id: CaseId = case
            .parse()
            .with_context(|| format!("`{case}` is neither a case file nor a case id"))?;
        Reproduction::from_catalog(&id, Role::Client)?
    };
    let text = python::script(&plan)?;
    if out == Path::new("-") {
        print(&text);
        return Ok(ExitStatus::Success);
    }
    std::fs::write(out, &text).with_context(|| format!("cannot write {}", out.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o755));
    }
    for n in &plan.notes {
        note(&format!("{}: {n}", plan.def.id));
    }
    let how = match plan.role {
        Role::Client => "ws://HOST:PORT/path",
        Role::Server => "--listen PORT",
    };
    note(&format!(
        "wrote {}: run `python3 {} {how}`",
        out.display(),
        out.display()
    ));
    Ok(ExitStatus::Success)
}
