/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a trace line back (the format: trace.h); every field of the untrusted line is checked. */
#include "trace.h"

#include <string.h>

#include "common/json_flat.h"

/* 1 to 8 hex digits at *s, up to the character stop; advances *s past stop. */
static int hex_field(const char **s, char stop, uint32_t *out)
{
	uint32_t v = 0;
	int n = 0;
	for (; **s != stop; (*s)++, n++) {
		char c = **s;
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
		if (d < 0 || n == 8)
			return -1;
		v = v << 4 | (uint32_t)d;
	}
	if (!n)
		return -1;
	if (stop)
		(*s)++;
	*out = v;
	return 0;
}

/* "DDDD:BB:SS.F" as trace_op writes it: hex fields of up to 32 bits, devfn = slot << 3 | function. */
static int parse_device(const char *s, struct pciif_op *op)
{
	uint32_t slot, fn;
	if (hex_field(&s, ':', &op->domain) || hex_field(&s, ':', &op->bus) || hex_field(&s, '.', &slot) ||
	    hex_field(&s, 0, &fn) || slot > (UINT32_MAX >> 3) || fn > 7)
		return -1;
	op->devfn = slot << 3 | fn;
	return 0;
}

int trace_read_line(char *line, struct trace_rec *r, char *err, size_t errlen)
{
	struct jf_object o;
	char e[200];
	if (jf_parse(line, &o, e, sizeof(e))) {
		snprintf(err, errlen, "not a JSON object: %s", e);
		return -1;
	}
	memset(r, 0, sizeof(*r));
	const char *guest, *dev;
	int64_t cmd, off, size, in, out, rerr;
	if (jf_string(&o, "guest", &guest, e, sizeof(e)) || jf_string(&o, "device", &dev, e, sizeof(e)) ||
	    jf_int(&o, "cmd", 0, UINT32_MAX, &cmd, e, sizeof(e)) ||
	    jf_int(&o, "offset", INT32_MIN, INT32_MAX, &off, e, sizeof(e)) ||
	    jf_int(&o, "size", INT32_MIN, INT32_MAX, &size, e, sizeof(e)) ||
	    jf_int(&o, "in", 0, UINT32_MAX, &in, e, sizeof(e)) || jf_int(&o, "out", 0, UINT32_MAX, &out, e, sizeof(e)) ||
	    jf_int(&o, "err", INT32_MIN, INT32_MAX, &rerr, e, sizeof(e))) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	if (!*guest || strlen(guest) >= sizeof(r->guest)) {
		snprintf(err, errlen, "\"guest\" is empty or longer than %zu bytes", sizeof(r->guest) - 1);
		return -1;
	}
	if (parse_device(dev, &r->op)) {
		snprintf(err, errlen, "\"device\" is not DDDD:BB:SS.F (hex)");
		return -1;
	}
	snprintf(r->guest, sizeof(r->guest), "%s", guest);
	r->op.cmd = (uint32_t)cmd;
	r->op.offset = (int32_t)off;
	r->op.size = (int32_t)size;
	r->op.value = (uint32_t)in;
	r->out = (uint32_t)out;
	r->err = (int32_t)rerr;
	if (r->op.cmd == PCIIF_OP_ENABLE_MSIX) {
		int64_t v[PCIIF_MAX_VEC];
		size_t n;
		if (jf_int_array(&o, "entries", 0, UINT16_MAX, v, PCIIF_MAX_VEC, &n, e, sizeof(e))) {
			snprintf(err, errlen, "enable_msix: %s", e);
			return -1;
		}
		for (size_t i = 0; i < n; i++)
			r->op.msix_entries[i].entry = (uint16_t)v[i];
		if (jf_get(&o, "vectors")) {
			if (jf_int_array(&o, "vectors", 0, UINT16_MAX, v, PCIIF_MAX_VEC, &n, e, sizeof(e))) {
				snprintf(err, errlen, "enable_msix: %s", e);
				return -1;
			}
			r->nvec = (uint32_t)n;
			for (size_t i = 0; i < n; i++)
				r->vectors[i] = (uint16_t)v[i];
		}
	}
	return 0;
}
