/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Device names from a pci.ids: known, vendor only, unknown, and files libpci cannot use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/pci_names.h"

static char dir[] = "/tmp/pci_names.XXXXXX";

/* A file in dir with text; its path (static). */
static const char *ids_file(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return path;
}

static const char good_ids[] = "# a pci.ids\n"
			       "8086  Intel Corporation\n"
			       "\t10d3  82574L Gigabit Network Connection\n"
			       "1af4  Red Hat, Inc.\n"
			       "\t1042  Virtio 1.0 \"block\" device\\\n";

static void test_known(void **state)
{
	(void)state;
	struct pci_names *n = pci_names_open(ids_file("pci.ids", good_ids));
	assert_non_null(n);
	char buf[256];
	pci_names_device(n, 0x8086, 0x10d3, buf, sizeof(buf));
	assert_string_equal(buf, "Intel Corporation 82574L Gigabit Network Connection");
	pci_names_device(n, 0x1af4, 0x1042, buf, sizeof(buf));
	assert_string_equal(buf, "Red Hat, Inc. Virtio 1.0 \"block\" device\\");
	pci_names_device(n, 0x8086, 0x1234, buf, sizeof(buf));
	assert_string_equal(buf, "Intel Corporation");
	pci_names_device(n, 0x1234, 0x5678, buf, sizeof(buf));
	assert_string_equal(buf, "");
	pci_names_device(n, 0x8086, 0x10d3, buf, 6);
	assert_string_equal(buf, "Intel");
	pci_names_close(n);
}

static void test_missing(void **state)
{
	(void)state;
	char path[300];
	snprintf(path, sizeof(path), "%s/absent.ids", dir);
	struct pci_names *n = pci_names_open(path);
	assert_non_null(n);
	char buf[64] = "x";
	pci_names_device(n, 0x8086, 0x10d3, buf, sizeof(buf));
	assert_string_equal(buf, "");
	pci_names_close(n);
	pci_names_device(NULL, 0x8086, 0x10d3, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

/* libpci's fatal error on a malformed list is caught: no names, and the process lives on. */
static void test_malformed(void **state)
{
	(void)state;
	struct pci_names *n = pci_names_open(ids_file("bad.ids", "8086  Intel Corporation\nnot an id line\n"));
	assert_non_null(n);
	char buf[64] = "x";
	pci_names_device(n, 0x8086, 0x10d3, buf, sizeof(buf));
	assert_string_equal(buf, "");
	pci_names_device(n, 0x8086, 0x10d3, buf, sizeof(buf));
	assert_string_equal(buf, "");
	pci_names_close(n);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
