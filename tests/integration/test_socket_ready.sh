#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A socket path appears only once the daemon listens on it: a client that
# waits for the file (as start_daemon and most scripts do) and connects at
# once is never refused.  strace holds each listen() for 0.5 s, the window in
# which a socket bound at its own path would refuse connections.
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || { echo "skip: strace is not installed"; exit 77; }
strace -f -qq -o /dev/null -e trace=listen -e inject=listen:delay_enter=500000 \
	"$PCIBACKD" --socket "$T/sock" --control "$T/ctl" --device "g1=sim:$FIX/microvm-virtio.lspci#00:02.0" \
	2>"$T/daemon.log" &
DPID=$!
for path in ctl sock; do
	wait_socket "$T/$path"
	case $path in
	ctl) ctl list >"$T/out" 2>&1 || fail "the control socket existed but refused: $(cat "$T/out")" ;;
	sock) front g1 read 00:00.0 0 2 >"$T/out" 2>&1 || fail "the local socket existed but refused: $(cat "$T/out")" ;;
	esac
done
pass "each socket accepted the first connection made as soon as its path appeared"
# strace's child is the daemon: stop it by its own pid (killing strace would leave it running).
pid=$(pgrep -f -- "--socket $T/sock --control" | grep -vx "$DPID" | head -n 1)
[ -n "$pid" ] && kill -TERM "$pid"
wait "$DPID" || true
DPID=
[ ! -e "$T/sock" ] || fail "pcibackd left its socket behind"
