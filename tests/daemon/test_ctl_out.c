/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A control answer written once gives both forms: the human lines exactly as
 * they always were, and a JSON document in which untrusted text (guest
 * names, pci.ids names, reasons) is escaped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/ctl_out.h"

/* A list-like answer: guests with nested devices, then free devices, then a provider. */
static void answer(struct ctl_out *o, const char *guest, const char *name)
{
	static const uint32_t pirqs[] = { 40, 41 };
	ctl_out_list(o, "guests");
	ctl_out_item(o, NULL, "guest");
	ctl_out_str(o, CTL_POS, "name", guest);
	ctl_out_uint(o, CTL_KV, "state", 4);
	ctl_out_str(o, CTL_PAREN, "state_name", "Connected");
	ctl_out_uint(o, CTL_HUMAN_ONLY, "devices", 1);
	ctl_out_list(o, "devices");
	ctl_out_item(o, NULL, " ");
	ctl_out_str(o, CTL_POS, "vaddr", "0000:00:00.0");
	ctl_out_bool(o, CTL_KV, "permissive", false, "on", "off");
	ctl_out_str(o, CTL_QUOTED, "name", name);
	ctl_out_item_end(o);
	ctl_out_list_end(o);
	ctl_out_item_end(o);
	ctl_out_list_end(o);
	ctl_out_list(o, "writes");
	ctl_out_item(o, NULL, "");
	ctl_out_hex(o, CTL_KV, "off", 0xc, 3);
	ctl_out_bool(o, CTL_JSON_ONLY, "quarantined", true, "", "");
	ctl_out_text(o, " (being reset)");
	ctl_out_uints(o, CTL_KV, "pirqs", pirqs, 2);
	ctl_out_uints(o, CTL_KV, "none", pirqs, 0);
	ctl_out_item_end(o);
	ctl_out_list_end(o);
	ctl_out_null(o, "provider", "provider none");
}

static char *render(bool json, const char *guest, const char *name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct ctl_out o;
	ctl_out_begin(&o, f, json);
	answer(&o, guest, name);
	ctl_out_end(&o);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void test_human(void **state)
{
	(void)state;
	char *h = render(false, "g1", "Intel \"82574L\"");
	assert_string_equal(h, "guest g1 state=4(Connected) devices=1\n"
			       "  0000:00:00.0 permissive=off name=\"Intel \"82574L\"\"\n"
			       "off=0x00c (being reset) pirqs=40,41 none=-\n"
			       "provider none\n");
	free(h);
}

static void test_json(void **state)
{
	(void)state;
	char *j = render(true, "g1", "Intel \"82574L\"");
	assert_string_equal(j, "{\"guests\":[{\"name\":\"g1\",\"state\":4,\"state_name\":\"Connected\","
			       "\"devices\":[{\"vaddr\":\"0000:00:00.0\",\"permissive\":false,"
			       "\"name\":\"Intel \\\"82574L\\\"\"}]}],"
			       "\"writes\":[{\"off\":12,\"quarantined\":true,\"pirqs\":[40,41],\"none\":[]}],"
			       "\"provider\":null}\n");
	free(j);
}

/* Untrusted text cannot break out of its string: no raw quote, backslash run or newline inside the document. */
static void test_json_untrusted(void **state)
{
	(void)state;
	char *j = render(true, "a\"},\"x\":{\"", "back\\slash\nnew\x01line");
	assert_non_null(strstr(j, "\"name\":\"a\\\"},\\\"x\\\":{\\\"\""));
	assert_non_null(strstr(j, "\"name\":\"back\\\\slash\\u000anew\\u0001line\""));
	assert_ptr_equal(strchr(j, '\n'), j + strlen(j) - 1); /* the only newline ends the document */
	free(j);
}

/* An empty answer is still one document. */
static void test_empty(void **state)
{
	(void)state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct ctl_out o;
	ctl_out_begin(&o, f, true);
	ctl_out_list(&o, "devices");
	ctl_out_list_end(&o);
	ctl_out_end(&o);
	fclose(f);
	assert_string_equal(buf, "{\"devices\":[]}\n");
	free(buf);
	f = open_memstream(&buf, &len);
	ctl_out_begin(&o, f, false);
	ctl_out_list(&o, "devices");
	ctl_out_list_end(&o);
	ctl_out_end(&o);
	fclose(f);
	assert_string_equal(buf, "");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_json_untrusted),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
