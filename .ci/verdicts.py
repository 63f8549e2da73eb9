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
