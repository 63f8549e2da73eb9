# Shared by the .ci/*oracle.sh scripts; source it after `set -euo pipefail` and the `cd` to the
# repository. A work directory removed on exit with every process started in it, the oracle's
# virtualenv, starting a server and waiting for the address it tells.

# oracle_work NAME: WORK (a fresh directory) and PIDS (processes to stop), cleaned up on exit
# ($ORACLE_KEEP=DIR: a copy of the work directory, reports and logs, is left in DIR).
oracle_work() {
  WORK="$(mktemp -d "/tmp/wsreport-$1.XXXXXX")"
  PIDS=()
  trap oracle_cleanup EXIT
}
oracle_cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "${ORACLE_KEEP:-}" ]; then rm -rf "$ORACLE_KEEP"; cp -r "$WORK" "$ORACLE_KEEP"; fi
  rm -rf "$WORK"
}

# oracle_venv [websockets] [aiohttp]: VENV ($KOSOKU_VENV when it holds kosoku, else one made in
# $WORK) with kosoku, and each package asked for (installed from PyPI by name when missing);
# KOSOKU; TESTDATA, kosoku's copy of the testsuite's test data (empty when not found).
oracle_venv() {
  VENV="${KOSOKU_VENV:-$WORK/venv}"
  if [ ! -x "$VENV/bin/kosoku" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet kosoku
  fi
  local pkg
  for pkg in "$@"; do
    case "$pkg" in
      websockets|aiohttp) ;;
      *) echo "oracle_venv: unknown package $pkg" >&2; return 2 ;;
    esac
    "$VENV/bin/python" -c "import $pkg" 2>/dev/null || "$VENV/bin/pip" install --quiet "$pkg"
  done
  KOSOKU="$VENV/bin/kosoku"
  TESTDATA="$(ls -d "$VENV"/lib/python3*/site-packages/kosoku/shim/autobahntestsuite/testdata 2>/dev/null | head -n1 || true)"
}

# example_bin NAME: builds examples/NAME with the profile $WSREPORT was built with and prints
# the binary's path.
example_bin() {
  local dir; dir="$(dirname "$WSREPORT")"
  if [[ "$dir" == */release ]]; then
    cargo build --quiet --release --example "$1"
  else
    cargo build --quiet --example "$1"
  fi
  echo "$dir/examples/$1"
}

# spawn LOG CMD...: starts CMD in the background (not in a subshell, so its pid is ours to
# stop) with its output in LOG; sets SERVER_PID.
spawn() {
  local log="$1"; shift
  "$@" > "$log" 2>&1 &
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
}

# stop_server: gives the server started last ($SERVER_PID) up to 10 s to finish writing its
# reports and exit (kosoku ends once /updateReports wrote them, wsreport on /stopServer), then
# makes sure it is gone.
stop_server() {
  for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
}

# told LOG REGEX WHO: waits up to 10 s for REGEX in LOG and prints the first match; fails,
# showing the log, when it never comes (use as `URL=$(told …)`: set -e then stops the script).
told() {
  local found
  for _ in $(seq 200); do
    found=$(grep -oE "$2" "$1" | head -1 || true)
    if [ -n "$found" ]; then echo "$found"; return 0; fi
    sleep 0.05
  done
  echo "$3 did not start:" >&2
  cat "$1" >&2
  return 1
}

# Starts kosoku's or wsreport's fuzzing server (kind) on a free loopback port, serving the cases
# given and writing its reports to OUT, and sets URL (spawn keeps the pid for cleanup).
# wsreport runs with kosoku's framing and, when TESTDATA is set, kosoku's test data; LABEL names
# the oracle when the server does not tell its address.
start_fuzzingserver() { # kosoku|wsreport outdir label case...
  local kind="$1" out="$2" label="$3" log="$WORK/server-$1.log" args=()
  shift 3
  if [ "$kind" = kosoku ]; then
    for c in "$@"; do args+=(-i "$c"); done
    spawn "$log" timeout "$RUN_BOUND" "$KOSOKU" -m fuzzingserver 127.0.0.1:0 "${args[@]}" -o "$out"
  else
    for c in "$@"; do args+=(--cases "$c"); done
    [ -z "${TESTDATA:-}" ] || args+=(--testdata "$TESTDATA")
    spawn "$log" timeout "$RUN_BOUND" "$WSREPORT" fuzzingserver --listen 127.0.0.1:0 "${args[@]}" \
      --out "$out" --framing kosoku
  fi
  URL=$(told "$log" 'ws://127\.0\.0\.1:[0-9]+' "$label: $kind")
}
