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
# One test at a time: the integration tests run real hosts, MLS groups and restarts in
# debug builds, and on a 2-core machine parallel tests starve each other past their
# timeouts (seen as rare failures of the restart and flood tests).
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-1}"
cargo test --all-targets "$@"
