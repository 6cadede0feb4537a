/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xc_domain_ioport/iomem/irq_permission, xc_physdev_(un)map_pirq,
 * xc_(de)assign_device; PHYSDEVOP_prepare_msix through the daemon's own call.
 */
#include "toolstack/pbctl_xc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transport/xen/xen_irq_xen.h"
#include "transport/xen/xen_libs.h"

struct pbctl_xc {
	struct pbctl_hyp hyp;
	struct xen_libs libs;    /* libxenctrl at open; libxencall added at the first prepare_msix */
	struct xen_irq_hyp *irq; /* opened at the first prepare_msix, on the same handles */
};

static xc_interface *xch_of(struct pbctl_hyp *h)
{
	return ((struct pbctl_xc *)h)->libs.xch;
}

static int result(int rc)
{
	return rc ? (errno ? -errno : -EIO) : 0;
}

static int x_ioport(struct pbctl_hyp *h, uint32_t domid, uint32_t first, uint32_t nr, bool allow)
{
	errno = 0;
	return result(xc_domain_ioport_permission(xch_of(h), domid, first, nr, allow));
}

static int x_iomem(struct pbctl_hyp *h, uint32_t domid, uint64_t first_mfn, uint64_t nr, bool allow)
{
	errno = 0;
	return result(xc_domain_iomem_permission(xch_of(h), domid, (unsigned long)first_mfn, (unsigned long)nr, allow));
}

static int x_map_pirq(struct pbctl_hyp *h, uint32_t domid, int irq, int *pirq)
{
	errno = 0;
	*pirq = irq;
	return result(xc_physdev_map_pirq(xch_of(h), domid, irq, pirq));
}

static int x_unmap_pirq(struct pbctl_hyp *h, uint32_t domid, int pirq)
{
	errno = 0;
	return result(xc_physdev_unmap_pirq(xch_of(h), domid, pirq));
}

static int x_irq_permission(struct pbctl_hyp *h, uint32_t domid, int pirq, bool allow)
{
	errno = 0;
	return result(xc_domain_irq_permission(xch_of(h), domid, (uint32_t)pirq, allow));
}

static int x_assign(struct pbctl_hyp *h, uint32_t domid, uint32_t sbdf, bool relaxed)
{
	errno = 0;
	return result(xc_assign_device(xch_of(h), domid, sbdf, relaxed ? XEN_DOMCTL_DEV_RDM_RELAXED : 0));
}

static int x_deassign(struct pbctl_hyp *h, uint32_t domid, uint32_t sbdf)
{
	errno = 0;
	return result(xc_deassign_device(xch_of(h), domid, sbdf));
}

static int x_prepare_msix(struct pbctl_hyp *h, uint32_t sbdf)
{
	struct pbctl_xc *x = (struct pbctl_xc *)h;
	char err[256];
	if (!x->irq && !(x->irq = xen_irq_hyp_open(&x->libs, err, sizeof(err))))
		return -EIO;
	struct pb_bdf dev = { (uint16_t)(sbdf >> 16), (uint8_t)(sbdf >> 8), (uint8_t)sbdf };
	return x->irq->ops->prepare_msix(x->irq, &dev);
}

static const struct pbctl_hyp_ops xc_ops = {
	.ioport = x_ioport,
	.iomem = x_iomem,
	.map_pirq = x_map_pirq,
	.unmap_pirq = x_unmap_pirq,
	.irq_permission = x_irq_permission,
	.assign = x_assign,
	.deassign = x_deassign,
	.prepare_msix = x_prepare_msix,
};

struct pbctl_hyp *pbctl_xc_open(char *err, size_t errlen)
{
	struct pbctl_xc *x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (xen_libs_open(&x->libs, XEN_LIB_CTRL, err, errlen)) {
		free(x);
		return NULL;
	}
	x->hyp.ops = &xc_ops;
	return &x->hyp;
}

void pbctl_xc_close(struct pbctl_hyp *h)
{
	if (!h)
		return;
	struct pbctl_xc *x = (struct pbctl_xc *)h;
	xen_irq_hyp_close(x->irq);
	xen_libs_close(&x->libs);
	free(x);
}
