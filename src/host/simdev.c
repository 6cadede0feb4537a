/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Simulated devices.  Hardware behaviour is described per byte by two masks
 * built when the device is loaded: which bits a write changes (wmask) and
 * which bits a written 1 clears (w1c).  BAR and ROM sizing fall out of the
 * masks (the address bits below the size are read-only zeros).  The masks
 * come from tables: one per header type and one per capability.
 */
#include "simdev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "host/lspci_dump.h"
#include "proto/pci_regs.h"

#define SIM_MAX_WRITES 65536

struct simdev {
	struct hostdev hd;              /* first: struct hostdev * <-> struct simdev * */
	uint8_t cfg[4096];
	uint8_t initial[4096];          /* power-on state, restored by reset() */
	uint8_t wmask[4096];
	uint8_t w1c[4096];
	struct simdev_write *writes;
	size_t nwrites, capwrites;
	enum simdev_fault fault;
	struct simdev_counters counters;
	unsigned vpd_completion;        /* the VPD capability's offset when it completes requests, else 0 */
	bool soft_reset;                /* D3hot -> D0 resets the function unless No_Soft_Reset */
	uint64_t busy_until_ns;         /* a D-state change in progress: not ready before (CLOCK_MONOTONIC) */
	unsigned reset_ms;              /* how long reset() takes, sleeping (0: at once) */
	/* The MSI-X table (in BAR memory on hardware): address low, high, data, vector control per entry. */
	uint32_t msix[SIMDEV_MSIX_MAX][4];
	uint32_t msix_pirq[SIMDEV_MSIX_MAX]; /* what the interrupt provider programmed (0: nothing) */
	bool reset_keeps_msix;          /* a reset leaves the table as it was (non-compliant devices) */
};

static const struct hostdev_ops sim_ops;

static struct simdev *to_sim(const struct hostdev *hd) { return (struct simdev *)hd; }
static void msix_table_reset(struct simdev *s);

int simdev_is_sim(const struct hostdev *hd) { return hd && hd->ops == &sim_ops; }

/* ---- mask tables ---- */

/* How one simulated register takes a write: bits a write sets/clears (rw) and bits a written 1 clears (w1c). */
struct sim_reg_bits {
	uint16_t off;
	uint8_t size;
	uint32_t rw;
	uint32_t w1c;
};

/* Type 0 header, besides the BARs and ROM. */
static const struct sim_reg_bits hdr0_rules[] = {
	{ PCI_COMMAND, 2, PCI_COMMAND_DEFINED_MASK, 0 },
	{ PCI_STATUS, 2, 0, PCI_STATUS_RW1C_MASK },
	{ PCI_CACHE_LINE_SIZE, 1, 0xff, 0 },
	{ PCI_LATENCY_TIMER, 1, 0xff, 0 },
	{ PCI_INTERRUPT_LINE, 1, 0xff, 0 },
};

/* Type 1 header (bridge), besides BAR0/1 and the ROM at 0x38. */
static const struct sim_reg_bits hdr1_rules[] = {
	{ PCI_COMMAND, 2, PCI_COMMAND_DEFINED_MASK, 0 },
	{ PCI_STATUS, 2, 0, PCI_STATUS_RW1C_MASK },
	{ PCI_CACHE_LINE_SIZE, 1, 0xff, 0 },
	{ PCI_LATENCY_TIMER, 1, 0xff, 0 },
	{ PCI_PRIMARY_BUS, 4, 0xffffffff, 0 },        /* bus numbers, secondary latency */
	{ PCI_IO_BASE, 2, 0xf0f0, 0 },                /* I/O base/limit */
	{ PCI_SEC_STATUS, 2, 0, PCI_SEC_STATUS_RW1C_MASK },
	{ PCI_MEMORY_BASE, 4, 0xfff0fff0, 0 },        /* memory base/limit */
	{ PCI_PREF_MEMORY_BASE, 4, 0xfff0fff0, 0 },   /* prefetchable base/limit */
	{ PCI_PREF_BASE_UPPER32, 4, 0xffffffff, 0 },
	{ PCI_PREF_LIMIT_UPPER32, 4, 0xffffffff, 0 },
	{ PCI_IO_BASE_UPPER16, 4, 0xffffffff, 0 },    /* I/O upper base/limit */
	{ PCI_INTERRUPT_LINE, 1, 0xff, 0 },
	{ PCI_BRIDGE_CONTROL, 2, 0x0fff, 0 },
};

