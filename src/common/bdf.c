/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI addresses: the one grammar, its checked forms, and their formatting (see bdf.h). */
#include "bdf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *skip_blanks(const char *p, unsigned flags)
{
	if (flags & PB_BDF_BLANKS)
		while (*p == ' ' || *p == '\t')
			p++;
	return p;
}

/* Optional blanks, hex digits (or '*'), optional blanks; returns the position after, or NULL. */
static const char *scan_field(const char *p, unsigned flags, struct pb_bdf_field *f)
{
	p = skip_blanks(p, flags);
	f->text = p;
	if (*p == '*' && (flags & PB_BDF_WILDCARD)) {
		f->value = PB_BDF_ANY;
		p++;
	} else {
		unsigned long v = 0;
		for (int d; (d = hexdigit(*p)) >= 0; p++)
			if (v <= 0xffffffffUL)
				v = v * 16 + (unsigned long)d;
		if (p == f->text)
			return NULL;
		f->value = v > 0x7fffffffUL ? 0x7fffffffL : (long)v;
	}
	f->len = (int)(p - f->text);
	return skip_blanks(p, flags);
}

static int fault(struct pb_bdf_text *t, const char *at, enum pb_bdf_fault why)
{
	t->end = at;
	t->fault = why;
	return -1;
}

int pb_bdf_scan(const char *s, unsigned flags, struct pb_bdf_text *t)
{
	const char *p = s;
	unsigned max = flags & PB_BDF_ROOT ? 2 : 3;
	memset(t, 0, sizeof(*t));
	for (;;) {
		const char *q = scan_field(p, flags, &t->f[t->n]);
		if (!q) {
			t->at = t->n;
			return fault(t, skip_blanks(p, flags), PB_BDF_NO_NUMBER);
		}
		p = q;
		t->n++;
		if (*p == ':' && t->n < max) {
			p++;
			continue;
		}
		break;
	}
	if (t->n < 2)
		return fault(t, p, PB_BDF_NO_COLON);
	if (flags & PB_BDF_ROOT) {
		t->end = p;
		return 0;
	}
	if (*p != '.')
		return fault(t, p, PB_BDF_NO_DOT);
	const char *q = scan_field(p + 1, flags, &t->f[t->n]);
	if (!q)
		return fault(t, skip_blanks(p + 1, flags), PB_BDF_NO_FUNCTION);
	t->end = q;
	return 0;
}

int pb_bdf_parse(const char *s, struct pb_bdf *out, char *err, unsigned errlen)
{
	struct pb_bdf_text t;
	if (pb_bdf_scan(s, 0, &t) || *t.end != '\0')
		goto bad;
	/* At most 4 digits first, 2 for the bus and the slot, 1 for the function. */
	const struct pb_bdf_field *f = t.f;
	if (f[0].len > 4 || f[1].len > 2 || (t.n == 3 && f[2].len > 2) || f[t.n].len > 1)
		goto bad;
	unsigned long dom = 0, bus, slot, fn = (unsigned long)f[t.n].value;
	if (t.n == 3) {
		dom = (unsigned long)f[0].value, bus = (unsigned long)f[1].value, slot = (unsigned long)f[2].value;
	} else {
		if (f[0].value > 0xff)
			goto bad;
		bus = (unsigned long)f[0].value, slot = (unsigned long)f[1].value;
	}
	if (dom > 0xffff || bus > 0xff || slot > 0x1f || fn > 7) {
		snprintf(err, errlen, "PCI address '%s' out of range (domain <= ffff, bus <= ff, slot <= 1f, function <= 7)", s);
		return -1;
	}
	out->domain = (uint16_t)dom;
	out->bus = (uint8_t)bus;
	out->devfn = PB_DEVFN(slot, fn);
	return 0;
bad:
	snprintf(err, errlen, "bad PCI address '%s' (expected DDDD:BB:DD.F or BB:DD.F, hex)", s);
	return -1;
}

int pb_bdf_parse_pv(const char *s, struct pb_bdf *out)
{
	struct pb_bdf_text t;
	if (pb_bdf_scan(s, 0, &t) || *t.end != '\0' || t.n != 3)
		return -1;
	const struct pb_bdf_field *f = t.f;
	if (f[0].value > 0xffff || f[1].value > 0xff || f[2].value > 0x1f || f[3].value > 7)
		return -1;
	*out = (struct pb_bdf){ (uint16_t)f[0].value, (uint8_t)f[1].value, PB_DEVFN(f[2].value, f[3].value) };
	return 0;
}

int pb_bdf_parse_root(const char *s, struct pb_bdf *out)
{
	struct pb_bdf_text t;
	if (pb_bdf_scan(s, PB_BDF_ROOT, &t) || *t.end != '\0' || t.f[0].value > 0xffff || t.f[1].value > 0xff)
		return -1;
	*out = (struct pb_bdf){ (uint16_t)t.f[0].value, (uint8_t)t.f[1].value, 0 };
	return 0;
}

char *pb_bdf_format(const struct pb_bdf *bdf, char *buf)
{
	snprintf(buf, PB_BDF_STRLEN, "%04x:%02x:%02x.%x", bdf->domain, bdf->bus, PB_SLOT(bdf->devfn),
		 PB_FUNC(bdf->devfn));
	return buf;
}

char *pb_bdf_format_lspci(const struct pb_bdf *bdf, char *buf)
{
	if (bdf->domain)
		return pb_bdf_format(bdf, buf);
	snprintf(buf, PB_BDF_STRLEN, "%02x:%02x.%x", bdf->bus, PB_SLOT(bdf->devfn), PB_FUNC(bdf->devfn));
	return buf;
}

char *pb_bdf_format_pv(const struct pb_bdf *bdf, char *buf)
{
	snprintf(buf, PB_BDF_STRLEN, "%04x:%02x:%02x.%02x", bdf->domain, bdf->bus, PB_SLOT(bdf->devfn),
		 PB_FUNC(bdf->devfn));
	return buf;
}

char *pb_bdf_format_root(uint16_t domain, uint8_t bus, char *buf)
{
	snprintf(buf, PB_BDF_STRLEN, "%04x:%02x", domain, bus);
	return buf;
}

bool pb_bdf_equal(const struct pb_bdf *a, const struct pb_bdf *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->devfn == b->devfn;
}
