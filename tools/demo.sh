#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The pcibackd demo: builds if needed, serves a few bundled fixture devices
# to two guests, and shows what each guest's pcifront sees, decoded by the
# real lspci.  Works from a fresh clone on Debian 12 (installs the Debian
# packages it needs when they are missing).
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-build}

need=""
for p in meson ninja-build gcc pkg-config libpci-dev pciutils libcmocka-dev; do
	dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
	echo "== installing:$need"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq $need
fi
[ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null

TMP=$(mktemp -d /tmp/pcibackd-demo.XXXXXX)
DPID=
cleanup() {
	if [ -n "$DPID" ]; then kill -TERM "$DPID" 2>/dev/null || true; wait "$DPID" 2>/dev/null || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

FIX=$ROOT/fixtures/lspci
# start_daemon [ARGS...]: pcibackd serving the demo's devices (tools/demo.devices), until its socket is there.
start_daemon() {
	rm -f "$TMP/sock"
	while read -r dev; do
		case $dev in '' | '#'*) continue ;; esac
		set -- "$@" --device "${dev%%=*}=sim:$FIX/${dev#*=}"
	done <"$ROOT/tools/demo.devices"
	"$BUILD/src/daemon/pcibackd" --socket "$TMP/sock" --control "$TMP/ctl" "$@" 2>"$TMP/daemon.log" &
	DPID=$!
	i=0
	while [ ! -S "$TMP/sock" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$DPID" 2>/dev/null; then
			cat "$TMP/daemon.log" >&2
			exit 1
		fi
		sleep 0.05
	done
}
stop_daemon() {
	kill -TERM "$DPID"
	wait "$DPID"
	DPID=
}

start_daemon --trace "$TMP/trace.jsonl"
echo "== pcibackd serves two guests (control socket: list)"
"$BUILD/src/daemon/pcibackctl" --control "$TMP/ctl" list
for g in web db; do
	echo
	echo "== guest $g: pcifront --guest $g lspci | lspci -F FILE -vv"
	"$BUILD/src/guest/pcifront" --socket "$TMP/sock" --guest "$g" lspci >"$TMP/$g.lspci"
	lspci -F "$TMP/$g.lspci" -vv 2>/dev/null
done
echo "== guest web: pcifront read 00:00.0 0 4 (vendor and device ID)"
"$BUILD/src/guest/pcifront" --socket "$TMP/sock" --guest web read 00:00.0 0 4
echo "== ops served per guest (control socket: stats)"
"$BUILD/src/daemon/pcibackctl" --control "$TMP/ctl" stats
stop_daemon
echo "== pcibackd stopped cleanly; it traced every op (--trace): $(wc -l <"$TMP/trace.jsonl") JSON lines, the first:"
head -n 1 "$TMP/trace.jsonl"
echo
echo "== a new pcibackd, the same devices: pcifront replay TRACE posts each guest's recorded ops again"
start_daemon
for g in web db; do
	"$BUILD/src/guest/pcifront" --socket "$TMP/sock" --guest "$g" replay "$TMP/trace.jsonl"
done
stop_daemon
