"""Shared by the .ci/*oracle.sh scripts' comparisons: the verdicts of a report directory's
index.json, and case ids in the testsuite's order."""
import json
import sys


def verdicts(path, who):
    """{case id: (behavior, behaviorClose)} over every agent of the index at `path`; exits 1,
    saying so under `who`, when there is no readable report."""
    try:
        index = json.load(open(path))
    except (OSError, ValueError) as e:
        print(f"{who}: no report at {path} ({e})")
        sys.exit(1)
    out = {}
    for cases in index.values():
        out.update({c: (v["behavior"], v["behaviorClose"]) for c, v in cases.items()})
    return out


def key(case):
    """Sort key: 9.10 after 9.2."""
    return [int(p) for p in case.split(".")]


# OK or NON-STRICT as the peer's echo and the next frame behind the message cross, for wstest,
# kosoku and wsreport alike (docs/deviations.md §4, `CaseDef::timing_sensitive`).
TIMING = {"3.2", "3.3", "3.4", "4.1.3", "4.1.4", "4.1.5", "4.2.3", "4.2.4", "4.2.5", "5.15"}
