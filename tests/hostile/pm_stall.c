/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A guest looping D3hot/D0 through PMCSR must not stall anyone else.
 * pm_stall SOCKET [--pairs N] talks to a daemon serving, on the local
 * transport, guest "victim" (microvm-virtio 00:02.0) and guest "pm"
 * (cap-dev3, an NVMe with power management), both simulated
 * (test_pm_stall.sh starts it).  In each of three rounds the victim
 * measures its conf_read round trips alone, then while "pm" (a child,
 * through the pcifront library) writes D3hot and D0 N times each (default
 * 150: 300 transitions, each at least 10 ms).  Exits 1 unless:
 *   - every transition was answered only after the time the device needs
 *     (10 ms around D3hot, the PCI PM specification's), so the guest never
 *     touches a device that is not ready;
 *   - the victim was served while transitions were in flight: on average at
 *     least MIN_READS_PER_TRANSITION of its reads both started after a
 *     transition was posted and were answered before that transition was.
 *     A daemon that waits out a transition on its one thread answers no one
 *     meanwhile, so at most a read or two (served before it started
 *     waiting) can fit; a daemon that answers the transition from a timer
 *     fits dozens (a round trip is tens of microseconds), and keeps fitting
 *     them on a busy machine unless one round trip takes a millisecond on
 *     average.  The count does not depend on the machine's speed the way a
 *     latency bound does.
 * It also prints the victim's p99 alone and during the loop (on a quiet
 * machine the latter stays under 1 ms) for the record: a latency bound
 * would fail on a loaded machine without any defect, so it is not a pass
 * criterion.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest/pcifront.h"

#define PMCSR 0x44          /* cap-dev3 01:00.0: power management at 0x40 */
#define TRANSITION_NS 10000000ull
#define MIN_READS_PER_TRANSITION 5
#define ROUNDS 3
#define MAX_TRANSITIONS 200000

static const char *sock_path;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "pm_stall: %s\n", what);
	exit(2);
}

/* Each transition's [posted, answered] (ns), written by the child into memory shared with the parent. */
struct span {
	uint64_t start, end;
};
static struct span *transitions;

