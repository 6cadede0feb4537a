/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pcibackctl's hypervisor part, as libxl does it for a PV guest:
 * have Xen take the device's MSI-X table first (as pciback does when
 * it takes a device), then from /sys/bus/pci/devices/BDF/resource and irq,
 * grant the guest the device's I/O ports and memory pages, map its legacy
 * IRQ as a PIRQ of the guest and permit it, and assign the device (MSI
 * needs it; platforms without an IOMMU refuse, which is tolerated with a
 * warning).  Detach revokes all of it.  The hypervisor calls go through a
 * table so the logic is testable; pbctl_xc.c implements it over libxenctrl.
 */
#ifndef PCIBACKD_TOOLSTACK_PBCTL_PERM_H
#define PCIBACKD_TOOLSTACK_PBCTL_PERM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bdf.h"

struct pbctl_hyp {
	const struct pbctl_hyp_ops *ops;
};

struct pbctl_hyp_ops {
	int (*ioport)(struct pbctl_hyp *h, uint32_t domid, uint32_t first, uint32_t nr, bool allow);
	int (*iomem)(struct pbctl_hyp *h, uint32_t domid, uint64_t first_mfn, uint64_t nr_mfns, bool allow);
	int (*map_pirq)(struct pbctl_hyp *h, uint32_t domid, int irq, int *pirq);
	int (*unmap_pirq)(struct pbctl_hyp *h, uint32_t domid, int pirq);
	int (*irq_permission)(struct pbctl_hyp *h, uint32_t domid, int pirq, bool allow);
	int (*assign)(struct pbctl_hyp *h, uint32_t domid, uint32_t sbdf, bool relaxed);
	int (*deassign)(struct pbctl_hyp *h, uint32_t domid, uint32_t sbdf);
	/*
	 * Xen takes the device's MSI-X table (PHYSDEVOP_prepare_msix): 0,
	 * -EBUSY when it already has it, -ENODEV when the device has no MSI-X.
	 */
	int (*prepare_msix)(struct pbctl_hyp *h, uint32_t sbdf);
};

#define PBCTL_NUM_RES 7   /* 6 BARs + ROM: the lines libxl looks at */

struct pbctl_res {
	uint64_t start, size;
	bool io;
};

struct pbctl_devres {
	struct pbctl_res res[PBCTL_NUM_RES];
	unsigned irq;
	bool msix; /* an MSI-X capability: Xen 4.17 dereferences NULL in prepare_msix for a device without one */
};

/* Reads <sysfs>/bus/pci/devices/<BDF>/{resource,irq,config}; sysfs is "/sys" normally. 0 or -1 + err. */
int pbctl_read_devres(const char *sysfs, const struct pb_bdf *addr, struct pbctl_devres *r, char *err,
		      size_t errlen);

/* Grants everything; on failure revokes what it granted and returns -1 + err. */
int pbctl_grant(struct pbctl_hyp *h, uint32_t domid, const struct pb_bdf *addr, const struct pbctl_devres *r,
		bool rdm_relaxed, char *err, size_t errlen);
/* Revokes everything (best effort); returns the number of calls that failed. */
unsigned pbctl_revoke(struct pbctl_hyp *h, uint32_t domid, const struct pb_bdf *addr, const struct pbctl_devres *r);

#endif
