/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The state file's container (core/state_file.h): what is written reads back
 * exactly; a file cut at any byte, with any byte changed, or of another
 * version is refused with a message naming the problem.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/state_file.h"

static char dir[] = "/tmp/pbstate.XXXXXX", path[64];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/s.state", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static void write_sample(void)
{
	struct sf_writer w;
	char err[256];
	assert_int_equal(sf_begin(&w, path, err, sizeof(err)), 0);
	sf_put(&w, "transport", "local");
	sf_put(&w, "dev", "sim:/x.lspci#0000:00:02.0");
	sf_put(&w, "dev-field", "%x %u %x %x %x %x", 4, 2, 6, 0x402, 0, 0);
	sf_put(&w, "empty", "%s", "");
	assert_int_equal(sf_commit(&w, err, sizeof(err)), 0);
	assert_int_equal(access(dir, F_OK), 0);
	char tmp[80];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	assert_int_not_equal(access(tmp, F_OK), 0); /* renamed away */
}

static char *read_all(size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = malloc(65536);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

static void put_all(const char *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static void test_round_trip(void **state)
{
	(void)state;
	write_sample();
	struct sf_doc doc;
	char err[256];
	assert_int_equal(sf_load(path, &doc, err, sizeof(err)), 0);
	assert_int_equal(doc.nlines, 4);
	assert_string_equal(doc.lines[0].key, "transport");
	assert_string_equal(doc.lines[0].val, "local");
	assert_string_equal(doc.lines[2].val, "4 2 6 402 0 0");
	assert_string_equal(doc.lines[3].key, "empty");
	assert_string_equal(doc.lines[3].val, "");
	assert_int_equal(doc.lines[1].lineno, 3);
	sf_doc_free(&doc);
}

static void test_missing(void **state)
{
	(void)state;
	unlink(path);
	struct sf_doc doc;
	char err[256];
	assert_int_equal(sf_load(path, &doc, err, sizeof(err)), -ENOENT);
}

static void test_every_truncation_refused(void **state)
{
	(void)state;
	write_sample();
	size_t len;
	char *good = read_all(&len);
	for (size_t n = 0; n < len; n++) {
		put_all(good, n);
		struct sf_doc doc;
		char err[256] = "";
		assert_int_equal(sf_load(path, &doc, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, path));
	}
	put_all(good, len / 2);
	struct sf_doc doc;
	char err[256];
	assert_int_equal(sf_load(path, &doc, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "cut short"));
	free(good);
}

static void test_every_byte_change_refused(void **state)
{
	(void)state;
	write_sample();
	size_t len;
	char *good = read_all(&len);
	char *bad = malloc(len);
	for (size_t i = 0; i < len; i++) {
		memcpy(bad, good, len);
		bad[i] = bad[i] == 'a' ? 'b' : bad[i] == '\n' ? ' ' : 'a';
		put_all(bad, len);
		struct sf_doc doc;
		char err[256] = "";
		assert_int_equal(sf_load(path, &doc, err, sizeof(err)), -EINVAL);
	}
	free(bad);
	free(good);
}

static void test_other_version(void **state)
{
	(void)state;
	const char *v2 = "pcibackd-state 2\nend 0 0000000000000000\n";
	put_all(v2, strlen(v2));
	struct sf_doc doc;
	char err[256];
	assert_int_equal(sf_load(path, &doc, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "version 2, this pcibackd reads version 1"));
	const char *other = "something else\n";
	put_all(other, strlen(other));
	assert_int_equal(sf_load(path, &doc, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a pcibackd state file"));
}

static void test_bad_keys_not_written(void **state)
{
	(void)state;
	write_sample();
	struct sf_writer w;
	char err[256];
	assert_int_equal(sf_begin(&w, path, err, sizeof(err)), 0);
	sf_put(&w, "end", "1");     /* the container's own key */
	assert_int_equal(sf_commit(&w, err, sizeof(err)), -1);
	assert_int_equal(sf_begin(&w, path, err, sizeof(err)), 0);
	sf_put(&w, "Bad Key", "1");
	assert_int_equal(sf_commit(&w, err, sizeof(err)), -1);
	assert_int_equal(sf_begin(&w, path, err, sizeof(err)), 0);
	sf_put(&w, "k", "line\nbreak");
	assert_int_equal(sf_commit(&w, err, sizeof(err)), -1);
	/* The file that was there is untouched. */
	struct sf_doc doc;
	assert_int_equal(sf_load(path, &doc, err, sizeof(err)), 0);
	assert_int_equal(doc.nlines, 4);
	sf_doc_free(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_every_truncation_refused),
		cmocka_unit_test(test_every_byte_change_refused),
		cmocka_unit_test(test_other_version),
		cmocka_unit_test(test_bad_keys_not_written),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
