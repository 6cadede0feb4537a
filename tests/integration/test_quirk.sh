#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Quirks (the kernel's "DDDD:BB:SS.F-REG:SIZE:MASK"), at start and at run time: a register
# the policy drops becomes writable, and only the bits of MASK reach the device (unlike
# the kernel, which stores the mask but never applies it).
. "$(dirname "$0")/lib.sh"

# 00:03.0 of the microvm is a virtio NIC; 0x94 is the data window of its PCI-config-access
# capability (0x84), undescribed and so read-only by default.
start_daemon --device "g=sim:$FIX/microvm-virtio.lspci#00:03.0" --device "g=sim:$FIX/microvm-virtio.lspci#00:04.0" \
	--quirk 0000:00:03.0-94:4:0000ffff
front g write 00:00.0 94 4 ffffffff || fail "quirk write failed"
ctl writes g 00:00.0 | grep -q 'off=0x094 size=4 value=0x0000ffff' ||
	fail "the quirk's write did not reach the device through its mask: $(ctl writes g 00:00.0)"
pass "--quirk: the write reaches the device through its mask"

# Without a quirk the same register of the other device is dropped...
front g write 00:01.0 94 4 ffffffff || fail "write failed"
if ctl writes g 00:01.0 | grep -q 'off=0x094'; then fail "write reached 00:04.0 without a quirk"; fi
# ...until the operator adds one at run time.
ctl quirk 00:04.0-94:2:00ff | grep -q 'added' || fail "control quirk failed"
front g write 00:01.0 94 2 abcd || fail "write failed"
ctl writes g 00:01.0 | grep -q 'off=0x094 size=2 value=0x00cd' || fail "run-time quirk not applied: $(ctl writes g 00:01.0)"
pass "control quirk: added at run time, mask applied"

# Bad quirks are refused with a message naming the problem.
out=$(ctl quirk 0000:00:04.0-95:2:ff 2>&1) && fail "misaligned quirk accepted"
echo "$out" | grep -q "quirk" || fail "no message for a misaligned quirk: $out"
out=$(ctl quirk 0000:00:09.0-94:4:ff 2>&1) && fail "quirk for an absent device accepted"
echo "$out" | grep -q "no device 0000:00:09.0" || fail "unclear message: $out"
pass "bad quirks refused: $(echo "$out" | tail -n 1)"
stop_daemon
if "$PCIBACKD" --socket "$T/s2" --device "g=sim:$FIX/microvm-virtio.lspci#00:03.0" --quirk nonsense 2>"$T/err"; then
	fail "a bad --quirk was accepted"
fi
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "expected one error line: $(cat "$T/err")"
pass "bad --quirk: $(cat "$T/err")"
