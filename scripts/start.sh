#!/usr/bin/env bash
# Installs what is missing, then starts Severus. Extra arguments go to the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ $# -eq 0 ]; then set -- fingerprint; fi
exec cargo run --quiet --release -- "$@"
