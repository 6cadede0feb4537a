#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Stop is not release, and a restart gives guests back their devices as they were
# (doc/restart.md): after `kill -9` (and after SIGTERM) and a start with the same
# arguments and --state-dir, a guest's config space as it reads it is byte-identical
# (command register, a BAR being sized, MSI and MSI-X enabled), no write reaches a
# device during the adoption (its write record is unchanged), a connected guest
# reconnects by itself, an op it posted while no daemon served it is answered after
# the restart, and a detach afterwards releases cleanly.  A state file cut short, of
# another version, damaged, or naming a device that no longer exists: a clear
# message, and nothing taken from any guest.
. "$(dirname "$0")/lib.sh"
KEEP_STATE=1

A="sim:$FIX/cap-pcie-2.lspci"                   # MSI
B="sim:$FIX/microvm-virtio.lspci#00:02.0"       # MSI-X
C="sim:$FIX/microvm-virtio.lspci#00:03.0"
args="--device g2=$A --device g2=$B --device g1=$C"
# shellcheck disable=SC2086
start_daemon $args

# g2 changes registers: command (memory, bus master), BAR0 sized (the latch stays set),
# the cache line size, MSI on 00:00.0, two MSI-X vectors on 00:01.0.
front g2 write 00:00.0 4 2 6 || fail "command write"
front g2 write 00:00.0 c 1 10 || fail "cache line size write"
front g2 write 00:00.0 10 4 ffffffff || fail "BAR0 sizing write"
front g2 msi-enable 00:00.0 >"$T/msi" || fail "msi-enable"
front g2 msix-enable 00:01.0 2 >"$T/msix" || fail "msix-enable"
DEVS="00:00.0 00:01.0" # g2's devices
snapshot() { # NAME: what g2 sees, what reached its devices, their interrupts
	front g2 lspci >"$T/$1.lspci" || fail "$1: lspci of g2"
	for d in $DEVS; do
		ctl writes g2 $d >>"$T/$1.w" || fail "$1: writes of $d"
		ctl irq g2 $d | grep -v '^provider' >>"$T/$1.irq" || fail "$1: irq of $d"
	done
	# The provider's mappings alive (its counts of maps and unmaps are the process's history).
	ctl irq | sed -n 's/^provider.* live=/live=/p' >>"$T/$1.irq"
}
snapshot before
grep -q "0x004 size=2" "$T/before.w" || fail "the command write did not reach the device (test setup)"
bar_sized=$(front g2 read 00:00.0 10 4)

# g1 stays connected (pcifront serve) and must reconnect by itself; it never answers AER steps.
serve_start s1 g1 3 --reconnect 60000 --aer ignore
same_as_before() { # WHAT
	rm -f "$T/after.w" "$T/after.irq"
	snapshot after
	cmp -s "$T/before.lspci" "$T/after.lspci" ||
		fail "$1: g2's config space differs: $(diff "$T/before.lspci" "$T/after.lspci" | head -n 6)"
	cmp -s "$T/before.w" "$T/after.w" ||
		fail "$1: a write reached a device during adoption: $(diff "$T/before.w" "$T/after.w" | head -n 4)"
	cmp -s "$T/before.irq" "$T/after.irq" || fail "$1: interrupts differ: $(diff "$T/before.irq" "$T/after.irq")"
	case $DEVS in 00:00.0*)
		[ "$(front g2 read 00:00.0 10 4)" = "$bar_sized" ] || fail "$1: BAR0's sizing latch was lost" ;;
	esac
}

