#!/bin/bash
# The end-to-end benchmark: from inside a PV guest, the enumeration time (loading
# xen-pcifront until its handshake and bus scan return) and 10,000 config-space reads
# (e2e-cfgbench), under Debian's in-kernel xen-pciback and under pcibackd, in one boot;
# prints both and the pcibackd/kernel ratio.
#   tests/e2e/bench.sh BUILDDIR
set -uo pipefail
[ $# = 1 ] || { echo "usage: $0 BUILDDIR" >&2; exit 2; }
# A TCG thread per vCPU, as dom0 and the guest run side by side on real hardware (the test
# suite runs them on one thread, which serializes them: see run.sh).
export E2E_TCG_THREAD=${E2E_TCG_THREAD:-multi}
exec "$(dirname "$(readlink -f "$0")")/run.sh" --build "$1" --only boot,kernel-baseline,1-boot-attach,bench
