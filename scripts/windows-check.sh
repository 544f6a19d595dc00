#!/usr/bin/env bash
# Compile check of the Windows desktop build (x86_64-pc-windows-gnu) with Debian's
# MinGW toolchain: the window, keychain (Credential Manager) and everything under it.
# An .exe for users is made on Windows (cargo build --release) or with dx bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu
if command -v rustup >/dev/null; then
  rustup target list --installed | grep -qx "$target" || rustup target add "$target" >&2
fi
command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "windows-check: install gcc-mingw-w64-x86-64 (scripts/setup.sh)" >&2; exit 1; }
CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc \
AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar \
  cargo check --target "$target" --lib --bins
