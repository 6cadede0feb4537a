/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Field tables and hooks of the capabilities: power
 * management, VPD, MSI and MSI-X flags, the PCI Express status registers, a
 * read-only header for every other capability, the extended capability
 * header, and the run-time quirk field.  Capability bodies not described here
 * read through and drop writes unless the device is permissive, as in Linux.
 */
#include "cfg_field.h"

#include "proto/pci_regs.h"
#include "proto/pciif.h"

/* ---- capability headers: read-only; st[0] set when the chain is cut at this link ---- */

static int cap_hdr_read(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t *val)
{
	if (fi->st[0])
		*val &= 0x00ffu;
	return 0;
}

static int ext_hdr_read(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t *val)
{
	if (fi->st[0])
		*val &= 0x000fffffu;
	return 0;
}

#define FIELD_CAP_HDR { .name = "capability header", .offset = 0, .size = 2, .flags = CFG_F_CAP_HDR, .ro = 0xffff, \
		  .read = cap_hdr_read }

/* ---- power management ---- */

static int pmc_read(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t *val)
{
	*val &= ~PCI_PM_CAP_PME_MASK; /* the guest never sees PME support */
	return 0;
}

static int pmcsr_init(struct cfg_dev *cd, struct cfg_fi *fi)
{
	uint32_t v;
	int rc = cfg_hw_read(cd, fi->off, 2, &v);
	if (rc)
		return rc;
	if (v & PCI_PM_CTRL_PME_ENABLE) /* PME stays disabled; PME_STATUS (RW1C) is written as 0 */
		return cfg_hw_write(cd, fi->off, 2, v & ~(PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS));
	return 0;
}

/*
 * A D-state change goes through the host layer, which only starts it: the
 * device is left alone until cfg_pm_finish (the caller waits what
 * cfg_pm_pending says first), which then puts back what a soft reset erased.
 */
static unsigned flags_enabled(struct cfg_dev *cd, unsigned pos, uint32_t bit);

static int pmcsr_write(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t written)
{
	uint32_t hw, cmd;
	/* A caller that did not finish the previous change: refused, so that its restore is not lost. */
	if (cd->pm.pending)
		return PCIIF_ERR_ACCESS_DENIED;
	int rc = cfg_fi_hw_update_changed(cd, fi, val, (PCI_PM_CTRL_PME_STATUS | PCI_PM_CTRL_DATA_SEL_MASK) & written);
	if (rc)
		return rc;
	if (!(written & PCI_PM_CTRL_STATE_MASK))
		return 0;
	rc = cfg_hw_read(cd, fi->off, 2, &hw);
	if (!rc)
		rc = cfg_hw_read(cd, PCI_COMMAND, 2, &cmd);
	if (rc)
		return rc;
	int want = (int)(val & PCI_PM_CTRL_STATE_MASK);
	if ((int)(hw & PCI_PM_CTRL_STATE_MASK) == want)
		return 0;
	/* Before the change: a soft reset may already have happened when set_power_state returns. */
	struct cfg_irq_hw irq = {
		.msi_on = flags_enabled(cd, cd->cap_pos[CFG_CAP_MSI], PCI_MSI_FLAGS_ENABLE),
		.msix_on = flags_enabled(cd, cd->cap_pos[CFG_CAP_MSIX], PCI_MSIX_FLAGS_ENABLE),
		.msix_maskall = flags_enabled(cd, cd->cap_pos[CFG_CAP_MSIX], PCI_MSIX_FLAGS_MASKALL),
	};
	struct hostdev *hd = cd->hd;
	unsigned wait_us = 0;
	if (!hd->ops->set_power_state || hd->ops->set_power_state(hd, want, &wait_us))
		return PCIIF_ERR_ACCESS_DENIED;
	cd->pm.pending = true;
	cd->pm.from = (uint8_t)(hw & PCI_PM_CTRL_STATE_MASK);
	cd->pm.cmd = (uint16_t)cmd;
	cd->pm.wait_us = wait_us;
	cd->pm.irq = irq;
	return 0;
}

bool cfg_pm_pending(const struct cfg_dev *cd, unsigned *wait_us)
{
	*wait_us = cd->pm.pending ? cd->pm.wait_us : 0;
	return cd->pm.pending;
}

/*
 * D3hot -> D0 resets a device whose No_Soft_Reset is clear: BARs, ROM and
 * COMMAND come back from what the backend knows (the host resources, and
 * COMMAND as it was when the change started), only where hardware differs.
 */
