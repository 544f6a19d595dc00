#!/usr/bin/env bash
# Installs what Severus needs to build, run and test on Debian/Ubuntu, skipping what is
# already there. Idempotent and non-interactive. Needs root or sudo only for apt.
set -euo pipefail

APT_PACKAGES=(
  pkg-config build-essential           # C toolchain for ring and friends
  libwebkit2gtk-4.1-dev libgtk-3-dev libxdo-dev   # the desktop window (dioxus/wry)
  libdbus-1-dev                        # the OS keychain (Secret Service over D-Bus)
  xvfb xdotool imagemagick             # window tests and screenshots without a screen
  clang llvm libc6-dev-arm64-cross libc6-dev-amd64-cross   # Android compile checks
  gcc-mingw-w64-x86-64                 # Windows compile check
)
RUST_TARGETS=(aarch64-linux-android x86_64-linux-android x86_64-pc-windows-gnu)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo -n); else
    echo "setup: missing apt packages (${missing[*]}) and no root/sudo to install them" >&2; exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "setup: Rust is required (https://rustup.rs), then run this again" >&2; exit 1
fi
if command -v rustup >/dev/null; then
  installed=$(rustup target list --installed)
  for t in "${RUST_TARGETS[@]}"; do
    grep -qx "$t" <<<"$installed" || rustup target add "$t" >&2
  done
  rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt >&2
fi
