/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The `hide=` grammar parser on arbitrary text.  Invariants: a failed parse
 * leaves the list empty with a message; a successful one yields only ids in
 * range, and printing the list back in the grammar and parsing that again
 * gives the same list (the parser and the matcher agree on what was said).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ownership/hide.h"

#include "fuzz_check.h"

static void print_id(char *buf, size_t len, const struct hide_id *id)
{
	char slot[8] = "*", func[8] = "*";
	if (id->slot != HIDE_ANY)
		snprintf(slot, sizeof(slot), "%02x", id->slot);
	if (id->func != HIDE_ANY)
		snprintf(func, sizeof(func), "%x", id->func);
	snprintf(buf, len, "(%04x:%02x:%s.%s)", id->domain, id->bus, slot, func);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	struct hide_list l;
	char err[256] = "";
	int rc = hide_parse(s, &l, err, sizeof(err));
	free(s);
	if (rc) {
		CHECK(rc == -1 && l.count == 0 && err[0]);
		hide_free(&l);
		return 0;
	}
	size_t cap = l.count * 24 + 1;
	char *again = calloc(1, cap), *p = again;
	for (size_t i = 0; i < l.count; i++) {
		const struct hide_id *id = &l.ids[i];
		CHECK(id->slot == HIDE_ANY || (id->slot >= 0 && id->slot <= 0x1f));
		CHECK(id->func == HIDE_ANY || (id->func >= 0 && id->func <= 7));
		CHECK(!(id->slot == HIDE_ANY && id->func != HIDE_ANY));
		print_id(p, cap - (size_t)(p - again), id);
		p += strlen(p);
		/* The id matches an address it names. */
		struct pb_bdf a = { .domain = id->domain, .bus = id->bus,
				    .devfn = PB_DEVFN(id->slot == HIDE_ANY ? 3 : id->slot, id->func == HIDE_ANY ? 5 : id->func) };
		CHECK(hide_match_addr(&l, &a));
	}
	struct hide_list l2;
	CHECK(hide_parse(again, &l2, err, sizeof(err)) == 0);
	CHECK(l2.count == l.count);
	for (size_t i = 0; i < l.count; i++)
		CHECK(l.ids[i].domain == l2.ids[i].domain && l.ids[i].bus == l2.ids[i].bus &&
		      l.ids[i].slot == l2.ids[i].slot && l.ids[i].func == l2.ids[i].func);
	hide_free(&l2);
	hide_free(&l);
	free(again);
	return 0;
}