# ---- kill -9, with an op posted while no daemon serves ----
kill -STOP "$DPID"
serve_cmd 3 "read 00:00.0 0 4"
# The op is posted once the guest has kicked: the stopped daemon's kick eventfd counts it.
i=0
until grep -qs '^eventfd-count:[[:space:]]*[1-9]' /proc/"$DPID"/fdinfo/*; do
	i=$((i + 1))
	[ $i -lt 400 ] || fail "g1's op was never posted"
	sleep 0.005
done
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null || true
DPID=
n_before=$(count "$T/s1.out" '^[0-9a-f]{8}$')
# shellcheck disable=SC2086
start_daemon $args
wait_for "$T/s1.out" '^reconnected: devices: 00:00.0=1af4:1041' "g1 reconnecting after kill -9"
wait_for "$T/s1.out" '^10411af4$' "g1's op posted during the gap"
grep -q 'transport\|not responding' "$T/s1.out" && fail "g1's op failed: $(tail -n 3 "$T/s1.out")"
pass "kill -9: g1 reconnected by itself; its op posted while no daemon served was answered after"
same_as_before "kill -9"
pass "kill -9: g2's config space byte-identical, no write during adoption, MSI and MSI-X kept"
grep -q 'given back to guest g2' "$T/daemon.log" || fail "the daemon did not say what it gave back"

# ---- SIGTERM, with g1's error recovery under way ----
ctl aer g1 00:00.0 >/dev/null || fail "aer g1 00:00.0"
wait_for "$T/s1.out" '^aer detected 00:00.0 .*(no answer)' "g1's AER step"
ctl writes g1 00:00.0 >"$T/g1.w.before" || fail "writes of g1's device"
stop_daemon
grep -q 'left with their guests' "$T/daemon.log" || fail "SIGTERM: the daemon did not say it kept the devices"
grep -q 'released\|quarantined' "$T/daemon.log" && fail "SIGTERM released a device: $(cat "$T/daemon.log")"
: >"$T/s1.out"
# shellcheck disable=SC2086
start_daemon $args
wait_for "$T/s1.out" '^reconnected: devices: 00:00.0=1af4:1041' "g1 reconnecting after SIGTERM"
same_as_before "SIGTERM"
ctl writes g1 00:00.0 >"$T/g1.w.after" || fail "writes of g1's device after SIGTERM"
cmp -s "$T/g1.w.before" "$T/g1.w.after" ||
	fail "SIGTERM during g1's recovery: a write reached its device: $(diff "$T/g1.w.before" "$T/g1.w.after" | head -n 4)"
ctl quarantine | grep -q 'quarantined' && fail "SIGTERM during g1's recovery quarantined: $(ctl quarantine)"
serve_cmd 3 "read 00:00.0 0 4"
wait_for "$T/s1.out" '^10411af4$' "g1 served after SIGTERM"
pass "SIGTERM (during g1's recovery): devices kept, given back byte-identical, no write during adoption; g1 reconnected"

# ---- detach after the restart releases cleanly ----
ctl detach g2 00:00.0 >"$T/detach" || fail "detach after restart: $(cat "$T/detach")"
grep -q quarantined "$T/detach" && fail "detach after restart quarantined: $(cat "$T/detach")"
ctl irq >"$T/irq.after"
grep -q 'live=2' "$T/irq.after" || fail "the detached device's MSI is still mapped: $(cat "$T/irq.after")"
ctl list >"$T/list"
grep -q '^free 0000:01:00.0 source=' "$T/list" || fail "the detached device is not free: $(cat "$T/list")"
grep -q 'real=0000:01:00.0' "$T/list" && fail "g2 still has the device: $(cat "$T/list")"
pass "detach after restart: released (free, MSI unmapped), not quarantined"
DEVS="00:01.0"
rm -f "$T/before.w" "$T/before.irq"
snapshot before # what g2 has now, for the bad state files below

# ---- bad state files: a clear message, nothing taken ----
serve_stop s1 3
stop_daemon
SF=$(ls "$T/state"/local-*.state)
cp "$SF" "$T/good.state"
bad_start() { # WHAT PATTERN: the daemon must refuse to start, saying PATTERN, touching nothing
	rc=0
	# shellcheck disable=SC2086
	"$PCIBACKD" --socket "$T/sock" --control "$T/ctl" --state-dir "$T/state" $args 2>"$T/bad.log" || rc=$?
	[ $rc -ne 0 ] || fail "$1: the daemon started"
	grep -q "$2" "$T/bad.log" || fail "$1: no clear message: $(cat "$T/bad.log")"
	grep -q "nothing is taken from any guest" "$T/bad.log" || fail "$1: $(cat "$T/bad.log")"
	[ "$(grep -c . "$T/bad.log")" -eq 1 ] || fail "$1: more than one line: $(cat "$T/bad.log")"
	cp "$T/good.state" "$SF"
	pass "$1: refused in one line ($(cut -c1-110 "$T/bad.log")...)"
}
head -c $(($(wc -c <"$T/good.state") / 2)) "$T/good.state" >"$SF"
bad_start "truncated state file" "cut short"
sed '1s/.*/pcibackd-state 2/' "$T/good.state" >"$SF"
bad_start "state file of version 2" "version 2, this pcibackd reads version 1"
sed 's/^dev-field 4 2 .*/dev-field 4 2 7 0 0 0/' "$T/good.state" >"$SF"
bad_start "edited state file" "checksum"
# Nothing was taken: with the good file, g2 gets its devices back as they were.
# shellcheck disable=SC2086
start_daemon $args
same_as_before "after the refused state files"
pass "after the refused state files, g2's devices are given back unchanged"

# A device that no longer exists: attached at run time from a dump that is then removed.
cp "$FIX/microvm-virtio.lspci" "$T/gone.lspci"
ctl attach g3 "sim:$T/gone.lspci#00:02.0" >/dev/null || fail "attach of g3's device"
front g3 write 00:00.0 4 2 2 || fail "g3 write"
stop_daemon
rm "$T/gone.lspci"
# shellcheck disable=SC2086
start_daemon $args
wait_for "$T/daemon.log" 'gone.lspci.*guest g3.*no longer exists' "the message about the device that is gone"
same_as_before "with a device gone"
if front g3 read 00:00.0 0 4 2>/dev/null; then fail "g3 still has a device that no longer exists"; fi
pass "a device that no longer exists: said in one line; every other device given back unchanged"

# Started from another directory with a relative --socket, the daemon finds the same state.
stop_daemon
D=$(cd "$(dirname "$PCIBACKD")" && pwd)/$(basename "$PCIBACKD")
# shellcheck disable=SC2086
(cd "$T" && exec "$D" --socket sock --control ctl --state-dir state $args 2>"$T/daemon.log") &
DPID=$!
wait_socket "$T/sock"
grep -q 'given back to guest g2' "$T/daemon.log" || fail "a relative --socket did not find the state"
same_as_before "relative --socket"
stop_daemon
# shellcheck disable=SC2086
start_daemon $args
same_as_before "absolute --socket again"
pass "the state is found whichever directory the daemon starts from"

# shutdown --release: the daemon stops and releases every device; no state is left.
ctl shutdown --release >"$T/shut" || fail "shutdown --release: $(cat "$T/shut")"
rc=0
wait "$DPID" || rc=$?
DPID=
[ $rc -eq 0 ] || fail "shutdown --release: exit $rc"
[ ! -e "$SF" ] || fail "shutdown --release left a state file"
grep -q 'every device is released' "$T/shut" || fail "shutdown --release: $(cat "$T/shut")"
grep -q 'left with their guests' "$T/daemon.log" && fail "shutdown --release kept the devices"
pass "shutdown --release: stopped, every device released, no state left"
