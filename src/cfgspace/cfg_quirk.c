/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Quirks: the parser of xen-pciback's sysfs `quirks` syntax
 * ("DDDD:BB:SS.F-REG:SIZE:MASK" or "BB:SS.F-REG:SIZE:MASK", all hex, blanks
 * allowed around the whole), the quirk field, and its insertion into a
 * device's fields.
 */
#include "cfgspace.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_field.h"

/* One hex number of at most maxdigits digits; advances *p. */
static int hex(const char **p, unsigned maxdigits, unsigned long *out)
{
	const char *s = *p;
	unsigned long v = 0;
	unsigned n = 0;
	while (isxdigit((unsigned char)*s)) {
		if (++n > maxdigits)
			return -1;
		v = v * 16 + (unsigned long)(isdigit((unsigned char)*s) ? *s - '0' : (tolower((unsigned char)*s) - 'a' + 10));
		s++;
	}
	if (!n)
		return -1;
	*p = s;
	*out = v;
	return 0;
}

static int expect(const char **p, char c)
{
	if (**p != c)
		return -1;
	(*p)++;
	return 0;
}

int cfg_quirk_parse(const char *str, struct cfg_quirk *q, char *err, size_t errlen)
{
	unsigned long n[7];
	const char *p = str;
	memset(q, 0, sizeof(*q));
	while (isspace((unsigned char)*p))
		p++;
	/* Count the colons before '-' to tell the two forms apart. */
	const char *dash = strchr(p, '-');
	unsigned colons = 0;
	for (const char *c = p; dash && c < dash; c++)
		colons += *c == ':';
	q->has_domain = colons == 2;
	unsigned k = 0;
	int bad = !dash || (colons != 1 && colons != 2);
	if (!bad && q->has_domain)
		bad = hex(&p, 4, &n[k++]) || expect(&p, ':');
	if (!bad)
		bad = hex(&p, 2, &n[k++]) || expect(&p, ':') || hex(&p, 2, &n[k++]) || expect(&p, '.') ||
		      hex(&p, 1, &n[k++]) || expect(&p, '-') || hex(&p, 3, &n[k++]) || expect(&p, ':') ||
		      hex(&p, 1, &n[k++]) || expect(&p, ':') || hex(&p, 8, &n[k++]);
	while (!bad && isspace((unsigned char)*p))
		p++;
	if (bad || *p) {
		snprintf(err, errlen, "quirk '%s': expected DDDD:BB:SS.F-REG:SIZE:MASK or BB:SS.F-REG:SIZE:MASK (hex)", str);
		return -1;
	}
	unsigned b = q->has_domain ? 1 : 0; /* index of the bus number in n[] */
	unsigned long dom = q->has_domain ? n[0] : 0, bus = n[b], slot = n[b + 1], fn = n[b + 2];
	unsigned long reg = n[b + 3], size = n[b + 4], mask = n[b + 5];
	if (slot > 31 || fn > 7) {
		snprintf(err, errlen, "quirk '%s': slot must be 0..1f and function 0..7", str);
		return -1;
	}
	if (size != 1 && size != 2 && size != 4) {
		snprintf(err, errlen, "quirk '%s': size must be 1, 2 or 4", str);
		return -1;
	}
	if (reg > 0xfff || reg % size) {
		snprintf(err, errlen, "quirk '%s': register must be at most fff and aligned to its size", str);
		return -1;
	}
	if (size < 4 && (mask >> (8 * size))) {
		snprintf(err, errlen, "quirk '%s': mask is wider than %lu byte(s)", str, size);
		return -1;
	}
	q->addr.domain = (uint16_t)dom;
	q->addr.bus = (uint8_t)bus;
	q->addr.devfn = PB_DEVFN(slot, fn);
	q->reg = (uint16_t)reg;
	q->size = (uint8_t)size;
	q->mask = (uint32_t)mask;
	return 0;
}

/* ---- quirks: reads pass through, writes reach hardware masked by the instance's mask ---- */

static int quirk_write(struct cfg_dev *cd, struct cfg_fi *fi, uint32_t val, uint32_t written)
{
	return cfg_fi_hw_update(cd, fi, val, fi->mask & written);
}

const struct cfg_field cfg_quirk_field = {
	.name = "quirk", .offset = 0, .size = 4, .flags = CFG_F_QUIRK, .write = quirk_write
};

int cfg_add_quirk(struct cfg_dev *cd, unsigned reg, unsigned size, uint32_t mask, char *err, size_t errlen)
{
	if (size != 1 && size != 2 && size != 4) {
		snprintf(err, errlen, "quirk size %u is not 1, 2 or 4", size);
		return -EINVAL;
	}
	if (reg % size || reg + size > cd->hd->cfg_size) {
		snprintf(err, errlen, "quirk register 0x%x (size %u) is misaligned or outside the %u-byte config space",
			 reg, size, cd->hd->cfg_size);
		return -EINVAL;
	}
	if (mask & ~cfg_size_mask(size)) {
		snprintf(err, errlen, "quirk mask 0x%x is wider than %u byte(s)", mask, size);
		return -EINVAL;
	}
	for (size_t i = cd->nbase; i < cd->nfi; i++) {
		const struct cfg_fi *q = &cd->fi[i];
		if (q->off == reg && q->size == size && q->mask == mask)
			return 0; /* the same quirk again */
	}
	if (!cfg_range_free(cd, reg, size)) {
		const struct cfg_fi *fi = cfg_fi_at(cd, reg);
		for (unsigned i = 0; !fi && i < size; i++)
			fi = cfg_fi_at(cd, reg + i);
		snprintf(err, errlen, "quirk at 0x%x overlaps the %s register at 0x%x", reg, fi ? fi->f->name : "?",
			 fi ? fi->off : 0);
		return -EEXIST;
	}
	struct cfg_fi *fi = cfg_add_fi(cd, &cfg_quirk_field, reg, size);
	if (!fi) {
		snprintf(err, errlen, "too many config fields");
		return -ENOSPC;
	}
	fi->mask = mask;
	return 0;
}

int cfg_apply_quirk(struct cfg_dev *cd, const struct cfg_quirk *q, char *err, size_t errlen)
{
	if (!pb_bdf_equal(&q->addr, &cd->hd->addr)) {
		char a[PB_BDF_STRLEN], b[PB_BDF_STRLEN];
		snprintf(err, errlen, "quirk for %s does not match device %s", pb_bdf_format(&q->addr, a),
			 pb_bdf_format(&cd->hd->addr, b));
		return -ENODEV;
	}
	return cfg_add_quirk(cd, q->reg, q->size, q->mask, err, errlen);
}

size_t cfg_quirk_count(const struct cfg_dev *cd) { return cd->nfi - cd->nbase; }
