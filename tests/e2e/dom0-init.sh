#!/bin/sh
# /init of dom0: starts the Xen toolstack's daemons, binds the emulated devices
# to their own drivers (the state pcibackd must seize them from), runs the
# scenarios and powers QEMU off.  Only some scenarios:
# (e2e_only=a+b) runs only those scenarios.
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/xen-4.17/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/xen /run/xenstored /var/log/xen/console
rm -rf /var/run
ln -s /run /var/run
. /e2e/dom0-lib.sh
mark "dom0 init started; time limits x$SCALE"

E2E_ONLY=
for w in $(cat /proc/cmdline); do
	case $w in e2e_only=*) E2E_ONLY=${w#e2e_only=} ;; esac
done

boot_ok=1
for m in xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc pci-stub; do
	modprobe "$m" || { echo "modprobe $m failed"; boot_ok=0; }
done
mount -t xenfs xenfs /proc/xen || boot_ok=0
xenstored --pid-file /run/xen/xenstored.pid
wait_until "$(sc 30)" xenstore-read / || boot_ok=0
xen-init-dom0 >/dev/null || boot_ok=0
xenconsoled --pid-file=/run/xen/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console --timestamp=none
# 06.0 and 07.0 are hidden from dom0's drivers from boot, as pci-stub.ids or
# xen-pciback.hide would: pci-stub holds them before nvme and e1000e load.
for d in 0000:00:06.0 0000:00:07.0; do
	echo pci-stub > "/sys/bus/pci/devices/$d/driver_override" && echo "$d" > /sys/bus/pci/drivers_probe || boot_ok=0
done
# The other emulated devices, driven by dom0's own drivers before anything takes them.
modprobe nvme
modprobe e1000e
mark "toolstack up"
lspci -nn

# A line every 5 s of dom0's time (instructions under -icount: up to a minute or two of the
# host's on a loaded machine): the host's watchdog (run.sh) takes silence for a hang.
(while sleep 5; do echo "E2E-ALIVE: dom0 uptime $(up)"; done) &
. /e2e/scenarios.sh
scenarios_run
echo "E2E-SUMMARY: $NPASS passed, $NFAIL failed, $NSKIP skipped"
sync
poweroff -f
