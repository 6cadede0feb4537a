/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fake hypervisor of fake_xen_hyp.h. */
#include "fake_xen_hyp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void rec(struct fake_xen_hyp *f, const char *call, const struct pb_bdf *dev)
{
	size_t l = strlen(f->log);
	snprintf(f->log + l, sizeof(f->log) - l, "%s %02x:%02x.%u;", call, dev->bus, dev->devfn >> 3,
		 dev->devfn & 7u);
}

static int f_map(struct xen_irq_hyp *h, uint32_t domid, const struct pb_bdf *dev, unsigned entry, uint64_t table,
		 int *pirq)
{
	struct fake_xen_hyp *f = (struct fake_xen_hyp *)h;
	rec(f, "map", dev);
	f->maps++;
	f->last_domid = domid;
	f->last_entry = entry;
	f->last_table = table;
	f->last_dev = *dev;
	if ((f->fail_at && f->maps == f->fail_at) || f->nmapped == FAKE_XEN_HYP_MAX_PIRQS)
		return -ENOSPC;
	*pirq = f->next_pirq++;
	f->mapped[f->nmapped++] = *pirq;
	return 0;
}

static int f_unmap(struct xen_irq_hyp *h, uint32_t domid, int pirq)
{
	struct fake_xen_hyp *f = (struct fake_xen_hyp *)h;
	(void)domid;
	for (unsigned i = 0; i < f->nmapped; i++)
		if (f->mapped[i] == pirq) {
			f->mapped[i] = f->mapped[--f->nmapped];
			return 0;
		}
	return -ENOENT;
}

static int f_prepare(struct xen_irq_hyp *h, const struct pb_bdf *dev)
{
	struct fake_xen_hyp *f = (struct fake_xen_hyp *)h;
	rec(f, "prepare_msix", dev);
	f->prepares++;
	return f->prepare_rc;
}

static int f_unquarantine(struct xen_irq_hyp *h, const struct pb_bdf *dev)
{
	rec((struct fake_xen_hyp *)h, "unquarantine", dev);
	return 0;
}

static int f_restore(struct xen_irq_hyp *h, const struct pb_bdf *dev)
{
	struct fake_xen_hyp *f = (struct fake_xen_hyp *)h;
	rec(f, "restore_msi", dev);
	f->restores++;
	f->last_dev = *dev;
	return 0;
}

static const struct xen_irq_hyp_ops fake_ops = {
	.map = f_map,
	.unmap = f_unmap,
	.prepare_msix = f_prepare,
	.unquarantine = f_unquarantine,
	.restore_msi = f_restore,
};

void fake_xen_hyp_init(struct fake_xen_hyp *f)
{
	memset(f, 0, sizeof(*f));
	f->hyp.ops = &fake_ops;
	f->next_pirq = 100;
}
