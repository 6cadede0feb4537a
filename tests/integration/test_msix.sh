#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# MSI-X through the tool, as a guest driver does it: enable memory decoding,
# enable 8 vectors on a device with a 128-entry table, see "MSI-X: Enable+"
# in the guest's own decoded lspci view, and back.  Every refusal carries the
# kernel's error, changes nothing and maps nothing; the map and unmap counts
# of the interrupt provider balance after every disable and every release.
. "$(dirname "$0")/lib.sh"

start_daemon --device "g1=sim:$FIX/cap-address-xlation.lspci#02:00.0" \
	--device "g1=sim:$FIX/cap-dev3.lspci#01:00.0" --device "g1=sim:$FIX/cap-doe.lspci#df:00.0" \
	--device "g2=sim:$FIX/microvm-virtio.lspci#00:02.0"

irq() { ctl irq "$@" >"$T/irq" || fail "control irq $* failed"; }
provider() { # MAPS UNMAPS
	irq
	grep -q "^provider maps=$1 unmaps=$2 live=$(($1 - $2))\$" "$T/irq" ||
		fail "provider counts are not maps=$1 unmaps=$2: $(cat "$T/irq")"
}
msix_view() { # ADDR: the Enable+/- of MSI-X in the guest's decoded lspci view
	front g1 lspci >"$T/g1.lspci" || fail "pcifront lspci failed"
	lspci -F "$T/g1.lspci" -vv -s "$1" 2>/dev/null | sed -n 's/.*MSI-X: \(Enable[+-]\) Count=\([0-9]*\).*/\1 \2/p'
}
refused() { # EXPECTED-TEXT COMMAND...: the tool fails, printing the error
	want=$1
	shift
	if front g1 "$@" >"$T/out" 2>"$T/err"; then fail "$* succeeded"; fi
	grep -qF -- "$want" "$T/err" || fail "$*: error is not \"$want\": $(cat "$T/err")"
}

[ "$(msix_view 00:00.0)" = "Enable- 128" ] || fail "MSI-X is not off with 128 entries at start: $(msix_view 00:00.0)"
provider 0 0

# Memory decoding off (cap-doe's dump has Mem-): -ENXIO (XSA-157), nothing mapped.
[ "$(msix_view 00:02.0)" = "Enable- 2" ] || fail "cap-doe MSI-X is not off with 2 entries"
[ $(($(front g1 read 00:02.0 4 2 | sed 's/^/0x/') & 2)) -eq 0 ] || fail "cap-doe has memory decoding on"
refused "errno -6 ENXIO" msix-enable 00:02.0 2
provider 0 0
[ "$(msix_view 00:02.0)" = "Enable- 2" ] || fail "MSI-X changed by a refused enable"
front g1 write 00:02.0 4 2 0x6 || fail "command register write refused"
front g1 msix-enable 00:02.0 2 >"$T/vec" || fail "msix-enable 2 after enabling memory decoding failed"
[ "$(msix_view 00:02.0)" = "Enable+ 2" ] || fail "cap-doe MSI-X not on after enable"
front g1 msix-disable 00:02.0 >/dev/null || fail "msix-disable failed"
provider 2 2
pass "msix-enable with memory decoding off: -ENXIO, nothing mapped; after the driver's command write it works"

# Like a driver: memory decoding on, then 8 vectors.
front g1 write 00:00.0 4 2 0x6 || fail "command register write refused"
[ "$(front g1 read 00:00.0 4 2)" = "0006" ] || fail "command register does not read back 0006"
front g1 msix-enable 00:00.0 8 >"$T/vec" || fail "msix-enable 8 failed: $(cat "$T/vec")"
[ "$(grep -c '^entry=[0-7] pirq=[1-9][0-9]*$' "$T/vec")" -eq 8 ] || fail "not 8 vectors: $(cat "$T/vec")"
[ "$(cut -d' ' -f2 "$T/vec" | sort -u | wc -l)" -eq 8 ] || fail "the 8 pirqs are not distinct: $(cat "$T/vec")"
[ "$(msix_view 00:00.0)" = "Enable+ 128" ] || fail "guest lspci shows $(msix_view 00:00.0), expected Enable+"
irq g1 00:00.0
grep -q "msix=on msix_nvec=8 msix_pirqs=$(cut -d= -f3 "$T/vec" | paste -sd, -) .*hw_msix=on" "$T/irq" ||
	fail "irq state does not show the 8 pirqs the guest got: $(cat "$T/irq")"
provider 10 2
pass "msix-enable 8: 8 distinct pirqs, guest lspci decodes MSI-X: Enable+ Count=128"

