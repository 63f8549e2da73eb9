//! The one answer to "does this case pass?": named pass policies judging a case's `behavior`
//! and `behaviorClose` together, used by every command (`check`, `compare`, `run`, `replay`,
//! `explain`).
//!
//! The parser keeps every verdict word (unknown ones as [`Verdict::Other`]); only a policy
//! decides what counts as failure. Every policy judges both verdicts.
//!
//! | policy | passes |
//! |---|---|
//! | `strict` | `OK`/`OK`, or `INFORMATIONAL`/`INFORMATIONAL` |
//! | `rfc` | behaviour `OK`, `NON-STRICT` or `INFORMATIONAL`; close `OK` or `INFORMATIONAL` |
//! | `lenient` | anything but `FAILED`, `WRONG CODE`, `UNCLEAN`, `FAILED BY CLIENT` |
//!
//! Unknown words fail under `strict` and `rfc` (a new word is not known to be good) and pass
//! under `lenient` (which names what fails). `UNIMPLEMENTED` is decided by the
//! [`Unimplemented`] switch before the policy looks at anything else.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::model::{CaseId, Verdict};

/// Which pass policy judges the cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyName {
    /// `OK`/`OK` or `INFORMATIONAL`/`INFORMATIONAL`.
    Strict,
    /// What RFC 6455 allows: `NON-STRICT` behaviour passes, the close must be `OK`.
    #[default]
    Rfc,
    /// Fails only on `FAILED`, `WRONG CODE`, `UNCLEAN`, `FAILED BY CLIENT`.
    Lenient,
}

impl PolicyName {
    /// The name as the command line spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyName::Strict => "strict",
            PolicyName::Rfc => "rfc",
            PolicyName::Lenient => "lenient",
        }
    }

    /// What passing means, in a few words, for failure reasons: `OK/OK`.
    pub fn expectation(self) -> &'static str {
        match self {
            PolicyName::Strict => "OK/OK or INFORMATIONAL/INFORMATIONAL",
            PolicyName::Rfc => "OK/OK",
            PolicyName::Lenient => "no FAILED, WRONG CODE, UNCLEAN or FAILED BY CLIENT",
        }
    }
}

impl fmt::Display for PolicyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A policy name that is not one of `strict`, `rfc`, `lenient`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown policy `{0}` (expected strict, rfc or lenient)")]
pub struct UnknownPolicy(pub String);

impl FromStr for PolicyName {
    type Err = UnknownPolicy;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "strict" => Ok(PolicyName::Strict),
            "rfc" => Ok(PolicyName::Rfc),
            "lenient" => Ok(PolicyName::Lenient),
            other => Err(UnknownPolicy(other.to_string())),
        }
    }
}

/// What to do with `UNIMPLEMENTED` behaviour (a permessage-deflate offer the peer declined).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unimplemented {
    /// The case fails, whatever the policy.
    #[default]
    Fail,
    /// The case is skipped: neither passes nor fails.
    Skip,
    /// Skipped in categories 12 and 13 (compression), failed elsewhere.
    SkipCompression,
}

impl Unimplemented {
    /// The switch as the command line spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Unimplemented::Fail => "fail",
            Unimplemented::Skip => "skip",
            Unimplemented::SkipCompression => "skip-compression",
        }
    }
}

/// How a policy judged one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Judgement {
    /// Passes.
    Pass,
    /// Fails.
    Fail,
    /// `UNIMPLEMENTED`, skipped by the [`Unimplemented`] switch.
    Skip,
}

impl Judgement {
    /// Passing or skipped: nothing to fix.
    pub fn is_ok(self) -> bool {
        !matches!(self, Judgement::Fail)
    }
}

/// A policy with its `UNIMPLEMENTED` switch: the whole rule a gate applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Policy {
    /// The named policy.
    pub name: PolicyName,
    /// The `UNIMPLEMENTED` switch.
    pub unimplemented: Unimplemented,
}

/// A verdict word with nothing to explain: `OK` or `INFORMATIONAL`. `explain` explains every
/// case with another word, `NON-STRICT` included, whatever the policy says of it.
pub fn clean(v: &Verdict) -> bool {
    matches!(v, Verdict::Ok | Verdict::Informational)
}

