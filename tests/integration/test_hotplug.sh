#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run-time detach and attach seen by a connected guest (pcifront serve): the
# guest is told through the Reconfiguring/Reconfigured round, detaches what
# was taken, rescans and sees exactly its devices.  A detached device goes
# back to the pool reset, its interrupts unmapped, and can be attached again.
. "$(dirname "$0")/lib.sh"

V="sim:$FIX/microvm-virtio.lspci"
start_daemon --device "g1=$V#00:01.0" --device "g1=$V#00:02.0" --device "g1=$V#00:03.0" \
	--device "g2=sim:$FIX/cap-dev3.lspci#01:00.0"

devices() { tail -n 1 "$T/s.out" | sed 's/^reconfigured: devices://'; }
rounds() { count "$T/s.out" '^reconfigured: devices:'; }
live() { ctl irq | sed -n 's/^provider .* live=\([0-9]*\)$/\1/p'; }

serve_start s g1 8
grep -q '^connected: devices: 00:00.0=1af4:1045 00:01.0=1af4:1042 00:02.0=1af4:1041$' "$T/s.out" ||
	fail "g1 does not start with its 3 devices: $(cat "$T/s.out")"

# Interrupts on the device about to go.
serve_cmd 8 "msix-enable 00:01.0 2"
wait_for "$T/s.out" '^done 0$' "msix-enable in the connected guest"
[ "$(live)" -eq 2 ] || fail "2 vectors not mapped"

ctl detach g1 00:01.0 >/dev/null || fail "detach failed"
wait_for "$T/s.out" '^reconfiguring: removed 00:01.0$'
wait_for "$T/s.out" '^reconfigured: devices:'
[ "$(devices)" = " 00:00.0=1af4:1045 00:02.0=1af4:1041" ] || fail "after detach the guest sees [$(devices)]"
[ "$(live)" -eq 0 ] || fail "the detached device's vectors are still mapped"
ctl list | grep -q "^free 0000:00:02.0 source=" || fail "the detached device is not free in the pool"
serve_cmd 8 "read 00:01.0 0 2"
wait_for "$T/s.out" 'read 00:01.0\+0x0: dev_not_found' "the guest's read of the detached device"
ctl list | grep -q "^guest g1 .*state=4(Connected) devices=2" || fail "g1 not back to Connected: $(ctl list)"
pass "detach: the connected guest is told, rescans and sees 2 devices; vectors unmapped; device free"

# The same device back: fresh (MSI-X off), at a free virtual slot.
ctl attach g1 "$V#00:02.0" >"$T/out" || fail "attach of the free device failed"
grep -q "to g1 at 0000:00:01.0" "$T/out" || fail "attach answered $(cat "$T/out")"
wait_for "$T/s.out" '^reconfigured: devices: 00:00.0=1af4:1045 00:01.0=1af4:1042 00:02.0=1af4:1041$'
serve_cmd 8 "msix-enable 00:01.0 2"
wait_for "$T/s.out" '^entry=1 pirq=' "msix-enable on the re-attached device"
pass "attach: the device comes back at 00:01.0, seen by the guest, and MSI-X can be enabled again"

# A new device from a new source, and two changes back to back.
r=$(rounds)
ctl attach g1 "sim:$FIX/cap-pcie-2.lspci#01:00.0" >/dev/null || fail "attach of a new source failed"
ctl detach g1 00:00.0 >/dev/null || fail "detach failed"
wait_for "$T/s.out" '^reconfiguring: removed 00:00.0$'
i=0
until [ "$(devices)" = " 00:01.0=1af4:1042 00:02.0=1af4:1041 00:03.0=8086:10c9" ]; do
	i=$((i + 1))
	[ $i -lt 200 ] || fail "after attach + detach the guest sees [$(devices)]"
	sleep 0.05
done
[ "$(rounds)" -gt "$r" ] || fail "no new round"
pass "attach of a new source then a detach at once: the guest ends with exactly its 3 devices"

# Errors: each a one-line refusal, nothing changes.
while IFS="|" read -r want cmd; do
	# shellcheck disable=SC2086
	if ctl $cmd 2>"$T/err"; then fail "$cmd succeeded"; fi
	grep -qF "$want" "$T/err" || fail "$cmd: \"$(cat "$T/err")\" does not say \"$want\""
done <<EOF2
already assigned to guest g2|attach g1 sim:$FIX/cap-dev3.lspci#01:00.0
no device at|detach g1 00:1f.0
no guest|detach nobody 00:00.0
bad guest name|attach bad/name $V#00:04.0
No such file|attach g1 sim:$FIX/no-such-file.lspci
EOF2
[ "$(devices)" = " 00:01.0=1af4:1042 00:02.0=1af4:1041 00:03.0=8086:10c9" ] || fail "a refused command changed g1"
pass "refusals: owned device, absent address, unknown guest, bad name, bad source"

# A new guest from an attach; a guest that is not connected sees the change at its next connection.
ctl attach g3 "$V#00:04.0" >/dev/null || fail "attach to a new guest failed"
[ "$(front g3 read 00:00.0 2 2)" = "1053" ] || fail "g3 does not see its device"
ctl detach g2 00:00.0 >/dev/null || fail "detach from g2 failed"
[ -z "$(front g2 lspci)" ] || fail "g2 still sees a device"
pass "attach creates guest g3; an unconnected g2 finds its device gone at its next connection"

serve_stop s 8
daemon_alive
stop_daemon
pass "clean shutdown"
