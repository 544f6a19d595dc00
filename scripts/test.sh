#!/usr/bin/env bash
# Installs what is missing, then runs the whole test suite (unit, property and
# integration tests over real loopback sockets).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Tests keep keys in files inside temp dirs, never in the developer's keychain.
export SEVERUS_KEYSTORE=file
# The window test needs a display: start a private Xvfb when there is none.
if [ -z "${DISPLAY:-}" ]; then
  # Xvfb picks a free display number itself and writes it to fd 3.
  dispfile=$(mktemp)
  Xvfb -displayfd 3 -screen 0 1280x800x24 3>"$dispfile" >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb 2>/dev/null; rm -f "$dispfile"' EXIT
  for _ in $(seq 100); do [ -s "$dispfile" ] && break; sleep 0.1; done
  [ -s "$dispfile" ] || { echo "Xvfb did not start" >&2; exit 1; }
  export DISPLAY=":$(head -n1 "$dispfile")"
fi
export WEBKIT_DISABLE_COMPOSITING_MODE=1 WEBKIT_DISABLE_DMABUF_RENDERER=1
cargo test --all-targets "$@"
