/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The config-space engine: builds a device's field instances from the const
 * tables (cfg_header.c, cfg_caps.c; the capability chains are walked in
 * cfg_chain.c, quirks added in cfg_quirk.c), splits every guest access per
 * field, and applies each field's masks and hooks.  Semantics are Linux
 * xen-pciback's, hardened where the kernel is unsafe: doc/config-space.md
 * describes every register and lists every deliberate deviation from the
 * kernel.
 */
#include "cfgspace.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_field.h"
#include "proto/pci_regs.h"
#include "proto/pciif.h"

/* ---- hardware access ---- */

int cfg_hw_read(struct cfg_dev *cd, unsigned off, unsigned size, uint32_t *val)
{
	*val = 0;
	return hostdev_read(cd->hd, off, size, val) ? PCIIF_ERR_OP_FAILED : 0;
}

int cfg_hw_write(struct cfg_dev *cd, unsigned off, unsigned size, uint32_t val)
{
	return hostdev_write(cd->hd, off, size, val) ? PCIIF_ERR_OP_FAILED : 0;
}

uint32_t cfg_fi_writable(const struct cfg_dev *cd, const struct cfg_fi *fi)
{
	const struct cfg_field *f = fi->f;
	if (f->flags & CFG_F_QUIRK)
		return fi->mask;
	if ((f->flags & CFG_F_PERMISSIVE) && !cd->opts.permissive)
		return 0;
	return cfg_size_mask(fi->size) & ~(f->ro | f->emu | f->rsvd);
}

static int hw_update(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t allowed, bool only_if_changed)
{
	/* bits whose hardware 1 must never be written back */
	uint32_t hw, req = fi->f->rw1c | fi->f->trig;
	allowed &= cfg_size_mask(fi->size);
	if (!allowed)
		return 0;
	int rc = cfg_hw_read(cd, fi->off, fi->size, &hw);
	if (rc)
		return rc;
	uint32_t nv = (hw & ~allowed & ~req) | (val & allowed);
	if (only_if_changed && (nv & ~req) == (hw & ~req) && !(nv & req))
		return 0;
	return cfg_hw_write(cd, fi->off, fi->size, nv);
}

int cfg_fi_hw_update(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t allowed)
{
	return hw_update(cd, fi, val, allowed, false);
}

int cfg_fi_hw_update_changed(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t allowed)
{
	return hw_update(cd, fi, val, allowed, true);
}

/* ---- table check ---- */

static bool masks_overlap(const struct cfg_field *f)
{
	const uint32_t m[] = { f->ro, f->rw1c, f->emu, f->rsvd, f->trig };
	uint32_t seen = 0;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (seen & m[i])
			return true;
		seen |= m[i];
	}
	return false;
}

static int check_table(const struct cfg_table *t, char *err, size_t errlen)
{
	for (size_t i = 0; i < t->count; i++) {
		const struct cfg_field *f = &t->fields[i];
		uint32_t m = cfg_size_mask(f->size);
		const char *why = NULL;
		if (f->size != 1 && f->size != 2 && f->size != 4)
			why = "size is not 1, 2 or 4";
		else if (f->offset % f->size)
			why = "offset not aligned to size";
		else if (f->offset + f->size > t->min_len)
			why = "field outside the structure";
		else if ((f->ro | f->rw1c | f->emu | f->rsvd | f->trig) & ~m)
			why = "mask wider than the register";
		else if (masks_overlap(f))
			why = "masks overlap";
		else if ((f->emu || (f->flags & (CFG_F_NOHW | CFG_F_CAP_HDR | CFG_F_EXT_HDR | CFG_F_CAP_PTR))) && !f->read)
			why = "emulated bits without a read hook";
		else if (f->flags & CFG_F_QUIRK)
			why = "quirk field in a const table";
		for (size_t j = 0; !why && j < i; j++) {
			const struct cfg_field *g = &t->fields[j];
			if (f->offset < g->offset + g->size && g->offset < f->offset + f->size)
				why = "overlaps another field";
		}
		if (why) {
			snprintf(err, errlen, "config field table '%s', field '%s' at 0x%x: %s", t->name, f->name,
				 f->offset, why);
			return -1;
		}
	}
	return 0;
}

int cfg_check_tables(char *err, size_t errlen)
{
	const struct cfg_table *const fixed[] = { &cfg_header0_table, &cfg_header1_table, cfg_cap_header_table(),
						  &cfg_ext_cap_table };
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (check_table(fixed[i], err, errlen))
			return -1;
	for (size_t c = 0; c < cfg_caps_count; c++) {
		const struct cfg_cap *cap = &cfg_caps[c];
		if (!cap->nlayouts || cfg_cap_find(cap->id) != cap) {
			snprintf(err, errlen, "capability 0x%02x: %s", cap->id,
				 cap->nlayouts ? "listed twice" : "no layout");
			return -1;
		}
		for (size_t l = 0; l < cap->nlayouts; l++)
			if (check_table(cap->layouts[l], err, errlen))
				return -1;
	}
	return 0;
}

/* ---- building a device ---- */

