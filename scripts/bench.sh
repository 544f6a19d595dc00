#!/usr/bin/env bash
# Benchmarks: release build without the GUI, the relay harness (ours vs a plaintext
# WebSocket relay and a bare TLS connect, same run) and the criterion micro-benches.
# Prints a markdown table and ends with one summary line. `--quick` for a short run.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=""
[ "${1:-}" = "--quick" ] && quick="--quick"
export SEVERUS_KEYSTORE=file
cargo build --release --no-default-features --bin severus --bench relay --bench codec >&2
export SEVERUS_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/severus"
if [ -n "$quick" ]; then
  cargo bench --no-default-features --bench codec -- --warm-up-time 0.3 --measurement-time 0.7 2>&1 \
    | grep -E "^(codec|noise|mls)|time:|size of" >&2 || true
else
  cargo bench --no-default-features --bench codec 2>&1 | grep -E "^(codec|noise|mls)|time:|thrpt:|size of" >&2 || true
fi
cargo bench --no-default-features --bench relay -- $quick 2>/dev/null | grep -E "^\||^relay_ratio|^$"
