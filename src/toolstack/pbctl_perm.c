/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Granting and revoking a guest's access to a device's resources (see pbctl_perm.h). */
#include "toolstack/pbctl_perm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "proto/pci_regs.h"

#define IORESOURCE_IO 0x100u
#define PAGE_SHIFT 12
#define PAGE_SIZE (1ull << PAGE_SHIFT)

/* Whether the type-0 header in cfg (len bytes) lists an MSI-X capability. */
static bool has_msix(const uint8_t *cfg, size_t len)
{
	if (len < PCI_STD_HEADER_SIZEOF || !(cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST))
		return false;
	unsigned pos = cfg[PCI_CAPABILITY_LIST] & 0xfc;
	for (int ttl = 48; ttl-- && pos >= PCI_STD_HEADER_SIZEOF && pos + 1 < len; pos = cfg[pos + PCI_CAP_LIST_NEXT] & 0xfc)
		if (cfg[pos + PCI_CAP_LIST_ID] == PCI_CAP_ID_MSIX)
			return true;
	return false;
}

int pbctl_read_devres(const char *sysfs, const struct pb_bdf *addr, struct pbctl_devres *r, char *err,
		      size_t errlen)
{
	char a[PB_BDF_STRLEN], path[512];
	memset(r, 0, sizeof(*r));
	pb_bdf_format(addr, a);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/resource", sysfs, a);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < PBCTL_NUM_RES; i++) {
		unsigned long long start, end, flags;
		if (fscanf(f, "%llx %llx %llx", &start, &end, &flags) != 3) {
			fclose(f);
			snprintf(err, errlen, "%s: line %u does not parse", path, i + 1);
			return -1;
		}
		if (start && end >= start) {
			r->res[i].start = start;
			r->res[i].size = end - start + 1;
			r->res[i].io = flags & IORESOURCE_IO;
		}
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/irq", sysfs, a);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%u", &r->irq) != 1) {
		snprintf(err, errlen, "%s: %s", path, f ? "does not parse" : strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/config", sysfs, a);
	uint8_t cfg[256];
	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	r->msix = has_msix(cfg, fread(cfg, 1, sizeof(cfg), f));
	fclose(f);
	return 0;
}

static uint32_t sbdf(const struct pb_bdf *a)
{
	return (uint32_t)a->domain << 16 | (uint32_t)a->bus << 8 | a->devfn;
}

static int res_perm(struct pbctl_hyp *h, uint32_t domid, const struct pbctl_res *r, bool allow)
{
	if (r->io)
		return h->ops->ioport(h, domid, (uint32_t)r->start, (uint32_t)r->size, allow);
	return h->ops->iomem(h, domid, r->start >> PAGE_SHIFT, (r->size + PAGE_SIZE - 1) >> PAGE_SHIFT, allow);
}

int pbctl_grant(struct pbctl_hyp *h, uint32_t domid, const struct pb_bdf *addr, const struct pbctl_devres *r,
		bool rdm_relaxed, char *err, size_t errlen)
{
	char a[PB_BDF_STRLEN];
	pb_bdf_format(addr, a);
	unsigned i;
	int rc = 0, pirq = (int)r->irq;
	bool pirq_mapped = false, irq_permitted = false;
	/*
	 * Before the guest is granted the BARs: Xen takes the MSI-X table, so the
	 * guest can never write it (pcibackd does it when it seizes the device:
	 * then -EBUSY; -ENOSYS: a Xen without the call).  Only for a device with
	 * MSI-X: Xen 4.17 faults on a NULL pointer (and panics) for one without.
	 */
	rc = r->msix && h->ops->prepare_msix ? h->ops->prepare_msix(h, sbdf(addr)) : 0;
	if (rc == -ENOSYS)
		pb_warn("%s: this Xen cannot protect MSI-X tables (PHYSDEVOP_prepare_msix: %s)", a, strerror(-rc));
	else if (rc && rc != -EBUSY && rc != -ENODEV) {
		snprintf(err, errlen, "%s: Xen cannot protect its MSI-X table: %s", a, strerror(-rc));
		return -1;
	}
	for (i = 0; i < PBCTL_NUM_RES; i++) {
		if (!r->res[i].size)
			continue;
		rc = res_perm(h, domid, &r->res[i], true);
		if (rc) {
			snprintf(err, errlen, "%s: granting %s 0x%" PRIx64 "+0x%" PRIx64 " to domain %u: %s", a,
				 r->res[i].io ? "I/O ports" : "memory", r->res[i].start, r->res[i].size, domid,
				 strerror(-rc));
			goto unwind;
		}
	}
	if (r->irq) {
		rc = h->ops->map_pirq(h, domid, (int)r->irq, &pirq);
		if (rc) {
			snprintf(err, errlen, "%s: mapping IRQ %u into domain %u: %s", a, r->irq, domid, strerror(-rc));
			goto unwind;
		}
		pirq_mapped = true;
		rc = h->ops->irq_permission(h, domid, pirq, true);
		if (rc) {
			snprintf(err, errlen, "%s: permitting IRQ %d to domain %u: %s", a, pirq, domid, strerror(-rc));
			goto unwind;
		}
		irq_permitted = true;
	}
	rc = h->ops->assign(h, domid, sbdf(addr), rdm_relaxed);
	if (rc == -ENOSYS || rc == -EOPNOTSUPP || rc == -ENODEV) {
		pb_warn("%s: not assigned to domain %u (%s): the guest will have no MSI/MSI-X (is there an IOMMU, "
			"and was the guest created with passthrough = \"enabled\"?)", a, domid, strerror(-rc));
	} else if (rc) {
		snprintf(err, errlen, "%s: assigning to domain %u: %s", a, domid, strerror(-rc));
		goto unwind;
	}
	return 0;
unwind:
	if (irq_permitted)
		h->ops->irq_permission(h, domid, pirq, false);
	if (pirq_mapped)
		h->ops->unmap_pirq(h, domid, pirq);
	while (i-- > 0)
		if (r->res[i].size)
			res_perm(h, domid, &r->res[i], false);
	return -1;
}

unsigned pbctl_revoke(struct pbctl_hyp *h, uint32_t domid, const struct pb_bdf *addr, const struct pbctl_devres *r)
{
	char a[PB_BDF_STRLEN];
	pb_bdf_format(addr, a);
	unsigned failed = 0;
	int rc = h->ops->deassign(h, domid, sbdf(addr));
	if (rc && rc != -ENOSYS && rc != -EOPNOTSUPP && rc != -ENODEV && rc != -EINVAL) {
		pb_warn("%s: deassigning from domain %u: %s", a, domid, strerror(-rc));
		failed++;
	}
	if (r->irq) {
		if ((rc = h->ops->irq_permission(h, domid, (int)r->irq, false))) {
			pb_warn("%s: revoking IRQ %u from domain %u: %s", a, r->irq, domid, strerror(-rc));
			failed++;
		}
		if ((rc = h->ops->unmap_pirq(h, domid, (int)r->irq))) {
			pb_warn("%s: unmapping PIRQ %u of domain %u: %s", a, r->irq, domid, strerror(-rc));
			failed++;
		}
	}
	for (unsigned i = PBCTL_NUM_RES; i-- > 0;)
		if (r->res[i].size && (rc = res_perm(h, domid, &r->res[i], false))) {
			pb_warn("%s: revoking resource %u from domain %u: %s", a, i, domid, strerror(-rc));
			failed++;
		}
	return failed;
}