bool cfg_pm_finish(struct cfg_dev *cd, struct cfg_irq_hw *was)
{
	uint32_t pmcsr, cmd;
	if (!cd->pm.pending)
		return false;
	cd->pm.pending = false;
	if (was)
		*was = cd->pm.irq;
	unsigned pm = cd->cap_pos[CFG_CAP_PM];
	if (cd->pm.from != PCI_PM_CTRL_D3HOT || !pm || cfg_hw_read(cd, pm + PCI_PM_CTRL, 2, &pmcsr) ||
	    (pmcsr & PCI_PM_CTRL_STATE_MASK))
		return false;
	cfg_dev_restore(cd);
	/* Decoding last, once the BARs hold the right addresses. */
	if (cfg_hw_read(cd, PCI_COMMAND, 2, &cmd) ||
	    (cmd != cd->pm.cmd && cfg_hw_write(cd, PCI_COMMAND, 2, cd->pm.cmd)))
		pb_log_rl(&cd->rl, PB_LOG_WARN, "%s: cannot restore the command register after a power-state change",
			  cd->hd->source);
	return !(pmcsr & PCI_PM_CTRL_NO_SOFT_RESET);
}

static const struct cfg_field pm_fields[] = {
	FIELD_CAP_HDR,
	{ .name = "pm capabilities", .offset = PCI_PM_PMC, .size = 2, .ro = 0xffff & ~PCI_PM_CAP_PME_MASK, .emu = PCI_PM_CAP_PME_MASK,
	  .read = pmc_read },
	/* D-state bits go through the host layer; PME_ENABLE is read-only for the guest. */
	{ .name = "pm control/status", .offset = PCI_PM_CTRL, .size = 2,
	  .ro = PCI_PM_CTRL_DATA_SCALE_MASK | PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_NO_SOFT_RESET,
	  .rw1c = PCI_PM_CTRL_RW1C_MASK, .rsvd = PCI_PM_CTRL_RSVDZ_MASK,
	  .init = pmcsr_init, .write = pmcsr_write },
	{ .name = "pm bridge extensions", .offset = PCI_PM_PPB_EXTENSIONS, .size = 1, .ro = 0xff },
	{ .name = "pm data", .offset = PCI_PM_DATA_REGISTER, .size = 1, .ro = 0xff },
};

/* ---- VPD ---- */

/*
 * F is a trigger: the guest's write of the address is a read request (F 0,
 * what reaches the device) or a write request (F 1, refused); the device
 * sets F when a read completes, and that 1 is never written back.
 */
static int vpd_addr_write(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t written)
{
	if ((written & PCI_VPD_ADDR_F) && (val & PCI_VPD_ADDR_F))
		return PCIIF_ERR_ACCESS_DENIED; /* a VPD write request */
	return cfg_fi_hw_update(cd, fi, val, ~PCI_VPD_ADDR_F & written & 0xffffu);
}

static const struct cfg_field vpd_fields[] = {
	FIELD_CAP_HDR,
	{ .name = "vpd address", .offset = PCI_VPD_ADDR, .size = 2, .trig = PCI_VPD_ADDR_F, .write = vpd_addr_write },
	{ .name = "vpd data", .offset = PCI_VPD_DATA, .size = 4, .ro = 0xffffffffu },
};

/* ---- MSI / MSI-X flags ---- */

static unsigned flags_enabled(struct cfg_dev *cd, unsigned pos, uint32_t bit)
{
	uint32_t v;
	return pos && !cfg_hw_read(cd, pos + PCI_MSI_FLAGS, 2, &v) && (v & bit);
}

unsigned cfg_irq_types(struct cfg_dev *cd)
{
	unsigned t = 0;
	if (flags_enabled(cd, cd->cap_pos[CFG_CAP_MSI], PCI_MSI_FLAGS_ENABLE))
		t |= CFG_IRQ_MSI;
	if (flags_enabled(cd, cd->cap_pos[CFG_CAP_MSIX], PCI_MSIX_FLAGS_ENABLE))
		t |= CFG_IRQ_MSIX;
	if (!t) { /* a device with MSI or MSI-X on does not use INTx */
		uint32_t cmd;
		if (!cfg_hw_read(cd, PCI_COMMAND, 2, &cmd) && !(cmd & PCI_COMMAND_INTX_DISABLE))
			t = CFG_IRQ_INTX;
	}
	return t;
}

/* What a guest may do with the MSI or the MSI-X flags: the arg of their field. */
struct irq_flags_rule {
	uint32_t allowed; /* bits a guest with allow-interrupt-control may change */
	uint32_t enable;  /* the enable bit */
	unsigned type;    /* CFG_IRQ_MSI or CFG_IRQ_MSIX */
};

static const struct irq_flags_rule msi_flags_rule = { PCI_MSI_FLAGS_ENABLE, PCI_MSI_FLAGS_ENABLE, CFG_IRQ_MSI };
static const struct irq_flags_rule msix_flags_rule = {
	PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, PCI_MSIX_FLAGS_ENABLE, CFG_IRQ_MSIX
};

