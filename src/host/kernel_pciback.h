/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Whether Linux's own PV PCI backend, xen-pciback, is on this host.  It and
 * pcibackd would both take the guests' pci backends in xenstore, so the daemon
 * refuses to serve Xen guests beside it.
 */
#ifndef PCIBACKD_HOST_KERNEL_PCIBACK_H
#define PCIBACKD_HOST_KERNEL_PCIBACK_H

#include <stdbool.h>
#include <stddef.h>

#include "host/host_options.h"

/*
 * True when xen-pciback's xenbus backend driver is registered
 * (<sysfs>/bus/xen-backend/drivers/pciback) or its module is loaded
 * (<sysfs>/module/xen_pciback/initstate: loaded modules only, not built-in
 * ones, which have no such file), where <sysfs> is the directory two levels
 * above the PCI bus directory (--sysfs, /sys/bus/pci by default).  On true,
 * found holds the path that showed it.
 */
bool kernel_pciback_present(const struct host_options *o, char *found, size_t len);

#endif
