/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Saving a seized device's pristine config state, restoring it after quiesce and reset, and checking
 * the restore.
 */
#include "restore.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "proto/pci_regs.h"

static uint32_t snap_get(const struct dev_snapshot *s, unsigned off, unsigned size)
{
	uint32_t v = 0;
	for (unsigned i = 0; i < size && off + i < s->size; i++)
		v |= (uint32_t)s->cfg[off + i] << (8 * i);
	return v;
}

static void snap_put(struct dev_snapshot *s, unsigned off, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size && off + i < s->size; i++)
		s->cfg[off + i] = (uint8_t)(v >> (8 * i));
}

int dev_snapshot_take(struct hostdev *hd, struct dev_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	if (hd->cfg_size > sizeof(s->cfg))
		return -EINVAL;
	s->size = hd->cfg_size;
	for (unsigned off = 0; off < s->size; off += 4) {
		uint32_t v;
		int rc = hostdev_read(hd, off, 4, &v);
		if (rc)
			return rc;
		snap_put(s, off, 4, v);
	}
	return 0;
}

void dev_snapshot_quiesce(struct hostdev *hd, struct dev_snapshot *s)
{
	unsigned msi = hostdev_find_cap(hd, PCI_CAP_ID_MSI), msix = hostdev_find_cap(hd, PCI_CAP_ID_MSIX);
	if (msi)
		snap_put(s, msi + PCI_MSI_FLAGS, 2, snap_get(s, msi + PCI_MSI_FLAGS, 2) & ~PCI_MSI_FLAGS_ENABLE);
	if (msix)
		snap_put(s, msix + PCI_MSIX_FLAGS, 2, snap_get(s, msix + PCI_MSIX_FLAGS, 2) & ~PCI_MSIX_FLAGS_ENABLE);
	snap_put(s, PCI_COMMAND, 2, snap_get(s, PCI_COMMAND, 2) & ~PCI_COMMAND_MASTER);
}

/* One register to restore: offset from its capability, size, bits written back. */
struct restore_rule {
	uint16_t off;
	uint8_t size;
	uint32_t mask;
	const char *name;
};

/* Type-0 header, in write order (COMMAND is written last, separately). */
static const struct restore_rule header_regs[] = {
	{ PCI_BASE_ADDRESS_0, 4, 0xffffffffu, "BAR0" }, { PCI_BASE_ADDRESS_1, 4, 0xffffffffu, "BAR1" },
	{ PCI_BASE_ADDRESS_2, 4, 0xffffffffu, "BAR2" }, { PCI_BASE_ADDRESS_3, 4, 0xffffffffu, "BAR3" },
	{ PCI_BASE_ADDRESS_4, 4, 0xffffffffu, "BAR4" }, { PCI_BASE_ADDRESS_5, 4, 0xffffffffu, "BAR5" },
	{ PCI_ROM_ADDRESS, 4, 0xffffffffu, "ROM BAR" }, { PCI_CACHE_LINE_SIZE, 1, 0xffu, "cache line size" },
	{ PCI_LATENCY_TIMER, 1, 0xffu, "latency timer" }, { PCI_INTERRUPT_LINE, 1, 0xffu, "interrupt line" },
};

static const struct restore_rule pcix_regs[] = { { PCI_X_CMD, 2, 0xffffu, "PCI-X command" } };
static const struct restore_rule aer_regs[] = {
	{ PCI_ERR_UNCOR_MASK, 4, 0xffffffffu, "AER uncorrectable mask" },
	{ PCI_ERR_UNCOR_SEVER, 4, 0xffffffffu, "AER uncorrectable severity" },
	{ PCI_ERR_COR_MASK, 4, 0xffffffffu, "AER correctable mask" },
	{ PCI_ERR_CAP, 4, 0xffffffffu, "AER capabilities and control" },
};
static const struct restore_rule acs_regs[] = { { PCI_ACS_CTRL, 2, 0xffffu, "ACS control" } };
static const struct restore_rule ltr_regs[] = { { PCI_LTR_MAX_SNOOP_LAT, 4, 0xffffffffu, "LTR latencies" } };

/* PCIe capability registers and when they exist (from the capability's own flags). */
enum exp_cond { EXP_ALWAYS, EXP_V2, EXP_SLOT, EXP_ROOT, EXP_V2_SLOT };
struct exp_rule {
	struct restore_rule r;
	enum exp_cond cond;
};
static const struct exp_rule exp_regs[] = {
	{ { PCI_EXP_DEVCTL, 2, 0xffffu, "PCIe device control" }, EXP_ALWAYS },
	{ { PCI_EXP_LNKCTL, 2, 0xffffu, "PCIe link control" }, EXP_ALWAYS },
	{ { PCI_EXP_SLTCTL, 2, 0xffffu, "PCIe slot control" }, EXP_SLOT },
	{ { PCI_EXP_RTCTL, 2, 0xffffu, "PCIe root control" }, EXP_ROOT },
	{ { PCI_EXP_DEVCTL2, 2, 0xffffu, "PCIe device control 2" }, EXP_V2 },
	{ { PCI_EXP_LNKCTL2, 2, 0xffffu, "PCIe link control 2" }, EXP_V2 },
	{ { PCI_EXP_SLTCTL2, 2, 0xffffu, "PCIe slot control 2" }, EXP_V2_SLOT },
};

