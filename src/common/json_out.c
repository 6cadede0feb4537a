/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON string escaping. */
#include "json_out.h"

#include <stddef.h>

#include "common/utf8.h"

void json_put_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	fputc('"', f);
	while (*s) {
		unsigned char c = *s;
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
			s++;
		} else if (c == '\n') {
			fputs("\\n", f);
			s++;
		} else if (c == '\t') {
			fputs("\\t", f);
			s++;
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
			s++;
		} else if (c < 0x80) {
			fputc(c, f);
			s++;
		} else {
			size_t n = utf8_seq_len(s);
			if (n) {
				fwrite(s, 1, n, f);
				s += n;
			} else {
				fprintf(f, "\\u%04x", c);
				s++;
			}
		}
	}
	fputc('"', f);
}
