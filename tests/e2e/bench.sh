#!/bin/bash
# The end-to-end benchmark: from inside a PV guest, the enumeration time (loading
# xen-pcifront until its handshake and bus scan return) and 10,000 config-space reads
# (e2e-cfgbench), under Debian's in-kernel xen-pciback and under pcibackd, in one boot;
# prints both and the pcibackd/kernel ratio.
#   tests/e2e/bench.sh BUILDDIR
# A TCG thread per vCPU (E2E_TCG_THREAD=multi), as dom0 and the guest run side by side on
# real hardware; the test suite runs them on one thread, which serializes them. With a
# thread per vCPU QEMU 7.2 can itself segfault (see README.md), so a boot that QEMU did
# not survive is run again, up to three boots in all.
set -uo pipefail
[ $# = 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
export E2E_TCG_THREAD=${E2E_TCG_THREAD:-multi}
RUN="$(dirname "$(readlink -f "$0")")/run.sh"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for boot in 1 2 3; do
	"$RUN" --build "$1" --only boot,kernel-baseline,1-boot-attach,bench > "$out" 2>&1
	rc=$?
	sig=$(sed -n 's/^---- qemu died on signal \([0-9]*\) ----$/\1/p' "$out")
	[ -n "$sig" ] || break
	echo "bench: boot $boot of 3: QEMU died on signal $sig"
done
cat "$out"
exit $rc
