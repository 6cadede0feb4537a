#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# AER round trips through the tools: the operator injects an error into a
# simulated device, a connected guest (pcifront serve --aer ANSWER) answers
# each step.  Every answer, a guest without a handler, a guest that never
# answers (the backend times out while other guests and this guest's own
# config ops are served), a guest that leaves mid-recovery and a guest that
# is not connected.  Policy detach: the device leaves the guest, quarantined,
# and the guest sees it disappear; policy keep: nothing changes.
. "$(dirname "$0")/lib.sh"

TIMEOUT=3000
g1devs="--device g1=sim:$FIX/cap-address-xlation.lspci#02:00.0"
for s in 1 2 3 4 5; do g1devs="$g1devs --device g1=sim:$FIX/microvm-virtio.lspci#00:0$s.0"; done
g1devs="$g1devs --device g1=sim:$FIX/cap-pcie-2.lspci#01:00.0"
# shellcheck disable=SC2086
start_daemon --aer-timeout $TIMEOUT $g1devs --device "g2=sim:$FIX/cap-dev3.lspci#01:00.0"

status() { ctl aer-status g1 >"$T/st" || fail "aer-status failed"; }
# aer_done N: until g1 has finished N recoveries (recovered + failed); prints the last summary.
aer_done() {
	i=0
	while :; do
		status
		r=$(sed -n 's/.* recovered=\([0-9]*\) failed=\([0-9]*\) .*/\1 \2/p' "$T/st")
		# shellcheck disable=SC2086
		set -- $1 $r
		[ $(($2 + $3)) -lt "$1" ] || break
		i=$((i + 1))
		[ $i -lt 200 ] || fail "recovery $1 never finished: $(cat "$T/st")"
		sleep 0.05
	done
	grep -q 'busy=no' "$T/st" || fail "still busy: $(cat "$T/st")"
	sed -n 's/.* last="\(.*\)"$/\1/p' "$T/st"
}
expect_last() { [ "$1" = "$2" ] || fail "recovery summary is \"$1\", expected \"$2\""; }
quarantined() { ctl quarantine | grep -q "^$1 .*reason=AER recovery failed" || fail "$1 is not quarantined: $(ctl quarantine)"; }
gone_for_guest() { # OUT VADDR: the serving guest detached it and its rescan no longer shows it
	wait_for "$T/$1.out" "^reconfiguring: removed $2\$"
	wait_for "$T/$1.out" "^reconfigured: devices:"
	tail -n 1 "$T/$1.out" | grep -q "^reconfigured: devices:.* $2=" && fail "guest still sees $2 after the rescan"
	ctl list | grep -q "^  0000:$2 " && fail "$2 is still listed for g1"
	true
}
n=0

# 1. recovered, frozen channel: the guest also sees the error in the device's AER status.
serve_start a g1 8 --aer recovered
serve_cmd 8 "read 00:00.0 104 4"
wait_for "$T/a.out" '^done 0$'
grep -q '^00000000$' "$T/a.out" || fail "AER uncorrectable status not clear at start: $(cat "$T/a.out")"
ctl aer g1 00:00.0 frozen | grep -q "posted error_detected" || fail "aer did not post error_detected"
n=$((n + 1)); expect_last "$(aer_done $n)" "detected:5 resume:1 -> recovered"
grep -q '^aer detected 00:00.0 channel=2 -> recovered$' "$T/a.out" || fail "guest did not answer detected"
grep -q '^aer resume 00:00.0 channel=2 -> none$' "$T/a.out" || fail "guest did not see resume"
serve_cmd 8 "read 00:00.0 104 4"
wait_for "$T/a.out" '^00040000$' "the guest's read of the AER status (Malformed TLP)"
serve_stop a 8
pass "recovered: detected -> resume, the guest reads Malformed TLP in the AER status"

# 2. can-recover, normal channel: mmio_enabled too.
serve_start b g1 8 --aer can-recover
ctl aer g1 00:06.0 normal >/dev/null || fail "aer failed"
n=$((n + 1)); expect_last "$(aer_done $n)" "detected:2 mmio:5 resume:1 -> recovered"
grep -q '^aer mmio 00:06.0 channel=1 -> recovered$' "$T/b.out" || fail "guest did not see mmio_enabled"
serve_stop b 8
pass "can-recover: detected -> mmio_enabled -> resume"

