#!/usr/bin/env bash
# Benchmarks: release build without the GUI, the relay harness (ours vs a plaintext
# WebSocket relay and a bare TLS connect, same run) and the criterion micro-benches.
# Prints a markdown table and ends with one summary line. `--quick` for a short run;
# `--scale` for the scale run (8 to 1024 members: table, and docs/bench-scale.png).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-}"
quick=""
[ "$mode" = "--quick" ] && quick="--quick"
# 1000 members are 1000 sockets on each side of loopback.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 4096 ]; then
  echo "bench: ulimit -n is $(ulimit -n); the 1000-member rows need 4096 (raise the hard limit)" >&2
fi
export SEVERUS_KEYSTORE=file
cargo build --profile bench --no-default-features --bin severus --bench relay --bench codec >&2
export SEVERUS_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/severus"
if [ "$mode" = "--scale" ]; then
  svg=$(mktemp --suffix .svg)
  trap 'rm -f "$svg"' EXIT
  BENCH_SCALE_SVG="$svg" cargo bench --no-default-features --bench relay -- --scale 2>/dev/null | grep -E "^\|"
  if command -v convert >/dev/null; then
    mkdir -p docs
    convert "$svg" docs/bench-scale.png && echo "chart: docs/bench-scale.png" >&2
  else
    cp "$svg" docs/bench-scale.svg
    echo "chart: docs/bench-scale.svg (install imagemagick for the PNG)" >&2
  fi
  exit 0
fi
if [ -n "$quick" ]; then
  cargo bench --no-default-features --bench codec -- --warm-up-time 0.3 --measurement-time 0.7 2>&1 \
    | grep -E "^(codec|noise|mls)|time:|size of" >&2 || true
else
  cargo bench --no-default-features --bench codec 2>&1 | grep -E "^(codec|noise|mls)|time:|thrpt:|size of" >&2 || true
fi
# Each round's ratios and each file run go to stderr as they end.
cargo bench --no-default-features --bench relay -- $quick 2> >(grep -E "^(round|files)" >&2) \
  | grep -E "^\||^relay_ratio|^spread_|^floor:|^$"
