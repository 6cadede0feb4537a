/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading trace lines back: every field checked, every bad line a message (a trace is untrusted input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dispatch/trace.h"
#include "refusals.h"

#define GOOD_HEAD "{\"time\":1.5,\"guest\":\"g1\",\"device\":\"0000:00:01.0\",\"op\":\"conf_read\","
#define GOOD_TAIL "\"offset\":8,\"size\":1,\"in\":0,\"out\":2,\"err\":0,\"latency_ns\":5}"

static void test_good(void **state)
{
	(void)state;
	char l[] = GOOD_HEAD "\"cmd\":0," GOOD_TAIL;
	struct trace_rec r;
	char err[200];
	assert_int_equal(trace_read_line(l, &r, err, sizeof(err)), 0);
	assert_string_equal(r.guest, "g1");
	assert_int_equal(r.op.devfn, 8);
	assert_int_equal(r.op.offset, 8);
	assert_int_equal(r.out, 2);
	/* Members in any order, unknown members ignored (a later version may add some). */
	char l2[] = "{\"new\":[1],\"err\":-19,\"out\":4294967295,\"in\":1,\"size\":4,\"offset\":-1,\"cmd\":1,"
		    "\"device\":\"ffffffff:ff:1fffffff.7\",\"guest\":\"\\u00e9\"}";
	assert_int_equal(trace_read_line(l2, &r, err, sizeof(err)), 0);
	assert_int_equal(r.op.domain, 0xffffffff);
	assert_int_equal(r.op.devfn, 0xffffffff);
	assert_int_equal(r.err, -19);
	assert_int_equal(r.out, 0xffffffff);
	assert_string_equal(r.guest, "\xc3\xa9");
}

static int read_line(char *text, char *err, size_t len)
{
	struct trace_rec r;
	return trace_read_line(text, &r, err, len);
}

static void test_bad(void **state)
{
	(void)state;
	static const struct refusal bad[] = {
		{ "", "not a JSON object: column 1: expected '{'" },
		{ "guest=g1 op=conf_read", "not a JSON object" },
		{ GOOD_HEAD GOOD_TAIL, "no \"cmd\"" },
		{ GOOD_HEAD "\"cmd\":\"0\"," GOOD_TAIL, "\"cmd\" is not a number" },
		{ GOOD_HEAD "\"cmd\":-1," GOOD_TAIL, "\"cmd\" is not an integer in 0..4294967295" },
		{ GOOD_HEAD "\"cmd\":1.5," GOOD_TAIL, "\"cmd\" is not an integer" },
		{ GOOD_HEAD "\"cmd\":99999999999999999999999," GOOD_TAIL, "\"cmd\" is not an integer" },
		{ "{\"guest\":\"\",\"device\":\"0000:00:01.0\",\"cmd\":0," GOOD_TAIL, "\"guest\" is empty" },
		{ "{\"guest\":1,\"device\":\"0000:00:01.0\",\"cmd\":0," GOOD_TAIL, "\"guest\" is not a string" },
		{ "{\"guest\":\"g\",\"device\":\"00:01.0\",\"cmd\":0," GOOD_TAIL, "\"device\" is not DDDD:BB:SS.F" },
		{ "{\"guest\":\"g\",\"device\":\"0000:00:01.8\",\"cmd\":0," GOOD_TAIL, "\"device\"" },
		{ "{\"guest\":\"g\",\"device\":\"0:0:20000000.0\",\"cmd\":0," GOOD_TAIL, "\"device\"" },
		{ "{\"guest\":\"g\",\"device\":\"100000000:0:0.0\",\"cmd\":0," GOOD_TAIL, "\"device\"" },
		{ "{\"guest\":\"g\",\"device\":\"0x0:0:0.0\",\"cmd\":0," GOOD_TAIL, "\"device\"" },
		{ "{\"guest\":\"g\",\"device\":\"0:0:0.0 \",\"cmd\":0," GOOD_TAIL, "\"device\"" },
		{ "{\"guest\":\"g\",\"device\":\"-1:0:0.0\",\"cmd\":0," GOOD_TAIL, "\"device\"" },
		{ GOOD_HEAD "\"cmd\":4," GOOD_TAIL, "enable_msix: no \"entries\"" },
		{ GOOD_HEAD "\"cmd\":4,\"entries\":[65536]," GOOD_TAIL, "enable_msix: \"entries\" holds a value" },
		{ GOOD_HEAD "\"cmd\":4,\"entries\":[1],\"vectors\":[-1]," GOOD_TAIL, "enable_msix: \"vectors\" holds" },
	};
	check_refusals(bad, sizeof(bad) / sizeof(bad[0]), read_line);
	/* 129 entries: more than the page holds. */
	char big[2048] = GOOD_HEAD "\"cmd\":4,\"entries\":[0";
	for (int i = 1; i <= PCIIF_MAX_VEC; i++)
		snprintf(big + strlen(big), sizeof(big) - strlen(big), ",%d", i);
	strcat(big, "]," GOOD_TAIL);
	/* A guest name longer than any the daemon has. */
	char longname[600] = "{\"guest\":\"";
	memset(longname + strlen(longname), 'a', 300);
	strcat(longname, "\",\"device\":\"0000:00:01.0\",\"cmd\":0," GOOD_TAIL);
	const struct refusal long_ones[] = { { big, "more than 128" }, { longname, "longer than 255" } };
	check_refusals(long_ones, 2, read_line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};
	return cmocka_run_group_tests_name("trace_read", tests, NULL, NULL);
}
