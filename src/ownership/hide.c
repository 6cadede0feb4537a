/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xen-pciback hide= grammar: parsing it, and matching a device (or a bridge above it) against its
 * groups.
 */
#include "hide.h"

#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/sysfs_attr.h"
#include "proto/pci_regs.h"

/* One field of a group: its name, its limit, and whether '*' is allowed. */
struct field_rule {
	const char *name;
	unsigned long max;
	bool wildcard;
};

static const struct field_rule RULE_DOMAIN = { "domain", 0xffff, false };
static const struct field_rule RULE_BUS = { "bus", 0xff, false };
static const struct field_rule RULE_SLOT = { "slot", 0x1f, true };
static const struct field_rule RULE_FUNC = { "function", 0x7, true };

struct group_ctx {
	unsigned index;
	const char *text;  /* the group from '(' */
	int len;           /* through ')' when present */
	char *err;
	size_t errlen;
};

static int group_error(const struct group_ctx *g, const char *fmt, const char *a, const char *b)
{
	char what[160];
	snprintf(what, sizeof(what), fmt, a, b);
	snprintf(g->err, g->errlen, "hide: group %u \"%.*s\": %s", g->index, g->len, g->text, what);
	return -1;
}

static int expect(const struct group_ctx *g, const char *p, char c, const char *after)
{
	if (*p == c)
		return 0;
	char got[16], want[40];
	if (*p)
		snprintf(got, sizeof(got), "'%c'", *p);
	else
		snprintf(got, sizeof(got), "the end");
	snprintf(want, sizeof(want), "'%c' after the %s", c, after);
	return group_error(g, "expected %s, found %s", want, got);
}

static int check_field(const struct group_ctx *g, const struct pb_bdf_field *f, const struct field_rule *r)
{
	if (f->value == PB_BDF_ANY)
		return r->wildcard ? 0 : group_error(g, "%s cannot be '*'%s", r->name, "");
	if ((unsigned long)f->value <= r->max)
		return 0;
	char num[24], what[64];
	snprintf(num, sizeof(num), "%.*s", f->len > 16 ? 16 : f->len, f->text);
	snprintf(what, sizeof(what), "%s %%s out of range (at most %lx)%%s", r->name, r->max);
	return group_error(g, what, num, "");
}

/* Parses one group, g->text[0] being '(': an address in the grammar of bdf.h, with blanks and '*'. */
static int parse_group(const struct group_ctx *g, struct hide_id *id)
{
	static const char *const names[3] = { "first number", "second number", "third number" };
	struct pb_bdf_text t;
	if (pb_bdf_scan(g->text + 1, PB_BDF_WILDCARD | PB_BDF_BLANKS, &t)) {
		const char *p = t.end;
		switch (t.fault) {
		case PB_BDF_NO_COLON:
			return expect(g, p, ':', "bus");
		case PB_BDF_NO_DOT:
			return expect(g, p, '.', "slot");
		default:
			return group_error(g, "%s: expected a hex number%s",
					   t.fault == PB_BDF_NO_FUNCTION ? "function" : names[t.at],
					   *p == ')' || !*p ? ", found nothing" : "");
		}
	}
	if (expect(g, t.end, ')', "function"))
		return -1;
	static const struct pb_bdf_field dom = { "0", 1, 0 };
	const struct pb_bdf_field *fd = t.n == 3 ? &t.f[0] : &dom, *fb = &t.f[t.n - 2], *fs = &t.f[t.n - 1],
				  *ff = &t.f[t.n];
	if (check_field(g, fd, &RULE_DOMAIN) || check_field(g, fb, &RULE_BUS) || check_field(g, fs, &RULE_SLOT) ||
	    check_field(g, ff, &RULE_FUNC))
		return -1;
	if (fs->value == PB_BDF_ANY && ff->value != PB_BDF_ANY)
		return group_error(g, "a '*' slot needs a '*' function%s%s", "", "");
	*id = (struct hide_id){ (uint16_t)fd->value, (uint8_t)fb->value,
				(int8_t)(fs->value == PB_BDF_ANY ? HIDE_ANY : fs->value),
				(int8_t)(ff->value == PB_BDF_ANY ? HIDE_ANY : ff->value) };
	return 0;
}

