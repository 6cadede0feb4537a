#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# A guest write to a read-only register (vendor ID, device ID, class) never
# reaches the device: it is absent from the simulated device's write record
# (shown by the control socket's "writes" command), with or without
# permissive mode, while a write to a writable register does reach it.
. "$(dirname "$0")/lib.sh"

start_daemon --permissive "g1=sim:$FIX/cap-pcie-2.lspci" --device "g1=sim:$FIX/microvm-virtio.lspci#00:02.0"
# g1: 00:00.0 = cap-pcie-2 (permissive), 00:01.0 = virtio block (default)
# ro: the registers read-only for this device.  Vendor and device ID are
# read-only always; class and interrupt pin only without permissive mode
# (Linux writes unhandled registers in permissive mode: doc/config-space.md).
check_ro() { # vaddr offsets-regex
	v=$1
	vendor=$(front g1 read $v 0 2) || fail "read vendor of $v"
	device=$(front g1 read $v 2 2) || fail "read device of $v"
	front g1 write $v 0 2 1234 2>/dev/null || true
	front g1 write $v 2 2 5678 2>/dev/null || true
	front g1 write $v 0 4 deadbeef 2>/dev/null || true
	front g1 write $v 1 1 ff 2>/dev/null || true
	front g1 write $v 8 4 ffffffff 2>/dev/null || true
	front g1 write $v 3d 1 4 2>/dev/null || true
	ctl writes g1 $v >"$T/writes" || fail "control writes g1 $v failed"
	if grep -E "off=($2) " "$T/writes"; then
		fail "a read-only register write reached $v"
	fi
	[ "$(front g1 read $v 0 2)" = "$vendor" ] || fail "vendor of $v changed"
	[ "$(front g1 read $v 2 2)" = "$device" ] || fail "device ID of $v changed"
	pass "$v: read-only writes absent from the write record; IDs unchanged ($vendor:$device)"
}
check_ro 00:00.0 '0x00[0-3]'
check_ro 00:01.0 '0x00[0-3]|0x00[89ab]|0x03d'

# Positive control: the cache line size is written to hardware (permissive device).
front g1 write 00:00.0 c 1 10 || fail "write of the cache line size failed"
ctl writes g1 00:00.0 | grep -q 'off=0x00c size=1 value=0x10' || fail "cache line size write not recorded"
pass "a writable register's write is recorded"

if ctl writes g1 00:07.0 2>/dev/null; then fail "writes of an absent device succeeded"; fi
stop_daemon
