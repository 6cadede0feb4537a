#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# 24 fixture devices over 3 guests (vpci): each guest sees exactly its devices
# at the expected virtual addresses, and lspci decodes the same vendor,
# device, class and capability list as on the original dump.
. "$(dirname "$0")/lib.sh"

# guest fixture real-address expected-virtual-address
cat >"$T/devices" <<'LIST'
g1 cap-vc-and-rcl.lspci 00:1b.0 00:00.0
g1 cap-vc-and-rcl.lspci 00:1d.0 00:01.0
g1 cap-vc-and-rcl.lspci 00:1d.1 00:01.1
g1 cap-vc-and-rcl.lspci 00:1d.2 00:01.2
g1 cap-vc-and-rcl.lspci 00:1d.3 00:01.3
g1 cap-vc-and-rcl.lspci 00:1d.7 00:01.7
g1 cap-pcie-2.lspci 01:00.0 00:02.0
g1 cap-rcec.lspci 6a:00.4 00:03.4
g2 microvm-virtio.lspci 00:01.0 00:00.0
g2 microvm-virtio.lspci 00:02.0 00:01.0
g2 microvm-virtio.lspci 00:03.0 00:02.0
g2 microvm-virtio.lspci 00:04.0 00:03.0
g2 microvm-virtio.lspci 00:05.0 00:04.0
g1 cap-debug-port.lspci 00:02.1 00:04.1
g2 cap-address-xlation.lspci 02:00.0 00:05.0
g2 cap-dev3.lspci 01:00.0 00:06.0
g3 PCI-X-bridges-and-domains.lspci 0001:01:01.1 00:00.1
g3 PCI-X-bridges-and-domains.lspci 0001:01:01.0 00:00.0
g3 PCI-X-bridges-and-domains.lspci 0002:42:00.0 00:01.0
g3 PCI-X-bridges-and-domains.lspci 0000:00:01.0 00:02.0
g3 cap-exp-lnkcap2.lspci 02:00.0 00:03.0
g3 cap-exp-lnkcap2.lspci 09:00.0 00:04.0
g3 cap-pasid-pri.lspci 00:02.0 00:05.0
g3 cap-l1-pm.lspci 01:00.0 00:06.0
g3 cap-doe.lspci df:00.0 00:07.0
g3 tree-fsl-p2020.lspci 0001:03:00.0 00:08.0
LIST

set --
while read -r g f real v; do
	set -- "$@" --device "$g=sim:$FIX/$f#$real"
done <"$T/devices"
start_daemon "$@"
n=$(wc -l <"$T/devices")
[ "$n" -ge 20 ] || fail "only $n devices"

ncaps=0
for g in g1 g2 g3; do
	front "$g" lspci >"$T/$g.lspci" || fail "pcifront lspci for $g failed"
	got=$(sed -n 's/^\([0-9a-f:.]*\) Class .*/\1/p' "$T/$g.lspci" | sort)
	want=$(awk -v g="$g" '$1 == g { print $4 }' "$T/devices" | sort)
	[ "$got" = "$want" ] || fail "$g sees [$(echo $got)], expected [$(echo $want)]"
	while read -r gg f real v; do
		[ "$gg" = "$g" ] || continue
		a=$(ids_of "$FIX/$f" "$real")
		b=$(ids_of "$T/$g.lspci" "$v")
		[ -n "$a" ] || fail "lspci does not decode $f $real"
		[ "$a" = "$b" ] || fail "$g $v: ids [$b] differ from $f $real [$a]"
		a=$(caps_of "$FIX/$f" "$real")
		b=$(caps_of "$T/$g.lspci" "$v")
		[ "$a" = "$b" ] || fail "$g $v: capabilities differ from $f $real: [$(echo $b)] vs [$(echo $a)]"
		ncaps=$((ncaps + $(printf '%s' "$a" | grep -c . || true)))
	done <"$T/devices"
	pass "$g sees its $(echo "$want" | wc -l) devices at the expected addresses, ids and capabilities as in the dumps"
done
[ "$ncaps" -ge 40 ] || fail "only $ncaps capabilities compared"
pass "$ncaps capability lines compared"

# The control socket lists every guest with its devices.
ctl list >"$T/list" || fail "control list failed"
[ "$(grep -c '^guest ' "$T/list")" -eq 3 ] || fail "list does not show 3 guests"
grep -q '^  0000:00:03.4 real=0000:6a:00.4 ' "$T/list" || fail "list lacks g1's 00:03.4 -> 6a:00.4"
ctl stats g1 | grep -q 'conf_read=[1-9]' || fail "stats show no conf_read for g1"
pass "control list and stats"
stop_daemon
pass "clean shutdown"
