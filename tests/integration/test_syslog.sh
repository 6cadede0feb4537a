#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# --syslog: log lines go to syslog (facility daemon, their own priority), not to stderr.
# The test plays syslogd on /dev/log in a mount namespace of its own (tmpfs over /dev there,
# with the real /dev/null bound back in), so it needs root and unshare; it is skipped otherwise.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! unshare -m true 2>/dev/null; then
	echo "SKIP: needs root and unshare -m"
	exit 77
fi
rc=0
PCIBACKD="$PCIBACKD" FIX="$FIX" T="$T" unshare -m sh -c '
	: >"$T/null"
	mount --make-rprivate / && mount --bind /dev/null "$T/null" && mount -t tmpfs tmpfs /dev &&
		: >/dev/null && mount --bind "$T/null" /dev/null || exit 3
	python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
s.settimeout(10)
open(\"/dev/ready\", \"w\").close()
sys.stdout.write(s.recv(4096).decode())
" >"$T/syslog.out" &
	i=0
	while [ ! -e /dev/ready ]; do i=$((i + 1)); [ $i -lt 200 ] || exit 4; sleep 0.05; done
	"$PCIBACKD" --syslog --socket "$T/sock" --device "g1=sim:$FIX/nosuch.lspci" 2>"$T/stderr"
	echo $? >"$T/rc"
	wait' || rc=$?
[ $rc -eq 0 ] || fail "the namespace for the syslog test failed ($rc)"
[ "$(cat "$T/rc")" = 1 ] || fail "a missing dump was accepted"
grep -q '^<27>.* pcibackd\[[0-9]*\]: error: --device g1=sim:.*nosuch.lspci' "$T/syslog.out" ||
	fail "syslog got: $(cat "$T/syslog.out")"
[ ! -s "$T/stderr" ] || fail "--syslog also wrote to stderr: $(cat "$T/stderr")"
pass "--syslog: the error reached syslog as daemon.err (<27>), nothing on stderr"