/* Standard capabilities: offsets relative to the capability. */
static const struct sim_reg_bits cap_pm_rules[] = {
	{ PCI_PM_CTRL, 2, PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_DATA_SEL_MASK,
	  PCI_PM_CTRL_RW1C_MASK },
};
static const struct sim_reg_bits cap_vpd_rules[] = {
	{ PCI_VPD_ADDR, 2, 0xffff, 0 },
	{ PCI_VPD_DATA, 4, 0xffffffff, 0 },
};
/* MSI: two layouts, chosen by the 64-bit flag; the mask register only with per-vector masking. */
static const struct sim_reg_bits cap_msi32_rules[] = {
	{ PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, 0 },
	{ PCI_MSI_ADDRESS_LO, 4, 0xfffffffc, 0 },
	{ PCI_MSI_DATA_32, 2, 0xffff, 0 },
	{ PCI_MSI_MASK_32, 4, 0xffffffff, 0 },
};
static const struct sim_reg_bits cap_msi64_rules[] = {
	{ PCI_MSI_FLAGS, 2, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE, 0 },
	{ PCI_MSI_ADDRESS_LO, 4, 0xfffffffc, 0 },
	{ PCI_MSI_ADDRESS_HI, 4, 0xffffffff, 0 },
	{ PCI_MSI_DATA_64, 2, 0xffff, 0 },
	{ PCI_MSI_MASK_64, 4, 0xffffffff, 0 },
};
static const struct sim_reg_bits cap_msix_rules[] = {
	{ PCI_MSIX_FLAGS, 2, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 0 },
};
static const struct sim_reg_bits cap_exp_rules[] = {
	{ PCI_EXP_DEVCTL, 2, 0xffff, 0 },
	{ PCI_EXP_DEVSTA, 2, 0, PCI_EXP_DEVSTA_RW1C_MASK },
	{ PCI_EXP_LNKCTL, 2, 0x0fff, 0 },
	{ PCI_EXP_LNKSTA, 2, 0, PCI_EXP_LNKSTA_RW1C_MASK },
	{ PCI_EXP_SLTCTL, 2, 0x1fff, 0 },
	{ PCI_EXP_SLTSTA, 2, 0, PCI_EXP_SLTSTA_RW1C_MASK },
	{ PCI_EXP_RTCTL, 2, 0x001f, 0 },
	{ PCI_EXP_RTSTA, 4, 0, PCI_EXP_RTSTA_RW1C_MASK },
	{ PCI_EXP_DEVCTL2, 2, 0xffff, 0 },
	{ PCI_EXP_LNKCTL2, 2, 0xffff, 0 },
};

/* Extended capabilities. */
static const struct sim_reg_bits ecap_aer_rules[] = {
	{ PCI_ERR_UNCOR_STATUS, 4, 0, 0xffffffff },
	{ PCI_ERR_UNCOR_MASK, 4, 0xffffffff, 0 },
	{ PCI_ERR_UNCOR_SEVER, 4, 0xffffffff, 0 },
	{ PCI_ERR_COR_STATUS, 4, 0, 0xffffffff },
	{ PCI_ERR_COR_MASK, 4, 0xffffffff, 0 },
	{ PCI_ERR_CAP, 4, PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE, 0 },
};

struct cap_rules {
	uint16_t id;
	const struct sim_reg_bits *rules;
	size_t n;
	/* Optional: the capability's length in bytes (rules beyond it do not apply). */
	unsigned (*length)(const uint8_t *cfg, unsigned pos);
	/* Optional: a second table for a second layout, chosen by `length`'s caller. */
	const struct sim_reg_bits *alt_rules;
	size_t alt_n;
	bool (*use_alt)(const uint8_t *cfg, unsigned pos);
};

