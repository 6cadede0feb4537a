/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The xen-pciback hide= grammar: valid, wildcard, malformed and out-of-range
 * strings (each bad one names its group), and matching a device through a
 * bridge above it in a fake sysfs tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_sysfs.h"
#include "ownership/hide.h"

static const char *fixtures;

static struct pb_bdf A(const char *s)
{
	struct pb_bdf a;
	char e[64];
	if (pb_bdf_parse(s, &a, e, sizeof(e)))
		fail_msg("bad test address %s", s);
	return a;
}

static void test_valid(void **state)
{
	(void)state;
	struct hide_list l;
	char err[256];
	assert_int_equal(hide_parse(" (0000:01:00.0)\t(02:1f.7)\n(abcd:ff:1f.7) ", &l, err, sizeof(err)), 0);
	assert_int_equal(l.count, 3);
	assert_int_equal(l.ids[0].domain, 0);
	assert_int_equal(l.ids[0].bus, 1);
	assert_int_equal(l.ids[1].domain, 0); /* no domain: 0 */
	assert_int_equal(l.ids[1].bus, 2);
	assert_int_equal(l.ids[1].slot, 0x1f);
	assert_int_equal(l.ids[1].func, 7);
	assert_int_equal(l.ids[2].domain, 0xabcd);
	struct pb_bdf a = A("0000:01:00.0"), b = A("0000:01:00.1"), c = A("abcd:ff:1f.7");
	assert_true(hide_match_addr(&l, &a));
	assert_false(hide_match_addr(&l, &b));
	assert_true(hide_match_addr(&l, &c));
	hide_free(&l);
	assert_int_equal(hide_parse("", &l, err, sizeof(err)), 0);
	assert_int_equal(l.count, 0);
	assert_int_equal(hide_parse("(01:00.0)(0000:01:00.0)(01:00.0)", &l, err, sizeof(err)), 0);
	assert_int_equal(l.count, 1); /* duplicates dropped */
	hide_free(&l);
	assert_int_equal(hide_parse("(0001:0A:1F.3)", &l, err, sizeof(err)), 0); /* upper-case hex */
	assert_int_equal(l.ids[0].bus, 0x0a);
	hide_free(&l);
}

static void test_wildcards(void **state)
{
	(void)state;
	struct hide_list l;
	char err[256];
	assert_int_equal(hide_parse("(0000:03:02.*) (05:*.*)", &l, err, sizeof(err)), 0);
	assert_int_equal(l.count, 2);
	assert_int_equal(l.ids[0].slot, 2);
	assert_int_equal(l.ids[0].func, HIDE_ANY);
	assert_int_equal(l.ids[1].slot, HIDE_ANY);
	struct pb_bdf m1 = A("03:02.5"), m2 = A("05:1f.7"), n1 = A("03:03.0"), n2 = A("0001:05:00.0");
	assert_true(hide_match_addr(&l, &m1));
	assert_true(hide_match_addr(&l, &m2));
	assert_false(hide_match_addr(&l, &n1));
	assert_false(hide_match_addr(&l, &n2));
	hide_free(&l);
}

struct bad_case {
	const char *in;
	const char *msg[3]; /* every one must appear in the error */
};

