/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * MSI and MSI-X ops (XSA-157).  What the guest gets back
 * mirrors Linux xen-pciback exactly, raw errnos included:
 *   enable_msi    already on: fail; MSI-X on: fail; any failure -> err
 *                 op_failed, value 0; success -> value = pirq.
 *   disable_msi   value = the INTx interrupt (or 0), err 0.
 *   enable_msix   nvec > 128 -> -EINVAL; already on -> -EALREADY; MSI on or
 *                 memory decoding off on the (physical) function -> -ENXIO
 *                 (value stays nvec for these); then the enable itself:
 *                 value = err = its result (0 on success), vectors returned.
 *   disable_msix  value = the INTx interrupt (or 0), err 0.
 * Hardened beyond the kernel: the enable bits in hardware count as "on" too,
 * an enable is refused unless the device is in D0 (in D3hot COMMAND may still
 * say memory decoding is on while the device decodes nothing: enable_msi
 * fails, enable_msix is -ENXIO like decoding off),
 * entries are checked against the table size the device reports (capped at
 * 2048 by the register width), and every failure unmaps what was mapped.
 *
 * One pcifront bug is absorbed (unless g->exact_msi_ops): Linux's frontend
 * (6.1 at least) tears MSI-X down with a disable_msi op, because its check of
 * msix_enabled runs after the PCI core cleared that flag.  The kernel backend
 * then leaves MSI-X on and mapped, and the driver's next enable_msix gets
 * -EALREADY (an NVMe falls back to one legacy interrupt).  A disable_msi on a
 * device whose MSI is off and whose MSI-X this guest enabled is taken as the
 * disable_msix it meant: the guest disables interrupts either way.
 */
#include "msi_ops.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "proto/pci_regs.h"

static bool hw_enabled(struct hostdev *hd, uint8_t cap_id, uint32_t bit)
{
	unsigned cap = hostdev_find_cap(hd, cap_id);
	uint32_t ctl;
	return cap && hostdev_read(hd, cap + PCI_MSI_FLAGS, 2, &ctl) == 0 && (ctl & bit);
}

static bool msi_on(struct pb_dev *d)
{
	return d->irq.msi_on || hw_enabled(d->host, PCI_CAP_ID_MSI, PCI_MSI_FLAGS_ENABLE);
}
static bool msix_on(struct pb_dev *d)
{
	return d->irq.msix_on || hw_enabled(d->host, PCI_CAP_ID_MSIX, PCI_MSIX_FLAGS_ENABLE);
}

/* The INTx interrupt a disable returns. */
static uint32_t intx_pirq(const struct pb_dev *d) { return d->host->irq; }

/* D0, and PMCSR readable (a device without power management is always in D0). */
static bool in_d0(struct pb_dev *d) { return hostdev_power_state(d->host) == 0; }

static int enable_msi(struct dispatch_guest *g, struct pb_dev *d, uint32_t *pirq)
{
	if (msi_on(d))
		return -EALREADY;
	if (msix_on(d) || !in_d0(d))
		return -ENXIO;
	if (!hostdev_find_cap(d->host, PCI_CAP_ID_MSI))
		return -EINVAL;
	int rc = g->irqp->ops->map_msi(g->irqp, d->host, g->domid, pirq);
	if (rc)
		return rc;
	rc = g->irqp->ops->set_enable(g->irqp, d->host, IRQ_KIND_MSI, true);
	if (rc) {
		g->irqp->ops->unmap(g->irqp, d->host, g->domid, *pirq);
		return rc;
	}
	d->irq.msi_on = true;
	d->irq.msi_pirq = *pirq;
	return 0;
}

static void disable_msi(struct dispatch_guest *g, struct pb_dev *d)
{
	if (!msi_on(d))
		return;
	g->irqp->ops->set_enable(g->irqp, d->host, IRQ_KIND_MSI, false);
	if (d->irq.msi_on)
		g->irqp->ops->unmap(g->irqp, d->host, g->domid, d->irq.msi_pirq);
	d->irq.msi_on = false;
	d->irq.msi_pirq = 0;
}

static void unmap_msix(struct dispatch_guest *g, struct pb_dev *d, unsigned n, const uint32_t *pirqs)
{
	for (unsigned i = n; i-- > 0;)
		g->irqp->ops->unmap(g->irqp, d->host, g->domid, pirqs[i]);
}