# The state outlives the connection (each pcifront run is a reconnect).
refused "errno -114 EALREADY" msix-enable 00:00.0 8
refused "op_failed" msi-enable 00:00.0
provider 10 2
[ "$(msix_view 00:00.0)" = "Enable+ 128" ] || fail "a refused enable changed MSI-X"
pass "enabled MSI-X survives reconnects: enabling again -EALREADY, MSI while MSI-X is on op_failed, nothing mapped"

front g1 msix-disable 00:00.0 >"$T/out" || fail "msix-disable failed"
grep -q '^intx=[0-9]*$' "$T/out" || fail "msix-disable does not print the INTx interrupt: $(cat "$T/out")"
[ "$(msix_view 00:00.0)" = "Enable- 128" ] || fail "guest lspci shows $(msix_view 00:00.0) after disable"
provider 10 10
front g1 msix-disable 00:00.0 >/dev/null || fail "a second msix-disable failed (the kernel answers 0)"
provider 10 10
pass "msix-disable: Enable- again, map and unmap counts balance"

# MSI on the same device now works, and excludes MSI-X.
front g1 msi-enable 00:00.0 >"$T/out" || fail "msi-enable failed: $(cat "$T/out")"
grep -q '^pirq=[1-9]' "$T/out" || fail "msi-enable printed $(cat "$T/out")"
refused "errno -6 ENXIO" msix-enable 00:00.0 4
front g1 msi-disable 00:00.0 >/dev/null || fail "msi-disable failed"
provider 11 11
pass "MSI and MSI-X are exclusive, MSI maps and unmaps one pirq"

# Linux's pcifront tears MSI-X down with msi-disable: taken as the MSI-X disable it meant.
front g1 msix-enable 00:00.0 4 >/dev/null || fail "msix-enable 4 failed"
front g1 msi-disable 00:00.0 >"$T/out" || fail "msi-disable with MSI-X on failed"
grep -q '^intx=[0-9]*$' "$T/out" || fail "msi-disable does not print the INTx interrupt: $(cat "$T/out")"
[ "$(msix_view 00:00.0)" = "Enable- 128" ] || fail "MSI-X still $(msix_view 00:00.0) after pcifront's teardown"
provider 15 15
front g1 msix-enable 00:00.0 4 >/dev/null || fail "the driver's next msix-enable failed"
front g1 msix-disable 00:00.0 >/dev/null || fail "msix-disable failed"
provider 19 19
pass "msi-disable with MSI-X on (pcifront's MSI-X teardown) disables MSI-X; the next msix-enable works"

# A 16-entry table: 17 entries is too many for it; the frontend itself refuses 129.
front g1 write 00:01.0 4 2 0x6 || fail "command register write refused on 00:01.0"
refused "errno -22 EINVAL" msix-enable 00:01.0 17
if front g1 msix-enable 00:01.0 129 2>"$T/err"; then fail "129 vectors accepted"; fi
grep -q "1..128" "$T/err" || fail "129 vectors: $(cat "$T/err")"
refused "dev_not_found" msix-enable 00:1f.0 1
provider 19 19
front g1 msix-enable 00:01.0 16 >"$T/vec" || fail "msix-enable 16 on a 16-entry table failed"
[ "$(wc -l <"$T/vec")" -eq 16 ] || fail "not 16 vectors"
provider 35 19
pass "table size and frontend limits: 17 on 16 entries -EINVAL, 129 refused by the tool, absent device dev_not_found"

# Releasing a device with MSI-X on unmaps its vectors.
ctl detach g1 00:01.0 >/dev/null || fail "detach failed"
provider 35 35
pass "detaching a device with 16 vectors on unmaps them all"

# Another guest is unaffected throughout.
[ "$(front g2 read 00:00.0 0 2)" = "1af4" ] || fail "g2 cannot read its device"
stop_daemon
pass "clean shutdown"

# --exact-msi-ops: xen-pciback's answers, its behaviour with that pcifront included.
start_daemon --exact-msi-ops --device "g1=sim:$FIX/cap-address-xlation.lspci#02:00.0"
front g1 write 00:00.0 4 2 0x6 || fail "command register write refused"
front g1 msix-enable 00:00.0 4 >/dev/null || fail "msix-enable 4 failed"
front g1 msi-disable 00:00.0 >/dev/null || fail "msi-disable failed"
[ "$(msix_view 00:00.0)" = "Enable+ 128" ] || fail "--exact-msi-ops: msi-disable changed MSI-X to $(msix_view 00:00.0)"
refused "errno -114 EALREADY" msix-enable 00:00.0 4
provider 4 0
stop_daemon
pass "--exact-msi-ops: msi-disable leaves MSI-X on, the next msix-enable is -EALREADY, as under xen-pciback"
