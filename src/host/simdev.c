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

#define SIM_MAX_WRITES 65536
#define MSIX_CTRL_MASKBIT 0x1u

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

/* A register rule: bits a write sets/clears (rw) and bits a written 1 clears (w1c). */
struct reg_rule {
	uint16_t off;
	uint8_t size;
	uint32_t rw;
	uint32_t w1c;
};

/* Type 0 header, besides the BARs and ROM. */
static const struct reg_rule hdr0_rules[] = {
	{ 0x04, 2, 0x07ff, 0 },       /* command */
	{ 0x06, 2, 0, 0xf900 },       /* status: error bits are RW1C */
	{ 0x0c, 1, 0xff, 0 },         /* cache line size */
	{ 0x0d, 1, 0xff, 0 },         /* latency timer */
	{ 0x3c, 1, 0xff, 0 },         /* interrupt line */
};

/* Type 1 header (bridge), besides BAR0/1 and the ROM at 0x38. */
static const struct reg_rule hdr1_rules[] = {
	{ 0x04, 2, 0x07ff, 0 },
	{ 0x06, 2, 0, 0xf900 },
	{ 0x0c, 1, 0xff, 0 },
	{ 0x0d, 1, 0xff, 0 },
	{ 0x18, 4, 0xffffffff, 0 },   /* bus numbers, secondary latency */
	{ 0x1c, 2, 0xf0f0, 0 },       /* I/O base/limit */
	{ 0x1e, 2, 0, 0xf900 },       /* secondary status */
	{ 0x20, 4, 0xfff0fff0, 0 },   /* memory base/limit */
	{ 0x24, 4, 0xfff0fff0, 0 },   /* prefetchable base/limit */
	{ 0x28, 4, 0xffffffff, 0 },   /* prefetchable upper base */
	{ 0x2c, 4, 0xffffffff, 0 },   /* prefetchable upper limit */
	{ 0x30, 4, 0xffffffff, 0 },   /* I/O upper */
	{ 0x3c, 1, 0xff, 0 },
	{ 0x3e, 2, 0x0fff, 0 },       /* bridge control */
};

/* Standard capabilities: offsets relative to the capability. */
static const struct reg_rule cap_pm_rules[] = {
	{ 0x04, 2, 0x1f03, 0x8000 },  /* PMCSR: state, PME_EN, data select; PME status RW1C */
};
static const struct reg_rule cap_vpd_rules[] = {
	{ 0x02, 2, 0xffff, 0 },
	{ 0x04, 4, 0xffffffff, 0 },
};
/* MSI: two layouts, chosen by the 64-bit flag; the mask register only with per-vector masking. */
static const struct reg_rule cap_msi32_rules[] = {
	{ 0x02, 2, 0x0071, 0 },       /* enable, multiple message enable */
	{ 0x04, 4, 0xfffffffc, 0 },   /* address */
	{ 0x08, 2, 0xffff, 0 },       /* data */
	{ 0x0c, 4, 0xffffffff, 0 },   /* mask bits */
};
static const struct reg_rule cap_msi64_rules[] = {
	{ 0x02, 2, 0x0071, 0 },
	{ 0x04, 4, 0xfffffffc, 0 },
	{ 0x08, 4, 0xffffffff, 0 },   /* upper address */
	{ 0x0c, 2, 0xffff, 0 },
	{ 0x10, 4, 0xffffffff, 0 },
};
static const struct reg_rule cap_msix_rules[] = {
	{ 0x02, 2, 0xc000, 0 },       /* enable, function mask */
};
static const struct reg_rule cap_exp_rules[] = {
	{ 0x08, 2, 0xffff, 0 },       /* device control */
	{ 0x0a, 2, 0, 0x000f },       /* device status */
	{ 0x10, 2, 0x0fff, 0 },       /* link control */
	{ 0x12, 2, 0, 0xc000 },       /* link status */
	{ 0x18, 2, 0x1fff, 0 },       /* slot control */
	{ 0x1a, 2, 0, 0x011f },       /* slot status */
	{ 0x1c, 2, 0x001f, 0 },       /* root control */
	{ 0x20, 4, 0, 0x00010000 },   /* root status */
	{ 0x28, 2, 0xffff, 0 },       /* device control 2 */
	{ 0x30, 2, 0xffff, 0 },       /* link control 2 */
};

/* Extended capabilities. */
static const struct reg_rule ecap_aer_rules[] = {
	{ 0x04, 4, 0, 0xffffffff },   /* uncorrectable status */
	{ 0x08, 4, 0xffffffff, 0 },   /* uncorrectable mask */
	{ 0x0c, 4, 0xffffffff, 0 },   /* uncorrectable severity */
	{ 0x10, 4, 0, 0xffffffff },   /* correctable status */
	{ 0x14, 4, 0xffffffff, 0 },   /* correctable mask */
	{ 0x18, 4, 0x00000140, 0 },   /* ECRC enables */
};

