/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Xen interrupt provider: MSI/MSI-X vectors mapped into the owner guest's PIRQ space, and at exit,
 * devices the pool did not quarantine taken out of Xen's quarantine.
 */
#include "transport/xen/xen_irq.h"

#include <errno.h>

#include "common/log.h"
#include "proto/pci_regs.h"

static struct xen_irq_hyp *hyp_of(struct irq_provider *p) { return ((struct xen_irq *)p->ctx)->hyp; }

static int to_pirq(int rc, int p, uint32_t *pirq)
{
	if (rc)
		return rc;
	if (p <= 0) /* a guest treats pirq 0 as failure */
		return -EIO;
	*pirq = (uint32_t)p;
	return 0;
}

static int x_map_msi(struct irq_provider *p, struct hostdev *hd, unsigned domid, uint32_t *pirq)
{
	struct xen_irq_hyp *h = hyp_of(p);
	int pi = -1;
	int rc = h->ops->map(h, domid, &hd->addr, 0, 0, &pi);
	return to_pirq(rc, pi, pirq);
}

/* Once per device: Xen must know the MSI-X table before vectors are mapped for another domain. */
static int prepare_once(struct xen_irq *x, const struct pb_bdf *dev)
{
	for (size_t i = 0; i < x->nprepared; i++)
		if (pb_bdf_equal(&x->prepared[i], dev))
			return 0;
	if (!x->hyp->ops->prepare_msix)
		return 0;
	int rc = x->hyp->ops->prepare_msix(x->hyp, dev);
	if (rc && rc != -EBUSY && rc != -ENOSYS)
		return rc;
	if (x->nprepared < XEN_IRQ_MAX_PREPARED)
		x->prepared[x->nprepared++] = *dev;
	return 0;
}

static int x_map_msix(struct irq_provider *p, struct hostdev *hd, unsigned domid, unsigned entry, uint32_t *pirq)
{
	struct xen_irq_hyp *h = hyp_of(p);
	uint64_t base;
	int rc = hostdev_msix_table_base(hd, &base);
	if (rc)
		return rc;
	rc = prepare_once(p->ctx, &hd->addr);
	if (rc)
		return rc;
	int pi = -1;
	rc = h->ops->map(h, domid, &hd->addr, entry, base, &pi);
	return to_pirq(rc, pi, pirq);
}

/* Only a real function with MSI-X has a table for Xen to protect (a simulated one's is in memory here). */
static int x_prepare(struct irq_provider *p, struct hostdev *hd)
{
	return hd->real && hostdev_find_cap(hd, PCI_CAP_ID_MSIX) ? prepare_once(p->ctx, &hd->addr) : 0;
}

static int x_unmap(struct irq_provider *p, struct hostdev *hd, unsigned domid, uint32_t pirq)
{
	(void)hd;
	struct xen_irq_hyp *h = hyp_of(p);
	return h->ops->unmap(h, domid, (int)pirq);
}

/* As dom0 Linux does after PHYSDEVOP_map_pirq: the enable bits are the backend's to set. */
static int x_set_enable(struct irq_provider *p, struct hostdev *hd, enum irq_kind kind, bool on)
{
	(void)p;
	return hostdev_set_msi_enable(hd, kind == IRQ_KIND_MSI ? PCI_CAP_ID_MSI : PCI_CAP_ID_MSIX, on);
}

static int x_restore(struct irq_provider *p, struct hostdev *hd)
{
	struct xen_irq_hyp *h = hyp_of(p);
	return h->ops->restore_msi ? h->ops->restore_msi(h, &hd->addr) : 0;
}

static const struct irq_provider_ops xen_irq_ops = {
	.map_msi = x_map_msi,
	.map_msix = x_map_msix,
	.unmap = x_unmap,
	.set_enable = x_set_enable,
	.restore = x_restore,
	.prepare = x_prepare,
};

void xen_irq_provider_init(struct xen_irq *x, struct xen_irq_hyp *hyp)
{
	x->provider.ops = &xen_irq_ops;
	x->provider.ctx = x;
	x->hyp = hyp;
	x->nprepared = 0;
}

void xen_irq_give_back_pool(struct xen_irq_hyp *h, struct pb_pool *pool)
{
	for (size_t i = 0; h->ops->unquarantine && i < pool->ndevs; i++) {
		struct hostdev *hd = pool->devs[i]->dev.host;
		char a[PB_BDF_STRLEN];
		if (!hd->real)
			continue;
		pb_bdf_format(&hd->addr, a);
		if (pool->devs[i]->quarantined)
			pb_info("xen: %s stays in Xen's quarantine (%s)", a, pool->devs[i]->reason);
		else if (!h->ops->unquarantine(h, &hd->addr))
			pb_info("xen: %s back from quarantine", a);
	}
}
