/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The simulated interrupt provider for the local transport and tests: hands out PIRQ numbers, counts
 * maps and unmaps, fails on demand.
 */
#include "sim_irq.h"

#include <errno.h>

#include "host/simdev.h"
#include "proto/pci_regs.h"

static int take(struct sim_irq *s, uint32_t *pirq)
{
	if (s->fail_after == 0) {
		s->fail_after = -1;
		return -ENOSPC;
	}
	if (s->fail_after > 0)
		s->fail_after--;
	*pirq = s->next_pirq++;
	if (s->next_pirq > 0xfff0)
		s->next_pirq = 64;
	s->maps++;
	return 0;
}

static int sim_map_msi(struct irq_provider *p, struct hostdev *hd, unsigned domid, uint32_t *pirq)
{
	(void)hd, (void)domid;
	return take(p->ctx, pirq);
}

/* A simulated device's table entry is programmed as the hypervisor programs the entries it maps. */
static int sim_map_msix(struct irq_provider *p, struct hostdev *hd, unsigned domid, unsigned entry, uint32_t *pirq)
{
	(void)domid;
	int rc = take(p->ctx, pirq);
	if (!rc && simdev_is_sim(hd))
		simdev_msix_program(hd, entry, *pirq);
	return rc;
}

static int sim_unmap(struct irq_provider *p, struct hostdev *hd, unsigned domid, uint32_t pirq)
{
	(void)domid;
	struct sim_irq *s = p->ctx;
	s->unmaps++;
	if (simdev_is_sim(hd))
		simdev_msix_forget(hd, pirq);
	return 0;
}

/* After a reset, the entries it programmed are written again (as Xen's PHYSDEVOP_restore_msi_ext). */
static int sim_restore(struct irq_provider *p, struct hostdev *hd)
{
	(void)p;
	if (simdev_is_sim(hd))
		simdev_msix_reprogram(hd);
	return 0;
}

/* Flips the enable bit in the capability, as the platform's MSI code would. */
static int sim_set_enable(struct irq_provider *p, struct hostdev *hd, enum irq_kind kind, bool on)
{
	(void)p;
	return hostdev_set_msi_enable(hd, kind == IRQ_KIND_MSI ? PCI_CAP_ID_MSI : PCI_CAP_ID_MSIX, on);
}

static const struct irq_provider_ops sim_irq_ops = {
	.map_msi = sim_map_msi,
	.map_msix = sim_map_msix,
	.unmap = sim_unmap,
	.set_enable = sim_set_enable,
	.restore = sim_restore,
};

void sim_irq_init(struct sim_irq *s)
{
	s->provider.ops = &sim_irq_ops;
	s->provider.ctx = s;
	s->next_pirq = 64;
	s->maps = s->unmaps = 0;
	s->fail_after = -1;
}
