#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Two pcibackd started at once on the same paths: exactly one
# serves, the other refuses saying the path is in use, and the winner answers.
# Each round after the first races over the stale sockets the previous winner
# left (killed with SIGKILL): the case where a daemon removing a "stale" socket
# could remove the other's fresh one.
. "$(dirname "$0")/lib.sh"
DEV="g1=sim:$FIX/microvm-virtio.lspci#00:02.0"
ROUNDS=8

alive() { kill -0 "$1" 2>/dev/null; }
for r in $(seq 1 $ROUNDS); do
	# Odd rounds: only --socket is shared; even rounds: --control too.
	ca="$T/ctl" cb="$T/ctl"
	if [ $((r % 2)) -eq 1 ]; then ca="$T/ctl-a" cb="$T/ctl-b"; fi
	"$PCIBACKD" --socket "$T/sock" --control "$ca" --device "$DEV" 2>"$T/a.log" &
	A=$!
	"$PCIBACKD" --socket "$T/sock" --control "$cb" --device "$DEV" 2>"$T/b.log" &
	B=$!
	SPIDS="$A $B"
	i=0
	while alive "$A" && alive "$B"; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "round $r: both daemons still run after 5 s: both serve $T/sock"
		sleep 0.05
	done
	if alive "$A"; then win=$A lose=$B log="$T/b.log"; else win=$B lose=$A log="$T/a.log"; fi
	rc=0
	wait "$lose" || rc=$?
	[ $rc -ne 0 ] || fail "round $r: the losing daemon exited 0"
	grep -q "in use" "$log" || fail "round $r: the losing daemon did not say why: $(cat "$log")"
	alive "$win" || fail "round $r: no daemon left serving"
	out=$(front g1 read 00:00.0 0 2 2>&1) || fail "round $r: the winner does not answer on $T/sock: $out"
	kill -KILL "$win"
	wait "$win" 2>/dev/null || true
	SPIDS=
done
pass "$ROUNDS rounds of two daemons started at once: one served and answered, the other refused"
