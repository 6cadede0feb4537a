#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd-analyze verify accepts pcibackd.service with no warning.  The units it needs
# (xenstored, proc-xen.mount, xendomains) are stand-ins here, and ExecStart points at the
# built daemon instead of /usr/sbin/pcibackd; everything else is the shipped unit.
# Arguments: UNIT PCIBACKD
set -eu
UNIT=$1 PCIBACKD=$(realpath "$2")
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
T=$(mktemp -d /tmp/pbunit.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

grep -qx 'ExecStart=/usr/sbin/pcibackd .*\$PCIBACKD_ARGS' "$UNIT" || fail "ExecStart does not run /usr/sbin/pcibackd with \$PCIBACKD_ARGS"
for u in xenstored.service xendomains.service; do printf '[Service]\nExecStart=/bin/true\n' >"$T/$u"; done
printf '[Mount]\nWhat=xenfs\nWhere=/proc/xen\nType=xenfs\n' >"$T/proc-xen.mount"
sed "s|^ExecStart=/usr/sbin/pcibackd |ExecStart=$PCIBACKD |" "$UNIT" >"$T/pcibackd.service"
rc=0
SYSTEMD_UNIT_PATH="$T:" systemd-analyze verify --man=no "$T/pcibackd.service" >"$T/out" 2>&1 || rc=$?
[ $rc -eq 0 ] && [ ! -s "$T/out" ] || fail "systemd-analyze verify (exit $rc): $(cat "$T/out")"
echo "ok: systemd-analyze verify accepts pcibackd.service"
for kv in Type=notify Restart=on-failure RuntimeDirectory=pcibackd EnvironmentFile=-/etc/default/pcibackd \
	Before=xendomains.service; do
	grep -qx "$kv" "$UNIT" || fail "the unit lacks $kv"
done
grep -qx 'Requires=.*xenstored.service.*' "$UNIT" && grep -qx 'After=.*proc-xen.mount.*' "$UNIT" ||
	fail "the unit does not require and follow xenstored and proc-xen.mount"
echo "ok: notify type, restart on failure, runtime directory, defaults file, ordering"
