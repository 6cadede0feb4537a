/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses one hex number of at most maxdigits digits; returns the end or NULL. */
static const char *hexnum(const char *p, unsigned maxdigits, unsigned long *out)
{
	unsigned n = 0;
	unsigned long v = 0;
	while (n < maxdigits + 1) {
		char c = p[n];
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		v = v * 16 + (unsigned long)d;
		n++;
	}
	if (n == 0 || n > maxdigits)
		return NULL;
	*out = v;
	return p + n;
}

int pb_bdf_parse(const char *s, struct pb_bdf *out, char *err, unsigned errlen)
{
	unsigned long a, b, c, f;
	const char *p = hexnum(s, 4, &a);
	if (!p || *p != ':')
		goto bad;
	const char *q = hexnum(p + 1, 2, &b);
	if (!q)
		goto bad;
	unsigned long dom = 0, bus, slot;
	if (*q == ':') {
		/* DDDD:BB:DD.F */
		const char *r = hexnum(q + 1, 2, &c);
		if (!r || *r != '.')
			goto bad;
		dom = a, bus = b, slot = c;
		q = r;
	} else if (*q == '.') {
		if (a > 0xff)
			goto bad;
		bus = a, slot = b;
	} else {
		goto bad;
	}
	const char *e = hexnum(q + 1, 1, &f);
	if (!e || *e != '\0')
		goto bad;
	if (dom > 0xffff || bus > 0xff || slot > 0x1f || f > 7) {
		snprintf(err, errlen, "PCI address '%s' out of range (domain <= ffff, bus <= ff, slot <= 1f, function <= 7)", s);
		return -1;
	}
	out->domain = (uint16_t)dom;
	out->bus = (uint8_t)bus;
	out->devfn = PB_DEVFN(slot, f);
	return 0;
bad:
	snprintf(err, errlen, "bad PCI address '%s' (expected DDDD:BB:DD.F or BB:DD.F, hex)", s);
	return -1;
}

char *pb_bdf_format(const struct pb_bdf *bdf, char *buf)
{
	snprintf(buf, PB_BDF_STRLEN, "%04x:%02x:%02x.%x", bdf->domain, bdf->bus, PB_SLOT(bdf->devfn),
		 PB_FUNC(bdf->devfn));
	return buf;
}

bool pb_bdf_equal(const struct pb_bdf *a, const struct pb_bdf *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->devfn == b->devfn;
}
