#!/usr/bin/env bash
# Runs every test of pcibackd: installs what it needs (Debian 12 packages),
# builds with -Werror under ASan+UBSan, and runs every Meson test suite.
#   tools/test.sh                 all suites
#   SUITES="unit" tools/test.sh   only some (unit integration fuzz e2e deb)
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(meson ninja-build gcc clang pkg-config libpci-dev pciutils pci.ids libxen-dev libcmocka-dev
      libclang-rt-14-dev valgrind python3 strace man-db groff-base systemd
      debhelper dpkg-dev fakeroot lintian)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
	echo "test.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

BUILD=${BUILD:-build-test}
SUITES=${SUITES:-"unit integration fuzz e2e deb"}

# The main test build: warnings are errors, sanitizers on.
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C "$BUILD"

# The build must also succeed without the Xen transport.
if [ ! -f build-noxen/build.ninja ]; then
	meson setup build-noxen -Dwerror=true -Dxen=disabled -Dtests=false >/dev/null
fi
ninja -C build-noxen >/dev/null
# ...and there `--transport xen` says in one line that it is absent, touching no device.
out=$(build-noxen/src/daemon/pcibackd --transport xen --device "sim:fixtures/lspci/cap-pcie-2.lspci" 2>&1) && {
	echo "test.sh: pcibackd without libxen accepted --transport xen"; exit 1; }
if [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] || ! printf '%s' "$out" | grep -q 'Xen transport is not built'; then
	echo "test.sh: pcibackd without libxen: expected one line saying the Xen transport is not built, got: $out"
	exit 1
fi

# The fuzz targets: a separate clang build (libFuzzer, ASan+UBSan, coverage on every layer).
if [[ " $SUITES " == *" fuzz "* ]]; then
	if [ ! -f build-fuzz/build.ninja ]; then
		CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false \
			-Db_sanitize=address,undefined -Db_lundef=false >/dev/null
	fi
	ninja -C build-fuzz
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
args=()
for s in $SUITES; do [ "$s" = fuzz ] || [ "$s" = e2e ] || [ "$s" = deb ] || args+=(--suite "$s"); done
rc=0
if [ ${#args[@]} -gt 0 ]; then
	meson test -C "$BUILD" --print-errorlogs "${args[@]}" || rc=$?
fi
logs=("$BUILD/meson-logs/testlog.json")
if [[ " $SUITES " == *" fuzz "* ]]; then
	# FUZZ_SECONDS per target (30 in CI; tools/fuzz.sh runs them longer).
	meson test -C build-fuzz --print-errorlogs --suite fuzz || rc=$?
	logs+=("build-fuzz/meson-logs/testlog.json")
fi
if [[ " $SUITES " == *" deb "* ]]; then
	# The Debian package from a fresh copy of the tree: its file list, conffiles, lintian.
	tools/check_deb.sh || { echo "test.sh: the Debian package check failed"; rc=1; }
fi
if [[ " $SUITES " == *" e2e "* ]]; then
	# Xen + dom0 + PV guests under QEMU (tests/e2e): an optimized build without sanitizers,
	# whose binaries go into dom0.  One boot, no retry: a failure is a failure.
	[ -f build-e2e/build.ninja ] || meson setup build-e2e -Dtests=true >/dev/null
	ninja -C build-e2e >/dev/null
	meson test -C build-e2e --suite e2e --print-errorlogs || rc=1
	logs+=("build-e2e/meson-logs/testlog.json")
fi

# One closing line any CI can read.
python3 - "${logs[@]}" <<'PY'
import json, sys
ok = bad = skip = 0
import os
for line in (l for f in sys.argv[1:] if os.path.exists(f) for l in open(f)):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"): ok += 1
    elif r == "SKIP": skip += 1
    else: bad += 1
print(f"{ok} passed, {bad} failed, {skip} skipped")
PY
exit $rc
