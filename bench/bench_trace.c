/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the trace costs the dispatcher: ns per op (a 2-byte read of the
 * command register of a simulated device through dispatch_pending) with the
 * trace off, and on into /dev/null (each line formatted and written, as
 * --trace does), best of several rounds.
 *
 *   bench_trace [FIXTURES_DIR]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dispatch/dispatch.h"
#include "host/simdev.h"

#define OPS 200000
#define ROUNDS 5

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double best_ns_per_op(struct dispatch_guest *g, struct pciif_sharedinfo *sh)
{
	double best = 0;
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();
		for (int i = 0; i < OPS; i++) {
			sh->op.cmd = PCIIF_OP_CONF_READ;
			sh->op.offset = 4;
			sh->op.size = 2;
			sh->flags |= PCIIF_FLAG_F_ACTIVE;
			if (!dispatch_pending(g, sh)) {
				fprintf(stderr, "bench_trace: an op was not answered\n");
				exit(1);
			}
		}
		double ns = (now_ns() - t0) / OPS;
		if (!r || ns < best)
			best = ns;
	}
	return best;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : PB_FIXTURES_DIR;
	char spec[512], err[300];
	snprintf(spec, sizeof(spec), "%s/microvm-virtio.lspci#00:02.0", dir);
	struct hostdev *hd = simdev_load(spec, err, sizeof(err));
	struct pb_dev dev = { .host = hd };
	if (!hd || !(dev.cfg = cfg_dev_new(hd, NULL, err, sizeof(err)))) {
		fprintf(stderr, "bench_trace: %s\n", err);
		return 1;
	}
	static struct topology topo;
	static struct dispatch_guest g;
	static struct pciif_sharedinfo sh;
	topo_init(&topo, TOPO_VPCI);
	if (topo_add(&topo, hd, &dev, NULL, err, sizeof(err))) {
		fprintf(stderr, "bench_trace: %s\n", err);
		return 1;
	}
	dispatch_guest_init(&g, "g1", &topo);
	FILE *null = fopen("/dev/null", "w");
	if (!null) {
		perror("bench_trace: /dev/null");
		return 1;
	}
	setvbuf(null, NULL, _IOLBF, 0);
	double off = best_ns_per_op(&g, &sh);
	g.trace = null;
	double on = best_ns_per_op(&g, &sh);
	g.trace = NULL;
	double off2 = best_ns_per_op(&g, &sh);
	printf("%-28s %10s\n", "trace", "ns/op");
	printf("%-28s %10.1f\n", "off", off);
	printf("%-28s %10.1f\n", "on, into /dev/null", on);
	printf("%-28s %10.1f\n", "off again", off2);
	printf("on / off: %.1fx\n", on / (off < off2 ? off : off2));
	fclose(null);
	dispatch_guest_fini(&g);
	cfg_dev_free(dev.cfg);
	hostdev_destroy(hd);
	return 0;
}
