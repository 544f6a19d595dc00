#!/usr/bin/env bash
# Compile-checks the mobile feature for both Android targets with Debian's clang and
# cross headers (no NDK needed for a check; an APK needs the NDK, see README).
set -euo pipefail
cd "$(dirname "$0")/.."
check() { # target clang-target sysroot
  local t=$1 ct=$2 sysroot=$3 var
  var=$(echo "$t" | tr '-' '_')
  env "CC_${var}=clang --target=${ct} --sysroot=${sysroot} -isystem ${sysroot}/include" \
      "AR_${var}=llvm-ar" \
      cargo check --target "$t" --no-default-features --features mobile --lib --bins
}
check aarch64-linux-android aarch64-linux-android24 /usr/aarch64-linux-gnu
check x86_64-linux-android x86_64-linux-android24 /usr/x86_64-linux-gnu