/*
 * Before pcibackd itself turns MSI-X on: every table entry not among the n
 * mapped for the guest gets its mask bit set, so whatever an unmapped entry
 * holds (a previous driver's message, what the table kept through a reset)
 * is never sent.  0, or the first error (MSI-X must then stay off).  A host
 * device whose table is not ours to write (a real device's is Xen's) has
 * nothing done here.
 */
static int mask_unmapped_msix(struct pb_dev *d, const uint16_t *entries, unsigned n)
{
	struct hostdev *hd = d->host;
	unsigned cap = hostdev_find_cap(hd, PCI_CAP_ID_MSIX);
	uint32_t ctl;
	if (!hd->ops->msix_mask_entry || !cap)
		return 0;
	if (hostdev_read(hd, cap + PCI_MSIX_FLAGS, 2, &ctl))
		return -EIO;
	uint8_t is_mapped[2048 / 8] = { 0 };
	for (unsigned i = 0; i < n; i++)
		is_mapped[entries[i] / 8] |= (uint8_t)(1u << (entries[i] % 8));
	for (unsigned e = 0; e < (ctl & PCI_MSIX_FLAGS_QSIZE) + 1; e++) {
		if (is_mapped[e / 8] & (1u << (e % 8)))
			continue;
		int rc = hd->ops->msix_mask_entry(hd, e);
		if (rc)
			return rc;
	}
	return 0;
}

/* pci_enable_msix_exact(): validation as the kernel does it, then map every entry. */
static int enable_msix_exact(struct dispatch_guest *g, struct pb_dev *d, const struct pciif_op *op, uint32_t nvec,
			     uint32_t *pirqs)
{
	unsigned cap = hostdev_find_cap(d->host, PCI_CAP_ID_MSIX);
	uint32_t ctl;
	if (nvec < 1 || !cap || hostdev_read(d->host, cap + PCI_MSIX_FLAGS, 2, &ctl))
		return -EINVAL;
	uint32_t hwsize = (ctl & PCI_MSIX_FLAGS_QSIZE) + 1;
	for (uint32_t i = 0; i < nvec; i++) {
		if (op->msix_entries[i].entry >= hwsize)
			return -EINVAL;
		for (uint32_t j = i + 1; j < nvec; j++)
			if (op->msix_entries[i].entry == op->msix_entries[j].entry)
				return -EINVAL;
	}
	if (nvec > hwsize)
		return -ENOSPC;
	for (uint32_t i = 0; i < nvec; i++) {
		int rc = g->irqp->ops->map_msix(g->irqp, d->host, g->domid, op->msix_entries[i].entry, &pirqs[i]);
		if (rc) {
			unmap_msix(g, d, i, pirqs);
			return rc;
		}
		d->irq.msix_entries[i] = op->msix_entries[i].entry;
	}
	int rc = mask_unmapped_msix(d, d->irq.msix_entries, nvec);
	if (!rc)
		rc = g->irqp->ops->set_enable(g->irqp, d->host, IRQ_KIND_MSIX, true);
	if (rc) {
		unmap_msix(g, d, nvec, pirqs);
		return rc;
	}
	return 0;
}

static void disable_msix(struct dispatch_guest *g, struct pb_dev *d)
{
	if (!msix_on(d))
		return;
	g->irqp->ops->set_enable(g->irqp, d->host, IRQ_KIND_MSIX, false);
	unmap_msix(g, d, d->irq.nmsix, d->irq.msix_pirqs);
	d->irq.msix_on = false;
	d->irq.nmsix = 0;
}

