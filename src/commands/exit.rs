//! The exit statuses of every command, in one place (quoted by the README). The binary alone
//! chooses them: library calls return values and errors.

/// What a command's exit status means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done; every input read; the gate (if any) passed.
    Success = 0,
    /// 1: the gate failed (`check`, `run --policy`): cases fail the policy or regressed.
    GateFailed = 1,
    /// 2: usage error, or some input could not be read (each problem printed on stderr).
    Error = 2,
}

impl ExitStatus {
    /// The numeric status.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl ExitStatus {
    /// 0 when every input was read, else 2.
    pub fn from_errors(all_read: bool) -> ExitStatus {
        if all_read {
            ExitStatus::Success
        } else {
            ExitStatus::Error
        }
    }
}
