/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PCI address parsing and log rate limiting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/bdf.h"
#include "common/log.h"

static void test_bdf_parse(void **state)
{
	(void)state;
	struct pb_bdf b;
	char err[200], s[PB_BDF_STRLEN];
	assert_int_equal(pb_bdf_parse("0000:03:1f.7", &b, err, sizeof(err)), 0);
	assert_string_equal(pb_bdf_format(&b, s), "0000:03:1f.7");
	assert_int_equal(pb_bdf_parse("ab:01.2", &b, err, sizeof(err)), 0);
	assert_string_equal(pb_bdf_format(&b, s), "0000:ab:01.2");
	assert_int_equal(pb_bdf_parse("FFFF:FF:1F.7", &b, err, sizeof(err)), 0);
	assert_int_equal(b.domain, 0xffff);
	static const char *const bad[] = { "", "0000:03:1f", "0000:03:20.0", "0000:03:1f.8", "10000:00:00.0",
					   "100:00.0", "0000:03:1f.7 ", "0000:03:1f.7x", "x:00.0", "00:00.0.0",
					   "0000::00.0", "-1:00.0" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pb_bdf_parse(bad[i], &b, err, sizeof(err)) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(strstr(err, "PCI address"));
	}
}

/* The PV protocol's forms: vdev-N/dev-N with either width of function, and root-N. */
static void test_bdf_pv(void **state)
{
	(void)state;
	struct pb_bdf b;
	char s[PB_BDF_STRLEN];
	assert_int_equal(pb_bdf_parse_pv("0000:03:1f.07", &b), 0);
	assert_string_equal(pb_bdf_format_pv(&b, s), "0000:03:1f.07");
	assert_string_equal(pb_bdf_format(&b, s), "0000:03:1f.7");
	assert_string_equal(pb_bdf_format_lspci(&b, s), "03:1f.7");
	assert_int_equal(pb_bdf_parse_pv("1:2:3.4", &b), 0);
	assert_string_equal(pb_bdf_format_lspci(&b, s), "0001:02:03.4");
	assert_string_equal(pb_bdf_format_pv(&b, s), "0001:02:03.04");
	static const char *const bad[] = { "", "03:1f.7", "0000:03:20.0", "0000:03:1f.8", "10000:00:00.0",
					   "0000:100:00.0", "0000:03:1f.7 ", "0000:03:1f.7x", "0000:03:1f" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (pb_bdf_parse_pv(bad[i], &b) != -1)
			fail_msg("'%s' accepted", bad[i]);
	assert_int_equal(pb_bdf_parse_root("abcd:ef", &b), 0);
	assert_int_equal(b.domain, 0xabcd);
	assert_int_equal(b.bus, 0xef);
	assert_string_equal(pb_bdf_format_root(b.domain, b.bus, s), "abcd:ef");
	static const char *const badroot[] = { "", "0000", "10000:00", "0000:100", "0000:00:00.0", "0000:00 " };
	for (size_t i = 0; i < sizeof(badroot) / sizeof(badroot[0]); i++)
		if (pb_bdf_parse_root(badroot[i], &b) != -1)
			fail_msg("root '%s' accepted", badroot[i]);
}

static void test_ratelimit(void **state)
{
	(void)state;
	struct pb_ratelimit rl = PB_RATELIMIT_INIT(60000, 5);
	uint64_t before = pb_log_lines_emitted();
	for (int i = 0; i < 100000; i++)
		pb_log_rl(&rl, PB_LOG_ERR, "flood %d", i);
	assert_int_equal(pb_log_lines_emitted() - before, 5);
	assert_int_equal(rl.total_suppressed, 100000 - 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdf_parse),
		cmocka_unit_test(test_bdf_pv),
		cmocka_unit_test(test_ratelimit),
	};
	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
