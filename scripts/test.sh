#!/usr/bin/env bash
# Installs what is missing, then runs the whole test suite (unit, property and
# integration tests over real loopback sockets).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Tests keep keys in files inside temp dirs, never in the developer's keychain.
export SEVERUS_KEYSTORE=file
# The window test needs a display: start a private Xvfb when there is none.
. scripts/xvfb.sh
cargo test --all-targets "$@"
