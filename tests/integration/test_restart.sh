#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon stopped and restarted while guests hammer it: guests get errors (never a
# hang), the daemon exits cleanly (0, and LeakSanitizer-clean in the sanitizer build),
# and after the restart the guests are served again.
. "$(dirname "$0")/lib.sh"

args="--device g1=sim:$FIX/microvm-virtio.lspci#00:02.0 --device g2=sim:$FIX/cap-pcie-2.lspci"
# shellcheck disable=SC2086
start_daemon $args
# Two guests reading in a loop; each records ok/err per read.
hammer() { # GUEST OUT
	while [ ! -e "$T/stop" ]; do
		if front "$1" read 00:00.0 0 4 >/dev/null 2>&1; then echo ok; else echo err; fi
	done >"$2"
}
hammer g1 "$T/h1" &
H1=$!
hammer g2 "$T/h2" &
H2=$!
SPIDS="$H1 $H2"
wait_for "$T/h1" '^ok' "guest g1's reads"
wait_for "$T/h2" '^ok' "guest g2's reads"
for round in 1 2 3; do
	stop_daemon # exit status 0 checked there (the sanitizer build fails it on a leak)
	n=$(grep -c . "$T/h1")
	i=0
	while [ "$(grep -c . "$T/h1")" -lt $((n + 3)) ]; do # reads keep returning (errors), no hang
		i=$((i + 1))
		[ $i -lt 200 ] || fail "round $round: guest reads hang while the daemon is down"
		sleep 0.05
	done
	tail -n 2 "$T/h1" | grep -q err || fail "round $round: reads succeeded with no daemon"
	# shellcheck disable=SC2086
	start_daemon $args
	: >"$T/h1"
	: >"$T/h2"
	wait_for "$T/h1" '^ok' "g1 served after restart $round"
	wait_for "$T/h2" '^ok' "g2 served after restart $round"
	pass "restart $round under load: guests got errors while down, served again after"
done
touch "$T/stop"
wait "$H1" "$H2" 2>/dev/null || true
stop_daemon