void msi_op(struct dispatch_guest *g, struct pb_dev *d, const struct pciif_op *op, struct dispatch_result *res)
{
	res->err = 0;
	res->value = op->value;
	switch (op->cmd) {
	case PCIIF_OP_ENABLE_MSI: {
		uint32_t pirq = 0;
		int rc = enable_msi(g, d, &pirq);
		if (rc) {
			pb_log_rl(&g->rl, PB_LOG_WARN, "guest %s: enable_msi on %s failed: %d", g->name, d->host->source,
				  rc);
			res->err = PCIIF_ERR_OP_FAILED;
			res->value = 0;
			return;
		}
		res->value = pirq;
		return;
	}
	case PCIIF_OP_DISABLE_MSI:
		if (!g->exact_msi_ops && !msi_on(d) && d->irq.msix_on) {
			pb_log_rl(&g->rl, PB_LOG_INFO,
				  "guest %s: disable_msi on %s with MSI-X on: taken as disable_msix (pcifront bug)",
				  g->name, d->host->source);
			disable_msix(g, d);
		} else {
			disable_msi(g, d);
		}
		res->value = intx_pirq(d);
		return;
	case PCIIF_OP_ENABLE_MSIX: {
		uint32_t nvec = op->value;
		struct hostdev *pf = d->host->physfn ? d->host->physfn : d->host;
		uint32_t cmd = 0;
		if (nvec > PCIIF_MAX_VEC)
			res->err = -EINVAL;
		else if (msix_on(d))
			res->err = -EALREADY;
		else if (hostdev_read(pf, PCI_COMMAND, 2, &cmd) || msi_on(d) || !(cmd & PCI_COMMAND_MEMORY) || !in_d0(d))
			res->err = -ENXIO;
		if (res->err) {
			pb_log_rl(&g->rl, PB_LOG_WARN, "guest %s: enable_msix on %s refused: %d", g->name,
				  d->host->source, res->err);
			return;
		}
		int rc = enable_msix_exact(g, d, op, nvec, d->irq.msix_pirqs);
		res->err = rc;
		res->value = (uint32_t)rc;
		if (rc) {
			pb_log_rl(&g->rl, PB_LOG_WARN, "guest %s: enable_msix on %s failed: %d", g->name,
				  d->host->source, rc);
			return;
		}
		d->irq.msix_on = true;
		d->irq.nmsix = (uint16_t)nvec;
		res->nvec = nvec;
		for (uint32_t i = 0; i < nvec; i++)
			res->vectors[i] = (uint16_t)d->irq.msix_pirqs[i];
		return;
	}
	case PCIIF_OP_DISABLE_MSIX:
		disable_msix(g, d);
		res->value = intx_pirq(d);
		return;
	default:
		res->err = PCIIF_ERR_NOT_IMPLEMENTED;
		return;
	}
}

void dispatch_irq_restore(struct dispatch_guest *g, struct pb_dev *d, const struct cfg_irq_hw *was)
{
	struct hostdev *hd = d->host;
	if (!g->irqp)
		return;
	bool msix = d->irq.msix_on && (!was || was->msix_on);
	bool msi = d->irq.msi_on && (!was || was->msi_on);
	int rc = (msix || msi) && g->irqp->ops->restore ? g->irqp->ops->restore(g->irqp, hd) : 0;
	if (rc)
		pb_log_rl(&g->rl, PB_LOG_WARN, "guest %s: %s: interrupts not restored after the reset: %s", g->name,
			  hd->source, strerror(-rc));
	if (msix && mask_unmapped_msix(d, d->irq.msix_entries, d->irq.nmsix)) {
		/* An entry the guest was not given could fire: MSI-X stays off (the guest's driver times out). */
		pb_log_rl(&g->rl, PB_LOG_WARN,
			  "guest %s: %s: MSI-X left off after the reset: cannot mask the table entries it was not given",
			  g->name, hd->source);
		msix = false;
	}
	if (msix)
		g->irqp->ops->set_enable(g->irqp, hd, IRQ_KIND_MSIX, true);
	if (msi)
		g->irqp->ops->set_enable(g->irqp, hd, IRQ_KIND_MSI, true);
	/* Mask-All as it was (set_enable leaves it clear). */
	unsigned cap = was && was->msix_maskall ? hostdev_find_cap(hd, PCI_CAP_ID_MSIX) : 0;
	uint32_t ctl;
	if (cap && !hostdev_read(hd, cap + PCI_MSIX_FLAGS, 2, &ctl) && !(ctl & PCI_MSIX_FLAGS_MASKALL) &&
	    hostdev_write(hd, cap + PCI_MSIX_FLAGS, 2, ctl | PCI_MSIX_FLAGS_MASKALL))
		pb_log_rl(&g->rl, PB_LOG_WARN, "guest %s: %s: cannot set MSI-X Mask-All again after the reset", g->name,
			  hd->source);
}

void dispatch_irq_release(struct dispatch_guest *g, struct pb_dev *d)
{
	if (!g->irqp)
		return;
	if (dispatch_dev_resetting(g, d)) {
		/*
		 * The worker is resetting the device for an AER recovery: it is
		 * not the loop's to read or write.  Only the guest's mappings go;
		 * the release, queued behind the reset on the same worker,
		 * quiesces MSI and MSI-X.
		 */
		unmap_msix(g, d, d->irq.nmsix, d->irq.msix_pirqs);
		if (d->irq.msi_on)
			g->irqp->ops->unmap(g->irqp, d->host, g->domid, d->irq.msi_pirq);
		d->irq = (struct pb_irq_state){ 0 };
		return;
	}
	disable_msix(g, d);
	disable_msi(g, d);
}
