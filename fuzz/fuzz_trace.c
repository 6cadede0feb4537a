/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Trace lines (dispatch/trace_read.c, over common/json_flat.c), as pcifront
 * replay reads them from an untrusted file: any text is refused or read
 * without a fault; every member the JSON parser returns lies inside the text;
 * a line read is written back by the trace's writer (trace_op) to a line
 * that reads back to the same op and answer, and is then a fixed point.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_flat.h"
#include "dispatch/dispatch.h"
#include "dispatch/trace.h"

#include "fuzz_check.h"

#define MAX_TEXT 8192

/* Writes r back as trace_op does for the op it describes; the line in out (NUL-terminated). */
static void write_back(const struct trace_rec *r, char *out, size_t len)
{
	struct dispatch_result res = { .err = r->err, .value = r->out, .nvec = r->nvec };
	memcpy(res.vectors, r->vectors, sizeof(res.vectors));
	FILE *f = fmemopen(out, len, "w");
	CHECK(f);
	trace_op(f, r->guest, &r->op, &res, 1);
	CHECK(!ferror(f));
	fclose(f);
	out[len - 1] = 0;
	char *nl = strchr(out, '\n');
	CHECK(nl && !nl[1]);
	*nl = 0;
}

static void same_op(const struct trace_rec *a, const struct trace_rec *b)
{
	CHECK(a->op.cmd == b->op.cmd && a->op.domain == b->op.domain && a->op.bus == b->op.bus &&
	      a->op.devfn == b->op.devfn && a->op.offset == b->op.offset && a->op.size == b->op.size &&
	      a->op.value == b->op.value && a->err == b->err && a->out == b->out && a->nvec == b->nvec);
	CHECK(!memcmp(a->vectors, b->vectors, sizeof(a->vectors)));
	if (a->op.cmd == PCIIF_OP_ENABLE_MSIX)
		/* The writer writes as many entries as the op asks for. */
		for (uint32_t i = 0; i < a->op.value && i < PCIIF_MAX_VEC; i++)
			CHECK(a->op.msix_entries[i].entry == b->op.msix_entries[i].entry);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= MAX_TEXT)
		return 0;
	char *text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = 0;
	size_t n = strlen(text);
	char err[256];

	/* The parser alone: members inside the text, strings terminated at their length. */
	char *copy = strdup(text);
	struct jf_object o;
	if (!jf_parse(copy, &o, err, sizeof(err))) {
		CHECK(o.n <= JF_MAX_MEMBERS);
		for (size_t i = 0; i < o.n; i++) {
			const struct jf_member *m = &o.m[i];
			CHECK(m->key >= copy && m->key + strlen(m->key) <= copy + n);
			CHECK(m->text >= copy && m->text + m->len <= copy + n && strlen(m->text) == m->len);
			CHECK(jf_get(&o, m->key) == m);
		}
	} else {
		CHECK(!strncmp(err, "column ", 7));
	}
	free(copy);

	struct trace_rec *r1 = malloc(sizeof(*r1)), *r2 = malloc(sizeof(*r2)), *r3 = malloc(sizeof(*r3));
	char *line = malloc(MAX_TEXT * 2);
	if (!trace_read_line(text, r1, err, sizeof(err))) {
		write_back(r1, line, MAX_TEXT * 2);
		CHECK(!trace_read_line(line, r2, err, sizeof(err)));
		same_op(r1, r2);
		write_back(r2, line, MAX_TEXT * 2);
		CHECK(!trace_read_line(line, r3, err, sizeof(err)));
		same_op(r2, r3);
		CHECK(!strcmp(r2->guest, r3->guest));
	} else {
		CHECK(err[0]);
	}
	free(line);
	free(r1);
	free(r2);
	free(r3);
	free(text);
	return 0;
}
