#!/usr/bin/env bash
# Where the host's time goes under relay load: a `severus host` built with symbols
# (profile `profiling`), 8 members sending 1 KiB MLS-sized messages through it (the
# scale harness), `perf record` on the host process only. Prints the host's share by
# layer and the top symbols; writes perf.data under target/ for `perf report`.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
members="${1:-8}"
command -v perf >/dev/null || { echo "profile: needs perf (apt-get install linux-perf)" >&2; exit 1; }
export SEVERUS_KEYSTORE=file
cargo build --profile profiling --no-default-features --bin severus >&2
cargo build --profile bench --no-default-features --bench relay >&2
export SEVERUS_BIN="$target/profiling/severus"
out="$target/perf-host.data"
BENCH_SCALE_SIZES="$members" BENCH_SCALE_PER_SENDER=6000 \
  cargo bench --no-default-features --bench relay -- --scale >"$target/profile-run.txt" 2>/dev/null &
bench=$!
# The host process appears once the harness starts it; profile its busiest stretch.
for _ in $(seq 1 100); do
  pid=$(pgrep -n -f "$SEVERUS_BIN --data-dir" || true)
  [ -n "$pid" ] && break
  sleep 0.2
done
[ -n "${pid:-}" ] || { echo "profile: the host did not start" >&2; exit 1; }
sleep 3
perf record -e cpu-clock -F 1999 -g -p "$pid" -o "$out" -- sleep 12 >&2 2>/dev/null || true
wait "$bench" || true
cat "$target/profile-run.txt"
echo
# Self time by layer, from each sample's own symbol and library.
perf report -i "$out" --no-children --sort dso,sym --stdio 2>/dev/null | awk '
  /^ *[0-9.]+%/ {
    pct = $1; sub("%", "", pct); line = tolower($0)
    layer = "other"
    if (line ~ /\[k\]/) layer = "kernel: syscalls, TCP, scheduling"
    else if (line ~ /chacha|poly1305|snow::|noise/) layer = "Noise (snow, ring ChaCha20-Poly1305)"
    else if (line ~ /aes|gcm|gfmul|ghash|rustls|tokio_rustls/) layer = "TLS (rustls, ring AES-GCM)"
    else if (line ~ /tungstenite/) layer = "WebSocket (tungstenite)"
    else if (line ~ /ciborium|serde|severus::protocol::codec/) layer = "CBOR (ciborium, serde)"
    else if (line ~ /openmls|tls_codec/) layer = "MLS framing (openmls)"
    else if (line ~ /malloc|free|realloc|memcpy|memmove|memset|alloc::/) layer = "allocation and copies"
    else if (line ~ /tokio|futures|parking_lot|mio|std::sys::sync|notify/) layer = "tasks, channels, wake-ups (tokio)"
    else if (line ~ /severus::/) layer = "severus host logic"
    share[layer] += pct
  }
  END { for (l in share) printf "| %s | %.1f%% |\n", l, share[l] }' | sort -t'|' -k3 -rn
echo
perf report -i "$out" --no-children --sort sym --stdio 2>/dev/null | grep -E '^ *[0-9.]+%' | head -25
