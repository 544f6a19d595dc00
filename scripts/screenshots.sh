#!/usr/bin/env bash
# Screenshots of the real app under Xvfb: start screen, first-contact dialog, a chat in
# progress, the host panel with its QR code, and phone width. Output: docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
out=${1:-docs/screenshots}
mkdir -p "$out"
if [ -z "${DISPLAY:-}" ]; then
  Xvfb :98 -screen 0 1280x800x24 >/dev/null 2>&1 &
  xvfb=$!
  trap 'kill $xvfb' EXIT
  export DISPLAY=:98
  sleep 1
fi
SEVERUS_SCREENSHOTS=$(cd "$out" && pwd) cargo test --test ui_e2e
ls -1 "$out"