static bool same_id(const struct hide_id *a, const struct hide_id *b)
{
	return a->domain == b->domain && a->bus == b->bus && a->slot == b->slot && a->func == b->func;
}

int hide_parse(const char *s, struct hide_list *out, char *err, size_t errlen)
{
	out->ids = NULL;
	out->count = 0;
	size_t cap = 0;
	unsigned index = 0;
	const char *p = s;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			return 0;
		index++;
		if (*p != '(') {
			snprintf(err, errlen, "hide: group %u: expected '(' at position %zu, found '%c'", index,
				 (size_t)(p - s), *p);
			goto fail;
		}
		const char *close = strchr(p, ')');
		const char *next = strchr(p + 1, '(');
		int len = close && (!next || close < next) ? (int)(close - p + 1) : (int)strcspn(p + 1, "(") + 1;
		struct group_ctx g = { index, p, len, err, errlen };
		struct hide_id id;
		if (parse_group(&g, &id))
			goto fail;
		p = close + 1;
		bool dup = false;
		for (size_t i = 0; i < out->count; i++)
			dup = dup || same_id(&out->ids[i], &id);
		if (dup)
			continue;
		if (out->count == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct hide_id *n = realloc(out->ids, ncap * sizeof(*n));
			if (!n) {
				snprintf(err, errlen, "hide: out of memory");
				goto fail;
			}
			out->ids = n;
			cap = ncap;
		}
		out->ids[out->count++] = id;
	}
fail:
	hide_free(out);
	return -1;
}

void hide_free(struct hide_list *l)
{
	free(l->ids);
	l->ids = NULL;
	l->count = 0;
}

bool hide_match_addr(const struct hide_list *l, const struct pb_bdf *a)
{
	for (size_t i = 0; i < l->count; i++) {
		const struct hide_id *id = &l->ids[i];
		if (id->domain != a->domain || id->bus != a->bus)
			continue;
		if (id->slot != HIDE_ANY && id->slot != PB_SLOT(a->devfn))
			continue;
		if (id->func != HIDE_ANY && id->func != PB_FUNC(a->devfn))
			continue;
		return true;
	}
	return false;
}

bool hide_match_device(const struct hide_list *l, const struct host_options *opt, const struct pb_bdf *addr)
{
	if (hide_match_addr(l, addr))
		return true;
	char path[PATH_MAX], real[PATH_MAX], bdf[PB_BDF_STRLEN];
	snprintf(path, sizeof(path), "%s/devices/%s", host_opt_sysfs(opt), pb_bdf_format(addr, bdf));
	if (!realpath(path, real))
		return false;
	/* /sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0: every component naming a function is above or is it. */
	for (char *save = NULL, *c = strtok_r(real, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		struct pb_bdf up;
		char e[8];
		if (strlen(c) == 12 && pb_bdf_parse(c, &up, e, sizeof(e)) == 0 && hide_match_addr(l, &up))
			return true;
	}
	return false;
}

int hide_find_devices(const struct hide_list *l, const struct host_options *opt, struct pb_bdf *out, size_t max,
		      char *err, size_t errlen)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/devices", host_opt_sysfs(opt));
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "hide: cannot list %s", dir);
		return -1;
	}
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		struct pb_bdf a;
		char msg[8], path[PATH_MAX], cls[32];
		if (e->d_name[0] == '.' || pb_bdf_parse(e->d_name, &a, msg, sizeof(msg)))
			continue;
		if (!hide_match_device(l, opt, &a))
			continue;
		int pn = snprintf(path, sizeof(path), "%s/%s/class", dir, e->d_name);
		if (pn < 0 || (size_t)pn >= sizeof(path) || sysfs_attr_read(path, cls, sizeof(cls)) || (strtoul(cls, NULL, 0) >> 16) == PCI_BASE_CLASS_BRIDGE)
			continue;
		if ((size_t)n < max)
			out[n] = a;
		n++;
	}
	closedir(d);
	return n;
}
