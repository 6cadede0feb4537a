/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test support (header only, cmocka): a table of inputs a parser must refuse, each with its message. */
#ifndef PCIBACKD_TESTS_REFUSALS_H
#define PCIBACKD_TESTS_REFUSALS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct refusal {
	const char *text;          /* the input */
	const char *msg;           /* a part of the message it must be refused with */
};

/* parse: 0 when it accepts text (a modifiable copy), -1 with a message in err when it refuses. */
static inline void check_refusals(const struct refusal *t, size_t n, int (*parse)(char *text, char *err, size_t len))
{
	for (size_t i = 0; i < n; i++) {
		char *copy = strdup(t[i].text), err[256];
		assert_non_null(copy);
		if (parse(copy, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", t[i].text);
		free(copy);
		if (!strstr(err, t[i].msg))
			fail_msg("%s: message \"%s\", expected \"%s\"", t[i].text, err, t[i].msg);
	}
}

#endif