static int irq_flags_write(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t written)
{
	const struct irq_flags_rule *r = fi->f->arg;
	uint32_t hw;
	int rc = cfg_hw_read(cd, fi->off, 2, &hw);
	if (rc)
		return rc;
	if (val == hw)
		return 0;
	if (!cd->opts.permissive && (!cd->opts.allow_interrupt_control || ((val ^ hw) & ~r->allowed)))
		return PCIIF_ERR_ACCESS_DENIED;
	if ((val & r->enable) && !(hw & r->enable)) {
		/* One interrupt type at a time; INTx may still be on while Linux starts MSI/MSI-X. */
		unsigned t = cfg_irq_types(cd);
		if (t != CFG_IRQ_NONE && t != CFG_IRQ_INTX && t != r->type)
			return PCIIF_ERR_ACCESS_DENIED;
		/* Only in D0, as through the MSI ops (permissive too). */
		if (hostdev_power_state(cd->hd) != 0)
			return PCIIF_ERR_ACCESS_DENIED;
	}
	return cfg_fi_hw_update(cd, fi, val, cd->opts.permissive ? 0xffffu : r->allowed);
}

/*
 * MSI: four layouts (32/64-bit address, with or without per-vector masking).
 * The message address, data, mask and pending bits belong to the hypervisor,
 * which programs them when it maps the vector: they read through and writes
 * are dropped in every mode, permissive included (XSA-129; the kernel leaves
 * them undescribed, so permissive mode would write them).
 */
#define FIELD_MSI_FLAGS \
	{ .name = "msi flags", .offset = PCI_MSI_FLAGS, .size = 2, .arg = &msi_flags_rule, .write = irq_flags_write }
#define FIELD_MSI_RO(n, o, sz) { .name = n, .offset = o, .size = sz, .ro = (sz) == 4 ? 0xffffffffu : 0xffffu }
static const struct cfg_field msi32_fields[] = {
	FIELD_CAP_HDR, FIELD_MSI_FLAGS, FIELD_MSI_RO("msi address", PCI_MSI_ADDRESS_LO, 4),
	FIELD_MSI_RO("msi data", PCI_MSI_DATA_32, 2),
};
static const struct cfg_field msi32_mask_fields[] = {
	FIELD_CAP_HDR, FIELD_MSI_FLAGS, FIELD_MSI_RO("msi address", PCI_MSI_ADDRESS_LO, 4),
	FIELD_MSI_RO("msi data", PCI_MSI_DATA_32, 2), FIELD_MSI_RO("msi mask bits", PCI_MSI_MASK_32, 4), FIELD_MSI_RO("msi pending bits", PCI_MSI_PENDING_32, 4),
};
static const struct cfg_field msi64_fields[] = {
	FIELD_CAP_HDR, FIELD_MSI_FLAGS, FIELD_MSI_RO("msi address", PCI_MSI_ADDRESS_LO, 4),
	FIELD_MSI_RO("msi upper address", PCI_MSI_ADDRESS_HI, 4), FIELD_MSI_RO("msi data", PCI_MSI_DATA_64, 2),
};
static const struct cfg_field msi64_mask_fields[] = {
	FIELD_CAP_HDR, FIELD_MSI_FLAGS, FIELD_MSI_RO("msi address", PCI_MSI_ADDRESS_LO, 4),
	FIELD_MSI_RO("msi upper address", PCI_MSI_ADDRESS_HI, 4), FIELD_MSI_RO("msi data", PCI_MSI_DATA_64, 2),
	FIELD_MSI_RO("msi mask bits", PCI_MSI_MASK_64, 4), FIELD_MSI_RO("msi pending bits", PCI_MSI_PENDING_64, 4),
};

static const struct cfg_field msix_fields[] = {
	FIELD_CAP_HDR,
	{ .name = "msi-x flags", .offset = PCI_MSIX_FLAGS, .size = 2, .arg = &msix_flags_rule, .write = irq_flags_write },
};

/* ---- PCI Express: the RW1C status registers, so that permissive writes never clear what the guest did not set ---- */

/*
 * Version 1 of the capability may end after link status (0x14 bytes: an
 * endpoint without slot or root registers, as QEMU's e1000e has at 0xe0);
 * version 2 has every register.
 */
#define EXP_STATUS(n, o, sz, rw1c_mask) \
	{ .name = n, .offset = o, .size = sz, .flags = CFG_F_PERMISSIVE, .rw1c = (rw1c_mask), \
	  .ro = (0xffffffffu >> (32 - 8 * (sz))) & ~(uint32_t)(rw1c_mask) }
