/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Xen PIRQ bookkeeping for one device of one guest (see xen_irq.h). */
#include "transport/xen/xen_irq.h"

#include <errno.h>
#include <string.h>

#include "common/log.h"

void xen_irq_dev_init(struct xen_irq_dev *d, struct xen_irq_hyp *hyp, uint32_t domid, const struct pb_bdf *addr)
{
	memset(d, 0, sizeof(*d));
	d->hyp = hyp;
	d->domid = domid;
	d->addr = *addr;
}

/* Unmaps pirq[from..n-1] newest first; returns the failures. */
static unsigned unmap_from(struct xen_irq_dev *d, unsigned from)
{
	unsigned failed = 0;
	while (d->n > from) {
		int p = d->pirq[--d->n];
		int rc = d->hyp->ops->unmap(d->hyp, d->domid, p);
		if (rc) {
			char a[PB_BDF_STRLEN];
			failed++;
			pb_err("xen: %s: unmapping PIRQ %d of domain %u failed: %s", pb_bdf_format(&d->addr, a), p,
			       d->domid, strerror(-rc));
		}
	}
	if (d->n == 0)
		d->kind = XEN_IRQ_NONE;
	return failed;
}

int xen_irq_map_msi(struct xen_irq_dev *d, int *pirq)
{
	if (d->kind != XEN_IRQ_NONE)
		return -EALREADY;
	int p = -1;
	int rc = d->hyp->ops->map(d->hyp, d->domid, &d->addr, 0, 0, &p);
	if (rc)
		return rc < 0 ? rc : -EIO;
	if (p <= 0) /* a PIRQ of 0 reads as failure to the frontend (inventory §7) */
		return -EINVAL;
	d->kind = XEN_IRQ_MSI;
	d->pirq[0] = p;
	d->n = 1;
	*pirq = p;
	return 0;
}

int xen_irq_map_msix(struct xen_irq_dev *d, uint64_t table_base, unsigned nvec, const uint16_t *entries, int *pirqs)
{
	if (nvec == 0 || nvec > PCIIF_MAX_VEC)
		return -EINVAL;
	if (d->kind != XEN_IRQ_NONE)
		return -EALREADY;
	d->kind = XEN_IRQ_MSIX;
	for (unsigned i = 0; i < nvec; i++) {
		int p = -1;
		int rc = d->hyp->ops->map(d->hyp, d->domid, &d->addr, entries[i], table_base, &p);
		if (!rc && p > 0xffff) {
			/* The guest gets 16-bit vectors. */
			d->hyp->ops->unmap(d->hyp, d->domid, p);
			rc = -ERANGE;
		} else if (!rc && p <= 0) {
			rc = -ERANGE; /* and treats 0 as failure */
		}
		if (rc) {
			unmap_from(d, 0);
			return rc < 0 ? rc : -EIO;
		}
		d->pirq[d->n++] = p;
	}
	memcpy(pirqs, d->pirq, nvec * sizeof(*pirqs));
	return 0;
}

unsigned xen_irq_unmap_all(struct xen_irq_dev *d)
{
	return unmap_from(d, 0);
}

const struct xen_irq_provider xen_irq_provider = {
	.map_msi = xen_irq_map_msi,
	.map_msix = xen_irq_map_msix,
	.unmap_all = xen_irq_unmap_all,
};
