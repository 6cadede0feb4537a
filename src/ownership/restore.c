/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "restore.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CMD_MASTER 0x0004u
#define CAP_PM 0x01
#define CAP_MSI 0x05
#define CAP_PCIX 0x07
#define CAP_EXP 0x10
#define CAP_MSIX 0x11
#define ECAP_AER 0x0001
#define ECAP_ACS 0x000d
#define ECAP_LTR 0x0018
#define MSI_ENABLE 0x0001u
#define MSI_64BIT 0x0080u
#define MSI_MASKBIT 0x0100u
#define MSIX_ENABLE 0x8000u
#define PMCSR_STATE 0x0003u
#define PMCSR_PME_STATUS 0x8000u
#define EXP_FLAGS_SLOT 0x0100u

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
	unsigned msi = hostdev_find_cap(hd, CAP_MSI), msix = hostdev_find_cap(hd, CAP_MSIX);
	if (msi)
		snap_put(s, msi + 2, 2, snap_get(s, msi + 2, 2) & ~MSI_ENABLE);
	if (msix)
		snap_put(s, msix + 2, 2, snap_get(s, msix + 2, 2) & ~MSIX_ENABLE);
	snap_put(s, 0x04, 2, snap_get(s, 0x04, 2) & ~CMD_MASTER);
}

/* One register to restore: offset from its capability, size, bits written back. */
struct reg_rule {
	uint16_t off;
	uint8_t size;
	uint32_t mask;
	const char *name;
};

/* Type-0 header, in write order (COMMAND is written last, separately). */
static const struct reg_rule header_regs[] = {
	{ 0x10, 4, 0xffffffffu, "BAR0" }, { 0x14, 4, 0xffffffffu, "BAR1" }, { 0x18, 4, 0xffffffffu, "BAR2" },
	{ 0x1c, 4, 0xffffffffu, "BAR3" }, { 0x20, 4, 0xffffffffu, "BAR4" }, { 0x24, 4, 0xffffffffu, "BAR5" },
	{ 0x30, 4, 0xffffffffu, "ROM BAR" }, { 0x0c, 1, 0xffu, "cache line size" },
	{ 0x0d, 1, 0xffu, "latency timer" }, { 0x3c, 1, 0xffu, "interrupt line" },
};

static const struct reg_rule pcix_regs[] = { { 0x02, 2, 0xffffu, "PCI-X command" } };
static const struct reg_rule aer_regs[] = {
	{ 0x08, 4, 0xffffffffu, "AER uncorrectable mask" },
	{ 0x0c, 4, 0xffffffffu, "AER uncorrectable severity" },
	{ 0x14, 4, 0xffffffffu, "AER correctable mask" },
	{ 0x18, 4, 0xffffffffu, "AER capabilities and control" },
};
static const struct reg_rule acs_regs[] = { { 0x06, 2, 0xffffu, "ACS control" } };
static const struct reg_rule ltr_regs[] = { { 0x04, 4, 0xffffffffu, "LTR latencies" } };

/* PCIe capability registers and when they exist (from the capability's own flags). */
enum exp_cond { EXP_ALWAYS, EXP_V2, EXP_SLOT, EXP_ROOT, EXP_V2_SLOT };
struct exp_rule {
	struct reg_rule r;
	enum exp_cond cond;
};
static const struct exp_rule exp_regs[] = {
	{ { 0x08, 2, 0xffffu, "PCIe device control" }, EXP_ALWAYS },
	{ { 0x10, 2, 0xffffu, "PCIe link control" }, EXP_ALWAYS },
	{ { 0x18, 2, 0xffffu, "PCIe slot control" }, EXP_SLOT },
	{ { 0x1c, 2, 0xffffu, "PCIe root control" }, EXP_ROOT },
	{ { 0x28, 2, 0xffffu, "PCIe device control 2" }, EXP_V2 },
	{ { 0x30, 2, 0xffffu, "PCIe link control 2" }, EXP_V2 },
	{ { 0x38, 2, 0xffffu, "PCIe slot control 2" }, EXP_V2_SLOT },
};