impl Policy {
    /// Whether the case passes (skipped cases do not): the rule `replay` exits by.
    pub fn passes(&self, id: &CaseId, behavior: &Verdict, close: &Verdict) -> bool {
        self.judge(id, behavior, close) == Judgement::Pass
    }

    /// Judges one case from its two verdicts.
    pub fn judge(&self, id: &CaseId, behavior: &Verdict, close: &Verdict) -> Judgement {
        use Verdict::*;
        if *behavior == Unimplemented {
            let skip = match self.unimplemented {
                self::Unimplemented::Fail => false,
                self::Unimplemented::Skip => true,
                self::Unimplemented::SkipCompression => matches!(id.category(), 12 | 13),
            };
            return if skip {
                Judgement::Skip
            } else {
                Judgement::Fail
            };
        }
        let pass = match self.name {
            PolicyName::Strict => {
                matches!((behavior, close), (Ok, Ok) | (Informational, Informational))
            }
            PolicyName::Rfc => {
                matches!(behavior, Ok | NonStrict | Informational)
                    && matches!(close, Ok | Informational)
            }
            PolicyName::Lenient => {
                let bad = |v: &Verdict| matches!(v, Failed | WrongCode | Unclean | FailedByClient);
                !bad(behavior) && !bad(close)
            }
        };
        if pass {
            Judgement::Pass
        } else {
            Judgement::Fail
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(policy: PolicyName, unimpl: Unimplemented, id: &str, b: &str, c: &str) -> Judgement {
        Policy {
            name: policy,
            unimplemented: unimpl,
        }
        .judge(&id.parse().unwrap(), &Verdict::parse(b), &Verdict::parse(c))
    }

    #[test]
    fn each_policy_judges_both_verdicts() {
        use Judgement::{Fail as F, Pass as P};
        // behaviour, close, strict, rfc, lenient
        let rows: &[(&str, &str, Judgement, Judgement, Judgement)] = &[
            ("OK", "OK", P, P, P),
            ("INFORMATIONAL", "INFORMATIONAL", P, P, P),
            ("OK", "INFORMATIONAL", F, P, P),
            ("NON-STRICT", "OK", F, P, P),
            ("OK", "UNCLEAN", F, F, F),
            ("OK", "WRONG CODE", F, F, F),
            ("OK", "FAILED BY CLIENT", F, F, F),
            ("FAILED", "OK", F, F, F),
            ("OK", "FAILED", F, F, F),
            ("NON-STRICT", "UNCLEAN", F, F, F),
            ("SOMETHING NEW", "OK", F, F, P),
            ("OK", "SOMETHING NEW", F, F, P),
        ];
        for (b, c, strict, rfc, lenient) in rows {
            let f = Unimplemented::Fail;
            assert_eq!(
                judge(PolicyName::Strict, f, "1.1.1", b, c),
                *strict,
                "strict {b}/{c}"
            );
            assert_eq!(
                judge(PolicyName::Rfc, f, "1.1.1", b, c),
                *rfc,
                "rfc {b}/{c}"
            );
            assert_eq!(
                judge(PolicyName::Lenient, f, "1.1.1", b, c),
                *lenient,
                "lenient {b}/{c}"
            );
        }
    }

    #[test]
    fn unimplemented_is_a_switch() {
        use Judgement::*;
        use Unimplemented as U;
        let rows = [
            (U::Fail, "12.1.1", Fail),
            (U::Fail, "2.1", Fail),
            (U::Skip, "12.1.1", Skip),
            (U::Skip, "2.1", Skip),
            (U::SkipCompression, "12.1.1", Skip),
            (U::SkipCompression, "13.7.18", Skip),
            (U::SkipCompression, "2.1", Fail),
        ];
        for (switch, id, want) in rows {
            for p in [PolicyName::Strict, PolicyName::Rfc, PolicyName::Lenient] {
                assert_eq!(
                    judge(p, switch, id, "UNIMPLEMENTED", "OK"),
                    want,
                    "{p} {switch:?} {id}"
                );
            }
        }
    }

    #[test]
    fn policy_names_parse() {
        assert_eq!("rfc".parse::<PolicyName>(), Ok(PolicyName::Rfc));
        assert!("RFC".parse::<PolicyName>().is_err());
    }
}