static unsigned msi_length(const uint8_t *cfg, unsigned pos)
{
	unsigned flags = cfg[pos + PCI_MSI_FLAGS] | cfg[pos + PCI_MSI_FLAGS + 1] << 8;
	if (flags & PCI_MSI_FLAGS_64BIT)
		return (flags & PCI_MSI_FLAGS_MASKBIT) ? PCI_MSI_PENDING_64 + 4 : PCI_MSI_DATA_64 + 2;
	return (flags & PCI_MSI_FLAGS_MASKBIT) ? PCI_MSI_PENDING_32 + 4 : PCI_MSI_DATA_32 + 2;
}
static bool msi_is64(const uint8_t *cfg, unsigned pos) { return (cfg[pos + PCI_MSI_FLAGS] & PCI_MSI_FLAGS_64BIT) != 0; }

/* PCI Express capability: version 1 ends after root status, version 2 at 0x3c. */
static unsigned exp_length(const uint8_t *cfg, unsigned pos)
{
	return (cfg[pos + PCI_EXP_FLAGS] & PCI_EXP_FLAGS_VERS) >= 2 ? PCI_EXP_SLTSTA2 + 2 : PCI_EXP_RTSTA + 4;
}
#define RULES(x) x, sizeof(x) / sizeof(x[0])
static const struct cap_rules std_caps[] = {
	{ PCI_CAP_ID_PM, RULES(cap_pm_rules), NULL, NULL, 0, NULL },
	{ PCI_CAP_ID_VPD, RULES(cap_vpd_rules), NULL, NULL, 0, NULL },
	{ PCI_CAP_ID_MSI, RULES(cap_msi32_rules), msi_length, RULES(cap_msi64_rules), msi_is64 },
	{ PCI_CAP_ID_EXP, RULES(cap_exp_rules), exp_length, NULL, 0, NULL },
	{ PCI_CAP_ID_MSIX, RULES(cap_msix_rules), NULL, NULL, 0, NULL },
};
static const struct cap_rules ext_caps[] = {
	{ PCI_EXT_CAP_ID_ERR, RULES(ecap_aer_rules), NULL, NULL, 0, NULL },
};

static void apply_rules(struct simdev *s, unsigned base, const struct sim_reg_bits *r, size_t n, unsigned limit)
{
	for (size_t i = 0; i < n; i++) {
		unsigned off = base + r[i].off;
		for (unsigned b = 0; b < r[i].size && off + b < limit; b++) {
			s->wmask[off + b] = (uint8_t)(r[i].rw >> (8 * b));
			s->w1c[off + b] = (uint8_t)(r[i].w1c >> (8 * b));
		}
	}
}

