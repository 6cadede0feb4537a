/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Writing JSON: the one string escaper (names that come from guests are untrusted bytes). */
#ifndef PCIBACKD_COMMON_JSON_OUT_H
#define PCIBACKD_COMMON_JSON_OUT_H

#include <stdio.h>

/*
 * Writes s as a JSON string, quotes included.  Always valid JSON whatever
 * bytes s holds: quote, backslash and control characters are escaped, valid
 * UTF-8 is kept, and each byte of an invalid UTF-8 sequence becomes \u00XX.
 */
void json_put_string(FILE *f, const char *s);
/*
 * json_put_string into buf (NUL-terminated, cut to fit): untrusted text put
 * into a message, with no control character reaching a terminal.  Returns buf.
 */
char *json_quote(char *buf, size_t len, const char *s);

#endif