bool cfg_range_free(const struct cfg_dev *cd, unsigned off, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		if (cd->map[off + i])
			return false;
	return true;
}

struct cfg_fi *cfg_add_fi(struct cfg_dev *cd, const struct cfg_field *f, unsigned off, unsigned size)
{
	if (cd->nfi >= CFG_MAX_FIELDS)
		return NULL;
	struct cfg_fi *fi = &cd->fi[cd->nfi++];
	memset(fi, 0, sizeof(*fi));
	fi->f = f;
	fi->off = (uint16_t)off;
	fi->size = (uint8_t)size;
	for (unsigned i = 0; i < size; i++)
		cd->map[off + i] = (uint16_t)cd->nfi;
	return fi;
}

/* Adds every field of t at base, or none: false if any would overlap or not fit. */
bool cfg_add_table(struct cfg_dev *cd, const struct cfg_table *t, unsigned base)
{
	if (base + t->min_len > cd->hd->cfg_size || cd->nfi + t->count > CFG_MAX_FIELDS)
		return false;
	for (size_t i = 0; i < t->count; i++)
		if (!cfg_range_free(cd, base + t->fields[i].offset, t->fields[i].size))
			return false;
	for (size_t i = 0; i < t->count; i++)
		cfg_add_fi(cd, &t->fields[i], base + t->fields[i].offset, t->fields[i].size);
	return true;
}

struct cfg_fi *cfg_fi_at(struct cfg_dev *cd, unsigned off)
{
	return cd->map[off] ? &cd->fi[cd->map[off] - 1] : NULL;
}

static int init_fields(struct cfg_dev *cd, size_t from, char *err, size_t errlen)
{
	for (size_t i = from; i < cd->nfi; i++) {
		struct cfg_fi *fi = &cd->fi[i];
		if (fi->f->init && fi->f->init(cd, fi)) {
			snprintf(err, errlen, "%s: cannot initialise %s at 0x%x", cd->hd->source, fi->f->name, fi->off);
			return -1;
		}
	}
	return 0;
}