#define EXP_DEVSTA EXP_STATUS("device status", PCI_EXP_DEVSTA, 2, PCI_EXP_DEVSTA_RW1C_MASK)
#define EXP_LNKSTA EXP_STATUS("link status", PCI_EXP_LNKSTA, 2, PCI_EXP_LNKSTA_RW1C_MASK)
static const struct cfg_field exp_v1_fields[] = { FIELD_CAP_HDR, EXP_DEVSTA, EXP_LNKSTA };

static const struct cfg_field exp_fields[] = {
	FIELD_CAP_HDR, EXP_DEVSTA, EXP_LNKSTA,
	EXP_STATUS("slot status", PCI_EXP_SLTSTA, 2, PCI_EXP_SLTSTA_RW1C_MASK),
	EXP_STATUS("root status", PCI_EXP_RTSTA, 4, PCI_EXP_RTSTA_RW1C_MASK),
};

/* ---- every other capability: the header only ---- */

static const struct cfg_field generic_fields[] = { FIELD_CAP_HDR };

/* ---- extended capabilities: the header only ---- */

static const struct cfg_field ext_fields[] = {
	{ .name = "extended capability header", .offset = 0, .size = 4, .flags = CFG_F_EXT_HDR, .ro = 0xffffffffu,
	  .read = ext_hdr_read },
};

#define TABLE(n, f, len) { n, f, sizeof(f) / sizeof((f)[0]), len }

static const struct cfg_table pm_table = TABLE("power management", pm_fields, PCI_PM_SIZEOF);
static const struct cfg_table vpd_table = TABLE("vpd", vpd_fields, PCI_CAP_VPD_SIZEOF);
static const struct cfg_table msi32_table = TABLE("msi", msi32_fields, PCI_MSI_DATA_32 + 2);
static const struct cfg_table msi32_mask_table = TABLE("msi (masking)", msi32_mask_fields, PCI_MSI_PENDING_32 + 4);
static const struct cfg_table msi64_table = TABLE("msi (64-bit)", msi64_fields, PCI_MSI_DATA_64 + 2);
static const struct cfg_table msi64_mask_table = TABLE("msi (64-bit, masking)", msi64_mask_fields, PCI_MSI_PENDING_64 + 4);
static const struct cfg_table msix_table = TABLE("msi-x", msix_fields, PCI_CAP_MSIX_SIZEOF);
static const struct cfg_table exp_v1_table = TABLE("pci express v1", exp_v1_fields, PCI_CAP_EXP_ENDPOINT_SIZEOF_V1);
static const struct cfg_table exp_table = TABLE("pci express", exp_fields, PCI_EXP_RTSTA + 4);
static const struct cfg_table generic_table = TABLE("capability", generic_fields, 2);
const struct cfg_table cfg_ext_cap_table = TABLE("extended capability", ext_fields, 4);

/* ---- the capabilities: one row each ---- */

#define LAYOUTS(...) (const struct cfg_table *const[]){ __VA_ARGS__ }, \
	sizeof((const struct cfg_table *const[]){ __VA_ARGS__ }) / sizeof(const struct cfg_table *)

const struct cfg_cap cfg_caps[] = {
	{ PCI_CAP_ID_PM, CFG_CAP_PM, 0, LAYOUTS(&pm_table) },
	{ PCI_CAP_ID_VPD, CFG_CAP_NONE, 0, LAYOUTS(&vpd_table) },
	/* 32- or 64-bit address, without or with per-vector masking */
	{ PCI_CAP_ID_MSI, CFG_CAP_MSI, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT,
	  LAYOUTS(&msi32_table, &msi64_table, &msi32_mask_table, &msi64_mask_table) },
	{ PCI_CAP_ID_MSIX, CFG_CAP_MSIX, 0, LAYOUTS(&msix_table) },
	/* by the capability's version: 0 and 1, 2 and later */
	{ PCI_CAP_ID_EXP, CFG_CAP_NONE, PCI_EXP_FLAGS_VERS, LAYOUTS(&exp_v1_table, &exp_v1_table, &exp_table) },
};
const size_t cfg_caps_count = sizeof(cfg_caps) / sizeof(cfg_caps[0]);

const struct cfg_table *cfg_cap_header_table(void) { return &generic_table; }

const struct cfg_cap *cfg_cap_find(uint8_t cap_id)
{
	for (size_t i = 0; i < cfg_caps_count; i++)
		if (cfg_caps[i].id == cap_id)
			return &cfg_caps[i];
	return NULL;
}

const struct cfg_table *cfg_cap_layout(const struct cfg_cap *cap, uint16_t cap_flags)
{
	size_t i = cap->layout_mask ? (size_t)((cap_flags & cap->layout_mask) >> __builtin_ctz(cap->layout_mask)) : 0;
	return cap->layouts[i < cap->nlayouts ? i : cap->nlayouts - 1];
}
