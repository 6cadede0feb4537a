/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parser of quirks in the syntax of xen-pciback's sysfs `quirks` attribute:
 * "DDDD:BB:SS.F-REG:SIZE:MASK" or "BB:SS.F-REG:SIZE:MASK", all hex, blanks
 * allowed around the whole.
 */
#include "cfgspace.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
