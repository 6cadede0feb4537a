/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json_put_string on untrusted text (guest names, pci.ids names, reasons), as the control answers use it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/json_out.h"

/* json_put_string's output for s. */
static char *lit(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	json_put_string(f, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void expect(const char *in, const char *want)
{
	char *got = lit(in);
	if (strcmp(got, want))
		fail_msg("for \"%s\": got %s, expected %s", in, got, want);
	free(got);
}

static void test_plain(void **state)
{
	(void)state;
	expect("", "\"\"");
	expect("g1", "\"g1\"");
	expect("Intel Corporation 82574L Gigabit Network Connection",
	       "\"Intel Corporation 82574L Gigabit Network Connection\"");
}

static void test_quote_backslash(void **state)
{
	(void)state;
	expect("a\"b", "\"a\\\"b\"");
	expect("\\", "\"\\\\\"");
	expect("\"\\\"", "\"\\\"\\\\\\\"\"");
	expect("C:\\dir\\", "\"C:\\\\dir\\\\\"");
}

static void test_control(void **state)
{
	(void)state;
	expect("a\nb", "\"a\\nb\"");
	expect("\t\r", "\"\\t\\u000d\"");
	expect("\x01\x1f", "\"\\u0001\\u001f\"");
	expect("\x7f", "\"\\u007f\"");
	expect("\x1b[31mred", "\"\\u001b[31mred\"");
	/* Nothing below 0x20 is left raw, whatever the mix. */
	char in[40], *out;
	for (int i = 0; i < 39; i++)
		in[i] = (char)(i % 0x21 + 1);
	in[39] = 0;
	out = lit(in);
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20)
			fail_msg("raw control byte 0x%02x in %s", *p, out);
	free(out);
}

static void test_utf8(void **state)
{
	(void)state;
	expect("Realtek\xc3\xa9", "\"Realtek\xc3\xa9\"");     /* U+00E9 */
	expect("\xe2\x82\xac", "\"\xe2\x82\xac\"");             /* U+20AC */
	expect("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");     /* U+1F600 */
	expect("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");     /* U+10FFFF */
}

/* Each byte of a malformed sequence is \u00XX: valid JSON (and valid UTF-8) whatever the input. */
static void test_bad_utf8(void **state)
{
	(void)state;
	expect("\xff", "\"\\u00ff\"");
	expect("a\x80z", "\"a\\u0080z\"");
	expect("\xc3", "\"\\u00c3\"");                                   /* cut at the end */
	expect("\xe2\x82x", "\"\\u00e2\\u0082x\"");                     /* cut */
	expect("\xc0\xaf", "\"\\u00c0\\u00af\"");                       /* overlong '/' */
	expect("\xe0\x80\xaf", "\"\\u00e0\\u0080\\u00af\"");           /* overlong */
	expect("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");           /* surrogate U+D800 */
	expect("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\""); /* above U+10FFFF */
	expect("\xc3\"", "\"\\u00c3\\\"\"");                           /* a quote ends a cut sequence */
}

/* json_quote: the same text in a buffer, cut to fit, always terminated. */
static void test_quote_into_buffer(void **state)
{
	(void)state;
	char b[16];
	assert_string_equal(json_quote(b, sizeof(b), "\x1b[2J"), "\"\\u001b[2J\"");
	assert_string_equal(json_quote(b, 6, "abcdefgh"), "\"abcd");
	assert_string_equal(json_quote(b, 1, "abc"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),        cmocka_unit_test(test_quote_backslash),
		cmocka_unit_test(test_control),      cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_bad_utf8),     cmocka_unit_test(test_quote_into_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
