#!/usr/bin/env bash
# The action's gate step: `wsreport run` (or `check` on an existing report) under the inputs'
# policy, then the same verdicts rendered for GitHub: the step summary (Markdown within
# max-bytes), annotations (at most 10 errors, the worst first), JUnit XML and a badge, and the
# step's outputs. Inputs come as INPUT_* variables (see action.yml); GITHUB_OUTPUT,
# GITHUB_STEP_SUMMARY and RUNNER_TEMP as on a runner. Exit status: wsreport's (0 pass,
# 1 gate failed, 2 error).
set -uo pipefail
run_status=0
WSREPORT="${WSREPORT:-wsreport}"
out_dir="${RUNNER_TEMP:-/tmp}/wsreport"
mkdir -p "$out_dir"

judging=(--policy "${INPUT_POLICY:-rfc}" --unimplemented "${INPUT_UNIMPLEMENTED:-fail}")
gate=("${judging[@]}")
[ -n "${INPUT_BASELINE:-}" ] && gate+=(--baseline "$INPUT_BASELINE")
[ -n "${INPUT_ALLOW:-}" ] && gate+=(--allow "$INPUT_ALLOW")

# the report directories the gate reads
read -r -a reports <<< "${INPUT_REPORT:-reports/servers}"

case "${INPUT_MODE:-run}" in
  run)
    args=(run --out "${reports[0]}" --jobs "${INPUT_JOBS:-4}")
    [ -n "${INPUT_SPEC:-}" ] && args+=(--spec "$INPUT_SPEC")
    [ -n "${INPUT_TARGET:-}" ] && args+=(--target "$INPUT_TARGET")
    [ -n "${INPUT_SERVER_CMD:-}" ] && args+=(--server-cmd "$INPUT_SERVER_CMD")
    [ -n "${INPUT_WAIT:-}" ] && args+=(--wait "$INPUT_WAIT")
    [ -n "${INPUT_AGENT:-}" ] && args+=(--agent "$INPUT_AGENT")
    [ -n "${INPUT_SHARD:-}" ] && args+=(--shard "$INPUT_SHARD")
    [ -n "${INPUT_RERUN_FAILED:-}" ] && args+=(--rerun-failed "$INPUT_RERUN_FAILED")
    if [ -n "${INPUT_CASES:-}" ]; then
      read -r -a cases <<< "$INPUT_CASES"
      args+=(--cases "${cases[@]}")
    fi
    if [ -n "${INPUT_EXCLUDE:-}" ]; then
      read -r -a exclude <<< "$INPUT_EXCLUDE"
      args+=(--exclude "${exclude[@]}")
    fi
    # the run's own table goes to the log; its exit status is the gate's, unless the run broke
    "$WSREPORT" "${args[@]}" "${gate[@]}" --format table
    run_status=$?
    if [ "$run_status" -ge 2 ] && [ ! -f "${reports[0]}/index.json" ]; then
      echo "::error title=wsreport::the run wrote no report (exit status $run_status)"
      exit "$run_status"
    fi
    ;;
  check) ;;
  *)
    echo "::error title=wsreport::mode must be run or check, not ${INPUT_MODE}"
    exit 2
    ;;
esac

# one gate over the report, rendered four ways
"$WSREPORT" check "${reports[@]}" "${gate[@]}" --format markdown \
  --max-bytes "${INPUT_MAX_BYTES:-1000000}" > "$out_dir/summary.md"
"$WSREPORT" check "${reports[@]}" "${gate[@]}" --format junit > "$out_dir/junit.xml"
"$WSREPORT" check "${reports[@]}" "${gate[@]}" --format badge > "$out_dir/badge.json"
dash=(dashboard "${reports[@]}" "${judging[@]}" --out "$out_dir/autobahn.html")
[ -n "${INPUT_BASELINE:-}" ] && dash+=(--baseline "$INPUT_BASELINE")
"$WSREPORT" "${dash[@]}" || echo "::warning title=wsreport::the dashboard could not be written"
"$WSREPORT" check "${reports[@]}" "${gate[@]}" --format github
status=$?
passed=$([ "$status" -eq 0 ] && echo true || echo false)
# a run's exit status 2 (some case could not run) stands even when the gate passed
if [ "${run_status:-0}" -ge 2 ]; then
  status=$run_status
fi

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cat "$out_dir/summary.md" >> "$GITHUB_STEP_SUMMARY"
fi
dashboard="$out_dir/autobahn.html"
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "passed=$passed"
    echo "summary=$out_dir/summary.md"
    echo "junit=$out_dir/junit.xml"
    echo "badge=$out_dir/badge.json"
    echo "report=${reports[0]}"
    echo "dashboard=$dashboard"
  } >> "$GITHUB_OUTPUT"
fi
exit "$status"