/* The child: n D3hot/D0 pairs, each recorded in transitions[]; writes the shortest round trip (ns) to out. */
static void pm_loop(unsigned n, int out)
{
	char err[256];
	struct pf_conn *c = pf_connect(sock_path, "pm", err, sizeof(err));
	if (!c)
		_exit(3);
	const struct pb_bdf a = { 0, 0, 0 };
	uint32_t pmcsr;
	if (pf_read(c, &a, PMCSR, 2, &pmcsr))
		_exit(3);
	uint64_t shortest = UINT64_MAX;
	for (unsigned i = 0; i < 2 * n; i++) {
		uint32_t v = (pmcsr & ~0x8003u) | (i % 2 ? 0u : 3u);
		uint64_t start = now_ns();
		if (pf_write(c, &a, PMCSR, 2, v))
			_exit(4);
		uint64_t end = now_ns(), t = end - start;
		transitions[i] = (struct span){ start, end };
		if (t < shortest)
			shortest = t;
	}
	pf_close(c);
	if (write(out, &shortest, sizeof(shortest)) != sizeof(shortest))
		_exit(5);
	_exit(0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

#define MAX_SAMPLES 2000000
static uint64_t samples[MAX_SAMPLES];
static struct span reads[MAX_SAMPLES];

/*
 * The victim's conf_read round trips: `min` of them, and until `child` (when
 * > 0) exits.  p99 in ns; each read's span is left in reads[0..count).
 */
static uint64_t measure(struct pf_conn *c, size_t min, pid_t child, int *status, size_t *count)
{
	const struct pb_bdf a = { 0, 0, 0 };
	size_t n = 0;
	for (;;) {
		uint32_t v;
		uint64_t t = now_ns();
		if (pf_read(c, &a, 0, 2, &v) || v != 0x1af4)
			die("victim: conf_read failed");
		if (n < MAX_SAMPLES) {
			uint64_t end = now_ns();
			reads[n] = (struct span){ t, end };
			samples[n++] = end - t;
		}
		if (n >= min && (child <= 0 || (n % 64 == 0 && waitpid(child, status, WNOHANG) == child)))
			break;
	}
	qsort(samples, n, sizeof(samples[0]), cmp_u64);
	*count = n;
	return samples[n * 99 / 100];
}

/* How many of the n reads (in time order) lie wholly inside one of the nt transitions (in time order). */
static size_t reads_inside(const struct span *r, size_t n, const struct span *tr, size_t nt)
{
	size_t inside = 0, j = 0;
	for (size_t i = 0; i < n; i++) {
		while (j < nt && tr[j].end < r[i].end)
			j++;
		if (j < nt && tr[j].start <= r[i].start && r[i].end <= tr[j].end)
			inside++;
	}
	return inside;
}

/* Loops D3hot/D0 until killed. */
static void pm_forever(void)
{
	char err[256];
	struct pf_conn *c = pf_connect(sock_path, "pm", err, sizeof(err));
	const struct pb_bdf a = { 0, 0, 0 };
	for (unsigned i = 0; c; i++)
		if (pf_write(c, &a, PMCSR, 2, i % 2 ? 0u : 3u))
			_exit(4);
	_exit(3);
}

/*
 * "pm" is killed five times while a D-state change of its waits (they take
 * nearly all its time): the daemon goes on serving the victim, and "pm" can
 * connect again and use its device.  Returns 1 on failure.
 */
static int killed_while_waiting(struct pf_conn *victim)
{
	const struct pb_bdf a = { 0, 0, 0 };
	for (int k = 0; k < 5; k++) {
		pid_t c = fork();
		if (c == 0)
			pm_forever();
		usleep(60000 + 3000 * (useconds_t)k);
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
	}
	uint32_t v = 0;
	char err[256];
	struct pf_conn *pm = NULL;
	for (int i = 0; i < 100 && !pm; i++) {
		pm = pf_connect(sock_path, "pm", err, sizeof(err));
		if (!pm)
			usleep(10000); /* until the daemon has seen the last one go */
	}
	int bad = !pm || pf_write(pm, &a, PMCSR, 2, 0) || pf_read(pm, &a, PMCSR, 2, &v) || (v & 3) ||
		  pf_read(victim, &a, 0, 2, &v) || v != 0x1af4;
	printf("%s: guest killed 5 times while its D-state change waited; then it and the victim are served\n",
	       bad ? "FAIL" : "ok");
	if (pm)
		pf_close(pm);
	return bad;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: pm_stall SOCKET [--pairs N]\n");
		return 2;
	}
	sock_path = argv[1];
	unsigned pairs = 150;
	if (argc >= 4 && !strcmp(argv[2], "--pairs"))
		pairs = (unsigned)strtoul(argv[3], NULL, 10);
	if (pairs < 1 || pairs > 100000)
		die("bad --pairs");

	char err[256];
	transitions = mmap(NULL, MAX_TRANSITIONS * sizeof(*transitions), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (transitions == MAP_FAILED || 2 * (size_t)pairs > MAX_TRANSITIONS)
		die("cannot map the transitions' record");
	struct pf_conn *victim = pf_connect(sock_path, "victim", err, sizeof(err));
	if (!victim)
		die(err);
	size_t n;
	measure(victim, 2000, 0, NULL, &n); /* warm-up */
	uint64_t shortest_all = UINT64_MAX;
	size_t inside_all = 0, transitions_all = 0;
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t solo = measure(victim, 20000, 0, NULL, &n);
		int p[2];
		if (pipe(p))
			die("pipe");
		uint64_t t0 = now_ns();
		pid_t child = fork();
		if (child == 0) {
			close(p[0]);
			pm_loop(pairs, p[1]);
		}
		close(p[1]);
		int st = 0;
		size_t nl;
		uint64_t loaded = measure(victim, 2000, child, &st, &nl);
		double secs = (double)(now_ns() - t0) / 1e9;
		uint64_t shortest = 0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) || read(p[0], &shortest, sizeof(shortest)) != sizeof(shortest))
			die("the PMCSR loop failed (connection dropped or an op failed)");
		close(p[0]);
		if (shortest < shortest_all)
			shortest_all = shortest;
		size_t inside = reads_inside(reads, nl, transitions, 2 * (size_t)pairs);
		inside_all += inside;
		transitions_all += 2 * (size_t)pairs;
		printf("round %d: victim alone p99 %.1f us (%zu reads); during %u D3hot/D0 pairs (%.1f s) p99 %.1f us "
		       "(%zu reads, %zu of them inside a transition: %.1f per transition); shortest transition %.2f ms\n",
		       r + 1, (double)solo / 1e3, n, pairs, secs, (double)loaded / 1e3, nl, inside,
		       (double)inside / (2.0 * pairs), (double)shortest / 1e6);
	}
	int bad = killed_while_waiting(victim);
	pf_close(victim);

	if (shortest_all < TRANSITION_NS) {
		printf("FAIL: a D-state change was answered after %.3f ms, before the device could be ready (%.0f ms)\n",
		       (double)shortest_all / 1e6, (double)TRANSITION_NS / 1e6);
		bad = 1;
	}
	if (inside_all < MIN_READS_PER_TRANSITION * transitions_all) {
		printf("FAIL: the victim's reads inside the other guest's transitions: %.2f per transition, fewer than %d: "
		       "the daemon stopped serving while a D-state change was in progress\n",
		       (double)inside_all / (double)transitions_all, MIN_READS_PER_TRANSITION);
		bad = 1;
	} else {
		printf("ok: the victim was served during the other guest's D-state changes (%.1f reads per transition)\n",
		       (double)inside_all / (double)transitions_all);
	}
	return bad;
}