static const struct cap_rules *find_rules(const struct cap_rules *t, size_t n, uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

static void set_dword_mask(struct simdev *s, unsigned off, uint32_t m)
{
	for (unsigned b = 0; b < 4; b++)
		s->wmask[off + b] = (uint8_t)(m >> (8 * b));
}

/* BAR and ROM address bits: writable above the size, read-only below it. */
static void bar_masks(struct simdev *s, unsigned nbars, unsigned rom_off)
{
	for (unsigned i = 0; i < nbars; i++) {
		const struct hostdev_res *r = &s->hd.res[i];
		unsigned off = PCI_BASE_ADDRESS_0 + 4 * i;
		uint32_t m = 0;
		if (r->flags & HOSTDEV_RES_UPPER) {
			uint64_t sz = s->hd.res[i - 1].size;
			m = sz ? (uint32_t)(~(sz - 1) >> 32) : 0;
		} else if (r->size && (r->flags & HOSTDEV_RES_IO)) {
			m = (uint32_t)~(r->size - 1) & ~3u;
		} else if (r->size) {
			m = (uint32_t)~(r->size - 1) & ~0xfu;
		}
		set_dword_mask(s, off, m);
	}
	const struct hostdev_res *rom = &s->hd.res[HOSTDEV_ROM];
	set_dword_mask(s, rom_off,
		       rom->size ? (((uint32_t)~(rom->size - 1)) & PCI_ROM_ADDRESS_MASK) | PCI_ROM_ADDRESS_ENABLE : 0);
}

static void build_masks(struct simdev *s)
{
	uint8_t ht = s->hd.header_type;
	if (ht == PCI_HEADER_TYPE_NORMAL) {
		apply_rules(s, 0, RULES(hdr0_rules), PCI_STD_HEADER_SIZEOF);
		bar_masks(s, 6, PCI_ROM_ADDRESS);
	} else if (ht == PCI_HEADER_TYPE_BRIDGE) {
		apply_rules(s, 0, RULES(hdr1_rules), PCI_STD_HEADER_SIZEOF);
		bar_masks(s, 2, PCI_ROM_ADDRESS1);
	}
	/* Standard capabilities (cycle-safe). */
	unsigned pos = (s->cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST) ? s->cfg[PCI_CAPABILITY_LIST] & 0xfc : 0;
	for (int ttl = 48; ttl-- && pos >= PCI_STD_HEADER_SIZEOF && pos < PCI_CFG_SPACE_SIZE;) {
		const struct cap_rules *cr =
			find_rules(std_caps, sizeof(std_caps) / sizeof(std_caps[0]), s->cfg[pos + PCI_CAP_LIST_ID]);
		if (cr) {
			unsigned limit = cr->length ? pos + cr->length(s->cfg, pos) : PCI_CFG_SPACE_SIZE;
			bool alt = cr->use_alt && cr->use_alt(s->cfg, pos);
			apply_rules(s, pos, alt ? cr->alt_rules : cr->rules, alt ? cr->alt_n : cr->n,
				    limit < PCI_CFG_SPACE_SIZE ? limit : PCI_CFG_SPACE_SIZE);
		}
		pos = s->cfg[pos + PCI_CAP_LIST_NEXT] & 0xfc;
	}
	if (s->hd.cfg_size <= PCI_CFG_SPACE_SIZE)
		return;
	pos = PCI_CFG_SPACE_SIZE;
	for (int ttl = 480; ttl-- && pos >= PCI_CFG_SPACE_SIZE && pos + 4 <= s->hd.cfg_size;) {
		uint32_t h = (uint32_t)s->cfg[pos] | (uint32_t)s->cfg[pos + 1] << 8 | (uint32_t)s->cfg[pos + 2] << 16 |
			     (uint32_t)s->cfg[pos + 3] << 24;
		if (h == 0 || h == 0xffffffff)
			break;
		const struct cap_rules *cr =
			find_rules(ext_caps, sizeof(ext_caps) / sizeof(ext_caps[0]), (uint16_t)PCI_EXT_CAP_ID(h));
		if (cr)
			apply_rules(s, pos, cr->rules, cr->n, s->hd.cfg_size);
		pos = PCI_EXT_CAP_NEXT(h);
	}
}

/* ---- construction ---- */

/* A region whose size the dump does not give: the largest alignment of its address, capped. */
static uint64_t guess_size(const struct hostdev_res *r)
{
	uint64_t cap = (r->flags & HOSTDEV_RES_IO) ? 256 : 4096;
	uint64_t min = (r->flags & HOSTDEV_RES_IO) ? 4 : 16;
	uint64_t sz = min;
	while (sz < cap && r->start && !(r->start & sz))
		sz <<= 1;
	return sz;
}

struct hostdev *simdev_from_dump(const struct lspci_dump_dev *d, const char *source)
{
	struct simdev *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	struct hostdev *hd = &s->hd;
	hd->ops = &sim_ops;
	hd->addr = d->addr;
	/* A dump of only 64 bytes is served as a 256-byte space (the rest reads 0). */
	hd->cfg_size = d->cfg_size >= PCI_CFG_SPACE_EXP_SIZE ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE;
	memcpy(s->cfg, d->cfg, d->cfg_size);
	hd->vendor_id = (uint16_t)(s->cfg[PCI_VENDOR_ID] | s->cfg[PCI_VENDOR_ID + 1] << 8);
	hd->device_id = (uint16_t)(s->cfg[PCI_DEVICE_ID] | s->cfg[PCI_DEVICE_ID + 1] << 8);
	hd->class_code = (uint32_t)s->cfg[PCI_CLASS_PROG] | (uint32_t)s->cfg[PCI_CLASS_DEVICE] << 8 |
			 (uint32_t)s->cfg[PCI_CLASS_DEVICE + 1] << 16;
	hd->header_type = s->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MASK;
	hd->multifunction = (s->cfg[PCI_HEADER_TYPE] & PCI_HEADER_TYPE_MFD) != 0;
	hd->irq = d->irq;
	memcpy(hd->res, d->res, sizeof(hd->res));
	for (unsigned i = 0; i < HOSTDEV_NUM_RES; i++) {
		struct hostdev_res *r = &hd->res[i];
		if ((r->flags & (HOSTDEV_RES_IO | HOSTDEV_RES_MEM)) && r->size == 0)
			r->size = guess_size(r);
	}
	/* A ROM the text does not mention but the register decodes: not simulated. */
	snprintf(hd->source, sizeof(hd->source), "%s", source);
	build_masks(s);
	memcpy(s->initial, s->cfg, sizeof(s->cfg));
	msix_table_reset(s);
	return hd;
}

struct hostdev *simdev_load(const char *spec, char *err, size_t errlen)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s", spec);
	char *hash = strrchr(path, '#');
	struct pb_bdf want;
	bool have_addr = false;
	if (hash) {
		*hash = '\0';
		char perr[200];
		if (pb_bdf_parse(hash + 1, &want, perr, sizeof(perr))) {
			snprintf(err, errlen, "%s: %s", spec, perr);
			return NULL;
		}
		have_addr = true;
	}
	struct lspci_dump dump;
	if (lspci_dump_load(path, &dump, err, errlen))
		return NULL;
	const struct lspci_dump_dev *d = have_addr ? lspci_dump_find(&dump, &want) : &dump.devs[0];
	if (!d) {
		char a[PB_BDF_STRLEN];
		snprintf(err, errlen, "%s: no device %s in the dump", path, pb_bdf_format(&want, a));
		lspci_dump_free(&dump);
		return NULL;
	}
	char source[1100];
	char a[PB_BDF_STRLEN];
	snprintf(source, sizeof(source), "sim:%s#%s", path, pb_bdf_format(&d->addr, a));
	struct hostdev *hd = simdev_from_dump(d, source);
	lspci_dump_free(&dump);
	if (!hd)
		snprintf(err, errlen, "%s: out of memory", spec);
	return hd;
}

