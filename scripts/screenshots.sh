#!/usr/bin/env bash
# Screenshots of the real app under Xvfb: start screen, first-contact dialog, a chat in
# progress, the host panel with its QR code, and phone width. Output: docs/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
out=${1:-docs/screenshots}
mkdir -p "$out"
. scripts/xvfb.sh
SEVERUS_SCREENSHOTS=$(cd "$out" && pwd) cargo test --test ui_e2e
ls -1 "$out"
