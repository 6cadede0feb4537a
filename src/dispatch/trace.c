/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --trace: writes one JSON line per op (the format: trace.h). */
#include "trace.h"

#include <inttypes.h>
#include <time.h>

#include "common/json_out.h"
#include "dispatch/dispatch.h"


void trace_op(FILE *f, const char *guest, const struct pciif_op *op, const struct dispatch_result *res,
	      uint64_t ns)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	fprintf(f, "{\"time\":%lld.%06ld,\"guest\":", (long long)now.tv_sec, now.tv_nsec / 1000);
	json_put_string(f, guest);
	fprintf(f,
		",\"device\":\"%04" PRIx32 ":%02" PRIx32 ":%02" PRIx32 ".%" PRIx32 "\",\"op\":\"%s\",\"cmd\":%" PRIu32
		",\"offset\":%" PRId32 ",\"size\":%" PRId32 ",\"in\":%" PRIu32 ",\"out\":%" PRIu32 ",\"err\":%" PRId32,
		op->domain, op->bus, op->devfn >> 3, op->devfn & 7, pciif_cmd_name(op->cmd), op->cmd, op->offset,
		op->size, op->value, res->value, res->err);
	const char *en = pciif_err_name(res->err);
	if (en)
		fprintf(f, ",\"err_name\":\"%s\"", en);
	if (op->cmd == PCIIF_OP_ENABLE_MSIX) {
		/* The entries asked for, as many as the guest said (at most the page holds). */
		uint32_t n = op->value < PCIIF_MAX_VEC ? op->value : PCIIF_MAX_VEC;
		fputs(",\"entries\":[", f);
		for (uint32_t i = 0; i < n; i++)
			fprintf(f, "%s%u", i ? "," : "", op->msix_entries[i].entry);
		fputc(']', f);
		if (res->nvec) {
			fputs(",\"vectors\":[", f);
			for (uint32_t i = 0; i < res->nvec && i < PCIIF_MAX_VEC; i++)
				fprintf(f, "%s%u", i ? "," : "", res->vectors[i]);
			fputc(']', f);
		}
	}
	fprintf(f, ",\"latency_ns\":%" PRIu64 "}\n", ns);
	fflush(f);
}
