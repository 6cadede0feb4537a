/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The trace costs nothing when off: the dispatcher then reads no clock
 * (nor formats or writes anything: there is no file).  Every clock read of
 * the program goes through this file's clock_gettime, which counts them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dispatch/dispatch.h"
#include "one_guest.h"

static unsigned long clock_reads;

/* Interposes libc's (and the sanitizers'): counts, then asks the kernel. */
int clock_gettime(clockid_t id, struct timespec *ts)
{
	clock_reads++;
	return (int)syscall(SYS_clock_gettime, id, ts);
}

static const char *fixtures;

static int setup(void **state)
{
	static struct one_guest f;
	one_guest_init(&f, fixtures, "microvm-virtio.lspci#00:02.0");
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	one_guest_fini(*state);
	return 0;
}

/* n reads of every dword of the header; returns the clock reads they took. */
static unsigned long ops(struct one_guest *f, int n)
{
	unsigned long before = clock_reads;
	for (int i = 0; i < n; i++) {
		memset(&f->sh.op, 0, sizeof(f->sh.op));
		f->sh.op.cmd = PCIIF_OP_CONF_READ;
		f->sh.op.offset = (i * 4) % 64;
		f->sh.op.size = 4;
		f->sh.flags |= PCIIF_FLAG_F_ACTIVE;
		assert_true(dispatch_pending(&f->g, &f->sh));
	}
	return clock_reads - before;
}

static void test_off_reads_no_clock(void **state)
{
	struct one_guest *f = *state;
	/* The counter sees the dispatcher's clock: on, every op reads it (fetch, answer, wall time). */
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	f->g.trace = mem;
	unsigned long on = ops(f, 100);
	fclose(mem);
	assert_true(on >= 300);
	assert_true(len > 100 * 100);
	free(buf);
	f->g.trace = NULL;
	assert_int_equal(ops(f, 100), 0);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_off_reads_no_clock, setup, teardown),
	};
	return cmocka_run_group_tests_name("trace_cost", tests, NULL, NULL);
}
