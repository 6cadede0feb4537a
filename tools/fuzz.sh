#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 600), one after another, and prints
# each target's executions.  Needs clang (tools/test.sh installs it).
#   tools/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f build-fuzz/build.ninja ] || CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false \
	-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C build-fuzz
FUZZ_SECONDS=${1:-600} meson test -C build-fuzz --suite fuzz --num-processes 1 --timeout-multiplier 0 -v
