#!/usr/bin/env bash
# Screenshots of the real app under Xvfb: start screen, first-contact dialog, a chat in
# progress, the host panel with its QR code, and phone width. Output: docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
out=${1:-docs/screenshots}
mkdir -p "$out"
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
SEVERUS_SCREENSHOTS=$(cd "$out" && pwd) cargo test --test ui_e2e
ls -1 "$out"
