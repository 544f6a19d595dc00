#!/usr/bin/env bash
# Idle cost of the window: the whole process tree's PSS (the app and WebKit's helper
# processes) 15 s after start under Xvfb, for Severus's start screen and for an empty
# Dioxus 0.7.10 window built here with the same profile, in one run; then Severus's
# idle CPU over the next 60 s. Prints a markdown table and one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
target="${CARGO_TARGET_DIR:-$PWD/target}"
profile=${IDLE_PROFILE:-release}
flag=$([ "$profile" = release ] && echo --release || echo)
cargo build $flag --bin severus >&2
ours="$target/$profile/severus"

# The empty window: a one-file Dioxus app with this project's lockfile and profile.
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
mkdir -p "$empty/src"
cat > "$empty/Cargo.toml" <<TOML
[package]
name = "empty-window"
version = "0.1.0"
edition = "2024"
[dependencies]
dioxus = { version = "=0.7.10", features = ["desktop"] }
$(sed -n '/^\[profile.release\]/,/^\[/p' Cargo.toml | sed '$d' | grep -v '^\[\[')
TOML
cat > "$empty/src/main.rs" <<'RS'
use dioxus::prelude::*;
fn main() {
    dioxus::launch(|| rsx! { div { "empty" } });
}
RS
cp Cargo.lock "$empty/"
(cd "$empty" && CARGO_TARGET_DIR="$target" cargo build $flag --offline >&2 || CARGO_TARGET_DIR="$target" cargo build $flag >&2)
emptybin="$target/$profile/empty-window"

. scripts/xvfb.sh

# PSS (KiB) of a process and all its descendants.
tree_pids() {
  local root=$1 all=$1 more=$1
  while [ -n "$more" ]; do
    local next=""
    for p in $more; do
      for c in $(ps -o pid= --ppid "$p" 2>/dev/null); do next="$next $c"; done
    done
    all="$all $next"; more=$next
  done
  echo "$all"
}
tree_pss() {
  local sum=0
  for p in $(tree_pids "$1"); do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
tree_ticks() {
  local sum=0
  for p in $(tree_pids "$1"); do
    v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
measure() { # binary, extra env -> pid
  local data; data=$(mktemp -d)
  env SEVERUS_KEYSTORE=file SEVERUS_DATA_DIR="$data" "$@" >/dev/null 2>&1 &
  echo $!
}

pid=$(measure "$emptybin")
sleep 15
empty_kib=$(tree_pss "$pid")
kill "$pid" 2>/dev/null || true; sleep 1

pid=$(measure "$ours")
sleep 15
ours_kib=$(tree_pss "$pid")
t0=$(tree_ticks "$pid")
sleep 60
t1=$(tree_ticks "$pid")
kill "$pid" 2>/dev/null || true
hz=$(getconf CLK_TCK)
cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz / 60 * 100 }')
ratio=$(awk -v a="$ours_kib" -v b="$empty_kib" 'BEGIN { printf "%.3f", a / b }')
echo "| Measure ($profile) | Severus | Empty Dioxus 0.7.10 window | Ratio |"
echo "|---|---|---|---|"
printf "| Idle process-tree PSS, 15 s after start | %.1f MiB | %.1f MiB | %s |\n" \
  "$(awk -v k="$ours_kib" 'BEGIN{print k/1024}')" "$(awk -v k="$empty_kib" 'BEGIN{print k/1024}')" "$ratio"
echo "| Idle CPU over 60 s (whole tree) | ${cpu}% | - | - |"
echo
echo "idle_pss_ratio=$ratio idle_cpu_pct=$cpu"
