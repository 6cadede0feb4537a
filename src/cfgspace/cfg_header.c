/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Field tables and hooks of the type 0 (endpoint) and type 1 (bridge)
 * headers, following Linux xen-pciback's conf_space_header.c.
 * Registers the kernel leaves without a field (status, class, bridge
 * windows and bus numbers, ...) are described here as read-only unless the
 * device is permissive (CFG_F_PERMISSIVE), which is the kernel's behaviour.
 */
#include "cfg_field.h"

#include "proto/pci_regs.h"
#include "proto/pciif.h"

/* ---- identity and interrupt line: emulated from the host layer ---- */

static int vendor_read(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t *val)
{
	*val = cd->hd->vendor_id;
	return 0;
}

static int device_read(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t *val)
{
	*val = cd->hd->device_id;
	return 0;
}

/* The host interrupt, truncated to 8 bits as the kernel does (dev->irq). */
static int irq_line_read(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t *val)
{
	*val = cd->hd->irq & 0xffu;
	return 0;
}

/* ---- command: st[0] the guest's value, st[1] the seize-time value ---- */

static int command_init(struct cfg_dev *cd, struct cfg_fi *fi)
{
	uint32_t v;
	int rc = cfg_hw_read(cd, fi->off, 2, &v);
	if (rc)
		return rc;
	fi->st[0] = fi->st[1] = v;
	return 0;
}

static int command_read(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t *val)
{
	*val = (*val & PCI_COMMAND_GUEST) | (fi->st[0] & ~PCI_COMMAND_GUEST & 0xffffu);
	return 0;
}

static int command_write(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t written)
{
	struct hostdev *hd = cd->hd;
	/* Decoding is switched on through the host layer, never by a raw write, and never off (XSA-120). */
	if (!hd->enabled && (val & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))) {
		if (hd->ops->enable) {
			int rc = hd->ops->enable(hd);
			if (rc)
				return rc; /* raw errno, as the kernel returns pci_enable_device()'s */
		}
	} else if (hd->enabled && !(val & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY))) {
		if (hd->ops->disable)
			hd->ops->disable(hd);
	}
	uint32_t through = PCI_COMMAND_MASTER | PCI_COMMAND_INVALIDATE;
	/*
	 * INTx disable: the guest's view is its own (st[0]); only a change of
	 * it reaches the device, never the stored bit over the device's.
	 */
	if (cd->opts.allow_interrupt_control && ((val ^ fi->st[0]) & PCI_COMMAND_INTX_DISABLE))
		through |= PCI_COMMAND_INTX_DISABLE;
	if (cd->opts.permissive)
		through |= PCI_COMMAND_GUEST;
	int rc = cfg_fi_hw_update_changed(cd, fi, val, through);
	if (rc)
		return rc;
	fi->st[0] = val & 0xffffu;
	return 0;
}

static void command_reset(struct cfg_dev *cd, struct cfg_fi *fi) { fi->st[0] = fi->st[1]; }

/* ---- BIST: only the START bit, and only as the kernel allows ---- */

static int bist_write(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t written)
{
	uint32_t hw;
	int rc = cfg_hw_read(cd, fi->off, 1, &hw);
	if (rc)
		return rc;
	if ((hw & ~PCI_BIST_START) == (val & ~PCI_BIST_START) || val == PCI_BIST_START)
		return cfg_fi_hw_update(cd, fi, val, PCI_BIST_START);
	return 0;
}

/* ---- BARs and ROM: st[0] value, st[1] sizing value, st[2] sizing latch, st[3] sizing mask ---- */

/* The host resource of each BAR field (its arg): BARs 0-5, then the ROM. */
static const int bar_res[HOSTDEV_NUM_RES] = { 0, 1, 2, 3, 4, 5, HOSTDEV_ROM };

static int res_index(const struct cfg_fi *fi) { return *(const int *)fi->f->arg; }

