#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon's Unix sockets: a second pcibackd on the same
# --socket/--control paths refuses to start and leaves the running one alone;
# a stale socket file (no listener) is replaced; sockets are owner-only (0600).
. "$(dirname "$0")/lib.sh"
DEV="g1=sim:$FIX/microvm-virtio.lspci#00:02.0"

start_daemon --device "$DEV"
[ "$(stat -c %a "$T/sock")" = 600 ] || fail "local socket mode is $(stat -c %a "$T/sock"), expected 600"
[ "$(stat -c %a "$T/ctl")" = 600 ] || fail "control socket mode is $(stat -c %a "$T/ctl"), expected 600"
pass "sockets are owner-only"

# Same --socket and --control: refused, and the first daemon still answers on both.
rc=0
"$PCIBACKD" --socket "$T/sock" --control "$T/ctl" --device "$DEV" 2>"$T/second.log" || rc=$?
[ $rc -ne 0 ] || fail "a second pcibackd on the same paths started"
grep -q "in use" "$T/second.log" || fail "the second pcibackd did not say why: $(cat "$T/second.log")"
daemon_alive
ctl list >/dev/null || fail "the first daemon's control socket is gone"
front g1 read 00:00.0 0 2 >/dev/null || fail "the first daemon's local socket is gone"
pass "a second daemon on the same paths refused, the first still answers"

# Same --control only, and same --socket only: refused each time; nothing of the first daemon's is touched.
rc=0
"$PCIBACKD" --socket "$T/other-sock" --control "$T/ctl" --device "$DEV" 2>"$T/second.log" || rc=$?
[ $rc -ne 0 ] || fail "a second pcibackd on the same --control started"
rc=0
"$PCIBACKD" --socket "$T/sock" --control "$T/other-ctl" --device "$DEV" 2>"$T/second.log" || rc=$?
[ $rc -ne 0 ] || fail "a second pcibackd on the same --socket started"
[ ! -e "$T/other-sock" ] && [ ! -e "$T/other-ctl" ] || fail "a refused pcibackd left a socket behind"
ctl list >/dev/null || fail "the first daemon's control socket is gone"
front g1 read 00:00.0 0 2 >/dev/null || fail "the first daemon's local socket is gone"
pass "same --control or same --socket alone: refused, the first daemon untouched"

# A daemon killed outright leaves stale sockets: the next one replaces them.
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null || true
DPID=
[ -S "$T/sock" ] && [ -S "$T/ctl" ] || fail "expected stale sockets after SIGKILL"
"$PCIBACKD" --socket "$T/sock" --control "$T/ctl" --device "$DEV" 2>"$T/daemon.log" &
DPID=$!
i=0
until ctl list >/dev/null 2>&1; do
	kill -0 "$DPID" 2>/dev/null || fail "pcibackd refused the stale sockets: $(cat "$T/daemon.log")"
	i=$((i + 1))
	[ $i -lt 100 ] || fail "pcibackd did not answer on the replaced control socket"
	sleep 0.05
done
front g1 read 00:00.0 0 2 >/dev/null || fail "no guest served on the replaced local socket"
pass "stale sockets replaced"

# A path that is not a socket is never removed.
stop_daemon
: >"$T/plain"
rc=0
"$PCIBACKD" --socket "$T/plain" --device "$DEV" 2>"$T/second.log" || rc=$?
[ $rc -ne 0 ] && [ -f "$T/plain" ] || fail "pcibackd replaced a regular file"
pass "a regular file is left alone"