struct cap_rules {
	uint16_t id;
	const struct reg_rule *rules;
	size_t n;
	/* Optional: the capability's length in bytes (rules beyond it do not apply). */
	unsigned (*length)(const uint8_t *cfg, unsigned pos);
	/* Optional: a second table for a second layout, chosen by `length`'s caller. */
	const struct reg_rule *alt_rules;
	size_t alt_n;
	bool (*use_alt)(const uint8_t *cfg, unsigned pos);
};

static unsigned msi_length(const uint8_t *cfg, unsigned pos)
{
	uint8_t flags = cfg[pos + 2];
	return 0x0a + ((flags & 0x80) ? 4 : 0) + ((cfg[pos + 3] & 0x01) ? 10 : 0);
}
static bool msi_is64(const uint8_t *cfg, unsigned pos) { return (cfg[pos + 2] & 0x80) != 0; }

/* PCI Express capability: version 1 ends after root status, version 2 at 0x3c. */
static unsigned exp_length(const uint8_t *cfg, unsigned pos) { return (cfg[pos + 2] & 0x0f) >= 2 ? 0x3c : 0x24; }
#define RULES(x) x, sizeof(x) / sizeof(x[0])
static const struct cap_rules std_caps[] = {
	{ 0x01, RULES(cap_pm_rules), NULL, NULL, 0, NULL },
	{ 0x03, RULES(cap_vpd_rules), NULL, NULL, 0, NULL },
	{ 0x05, RULES(cap_msi32_rules), msi_length, RULES(cap_msi64_rules), msi_is64 },
	{ 0x10, RULES(cap_exp_rules), exp_length, NULL, 0, NULL },
	{ 0x11, RULES(cap_msix_rules), NULL, NULL, 0, NULL },
};
static const struct cap_rules ext_caps[] = {
	{ 0x0001, RULES(ecap_aer_rules), NULL, NULL, 0, NULL },
};

static void apply_rules(struct simdev *s, unsigned base, const struct reg_rule *r, size_t n, unsigned limit)
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
		unsigned off = 0x10 + 4 * i;
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
	set_dword_mask(s, rom_off, rom->size ? (((uint32_t)~(rom->size - 1)) & 0xfffff800u) | 1u : 0);
}

