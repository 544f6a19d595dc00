#!/usr/bin/env bash
# The hostile-load test at full size: 1200 hostile connections (CI runs 300).
# Raises the open-file limit first: each connection is a socket on both sides.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
SEVERUS_KEYSTORE=file HOSTILE_CONNECTIONS=${HOSTILE_CONNECTIONS:-1200} \
  cargo test --test it hostile -- --nocapture
