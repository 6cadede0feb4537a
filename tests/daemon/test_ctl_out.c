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

/* An answer with no item. */
static void empty_answer(struct ctl_out *o, const char *guest, const char *name)
{
	(void)guest, (void)name;
	ctl_out_list(o, "devices");
	ctl_out_list_end(o);
}

/* The text of answer fill in one form. */
static char *render_with(void (*fill)(struct ctl_out *, const char *, const char *), bool json, const char *guest,
			 const char *name)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct ctl_out o;
	ctl_out_begin(&o, f, json);
	fill(&o, guest, name);
	ctl_out_end(&o);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static char *render(bool json, const char *guest, const char *name)
{
	return render_with(answer, json, guest, name);
}

/* The same calls, in each form. */
static void test_forms(void **state)
{
	(void)state;
	static const struct {
		bool json;
		const char *want;
	} forms[] = {
		{ false, "guest g1 state=4(Connected) devices=1\n"
			 "  0000:00:00.0 permissive=off name=\"Intel \"82574L\"\"\n"
			 "off=0x00c (being reset) pirqs=40,41 none=-\n"
			 "provider none\n" },
		{ true, "{\"guests\":[{\"name\":\"g1\",\"state\":4,\"state_name\":\"Connected\","
			"\"devices\":[{\"vaddr\":\"0000:00:00.0\",\"permissive\":false,"
			"\"name\":\"Intel \\\"82574L\\\"\"}]}],"
			"\"writes\":[{\"off\":12,\"quarantined\":true,\"pirqs\":[40,41],\"none\":[]}],"
			"\"provider\":null}\n" },
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		char *got = render(forms[i].json, "g1", "Intel \"82574L\"");
		assert_string_equal(got, forms[i].want);
		free(got);
	}
}

/* Untrusted text cannot break out of its string: no raw quote, backslash run or newline inside the document. */
static void test_json_untrusted(void **state)
{
	(void)state;
	char *j = render(true, "a\"},\"x\":{\"", "back\\slash\nnew\x01line");
	assert_non_null(strstr(j, "\"name\":\"a\\\"},\\\"x\\\":{\\\"\""));
	assert_non_null(strstr(j, "\"name\":\"back\\\\slash\\nnew\\u0001line\""));
	assert_ptr_equal(strchr(j, '\n'), j + strlen(j) - 1); /* the only newline ends the document */
	free(j);
}

/* An empty answer is still one document (and no line at all in the human form). */
static void test_empty(void **state)
{
	(void)state;
	for (int json = 0; json < 2; json++) {
		char *buf = render_with(empty_answer, json, "", "");
		assert_string_equal(buf, json ? "{\"devices\":[]}\n" : "");
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_json_untrusted),
		cmocka_unit_test(test_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
