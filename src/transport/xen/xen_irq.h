/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Xen interrupt provider: a guest's MSI / MSI-X vectors mapped into the
 * guest's own PIRQ space (what dom0 Linux does for pciback through
 * PHYSDEVOP_map_pirq with the owner domain).  It implements the
 * common struct irq_provider (src/host/irq_provider.h): the op dispatcher
 * maps one vector at a time and unwinds on failure, so every provider shares
 * that logic.
 *
 * Two layers:
 *  - xen_irq_hyp: the two hypervisor calls (xen_irq_xen.c over libxenctrl;
 *    tests use a fake);
 *  - xen_irq_provider_init(): the irq_provider over a xen_irq_hyp.
 */
#ifndef PCIBACKD_TRANSPORT_XEN_XEN_IRQ_H
#define PCIBACKD_TRANSPORT_XEN_XEN_IRQ_H

#include <stdint.h>

#include "common/bdf.h"
#include "core/pool.h"
#include "host/irq_provider.h"

struct xen_irq_hyp;

struct xen_irq_hyp_ops {
	/*
	 * Maps one MSI (table_base 0, entry 0) or MSI-X entry of dev into
	 * domid's PIRQ space; 0 with *pirq, or -errno.
	 */
	int (*map)(struct xen_irq_hyp *h, uint32_t domid, const struct pb_bdf *dev, unsigned entry, uint64_t table_base,
		   int *pirq);
	int (*unmap)(struct xen_irq_hyp *h, uint32_t domid, int pirq);
	/*
	 * Optional: tells Xen the device's MSI-X table, so that Xen keeps it out
	 * of reach of every guest (PHYSDEVOP_prepare_msix, as dom0 Linux's pciback
	 * does when it takes a device): done when the device joins the pool,
	 * before any guest is granted its BAR; -EBUSY when already prepared.
	 */
	int (*prepare_msix)(struct xen_irq_hyp *h, const struct pb_bdf *dev);
	/*
	 * Optional: hands a device Xen quarantined (DOMID_IO, where it goes when
	 * its guest dies) back to this domain, as `xl pci-assignable-remove`
	 * does; 0, or -errno when it was not quarantined.
	 */
	int (*unquarantine)(struct xen_irq_hyp *h, const struct pb_bdf *dev);
	/*
	 * Optional: after a device reset, Xen writes the MSI / MSI-X vectors it
	 * mapped back into the device (PHYSDEVOP_restore_msi_ext, what dom0
	 * Linux's pci_restore_state asks for).
	 */
	int (*restore_msi)(struct xen_irq_hyp *h, const struct pb_bdf *dev);
};

struct xen_irq_hyp {
	const struct xen_irq_hyp_ops *ops;
};

#define XEN_IRQ_MAX_PREPARED 256

struct xen_irq {
	struct irq_provider provider;
	struct xen_irq_hyp *hyp;
	size_t nprepared;
	struct pb_bdf prepared[XEN_IRQ_MAX_PREPARED]; /* devices whose MSI-X Xen knows */
};

void xen_irq_provider_init(struct xen_irq *x, struct xen_irq_hyp *hyp);

/*
 * At shutdown, before the pool hands its devices back to their host drivers:
 * a real device whose guest died sits in Xen's quarantine (DOMID_IO) and is
 * given back to this domain, or dom0's driver gets no interrupts.  Devices
 * never assigned are simply refused by Xen.  A device the pool quarantined
 * (its reset failed, it kept bus mastering, its recovery failed) stays in
 * Xen's quarantine: its DMA must not land in this domain (XSA-302).
 */
void xen_irq_give_back_pool(struct xen_irq_hyp *h, struct pb_pool *pool);

#endif