# 3. need-reset, permanent failure channel: slot_reset after a device reset (the status is clear again).
serve_start c g1 8 --aer need-reset
ctl aer g1 00:00.0 failure >/dev/null || fail "aer failed"
n=$((n + 1)); expect_last "$(aer_done $n)" "detected:3 slotreset:5 resume:1 -> recovered"
grep -q '^aer slotreset 00:00.0 channel=3 -> recovered$' "$T/c.out" || fail "guest did not see slot_reset"
serve_cmd 8 "read 00:00.0 104 4"
wait_for "$T/c.out" '^done 0$'
grep -q '^00000000$' "$T/c.out" || fail "AER status not reset by the slot reset: $(cat "$T/c.out")"
serve_stop c 8
pass "need-reset: detected -> slot_reset (device reset) -> resume"

# 4. Two errors back to back (the second may wait for the first): both recover.
serve_start d g1 8 --aer recovered
ctl aer g1 00:01.0 >/dev/null || fail "aer failed"
ctl aer g1 00:02.0 >/dev/null || fail "aer failed"
n=$((n + 2)); expect_last "$(aer_done $n)" "detected:5 resume:1 -> recovered"
[ "$(count "$T/d.out" '^aer detected 00:0[12].0 channel=2 -> recovered$')" -eq 2 ] || fail "not both recovered"
serve_stop d 8
grep -q 'recovered=5 failed=0' "$T/st" || fail "counts: $(cat "$T/st")"
pass "two errors back to back: both recover"

# 5, 6. The guest gives up: disconnect, none.  Policy detach.
for answer in disconnect:4:01 none:1:02; do
	a=${answer%%:*} r=$(echo "$answer" | cut -d: -f2) v=00:$(echo "$answer" | cut -d: -f3).0
	serve_start e g1 8 --aer "$a"
	ctl aer g1 "$v" >/dev/null || fail "aer failed"
	n=$((n + 1)); expect_last "$(aer_done $n)" "detected:$r -> failed"
	grep -q "^aer detected $v channel=2 -> $a\$" "$T/e.out" || fail "guest did not answer $a"
	gone_for_guest e "$v"
	quarantined "0000:$v"
	serve_stop e 8
	pass "$a: the recovery fails; $v leaves the guest (seen by it) and is quarantined"
done
if ctl attach g1 "sim:$FIX/microvm-virtio.lspci#00:01.0" 2>"$T/err"; then fail "a quarantined device was attached"; fi
grep -q "quarantined (AER recovery failed)" "$T/err" || fail "attach refusal: $(cat "$T/err")"
pass "a quarantined device cannot be attached again"

# 7. A guest without a PV AER handler.
serve_start f g1 8 --no-aer-handler
ctl aer g1 00:03.0 | grep -q "failed at once (no guest handler)" || fail "no-handler guest: not failed at once"
n=$((n + 1)); expect_last "$(aer_done $n)" "no guest handler -> failed"
gone_for_guest f 00:03.0
grep -q '^aer ' "$T/f.out" && fail "a guest without a handler was asked"
quarantined 0000:00:03.0
serve_stop f 8
pass "no handler: fails at once, the device leaves the guest"

# 8. A guest that never answers: the backend times out by itself, and serves meanwhile.
serve_start g g1 8 --aer ignore
t0=$(date +%s%N)
ctl aer g1 00:04.0 >/dev/null || fail "aer failed"
wait_for "$T/g.out" '^aer detected 00:04.0 channel=2 -> \(no answer\)$'
reads=0
for i in 1 2 3 4 5; do
	[ "$(front g2 read 00:00.0 0 2)" = "16c3" ] || fail "g2 not served during g1's recovery"
	reads=$((reads + 1))
done
serve_cmd 8 "read 00:00.0 0 2"
wait_for "$T/g.out" '^14c1$' "g1's own read during its recovery"
status
# Only a status taken before the deadline (t0 + TIMEOUT at the earliest) must show the step still waiting:
# on a loaded machine the reads alone can take longer than the timeout.
served=$((($(date +%s%N) - t0) / 1000000))
if [ "$served" -lt $TIMEOUT ]; then
	grep -q 'busy=yes step=detected' "$T/st" || fail "the recovery was no longer waiting after the reads: $(cat "$T/st")"
else
	echo "note: the reads took $served ms, past the $TIMEOUT ms timeout; the still-waiting check is skipped"
fi
n=$((n + 1)); expect_last "$(aer_done $n)" "detected:timeout -> failed"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge $TIMEOUT ] || fail "timed out after $ms ms, before $TIMEOUT"
# Seen within 3 s of the deadline, or of the end of the reads when they took longer.
late=$TIMEOUT
[ "$served" -le "$late" ] || late=$served
[ "$ms" -lt $((late + 3000)) ] || fail "timed out after $ms ms, long after $TIMEOUT (reads done at $served ms)"
grep -q 'timeouts=1 ' "$T/st" || fail "timeouts not counted: $(cat "$T/st")"
gone_for_guest g 00:04.0
quarantined 0000:00:04.0
serve_stop g 8
pass "no answer: $reads reads of g2 and one of g1 served while waiting; timeout after $ms ms (--aer-timeout $TIMEOUT); device gone"

