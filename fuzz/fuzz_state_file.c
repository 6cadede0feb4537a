/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state file's reader (core/pool_state.h, core/state_file.h) on
 * arbitrary records.  The input is the file's body: the harness adds the
 * version line and a correct end line, so that the records themselves are
 * what is fuzzed (the container's checks are tested in tests/core).
 * Invariants: a refused file yields a message and no state; an accepted one
 * holds only what the daemon can hold (bounded counts, sizes 1/2/4, offsets
 * inside config space, whole device records).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/pool_state.h"
#include "core/state_file.h"

#include "fuzz_check.h"

static char path[64];

static uint64_t fnv1a(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/pbfuzz-state.%d", (int)getpid());
	char head[32];
	int hn = snprintf(head, sizeof(head), "%s %d\n", SF_MAGIC, SF_VERSION);
	size_t nl = 0;
	for (size_t i = 0; i < size; i++)
		nl += data[i] == '\n';
	uint64_t h = fnv1a(fnv1a(0xcbf29ce484222325ull, (const uint8_t *)head, (size_t)hn), data, size);
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(head, 1, (size_t)hn, f);
	fwrite(data, 1, size, f);
	fprintf(f, "end %zu %016llx\n", nl, (unsigned long long)h);
	fclose(f);
	struct pool_state st;
	char err[512] = "";
	int rc = pool_state_load(path, &st, err, sizeof(err));
	if (rc) {
		CHECK(rc < 0 && err[0] && st.ndevs == 0 && !st.devs);
		return 0;
	}
	CHECK(st.ndevs <= POOL_MAX_DEVS && st.transport[0] && st.where[0]);
	for (size_t i = 0; i < st.ndevs; i++) {
		const struct ps_dev *d = &st.devs[i];
		CHECK(d->source[0] && d->cfg && d->cfg->nfields > 0 && d->cfg->nfields <= CFG_SAVED_MAX_FIELDS);
		for (size_t k = 0; k < d->cfg->nfields; k++) {
			const struct cfg_saved_field *fl = &d->cfg->fields[k];
			CHECK((fl->size == 1 || fl->size == 2 || fl->size == 4) && fl->off <= 0xfff);
		}
		CHECK(d->cfg->nquirks <= CFG_SAVED_MAX_FIELDS && d->irq.nmsix <= PCIIF_MAX_VEC);
		CHECK(!d->sim || d->simst.cfg_size == 256 || d->simst.cfg_size == 4096);
		CHECK(d->simst.nwrites <= SIMDEV_SAVED_MAX_WRITES && d->simst.nmsix <= SIMDEV_MSIX_MAX);
		for (size_t k = 0; k < d->simst.nmsix; k++)
			CHECK(d->simst.msix[k].entry < SIMDEV_MSIX_MAX);
		CHECK(strlen(d->guest) < sizeof(d->guest));
	}
	pool_state_free(&st);
	return 0;
}