/* ---- hardware behaviour ---- */

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* An access while a D-state change is still in progress: counted (real hardware may not answer). */
static void check_ready(struct simdev *s)
{
	if (s->busy_until_ns && mono_ns() < s->busy_until_ns)
		s->counters.early_accesses++;
}

static int sim_read(struct hostdev *hd, unsigned off, unsigned size, uint32_t *val)
{
	struct simdev *s = to_sim(hd);
	if (!hostdev_access_ok(hd, off, size))
		return -EINVAL;
	check_ready(s);
	if (s->fault == SIMDEV_FAULT_READ_EIO)
		return -EIO;
	if (s->fault == SIMDEV_FAULT_READ_ONES) {
		*val = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
		return 0;
	}
	uint32_t v = 0;
	for (unsigned b = 0; b < size; b++)
		v |= (uint32_t)s->cfg[off + b] << (8 * b);
	*val = v;
	return 0;
}

static void record(struct simdev *s, unsigned off, unsigned size, uint32_t val)
{
	if (s->nwrites == s->capwrites) {
		if (s->capwrites >= SIM_MAX_WRITES)
			return; /* the record is bounded; tests clear it */
		size_t n = s->capwrites ? s->capwrites * 2 : 64;
		struct simdev_write *w = realloc(s->writes, n * sizeof(*w));
		if (!w)
			return;
		s->writes = w;
		s->capwrites = n;
	}
	struct simdev_write *w = &s->writes[s->nwrites++];
	memset(w, 0, sizeof(*w)); /* padding too: tests compare records with memcmp */
	w->off = (uint16_t)off;
	w->size = (uint8_t)size;
	w->value = val;
}

