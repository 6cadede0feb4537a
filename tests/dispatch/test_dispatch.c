/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The op dispatcher: single fetch, validation of the private copy, error
 * codes, and a write-back that touches only err and value.
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
#include "dispatch/trace.h"
#include "host/simdev.h"
#include "one_guest.h"

static const char *fixtures;

/*
 * Every clock read of this program goes through here, counted: the trace
 * off costs the dispatcher no clock read (test_trace_off_costs_no_clock).
 */
static unsigned long clock_reads;
int clock_gettime(clockid_t id, struct timespec *ts)
{
	clock_reads++;
	return (int)syscall(SYS_clock_gettime, id, ts);
}

/* The fixture: one guest holding a virtio block device at 00:00.0. */

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

/* Posts an op as a frontend does, with recognisable filler in every field. */
static void post(struct one_guest *f, uint32_t cmd, uint32_t devfn, int32_t off, int32_t size, uint32_t value)
{
	memset(&f->sh.op, 0xa5, sizeof(f->sh.op));
	f->sh.op.cmd = cmd;
	f->sh.op.domain = 0;
	f->sh.op.bus = 0;
	f->sh.op.devfn = devfn;
	f->sh.op.offset = off;
	f->sh.op.size = size;
	f->sh.op.value = value;
	f->sh.flags |= PCIIF_FLAG_F_ACTIVE;
}

static void test_read_vendor(void **state)
{
	struct one_guest *f = *state;
	f->sh.flags = PCIIF_FLAG_B_AERHANDLER;
	post(f, PCIIF_OP_CONF_READ, 0, 0, 4, 0);
	assert_true(dispatch_pending(&f->g, &f->sh));
	assert_int_equal(f->sh.op.err, 0);
	assert_int_equal(f->sh.op.value, (uint32_t)f->hd->device_id << 16 | f->hd->vendor_id);
	/* Active bit cleared, the guest's other bits kept. */
	assert_int_equal(f->sh.flags, PCIIF_FLAG_B_AERHANDLER);
	assert_int_equal(f->g.stats.ops, 1);
}

static void test_writeback_is_selective(void **state)
{
	struct one_guest *f = *state;
	post(f, PCIIF_OP_CONF_READ, 0, 8, 2, 0);
	struct pciif_op before = f->sh.op;
	assert_true(dispatch_pending(&f->g, &f->sh));
	struct pciif_op after = f->sh.op;
	/* Everything but err and value is byte-for-byte what the guest wrote. */
	after.err = before.err;
	after.value = before.value;
	assert_memory_equal(&after, &before, sizeof(before));
}

