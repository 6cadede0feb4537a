/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * PCI address parsing (common/bdf.c), every form on the same text: whatever
 * pb_bdf_parse, pb_bdf_parse_pv or pb_bdf_parse_root accepts must format back
 * (pb_bdf_format, _lspci, _pv, _root) to text that parses to an equal address; the
 * grammar under them, pb_bdf_scan, under every combination of its flags,
 * reports fields and an end inside the text, in range and in order.
 */
#include <stdint.h>
#include <string.h>

#include "common/bdf.h"

#include "fuzz_check.h"

static void check_scan(const char *s, size_t size, unsigned flags)
{
	struct pb_bdf_text t;
	int rc = pb_bdf_scan(s, flags, &t);
	CHECK(t.end >= s && t.end <= s + size);
	if (rc) {
		CHECK(rc == -1 && t.fault != PB_BDF_OK);
		CHECK(t.fault != PB_BDF_NO_NUMBER || t.at < 3);
		return;
	}
	CHECK(t.fault == PB_BDF_OK);
	CHECK(flags & PB_BDF_ROOT ? t.n == 2 : t.n == 2 || t.n == 3);
	unsigned nf = flags & PB_BDF_ROOT ? t.n : t.n + 1;
	const char *prev = s;
	for (unsigned i = 0; i < nf; i++) {
		const struct pb_bdf_field *f = &t.f[i];
		CHECK(f->text >= prev && f->len > 0 && f->text + f->len <= t.end);
		CHECK(f->value >= 0 || (f->value == PB_BDF_ANY && (flags & PB_BDF_WILDCARD) && f->len == 1));
		prev = f->text + f->len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[64];
	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	size = strlen(s);
	struct pb_bdf b, b2;
	char err[200], out[PB_BDF_STRLEN];
	if (pb_bdf_parse(s, &b, err, sizeof(err)) == 0) {
		pb_bdf_format(&b, out);
		CHECK(pb_bdf_parse(out, &b2, err, sizeof(err)) == 0 && pb_bdf_equal(&b, &b2));
		pb_bdf_format_pv(&b, out);
		CHECK(pb_bdf_parse_pv(out, &b2) == 0 && pb_bdf_equal(&b, &b2));
		pb_bdf_format_lspci(&b, out);
		CHECK(pb_bdf_parse(out, &b2, err, sizeof(err)) == 0 && pb_bdf_equal(&b, &b2));
	}
	if (pb_bdf_parse_pv(s, &b) == 0) {
		pb_bdf_format_pv(&b, out);
		CHECK(pb_bdf_parse_pv(out, &b2) == 0 && pb_bdf_equal(&b, &b2));
		pb_bdf_format(&b, out);
		CHECK(pb_bdf_parse(out, &b2, err, sizeof(err)) == 0 && pb_bdf_equal(&b, &b2));
	}
	if (pb_bdf_parse_root(s, &b) == 0) {
		CHECK(b.devfn == 0);
		pb_bdf_format_root(b.domain, b.bus, out);
		CHECK(pb_bdf_parse_root(out, &b2) == 0 && pb_bdf_equal(&b, &b2));
	}
	for (unsigned flags = 0; flags <= (PB_BDF_WILDCARD | PB_BDF_BLANKS | PB_BDF_ROOT); flags++)
		check_scan(s, size, flags);
	return 0;
}