static int sim_write(struct hostdev *hd, unsigned off, unsigned size, uint32_t val)
{
	struct simdev *s = to_sim(hd);
	if (!hostdev_access_ok(hd, off, size))
		return -EINVAL;
	check_ready(s);
	if (s->fault == SIMDEV_FAULT_WRITE_EIO)
		return -EIO;
	record(s, off, size, val);
	for (unsigned b = 0; b < size; b++) {
		uint8_t v = (uint8_t)(val >> (8 * b));
		uint8_t old = s->cfg[off + b];
		uint8_t nv = (uint8_t)((old & ~s->wmask[off + b]) | (v & s->wmask[off + b]));
		nv &= (uint8_t)~(v & s->w1c[off + b]);
		s->cfg[off + b] = nv;
	}
	unsigned vpd_f = s->vpd_completion + PCI_VPD_ADDR + 1; /* the address register's byte with F */
	if (s->vpd_completion && off <= vpd_f && off + size > vpd_f)
		s->cfg[vpd_f] ^= PCI_VPD_ADDR_F >> 8; /* the request (F as written) completes: F flips */
	return 0;
}

static uint16_t cmd_of(struct simdev *s) { return (uint16_t)(s->cfg[PCI_COMMAND] | s->cfg[PCI_COMMAND + 1] << 8); }
static void set_cmd(struct simdev *s, uint16_t c)
{
	s->cfg[PCI_COMMAND] = (uint8_t)c;
	s->cfg[PCI_COMMAND + 1] = (uint8_t)(c >> 8);
}

static int sim_enable(struct hostdev *hd)
{
	struct simdev *s = to_sim(hd);
	uint16_t c = cmd_of(s);
	for (unsigned i = 0; i < HOSTDEV_NUM_RES; i++) {
		if (hd->res[i].size == 0 || i == HOSTDEV_ROM)
			continue;
		c |= (hd->res[i].flags & HOSTDEV_RES_IO)  ? PCI_COMMAND_IO
		     : (hd->res[i].flags & HOSTDEV_RES_MEM) ? PCI_COMMAND_MEMORY
							    : 0;
	}
	set_cmd(s, c);
	hd->enabled = true;
	s->counters.enables++;
	return 0;
}

static int sim_disable(struct hostdev *hd)
{
	struct simdev *s = to_sim(hd);
	set_cmd(s, cmd_of(s) & (uint16_t)~PCI_COMMAND_MASTER);
	hd->enabled = false;
	s->counters.disables++;
	return 0;
}