static void test_malformed_and_out_of_range(void **state)
{
	(void)state;
	static const struct bad_case bad[] = {
		{ "(01:00.0) (100:00.0)", { "group 2", "\"(100:00.0)\"", "bus 100 out of range (at most ff)" } },
		{ "(0000:01:20.0)", { "group 1", "slot 20 out of range (at most 1f)" } },
		{ "(0000:01:00.8)", { "group 1", "function 8 out of range (at most 7)" } },
		{ "(10000:01:00.0)", { "group 1", "domain 10000 out of range (at most ffff)" } },
		{ "(01:00.0) (02:00.0) (03:*.1)", { "group 3", "'*' slot needs a '*' function" } },
		{ "(*:00.0)", { "group 1", "bus cannot be '*'" } },
		{ "(0000:*:00.0)", { "group 1", "bus cannot be '*'" } },
		{ "(01:00.0", { "group 1", "expected ')'", "the end" } },
		{ "(01:00.0) x", { "group 2", "expected '('" } },
		{ "01:00.0", { "group 1", "expected '('" } },
		{ "(01:00)", { "group 1", "expected '.'" } },
		{ "(01.0)", { "group 1", "expected ':'" } },
		{ "(0:1:2:3.0)", { "group 1", "expected '.'" } },
		{ "(01:00.0)(01:g0.0)", { "group 2", "second number", "hex number" } },
		{ "()", { "group 1", "expected a hex number" } },
		{ "(01:00.)", { "group 1", "function", "hex number" } },
		{ "(0000:01:00.0)(0000:01:00.0", { "group 2", "\"(0000:01:00.0\"" } },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct hide_list l = { (struct hide_id *)1, 99 };
		char err[256] = "";
		if (hide_parse(bad[i].in, &l, err, sizeof(err)) != -1)
			fail_msg("\"%s\" was accepted", bad[i].in);
		assert_int_equal(l.count, 0);
		assert_null(l.ids);
		for (int k = 0; k < 3 && bad[i].msg[k]; k++)
			if (!strstr(err, bad[i].msg[k]))
				fail_msg("\"%s\": error \"%s\" lacks \"%s\"", bad[i].in, err, bad[i].msg[k]);
	}
}

/* A device matches when a bridge above it is hidden; bridges themselves are never listed. */
static void test_match_through_bridge(void **state)
{
	(void)state;
	struct fake_sysfs fs;
	char f1[512], f2[512], err[256];
	snprintf(f1, sizeof(f1), "%s/cap-vc-and-rcl.lspci", fixtures);
	snprintf(f2, sizeof(f2), "%s/cap-pcie-2.lspci", fixtures);
	assert_int_equal(fake_sysfs_init(&fs), 0);
	assert_int_equal(fake_sysfs_add_device(&fs, f1, "00:1c.0", "0000:00:1c.0", NULL, "pcieport"), 0);
	assert_int_equal(fake_sysfs_add_device(&fs, f1, "01:00.0", "0000:01:00.0", "0000:00:1c.0", "r8169"), 0);
	assert_int_equal(fake_sysfs_add_device(&fs, f2, NULL, "0000:02:00.0", NULL, "igb"), 0);
	struct hide_list l;
	assert_int_equal(hide_parse("(00:1c.0)", &l, err, sizeof(err)), 0);
	struct pb_bdf nic = A("0000:01:00.0"), other = A("0000:02:00.0");
	assert_false(hide_match_addr(&l, &nic));
	assert_true(hide_match_device(&l, &fs.opt, &nic));
	assert_false(hide_match_device(&l, &fs.opt, &other));
	struct pb_bdf found[8];
	int n = hide_find_devices(&l, &fs.opt, found, 8, err, sizeof(err));
	assert_int_equal(n, 1); /* the NIC behind it; not the bridge */
	assert_true(pb_bdf_equal(&found[0], &nic));
	hide_free(&l);
	assert_int_equal(hide_parse("(*:*.*)", &l, err, sizeof(err)), -1);
	assert_int_equal(hide_parse("(00:*.*)(02:00.0)", &l, err, sizeof(err)), 0);
	n = hide_find_devices(&l, &fs.opt, found, 8, err, sizeof(err));
	assert_int_equal(n, 2);
	hide_free(&l);
	fake_sysfs_cleanup(&fs);
}

int main(int argc, char **argv)
{
	fixtures = argc > 1 ? argv[1] : "fixtures/lspci";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_wildcards),
		cmocka_unit_test(test_malformed_and_out_of_range),
		cmocka_unit_test(test_match_through_bridge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
