#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# passthrough mode: guests see the real addresses, on every published root
# (several domains and buses), and a read of an address the guest does not
# have fails with dev_not_found by name.
. "$(dirname "$0")/lib.sh"

PX=$FIX/PCI-X-bridges-and-domains.lspci
start_daemon --mode passthrough \
	--device "g1=sim:$PX#0001:01:01.0" --device "g1=sim:$PX#0001:01:01.1" \
	--device "g1=sim:$PX#0001:21:01.0" --device "g1=sim:$PX#0000:00:01.0" \
	--device "g2=sim:$PX#0002:42:02.0" --device "g2=sim:$FIX/tree-fsl-p2020.lspci#0002:01:00.0" \
	--device "g2=sim:$FIX/cap-pcie-2.lspci"

check() { # guest expected-addresses...
	g=$1
	shift
	front "$g" lspci >"$T/$g.lspci" || fail "pcifront lspci for $g failed"
	got=$(sed -n 's/^\([0-9a-f:.]*\) Class .*/\1/p' "$T/$g.lspci" | sort)
	want=$(printf '%s\n' "$@" | sort)
	[ "$got" = "$want" ] || fail "$g sees [$(echo $got)], expected [$(echo $want)]"
	for a in "$@"; do
		lspci -F "$T/$g.lspci" -n -s "$a" 2>/dev/null | grep -q . || fail "lspci -F cannot decode $g's $a"
	done
	pass "$g sees its real addresses: $(echo $want)"
}
check g1 0001:01:01.0 0001:01:01.1 0001:21:01.0 00:01.0
check g2 0002:42:02.0 0002:01:00.0 01:00.0

v=$(front g2 read 0002:42:02.0 0 4) || fail "read of g2's 0002:42:02.0 failed"
want=$(lspci -F "$PX" -n -s 0002:42:02.0 | sed 's/.* \([0-9a-f]*\):\([0-9a-f]*\) .*/\2\1/')
[ "$v" = "$want" ] || fail "vendor and device of 0002:42:02.0 read $v, the dump has $want"
if front g2 read 0001:01:01.0 0 2 2>"$T/err"; then fail "g2 reads g1's device"; fi
grep -q dev_not_found "$T/err" || fail "error does not name dev_not_found: $(cat "$T/err")"
pass "reads at real addresses; another guest's device is dev_not_found"
stop_daemon
