#!/bin/sh
# /init of the PV guest.  Loads xen-pcifront (in the background: it blocks for
# minutes when no backend connects) unless the command line says e2e_front=0,
# then serves commands from dom0: dom0 writes data/e2e/cmd-N into this
# domain's xenstore directory, the guest runs it with sh and prints
#   E2E-OUT-BEGIN N / its output / E2E-OUT-END N rc=R
# on its console, which dom0's xenconsoled logs.
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmpfs /tmp
echo "E2E-GUEST: init up at $(cut -d' ' -f1 /proc/uptime)"
modprobe xen-evtchn
modprobe xen-gntalloc
modprobe xenfs && mkdir -p /proc/xen && mount -t xenfs xenfs /proc/xen
FRONT=1
for w in $(cat /proc/cmdline); do
	case $w in e2e_front=*) FRONT=${w#e2e_front=} ;; esac
done
if [ "$FRONT" = 1 ]; then
	# Enumeration time: from loading pcifront until its probe (handshake and scan) returns.
	(t0=$(cut -d' ' -f1 /proc/uptime); modprobe xen-pcifront; rc=$?
	 t1=$(cut -d' ' -f1 /proc/uptime)
	 echo "E2E-GUEST: pcifront rc=$rc enum_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')") &
fi
xenstore-write data/e2e/ready 1
n=0
while :; do
	c=$(xenstore-read "data/e2e/cmd-$n" 2>/dev/null)
	if [ -z "$c" ]; then
		sleep 0.2
		continue
	fi
	echo "E2E-OUT-BEGIN $n"
	sh -c "$c" 2>&1
	echo "E2E-OUT-END $n rc=$?"
	n=$((n + 1))
done
