/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cost of a virtualized config access against a raw access to the simulated
 * device, for a header register, a capability register and an extended
 * register (cap-pcie-2.lspci: PM at 0x40, extended space at 0x100).
 *
 *   bench_cfgspace [FIXTURE]                   all cases, ns/op table
 *   bench_cfgspace FIXTURE CASE ITERATIONS     one case, silent (for callgrind)
 *
 * bench/run_cfgspace_bench.sh adds instructions/op from callgrind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfgspace/cfgspace.h"
#include "host/simdev.h"

struct bcase {
	const char *name;
	const char *what;
	unsigned off, size;
	int write;          /* 0 read, 1 write */
	uint32_t v0, v1;    /* written values, alternating */
};

static const struct bcase cases[] = {
	{ "hdr_read", "header: command (0x04), 2 bytes", 0x04, 2, 0, 0, 0 },
	{ "hdr_write", "header: cache line (0x0c), 1 byte", 0x0c, 1, 1, 0x10, 0x20 },
	{ "cap_read", "capability: PM control/status (0x44), 2 bytes", 0x44, 2, 0, 0, 0 },
	{ "cap_write", "capability: PM control/status data select", 0x44, 2, 1, 0x0000, 0x0200 },
	{ "ext_read", "extended: capability header (0x100), 4 bytes", 0x100, 4, 0, 0, 0 },
	{ "ext_write", "extended: AER register (0x104), 4 bytes (dropped)", 0x104, 4, 1, 0, 0xffffffff },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static volatile uint32_t sink;

__attribute__((noinline)) static void run(struct hostdev *hd, struct cfg_dev *cd, const struct bcase *c, int raw,
					  long iters)
{
	uint32_t v, acc = 0;
	for (long i = 0; i < iters; i++) {
		uint32_t w = (i & 1) ? c->v1 : c->v0;
		if (raw) {
			if (c->write)
				hostdev_write(hd, c->off, c->size, w);
			else
				hostdev_read(hd, c->off, c->size, &v), acc += v;
		} else {
			if (c->write)
				cfg_write(cd, c->off, c->size, w);
			else
				cfg_read(cd, c->off, c->size, &v), acc += v;
		}
		if ((i & 4095) == 4095)
			simdev_clear_writes(hd); /* keep the write record small */
	}
	sink = acc;
}

static double ns_per_op(struct hostdev *hd, struct cfg_dev *cd, const struct bcase *c, int raw)
{
	long iters = 1000;
	for (;;) {
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		run(hd, cd, c, raw, iters);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
		if (ns > 2e8 || iters > (1L << 28))
			return ns / iters;
		iters *= 4;
	}
}

int main(int argc, char **argv)
{
	char spec[2048], err[256];
	const char *fixture = argc > 1 ? argv[1] : PB_FIXTURES_DIR "/cap-pcie-2.lspci";
	snprintf(spec, sizeof(spec), "%s", fixture);
	struct hostdev *hd = simdev_load(spec, err, sizeof(err));
	if (!hd) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	struct cfg_dev *cd = cfg_dev_new(hd, NULL, err, sizeof(err));
	if (!cd) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (argc > 3) { /* one case: CASE = NAME or raw:NAME */
		const char *name = argv[2];
		int raw = !strncmp(name, "raw:", 4);
		if (raw)
			name += 4;
		for (size_t i = 0; i < NCASES; i++)
			if (!strcmp(cases[i].name, name))
				run(hd, cd, &cases[i], raw, atol(argv[3]));
	} else {
		printf("%-10s %-52s %10s %10s %7s\n", "case", "register", "virt ns", "raw ns", "ratio");
		for (size_t i = 0; i < NCASES; i++) {
			double v = ns_per_op(hd, cd, &cases[i], 0), r = ns_per_op(hd, cd, &cases[i], 1);
			printf("%-10s %-52s %10.1f %10.1f %7.2f\n", cases[i].name, cases[i].what, v, r, v / r);
		}
	}
	cfg_dev_free(cd);
	hostdev_destroy(hd);
	return 0;
}