static void build_masks(struct simdev *s)
{
	uint8_t ht = s->hd.header_type;
	if (ht == 0) {
		apply_rules(s, 0, RULES(hdr0_rules), 64);
		bar_masks(s, 6, 0x30);
	} else if (ht == 1) {
		apply_rules(s, 0, RULES(hdr1_rules), 64);
		bar_masks(s, 2, 0x38);
	}
	/* Standard capabilities (cycle-safe). */
	unsigned pos = (s->cfg[0x06] & 0x10) ? s->cfg[0x34] & 0xfc : 0;
	for (int ttl = 48; ttl-- && pos >= 0x40 && pos < 0x100;) {
		const struct cap_rules *cr = find_rules(std_caps, sizeof(std_caps) / sizeof(std_caps[0]), s->cfg[pos]);
		if (cr) {
			unsigned limit = cr->length ? pos + cr->length(s->cfg, pos) : 0x100;
			bool alt = cr->use_alt && cr->use_alt(s->cfg, pos);
			apply_rules(s, pos, alt ? cr->alt_rules : cr->rules, alt ? cr->alt_n : cr->n,
				    limit < 0x100 ? limit : 0x100);
		}
		pos = s->cfg[pos + 1] & 0xfc;
	}
	if (s->hd.cfg_size <= 0x100)
		return;
	pos = 0x100;
	for (int ttl = 480; ttl-- && pos >= 0x100 && pos + 4 <= s->hd.cfg_size;) {
		uint32_t h = (uint32_t)s->cfg[pos] | (uint32_t)s->cfg[pos + 1] << 8 | (uint32_t)s->cfg[pos + 2] << 16 |
			     (uint32_t)s->cfg[pos + 3] << 24;
		if (h == 0 || h == 0xffffffff)
			break;
		const struct cap_rules *cr =
			find_rules(ext_caps, sizeof(ext_caps) / sizeof(ext_caps[0]), (uint16_t)(h & 0xffff));
		if (cr)
			apply_rules(s, pos, cr->rules, cr->n, s->hd.cfg_size);
		pos = (h >> 20) & 0xffc;
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
	hd->cfg_size = d->cfg_size >= 4096 ? 4096 : 256;
	memcpy(s->cfg, d->cfg, d->cfg_size);
	hd->vendor_id = (uint16_t)(s->cfg[0] | s->cfg[1] << 8);
	hd->device_id = (uint16_t)(s->cfg[2] | s->cfg[3] << 8);
	hd->class_code = (uint32_t)s->cfg[0x09] | (uint32_t)s->cfg[0x0a] << 8 | (uint32_t)s->cfg[0x0b] << 16;
	hd->header_type = s->cfg[0x0e] & 0x7f;
	hd->multifunction = (s->cfg[0x0e] & 0x80) != 0;
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
	unsigned vpd_f = s->vpd_completion + 3; /* the address register's byte with F */
	if (s->vpd_completion && off <= vpd_f && off + size > vpd_f)
		s->cfg[vpd_f] ^= 0x80; /* the request (F as written) completes: F flips */
	return 0;
}

static uint16_t cmd_of(struct simdev *s) { return (uint16_t)(s->cfg[4] | s->cfg[5] << 8); }
static void set_cmd(struct simdev *s, uint16_t c)
{
	s->cfg[4] = (uint8_t)c;
	s->cfg[5] = (uint8_t)(c >> 8);
}

static int sim_enable(struct hostdev *hd)
{
	struct simdev *s = to_sim(hd);
	uint16_t c = cmd_of(s);
	for (unsigned i = 0; i < HOSTDEV_NUM_RES; i++) {
		if (hd->res[i].size == 0 || i == HOSTDEV_ROM)
			continue;
		c |= (hd->res[i].flags & HOSTDEV_RES_IO) ? 0x1 : (hd->res[i].flags & HOSTDEV_RES_MEM) ? 0x2 : 0;
	}
	set_cmd(s, c);
	hd->enabled = true;
	s->counters.enables++;
	return 0;
}

static int sim_disable(struct hostdev *hd)
{
	struct simdev *s = to_sim(hd);
	set_cmd(s, cmd_of(s) & (uint16_t)~0x4);
	hd->enabled = false;
	s->counters.disables++;
	return 0;
}

#define PMCSR_NO_SOFT_RESET 0x08u

/* As a reset leaves the MSI-X table (PCI spec): every entry masked, nothing programmed. */
static void msix_table_reset(struct simdev *s)
{
	memset(s->msix, 0, sizeof(s->msix));
	for (unsigned i = 0; i < SIMDEV_MSIX_MAX; i++)
		s->msix[i][3] = MSIX_CTRL_MASKBIT;
}

/* Entries in the device's MSI-X table (0 without the capability). */
static unsigned msix_entries(struct simdev *s)
{
	unsigned cap = hostdev_find_cap(&s->hd, 0x11);
	return cap ? ((unsigned)(s->cfg[cap + 2] | s->cfg[cap + 3] << 8) & 0x7ffu) + 1 : 0;
}

static int sim_msix_mask_entry(struct hostdev *hd, unsigned entry)
{
	struct simdev *s = to_sim(hd);
	if (entry >= msix_entries(s))
		return -EINVAL;
	s->msix[entry][3] |= MSIX_CTRL_MASKBIT;
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
		uint8_t byte; /* of the control word */
		uint8_t bit;
	} enables[] = { { 0x05, 0, 0x01 }, { 0x11, 1, 0x80 | 0x40 } };
	for (size_t i = 0; i < sizeof(enables) / sizeof(enables[0]); i++) {
		unsigned cap = hostdev_find_cap(hd, enables[i].cap);
		if (cap)
			s->cfg[cap + 2 + enables[i].byte] &= (uint8_t)~enables[i].bit;
	}
	if (!s->reset_keeps_msix)
		msix_table_reset(s);
}

/* A soft reset also loses the addresses software programmed: BARs and ROM read 0 in their writable bits. */
static void clear_bars(struct simdev *s)
{
	unsigned nbars = s->hd.header_type == 0 ? 6 : s->hd.header_type == 1 ? 2 : 0;
	unsigned rom = s->hd.header_type == 1 ? 0x38 : 0x30;
	for (unsigned off = 0x10; off < 0x10 + 4 * nbars; off++)
		s->cfg[off] &= (uint8_t)~s->wmask[off];
	if (s->hd.header_type <= 1)
		for (unsigned off = rom; off < rom + 4; off++)
			s->cfg[off] &= (uint8_t)~s->wmask[off];
}

static int sim_set_power_state(struct hostdev *hd, int dstate, unsigned *wait_us)
{
	struct simdev *s = to_sim(hd);
	unsigned pm = hostdev_find_cap(hd, 0x01);
	*wait_us = 0;
	if (!pm || dstate < 0 || dstate > 3)
		return -EINVAL;
	unsigned cur = s->cfg[pm + 4] & 3u;
	if (s->soft_reset && cur == 3 && dstate == 0 && !(s->cfg[pm + 4] & PMCSR_NO_SOFT_RESET)) {
		power_on_state(s);
		clear_bars(s);
		s->counters.soft_resets++;
	}
	s->cfg[pm + 4] = (uint8_t)((s->cfg[pm + 4] & ~3u) | (unsigned)dstate);
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

#define PCI_EXT_CAP_ID_ERR 0x0001
#define PCI_ERR_UNCOR_STATUS 4

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
	to_sim(hd)->vpd_completion = on ? hostdev_find_cap(hd, 0x03) : 0;
}
