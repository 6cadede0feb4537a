/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xc_physdev_map_pirq_msi / xc_physdev_unmap_pirq with the guest's domid. */
#include "transport/xen/xen_irq_xen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/physdev.h>

/* The handles are the process's (xen_libs), lent to these calls. */
struct xen_irq_xc {
	struct xen_irq_hyp hyp;
	xc_interface *xch;
	xencall_handle *call;
};

static int xc_map(struct xen_irq_hyp *h, uint32_t domid, const struct pb_bdf *dev, unsigned entry, uint64_t table_base,
		  int *pirq)
{
	/* libxenctrl issues MAP_PIRQ_TYPE_MSI, which carries no segment. */
	if (dev->domain != 0)
		return -EOPNOTSUPP;
	xc_interface *xch = ((struct xen_irq_xc *)h)->xch;
	int p = -1;
	errno = 0;
	if (xc_physdev_map_pirq_msi(xch, domid, -1, &p, dev->devfn, dev->bus, (int)entry, table_base))
		return errno ? -errno : -EIO;
	*pirq = p;
	return 0;
}

static int xc_unmap(struct xen_irq_hyp *h, uint32_t domid, int pirq)
{
	errno = 0;
	if (xc_physdev_unmap_pirq(((struct xen_irq_xc *)h)->xch, domid, pirq))
		return errno ? -errno : -EIO;
	return 0;
}

/* A physdev op on one PCI device; libxenctrl wraps neither of ours, so through libxencall. */
static int pci_device_op(struct xen_irq_hyp *h, int cmd, const struct pb_bdf *dev)
{
	struct xen_irq_xc *x = (struct xen_irq_xc *)h;
	struct physdev_pci_device *arg = xencall_alloc_buffer(x->call, sizeof(*arg));
	if (!arg)
		return -ENOMEM;
	arg->seg = dev->domain;
	arg->bus = dev->bus;
	arg->devfn = dev->devfn;
	errno = 0;
	int rc = xencall2(x->call, __HYPERVISOR_physdev_op, (uint64_t)cmd, (uint64_t)(uintptr_t)arg);
	int e = errno;
	xencall_free_buffer(x->call, arg);
	return rc < 0 ? (e ? -e : -EIO) : 0;
}

static int xc_prepare_msix(struct xen_irq_hyp *h, const struct pb_bdf *dev)
{
	return pci_device_op(h, PHYSDEVOP_prepare_msix, dev);
}

static int xc_restore_msi(struct xen_irq_hyp *h, const struct pb_bdf *dev)
{
	return pci_device_op(h, PHYSDEVOP_restore_msi_ext, dev);
}

static int xc_unquarantine(struct xen_irq_hyp *h, const struct pb_bdf *dev)
{
	uint32_t sbdf = (uint32_t)dev->domain << 16 | (uint32_t)dev->bus << 8 | dev->devfn;
	errno = 0;
	if (xc_deassign_device(((struct xen_irq_xc *)h)->xch, DOMID_IO, sbdf))
		return errno ? -errno : -EIO;
	return 0;
}

static const struct xen_irq_hyp_ops xc_ops = {
	.map = xc_map,
	.unmap = xc_unmap,
	.prepare_msix = xc_prepare_msix,
	.unquarantine = xc_unquarantine,
	.restore_msi = xc_restore_msi,
};

struct xen_irq_hyp *xen_irq_hyp_open(struct xen_libs *libs, char *err, size_t errlen)
{
	if (xen_libs_open(libs, XEN_LIB_CTRL | XEN_LIB_CALL, err, errlen))
		return NULL;
	struct xen_irq_xc *x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->xch = libs->xch;
	x->call = libs->call;
	x->hyp.ops = &xc_ops;
	return &x->hyp;
}

void xen_irq_hyp_close(struct xen_irq_hyp *h)
{
	free(h);
}
