#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad start-up input: pcibackd exits non-zero with exactly one line naming
# the problem (malformed dump, unknown device address, missing file, bad
# command line), and pcifront's usage errors do the same.
. "$(dirname "$0")/lib.sh"

# expect_one_line WORD CMD...: CMD fails with one stderr line that contains WORD.
expect_one_line() {
	word=$1
	shift
	rc=0
	"$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
	[ $rc -ne 0 ] || fail "[$*] succeeded"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "[$*] printed $(wc -l <"$T/err") error lines: $(cat "$T/err")"
	grep -qF -- "$word" "$T/err" || fail "[$*]: \"$(cat "$T/err")\" does not name $word"
	[ -n "$DPID" ] || [ ! -e "$T/sock" ] || fail "[$*] left a socket behind"
	pass "$(cat "$T/err")"
}

printf '00:00.0 Host bridge: broken\n00: 86 80 zz\n' >"$T/malformed.lspci"
printf 'this is not an lspci dump\n' >"$T/notadump.lspci"
S="--socket $T/sock"
G=$FIX/cap-pcie-2.lspci
expect_one_line malformed.lspci "$PCIBACKD" $S --device "g1=sim:$T/malformed.lspci"
expect_one_line notadump.lspci "$PCIBACKD" $S --device "g1=sim:$T/notadump.lspci"
expect_one_line 07:00.0 "$PCIBACKD" $S --device "g1=sim:$G#07:00.0"
expect_one_line 0:1:2 "$PCIBACKD" $S --device "g1=sim:$G#0:1:2"
expect_one_line nosuchfile "$PCIBACKD" $S --device "g1=sim:$T/nosuchfile.lspci"
expect_one_line "--mode" "$PCIBACKD" $S --mode vpcii --device "g1=sim:$G"
expect_one_line "--device" "$PCIBACKD" $S --device g1
expect_one_line "--frobnicate" "$PCIBACKD" $S --frobnicate --device "g1=sim:$G"
expect_one_line "--socket" "$PCIBACKD" --device "g1=sim:$G"
expect_one_line "--log-level" "$PCIBACKD" $S --log-level loud --device "g1=sim:$G"
expect_one_line "unknown device source" "$PCIBACKD" $S --device "g1=pci:00:01.0"
expect_one_line "bridges" "$PCIBACKD" $S --device "g1=sim:$FIX/bridge-ctl-vga16.lspci"
expect_one_line "listed twice" "$PCIBACKD" $S --device "g1=sim:$G" --device "g2=sim:$G"
expect_one_line "bad guest name" "$PCIBACKD" $S --device "g/1=sim:$G"

expect_one_line "--socket" "$PCIFRONT" --guest g1 lspci
expect_one_line "unknown command" "$PCIFRONT" --socket "$T/sock" --guest g1 frob
expect_one_line "cannot connect" "$PCIFRONT" --socket "$T/sock" --guest g1 lspci

# At run time, bad tool input fails alone, and the daemon keeps serving.
start_daemon --device "g1=sim:$G"
expect_one_line "SIZE" "$PCIFRONT" --socket "$T/sock" --guest g1 read 00:00.0 0 3
expect_one_line "invalid_offset" "$PCIFRONT" --socket "$T/sock" --guest g1 read 00:00.0 ffe 4
expect_one_line "dev_not_found" "$PCIFRONT" --socket "$T/sock" --guest g1 read 00:05.0 0 4
expect_one_line "no devices are assigned to guest nobody" "$PCIFRONT" --socket "$T/sock" --guest nobody lspci
expect_one_line "unknown command" "$PCIBACKCTL" --control "$T/ctl" frobnicate
expect_one_line "no guest" "$PCIBACKCTL" --control "$T/ctl" permissive nobody 00:00.0 on
[ "$(front g1 read 00:00.0 0 2)" = "8086" ] || fail "the daemon stopped serving"
pass "the daemon still serves g1"
stop_daemon
