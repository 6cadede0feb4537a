#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# With --transport xen, pcibackd refuses in one line to run beside the kernel's xen-pciback
# (its xenbus backend driver registered, or its module loaded), on a fake sysfs tree;
# a built-in xen_pciback that registered nothing (no initstate, no driver) is no obstacle.
. "$(dirname "$0")/lib.sh"
DEV="sim:$FIX/cap-pcie-2.lspci"

run_xen() { # SYSFS_ROOT: pcibackd's output in $T/out, its exit status in $rc
	rc=0
	"$PCIBACKD" --transport xen --sysfs "$1/bus/pci" --device "$DEV" >"$T/out" 2>&1 </dev/null || rc=$?
}

mkdir -p "$T/none/bus/pci/devices" "$T/none/module/xen_pciback/parameters"
run_xen "$T/none"
if grep -q "Xen transport is not built" "$T/out"; then
	echo "SKIP: the Xen transport is not built"
	exit 77
fi
! grep -q "xen-pciback" "$T/out" || fail "no xen-pciback here, but: $(cat "$T/out")"
pass "built-in xen_pciback with no backend driver registered: not refused for it"

mkdir -p "$T/drv/bus/pci/devices" "$T/drv/bus/xen-backend/drivers/pciback"
mkdir -p "$T/mod/bus/pci/devices" "$T/mod/module/xen_pciback"
echo live >"$T/mod/module/xen_pciback/initstate"
for c in drv:"$T/drv/bus/xen-backend/drivers/pciback" mod:"$T/mod/module/xen_pciback/initstate"; do
	name=${c%%:*} path=${c#*:}
	run_xen "$T/$name"
	[ $rc -eq 1 ] || fail "$name: exit status $rc, expected 1: $(cat "$T/out")"
	[ "$(wc -l <"$T/out")" -eq 1 ] || fail "$name: expected one line: $(cat "$T/out")"
	grep -q "^pcibackd: error: the kernel's xen-pciback backend is active ($path)" "$T/out" ||
		fail "$name: $(cat "$T/out")"
	pass "$name: refused in one line naming $path"
done