static void test_validation(void **state)
{
	struct one_guest *f = *state;
	static const struct {
		uint32_t cmd, devfn;
		int32_t off, size;
		int32_t err;
	} cases[] = {
		{ PCIIF_OP_CONF_READ, 0, 0, 3, PCIIF_ERR_INVALID_OFFSET },      /* bad size */
		{ PCIIF_OP_CONF_READ, 0, 2, 4, PCIIF_ERR_INVALID_OFFSET },      /* misaligned */
		{ PCIIF_OP_CONF_READ, 0, 1, 2, PCIIF_ERR_INVALID_OFFSET },
		{ PCIIF_OP_CONF_READ, 0, -4, 4, PCIIF_ERR_INVALID_OFFSET },     /* negative */
		{ PCIIF_OP_CONF_READ, 0, 0x1000, 4, PCIIF_ERR_INVALID_OFFSET }, /* past the end */
		{ PCIIF_OP_CONF_READ, 0, 0x7ffffffc, 4, PCIIF_ERR_INVALID_OFFSET },
		{ PCIIF_OP_CONF_READ, 0, 0, 0, PCIIF_ERR_INVALID_OFFSET },
		{ PCIIF_OP_CONF_READ, 0, 0, -4, PCIIF_ERR_INVALID_OFFSET },
		{ PCIIF_OP_CONF_WRITE, 0, 2, 4, PCIIF_ERR_INVALID_OFFSET },
		{ PCIIF_OP_CONF_READ, 8, 0, 4, PCIIF_ERR_DEV_NOT_FOUND },       /* empty slot */
		{ PCIIF_OP_CONF_READ, 0x100, 0, 4, PCIIF_ERR_DEV_NOT_FOUND },   /* would alias devfn 0 */
		{ PCIIF_OP_CONF_WRITE, 0x100, 0, 4, PCIIF_ERR_DEV_NOT_FOUND },
		{ 11, 0, 0, 4, PCIIF_ERR_NOT_IMPLEMENTED },
		{ 0xffffffff, 0, 0, 4, PCIIF_ERR_NOT_IMPLEMENTED },
		{ PCIIF_OP_AER_DETECTED, 0, 0, 4, PCIIF_ERR_NOT_IMPLEMENTED },
		{ PCIIF_OP_ENABLE_MULTI_MSI, 0, 0, 4, PCIIF_ERR_NOT_IMPLEMENTED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		simdev_clear_writes(f->hd);
		post(f, cases[i].cmd, cases[i].devfn, cases[i].off, cases[i].size, 0x12345678);
		assert_true(dispatch_pending(&f->g, &f->sh));
		if (f->sh.op.err != cases[i].err)
			fail_msg("case %zu: err %d, want %d", i, f->sh.op.err, cases[i].err);
		if (cases[i].cmd == PCIIF_OP_CONF_READ)
			assert_int_equal(f->sh.op.value, 0);
		size_t n;
		simdev_writes(f->hd, &n);
		assert_int_equal(n, 0);
		assert_false(f->sh.flags & PCIIF_FLAG_F_ACTIVE);
	}
	/* Other domains and buses do not exist in vpci. */
	post(f, PCIIF_OP_CONF_READ, 0, 0, 4, 0);
	f->sh.op.bus = 0x100;
	assert_true(dispatch_pending(&f->g, &f->sh));
	assert_int_equal(f->sh.op.err, PCIIF_ERR_DEV_NOT_FOUND);
	post(f, PCIIF_OP_CONF_READ, 0, 0, 4, 0);
	f->sh.op.domain = 0x10000;
	assert_true(dispatch_pending(&f->g, &f->sh));
	assert_int_equal(f->sh.op.err, PCIIF_ERR_DEV_NOT_FOUND);
}

static void test_spurious_kick(void **state)
{
	struct one_guest *f = *state;
	post(f, PCIIF_OP_CONF_READ, 0, 0, 4, 0);
	f->sh.flags = 0;
	struct pciif_sharedinfo before = f->sh;
	assert_false(dispatch_pending(&f->g, &f->sh));
	assert_memory_equal(&before, &f->sh, sizeof(before));
	assert_int_equal(f->g.stats.spurious, 1);
}

/* The guest rewrites the page right after the backend copied it. */
static void rewrite_page(void *arg)
{
	struct pciif_sharedinfo *sh = arg;
	sh->op.cmd = PCIIF_OP_CONF_WRITE;
	sh->op.devfn = 0x100;
	sh->op.offset = 0xffc;
	sh->op.size = 3;
	sh->op.value = 0xdeadbeef;
}

static void test_single_fetch(void **state)
{
	struct one_guest *f = *state;
	f->g.after_fetch = rewrite_page;
	f->g.after_fetch_arg = &f->sh;
	post(f, PCIIF_OP_CONF_READ, 0, 0, 2, 0);
	assert_true(dispatch_pending(&f->g, &f->sh));
	/* The result is that of the op as copied: a read of the vendor ID. */
	assert_int_equal(f->sh.op.err, 0);
	assert_int_equal(f->sh.op.value, f->hd->vendor_id);
	size_t n;
	simdev_writes(f->hd, &n);
	assert_int_equal(n, 0);
	f->g.after_fetch = NULL;
}

/* Reads line i (0-based) of the trace text in buf back. */
static void read_back(const char *buf, int i, struct trace_rec *r)
{
	const char *l = buf;
	for (; i > 0; i--) {
		l = strchr(l, '\n');
		assert_non_null(l);
		l++;
	}
	char line[1024], err[200];
	size_t n = strcspn(l, "\n");
	assert_true(n < sizeof(line) && l[n] == '\n');
	memcpy(line, l, n);
	line[n] = 0;
	if (trace_read_line(line, r, err, sizeof(err)))
		fail_msg("trace line %s: %s", l, err);
}

/* Switches the guest's trace on, into *buf (valid once the returned file is closed). */
static FILE *trace_to_memory(struct one_guest *f, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	FILE *mem = open_memstream(buf, len);
	assert_non_null(mem);
	f->g.trace = mem;
	return mem;
}

/* Each op is one JSON line that reads back as posted and answered; a guest's name is escaped. */
static void test_trace_line(void **state)
{
	struct one_guest *f = *state;
	char *buf;
	size_t len;
	FILE *mem = trace_to_memory(f, &buf, &len);
	post(f, PCIIF_OP_CONF_READ, 0, 4, 2, 0x77);
	assert_true(dispatch_pending(&f->g, &f->sh));
	uint32_t cmd_reg = f->sh.op.value;
	post(f, PCIIF_OP_CONF_READ, 0, 3, 2, 0);
	assert_true(dispatch_pending(&f->g, &f->sh));
	post(f, PCIIF_OP_CONF_WRITE, 0x1234, -8, 4, 0xdeadbeef); /* no such device: slot 0x246, function 4 */
	f->sh.op.domain = 0xabcdef01;
	assert_true(dispatch_pending(&f->g, &f->sh));
	f->g.name = "a\"b\n";
	post(f, PCIIF_OP_CONF_READ, 0, 0, 2, 0);
	assert_true(dispatch_pending(&f->g, &f->sh));
	f->g.name = "g1";
	fclose(mem);
	f->g.trace = NULL;
	assert_non_null(strstr(buf, "{\"time\":"));
	assert_non_null(strstr(buf, ",\"guest\":\"g1\",\"device\":\"0000:00:00.0\",\"op\":\"conf_read\",\"cmd\":0,"
				    "\"offset\":4,\"size\":2,\"in\":119,"));
	assert_non_null(strstr(buf, "\"err\":-2,\"err_name\":\"invalid_offset\""));
	assert_non_null(strstr(buf, "\"device\":\"abcdef01:00:246.4\""));
	assert_non_null(strstr(buf, "\"guest\":\"a\\\"b\\n\""));

	struct trace_rec r;
	read_back(buf, 0, &r);
	assert_string_equal(r.guest, "g1");
	assert_int_equal(r.op.cmd, PCIIF_OP_CONF_READ);
	assert_int_equal(r.op.offset, 4);
	assert_int_equal(r.op.size, 2);
	assert_int_equal(r.op.value, 0x77);
	assert_int_equal(r.out, cmd_reg);
	assert_int_equal(r.err, 0);
	read_back(buf, 1, &r);
	assert_int_equal(r.err, PCIIF_ERR_INVALID_OFFSET);
	read_back(buf, 2, &r);
	assert_int_equal(r.op.cmd, PCIIF_OP_CONF_WRITE);
	assert_int_equal(r.op.domain, 0xabcdef01);
	assert_int_equal(r.op.devfn, 0x1234);
	assert_int_equal(r.op.offset, -8);
	assert_int_equal(r.op.value, 0xdeadbeef);
	assert_int_equal(r.err, PCIIF_ERR_DEV_NOT_FOUND);
	read_back(buf, 3, &r);
	assert_string_equal(r.guest, "a\"b\n");
	free(buf);
}

/* n reads of every dword of the header; returns the clock reads they took. */
static unsigned long ops(struct one_guest *f, int n)
{
	unsigned long before = clock_reads;
	for (int i = 0; i < n; i++) {
		post(f, PCIIF_OP_CONF_READ, 0, (i * 4) % 64, 4, 0);
		assert_true(dispatch_pending(&f->g, &f->sh));
	}
	return clock_reads - before;
}

static void test_trace_off_costs_no_clock(void **state)
{
	struct one_guest *f = *state;
	/* The counter sees the dispatcher's clock: on, every op reads it (fetch, answer, wall time). */
	char *buf;
	size_t len;
	FILE *mem = trace_to_memory(f, &buf, &len);
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
		cmocka_unit_test_setup_teardown(test_read_vendor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writeback_is_selective, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spurious_kick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_fetch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_off_costs_no_clock, setup, teardown),
	};
	return cmocka_run_group_tests_name("dispatch", tests, NULL, NULL);
}
