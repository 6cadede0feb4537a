/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --trace: one key=value line per op (guest, op, address, offset, size, values, error, time spent).
 */
#include "trace.h"

#include <inttypes.h>

#include "dispatch/dispatch.h"

void trace_op(FILE *f, const char *guest, const struct pciif_op *op, const struct dispatch_result *res,
	      uint64_t ns)
{
	const char *en = pciif_err_name(res->err);
	fprintf(f,
		"guest=%s op=%s addr=%04" PRIx32 ":%02" PRIx32 ":%02" PRIx32 ".%" PRIx32
		" off=0x%03" PRIx32 " size=%" PRId32 " in=0x%" PRIx32 " out=0x%" PRIx32 " err=%" PRId32 "(%s) ns=%" PRIu64
		"\n",
		guest, pciif_cmd_name(op->cmd), op->domain, op->bus, (op->devfn >> 3) & 0x1fffffff, op->devfn & 7,
		(uint32_t)op->offset, op->size, op->value, res->value, res->err, en ? en : "errno", ns);
	fflush(f);
}
