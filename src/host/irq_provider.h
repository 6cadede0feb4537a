/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Interrupt providers: who maps a device's MSI / MSI-X vectors into a guest.
 * On Xen, the pirqs come from PHYSDEVOP_map_pirq in the guest's domain and
 * Xen programs the device itself; in tests and the demo, a simulated provider
 * hands out numbers and flips the enable bits of a simulated device.
 *
 * The op dispatcher calls these one vector at a time and unwinds on failure,
 * so the unwind logic lives in one place for every provider.
 */
#ifndef PCIBACKD_HOST_IRQ_PROVIDER_H
#define PCIBACKD_HOST_IRQ_PROVIDER_H

#include <stdbool.h>
#include <stdint.h>

#include "host/hostdev.h"

enum irq_kind { IRQ_KIND_MSI = 1, IRQ_KIND_MSIX = 2 };

struct irq_provider;

struct irq_provider_ops {
	/* Maps the device's (single) MSI for guest domid; 0 + pirq or -errno. */
	int (*map_msi)(struct irq_provider *p, struct hostdev *hd, unsigned domid, uint32_t *pirq);
	/* Maps MSI-X table entry `entry`; 0 + pirq or -errno. */
	int (*map_msix)(struct irq_provider *p, struct hostdev *hd, unsigned domid, unsigned entry, uint32_t *pirq);
	/* Unmaps a pirq that map_* returned. */
	int (*unmap)(struct irq_provider *p, struct hostdev *hd, unsigned domid, uint32_t pirq);
	/* Turns the device's MSI or MSI-X on or off (a no-op where the hypervisor does it). */
	int (*set_enable)(struct irq_provider *p, struct hostdev *hd, enum irq_kind kind, bool on);
	/*
	 * Optional: after a reset of the device, has whoever programmed its
	 * vectors (the hypervisor) write them into the device again.
	 */
	int (*restore)(struct irq_provider *p, struct hostdev *hd);
	/*
	 * Optional: the device joins the pool, before any guest can reach it.
	 * The hypervisor takes charge of its MSI-X table now (on Xen,
	 * PHYSDEVOP_prepare_msix, as pciback does when it takes a device), not
	 * at the guest's first enable, since the guest gets the BAR at attach.
	 * 0, or -errno: the table is unprotected and the device must not be
	 * handed out.
	 */
	int (*prepare)(struct irq_provider *p, struct hostdev *hd);
};

struct irq_provider {
	const struct irq_provider_ops *ops;
	void *ctx;
};

#endif