/* As a reset leaves the MSI-X table (PCI spec): every entry masked, nothing programmed. */
static void msix_table_reset(struct simdev *s)
{
	memset(s->msix, 0, sizeof(s->msix));
	for (unsigned i = 0; i < SIMDEV_MSIX_MAX; i++)
		s->msix[i][3] = PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

/* Entries in the device's MSI-X table (0 without the capability). */
static unsigned msix_entries(struct simdev *s)
{
	unsigned cap = hostdev_find_cap(&s->hd, PCI_CAP_ID_MSIX);
	return cap ? ((unsigned)(s->cfg[cap + PCI_MSIX_FLAGS] | s->cfg[cap + PCI_MSIX_FLAGS + 1] << 8) & PCI_MSIX_FLAGS_QSIZE) + 1
		   : 0;
}

static int sim_msix_mask_entry(struct hostdev *hd, unsigned entry)
{
	struct simdev *s = to_sim(hd);
	if (entry >= msix_entries(s))
		return -EINVAL;
	s->msix[entry][3] |= PCI_MSIX_ENTRY_CTRL_MASKBIT;
	return 0;
}

/* What a reset leaves: the power-on state, command 0 (no decoding, no bus mastering), MSI / MSI-X off. */
static void power_on_state(struct simdev *s)
{
	struct hostdev *hd = &s->hd;
	memcpy(s->cfg, s->initial, sizeof(s->cfg));
	set_cmd(s, 0);
	static const struct {
		uint8_t cap;
		uint16_t bits; /* of the control word */
	} enables[] = { { PCI_CAP_ID_MSI, PCI_MSI_FLAGS_ENABLE },
			{ PCI_CAP_ID_MSIX, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL } };
	for (size_t i = 0; i < sizeof(enables) / sizeof(enables[0]); i++) {
		unsigned cap = hostdev_find_cap(hd, enables[i].cap);
		if (cap) {
			s->cfg[cap + PCI_MSI_FLAGS] &= (uint8_t)~enables[i].bits;
			s->cfg[cap + PCI_MSI_FLAGS + 1] &= (uint8_t)~(enables[i].bits >> 8);
		}
	}
	if (!s->reset_keeps_msix)
		msix_table_reset(s);
}

/* A soft reset also loses the addresses software programmed: BARs and ROM read 0 in their writable bits. */
static void clear_bars(struct simdev *s)
{
	unsigned nbars = s->hd.header_type == PCI_HEADER_TYPE_NORMAL ? 6 : s->hd.header_type == PCI_HEADER_TYPE_BRIDGE ? 2 : 0;
	unsigned rom = s->hd.header_type == PCI_HEADER_TYPE_BRIDGE ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;
	for (unsigned off = PCI_BASE_ADDRESS_0; off < PCI_BASE_ADDRESS_0 + 4 * nbars; off++)
		s->cfg[off] &= (uint8_t)~s->wmask[off];
	if (s->hd.header_type <= PCI_HEADER_TYPE_BRIDGE)
		for (unsigned off = rom; off < rom + 4; off++)
			s->cfg[off] &= (uint8_t)~s->wmask[off];
}

static int sim_set_power_state(struct hostdev *hd, int dstate, unsigned *wait_us)
{
	struct simdev *s = to_sim(hd);
	unsigned pm = hostdev_find_cap(hd, PCI_CAP_ID_PM);
	*wait_us = 0;
	if (!pm || dstate < 0 || dstate > 3)
		return -EINVAL;
	unsigned cur = s->cfg[pm + PCI_PM_CTRL] & PCI_PM_CTRL_STATE_MASK;
	if (s->soft_reset && cur == PCI_PM_CTRL_D3HOT && dstate == 0 &&
	    !(s->cfg[pm + PCI_PM_CTRL] & PCI_PM_CTRL_NO_SOFT_RESET)) {
		power_on_state(s);
		clear_bars(s);
		s->counters.soft_resets++;
	}
	uint8_t pmcsr = s->cfg[pm + PCI_PM_CTRL];
	s->cfg[pm + PCI_PM_CTRL] = (uint8_t)((pmcsr & ~(unsigned)PCI_PM_CTRL_STATE_MASK) | (unsigned)dstate);
	s->counters.power_changes++;
	/* As hardware: it takes the specification's time, and is not ready before. */
	*wait_us = hostdev_pm_delay_us((int)cur, dstate);
	s->busy_until_ns = *wait_us ? mono_ns() + 1000ull * *wait_us : 0;
	return 0;
}

/*
 * A function-level reset: the config space returns to the dump's state, but
 * as a reset leaves it: command register 0 (no decoding, no bus mastering)
 * and MSI / MSI-X off.
 */
static int sim_reset(struct hostdev *hd)
{
	struct simdev *s = to_sim(hd);
	if (s->reset_ms) {
		/* As the kernel's sysfs `reset` blocks its caller for the whole reset. */
		struct timespec ts = { .tv_sec = s->reset_ms / 1000, .tv_nsec = (long)(s->reset_ms % 1000) * 1000000L };
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	power_on_state(s);
	hd->enabled = false;
	s->counters.resets++;
	return 0;
}

static void sim_destroy(struct hostdev *hd)
{
	struct simdev *s = to_sim(hd);
	free(s->writes);
	free(s);
}

static const struct hostdev_ops sim_ops = {
	.read = sim_read,
	.write = sim_write,
	.enable = sim_enable,
	.disable = sim_disable,
	.set_power_state = sim_set_power_state,
	.reset = sim_reset,
	.msix_mask_entry = sim_msix_mask_entry,
	.destroy = sim_destroy,
};

/* ---- test access ---- */

const struct simdev_write *simdev_writes(const struct hostdev *hd, size_t *count)
{
	*count = to_sim(hd)->nwrites;
	return to_sim(hd)->writes;
}

void simdev_poke(struct hostdev *hd, unsigned off, unsigned size, uint32_t val)
{
	if (!hostdev_access_ok(hd, off, size))
		return;
	for (unsigned b = 0; b < size; b++)
		to_sim(hd)->cfg[off + b] = (uint8_t)(val >> (8 * b));
}

void simdev_show_uncorrectable(struct hostdev *hd, uint32_t ue_bits)
{
	unsigned pos = simdev_is_sim(hd) ? hostdev_find_ext_cap(hd, PCI_EXT_CAP_ID_ERR) : 0;
	if (!pos || pos + PCI_ERR_UNCOR_STATUS + 4 > hd->cfg_size)
		return;
	uint32_t st;
	memcpy(&st, to_sim(hd)->cfg + pos + PCI_ERR_UNCOR_STATUS, 4);
	simdev_poke(hd, pos + PCI_ERR_UNCOR_STATUS, 4, st | ue_bits);
}

void simdev_clear_writes(struct hostdev *hd) { to_sim(hd)->nwrites = 0; }
const uint8_t *simdev_config(const struct hostdev *hd) { return to_sim(hd)->cfg; }
void simdev_set_fault(struct hostdev *hd, enum simdev_fault fault) { to_sim(hd)->fault = fault; }
void simdev_set_soft_reset(struct hostdev *hd, bool on) { to_sim(hd)->soft_reset = on; }

int simdev_msix_entry(const struct hostdev *hd, unsigned entry, uint32_t v[4])
{
	struct simdev *s = to_sim(hd);
	if (entry >= msix_entries(s))
		return -EINVAL;
	memcpy(v, s->msix[entry], sizeof(s->msix[entry]));
	return 0;
}

int simdev_msix_set_entry(struct hostdev *hd, unsigned entry, const uint32_t v[4])
{
	struct simdev *s = to_sim(hd);
	if (entry >= msix_entries(s))
		return -EINVAL;
	memcpy(s->msix[entry], v, sizeof(s->msix[entry]));
	return 0;
}

int simdev_msix_program(struct hostdev *hd, unsigned entry, uint32_t pirq)
{
	struct simdev *s = to_sim(hd);
	if (entry >= msix_entries(s))
		return -EINVAL;
	s->msix_pirq[entry] = pirq;
	const uint32_t v[4] = { SIMDEV_MSIX_ADDR, 0, pirq, 0 };
	memcpy(s->msix[entry], v, sizeof(v));
	return 0;
}

void simdev_msix_forget(struct hostdev *hd, uint32_t pirq)
{
	struct simdev *s = to_sim(hd);
	for (unsigned i = 0; i < SIMDEV_MSIX_MAX; i++)
		if (s->msix_pirq[i] == pirq)
			s->msix_pirq[i] = 0;
}

void simdev_msix_reprogram(struct hostdev *hd)
{
	struct simdev *s = to_sim(hd);
	for (unsigned i = 0; i < SIMDEV_MSIX_MAX; i++)
		if (s->msix_pirq[i])
			simdev_msix_program(hd, i, s->msix_pirq[i]);
}

void simdev_set_reset_keeps_msix(struct hostdev *hd, bool on) { to_sim(hd)->reset_keeps_msix = on; }

void simdev_set_reset_delay(struct hostdev *hd, unsigned ms)
{
	to_sim(hd)->reset_ms = ms;
	hd->slow_reset = ms > 0;
}
const struct simdev_counters *simdev_counters(const struct hostdev *hd) { return &to_sim(hd)->counters; }

void simdev_set_vpd_completion(struct hostdev *hd, bool on)
{
	to_sim(hd)->vpd_completion = on ? hostdev_find_cap(hd, PCI_CAP_ID_VPD) : 0;
}
