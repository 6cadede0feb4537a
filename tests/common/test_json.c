/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON: the string escaper's output is valid JSON for any bytes; the flat-object parser refuses bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/json_flat.h"
#include "common/json_out.h"
#include "refusals.h"

static char *escaped(const char *s, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");
	json_put_string(f, s);
	fclose(f);
	return buf;
}

static void test_escape(void **state)
{
	(void)state;
	char b[256];
	assert_string_equal(escaped("g1", b, sizeof(b)), "\"g1\"");
	assert_string_equal(escaped("a\"b\\c", b, sizeof(b)), "\"a\\\"b\\\\c\"");
	assert_string_equal(escaped("l\nt\t\x01\x1f\x7f", b, sizeof(b)), "\"l\\nt\\t\\u0001\\u001f\\u007f\"");
	/* Valid UTF-8 is kept; each byte of invalid sequences is escaped. */
	assert_string_equal(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", b, sizeof(b)),
			    "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	assert_string_equal(escaped("\xc3", b, sizeof(b)), "\"\\u00c3\"");
	assert_string_equal(escaped("\xc0\xaf", b, sizeof(b)), "\"\\u00c0\\u00af\"");         /* overlong */
	assert_string_equal(escaped("\xed\xa0\x80", b, sizeof(b)), "\"\\u00ed\\u00a0\\u0080\""); /* surrogate */
	assert_string_equal(escaped("\xff", b, sizeof(b)), "\"\\u00ff\"");
}

/* Every byte string the escaper writes parses back to the same bytes (when they were valid UTF-8). */
static void test_escape_roundtrip(void **state)
{
	(void)state;
	char name[64], line[512];
	srand(17);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)(rand() % 20);
		for (size_t i = 0; i < n; i++)
			name[i] = (char)(1 + rand() % 0x7f); /* ASCII, control characters included */
		name[n] = 0;
		FILE *f = fmemopen(line, sizeof(line), "w");
		fputs("{\"k\":", f);
		json_put_string(f, name);
		fputs("}", f);
		fclose(f);
		struct jf_object o;
		char err[200];
		const char *back;
		if (jf_parse(line, &o, err, sizeof(err)) || jf_string(&o, "k", &back, err, sizeof(err)))
			fail_msg("round %d: %s", round, err);
		assert_string_equal(back, name);
	}
}

static void test_parse(void **state)
{
	(void)state;
	char s[] = " {\"a\": 1, \"b\":\"x\\u00e9\\ud83d\\ude00\\n\",\"c\":[1, -2,3],\"d\":true,\"e\":null,"
		   "\"f\":-1.5e3,\"g\":[]}\n";
	struct jf_object o;
	char err[200];
	assert_int_equal(jf_parse(s, &o, err, sizeof(err)), 0);
	assert_int_equal(o.n, 7);
	int64_t v, arr[4];
	size_t n;
	assert_int_equal(jf_int(&o, "a", 0, 10, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 1);
	const char *str;
	assert_int_equal(jf_string(&o, "b", &str, err, sizeof(err)), 0);
	assert_string_equal(str, "x\xc3\xa9\xf0\x9f\x98\x80\n");
	assert_int_equal(jf_int_array(&o, "c", -5, 5, arr, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(arr[1], -2);
	assert_int_equal(jf_int_array(&o, "g", 0, 5, arr, 4, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(jf_get(&o, "d")->type, JF_TRUE);
	assert_int_equal(jf_get(&o, "e")->type, JF_NULL);
	/* Typed getters say what is wrong. */
	assert_int_equal(jf_int(&o, "f", -10000, 10000, &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"f\" is not an integer"));
	assert_int_equal(jf_int(&o, "a", 2, 10, &v, err, sizeof(err)), -1);
	assert_int_equal(jf_int(&o, "b", 0, 10, &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"b\" is not a number"));
	assert_int_equal(jf_int(&o, "zz", 0, 10, &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no \"zz\""));
	assert_int_equal(jf_int_array(&o, "c", -5, 5, arr, 2, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 2"));
	assert_int_equal(jf_int_array(&o, "c", 0, 5, arr, 4, &n, err, sizeof(err)), -1);
	/* Raw UTF-8 (not escaped) is kept as it is. */
	char u[] = "{\"caf\xc3\xa9\":\"\xe2\x82\xac\xf0\x9f\x98\x80\"}";
	assert_int_equal(jf_parse(u, &o, err, sizeof(err)), 0);
	assert_int_equal(jf_string(&o, "caf\xc3\xa9", &str, err, sizeof(err)), 0);
	assert_string_equal(str, "\xe2\x82\xac\xf0\x9f\x98\x80");
}

/* jf_parse, whose every message names the column. */
static int parse_object(char *text, char *err, size_t len)
{
	struct jf_object o;
	int rc = jf_parse(text, &o, err, len);
	if (rc && strncmp(err, "column ", 7))
		fail_msg("no column in \"%s\"", err);
	return rc;
}

static void test_parse_bad(void **state)
{
	(void)state;
	static const struct refusal bad[] = {
		{ "", "expected '{'" },
		{ "[1]", "expected '{'" },
		{ "{", "expected a key" },
		{ "{\"a\":1", "expected ',' or '}'" },
		{ "{\"a\" 1}", "expected ':'" },
		{ "{\"a\":}", "expected a value" },
		{ "{\"a\":1,}", "expected a key" },
		{ "{\"a\":1}x", "text after the object" },
		{ "{\"a\":1}{}", "text after the object" },
		{ "{\"a\":1,\"a\":2}", "given twice" },
		{ "{\"a\":{}}", "nested objects" },
		{ "{\"a\":[\"x\"]}", "only arrays of numbers" },
		{ "{\"a\":[1,]}", "expected a number after ','" },
		{ "{\"a\":[1 2]}", "expected ',' or ']'" },
		{ "{\"a\":[1", "expected ',' or ']'" },
		{ "{\"a\":01}", "expected ',' or '}'" },
		{ "{\"a\":-}", "bad number" },
		{ "{\"a\":1.}", "bad number" },
		{ "{\"a\":1e}", "bad number" },
		{ "{\"a\":tru}", "expected a value" },
		{ "{\"a\":\"x}", "unterminated string" },
		{ "{\"a\":\"x\\", "bad escape" },
		{ "{\"a\":\"\\q\"}", "bad escape" },
		{ "{\"a\":\"\\u12\"}", "bad \\u escape" },
		{ "{\"a\":\"\\u0000\"}", "\\u0000" },
		{ "{\"a\":\"\\ud800\"}", "unpaired surrogate" },
		{ "{\"a\":\"\\udc00\"}", "unpaired surrogate" },
		{ "{\"a\":\"\t\"}", "control character" },
		{ "{\"a\"}", "expected ':'" },
		{ "{\"a\":\"\xff\"}", "column 7: invalid UTF-8" },
		{ "{\"a\":\"\xc3\"}", "invalid UTF-8" },
		{ "{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8" },
		{ "{\"\xc0\xaf\":1}", "invalid UTF-8" },
	};
	check_refusals(bad, sizeof(bad) / sizeof(bad[0]), parse_object);
	/* More members than it holds. */
	char many[1024] = "{";
	for (int i = 0; i <= JF_MAX_MEMBERS; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s\"k%d\":0", i ? "," : "", i);
	strcat(many, "}");
	const struct refusal too_many[] = { { many, "more than 32 members" } };
	check_refusals(too_many, 1, parse_object);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_roundtrip),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