static int bar_init(struct cfg_dev *cd, struct cfg_fi *fi)
{
	const struct hostdev *hd = cd->hd;
	int i = res_index(fi);
	const struct hostdev_res *r = &hd->res[i];
	fi->st[0] = fi->st[1] = fi->st[2] = 0;
	if (i == HOSTDEV_ROM) {
		fi->st[3] = ~PCI_ROM_ADDRESS_MASK;
		if (!r->size)
			return 0;
		uint32_t hw, en;
		int rc = cfg_hw_read(cd, fi->off, 4, &hw);
		if (rc)
			return rc;
		en = hw & 1u;
		fi->st[0] = (uint32_t)r->start | en;
		fi->st[1] = (uint32_t)(-r->size) | en;
		return 0;
	}
	const struct hostdev_res *prev = i > 0 ? &hd->res[i - 1] : NULL;
	if ((r->flags & HOSTDEV_RES_UPPER) || (prev && (prev->flags & HOSTDEV_RES_MEM64) && prev->size)) {
		fi->st[3] = 0;
		if (prev && prev->size) {
			fi->st[0] = (uint32_t)(prev->start >> 32);
			fi->st[1] = (uint32_t)((-prev->size) >> 32);
		}
		return 0;
	}
	if (r->flags & HOSTDEV_RES_IO) {
		fi->st[3] = (uint32_t)~PCI_BASE_ADDRESS_IO_MASK;
		if (r->size) {
			fi->st[0] = (uint32_t)r->start | PCI_BASE_ADDRESS_SPACE_IO;
			fi->st[1] = (uint32_t)(-r->size) | PCI_BASE_ADDRESS_SPACE_IO;
		}
		return 0;
	}
	fi->st[3] = (uint32_t)~PCI_BASE_ADDRESS_MEM_MASK;
	if (r->size) {
		uint32_t low = ((r->flags & HOSTDEV_RES_MEM64) ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) |
			       ((r->flags & HOSTDEV_RES_PREFETCH) ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0);
		fi->st[0] = (uint32_t)r->start | low;
		fi->st[1] = (uint32_t)(-r->size) | low;
	}
	return 0;
}

static int bar_read(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t *val)
{
	*val = fi->st[2] ? fi->st[1] : fi->st[0];
	return 0;
}

/* Writes the host resource's value into hardware where it differs; a BAR without a resource is left alone. */
static int bar_put_back(struct cfg_dev *cd, struct cfg_fi *fi)
{
	uint32_t hw;
	if (!fi->st[1])
		return 0;
	int rc = cfg_hw_read(cd, fi->off, 4, &hw);
	if (rc)
		return rc;
	return hw != fi->st[0] ? cfg_hw_write(cd, fi->off, 4, fi->st[0]) : 0;
}

static int bar_write(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t written)
{
	if ((val | fi->st[3]) == 0xffffffffu) {
		fi->st[2] = 1;
		return 0;
	}
	fi->st[2] = 0;
	if (val != fi->st[0])
		return 0; /* any other value is ignored */
	/* Restoration: writing back the original value puts it back in hardware. */
	return bar_put_back(cd, fi);
}

static void bar_reset(struct cfg_dev *cd, struct cfg_fi *fi) { fi->st[2] = 0; }

/* After a soft reset: the host resource back in hardware (logged; the guest's op goes on). */
static void bar_restore(struct cfg_dev *cd, struct cfg_fi *fi)
{
	if (bar_put_back(cd, fi))
		pb_log_rl(&cd->rl, PB_LOG_WARN, "%s: cannot restore %s after a power-state change", cd->hd->source,
			  fi->f->name);
}

/* ---- capabilities pointer: st[0] set when the chain was cut here ---- */

static int cap_ptr_read(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t *val)
{
	if (fi->st[0])
		*val = 0;
	return 0;
}

/* ---- the tables ---- */

#define RO(o, s, n) { .name = n, .offset = o, .size = s, .ro = 0xffffffffu >> (32 - 8 * (s)) }
#define PERM(o, s, n) { .name = n, .offset = o, .size = s, .flags = CFG_F_PERMISSIVE }
#define STATUS(o, n, r, rsv) \
	{ .name = n, .offset = o, .size = 2, .flags = CFG_F_PERMISSIVE, .ro = (r), .rw1c = PCI_STATUS_RW1C_MASK, .rsvd = (rsv) }
#define BAR(o, n, res) \
	{ .name = n, .offset = o, .size = 4, .flags = CFG_F_NOHW, .emu = 0xffffffffu, .arg = &bar_res[res], \
	  .init = bar_init, .read = bar_read, .write = bar_write, .reset = bar_reset, .restore = bar_restore }

