/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Xen interrupt provider: a guest's MSI / MSI-X vectors mapped into the
 * guest's own PIRQ space (what dom0 Linux does for pciback through
 * PHYSDEVOP_map_pirq with the owner domain, inventory §7), and unmapped on
 * disable, detach and guest death.
 *
 * Two layers:
 *  - xen_irq_hyp: the two hypervisor calls (xen_irq_xen.c over libxenctrl;
 *    tests use a fake);
 *  - xen_irq_dev: what one device of one guest has mapped, with all-or-nothing
 *    map operations (a failure unmaps whatever the call had mapped and leaves
 *    the device as it was).  xen_irq_provider is its function table.
 */
#ifndef PCIBACKD_TRANSPORT_XEN_XEN_IRQ_H
#define PCIBACKD_TRANSPORT_XEN_XEN_IRQ_H

#include <stdint.h>

#include "common/bdf.h"
#include "proto/pciif.h"

struct xen_irq_hyp;

struct xen_irq_hyp_ops {
	/*
	 * Maps one MSI (table_base 0, entry 0) or MSI-X entry of dev into
	 * domid's PIRQ space; 0 with *pirq, or -errno.
	 */
	int (*map)(struct xen_irq_hyp *h, uint32_t domid, const struct pb_bdf *dev, unsigned entry, uint64_t table_base,
		   int *pirq);
	int (*unmap)(struct xen_irq_hyp *h, uint32_t domid, int pirq);
};

struct xen_irq_hyp {
	const struct xen_irq_hyp_ops *ops;
};

enum xen_irq_kind { XEN_IRQ_NONE = 0, XEN_IRQ_MSI, XEN_IRQ_MSIX };

struct xen_irq_dev {
	struct xen_irq_hyp *hyp;
	uint32_t domid;
	struct pb_bdf addr;           /* real address */
	enum xen_irq_kind kind;
	unsigned n;                   /* PIRQs mapped */
	int pirq[PCIIF_MAX_VEC];
};

void xen_irq_dev_init(struct xen_irq_dev *d, struct xen_irq_hyp *hyp, uint32_t domid, const struct pb_bdf *addr);

/* -EALREADY if anything is mapped; else 0 with the PIRQ, or -errno with nothing mapped. */
int xen_irq_map_msi(struct xen_irq_dev *d, int *pirq);
/*
 * nvec (1..PCIIF_MAX_VEC) MSI-X entries with the table at table_base (host
 * physical address of the table, BAR start + table offset).  0 with one PIRQ
 * per entry, or -errno with nothing mapped (every PIRQ mapped by this call is
 * unmapped again).
 */
int xen_irq_map_msix(struct xen_irq_dev *d, uint64_t table_base, unsigned nvec, const uint16_t *entries, int *pirqs);
/* Unmaps everything (disable, detach, guest death); returns the number of unmap failures. */
unsigned xen_irq_unmap_all(struct xen_irq_dev *d);

struct xen_irq_provider {
	int (*map_msi)(struct xen_irq_dev *d, int *pirq);
	int (*map_msix)(struct xen_irq_dev *d, uint64_t table_base, unsigned nvec, const uint16_t *entries, int *pirqs);
	unsigned (*unmap_all)(struct xen_irq_dev *d);
};
extern const struct xen_irq_provider xen_irq_provider;

#endif