/* Writes (saved & mask) | (current & ~mask) when it differs from the current value. */
static int restore_reg(struct hostdev *hd, const struct dev_snapshot *s, unsigned base, const struct reg_rule *r,
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

static int restore_list(struct hostdev *hd, const struct dev_snapshot *s, unsigned base, const struct reg_rule *r,
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
	unsigned pm = hostdev_find_cap(hd, CAP_PM);
	if (!pm)
		return 0;
	uint32_t cur;
	int rc = hostdev_read(hd, pm + 4, 2, &cur);
	/* PME status is write-1-to-clear: never written as 1. */
	uint32_t want = snap_get(s, pm + 4, 2) & ~PMCSR_PME_STATUS;
	if (rc == 0 && (cur & ~PMCSR_PME_STATUS) != want) {
		rc = hostdev_write(hd, pm + 4, 2, want);
		if (rc == 0 && (cur & PMCSR_STATE) == 3 && (want & PMCSR_STATE) != 3) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	if (rc)
		snprintf(err, errlen, "%s: restoring the power state (0x%x): %s", hd->source, pm + 4, strerror(-rc));
	return rc;
}

static int restore_exp(struct hostdev *hd, const struct dev_snapshot *s, char *err, size_t errlen)
{
	unsigned exp = hostdev_find_cap(hd, CAP_EXP);
	if (!exp)
		return 0;
	uint32_t flags = snap_get(s, exp + 2, 2);
	unsigned ver = flags & 0xf, type = (flags >> 4) & 0xf;
	bool slot = flags & EXP_FLAGS_SLOT, root = type == 4 || type == 0xa;
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
	unsigned msi = hostdev_find_cap(hd, CAP_MSI);
	if (!msi)
		return 0;
	uint32_t ctl = snap_get(s, msi + 2, 2);
	bool is64 = ctl & MSI_64BIT;
	struct reg_rule regs[5];
	size_t n = 0;
	regs[n++] = (struct reg_rule){ 0x04, 4, 0xffffffffu, "MSI address" };
	if (is64)
		regs[n++] = (struct reg_rule){ 0x08, 4, 0xffffffffu, "MSI upper address" };
	regs[n++] = (struct reg_rule){ (uint16_t)(is64 ? 0x0c : 0x08), 2, 0xffffu, "MSI data" };
	if (ctl & MSI_MASKBIT)
		regs[n++] = (struct reg_rule){ (uint16_t)(is64 ? 0x10 : 0x0c), 4, 0xffffffffu, "MSI mask" };
	regs[n++] = (struct reg_rule){ 0x02, 2, 0x0071u, "MSI control" }; /* enable + multiple message enable */
	return restore_list(hd, s, msi, regs, n, err, errlen);
}

static int restore_msix(struct hostdev *hd, const struct dev_snapshot *s, char *err, size_t errlen)
{
	unsigned msix = hostdev_find_cap(hd, CAP_MSIX);
	static const struct reg_rule ctl[] = { { 0x02, 2, 0xc000u, "MSI-X control" } };
	return msix ? RESTORE(hd, s, msix, ctl, err, errlen) : 0;
}

static int restore_caps(struct hostdev *hd, const struct dev_snapshot *s, char *err, size_t errlen)
{
	unsigned pcix = hostdev_find_cap(hd, CAP_PCIX);
	int rc = pcix ? RESTORE(hd, s, pcix, pcix_regs, err, errlen) : 0;
	if (!rc)
		rc = restore_exp(hd, s, err, errlen);
	if (!rc)
		rc = restore_msi(hd, s, err, errlen);
	if (!rc)
		rc = restore_msix(hd, s, err, errlen);
	unsigned aer = hostdev_find_ext_cap(hd, ECAP_AER), acs = hostdev_find_ext_cap(hd, ECAP_ACS),
		 ltr = hostdev_find_ext_cap(hd, ECAP_LTR);
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
	static const struct reg_rule check[] = {
		{ 0x04, 2, 0x07ffu, "COMMAND" },   { 0x10, 4, 0xffffffffu, "BAR0" }, { 0x14, 4, 0xffffffffu, "BAR1" },
		{ 0x18, 4, 0xffffffffu, "BAR2" }, { 0x1c, 4, 0xffffffffu, "BAR3" }, { 0x20, 4, 0xffffffffu, "BAR4" },
		{ 0x24, 4, 0xffffffffu, "BAR5" },
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
	if (hd->header_type != 0) {
		snprintf(err, errlen, "%s: header type %u is not restored (only type 0 is given to guests)", hd->source,
			 hd->header_type);
		return -EINVAL;
	}
	static const struct reg_rule command[] = { { 0x04, 2, 0xffffu, "COMMAND" } };
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
