#!/usr/bin/env bash
# The action's install step: `cargo install --locked` of wsreport from its own repository at
# the action's revision (cached by the action under ~/.cargo/bin).
set -euo pipefail
args=(install --locked --git "${WSREPORT_REPO:?}")
if [ -n "${WSREPORT_REV:-}" ]; then
  args+=(--rev "$WSREPORT_REV")
fi
cargo "${args[@]}" wsreport
