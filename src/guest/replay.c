/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcifront replay: a recorded guest session (a trace) posted again, each answer compared with the recorded one. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_out.h"
#include "dispatch/trace.h"
#include "guest/pcifront.h"

#define MAX_LINE 65536
#define MAX_NAMES 8            /* other guests named in the "no op of" message */

struct reader {
	FILE *f;
	const char *path;
	char *buf;                 /* MAX_LINE + 1 bytes: memory is bounded whatever the file holds */
	unsigned long line;
};

/*
 * The next line into rd->buf, without its newline: 1, 0 at the end, or -1
 * with err (a read error, a line longer than MAX_LINE, a NUL byte).
 */
static int next_line(struct reader *rd, char *err, size_t errlen)
{
	size_t n = 0;
	bool nul = false;
	int ch;
	errno = 0;
	while ((ch = getc(rd->f)) != EOF && ch != '\n') {
		if (n == MAX_LINE) {
			snprintf(err, errlen, "%s:%lu: longer than %d bytes", rd->path, rd->line + 1, MAX_LINE);
			return -1;
		}
		nul = nul || !ch;
		rd->buf[n++] = (char)ch;
	}
	if (ch == EOF && ferror(rd->f)) {
		snprintf(err, errlen, "%s: %s", rd->path, strerror(errno ? errno : EIO));
		return -1;
	}
	if (ch == EOF && !n)
		return 0;
	rd->buf[n] = 0;
	rd->line++;
	if (nul) {
		snprintf(err, errlen, "%s:%lu: a NUL byte in the line", rd->path, rd->line);
		return -1;
	}
	return 1;
}

/*
 * The next record: 1, 0 at the end, or -1 with err.  Blank lines are
 * skipped; any other line must be a valid trace line.
 */
static int next_rec(struct reader *rd, struct trace_rec *r, char *err, size_t errlen)
{
	int k;
	while ((k = next_line(rd, err, errlen)) > 0) {
		if (!rd->buf[strspn(rd->buf, " \t\r")])
			continue;
		rd->buf[strcspn(rd->buf, "\r")] = 0; /* columns in messages count from the line's start to its end */
		char e[256];
		if (trace_read_line(rd->buf, r, e, sizeof(e))) {
			snprintf(err, errlen, "%s:%lu: %s", rd->path, rd->line, e);
			return -1;
		}
		return 1;
	}
	return k;
}

/* Checks the whole trace before anything is posted: the number of ops of `from`, or -1 with err. */
static long check_trace(struct reader *rd, const char *from, struct trace_rec *r, char *err, size_t errlen)
{
	long count = 0;
	char names[MAX_NAMES][64];
	size_t nnames = 0;
	int k;
	while ((k = next_rec(rd, r, err, errlen)) > 0) {
		if (!strcmp(r->guest, from)) {
			count++;
			continue;
		}
		size_t i = 0;
		while (i < nnames && strncmp(names[i], r->guest, sizeof(names[i]) - 1))
			i++;
		if (i == nnames && nnames < MAX_NAMES)
			snprintf(names[nnames++], sizeof(names[0]), "%.63s", r->guest);
	}
	if (k < 0)
		return -1;
	if (!count) {
		/* Names from the file are untrusted bytes: quoted as JSON strings, no control character printed. */
		char q[160];
		int n = snprintf(err, errlen, "%s has no op of guest %s", rd->path, json_quote(q, sizeof(q), from));
		for (size_t i = 0; i < nnames && n > 0 && (size_t)n < errlen; i++)
			n += snprintf(err + n, errlen - (size_t)n, "%s%s", i ? ", " : " (it has ops of ",
				      json_quote(q, sizeof(q), names[i]));
		if (nnames && n > 0 && (size_t)n < errlen)
			snprintf(err + n, errlen - (size_t)n, "%s)", nnames == MAX_NAMES ? ", ..." : "");
		return -1;
	}
	return count;
}

/* Writes the differences between the answer op and the recorded one; true if there was any. */
static bool compare(FILE *out, unsigned long line, const struct trace_rec *r, const struct pciif_op *op)
{
	char d[400];
	int n = 0;
	if (op->err != r->err)
		n += snprintf(d + n, sizeof(d) - (size_t)n, "%serr %" PRId32 " (recorded %" PRId32 ")", n ? ", " : "",
			      op->err, r->err);
	if (op->value != r->out)
		n += snprintf(d + n, sizeof(d) - (size_t)n, "%sout 0x%" PRIx32 " (recorded 0x%" PRIx32 ")", n ? ", " : "",
			      op->value, r->out);
	if (r->op.cmd == PCIIF_OP_ENABLE_MSIX && !op->err && !op->value)
		for (uint32_t i = 0; i < r->nvec; i++)
			if (op->msix_entries[i].vector != r->vectors[i]) {
				n += snprintf(d + n, sizeof(d) - (size_t)n, "%svector of entry %u %u (recorded %u)",
					      n ? ", " : "", r->op.msix_entries[i].entry, op->msix_entries[i].vector,
					      r->vectors[i]);
				break;
			}
	if (!n)
		return false;
	fprintf(out,
		"line %lu: %s %04" PRIx32 ":%02" PRIx32 ":%02" PRIx32 ".%" PRIx32 " offset 0x%" PRIx32 " size %" PRId32
		" in 0x%" PRIx32 ": %s\n",
		line, pciif_cmd_name(r->op.cmd), r->op.domain, r->op.bus, r->op.devfn >> 3, r->op.devfn & 7,
		(uint32_t)r->op.offset, r->op.size, r->op.value, d);
	return true;
}

int pf_replay(struct pf_conn *c, const char *path, const char *from, FILE *out, struct pf_replay_stats *st,
	      char *err, size_t errlen)
{
	memset(st, 0, sizeof(*st));
	struct reader rd = { .path = path, .buf = malloc(MAX_LINE + 1) };
	struct trace_rec *r = malloc(sizeof(*r));
	rd.f = r && rd.buf ? fopen(path, "r") : NULL;
	int rc = -1;
	if (!rd.f) {
		snprintf(err, errlen, "%s: %s", path, strerror(r && rd.buf ? errno : ENOMEM));
		goto out;
	}
	long count = check_trace(&rd, from, r, err, errlen);
	if (count < 0)
		goto out;
	rewind(rd.f);
	rd.line = 0;
	int k;
	while ((k = next_rec(&rd, r, err, errlen)) > 0) {
		if (strcmp(r->guest, from))
			continue;
		struct pciif_op op = r->op;
		if (op.cmd == PCIIF_OP_ENABLE_MSIX)
			for (uint32_t i = 0; i < PCIIF_MAX_VEC; i++)
				op.msix_entries[i].vector = 0xffff; /* as a frontend posts them */
		int e = pf_op(c, &op);
		if (e) {
			char b[160];
			snprintf(err, errlen, "%s:%lu: %s%s%s", path, rd.line, pf_strerror(e, b, sizeof(b)),
				 *pf_last_error(c) ? ": " : "", pf_last_error(c));
			goto out;
		}
		st->ops++;
		if (compare(out, rd.line, r, &op))
			st->differences++;
	}
	if (k < 0)
		goto out;
	if (st->ops != (size_t)count) {
		snprintf(err, errlen, "%s changed while it was replayed", path);
		goto out;
	}
	rc = 0;
out:
	if (rd.f)
		fclose(rd.f);
	free(rd.buf);
	free(r);
	return rc;
}