# 9. A guest that leaves mid-recovery, with a second error queued: both fail at once, without waiting.
serve_start h g1 8 --aer ignore
ctl aer g1 00:05.0 >/dev/null || fail "aer failed"
ctl aer g1 00:06.0 | grep -q "queued behind" || fail "the second error was not queued"
wait_for "$T/h.out" '^aer detected 00:05.0'
t0=$(date +%s%N)
serve_stop h 8
n=$((n + 2)); expect_last "$(aer_done $n)" "guest not connected -> failed"
ms=$((($(date +%s%N) - t0) / 1000000))
# Ended by the disconnect, not by a deadline: still the one timeout of case 8.
grep -q 'timeouts=1 ' "$T/st" || fail "the recoveries timed out instead of ending at the disconnect: $(cat "$T/st")"
quarantined 0000:00:05.0
quarantined 0000:01:00.0
pass "the guest leaves mid-recovery with another queued: both fail within $ms ms, both devices quarantined"

# 10. A guest that is not connected: fails at once (the kernel's no-shared-page path).
ctl aer g2 00:00.0 | grep -q "failed at once (guest not connected)" || fail "unconnected guest: not failed at once"
quarantined 0000:01:00.0
[ -z "$(front g2 lspci)" ] || fail "g2 still sees its device"
pass "guest not connected: fails at once; the guest's lspci no longer shows the device"

front g1 lspci >"$T/g1.lspci" || fail "g1 lspci failed"
[ "$(grep -c ' Class ' "$T/g1.lspci")" -eq 1 ] || fail "g1 does not see exactly its 1 remaining device"
daemon_alive
stop_daemon
pass "g1 keeps the one device that always recovered"

# Policy keep: the recovery fails, nothing else changes.
start_daemon --aer-timeout $TIMEOUT --aer-policy keep --device "g1=sim:$FIX/cap-address-xlation.lspci#02:00.0" \
	--device "g2=sim:$FIX/cap-dev3.lspci#01:00.0"
serve_start k g1 8 --aer disconnect
ctl aer g1 00:00.0 >/dev/null || fail "aer failed"
expect_last "$(aer_done 1)" "detected:4 -> failed"
grep -q 'policy=keep' "$T/st" || fail "policy not keep: $(cat "$T/st")"
ctl aer g2 00:00.0 | grep -q "device kept" || fail "unconnected guest under keep"
serve_cmd 8 "read 00:00.0 0 2"
wait_for "$T/k.out" '^14c1$' "g1's read after the failed recovery"
grep -q '^reconfiguring' "$T/k.out" && fail "the guest was told of a removal under policy keep"
[ -z "$(ctl quarantine)" ] || fail "quarantine not empty under keep: $(ctl quarantine)"
[ "$(front g2 read 00:00.0 0 2)" = "16c3" ] || fail "g2 lost its device under keep"
serve_stop k 8
stop_daemon
pass "policy keep: failed recoveries leave the devices with their guests"

# A guest that answers the step in progress without kicking, with four more errors queued behind it, and
# leaves: the disconnect ends all five recoveries (none stays busy) and every device is quarantined.
g3devs=
for s in 1 2 3 4 5; do g3devs="$g3devs --device g3=sim:$FIX/microvm-virtio.lspci#00:0$s.0"; done
# shellcheck disable=SC2086
start_daemon --aer-timeout 60000 $g3devs
"$ROGUE" "$T/sock" aer-preanswer g3 >"$T/pre.out" &
PPID3=$!
SPIDS="$SPIDS $PPID3"
wait_for "$T/pre.out" '^connected$' "the pre-answering guest"
for s in 1 2 3 4 5; do ctl aer g3 00:0$((s - 1)).0 >/dev/null || fail "aer $s failed"; done
wait_for "$T/pre.out" '^answered$' "the pre-answering guest"
kill -KILL $PPID3
wait $PPID3 2>/dev/null || true
i=0
until ctl aer-status g3 | grep -q 'recovered=0 failed=5 '; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "the five recoveries did not all fail: $(ctl aer-status g3)"
	sleep 0.05
done
ctl aer-status g3 | grep -q 'busy=no step=- queued=0 ' || fail "still busy after the drain: $(ctl aer-status g3)"
for s in 1 2 3 4 5; do quarantined 0000:00:0$s.0; done
daemon_alive
stop_daemon
pass "a guest that leaves with a pre-answered step and four errors queued: all five fail, all quarantined"