/* Writes (saved & mask) | (current & ~mask) when it differs from the current value. */
static int restore_reg(struct hostdev *hd, const struct dev_snapshot *s, unsigned base, const struct restore_rule *r,
		       char *err, size_t errlen)
{
	unsigned off = base + r->off;
	if (off + r->size > s->size || off + r->size > hd->cfg_size)
		return 0;
	uint32_t cur;
	int rc = hostdev_read(hd, off, r->size, &cur);
	if (rc == 0) {
		uint32_t want = (snap_get(s, off, r->size) & r->mask) | (cur & ~r->mask);
		if (want != cur)
			rc = hostdev_write(hd, off, r->size, want);
	}
	if (rc)
		snprintf(err, errlen, "%s: restoring %s (0x%x): %s", hd->source, r->name, off, strerror(-rc));
	return rc;
}

static int restore_list(struct hostdev *hd, const struct dev_snapshot *s, unsigned base, const struct restore_rule *r,
			size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		int rc = restore_reg(hd, s, base, &r[i], err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

#define RESTORE(hd, s, base, regs, err, errlen) restore_list(hd, s, base, regs, sizeof(regs) / sizeof(regs[0]), err, errlen)

/* Power state first: a device in D3hot ignores most of what follows. */
static int restore_pm(struct hostdev *hd, const struct dev_snapshot *s, char *err, size_t errlen)
{
	unsigned pm = hostdev_find_cap(hd, PCI_CAP_ID_PM);
	if (!pm)
		return 0;
	uint32_t cur;
	int rc = hostdev_read(hd, pm + PCI_PM_CTRL, 2, &cur);
	/* PME status is write-1-to-clear: never written as 1. */
	uint32_t want = snap_get(s, pm + PCI_PM_CTRL, 2) & ~PCI_PM_CTRL_PME_STATUS;
	if (rc == 0 && (cur & ~PCI_PM_CTRL_PME_STATUS) != want) {
		rc = hostdev_write(hd, pm + PCI_PM_CTRL, 2, want);
		if (rc == 0 && (cur & PCI_PM_CTRL_STATE_MASK) == PCI_PM_CTRL_D3HOT &&
		    (want & PCI_PM_CTRL_STATE_MASK) != PCI_PM_CTRL_D3HOT) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	if (rc)
		snprintf(err, errlen, "%s: restoring the power state (0x%x): %s", hd->source, pm + PCI_PM_CTRL,
			 strerror(-rc));
	return rc;
}

static int restore_exp(struct hostdev *hd, const struct dev_snapshot *s, char *err, size_t errlen)
{
	unsigned exp = hostdev_find_cap(hd, PCI_CAP_ID_EXP);
	if (!exp)
		return 0;
	uint32_t flags = snap_get(s, exp + PCI_EXP_FLAGS, 2);
	unsigned ver = flags & PCI_EXP_FLAGS_VERS, type = (flags & PCI_EXP_FLAGS_TYPE) >> 4;
	bool slot = flags & PCI_EXP_FLAGS_SLOT, root = type == PCI_EXP_TYPE_ROOT_PORT || type == PCI_EXP_TYPE_RC_EC;
	for (size_t i = 0; i < sizeof(exp_regs) / sizeof(exp_regs[0]); i++) {
		const struct exp_rule *e = &exp_regs[i];
		bool present = e->cond == EXP_ALWAYS || (e->cond == EXP_V2 && ver >= 2) ||
			       (e->cond == EXP_SLOT && slot) || (e->cond == EXP_ROOT && root) ||
			       (e->cond == EXP_V2_SLOT && ver >= 2 && slot);
		if (!present)
			continue;
		int rc = restore_reg(hd, s, exp, &e->r, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

/* MSI: address, data and mask first, the control word (with its enable) last. */
static int restore_msi(struct hostdev *hd, const struct dev_snapshot *s, char *err, size_t errlen)
{
	unsigned msi = hostdev_find_cap(hd, PCI_CAP_ID_MSI);
	if (!msi)
		return 0;
	uint32_t ctl = snap_get(s, msi + PCI_MSI_FLAGS, 2);
	bool is64 = ctl & PCI_MSI_FLAGS_64BIT;
	struct restore_rule regs[5];
	size_t n = 0;
	regs[n++] = (struct restore_rule){ PCI_MSI_ADDRESS_LO, 4, 0xffffffffu, "MSI address" };
	if (is64)
		regs[n++] = (struct restore_rule){ PCI_MSI_ADDRESS_HI, 4, 0xffffffffu, "MSI upper address" };
	regs[n++] = (struct restore_rule){ (uint16_t)(is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 2, 0xffffu, "MSI data" };
	if (ctl & PCI_MSI_FLAGS_MASKBIT)
		regs[n++] = (struct restore_rule){ (uint16_t)(is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32), 4, 0xffffffffu, "MSI mask" };
	regs[n++] = (struct restore_rule){ PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, "MSI control" };
	return restore_list(hd, s, msi, regs, n, err, errlen);
}

static int restore_msix(struct hostdev *hd, const struct dev_snapshot *s, char *err, size_t errlen)
{
	unsigned msix = hostdev_find_cap(hd, PCI_CAP_ID_MSIX);
	static const struct restore_rule ctl[] = {
		{ PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, "MSI-X control" }
	};
	return msix ? RESTORE(hd, s, msix, ctl, err, errlen) : 0;
}

static int restore_caps(struct hostdev *hd, const struct dev_snapshot *s, char *err, size_t errlen)
{
	unsigned pcix = hostdev_find_cap(hd, PCI_CAP_ID_PCIX);
	int rc = pcix ? RESTORE(hd, s, pcix, pcix_regs, err, errlen) : 0;
	if (!rc)
		rc = restore_exp(hd, s, err, errlen);
	if (!rc)
		rc = restore_msi(hd, s, err, errlen);
	if (!rc)
		rc = restore_msix(hd, s, err, errlen);
	unsigned aer = hostdev_find_ext_cap(hd, PCI_EXT_CAP_ID_ERR), acs = hostdev_find_ext_cap(hd, PCI_EXT_CAP_ID_ACS),
		 ltr = hostdev_find_ext_cap(hd, PCI_EXT_CAP_ID_LTR);
	if (!rc && aer)
		rc = RESTORE(hd, s, aer, aer_regs, err, errlen);
	if (!rc && acs)
		rc = RESTORE(hd, s, acs, acs_regs, err, errlen);
	if (!rc && ltr)
		rc = RESTORE(hd, s, ltr, ltr_regs, err, errlen);
	return rc;
}

/* COMMAND and the BARs must read back as saved (a BAR's read-only low bits included). */
static int verify(struct hostdev *hd, const struct dev_snapshot *s, char *err, size_t errlen)
{
	static const struct restore_rule check[] = {
		{ PCI_COMMAND, 2, PCI_COMMAND_DEFINED_MASK, "COMMAND" },
		{ PCI_BASE_ADDRESS_0, 4, 0xffffffffu, "BAR0" }, { PCI_BASE_ADDRESS_1, 4, 0xffffffffu, "BAR1" },
		{ PCI_BASE_ADDRESS_2, 4, 0xffffffffu, "BAR2" }, { PCI_BASE_ADDRESS_3, 4, 0xffffffffu, "BAR3" },
		{ PCI_BASE_ADDRESS_4, 4, 0xffffffffu, "BAR4" }, { PCI_BASE_ADDRESS_5, 4, 0xffffffffu, "BAR5" },
	};
	for (size_t i = 0; i < sizeof(check) / sizeof(check[0]); i++) {
		uint32_t v;
		int rc = hostdev_read(hd, check[i].off, check[i].size, &v);
		uint32_t want = snap_get(s, check[i].off, check[i].size) & check[i].mask;
		if (rc == 0 && (v & check[i].mask) != want)
			rc = -EIO;
		if (rc) {
			snprintf(err, errlen, "%s: %s reads 0x%x after restore, saved 0x%x", hd->source, check[i].name,
				 v & check[i].mask, want);
			return rc;
		}
	}
	return 0;
}

int dev_restore(struct hostdev *hd, const struct dev_snapshot *s, char *err, size_t errlen)
{
	if (hd->header_type != PCI_HEADER_TYPE_NORMAL) {
		snprintf(err, errlen, "%s: header type %u is not restored (only type 0 is given to guests)", hd->source,
			 hd->header_type);
		return -EINVAL;
	}
	static const struct restore_rule command[] = { { PCI_COMMAND, 2, 0xffffu, "COMMAND" } };
	int rc = restore_pm(hd, s, err, errlen);
	if (!rc)
		rc = RESTORE(hd, s, 0, header_regs, err, errlen);
	if (!rc)
		rc = restore_caps(hd, s, err, errlen);
	if (!rc)
		rc = RESTORE(hd, s, 0, command, err, errlen);
	if (!rc)
		rc = verify(hd, s, err, errlen);
	return rc;
}
