#!/usr/bin/env bash
# Installs what is missing, then starts Severus: the app window, or with arguments the
# command line (e.g. `scripts/start.sh host --name alice`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ $# -eq 0 ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "start: no display for the window; try: scripts/start.sh host --name NAME" >&2
  exit 2
fi
exec cargo run --quiet --release -- "$@"
