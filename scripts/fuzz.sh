#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 20) on the stable toolchain
# (RUSTC_BOOTSTRAP=1 allows cargo-fuzz's sanitizer flags). New inputs go to a temp
# corpus; the committed seeds in fuzz/corpus/ are read only.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in packet_decode noise_responder noise_initiator ticket_parse known_hosts_parse mls_client mls_framing invite_parse file_frames; do
  mkdir -p "$work/$t"
  echo "fuzz: $t for ${secs}s"
  (cd fuzz && cargo fuzz run "$t" "$work/$t" "corpus/$t" -- \
      -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 2>&1) \
    | grep -E "stat::number_of_executed_units|stat::new_units_added|ERROR|panicked|SUMMARY" || true
  if [ -n "$(ls fuzz/artifacts/$t 2>/dev/null)" ]; then
    echo "fuzz: $t found a crash: fuzz/artifacts/$t" >&2
    exit 1
  fi
done