#define HEADER_COMMON \
	{ .name = "vendor", .offset = PCI_VENDOR_ID, .size = 2, .flags = CFG_F_NOHW, .emu = 0xffff, .read = vendor_read }, \
	{ .name = "device", .offset = PCI_DEVICE_ID, .size = 2, .flags = CFG_F_NOHW, .emu = 0xffff, .read = device_read }, \
	{ .name = "command", .offset = PCI_COMMAND, .size = 2, .emu = 0xffff & ~PCI_COMMAND_GUEST, \
	  .init = command_init, .read = command_read, .write = command_write, .reset = command_reset }, \
	STATUS(PCI_STATUS, "status", PCI_STATUS_RO_MASK, PCI_STATUS_RSVDZ_MASK), \
	PERM(PCI_CLASS_REVISION, 4, "revision+class"), \
	{ .name = "cache line size", .offset = PCI_CACHE_LINE_SIZE, .size = 1 }, \
	RO(PCI_LATENCY_TIMER, 1, "latency timer"), \
	PERM(PCI_HEADER_TYPE, 1, "header type"), \
	{ .name = "bist", .offset = PCI_BIST, .size = 1, .trig = PCI_BIST_START, .write = bist_write }, \
	BAR(PCI_BASE_ADDRESS_0, "bar0", 0), \
	BAR(PCI_BASE_ADDRESS_1, "bar1", 1), \
	{ .name = "capabilities pointer", .offset = PCI_CAPABILITY_LIST, .size = 1, .flags = CFG_F_CAP_PTR, .ro = 0xff, \
	  .read = cap_ptr_read }, \
	PERM(0x35, 1, "reserved 0x35"), \
	PERM(0x36, 2, "reserved 0x36"), \
	{ .name = "interrupt line", .offset = PCI_INTERRUPT_LINE, .size = 1, .flags = CFG_F_NOHW, .emu = 0xff, .read = irq_line_read }, \
	RO(PCI_INTERRUPT_PIN, 1, "interrupt pin")

static const struct cfg_field header0_fields[] = {
	HEADER_COMMON,
	BAR(PCI_BASE_ADDRESS_2, "bar2", 2),
	BAR(PCI_BASE_ADDRESS_3, "bar3", 3),
	BAR(PCI_BASE_ADDRESS_4, "bar4", 4),
	BAR(PCI_BASE_ADDRESS_5, "bar5", 5),
	PERM(PCI_CARDBUS_CIS, 4, "cardbus cis"),
	PERM(PCI_SUBSYSTEM_VENDOR_ID, 4, "subsystem"),
	BAR(PCI_ROM_ADDRESS, "rom", HOSTDEV_ROM),
	PERM(0x38, 4, "reserved 0x38"),
	PERM(PCI_MIN_GNT, 1, "min gnt"),
	PERM(PCI_MAX_LAT, 1, "max lat"),
};

static const struct cfg_field header1_fields[] = {
	HEADER_COMMON,
	PERM(PCI_PRIMARY_BUS, 1, "primary bus"),
	PERM(PCI_SECONDARY_BUS, 1, "secondary bus"),
	PERM(PCI_SUBORDINATE_BUS, 1, "subordinate bus"),
	PERM(PCI_SEC_LATENCY_TIMER, 1, "secondary latency"),
	PERM(PCI_IO_BASE, 1, "io base"),
	PERM(PCI_IO_LIMIT, 1, "io limit"),
	STATUS(PCI_SEC_STATUS, "secondary status", PCI_SEC_STATUS_RO_MASK, PCI_SEC_STATUS_RSVDZ_MASK),
	PERM(PCI_MEMORY_BASE, 2, "memory base"),
	PERM(PCI_MEMORY_LIMIT, 2, "memory limit"),
	PERM(PCI_PREF_MEMORY_BASE, 2, "prefetchable base"),
	PERM(PCI_PREF_MEMORY_LIMIT, 2, "prefetchable limit"),
	PERM(PCI_PREF_BASE_UPPER32, 4, "prefetchable base upper"),
	PERM(PCI_PREF_LIMIT_UPPER32, 4, "prefetchable limit upper"),
	PERM(PCI_IO_BASE_UPPER16, 2, "io base upper"),
	PERM(PCI_IO_LIMIT_UPPER16, 2, "io limit upper"),
	BAR(PCI_ROM_ADDRESS1, "rom", HOSTDEV_ROM),
	PERM(PCI_BRIDGE_CONTROL, 2, "bridge control"),
};

const struct cfg_table cfg_header0_table = {
	"type 0 header", header0_fields, sizeof(header0_fields) / sizeof(header0_fields[0]), PCI_STD_HEADER_SIZEOF
};
const struct cfg_table cfg_header1_table = {
	"type 1 header", header1_fields, sizeof(header1_fields) / sizeof(header1_fields[0]), PCI_STD_HEADER_SIZEOF
};