struct cfg_dev *cfg_dev_new(struct hostdev *hd, const struct cfg_options *opts, char *err, size_t errlen)
{
	/* The tables are const: once they passed, they pass for the life of the process. */
	static atomic_bool tables_ok;
	const struct cfg_table *hdr_table;
	if (!atomic_load(&tables_ok)) {
		if (cfg_check_tables(err, errlen))
			return NULL;
		atomic_store(&tables_ok, true);
	}
	switch (hd->header_type) {
	case 0: hdr_table = &cfg_header0_table; break;
	case 1: hdr_table = &cfg_header1_table; break;
	default:
		snprintf(err, errlen, "%s: unsupported header type %u", hd->source, hd->header_type);
		return NULL;
	}
	if (hd->cfg_size < PCI_CFG_SPACE_SIZE || hd->cfg_size > PCI_CFG_SPACE_EXP_SIZE) {
		snprintf(err, errlen, "%s: config space of %u bytes", hd->source, hd->cfg_size);
		return NULL;
	}
	struct cfg_dev *cd = calloc(1, sizeof(*cd));
	if (cd)
		cd->fi = calloc(CFG_MAX_FIELDS, sizeof(*cd->fi));
	if (!cd || !cd->fi) {
		if (cd)
			free(cd);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cd->hd = hd;
	if (opts)
		cd->opts = *opts;
	cd->seize_opts = cd->opts;
	cd->rl = (struct pb_ratelimit)PB_RATELIMIT_DEFAULT;
	if (!cfg_add_table(cd, hdr_table, 0)) {
		snprintf(err, errlen, "%s: header fields do not fit", hd->source);
		cfg_dev_free(cd);
		return NULL;
	}
	cfg_build_caps(cd);
	cfg_build_ext_caps(cd);
	cd->nbase = cd->nfi;
	if (init_fields(cd, 0, err, errlen)) {
		cfg_dev_free(cd);
		return NULL;
	}
	return cd;
}

static void release_fields(struct cfg_dev *cd, size_t from)
{
	for (size_t i = from; i < cd->nfi; i++) {
		struct cfg_fi *fi = &cd->fi[i];
		if (fi->f->release)
			fi->f->release(cd, fi);
		for (unsigned b = 0; b < fi->size; b++)
			cd->map[fi->off + b] = 0;
	}
	cd->nfi = from;
}

void cfg_dev_free(struct cfg_dev *cd)
{
	if (!cd)
		return;
	if (cd->fi)
		release_fields(cd, 0);
	free(cd->fi);
	free(cd);
}

struct hostdev *cfg_dev_host(const struct cfg_dev *cd) { return cd->hd; }

/* ---- guest accesses ---- */

static void warn_unhandled(struct cfg_dev *cd, long off, long size)
{
	if (cd->warned_unhandled)
		return;
	char a[PB_BDF_STRLEN];
	cd->warned_unhandled = true;
	pb_log_rl(&cd->rl, PB_LOG_WARN,
		  "%s: guest wrote %ld byte(s) at 0x%lx outside every described register: dropped "
		  "(the device's permissive mode would write it)", pb_bdf_format(&cd->hd->addr, a), size, off);
}

/* The guest's view of a whole field. */
static int field_view(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t *v)
{
	int rc = 0;
	*v = 0;
	if (!(fi->f->flags & CFG_F_NOHW))
		rc = cfg_hw_read(cd, fi->off, fi->size, v);
	if (!rc && fi->f->read)
		rc = fi->f->read(cd, fi, v);
	return rc;
}

int cfg_read(struct cfg_dev *cd, long off, long size, uint32_t *val)
{
	uint32_t raw = 0, out = 0;
	bool have_raw = false;
	*val = 0;
	if (!hostdev_access_ok(cd->hd, off, size))
		return PCIIF_ERR_INVALID_OFFSET;
	unsigned o = (unsigned)off, n = (unsigned)size;
	for (unsigned i = 0; i < n;) {
		struct cfg_fi *fi = cfg_fi_at(cd, o + i);
		uint32_t fv;
		int rc;
		if (!fi || (!fi->f->read && fi->off >= o && fi->off + fi->size <= o + n)) {
			/* hardware bytes: no field, or a field without a read hook inside the access */
			if (!have_raw) {
				rc = cfg_hw_read(cd, o, n, &raw);
				if (rc)
					return rc;
				have_raw = true;
			}
			unsigned end = fi ? fi->off + fi->size - o : i + 1;
			for (; i < end; i++)
				out |= raw & (0xffu << (8 * i));
			continue;
		}
		rc = field_view(cd, fi, &fv);
		if (rc) {
			*val = out;
			return rc;
		}
		unsigned end = fi->off + fi->size - o;
		if (end > n)
			end = n;
		for (; i < end; i++) {
			unsigned fb = o + i - fi->off;
			out |= ((fv >> (8 * fb)) & 0xffu) << (8 * i);
		}
	}
	*val = out;
	return 0;
}

/* Writes bytes [a, b) of an access that belong to no field (permissive mode). */
static int write_unfielded(struct cfg_dev *cd, unsigned o, unsigned n, uint32_t val, unsigned a, unsigned b)
{
	if (a == 0 && b == n)
		return cfg_hw_write(cd, o, n, val);
	for (unsigned i = a; i < b;) {
		unsigned w = ((o + i) % 2 == 0 && i + 2 <= b) ? 2 : 1;
		int rc = cfg_hw_write(cd, o + i, w, (val >> (8 * i)) & cfg_size_mask(w));
		if (rc)
			return rc;
		i += w;
	}
	return 0;
}

int cfg_write(struct cfg_dev *cd, long off, long size, uint32_t val)
{
	if (!hostdev_access_ok(cd->hd, off, size))
		return PCIIF_ERR_INVALID_OFFSET;
	unsigned o = (unsigned)off, n = (unsigned)size;
	for (unsigned i = 0; i < n;) {
		struct cfg_fi *fi = cfg_fi_at(cd, o + i);
		int rc;
		if (!fi) {
			unsigned j = i + 1;
			while (j < n && !cd->map[o + j])
				j++;
			if (cd->opts.permissive) {
				rc = write_unfielded(cd, o, n, val, i, j);
				if (rc)
					return rc;
			} else {
				warn_unhandled(cd, off, size);
			}
			i = j;
			continue;
		}
		/* The guest's bytes, placed in the field. */
		uint32_t gv = 0, written = 0;
		unsigned end = fi->off + fi->size - o;
		if (end > n)
			end = n;
		for (; i < end; i++) {
			unsigned fb = o + i - fi->off;
			gv |= ((val >> (8 * i)) & 0xffu) << (8 * fb);
			written |= 0xffu << (8 * fb);
		}
		if (fi->f->write) {
			uint32_t view;
			rc = field_view(cd, fi, &view);
			if (!rc)
				rc = fi->f->write(cd, fi, (view & ~written) | gv, written);
		} else {
			rc = cfg_fi_hw_update(cd, fi, gv, cfg_fi_writable(cd, fi) & written);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- release, options ---- */

void cfg_dev_release(struct cfg_dev *cd)
{
	release_fields(cd, cd->nbase);
	for (size_t i = 0; i < cd->nfi; i++)
		if (cd->fi[i].f->reset)
			cd->fi[i].f->reset(cd, &cd->fi[i]);
	cd->opts.allow_interrupt_control = false;
	cd->warned_unhandled = false;
	cd->pm.pending = false; /* the release resets and restores the device itself */
}

void cfg_dev_restore(struct cfg_dev *cd)
{
	for (size_t i = 0; i < cd->nfi; i++)
		if (cd->fi[i].f->restore)
			cd->fi[i].f->restore(cd, &cd->fi[i]);
}

void cfg_set_options(struct cfg_dev *cd, const struct cfg_options *opts) { cd->opts = *opts; }
const struct cfg_options *cfg_get_options(const struct cfg_dev *cd) { return &cd->opts; }
void cfg_set_permissive(struct cfg_dev *cd, bool on) { cd->opts.permissive = on; }
void cfg_set_allow_interrupt_control(struct cfg_dev *cd, bool on) { cd->opts.allow_interrupt_control = on; }
